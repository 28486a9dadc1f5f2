package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/incent/incent/ingest"
	"github.com/incent/incent/store"
	"github.com/incent/incent/workspace"
	"github.com/xuri/excelize/v2"
)

// cfgArgs returns the --config arguments of a workspace.
func cfgArgs(dir string) []string { return []string{"--config", filepath.Join(dir, "incent.yaml")} }

// cmdIn runs the CLI on a workspace and fails the test on an unexpected
// exit code.
func cmdIn(t *testing.T, dir string, wantCode int, args ...string) result {
	t.Helper()
	r := incentCmd(t, append(args, cfgArgs(dir)...)...)
	if r.code != wantCode {
		t.Fatalf("incent %s: exit %d, want %d\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), r.code, wantCode, r.stdout, r.stderr)
	}
	return r
}

// storedVersions counts the input file versions in a workspace's database.
func storedVersions(t *testing.T, dir string) int {
	t.Helper()
	db, err := store.Open(filepath.Join(dir, "incent.db"), fixedNow)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	n := 0
	err = db.Read(context.Background(), func(tx *store.Tx) error {
		for _, k := range workspace.Kinds {
			fs, err := tx.Inputs(string(k))
			if err != nil {
				return err
			}
			n += len(fs)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// vinFor returns a valid VIN (check digit set) of an SUV1 with a serial.
func vinFor(t *testing.T, serial int) string {
	t.Helper()
	s := strconv.Itoa(900000 + serial)
	for _, c := range "0123456789X" {
		v := "1NCSU1AB" + string(c) + "RA" + s
		if ingest.ValidateVIN(v) == nil {
			return v
		}
	}
	t.Fatalf("no check digit for serial %d", serial)
	return ""
}

// withWrongCheckDigit returns the VIN with a check digit that is wrong.
func withWrongCheckDigit(vin string) string {
	for _, c := range "0123456789X" {
		v := vin[:8] + string(c) + vin[9:]
		if ingest.ValidateVIN(v) != nil {
			return v
		}
	}
	return vin
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

const salesHeader = "deal_id,vin,dealer_code,sale_date,sale_type,condition,model_code,model_year,family,msrp,sale_amount,quantity,split\n"

// brokenRow is one row of brokenSales and what must become of it.
type brokenRow struct {
	line        string
	column      string // the reject's column; "" for an accepted or duplicate row
	reason      string // a part of the reject's reason
	outcome     string // accepted, rejected or duplicate
	description string
}

// brokenSales is a sales file with a row of every kind of problem, in
// file order from line 2.
func brokenSales(t *testing.T) []brokenRow {
	good := vinFor(t, 1)
	row := func(deal, vin, dealer, date, typ, amount, qty, split string) string {
		return strings.Join([]string{deal, vin, dealer, date, typ, "new", "SUV1", "2024", "suv", "42500.00", amount, qty, split}, ",")
	}
	return []brokenRow{
		{row("B-01", good, "D001", "2024-08-01", "retail", "40800.00", "1", ""), "", "", "accepted", "a good row"},
		{row("B-02", vinFor(t, 2), "D001", "2024-13-45", "retail", "40800.00", "1", ""), "sale_date", "is not a date", "rejected", "bad date"},
		{row("B-03", vinFor(t, 3), "D001", "2024-08-01", "retail", `"12,34.50"`, "1", ""), "sale_amount", "is not an amount", "rejected", "bad money"},
		{row("B-04", "1NCSU1AB", "D001", "2024-08-01", "retail", "40800.00", "1", ""), "vin", "expected 17", "rejected", "VIN too short"},
		{row("B-05", withWrongCheckDigit(vinFor(t, 5)), "D001", "2024-08-01", "retail", "40800.00", "1", ""), "vin", "check digit", "rejected", "wrong check digit"},
		{row("B-06", vinFor(t, 6), "D001", "2024-08-01", "wholesale", "40800.00", "1", ""), "sale_type", "is not a sale type", "rejected", "unknown sale type"},
		{row("B-07", vinFor(t, 7), "D001", "2024-08-01", "retail", "40800.00", "2", ""), "quantity", "is not a quantity", "rejected", "quantity 2"},
		{row("B-08", vinFor(t, 8), "D001", "2024-08-01", "retail", "40800.00", "1", "D001:60;D002:30"), "split", "expected 100", "rejected", "split not 100"},
		{row("B-09", vinFor(t, 9), "D777", "2024-08-01", "retail", "40800.00", "1", ""), "dealer_code", "unknown dealer", "rejected", "unknown dealer"},
		{row("B-10", vinFor(t, 10), "D001", "2024-08-02", "retail", "40800.00", "-1", ""), "quantity", "reversal", "rejected", "reversal with no original"},
		{row("B-01", good, "D001", "2024-08-01", "retail", "40800.00", "1", ""), "", "", "duplicate", "exact duplicate of line 2"},
		// Two rows of one key that differ: neither is taken, whichever
		// comes first.
		{row("B-11", vinFor(t, 11), "D001", "2024-08-01", "retail", "40800.00", "1", ""), "sale_amount", "same key D001/B-11/" + vinFor(t, 11) + "/+ as row 14", "rejected", "same key as line 14, other amount"},
		{row("B-11", vinFor(t, 11), "D001", "2024-08-01", "retail", "40900.00", "1", ""), "sale_amount", "same key D001/B-11/" + vinFor(t, 11) + "/+ as row 13", "rejected", "same key as line 13, other amount"},
		{row("B-12", vinFor(t, 12), "../x", "2024-08-01", "retail", "40800.00", "1", ""), "dealer_code", `contains ".."`, "rejected", "a code that is a path"},
		// A row rejected for an unknown dealer still disagrees with the
		// other row of its key, which is not taken either.
		{row("B-13", vinFor(t, 13), "D001", "2024-08-01", "retail", "40800.00", "1", "D001:50;D777:50"), "split", `unknown dealer "D777" in split`, "rejected", "unknown dealer in a split"},
		{row("B-13", vinFor(t, 13), "D001", "2024-08-01", "retail", "40800.00", "1", ""), "split", "same key D001/B-13/" + vinFor(t, 13) + "/+ as row 16", "rejected", "same key as line 16, which names an unknown dealer"},
	}
}

func brokenCSV(rows []brokenRow) string {
	var b strings.Builder
	b.WriteString(salesHeader)
	for _, r := range rows {
		b.WriteString(r.line + "\n")
	}
	return b.String()
}

// TestIngestStagesOnce ingests a file, re-ingests it (a no-op), checks that
// --dry-run stores nothing, and that a changed file is a new version whose
// rows replace the older ones with the same key.
func TestIngestStagesOnce(t *testing.T) {
	dir := demoWorkspace(t)
	file := filepath.Join(filepath.Dir(dir), "exports", "late.csv")
	writeFile(t, file, salesHeader+
		"L-01,"+vinFor(t, 21)+",D004,2024-09-28,retail,new,SUV1,2024,suv,42500.00,40800.00,1,\n"+
		"L-02,"+vinFor(t, 22)+",D004,2024-09-29,lease,new,SUV1,2024,suv,42500.00,40800.00,1,\n")

	for i := 0; i < 2; i++ {
		r := cmdIn(t, dir, 0, "ingest", "sales", file, "--dry-run")
		if !strings.Contains(r.stdout, file+": read 2 = accepted 2 + rejected 0 + duplicate 0 (new)") || !strings.Contains(r.stdout, "Dry run: nothing stored.") {
			t.Errorf("dry run %d:\n%s", i+1, r.stdout)
		}
		if n := storedVersions(t, dir); n != 0 {
			t.Errorf("after a dry run the database holds %d input versions, want 0", n)
		}
	}
	if r := cmdIn(t, dir, 0, "runs"); !strings.Contains(r.stdout, "No runs") {
		t.Errorf("runs after a dry run:\n%s", r.stdout)
	}

	r := cmdIn(t, dir, 0, "ingest", "sales", file)
	if !strings.Contains(r.stdout, file+": read 2 = accepted 2 + rejected 0 + duplicate 0 (new)") || !strings.Contains(r.stdout, "Stored") {
		t.Errorf("first ingest:\n%s", r.stdout)
	}
	// The workspace's own inputs are stored with it, as calc would store them.
	if !strings.Contains(r.stdout, "data/dealers.csv: read 5 = accepted 5") {
		t.Errorf("first ingest does not report the workspace's dealers:\n%s", r.stdout)
	}
	stored := storedVersions(t, dir)

	r = cmdIn(t, dir, 0, "ingest", "sales", file)
	if !strings.Contains(r.stdout, "(already ingested)") || !strings.Contains(r.stdout, "Nothing new to store.") || storedVersions(t, dir) != stored {
		t.Errorf("re-ingest of the same content is not a no-op:\n%s", r.stdout)
	}

	// New content under the same name: a new version that replaces L-02.
	writeFile(t, file, salesHeader+
		"L-02,"+vinFor(t, 22)+",D004,2024-09-29,lease,new,SUV1,2024,suv,42500.00,41000.00,1,\n")
	r = cmdIn(t, dir, 0, "ingest", "sales", file, "--json")
	var sum workspace.IngestSummary
	if err := json.Unmarshal([]byte(r.stdout), &sum); err != nil {
		t.Fatalf("--json: %v\n%s", err, r.stdout)
	}
	if len(sum.Files) != 1 || sum.Files[0].Status != workspace.StatusNewVersion || sum.Files[0].Replaced != 1 || !sum.Stored {
		t.Errorf("changed file: %+v", sum)
	}
	if storedVersions(t, dir) != stored+1 {
		t.Errorf("changed file: %d versions stored, want %d", storedVersions(t, dir), stored+1)
	}

	// Once ingested, the file is part of every calc, though no inputs: glob
	// names it; calc finds nothing new to store.
	r = cmdIn(t, dir, 0, "calc", "--period", "2024Q3", "--statements=false")
	if !strings.Contains(r.stdout, file+": read 1 = accepted 1 + rejected 0 + duplicate 0 (replaced 1 rows ingested earlier)") {
		t.Errorf("calc does not use the ingested file:\n%s", r.stdout)
	}
	if storedVersions(t, dir) != stored+1 {
		t.Error("calc stored again what ingest had stored")
	}
	// The run replays from the archive, without the file.
	os.Remove(file)
	if r := cmdIn(t, dir, 0, "replay", "2024Q3-R001"); !strings.Contains(r.stdout, "identical") {
		t.Errorf("replay:\n%s", r.stdout)
	}
}

// TestIngestUsageErrors checks the exit code 2 errors of ingest.
func TestIngestUsageErrors(t *testing.T) {
	dir := demoWorkspace(t)
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"ingest", "sale", "x.csv"}, `unknown input kind "sale"`},
		{[]string{"ingest", "sales"}, "expected a kind and at least one file"},
		{[]string{"ingest", "sales", filepath.Join(dir, "nope.csv")}, "nope.csv: no such file or directory"},
		{[]string{"ingest", "sales", "x.csv", "--dry-runn"}, "dry-runn"},
	} {
		r := cmdIn(t, dir, 2, tt.args...)
		if !strings.Contains(r.stderr, tt.want) {
			t.Errorf("incent %s: stderr %q, want it to contain %q", strings.Join(tt.args, " "), r.stderr, tt.want)
		}
	}
	if n := storedVersions(t, dir); n != 0 {
		t.Errorf("failed commands stored %d input versions", n)
	}
}

// TestIngestRefusesBrokenFile feeds a file of broken rows: beyond
// max_rejects the command exits 3 and stores nothing, and still lists
// every reject as file:row: column: reason.
func TestIngestRefusesBrokenFile(t *testing.T) {
	dir := demoWorkspace(t)
	rows := brokenSales(t)
	file := filepath.Join(dir, "data", "sales", "broken.csv")
	writeFile(t, file, brokenCSV(rows))

	r := cmdIn(t, dir, 3, "ingest", "sales", file)
	if !strings.Contains(r.stderr, "max_rejects") || !strings.Contains(r.stdout, "Nothing stored.") {
		t.Errorf("stderr %q\nstdout:\n%s", r.stderr, r.stdout)
	}
	if !strings.Contains(r.stdout, "data/sales/broken.csv: read 16 = accepted 1 + rejected 14 + duplicate 1 (new)") {
		t.Errorf("no reconciliation line:\n%s", r.stdout)
	}
	for i, row := range rows {
		if row.outcome != "rejected" {
			continue
		}
		prefix := "  data/sales/broken.csv:" + strconv.Itoa(i+2) + ": " + row.column + ": "
		if !strings.Contains(r.stdout, prefix) {
			t.Errorf("%s: stdout lacks %q", row.description, prefix)
		}
	}
	if n := storedVersions(t, dir); n != 0 {
		t.Errorf("a refused ingest stored %d input versions", n)
	}
	// A refused ingest changes nothing: the demo still calculates.
	cmdIn(t, dir, 3, "calc", "--period", "2024Q3", "--statements=false")
	os.Remove(file)
	cmdIn(t, dir, 0, "calc", "--period", "2024Q3", "--statements=false")
}

// TestBrokenRowsAccountedFor checks that every row of a file full of
// broken rows, CSV and XLSX, ends in exactly one place, that each reject
// in rejects.csv names its file, row, column and reason, and that ingest
// and calc report the same rejects.
func TestBrokenRowsAccountedFor(t *testing.T) {
	dir := demoWorkspace(t)
	rows := brokenSales(t)
	writeFile(t, filepath.Join(dir, "data", "sales", "broken.csv"), brokenCSV(rows))

	// The XLSX rows: a title row, the header on row 3, data from row 4.
	x := excelize.NewFile()
	sheet := x.GetSheetName(0)
	set := func(row int, values ...any) {
		cell, _ := excelize.CoordinatesToCellName(1, row)
		if err := x.SetSheetRow(sheet, cell, &values); err != nil {
			t.Fatal(err)
		}
	}
	set(1, "Northwind dealer sales, August 2024")
	set(3, "deal_id", "vin", "dealer_code", "sale_date", "sale_type", "model_code", "msrp", "quantity")
	aug := time.Date(2024, 8, 5, 0, 0, 0, 0, time.UTC)
	set(4, "X-01", vinFor(t, 31), "D002", aug, "retail", "SUV1", 42500, 1)
	set(5, "X-02", vinFor(t, 32), "D002", "31/02/2024", "retail", "SUV1", 42500, 1)
	set(6, "X-03", vinFor(t, 33), "D002", aug, "retail", "SUV1", "12.34.56", 1)
	set(7, "X-04", vinFor(t, 34), "D002", aug, "retail", "SUV1", 42500, 2)
	set(8, "X-01", vinFor(t, 31), "D002", aug, "retail", "SUV1", 42500, 1)
	if err := x.SaveAs(filepath.Join(dir, "data", "sales", "broken.xlsx")); err != nil {
		t.Fatal(err)
	}
	x.Close()
	xlsxRejects := map[int]string{5: "sale_date", 6: "msrp", 7: "quantity"}

	r := cmdIn(t, dir, 0, "ingest", "sales", filepath.Join(dir, "data", "sales", "broken.csv"), filepath.Join(dir, "data", "sales", "broken.xlsx"),
		"--max-rejects", "1", "--dry-run", "--json")
	var sum workspace.IngestSummary
	if err := json.Unmarshal([]byte(r.stdout), &sum); err != nil {
		t.Fatal(err)
	}
	var fromIngest []string
	for _, p := range sum.Rejects {
		if strings.Contains(p.File, "broken") {
			fromIngest = append(fromIngest, p.String())
		}
	}

	r = cmdIn(t, dir, 0, "calc", "--period", "2024Q3", "--statements=false", "--max-rejects", "1")
	runDir := filepath.Join(dir, "out", "2024Q3", "2024Q3-R001")

	var m workspace.Manifest
	data, _ := os.ReadFile(filepath.Join(runDir, "manifest.json"))
	if err := json.Unmarshal(data, &m); err != nil {
		t.Fatal(err)
	}
	counts := map[string]workspace.Reconciliation{}
	for _, in := range m.Inputs {
		if in.Read != in.Accepted+in.Rejected+in.Duplicate {
			t.Errorf("%s: read %d ≠ accepted %d + rejected %d + duplicate %d", in.File, in.Read, in.Accepted, in.Rejected, in.Duplicate)
		}
		counts[in.File] = in
	}
	want := map[string]int{}
	for _, row := range rows {
		want[row.outcome]++
	}
	if c := counts["data/sales/broken.csv"]; c.Read != len(rows) || c.Accepted != want["accepted"] || c.Rejected != want["rejected"] || c.Duplicate != want["duplicate"] {
		t.Errorf("broken.csv: %+v, want read %d = %v", c, len(rows), want)
	}
	if c := counts["data/sales/broken.xlsx"]; c.Read != 5 || c.Accepted != 1 || c.Rejected != 3 || c.Duplicate != 1 {
		t.Errorf("broken.xlsx: %+v, want read 5 = accepted 1 + rejected 3 + duplicate 1", c)
	}
	if !strings.Contains(r.stdout, "data/sales/broken.csv: read 16 = accepted 1 + rejected 14 + duplicate 1") {
		t.Errorf("calc summary lacks the reconciliation:\n%s", r.stdout)
	}

	rejects := readCSV(t, filepath.Join(runDir, "rejects.csv"))
	if got := strings.Join(rejects[0], ","); got != "file,row,column,reason,raw" {
		t.Fatalf("rejects.csv header %s", got)
	}
	got := map[string]map[int][]string{}
	var fromCalc []string
	for _, rj := range rejects[1:] {
		file, column, reason := rj[0], rj[2], rj[3]
		row, err := strconv.Atoi(rj[1])
		if file == "" || err != nil || row < 2 || column == "" || reason == "" {
			t.Errorf("reject without file, row, column and reason: %q", rj)
		}
		if got[file] == nil {
			got[file] = map[int][]string{}
		}
		got[file][row] = []string{column, reason, rj[4]}
		if strings.Contains(file, "broken") {
			fromCalc = append(fromCalc, ingest.Reject{File: file, Row: row, Column: column, Reason: reason}.Error())
		}
	}
	for i, row := range rows {
		line := i + 2
		g, rejected := got["data/sales/broken.csv"][line]
		switch {
		case row.outcome != "rejected" && rejected:
			t.Errorf("line %d (%s) was rejected: %v", line, row.description, g)
		case row.outcome == "rejected" && !rejected:
			t.Errorf("line %d (%s) is not in rejects.csv", line, row.description)
		case rejected && (g[0] != row.column || !strings.Contains(g[1], row.reason)):
			t.Errorf("line %d (%s): rejected as %s: %s; want %s: …%s…", line, row.description, g[0], g[1], row.column, row.reason)
		case rejected && g[2] != row.line:
			t.Errorf("line %d (%s): raw row %q, want the line as in the file %q", line, row.description, g[2], row.line)
		}
	}
	for line, col := range xlsxRejects {
		if g := got["data/sales/broken.xlsx"][line]; g == nil || g[0] != col {
			t.Errorf("broken.xlsx row %d: rejected as %v, want column %s", line, g, col)
		}
	}
	if len(got["data/sales/broken.xlsx"]) != len(xlsxRejects) {
		t.Errorf("broken.xlsx rejects: %v", got["data/sales/broken.xlsx"])
	}
	slices.Sort(fromIngest)
	slices.Sort(fromCalc)
	if diff := cmp.Diff(fromCalc, fromIngest); diff != "" {
		t.Errorf("ingest and calc disagree on the rejects (-calc +ingest):\n%s", diff)
	}
}

// csvToXLSX rewrites a sales CSV as a workbook the way a spreadsheet saves
// an export: title rows above the header, dates as date cells, money and
// counts as numbers.
func csvToXLSX(t *testing.T, src, dst string) {
	t.Helper()
	f, err := os.Open(src)
	if err != nil {
		t.Fatal(err)
	}
	records, err := csv.NewReader(f).ReadAll()
	f.Close()
	if err != nil {
		t.Fatal(err)
	}
	x := excelize.NewFile()
	defer x.Close()
	sheet := x.GetSheetName(0)
	dateStyle, err := x.NewStyle(&excelize.Style{NumFmt: 14})
	if err != nil {
		t.Fatal(err)
	}
	x.SetCellValue(sheet, "A1", "Northwind Vehicles: dealer sales export")
	x.SetCellValue(sheet, "A2", "Exported 2024-10-01 06:00")
	const top = 4 // header row
	for r, rec := range records {
		for c, v := range rec {
			if v == "" {
				continue
			}
			cell, _ := excelize.CoordinatesToCellName(c+1, top+r)
			var value any = v
			if r > 0 {
				switch records[0][c] {
				case "sale_date", "claim_date":
					d, err := time.Parse("2006-01-02", v)
					if err != nil {
						t.Fatal(err)
					}
					value = d
					x.SetCellStyle(sheet, cell, cell, dateStyle)
				case "msrp", "sale_amount", "rebate_amount":
					// A spreadsheet holds money as a binary double; the
					// reader must turn the cell back into the exact amount.
					n, err := strconv.ParseFloat(v, 64)
					if err != nil {
						t.Fatal(err)
					}
					value = n
				case "model_year", "quantity":
					n, err := strconv.Atoi(v)
					if err != nil {
						t.Fatal(err)
					}
					value = n
				}
			}
			if err := x.SetCellValue(sheet, cell, value); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := x.SaveAs(dst); err != nil {
		t.Fatal(err)
	}
}

// csvToCDK rewrites a canonical sales CSV in the cdk profile's layout:
// its headers, in another column order, US dates and one-letter deal types
// and conditions.
func csvToCDK(t *testing.T, src, dst string) {
	t.Helper()
	p, _ := ingest.BuiltinProfile("cdk")
	letters := map[string]map[string]string{
		"sale_type": {"retail": "R", "lease": "L", "fleet": "F", "demo": "D"},
		"condition": {"new": "N", "used": "U"},
	}
	f, err := os.Open(src)
	if err != nil {
		t.Fatal(err)
	}
	records, err := csv.NewReader(f).ReadAll()
	f.Close()
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	w := csv.NewWriter(&out)
	for r, rec := range records {
		row := make([]string, len(rec))
		for c, v := range rec {
			col := records[0][c]
			switch {
			case r == 0:
				v = p.Columns[col]
				if v == "" {
					t.Fatalf("cdk has no header for %s", col)
				}
			case v == "":
			case col == "sale_date" || col == "claim_date":
				d, err := time.Parse("2006-01-02", v)
				if err != nil {
					t.Fatal(err)
				}
				v = d.Format(p.DateFormat)
			case letters[col] != nil:
				if letters[col][v] == "" {
					t.Fatalf("no cdk letter for %s %q", col, v)
				}
				v = letters[col][v]
			}
			row[len(rec)-1-c] = v // columns reversed: order does not matter
		}
		w.Write(row)
	}
	w.Flush()
	writeFile(t, dst, out.String())
}

// TestSameDataSamePayouts calculates the demo from its canonical CSV, from
// the same sales as XLSX workbooks, and from the same sales in the cdk
// layout: payouts.csv and calc-log.jsonl are byte-identical, and every
// file reconciles the same.
func TestSameDataSamePayouts(t *testing.T) {
	canonical := demoWorkspace(t)
	xlsx := demoWorkspace(t)
	cdk := demoWorkspace(t)
	sales, err := filepath.Glob(filepath.Join(canonical, "data", "sales", "*.csv"))
	if err != nil || len(sales) == 0 {
		t.Fatalf("demo sales: %v %v", sales, err)
	}
	for _, src := range sales {
		base := strings.TrimSuffix(filepath.Base(src), ".csv")
		os.Remove(filepath.Join(xlsx, "data", "sales", base+".csv"))
		csvToXLSX(t, src, filepath.Join(xlsx, "data", "sales", base+".xlsx"))
		csvToCDK(t, src, filepath.Join(cdk, "data", "sales", base+".csv"))
	}
	yaml := filepath.Join(cdk, "incent.yaml")
	data, _ := os.ReadFile(yaml)
	if !bytes.Contains(data, []byte("\nprofile: canonical")) {
		t.Fatal("demo incent.yaml has no profile: line")
	}
	writeFile(t, yaml, strings.Replace(string(data), "\nprofile: canonical", "\nprofile: cdk", 1))

	recon := map[string][]string{}
	for _, dir := range []string{canonical, xlsx, cdk} {
		cmdIn(t, dir, 0, "calc", "--period", "2024Q3", "--statements=false")
		var m workspace.Manifest
		data, _ := os.ReadFile(filepath.Join(dir, "out/2024Q3/2024Q3-R001/manifest.json"))
		if err := json.Unmarshal(data, &m); err != nil {
			t.Fatal(err)
		}
		for _, in := range m.Inputs {
			name := strings.TrimSuffix(strings.TrimSuffix(in.File, ".csv"), ".xlsx")
			recon[dir] = append(recon[dir], name+": "+strings.SplitN(in.Line(), ": ", 2)[1])
		}
		slices.Sort(recon[dir])
	}
	for _, name := range []string{"payouts.csv", "calc-log.jsonl"} {
		want, _ := os.ReadFile(filepath.Join(canonical, "out/2024Q3/2024Q3-R001", name))
		for label, dir := range map[string]string{"XLSX": xlsx, "cdk profile": cdk} {
			got, _ := os.ReadFile(filepath.Join(dir, "out/2024Q3/2024Q3-R001", name))
			if len(want) == 0 || runIDs.ReplaceAllString(string(got), "RUN") != runIDs.ReplaceAllString(string(want), "RUN") {
				t.Errorf("%s from %s differs from canonical CSV", name, label)
			}
		}
	}
	for label, dir := range map[string]string{"XLSX": xlsx, "cdk profile": cdk} {
		if diff := cmp.Diff(recon[canonical], recon[dir]); diff != "" {
			t.Errorf("%s reconciliation differs (-canonical +%s):\n%s", label, label, diff)
		}
	}
}

// snapshot returns every file and folder under root with the SHA-256 of
// each file, leaving out what skip names.
func snapshot(t *testing.T, root string, skip func(rel string) bool) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, path)
		rel = filepath.ToSlash(rel)
		if skip(rel) {
			if d.IsDir() {
				return filepath.SkipDir
			}
			return nil
		}
		if d.IsDir() {
			out[rel+"/"] = "dir"
			return nil
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(data)
		out[rel] = hex.EncodeToString(sum[:])
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestNothingWrittenOutsideOut runs ingest (stored, dry run and refused),
// calc with statements, a dry-run calc and runs, with the temporary folder
// inside the snapshot: nothing but out/ and the database changes.
func TestNothingWrittenOutsideOut(t *testing.T) {
	dir := demoWorkspace(t)
	root := filepath.Dir(dir)
	tmp := filepath.Join(root, "tmp")
	if err := os.MkdirAll(tmp, 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("TMPDIR", tmp)
	exports := filepath.Join(root, "exports")
	writeFile(t, filepath.Join(exports, "late.csv"), salesHeader+
		"L-01,"+vinFor(t, 41)+",D004,2024-09-28,retail,new,SUV1,2024,suv,42500.00,40800.00,1,\n")
	writeFile(t, filepath.Join(exports, "broken.csv"), brokenCSV(brokenSales(t)))
	csvToXLSX(t, filepath.Join(dir, "data", "sales", "2024-09.csv"), filepath.Join(exports, "sept.xlsx"))

	ws := filepath.Base(dir) + "/"
	skip := func(rel string) bool {
		return rel == ws+"out" || strings.HasPrefix(rel, ws+"incent.db")
	}
	before := snapshot(t, root, skip)

	cmdIn(t, dir, 0, "ingest", "sales", filepath.Join(exports, "late.csv"))
	cmdIn(t, dir, 0, "ingest", "sales", filepath.Join(exports, "sept.xlsx"), "--dry-run")
	cmdIn(t, dir, 3, "ingest", "sales", filepath.Join(exports, "broken.csv"))
	cmdIn(t, dir, 0, "calc", "--period", "2024Q3")
	cmdIn(t, dir, 0, "calc", "--period", "2024Q3", "--dry-run")
	cmdIn(t, dir, 0, "runs")

	after := snapshot(t, root, skip)
	if diff := cmp.Diff(before, after); diff != "" {
		t.Errorf("files outside out/ and the database changed (-before +after):\n%s", diff)
	}
	entries, _ := os.ReadDir(filepath.Join(dir, "out", "2024Q3"))
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	if diff := cmp.Diff([]string{"2024Q3-R001"}, names); diff != "" {
		t.Errorf("out/2024Q3 holds (-want +got):\n%s", diff)
	}
}

// TestVINCheckWarn sets vin_check: warn: the demo row with a wrong check
// digit is accepted, and the warning is listed by ingest, counted by calc
// and recorded in manifest.json instead of rejects.csv.
func TestVINCheckWarn(t *testing.T) {
	dir := demoWorkspace(t)
	yaml := filepath.Join(dir, "incent.yaml")
	data, _ := os.ReadFile(yaml)
	if !bytes.Contains(data, []byte("\nvin_check: reject")) {
		t.Fatal("demo incent.yaml has no vin_check: line")
	}
	setVINCheck := func(v string) {
		writeFile(t, yaml, strings.Replace(string(data), "\nvin_check: reject", "\nvin_check: "+v, 1))
	}
	setVINCheck("warn")
	const warning = `data/sales/2024-07-08.csv:136: vin: "1NCSU1AB0RA100160": check digit is 0, expected X; accepted because vin_check is warn`

	r := cmdIn(t, dir, 0, "ingest", "sales", filepath.Join(dir, "data", "sales", "2024-07-08.csv"), "--dry-run")
	if !strings.Contains(r.stdout, "data/sales/2024-07-08.csv: read 135 = accepted 135 + rejected 0 + duplicate 0") ||
		!strings.Contains(r.stdout, "1 rows accepted with a warning:\n  "+warning) {
		t.Errorf("ingest:\n%s", r.stdout)
	}

	r = cmdIn(t, dir, 0, "calc", "--period", "2024Q3", "--statements=false")
	if !strings.Contains(r.stdout, "1 rows accepted with a warning") {
		t.Errorf("calc summary lacks the warning count:\n%s", r.stdout)
	}
	runDir := filepath.Join(dir, "out", "2024Q3", "2024Q3-R001")
	var m workspace.Manifest
	md, _ := os.ReadFile(filepath.Join(runDir, "manifest.json"))
	if err := json.Unmarshal(md, &m); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{warning}, m.Warnings); diff != "" {
		t.Errorf("manifest warnings (-want +got):\n%s", diff)
	}
	for _, rj := range readCSV(t, filepath.Join(runDir, "rejects.csv"))[1:] {
		if rj[2] == "vin" {
			t.Errorf("rejects.csv still rejects a VIN: %q", rj)
		}
	}

	// The decision is archived with the file version: the run replays
	// identically after vin_check is set back to reject.
	setVINCheck("reject")
	if r := cmdIn(t, dir, 0, "replay", "2024Q3-R001"); !strings.Contains(r.stdout, "identical") {
		t.Errorf("replay:\n%s", r.stdout)
	}

	setVINCheck("sometimes")
	if r := incentCmd(t, append([]string{"calc", "--period", "2024Q3"}, cfgArgs(dir)...)...); r.code != 2 || !strings.Contains(r.stderr, "vin_check") {
		t.Errorf("bad vin_check: exit %d, %q", r.code, r.stderr)
	}
}

func TestIngestFlags(t *testing.T) {
	var got *IngestOptions
	f := &factory{ios: &IOStreams{}, now: fixedNow, v: newViper()}
	cmd := newCmdIngest(f, func(o *IngestOptions) error { got = o; return nil })
	cmd.SetArgs([]string{"sales", "a.csv", "b.xlsx", "--dry-run", "--json"})
	if err := cmd.Execute(); err != nil {
		t.Fatal(err)
	}
	want := IngestOptions{Kind: "sales", Files: []string{"a.csv", "b.xlsx"}, DryRun: true, JSON: true}
	if diff := cmp.Diff(want, *got); diff != "" {
		t.Errorf("options (-want +got):\n%s", diff)
	}
}

// TestIngestSummaryCapsRejects checks that the text report lists the first
// rejects and counts the rest, while --json lists every one.
func TestIngestSummaryCapsRejects(t *testing.T) {
	s := &workspace.IngestSummary{Kind: "sales", Files: []workspace.IngestedFile{{
		Reconciliation: workspace.Reconciliation{File: "s.csv", Read: 80, Accepted: 20, Rejected: 60}, Status: workspace.StatusNew}}}
	for i := 0; i < 60; i++ {
		s.Rejects = append(s.Rejects, workspace.RowProblem{File: "s.csv", Row: i + 2, Column: "vin", Reason: "bad"})
	}
	var out bytes.Buffer
	printIngestSummary(&IOStreams{Out: &out}, s, false, false)
	text := out.String()
	if !strings.Contains(text, "s.csv: read 80 = accepted 20 + rejected 60 + duplicate 0 (new)\n") ||
		!strings.Contains(text, "  s.csv:51: vin: bad\n") || strings.Contains(text, "s.csv:52:") ||
		!strings.Contains(text, "… and 10 more (--json lists every one)") {
		t.Errorf("text report:\n%s", text)
	}
	out.Reset()
	printIngestSummary(&IOStreams{Out: &out}, s, true, false)
	var back workspace.IngestSummary
	if err := json.Unmarshal(out.Bytes(), &back); err != nil || len(back.Rejects) != 60 {
		t.Errorf("--json: %v, %d rejects", err, len(back.Rejects))
	}
}

// TestRestoredFileIsNewestAgain edits a sales file, calculates, puts the
// file back as it was and calculates again: the third run pays what the
// first did, from a third version of the file.
func TestRestoredFileIsNewestAgain(t *testing.T) {
	dir := demoWorkspace(t)
	p := filepath.Join(dir, "data", "sales", "2024-09.csv")
	orig, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	digest := func() string {
		r := cmdIn(t, dir, 0, "calc", "--period", "2024Q3", "--statements=false", "--json")
		var s struct {
			Digest string `json:"result_digest"`
		}
		if err := json.Unmarshal([]byte(r.stdout), &s); err != nil || s.Digest == "" {
			t.Fatalf("calc --json: %v\n%s", err, r.stdout)
		}
		return s.Digest
	}
	first := digest()
	edited := bytes.Replace(orig, []byte(",retail,"), []byte(",fleet,"), 1)
	if bytes.Equal(edited, orig) {
		t.Fatal("no retail sale to edit")
	}
	writeFile(t, p, string(edited))
	if second := digest(); second == first {
		t.Fatal("the edited file did not change the result")
	}
	writeFile(t, p, string(orig))
	if third := digest(); third != first {
		t.Errorf("with the file put back the digest is %s, want the first run's %s", third, first)
	}
	if n := storedVersions(t, dir); n != 8 {
		t.Errorf("%d stored versions, want 8: 6 files, the edit and the file put back", n)
	}
	// Unchanged since: no new version.
	digest()
	if n := storedVersions(t, dir); n != 8 {
		t.Errorf("a calc over unchanged files stored a version: %d", n)
	}
}

// treeOf lists every file under dir with its size and modification time.
func treeOf(t *testing.T, dir string) string {
	t.Helper()
	var b strings.Builder
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		fi, err := d.Info()
		if err != nil {
			return err
		}
		fmt.Fprintf(&b, "%s %d %s\n", path, fi.Size(), fi.ModTime().Format(time.RFC3339Nano))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// TestDryRunsWriteNothing runs calc --dry-run, a what-if and ingest
// --dry-run in a new workspace: none leaves anything in it, not even an
// empty database that a later verify would pass on, and the dry run's
// totals are those of the calc that follows.
func TestDryRunsWriteNothing(t *testing.T) {
	dir := demoWorkspace(t)
	before := treeOf(t, dir)
	dry := cmdIn(t, dir, 0, "calc", "--period", "2024Q3", "--dry-run", "--json")
	cmdIn(t, dir, 0, "calc", "--period", "2024Q3", "--programs", filepath.Join(dir, "programs"))
	cmdIn(t, dir, 0, "ingest", "sales", filepath.Join(dir, "data", "sales", "2024-09.csv"), "--dry-run")
	if after := treeOf(t, dir); after != before {
		t.Errorf("dry runs changed the workspace:\nbefore:\n%s\nafter:\n%s", before, after)
	}
	if r := incentCmd(t, append([]string{"verify"}, cfgArgs(dir)...)...); r.code != 2 {
		t.Errorf("verify after dry runs only: exit %d, want 2 (no database)\n%s%s", r.code, r.stdout, r.stderr)
	}
	real := cmdIn(t, dir, 0, "calc", "--period", "2024Q3", "--json")
	var a, b workspace.CalcSummary
	if err := json.Unmarshal([]byte(dry.stdout), &a); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal([]byte(real.stdout), &b); err != nil {
		t.Fatal(err)
	}
	if len(a.Totals) == 0 || !reflect.DeepEqual(a.Totals, b.Totals) || a.Digest != b.Digest {
		t.Errorf("dry run totals %+v digest %s, calc %+v digest %s", a.Totals, a.Digest, b.Totals, b.Digest)
	}
}

// TestOtherRowsOfUnknownDealers rejects objectives, certifications and
// co-op claims whose code is no dealer, group or salesperson of the
// inputs, as it does sales naming an unknown dealer: such a row counts for
// no one, and was once accepted and then lost without a word. A group's or
// a salesperson's objective is kept, since programs paying them look
// their objectives up by their codes; and a row rejected for its code
// still disagrees with the other rows of its key.
func TestOtherRowsOfUnknownDealers(t *testing.T) {
	dir := demoWorkspace(t)
	added := []struct {
		file   string
		rows   []string
		reject []int // which of rows are rejects of an unknown code
	}{
		{"certifications.csv", []string{"D999,EV,2023-01-01,"}, []int{0}},
		{"coop-claims.csv", []string{
			"CL-999,D999,COOP-2024Q3,100.00,2024-08-01,2024-08-02,yes",
			"CL-998,D999,COOP-2024Q3,500.00,2024-08-01,2024-08-02,yes",
			"CL-998,D001,COOP-2024Q3,500.00,2024-08-01,2024-08-02,yes",
		}, []int{0}},
		{"objectives.csv", []string{"D999,2024Q3,SS-2024Q3-SUV,40", "G-COASTAL,2024Q3,SS-2024Q3-SUV,80", "S-D001-1,2024Q3,SS-2024Q3-SUV,10"}, []int{0}},
	}
	var wantOut, wantRejects []string
	for _, a := range added {
		path := filepath.Join(dir, "data", a.file)
		old, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		writeFile(t, path, string(old)+strings.Join(a.rows, "\n")+"\n")
		before := strings.Count(string(old), "\n") // the header and the rows before
		rejected := len(a.reject)
		if a.file == "coop-claims.csv" {
			rejected += 2 // CL-998's two rows disagree
		}
		read := before - 1 + len(a.rows)
		wantOut = append(wantOut, fmt.Sprintf("data/%s: read %d = accepted %d + rejected %d + duplicate 0", a.file, read, read-rejected, rejected))
		if a.file == "coop-claims.csv" {
			for k := 1; k <= 2; k++ {
				wantRejects = append(wantRejects, fmt.Sprintf(`data/coop-claims.csv,%d,claim_id,same key CL-998 as row %d of this file`, before+1+k, before+1+3-k))
			}
		}
		for _, k := range a.reject {
			wantRejects = append(wantRejects, fmt.Sprintf(`data/%s,%d,dealer_code,"unknown dealer ""D999"", expected a dealer_code from the dealers input, or a group or salesperson code","%s"`,
				a.file, before+1+k, a.rows[k]))
		}
	}
	r := cmdIn(t, dir, 0, "calc", "--period", "2024Q3", "--statements=false")
	for _, want := range wantOut {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("no %q in:\n%s", want, r.stdout)
		}
	}
	rejects, err := os.ReadFile(filepath.Join(dir, "out", "2024Q3", "2024Q3-R001", "rejects.csv"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range wantRejects {
		if !strings.Contains(string(rejects), want) {
			t.Errorf("no %s in rejects.csv:\n%s", want, rejects)
		}
	}
}

// TestCorrectedExportSupersedesRejects stores an export with bad rows,
// then the corrected export under the same name: the bad rows' rejects no
// longer count against max_rejects (a cron job that kept refusing once the
// file was fixed), and rejects.csv says they are superseded. A new
// version that leaves the bad rows out does not fix them: they still
// count.
func TestCorrectedExportSupersedesRejects(t *testing.T) {
	dir := demoWorkspace(t)
	path := filepath.Join(dir, "data", "sales", "2024-09.csv")
	good, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.SplitAfter(string(good), "\n")
	// Rows 2 to 6 get a condition no profile knows.
	bad := slices.Clone(lines)
	for i := 1; i <= 5; i++ {
		bad[i] = strings.Replace(bad[i], ",new,", ",certified,", 1)
	}
	writeFile(t, path, strings.Join(bad, ""))
	cmdIn(t, dir, 0, "ingest", "sales", path, "--max-rejects", "0.5")
	if r := cmdIn(t, dir, 3, "calc", "--period", "2024Q3", "--statements=false"); !strings.Contains(r.stderr, "sales rows were rejected") {
		t.Fatalf("calc over the bad export: %s", r.stderr)
	}

	// The corrected export: the same rows, fixed.
	writeFile(t, path, string(good))
	cmdIn(t, dir, 0, "calc", "--period", "2024Q3", "--statements=false")
	rejects, err := os.ReadFile(filepath.Join(dir, "out", "2024Q3", "2024Q3-R001", "rejects.csv"))
	if err != nil {
		t.Fatal(err)
	}
	// The five fixed rows, and the export's one bad row (an unknown
	// dealer), whose reject in the new version is the one that counts.
	if n := strings.Count(string(rejects), "superseded: a later version of data/sales/2024-09.csv holds this sale"); n != 6 {
		t.Errorf("%d superseded rejects, want 6:\n%s", n, rejects)
	}
	if n := strings.Count(string(rejects), `data/sales/2024-09.csv,137,dealer_code,"unknown dealer ""D099"", expected a dealer_code from the dealers input",`); n != 1 {
		t.Errorf("the bad row's standing reject is there %d times, want once:\n%s", n, rejects)
	}

	// A version without those rows at all (nor the last of them fixed)
	// leaves their rejects standing.
	dir = demoWorkspace(t)
	path = filepath.Join(dir, "data", "sales", "2024-09.csv")
	writeFile(t, path, strings.Join(bad, ""))
	cmdIn(t, dir, 0, "ingest", "sales", path, "--max-rejects", "0.5")
	writeFile(t, path, lines[0]+strings.Join(lines[6:], ""))
	if r := cmdIn(t, dir, 3, "calc", "--period", "2024Q3", "--statements=false"); !strings.Contains(r.stderr, "sales rows were rejected") {
		t.Fatalf("calc after an export without the bad rows: %s", r.stderr)
	}
}

// withClaimsOfNoCoopProgram makes a demo workspace whose claims file ends
// with two claims no co-op program pays, on its rows rows+1 and rows+2:
// CL-901 names a program no file defines, CL-902 a volume program.
func withClaimsOfNoCoopProgram(t *testing.T) (dir string, rows int) {
	t.Helper()
	dir = demoWorkspace(t)
	path := filepath.Join(dir, "data", "coop-claims.csv")
	old, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, path, string(old)+
		"CL-901,D001,NOPE-PROG,100.00,2024-08-01,2024-08-02,yes\n"+
		"CL-902,D001,VOL-2024Q3,100.00,2024-08-01,2024-08-02,yes\n")
	return dir, strings.Count(string(old), "\n")
}

// TestClaimsOfNoCoopProgram rejects co-op claims naming a program no file
// defines, or one that is not a co-op program: nothing would pay them,
// and they were once shown nowhere. A second calc, which reads the
// inputs from the snapshot, rejects them alike.
func TestClaimsOfNoCoopProgram(t *testing.T) {
	dir, rows := withClaimsOfNoCoopProgram(t)
	wantLine := fmt.Sprintf("data/coop-claims.csv: read %d = accepted %d + rejected 2 + duplicate 0", rows+1, rows-1)
	wantRejects := []string{
		fmt.Sprintf(`data/coop-claims.csv,%d,program_id,"program ""NOPE-PROG"" is in no program file; expected the id of a co-op program","CL-901,D001,NOPE-PROG,100.00,2024-08-01,2024-08-02,yes"`, rows+1),
		fmt.Sprintf(`data/coop-claims.csv,%d,program_id,"program VOL-2024Q3 is a volume program, not a co-op one; expected the id of a co-op program","CL-902,D001,VOL-2024Q3,100.00,2024-08-01,2024-08-02,yes"`, rows+2),
	}
	for _, run := range []string{"2024Q3-R001", "2024Q3-R002"} {
		r := cmdIn(t, dir, 0, "calc", "--period", "2024Q3", "--statements=false")
		if !strings.Contains(r.stdout, wantLine) {
			t.Errorf("%s: no %q in:\n%s", run, wantLine, r.stdout)
		}
		rejects, err := os.ReadFile(filepath.Join(dir, "out", "2024Q3", run, "rejects.csv"))
		if err != nil {
			t.Fatal(err)
		}
		for _, want := range wantRejects {
			if !strings.Contains(string(rejects), want+"\n") {
				t.Errorf("%s: no %s in rejects.csv:\n%s", run, want, rejects)
			}
		}
	}
}

// TestIngestRejectsClaimsOfNoCoopProgram has ingest reject the claims
// calc would: an analyst who ingests the claims file sees the same
// reconciliation and rejects as the calc that follows. Where the program
// files cannot be read, ingest says nothing of the claims' programs and
// the calc, which refuses those files, says why.
func TestIngestRejectsClaimsOfNoCoopProgram(t *testing.T) {
	dir, rows := withClaimsOfNoCoopProgram(t)
	path := filepath.Join(dir, "data", "coop-claims.csv")
	r := cmdIn(t, dir, 0, "ingest", "claims", path, "--json")
	var sum struct {
		Files []struct {
			File     string `json:"file"`
			Read     int    `json:"read"`
			Accepted int    `json:"accepted"`
			Rejected int    `json:"rejected"`
		} `json:"files"`
		Rejects []struct {
			File   string `json:"file"`
			Row    int    `json:"row"`
			Column string `json:"column"`
			Reason string `json:"reason"`
		} `json:"rejects"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &sum); err != nil {
		t.Fatalf("%v in:\n%s", err, r.stdout)
	}
	if len(sum.Files) != 1 || sum.Files[0].Read != rows+1 || sum.Files[0].Accepted != rows-1 || sum.Files[0].Rejected != 2 {
		t.Errorf("files = %+v, want read %d = accepted %d + rejected 2", sum.Files, rows+1, rows-1)
	}
	want := []string{
		fmt.Sprintf(`%d program_id program "NOPE-PROG" is in no program file; expected the id of a co-op program`, rows+1),
		fmt.Sprintf(`%d program_id program VOL-2024Q3 is a volume program, not a co-op one; expected the id of a co-op program`, rows+2),
	}
	var got []string
	for _, rj := range sum.Rejects {
		if rj.File == "data/coop-claims.csv" { // the stored sales' rejects are listed too
			got = append(got, fmt.Sprintf("%d %s %s", rj.Row, rj.Column, rj.Reason))
		}
	}
	if !slices.Equal(got, want) {
		t.Errorf("rejects:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}

	// Program files calc refuses: ingest reads the claims as before.
	dir, _ = withClaimsOfNoCoopProgram(t)
	path = filepath.Join(dir, "data", "coop-claims.csv")
	writeFile(t, filepath.Join(dir, "programs", "broken.yaml"), "id: [\n")
	r = cmdIn(t, dir, 0, "ingest", "claims", path)
	if out := r.stdout + r.stderr; strings.Contains(out, "NOPE-PROG") || strings.Contains(out, "not a co-op one") {
		t.Errorf("ingest with unreadable program files rejected a claim by its program:\n%s%s", r.stdout, r.stderr)
	}
	cmdIn(t, dir, 2, "calc", "--period", "2024Q3", "--statements=false")
}

// TestReversalRejectNotSupersededBySale keeps a bad reversal's reject
// standing when a later version of its file drops the reversal but keeps
// the sale it reversed: the sale is another event, and the dealer would
// stay paid for a car the export had unwound.
func TestReversalRejectNotSupersededBySale(t *testing.T) {
	dir := demoWorkspace(t)
	path := filepath.Join(dir, "data", "sales", "2024-07-08.csv")
	good, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	const reversal = "D001-5268,1NCSU1AB8RA100268,D001,2024-09-03,retail,new,SUV1,2024,suv,42500.00,40800.00,-1,,,,\r\n" // the file has CRLF line ends
	if !strings.Contains(string(good), reversal) || !strings.Contains(string(good), "D001-5268,1NCSU1AB8RA100268,D001,2024-08-12,") {
		t.Fatal("the demo no longer has the reversal this test breaks")
	}
	writeFile(t, path, strings.Replace(string(good), reversal, strings.Replace(reversal, "2024-09-03", "2024-09-31", 1), 1))
	cmdIn(t, dir, 0, "ingest", "sales", path, "--max-rejects", "0.5")
	writeFile(t, path, strings.Replace(string(good), reversal, "", 1))
	r := cmdIn(t, dir, 0, "calc", "--period", "2024Q3", "--statements=false", "--max-rejects", "1")
	rejects, err := os.ReadFile(filepath.Join(dir, "out", "2024Q3", "2024Q3-R001", "rejects.csv"))
	if err != nil {
		t.Fatal(err)
	}
	line := ""
	for _, l := range strings.Split(string(rejects), "\n") {
		if strings.Contains(l, "2024-09-31") {
			line = l
		}
	}
	if line == "" || strings.Contains(line, "superseded") {
		t.Errorf("the bad reversal's reject: %q, want it standing\n%s", line, r.stdout)
	}
}

// TestStoppedRunFolderMovedIntoPlace finishes a calc stopped between
// storing its run and moving the run's folder into place: the run is in
// the database and its files, all written before the commit, lie in
// out/<period>/.<run>.partial. The next command moves them into place, so
// explain, which reads the run's log, works again; a dry run, which
// writes nothing, leaves the folder; and a folder whose manifest is not
// the stored run's stays where it is.
func TestStoppedRunFolderMovedIntoPlace(t *testing.T) {
	dir := demoWorkspace(t)
	cmdIn(t, dir, 0, "calc", "--period", "2024Q3", "--statements=false")
	periodDir := filepath.Join(dir, "out", "2024Q3")
	final := filepath.Join(periodDir, "2024Q3-R001")
	partial := filepath.Join(periodDir, ".2024Q3-R001.partial")
	stop := func() {
		t.Helper()
		if err := os.Rename(final, partial); err != nil {
			t.Fatal(err)
		}
	}
	inPlace := func(want bool) {
		t.Helper()
		_, err := os.Stat(filepath.Join(final, "calc-log.jsonl"))
		if got := err == nil; got != want {
			t.Fatalf("run folder in place: %v, want %v (%v)", got, want, err)
		}
	}

	stop()
	cmdIn(t, dir, 0, "calc", "--period", "2024Q3", "--statements=false", "--dry-run")
	inPlace(false)
	cmdIn(t, dir, 0, "explain", "--period", "2024Q3", "--payee", "D001")
	inPlace(true)

	// A calc moves it too, before it stores a run of its own.
	stop()
	cmdIn(t, dir, 0, "calc", "--period", "2024Q3", "--statements=false")
	inPlace(true)
	if _, err := os.Stat(filepath.Join(periodDir, "2024Q3-R002", "calc-log.jsonl")); err != nil {
		t.Fatal(err)
	}

	// While another command holds the lock, a reader leaves the folder
	// where it is, and statements refuse (exit 5) rather than make a
	// folder of the run's name, which would stand in the way for good.
	stop()
	lock, err := os.OpenFile(filepath.Join(dir, "incent.db.lock"), os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	if err := flock(lock); err != nil {
		t.Fatal(err)
	}
	cmdIn(t, dir, 0, "runs")
	inPlace(false)
	cmdIn(t, dir, 5, "statements", "--run", "2024Q3-R001", "--payee", "D001")
	if _, err := os.Lstat(final); !os.IsNotExist(err) {
		t.Fatalf("statements made the run's folder while its files were hidden: %v", err)
	}
	lock.Close()
	cmdIn(t, dir, 0, "statements", "--run", "2024Q3-R001", "--payee", "D001")
	inPlace(true)

	// Files that are not the stored run's stay put.
	stop()
	if err := os.WriteFile(filepath.Join(partial, "manifest.json"), []byte("{}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	cmdIn(t, dir, 0, "runs")
	cmdIn(t, dir, 0, "calc", "--period", "2024Q3", "--statements=false")
	inPlace(false)
}

// TestTotalsPayeesPerCurrency counts, on each currency's total line of
// calc's summary, the payees paid in that currency, not every payee of
// the run.
func TestTotalsPayeesPerCurrency(t *testing.T) {
	dir := demoWorkspace(t)
	path := filepath.Join(dir, "programs", "CERT-2024Q3-EV.yaml")
	prog, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(prog), "currency: USD\n") {
		t.Fatal("the demo's CERT-2024Q3-EV no longer pays in USD")
	}
	writeFile(t, path, strings.Replace(string(prog), "currency: USD\n", "currency: EUR\n", 1))
	r := cmdIn(t, dir, 0, "calc", "--period", "2024Q3", "--statements=false", "--json")
	var sum struct {
		Payees int `json:"payees"`
		Totals []struct {
			Currency string `json:"currency"`
			Payees   int    `json:"payees"`
		} `json:"totals"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &sum); err != nil {
		t.Fatal(err)
	}
	// The payees of each currency, from payouts.csv.
	want := map[string]map[string]bool{}
	all := map[string]bool{}
	for _, rec := range readCSV(t, filepath.Join(dir, "out", "2024Q3", "2024Q3-R001", "payouts.csv"))[1:] {
		payee, cur := rec[2]+"/"+rec[3], rec[7]
		if want[cur] == nil {
			want[cur] = map[string]bool{}
		}
		want[cur][payee], all[payee] = true, true
	}
	if len(want) != 2 || len(want["EUR"]) == 0 || len(want["EUR"]) == len(all) {
		t.Fatalf("the test needs EUR paid to some payees only: %d currencies, %d of %d payees in EUR", len(want), len(want["EUR"]), len(all))
	}
	if sum.Payees != len(all) || len(sum.Totals) != 2 {
		t.Fatalf("summary: %d payees, %d totals; want %d and 2", sum.Payees, len(sum.Totals), len(all))
	}
	for _, tot := range sum.Totals {
		if tot.Payees != len(want[tot.Currency]) {
			t.Errorf("%s total: %d payees, want %d", tot.Currency, tot.Payees, len(want[tot.Currency]))
		}
	}
	r = cmdIn(t, dir, 0, "calc", "--period", "2024Q3", "--statements=false", "--dry-run")
	for cur, payees := range want {
		line := regexp.MustCompile(`(?m)^\s*total\s+(\d+)\s+` + cur + `\s`).FindStringSubmatch(r.stdout)
		if line == nil || line[1] != strconv.Itoa(len(payees)) {
			t.Errorf("no total line of %d payees in %s:\n%s", len(payees), cur, r.stdout)
		}
	}
}
