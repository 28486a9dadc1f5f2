package statements

import (
	"bytes"
	"compress/zlib"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"codeberg.org/go-pdf/fpdf"
	"github.com/google/go-cmp/cmp"
	"github.com/shopspring/decimal"
	"golang.org/x/text/encoding/charmap"
)

func renderPDF(t testing.TB, st *Statement) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := RenderPDF(&buf, st); err != nil {
		t.Fatalf("RenderPDF: %v", err)
	}
	return buf.Bytes()
}

// pdfPages extracts the text of each page with pdftotext, skipping the test
// when poppler-utils is not installed.
func pdfPages(t *testing.T, pdf []byte) []string {
	t.Helper()
	bin, err := exec.LookPath("pdftotext")
	if err != nil {
		t.Skip("pdftotext not installed (Debian package poppler-utils)")
	}
	path := filepath.Join(t.TempDir(), "statement.pdf")
	if err := os.WriteFile(path, pdf, 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(bin, "-enc", "UTF-8", path, "-").Output()
	if err != nil {
		t.Fatalf("pdftotext: %v", err)
	}
	pages := strings.Split(string(out), "\f")
	if n := len(pages); n > 0 && strings.TrimSpace(pages[n-1]) == "" {
		pages = pages[:n-1]
	}
	return pages
}

func TestRenderPDF(t *testing.T) {
	tests := []struct {
		name        string
		st          func(testing.TB) *Statement
		minPages    int
		provisional bool
	}{
		{"final", fixtureStatement, 1, false},
		{"provisional", provisionalStatement, 1, true},
		{"200 sales", func(t testing.TB) *Statement { return bigStatement(t, 200) }, 5, false},
		{"provisional 200 sales", func(t testing.TB) *Statement {
			st := bigStatement(t, 200)
			st.Provisional, st.AsOf = true, st.Period.From+40
			return st
		}, 5, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st := tt.st(t)
			pdf := renderPDF(t, st)
			if !bytes.HasPrefix(pdf, []byte("%PDF-")) {
				t.Fatalf("output starts with %q, want %%PDF-", pdf[:min(8, len(pdf))])
			}
			t.Run("text", func(t *testing.T) {
				pages := pdfPages(t, pdf)
				if len(pages) < tt.minPages {
					t.Fatalf("%d pages, want at least %d", len(pages), tt.minPages)
				}
				all := strings.Join(pages, "\n")
				for _, want := range []string{
					fixtureName, "D001", ssID, commID, ssTier, fixtureTotal, "Total USD",
					"1HGCM82633A004352", suvReason, "Adjustment", "-250.00 USD",
					"unrounded 1234.5678 rounded half_up to 1,234.57 USD",
					"CL-0042", "DSP-21", "possible double claim",
				} {
					if !strings.Contains(all, want) {
						t.Errorf("statement text lacks %q", want)
					}
				}
				if !strings.Contains(strings.Join(strings.Fields(all), " "), ssNext) {
					t.Errorf("statement text lacks next tier %q", ssNext)
				}
				for i, p := range pages {
					for _, want := range []string{"Incentive statement", fixtureName, "Run " + st.RunID, "2024Q3"} {
						if !strings.Contains(p, want) {
							t.Errorf("page %d lacks header text %q", i+1, want)
						}
					}
					if want := "Page " + itoa(i+1) + " of " + itoa(len(pages)); !strings.Contains(p, want) {
						t.Errorf("page %d lacks footer %q", i+1, want)
					}
					hasBanner := strings.Contains(p, "PROVISIONAL — sales up to "+st.AsOf.String())
					if hasBanner != tt.provisional {
						t.Errorf("page %d: PROVISIONAL banner shown = %v, want %v", i+1, hasBanner, tt.provisional)
					}
				}
			})
		})
	}
}

func itoa(n int) string {
	var b []byte
	for {
		b = append([]byte{byte('0' + n%10)}, b...)
		n /= 10
		if n == 0 {
			return string(b)
		}
	}
}

// TestRenderPDFSalesTableRepeatsHeader checks that a sales table running
// over several pages repeats its header row on each of them.
// saleDeal matches the deal numbers of bigStatement's sales.
var saleDeal = regexp.MustCompile(`\b200\d{3}\b`)

func TestRenderPDFSalesTableRepeatsHeader(t *testing.T) {
	pages := pdfPages(t, renderPDF(t, bigStatement(t, 200)))
	salesPages := 0
	for i, p := range pages {
		if !saleDeal.MatchString(p) {
			continue
		}
		salesPages++
		if !strings.Contains(p, "Counts for") || !strings.Contains(p, "VIN") {
			t.Errorf("page %d has sales rows but no table header", i+1)
		}
	}
	if salesPages < 4 {
		t.Errorf("sales table spans %d pages, want at least 4", salesPages)
	}
}

func TestRenderPDFTextOutsideCP1252(t *testing.T) {
	st := fixtureStatement(t)
	st.Payee.Name = "Łódź Motors ő 北京汽车 ≥ − \U0001F697"
	st.Flags = append(st.Flags, "tab\there, newline\nthere")
	st.Sales[0].Outcomes[1].Reason = "msrp ≥ 40000 required"
	pdf := renderPDF(t, st)
	pages := pdfPages(t, pdf)
	all := strings.Join(pages, "\n")
	for _, want := range []string{"Lódz Motors o ???? >= - ?", "tab here, newline there"} {
		if !strings.Contains(all, want) {
			t.Errorf("text lacks %q", want)
		}
	}
}

func TestRenderPDFEmptyStatement(t *testing.T) {
	st := &Statement{Payee: Payee{Code: "D999"}, Period: period(t, "2024-08"), RunID: "r1"}
	pages := pdfPages(t, renderPDF(t, st))
	all := strings.Join(pages, "\n")
	for _, want := range []string{"No program paid anything", "No sales were reported", "D999"} {
		if !strings.Contains(all, want) {
			t.Errorf("text lacks %q", want)
		}
	}
}

func TestRenderPDFDeterministic(t *testing.T) {
	for name, st := range map[string]*Statement{"final": fixtureStatement(t), "provisional": provisionalStatement(t), "big": bigStatement(t, 120)} {
		t.Run(name, func(t *testing.T) {
			a, b := renderPDF(t, st), renderPDF(t, st)
			if !bytes.Equal(a, b) {
				t.Fatalf("two renders differ (%d and %d bytes)", len(a), len(b))
			}
		})
	}
}

// TestCP1252 checks the one-pass encoding against folding the text, then
// encoding every character of the folded text.
func TestCP1252(t *testing.T) {
	for _, s := range []string{
		"", "D001-0042", "retail · new", "Müller & Söhne €£", "Łódź", "a − b ≤ c", "北京", "x\ty\nz",
		"not counted: sale date outside program window 2024-09-01 – 2024-09-30", "\xff\xfe bad", "tab\tend\x7f",
	} {
		if got, want := cp1252(s), foldThenEncode(s); got != want {
			t.Errorf("cp1252(%q) = %q, want %q", s, got, want)
		}
	}
}

// TestPlainPrefix checks the eight-bytes-at-a-time scan against the
// byte-by-byte one, with the first unplain byte at every position of a
// 20-byte text.
func TestPlainPrefix(t *testing.T) {
	for _, bad := range []byte{0x00, 0x1f, 0x80, 0xc3, 0xff} {
		for at := 0; at <= 20; at++ {
			b := []byte("retail new 2024Q3 ok")
			if at < len(b) {
				b[at] = bad
			}
			if got := plainPrefix(string(b)); got != at {
				t.Errorf("byte %#x at %d: plain prefix %d", bad, at, got)
			}
		}
	}
	for _, s := range []string{"", "a", " ~\x7f", "\x7f\x7f\x7f\x7f\x7f\x7f\x7f\x7f\x7f", "        \x1f"} {
		want := 0
		for want < len(s) && s[want] >= 0x20 && s[want] < 0x80 {
			want++
		}
		if got := plainPrefix(s); got != want {
			t.Errorf("plainPrefix(%q) = %d, want %d", s, got, want)
		}
	}
}

// TestAppendFixed2 holds the fast coordinate format to strconv's, on
// halves, near-halves, and a spread of page coordinates.
func TestAppendFixed2(t *testing.T) {
	vals := []float64{0, 0.005, 0.015, 0.125, 0.375, 1.005, 2.675, 10.045, 99.995, 0.1 + 0.2, 595.28, 841.89,
		123.456, 1e9, 1e7 + 0.005, -1.25, -0.001, math.Inf(1), math.NaN(), math.Nextafter(0.125, 1), math.Nextafter(0.125, 0)}
	for i := 0; i < 200000; i++ {
		vals = append(vals, float64(i)*0.0123457, float64(i)/400, float64(i)*2.83465)
	}
	for _, v := range vals {
		if got, want := string(appendFixed2(nil, v)), strconv.FormatFloat(v, 'f', 2, 64); got != want {
			t.Errorf("appendFixed2(%v) = %s, want %s", v, got, want)
		}
	}
}

func FuzzAppendFixed2(f *testing.F) {
	for _, v := range []float64{0, 0.125, 1.005, 841.89} {
		f.Add(v)
	}
	f.Fuzz(func(t *testing.T, v float64) {
		if got, want := string(appendFixed2(nil, v)), strconv.FormatFloat(v, 'f', 2, 64); got != want {
			t.Errorf("appendFixed2(%v) = %s, want %s", v, got, want)
		}
	})
}

// TestWidthMatchesFpdf measures text as fpdf does in the font it is set
// to, in every style and a few sizes, for every byte and a NUL inside.
func TestWidthMatchesFpdf(t *testing.T) {
	var all []byte
	for c := 1; c < 256; c++ {
		all = append(all, byte(c))
	}
	texts := []string{"", "D0001-16929", "retail \xb7 new", "1,873,178.90 USD", string(all), "before\x00after"}
	for _, style := range []string{"", "B", "I", "BI"} {
		for _, size := range []float64{7.5, 8.5, 11, 16} {
			f := fpdf.New("P", "mm", "A4", "")
			f.SetFont("Helvetica", style, size)
			d := &pdfDoc{f: f}
			d.measureAs(style, size)
			for _, s := range texts {
				if got, want := d.width(s), f.GetStringWidth(s); got != want {
					t.Errorf("style %q size %v: width(%q) = %v, fpdf %v", style, size, s, got, want)
				}
			}
		}
	}
}

func FuzzCP1252(f *testing.F) {
	for _, s := range []string{"retail · new", "Łódź ≥ 3", "\x00\x85", "plain"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if got, want := cp1252(s), foldThenEncode(s); got != want {
			t.Errorf("cp1252(%q) = %q, want %q", s, got, want)
		}
	})
}

// foldThenEncode is cp1252 done the long way: foldCP1252, then each
// character encoded on its own.
func foldThenEncode(s string) string {
	var b []byte
	for _, r := range foldCP1252(s) {
		c, ok := charmap.Windows1252.EncodeRune(r)
		if !ok {
			c = '?'
		}
		b = append(b, c)
	}
	return string(b)
}

func TestFoldCP1252(t *testing.T) {
	tests := map[string]string{
		"Müller & Söhne €£": "Müller & Söhne €£",
		"Łódź":              "Lódz",
		"Dvořák":            "Dvorák",
		"a − b ≤ c":         "a - b <= c",
		"北京":                "??",
		"x\ty\nz":           "x y z",
	}
	got := map[string]string{}
	for in := range tests {
		got[in] = foldCP1252(in)
	}
	if diff := cmp.Diff(tests, got); diff != "" {
		t.Errorf("foldCP1252 (-want +got):\n%s", diff)
	}
}

// TestRenderPDFRowTallerThanPage renders a sale with so many program
// outcomes, each with its own reason, that its row cannot fit on one page:
// it must continue on the next page, not overflow the footer or leave a
// page empty.
func TestRenderPDFRowTallerThanPage(t *testing.T) {
	st := fixtureStatement(t)
	st.Sales = st.Sales[:2]
	var outcomes []Outcome
	for i := range 2000 {
		outcomes = append(outcomes, Outcome{ProgramID: "P-" + itoa(1000+i), Reason: "dealer segment " + itoa(i) + " not in [rural]"})
	}
	st.Sales[1].Outcomes = outcomes
	pages := pdfPages(t, renderPDF(t, st))
	all := strings.Join(pages, "\n")
	// Programs are numbered in id order: COMM-2024Q3-RETAIL 1, P-1000 to
	// P-2999 2 to 2001, SS-2024Q3-SUV 2002; reasons R1 to R2000 in order of
	// appearance. The fixture's first sale counts for COMM and SS.
	for _, want := range []string{"P-1000", "P-2999", "R1: 2 ", "R2000: 2001", "1, 2002"} {
		if !strings.Contains(all, want) {
			t.Errorf("text lacks %q", want)
		}
	}
	// Every page from the row's first to its last carries part of it.
	first, last := -1, -1
	for i, p := range pages {
		if first < 0 && strings.Contains(p, "R1: 2 ") {
			first = i
		}
		if strings.Contains(p, "R2000: 2001") {
			last = i
		}
	}
	if first < 0 || last <= first {
		t.Fatalf("the tall row runs from page %d to page %d, want it over several pages", first+1, last+1)
	}
	for i := first + 1; i <= last; i++ {
		if !reasonRef.MatchString(pages[i]) {
			t.Errorf("page %d carries no part of the tall row", i+1)
		}
	}
}

var reasonRef = regexp.MustCompile(`R\d+: \d+`)

func TestSaleKeyOutcomes(t *testing.T) {
	st := fixtureStatement(t)
	k := newSaleKey(st)
	if diff := cmp.Diff([]string{commID, ssID}, k.programs); diff != "" {
		t.Errorf("program key (-want +got):\n%s", diff)
	}
	wantReasons := []string{suvReason, "sale type fleet not in [retail lease]", "condition used not in [new]"}
	if diff := cmp.Diff(wantReasons, k.reasons); diff != "" {
		t.Errorf("reason key (-want +got):\n%s", diff)
	}
	want := [][2]string{
		{"1, 2", ""},         // counts for both
		{"1", "R1: 2"},       // model not in the SUV program
		{"2 (0.5)", "R2: 1"}, // fleet: half a unit for the stair-step
		{"1", "R3: 2"},       // used car
		{"2", ""},            // the reversal: credit -1 is its quantity
	}
	for i := range st.Sales {
		c, e := k.outcomes(&st.Sales[i])
		if got := [2]string{c, string(e)}; got != want[i] {
			t.Errorf("sale %s: outcomes %q, want %q", st.Sales[i].DealID, got, want[i])
		}
	}
}

// TestSaleKeyReasonGroups lists a sale's excluded programs by reason number
// when reasons come in any order, sale after sale.
func TestSaleKeyReasonGroups(t *testing.T) {
	out := func(ids ...string) []Outcome {
		// a pair per program: its reason, or "" when it counted
		var os []Outcome
		for i := 0; i < len(ids); i += 2 {
			o := Outcome{ProgramID: ids[i], Counted: ids[i+1] == "", Reason: ids[i+1]}
			if o.Counted {
				o.Credit = decimal.NewFromInt(1)
			}
			os = append(os, o)
		}
		return os
	}
	st := &Statement{Sales: []SaleLine{
		{DealID: "A", Quantity: 1, Outcomes: out("P1", "b", "P2", "a", "P3", "b", "P4", "", "P5", "a")},
		{DealID: "B", Quantity: 1, Outcomes: out("P1", "a", "P2", "c", "P3", "a", "P4", "c", "P5", "")},
		{DealID: "C", Quantity: 1, Outcomes: out("P1", "c", "P2", "b", "P3", "a", "P4", "b", "P5", "c")},
	}}
	k := newSaleKey(st)
	// Reasons are numbered as first met: b 1, a 2, c 3.
	want := [][2]string{
		{"4", "R1: 1, 3 · R2: 2, 5"},
		{"5", "R2: 1, 3 · R3: 2, 4"},
		{"", "R1: 2, 4 · R2: 3 · R3: 1, 5"},
	}
	for i := range st.Sales {
		c, e := k.outcomes(&st.Sales[i])
		if got := [2]string{c, string(e)}; got != want[i] {
			t.Errorf("sale %s: outcomes %q, want %q", st.Sales[i].DealID, got, want[i])
		}
	}
}

// TestSaleKeyReasonCopies numbers a reason by its text, whether a sale
// brings the same string as the sales before it or a copy of it.
func TestSaleKeyReasonCopies(t *testing.T) {
	a, b := "model SED1 not in [SUV1]", "model SED2 not in [SUV1]"
	st := &Statement{}
	for i, r := range []string{a, b, strings.Clone(a), b, strings.Clone(b), a, strings.Clone(a)} {
		st.Sales = append(st.Sales, SaleLine{DealID: strconv.Itoa(i), Quantity: 1,
			Outcomes: []Outcome{{ProgramID: "P1", Reason: r}}})
	}
	k := newSaleKey(st)
	if want := []string{a, b}; !slices.Equal(k.reasons, want) {
		t.Errorf("reasons %q, want %q", k.reasons, want)
	}
	for i, want := range []string{"R1: 1", "R2: 1", "R1: 1", "R2: 1", "R2: 1", "R1: 1", "R1: 1"} {
		if _, e := k.outcomes(&st.Sales[i]); string(e) != want {
			t.Errorf("sale %d: excluded %q, want %q", i, e, want)
		}
	}
	// Many reasons of one length at one position, each met twice: more
	// than are kept at hand, so some share a place there.
	st = &Statement{}
	for i := range 200 {
		r := fmt.Sprintf("model M%03d not in [SUV1]", i%100)
		st.Sales = append(st.Sales, SaleLine{DealID: strconv.Itoa(i), Quantity: 1,
			Outcomes: []Outcome{{ProgramID: "P1", Reason: r}}})
	}
	k = newSaleKey(st)
	if len(k.reasons) != 100 {
		t.Fatalf("%d reasons, want 100", len(k.reasons))
	}
	for i := range st.Sales {
		if _, e := k.outcomes(&st.Sales[i]); string(e) != fmt.Sprintf("R%d: 1", i%100+1) {
			t.Errorf("sale %d (%s): excluded %q, want R%d: 1", i, st.Sales[i].Outcomes[0].Reason, e, i%100+1)
		}
	}
}

// The recent reasons a released key gave back to the pool must not number
// the next statement's: the same reason string, shared by the sales of two
// statements, has another number in each.
func TestSaleKeyReleasedSlots(t *testing.T) {
	a, b := "model SED1 not in [SUV1]", "no rebate_code on the sale"
	one := &Statement{Sales: []SaleLine{
		{DealID: "1", Quantity: 1, Outcomes: []Outcome{{ProgramID: "P1", Reason: a}}},
		{DealID: "2", Quantity: 1, Outcomes: []Outcome{{ProgramID: "P1", Reason: b}}},
	}}
	two := &Statement{Sales: []SaleLine{
		{DealID: "3", Quantity: 1, Outcomes: []Outcome{{ProgramID: "P1", Reason: b}}},
		{DealID: "4", Quantity: 1, Outcomes: []Outcome{{ProgramID: "P1", Reason: a}}},
	}}
	for range 3 { // the pool may or may not hand the slots back
		k := newSaleKey(one)
		if _, e := k.outcomes(&one.Sales[1]); string(e) != "R2: 1" {
			t.Fatalf("first statement: excluded %q, want R2: 1", e)
		}
		k.release()
		k = newSaleKey(two)
		for i, want := range []string{"R1: 1", "R2: 1"} {
			if _, e := k.outcomes(&two.Sales[i]); string(e) != want {
				t.Errorf("second statement, sale %d: excluded %q, want %q", i, e, want)
			}
		}
		k.release()
	}
}

func TestAppendRuns(t *testing.T) {
	tests := []struct {
		prefix string
		ns     []int
		want   string
	}{
		{"", []int{1}, "1"},
		{"", []int{1, 2}, "1, 2"},
		{"", []int{1, 2, 3}, "1–3"},
		{"", []int{1, 2, 3, 5, 6, 8, 10, 11, 12, 13}, "1–3, 5, 6, 8, 10–13"},
		{"R1: ", []int{4, 9}, "R1: 4, 9"},
		{"3 (0.5)", []int{7, 8, 9}, "3 (0.5), 7–9"},
		{"3 (0.5)", nil, "3 (0.5)"},
	}
	for _, tt := range tests {
		if got := string(appendRuns([]byte(tt.prefix), tt.ns)); got != tt.want {
			t.Errorf("appendRuns(%q, %v) = %q, want %q", tt.prefix, tt.ns, got, tt.want)
		}
	}
}

// TestCompressStreamsMatchesFpdf checks that a statement laid out
// uncompressed, deflated by compressStreams with the page count written in,
// inflates back to the very bytes fpdf writes uncompressed with its own
// page-count alias, and that every cross-reference of the deflated
// document points at its object.
func TestCompressStreamsMatchesFpdf(t *testing.T) {
	for name, st := range map[string]*Statement{"final": fixtureStatement(t), "provisional": provisionalStatement(t),
		"big": bigStatement(t, 300), "empty": {Payee: Payee{Code: "D999"}, Period: period(t, "2024-08"), RunID: "r1"}} {
		t.Run(name, func(t *testing.T) {
			// fpdf's own document: every cell through CellFormat, into its
			// pages, nothing held aside for compressStreams to put in.
			fastCells = false
			d := newPDFDoc(st)
			d.f.SetCompression(false)
			d.build()
			d.f.RegisterAlias(pageCountMark, strconv.Itoa(d.f.PageCount()))
			var want bytes.Buffer
			err := d.f.Output(&want) // the last footer is drawn here
			fastCells = true
			if err != nil {
				t.Fatal(err)
			}
			if len(d.runEnd) != 0 {
				t.Fatalf("%d runs of cell operators held aside with direct cells off", len(d.runEnd))
			}
			got := renderPDF(t, st)
			_, offsets, _ := readXref(t, got)
			for num := 1; num < len(offsets); num++ {
				if head := fmt.Sprintf("%d 0 obj\n", num); !bytes.HasPrefix(got[offsets[num]:], []byte(head)) {
					t.Fatalf("object %d: cross-reference %d points at %q", num, offsets[num], got[offsets[num]:offsets[num]+10])
				}
			}
			inflated := inflateStreams(t, got)
			if !bytes.Equal(inflated, want.Bytes()) {
				t.Fatalf("inflated PDF (%d bytes) differs from fpdf's uncompressed one (%d bytes)", len(inflated), want.Len())
			}
		})
	}
}

// readXref reads a document's cross-reference table: where it starts,
// each object's offset and where it ends.
func readXref(t *testing.T, doc []byte) (xrefAt int, offsets []int, tableEnd int) {
	t.Helper()
	xrefAt, err := startXref(doc)
	if err != nil {
		t.Fatal(err)
	}
	offsets, tableEnd, err = xrefTable(doc, xrefAt)
	if err != nil {
		t.Fatal(err)
	}
	return xrefAt, offsets, tableEnd
}

// inflateStreams undoes compressStreams: each deflated stream is inflated
// and the cross-reference table rebuilt.
func inflateStreams(t *testing.T, doc []byte) []byte {
	t.Helper()
	xrefAt, offsets, tableEnd := readXref(t, doc)
	const head, streamEnd = "<</Filter /FlateDecode /Length ", "\nendstream\n"
	var out bytes.Buffer
	moved := make([]int, len(offsets))
	pos := 0
	for {
		i := bytes.Index(doc[pos:xrefAt], []byte(head))
		if i < 0 {
			break
		}
		i += pos
		end := i + len(head) + bytes.IndexByte(doc[i+len(head):], '>')
		n, err := strconv.Atoi(string(doc[i+len(head) : end]))
		if err != nil {
			t.Fatal(err)
		}
		data := end + len(">>\nstream\n")
		zr, err := zlib.NewReader(bytes.NewReader(doc[data : data+n]))
		if err != nil {
			t.Fatal(err)
		}
		plain, err := io.ReadAll(zr)
		if err != nil {
			t.Fatal(err)
		}
		out.Write(doc[pos:i])
		fmt.Fprintf(&out, "<</Length %d>>\nstream\n", len(plain))
		out.Write(plain)
		out.WriteString(streamEnd)
		pos = data + n + len(streamEnd)
	}
	out.Write(doc[pos:xrefAt])
	// Objects keep their order, so each one's new offset is found by its header.
	for num := 1; num < len(offsets); num++ {
		moved[num] = bytes.Index(out.Bytes(), []byte(fmt.Sprintf("\n%d 0 obj\n", num))) + 1
	}
	newXref := out.Len()
	fmt.Fprintf(&out, "xref\n0 %d\n0000000000 65535 f \n", len(offsets))
	for num := 1; num < len(offsets); num++ {
		fmt.Fprintf(&out, "%010d 00000 n \n", moved[num])
	}
	trailer := doc[tableEnd:]
	out.Write(trailer[:bytes.LastIndex(trailer, []byte("startxref\n"))])
	fmt.Fprintf(&out, "startxref\n%d\n%%%%EOF\n", newXref)
	return out.Bytes()
}

func TestCompressStreamsRefusesOtherLayouts(t *testing.T) {
	for name, raw := range map[string]string{
		"empty":          "",
		"no xref":        "%PDF-1.3\n1 0 obj\n<<>>\nendobj\nstartxref\n9\n%%EOF\n",
		"bad startxref":  "%PDF-1.3\nstartxref\nabc\n%%EOF\n",
		"short stream":   "%PDF-1.3\n1 0 obj\n<</Length 99>>\nstream\nab\nendstream\nendobj\nxref\n0 2\n0000000000 65535 f \n0000000009 00000 n \ntrailer\n<<>>\nstartxref\n59\n%%EOF\n",
		"truncated xref": "%PDF-1.3\n1 0 obj\n<<>>\nendobj\nxref\n0 5\n0000000000 65535 f \nstartxref\n30\n%%EOF\n",
	} {
		if err := compressStreams([]byte(raw), new(bytes.Buffer), nil); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

// TestWrapShortcut checks that text taken whole by wrap's shortcut wraps
// as the word-by-word path would.
func TestWrapShortcut(t *testing.T) {
	d := newPDFDoc(fixtureStatement(t))
	d.font("", 8)
	for _, s := range []string{"", " ", "2024-07-01", "1HGCM82633A004352", "retail · used", "two  spaces", " lead", "trail ",
		"tab\there", "line\nbreak", "Müller & Söhne", "a b c d e f g h i j k l m n o p q r s t u v w x y z", "sale type fleet not in [retail lease]",
		"nbsp\u00a0inside", "averyveryveryverylongwordthatdoesnotfitanywhereatall"} {
		for _, w := range []float64{5, 20, 40, 200} {
			got := d.wrap(s, w)
			want := d.wrapWords(d.text(s), w-2*d.pad)
			if !slices.Equal(got, want) {
				t.Errorf("wrap(%q, %g) = %q, word by word %q", s, w, got, want)
			}
		}
	}
}

// TestWrapWordsMeasuresOnce checks that wrapping with each word measured
// once breaks lines where measuring every candidate line whole does, in
// every style and at widths around the words' own.
func TestWrapWordsMeasuresOnce(t *testing.T) {
	d := newPDFDoc(fixtureStatement(t))
	rng := rand.New(rand.NewPCG(7, 11))
	words := []string{"a", "W", "iii", "Not", "counted:", "1,", "R12", "(0.5)", "sale", "type", "fleet", "[retail", "lease]",
		"WWWWWWWWWWWWWWWW", "llllllllllllllllllllllllll", "Müller", "2024-07-01", "1HGCM82633A004352", "—", "x\x00y"}
	for _, style := range []string{"", "B", "I"} {
		for _, size := range []float64{6, 7.5, 9} {
			d.font(style, size)
			for range 300 {
				var b strings.Builder
				for k := range rng.IntN(30) {
					if k > 0 {
						b.WriteString([]string{" ", " ", "  ", "\t"}[rng.IntN(4)])
					}
					b.WriteString(words[rng.IntN(len(words))])
				}
				text := d.text(b.String())
				avail := 2 + rng.Float64()*120
				got := d.wrapWords(text, avail)
				want := wrapByWidth(text, avail, d.width)
				if !slices.Equal(got, want) {
					t.Fatalf("%q in %q %g at %g: %q, measured whole %q", text, style, size, avail, got, want)
				}
			}
		}
	}
}

// TestRenderPDFAppends renders into a buffer that already holds bytes and
// through a plain writer: the statement's bytes are the same either way.
func TestRenderPDFAppends(t *testing.T) {
	st := bigStatement(t, 60)
	want := renderPDF(t, st)
	buf := bytes.NewBufferString("prefix")
	if err := RenderPDF(buf, st); err != nil {
		t.Fatal(err)
	}
	if got := buf.Bytes()[len("prefix"):]; !bytes.Equal(got, want) {
		t.Errorf("rendered after a prefix: %d bytes differ from %d", len(got), len(want))
	}
	var plain strings.Builder
	if err := RenderPDF(&plain, st); err != nil {
		t.Fatal(err)
	}
	if plain.String() != string(want) {
		t.Errorf("rendered through a plain writer: %d bytes differ from %d", plain.Len(), len(want))
	}
}

func TestCompressStreamsHugeLength(t *testing.T) {
	raw := "%PDF-1.3\n1 0 obj\n<</Length 9223372036854775800>>\nstream\nab\nendstream\nendobj\nxref\n0 2\n0000000000 65535 f \n0000000009 00000 n \ntrailer\n<<>>\nstartxref\n76\n%%EOF\n"
	if i := strings.Index(raw, "xref\n"); i != 76 {
		t.Fatalf("fixture: xref at %d", i)
	}
	if err := compressStreams([]byte(raw), new(bytes.Buffer), nil); err == nil {
		t.Error("no error for a length beyond the document")
	}
}

// TestCellMatchesCellFormat renders statements with cell's direct writing
// and through fpdf's CellFormat: the documents are byte for byte the same.
func TestCellMatchesCellFormat(t *testing.T) {
	awkward := fixtureStatement(t)
	awkward.Payee.Name = `Smith (North) \ Sons`
	awkward.Sales[0].DealID = "(1042)"
	for name, st := range map[string]*Statement{"final": fixtureStatement(t), "provisional": provisionalStatement(t),
		"big": bigStatement(t, 300), "awkward": awkward, "empty": {Payee: Payee{Code: "D999"}, Period: period(t, "2024-08"), RunID: "r1"}} {
		t.Run(name, func(t *testing.T) {
			fast := renderPDF(t, st)
			fastCells = false
			defer func() { fastCells = true }()
			if slow := renderPDF(t, st); !bytes.Equal(fast, slow) {
				t.Fatalf("PDF with direct cells (%d bytes) differs from CellFormat's (%d bytes)", len(fast), len(slow))
			}
		})
	}
}
