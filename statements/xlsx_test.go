package statements

import (
	"archive/zip"
	"bytes"
	"encoding/xml"
	"fmt"
	"io"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/incent/incent"
	"github.com/shopspring/decimal"
	"github.com/xuri/excelize/v2"
)

func renderXLSX(t testing.TB, st *Statement) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := RenderXLSX(&buf, st); err != nil {
		t.Fatalf("RenderXLSX: %v", err)
	}
	return buf.Bytes()
}

func openXLSX(t *testing.T, data []byte) *excelize.File {
	t.Helper()
	f, err := excelize.OpenReader(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("reopen workbook: %v", err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}

// rawRows reads a sheet's cells as stored (numbers unformatted).
func rawRows(t *testing.T, f *excelize.File, sheet string) [][]string {
	t.Helper()
	rows, err := f.GetRows(sheet, excelize.Options{RawCellValue: true})
	if err != nil {
		t.Fatalf("read sheet %s: %v", sheet, err)
	}
	return rows
}

// findRow returns the 1-based number of the first row whose first cell is
// first.
func findRow(t *testing.T, rows [][]string, first string) int {
	t.Helper()
	for i, r := range rows {
		if len(r) > 0 && r[0] == first {
			return i + 1
		}
	}
	t.Fatalf("no row starts with %q", first)
	return 0
}

// checkNumber asserts that a cell holds a number equal to want, displayed
// with the custom number format wantFmt ("" to skip that check).
func checkNumber(t *testing.T, f *excelize.File, sheet, cell string, want decimal.Decimal, wantFmt string) {
	t.Helper()
	typ, err := f.GetCellType(sheet, cell)
	if err != nil {
		t.Fatal(err)
	}
	// A cell without a type attribute is a number in OOXML.
	if typ != excelize.CellTypeNumber && typ != excelize.CellTypeUnset {
		t.Errorf("%s!%s has cell type %v, want a number", sheet, cell, typ)
	}
	raw, err := f.GetCellValue(sheet, cell, excelize.Options{RawCellValue: true})
	if err != nil {
		t.Fatal(err)
	}
	got, err := decimal.NewFromString(raw)
	if err != nil {
		t.Fatalf("%s!%s = %q is not a number: %v", sheet, cell, raw, err)
	}
	if !got.Equal(want) {
		t.Errorf("%s!%s = %s, want %s", sheet, cell, got, want)
	}
	if wantFmt == "" {
		return
	}
	id, err := f.GetCellStyle(sheet, cell)
	if err != nil {
		t.Fatal(err)
	}
	style, err := f.GetStyle(id)
	if err != nil {
		t.Fatal(err)
	}
	if style.CustomNumFmt == nil || *style.CustomNumFmt != wantFmt {
		got := "<none>"
		if style.CustomNumFmt != nil {
			got = *style.CustomNumFmt
		}
		t.Errorf("%s!%s number format = %q (built-in %d), want %q", sheet, cell, got, style.NumFmt, wantFmt)
	}
}

func TestRenderXLSXSheets(t *testing.T) {
	f := openXLSX(t, renderXLSX(t, fixtureStatement(t)))
	want := []string{"Summary", "Programs", "Sales", "Adjustments", "Claims", "Disputes"}
	if diff := cmp.Diff(want, f.GetSheetList()); diff != "" {
		t.Errorf("sheets (-want +got):\n%s", diff)
	}
}

func TestRenderXLSXSummary(t *testing.T) {
	st := fixtureStatement(t)
	f := openXLSX(t, renderXLSX(t, st))
	rows := rawRows(t, f, "Summary")
	ss := findRow(t, rows, ssID)
	checkNumber(t, f, "Summary", cellName(t, 12, ss), dec(t, "4600"), "#,##0.00")
	checkNumber(t, f, "Summary", cellName(t, 6, ss), dec(t, "23"), "")
	comm := findRow(t, rows, commID)
	checkNumber(t, f, "Summary", cellName(t, 12, comm), dec(t, "1234.57"), "#,##0.00")
	checkNumber(t, f, "Summary", cellName(t, 6, comm), dec(t, "61728.39"), "")
	total := findRow(t, rows, "Total USD")
	checkNumber(t, f, "Summary", cellName(t, 12, total), dec(t, "5584.57"), "#,##0.00")
	checkNumber(t, f, "Summary", cellName(t, 2, findRow(t, rows, "Period from")), decimal.NewFromInt(45474), "yyyy-mm-dd")
	if got := rows[findRow(t, rows, "Payee")-1][1]; got != fixtureName {
		t.Errorf("payee name = %q, want %q", got, fixtureName)
	}
	// The adjustment reason starts with a letter; a negative amount is a
	// number, not neutralised text.
	adj := findRow(t, rows, ssID) + 2
	checkNumber(t, f, "Summary", cellName(t, 12, adj), dec(t, "-250"), "#,##0.00")
}

func TestRenderXLSXSales(t *testing.T) {
	st := fixtureStatement(t)
	f := openXLSX(t, renderXLSX(t, st))
	rows := rawRows(t, f, "Sales")
	flag := "VIN also in deal 1042 of D002 (possible double claim)"
	want := [][]string{
		{"Date", "Deal", "VIN", "Model", "Model year", "Sale type", "Condition", "Qty", "Sale amount", commID, ssID, "Not counted", "Flag"},
		{"45476", "100231", "1HGCM82633A004352", "SUV1", "2024", "retail", "new", "1", "41250", "1", "1", "", flag},
		{"45482", "100240", "5YJ3E1EA7KF317001", "SUV3", "2025", "lease", "new", "1", "52900", "1", "", suvReason + ": " + ssID},
		{"45494", "100255", "2T1BURHE0JC043821", "SUV2", "2024", "fleet", "new", "1", "", "", "0.5", "sale type fleet not in [retail lease]: " + commID},
		{"45506", "100262", "3VWFE21C04M000001", "SUV1", "2023", "retail", "used", "1", "", "1", "", "condition used not in [new]: " + ssID},
		{"45549", "100231-R", "1HGCM82633A004352", "SUV1", "2024", "retail", "new", "-1", "", "", "-1"},
	}
	if diff := cmp.Diff(want, rows); diff != "" {
		t.Errorf("Sales sheet (-want +got):\n%s", diff)
	}
	checkNumber(t, f, "Sales", "A2", decimal.NewFromInt(45476), "yyyy-mm-dd")
	checkNumber(t, f, "Sales", "I2", dec(t, "41250"), "#,##0.00")
	checkNumber(t, f, "Sales", "K4", dec(t, "0.5"), "")
	panes, err := f.GetPanes("Sales")
	if err != nil {
		t.Fatal(err)
	}
	if !panes.Freeze || panes.YSplit != 1 {
		t.Errorf("Sales panes = %+v, want the header row frozen", panes)
	}
}

func TestRenderXLSXNeutralisesText(t *testing.T) {
	st := fixtureStatement(t)
	st.Payee.Name = `=HYPERLINK("http://example.com/x","Click")`
	st.Adjustments[0].Reason = "@SUM(1,2)"
	st.Sales[1].Outcomes[1].Reason = "+cmd|' /C calc'!A0"
	f := openXLSX(t, renderXLSX(t, st))
	checks := []struct{ sheet, first, want string }{
		{"Summary", "Payee", `'=HYPERLINK("http://example.com/x","Click")`},
	}
	for _, c := range checks {
		rows := rawRows(t, f, c.sheet)
		if got := rows[findRow(t, rows, c.first)-1][1]; got != c.want {
			t.Errorf("%s %s = %q, want %q", c.sheet, c.first, got, c.want)
		}
	}
	if got, _ := f.GetCellValue("Adjustments", "E2"); got != "'@SUM(1,2)" {
		t.Errorf("adjustment reason = %q, want it neutralised", got)
	}
	if got, _ := f.GetCellValue("Sales", "L3"); got != "'+cmd|' /C calc'!A0: "+ssID {
		t.Errorf("sale reason = %q, want it neutralised", got)
	}
	if formula, _ := f.GetCellFormula("Summary", "B3"); formula != "" {
		t.Errorf("Summary!B3 holds formula %q", formula)
	}
}

func TestRenderXLSXCurrencyFormats(t *testing.T) {
	tests := []struct {
		code, amount, format string
	}{
		{"USD", "1234.57", "#,##0.00"},
		{"JPY", "123457", "#,##0"},
		{"KWD", "1234.568", "#,##0.000"},
		// More digits than a double holds: the cell has the amount's own.
		{"USD", "1234567890123456.78", "#,##0.00"},
	}
	for _, tt := range tests {
		t.Run(tt.code, func(t *testing.T) {
			cur := currency(t, tt.code)
			st := fixtureStatement(t)
			st.Programs = st.Programs[:1]
			st.Programs[0].Currency = cur
			st.Programs[0].Amount = dec(t, tt.amount)
			st.Adjustments = nil
			st.Totals = []Total{{Currency: cur, Amount: dec(t, tt.amount)}}
			f := openXLSX(t, renderXLSX(t, st))
			rows := rawRows(t, f, "Summary")
			checkNumber(t, f, "Summary", cellName(t, 12, findRow(t, rows, ssID)), dec(t, tt.amount), tt.format)
			checkNumber(t, f, "Summary", cellName(t, 12, findRow(t, rows, "Total "+tt.code)), dec(t, tt.amount), tt.format)
		})
	}
}

func TestRenderXLSXDeterministic(t *testing.T) {
	for name, st := range map[string]*Statement{"final": fixtureStatement(t), "provisional": provisionalStatement(t), "big": bigStatement(t, 120)} {
		t.Run(name, func(t *testing.T) {
			a, b := renderXLSX(t, st), renderXLSX(t, st)
			if !bytes.Equal(a, b) {
				t.Fatalf("two renders differ (%d and %d bytes)", len(a), len(b))
			}
		})
	}
}

func TestRenderXLSXDocumentProperties(t *testing.T) {
	f := openXLSX(t, renderXLSX(t, provisionalStatement(t)))
	props, err := f.GetDocProps()
	if err != nil {
		t.Fatal(err)
	}
	if want := "2024-08-15T00:00:00Z"; props.Created != want || props.Modified != want {
		t.Errorf("created %q, modified %q, want both %q", props.Created, props.Modified, want)
	}
}

func TestNumberFormat(t *testing.T) {
	got := map[string]string{}
	for _, c := range []string{"USD", "JPY", "KWD", "CLP"} {
		got[c] = numberFormat(currency(t, c))
	}
	want := map[string]string{"USD": "#,##0.00", "JPY": "#,##0", "KWD": "#,##0.000", "CLP": "#,##0"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("numberFormat (-want +got):\n%s", diff)
	}
	if got := excelSerial(incent.DateOf(2024, 1, 1)); got != 45292 {
		t.Errorf("excelSerial(2024-01-01) = %d, want 45292", got)
	}
}

func cellName(t *testing.T, col, row int) string {
	t.Helper()
	name, err := excelize.CoordinatesToCellName(col, row)
	if err != nil {
		t.Fatal(err)
	}
	return name
}

func TestNotCountedText(t *testing.T) {
	tests := []struct {
		name     string
		outcomes []Outcome
		want     string
	}{
		{"all counted", []Outcome{{ProgramID: "A", Counted: true}}, ""},
		{"one reason", []Outcome{{ProgramID: "A", Reason: "r1"}, {ProgramID: "B", Counted: true}, {ProgramID: "C", Reason: "r1"}}, "r1: A, C"},
		{"reasons in order of first appearance", []Outcome{{ProgramID: "A", Reason: "r2"}, {ProgramID: "B", Reason: "r1"}, {ProgramID: "C", Reason: "r2"}},
			"r2: A, C; r1: B"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := notCountedText(&SaleLine{Outcomes: tt.outcomes}); got != tt.want {
				t.Errorf("notCountedText = %q, want %q", got, tt.want)
			}
		})
	}
}

// TestZipPartsReadBack writes parts below, at and above the size up to
// which they are stored, through one pooled writer after another: each
// reads back as written.
func TestZipPartsReadBack(t *testing.T) {
	var buf bytes.Buffer
	zw := newZip(&buf)
	parts := map[string][]byte{}
	for i, n := range []int{0, 1, smallPart - 1, smallPart, smallPart + 1, 3 * smallPart, 100000} {
		data := bytes.Repeat([]byte(fmt.Sprintf("<c r=\"A%d\"><v>%d</v></c>", i, n)), n/20+1)[:n]
		name := fmt.Sprintf("part%d.xml", i)
		w, err := zw.Create(name)
		if err != nil {
			t.Fatal(err)
		}
		// Written in pieces, so a part crosses the stored size mid-write.
		for len(data) > 0 {
			k := min(len(data), 1500)
			if _, err := w.Write(data[:k]); err != nil {
				t.Fatal(err)
			}
			parts[name] = append(parts[name], data[:k]...)
			data = data[k:]
		}
		if n == 0 {
			parts[name] = []byte{}
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	zr, err := zip.NewReader(bytes.NewReader(buf.Bytes()), int64(buf.Len()))
	if err != nil {
		t.Fatal(err)
	}
	if len(zr.File) != len(parts) {
		t.Fatalf("%d parts read back, want %d", len(zr.File), len(parts))
	}
	for _, f := range zr.File {
		r, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		got, err := io.ReadAll(r)
		if err != nil {
			t.Fatalf("%s: %v", f.Name, err)
		}
		if !bytes.Equal(got, parts[f.Name]) {
			t.Errorf("%s: read back %d bytes, want %d", f.Name, len(got), len(parts[f.Name]))
		}
	}
}

// TestRenderXLSXAwkwardText writes text that XML must escape or cannot
// hold: every part of the workbook stays well-formed XML, and the text
// reads back escaped characters intact and the rest replaced.
func TestRenderXLSXAwkwardText(t *testing.T) {
	st := fixtureStatement(t)
	st.Payee.Name = "Smith & Sons <Motors> \"Ltd\" 'x'"
	st.Payee.Region = "  padded\ttab  "
	st.Adjustments[0].Reason = "bell\x07 nul\x00 bad\xff utf8 ünï 🚗"
	data := renderXLSX(t, st)
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	for _, zf := range zr.File {
		rc, err := zf.Open()
		if err != nil {
			t.Fatal(err)
		}
		dec := xml.NewDecoder(rc)
		for {
			if _, err := dec.Token(); err == io.EOF {
				break
			} else if err != nil {
				t.Fatalf("%s is not well-formed XML: %v", zf.Name, err)
			}
		}
		rc.Close()
	}
	f := openXLSX(t, data)
	rows := rawRows(t, f, "Summary")
	for first, want := range map[string]string{"Payee": st.Payee.Name, "Region": "  padded\ttab  "} {
		if got := rows[findRow(t, rows, first)-1][1]; got != want {
			t.Errorf("%s = %q, want %q", first, got, want)
		}
	}
	if got, _ := f.GetCellValue("Adjustments", "E2"); got != "bell\uFFFD nul\uFFFD bad\uFFFD utf8 ünï 🚗" {
		t.Errorf("adjustment reason = %q, want the characters XML cannot hold replaced", got)
	}
}

func TestColumnName(t *testing.T) {
	for n, want := range map[int]string{1: "A", 26: "Z", 27: "AA", 52: "AZ", 53: "BA", 702: "ZZ", 703: "AAA", 16384: "XFD"} {
		if got := columnName(n); got != want {
			t.Errorf("columnName(%d) = %q, want %q", n, got, want)
		}
	}
}

// TestSheetRowChunks appends rows of many sizes, some larger than a chunk,
// and checks that the sheet's chunks hold exactly those rows in order, and
// that released chunks come back empty.
func TestSheetRowChunks(t *testing.T) {
	s := &sheet{}
	var want []byte
	sizes := []int{1, 100, rowChunk - 150, 200, 50, rowChunk, 3, 2*rowChunk + 7, 0, 9}
	for round := 0; round < 3; round++ {
		for i, n := range sizes {
			row := bytes.Repeat([]byte{byte('a' + (round*len(sizes)+i)%26)}, n)
			b := append(s.avail(), row...)
			s.keep(b)
			want = append(want, row...)
		}
	}
	if got := bytes.Join(s.data, nil); !bytes.Equal(got, want) {
		t.Fatalf("rows differ: got %d bytes, want %d", len(got), len(want))
	}
	for i, c := range s.data[:len(s.data)-1] {
		if len(c) == 0 {
			t.Errorf("chunk %d is empty", i)
		}
	}
	s.release()
	if s.data != nil {
		t.Error("chunks kept after release")
	}
	if b := s.avail(); len(b) != 0 {
		t.Errorf("avail after release: %d bytes", len(b))
	}
	if c := *rowChunks.Get().(*[]byte); len(c) != 0 || cap(c) != rowChunk {
		t.Errorf("a pooled chunk of len %d, cap %d", len(c), cap(c))
	}
}
