package main

import (
	"bytes"
	"database/sql"
	"encoding/csv"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"
)

var update = flag.Bool("update", false, "rewrite golden files under testdata/")

// fixedNow is the clock of every end-to-end test: runs are reproducible.
func fixedNow() time.Time { return time.Date(2024, 10, 15, 9, 30, 0, 0, time.UTC) }

// demoWorkspace creates a workspace with incent init in a temporary folder.
func demoWorkspace(t *testing.T) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "ws")
	if r := incentCmd(t, "init", dir); r.code != 0 {
		t.Fatalf("init: exit %d: %s", r.code, r.stderr)
	}
	if r := incentCmd(t, "init", dir); r.code != 2 {
		t.Fatalf("init over an existing workspace: exit %d, want 2", r.code)
	}
	return dir
}

type result struct {
	code           int
	stdout, stderr string
}

// incent runs the CLI in-process.
func incentCmd(t *testing.T, args ...string) result {
	t.Helper()
	var out, errOut bytes.Buffer
	code := run(args, &IOStreams{Out: &out, ErrOut: &errOut}, fixedNow)
	return result{code, out.String(), errOut.String()}
}

func readCSV(t *testing.T, path string) [][]string { return readCSVFields(t, path, 0) }

// readCSVFields reads a CSV file whose records have as many fields as the
// first (fields 0) or any number (fields -1), as csv.Reader's
// FieldsPerRecord has it.
func readCSVFields(t *testing.T, path string, fields int) [][]string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r := csv.NewReader(f)
	r.FieldsPerRecord = fields
	rows, err := r.ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	return rows
}

// TestDemoQuarterClose runs the README's first command on the demo
// workspace and checks every payout against figures worked out by hand from
// the demo data (see testdata/demo/README.md for the counts).
func TestDemoQuarterClose(t *testing.T) {
	dir := demoWorkspace(t)
	cfg := filepath.Join(dir, "incent.yaml")
	r := incentCmd(t, "calc", "--period", "2024Q3", "--config", cfg)
	if r.code != 0 {
		t.Fatalf("calc exit %d\nstdout:\n%s\nstderr:\n%s", r.code, r.stdout, r.stderr)
	}
	runDir := filepath.Join(dir, "out", "2024Q3", "2024Q3-R001")

	// Volume: (units − 20) × 150. SUV stair-step, retroactive: 10 → 100,
	// 25 → 200, 40 → 300 per unit. EV stair-step, marginal: 250 for units
	// 0–10, 400 beyond.
	want := map[string]string{
		"D001/VOL-2024Q3":    "10500.00", // 90 units: 70 × 150
		"D002/VOL-2024Q3":    "7500.00",  // 70 units: 50 × 150
		"D003/VOL-2024Q3":    "1500.00",  // 30 units: 10 × 150
		"D004/VOL-2024Q3":    "0.00",     // 19 units: one short of the threshold
		"D005/VOL-2024Q3":    "3000.00",  // 40 units: 20 × 150
		"D001/SS-2024Q3-SUV": "13500.00", // 45 SUVs, tier 3: 45 × 300
		"D002/SS-2024Q3-SUV": "7800.00",  // 39 SUVs, tier 2: 39 × 200 (one short of tier 3)
		"D003/SS-2024Q3-SUV": "1200.00",  // 12 SUVs, tier 1: 12 × 100
		"D004/SS-2024Q3-SUV": "0.00",     // 8 SUVs: below tier 1
		"D005/SS-2024Q3-SUV": "5000.00",  // 25 SUVs, exactly tier 2: 25 × 200
		"D001/SS-2024Q3-EV":  "3300.00",  // 12 EVs: 10 × 250 + 2 × 400
		"D002/SS-2024Q3-EV":  "2000.00",  // 8 × 250
		"D003/SS-2024Q3-EV":  "750.00",   // 3 × 250
		"D005/SS-2024Q3-EV":  "2500.00",  // 10 × 250, nothing beyond

		// Model mix: 300 per EV1, 100 per SUV2 (any model year), if EV1 ≥ 12% of new retail/lease units.
		"D001/MM-2024Q3-EV": "5100.00", // 12/90 = 13.3%: 12 × 300 + 15 × 100
		"D002/MM-2024Q3-EV": "0.00",    // 8/70 = 11.4%: not qualified
		"D003/MM-2024Q3-EV": "0.00",    // 3/30 = 10%: not qualified
		"D004/MM-2024Q3-EV": "0.00",    // no EV1
		"D005/MM-2024Q3-EV": "3800.00", // 10/40 = 25%: 10 × 300 + 8 × 100
		// Commission on SUV3 revenue (58,752.00 each), marginal 1% to 100,000, 2% above.
		"D001/COM-2024Q3-LUX": "2525.12", // 176,256: 1,000 + 76,256 × 2%
		"D002/COM-2024Q3-LUX": "1350.08", // 117,504: 1,000 + 17,504 × 2%
		"D004/COM-2024Q3-LUX": "587.52",  // 58,752 × 1%
		// Co-op: fund 50 per new retail/lease unit, 50% of pre-approved spend.
		"D001/COOP-2024Q3": "4500.00", // fund 4,500: CL-101 2,000, CL-102 3,000 due, 2,500 left
		"D002/COOP-2024Q3": "0.00",    // CL-201 not pre-approved, CL-202 after the deadline
		"D003/COOP-2024Q3": "600.00",  // CL-301 invoiced in Q2; CL-302 on the deadline day: 1,200 × 50%
		"D004/COOP-2024Q3": "0.00",    // no claims
		"D005/COOP-2024Q3": "250.00",  // CL-501: 500 × 50%
		// Rebate pass-through: 1,000 per EV claimed within 30 days with code CR-EV-1000.
		"D001/RB-2024Q3-EV": "10000.00", // 12 EVs, 2 claimed 45 days late
		"D002/RB-2024Q3-EV": "7000.00",  // 8 EVs, 1 with unknown code CR-EV-500
		"D003/RB-2024Q3-EV": "3000.00",
		"D005/RB-2024Q3-EV": "10000.00", // one claimed 1,200, paid at 1,000
		// Certification: 1,000 + 50 per EV if EV-certified on 2024-09-30.
		"D001/CERT-2024Q3-EV": "1600.00",
		"D002/CERT-2024Q3-EV": "0.00", // certification ended 2024-08-31
		"D003/CERT-2024Q3-EV": "0.00", // never certified
		"D005/CERT-2024Q3-EV": "1500.00",
		// Group volume: 20 per unit beyond 100, fleet at half.
		"G-COASTAL/GRP-2024Q3":   "1260.00", // 90 + 70 + (4 + 2) × 0.5 = 163: 63 × 20
		"G-HEARTLAND/GRP-2024Q3": "0.00",    // 30 + 19 + 3 × 0.5 = 50.5
		// Salesperson spiff: 40 per EV, split 50/50 on D001's first EV.
		"S-D001-1/SP-2024Q3-EV": "220.00", // 5.5 EVs
		"S-D001-2/SP-2024Q3-EV": "260.00", // 6.5 EVs
		"S-D002-1/SP-2024Q3-EV": "160.00",
		"S-D002-2/SP-2024Q3-EV": "160.00",
		"S-D003-1/SP-2024Q3-EV": "80.00",
		"S-D003-2/SP-2024Q3-EV": "40.00",
		"S-D005-1/SP-2024Q3-EV": "200.00",
		"S-D005-2/SP-2024Q3-EV": "200.00",
	}
	rows := readCSV(t, filepath.Join(runDir, "payouts.csv"))
	if got := strings.Join(rows[0], ","); got != "period,run_id,payee_type,payee,program_id,program_version,kind,currency,measure,tier,amount" {
		t.Fatalf("payouts.csv header = %s", got)
	}
	got := map[string]string{}
	for _, row := range rows[1:] {
		got[row[3]+"/"+row[4]] = row[10]
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s = %q, want %s", k, got[k], v)
		}
	}
	if len(got) != len(want) {
		t.Errorf("payouts.csv has %d lines, want %d: %v", len(got), len(want), got)
	}

	payments := readCSV(t, filepath.Join(runDir, "payments.csv"))
	// Each dealer's total is the sum of its lines above.
	wantPay := map[string]string{"D001": "51025.12", "D002": "25650.08", "D003": "7050.00", "D004": "587.52", "D005": "26050.00",
		"G-COASTAL": "1260.00", "G-HEARTLAND": "0.00", "S-D001-1": "220.00", "S-D001-2": "260.00", "S-D002-1": "160.00",
		"S-D002-2": "160.00", "S-D003-1": "80.00", "S-D003-2": "40.00", "S-D005-1": "200.00", "S-D005-2": "200.00"}
	if len(payments)-1 != len(wantPay) {
		t.Errorf("payments.csv has %d rows, want %d", len(payments)-1, len(wantPay))
	}
	for _, row := range payments[1:] {
		if wantPay[row[0]] != row[3] {
			t.Errorf("payments %s = %s, want %s", row[0], row[3], wantPay[row[0]])
		}
	}

	for _, name := range []string{"payouts.csv", "payments.csv", "calc-log.jsonl", "rejects.csv", "manifest.json", "summary.xlsx"} {
		if _, err := os.Stat(filepath.Join(runDir, name)); err != nil {
			t.Errorf("missing run file: %v", err)
		}
	}
	for _, d := range []string{"D001", "D002", "D003", "D004", "D005", "G-COASTAL", "S-D001-1"} {
		for _, ext := range []string{".pdf", ".xlsx"} {
			if _, err := os.Stat(filepath.Join(runDir, "statements", d+ext)); err != nil {
				t.Errorf("missing statement: %v", err)
			}
		}
	}

	// Two bad rows: one VIN with a wrong check digit, one unknown dealer.
	rejects := readCSV(t, filepath.Join(runDir, "rejects.csv"))
	if len(rejects) != 3 {
		t.Errorf("rejects.csv has %d rows, want header + 2: %v", len(rejects), rejects)
	}
	if !strings.Contains(r.stdout, "data/sales/2024-07-08.csv: read 135 = accepted 134 + rejected 1 + duplicate 0") {
		t.Errorf("summary lacks the reconciliation line:\n%s", r.stdout)
	}

	// Money cells in the statement workbook are numbers.
	x, err := excelize.OpenFile(filepath.Join(runDir, "statements", "D002.xlsx"))
	if err != nil {
		t.Fatal(err)
	}
	defer x.Close()
	found := false
	for _, sheet := range x.GetSheetList() {
		rows, _ := x.GetRows(sheet, excelize.Options{RawCellValue: true})
		for ri, row := range rows {
			for ci, v := range row {
				if v == "7800" {
					cell, _ := excelize.CoordinatesToCellName(ci+1, ri+1)
					if typ, _ := x.GetCellType(sheet, cell); typ != excelize.CellTypeUnset && typ != excelize.CellTypeNumber {
						t.Errorf("%s!%s holds 7800 as %v, want a number", sheet, cell, typ)
					}
					found = true
				}
			}
		}
	}
	if !found {
		t.Error("D002.xlsx has no numeric cell with the SUV payout 7800")
	}
}

var runIDs = regexp.MustCompile(`2024Q3-R\d{3}`)

// TestRerunIsIdentical runs calc twice on the same inputs: the second run
// ingests nothing and its payouts.csv and calc-log.jsonl match byte for
// byte apart from the run id.
func TestRerunIsIdentical(t *testing.T) {
	dir := demoWorkspace(t)
	cfg := filepath.Join(dir, "incent.yaml")
	for i := 0; i < 2; i++ {
		if r := incentCmd(t, "calc", "--period", "2024Q3", "--config", cfg, "--statements=false"); r.code != 0 {
			t.Fatalf("calc %d: exit %d: %s", i+1, r.code, r.stderr)
		}
	}
	for _, name := range []string{"payouts.csv", "calc-log.jsonl"} {
		a, _ := os.ReadFile(filepath.Join(dir, "out/2024Q3/2024Q3-R001", name))
		b, _ := os.ReadFile(filepath.Join(dir, "out/2024Q3/2024Q3-R002", name))
		if len(a) == 0 || runIDs.ReplaceAllString(string(a), "RUN") != runIDs.ReplaceAllString(string(b), "RUN") {
			t.Errorf("%s differs between two runs on the same inputs", name)
		}
	}
	// The second run takes the first run's log, linked rather than
	// written again.
	a, errA := os.Stat(filepath.Join(dir, "out/2024Q3/2024Q3-R001/calc-log.jsonl"))
	b, errB := os.Stat(filepath.Join(dir, "out/2024Q3/2024Q3-R002/calc-log.jsonl"))
	if errA != nil || errB != nil || !os.SameFile(a, b) {
		t.Errorf("the second run's calc-log.jsonl is not the first run's (%v, %v)", errA, errB)
	}
	r := incentCmd(t, "runs", "--config", cfg)
	if r.code != 0 || !strings.Contains(r.stdout, "2024Q3-R002") || !strings.Contains(r.stdout, "2024Q3-R001") {
		t.Errorf("runs: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
}

// TestInputOrderDoesNotMatter reverses the rows of every sales file and
// renames the files: payouts.csv and calc-log.jsonl stay byte-identical.
func TestInputOrderDoesNotMatter(t *testing.T) {
	a := demoWorkspace(t)
	b := demoWorkspace(t)
	// Both get a row with the key of a file's first sale but another sale
	// type: which of the two is taken must not depend on their order.
	for _, dir := range []string{a, b} {
		p := filepath.Join(dir, "data", "sales", "2024-09.csv")
		data, _ := os.ReadFile(p)
		first := strings.Split(string(data), "\n")[1]
		cells := strings.Split(first, ",")
		cells[4] = map[bool]string{true: "lease", false: "retail"}[cells[4] == "retail"]
		os.WriteFile(p, append(data, strings.Join(cells, ",")+"\n"...), 0o644)
	}
	sales := filepath.Join(b, "data", "sales")
	entries, _ := os.ReadDir(sales)
	for i, e := range entries {
		data, _ := os.ReadFile(filepath.Join(sales, e.Name()))
		lines := strings.Split(strings.TrimRight(string(data), "\n"), "\n")
		for l, r := 1, len(lines)-1; l < r; l, r = l+1, r-1 {
			lines[l], lines[r] = lines[r], lines[l]
		}
		os.Remove(filepath.Join(sales, e.Name()))
		os.WriteFile(filepath.Join(sales, string(rune('z'-i))+".csv"), []byte(strings.Join(lines, "\n")+"\n"), 0o644)
	}
	for _, dir := range []string{a, b} {
		if r := incentCmd(t, "calc", "--period", "2024Q3", "--config", filepath.Join(dir, "incent.yaml"), "--statements=false", "--max-rejects", "0.05"); r.code != 0 {
			t.Fatalf("calc in %s: exit %d: %s", dir, r.code, r.stderr)
		}
	}
	for _, name := range []string{"payouts.csv", "calc-log.jsonl"} {
		x, _ := os.ReadFile(filepath.Join(a, "out/2024Q3/2024Q3-R001", name))
		y, _ := os.ReadFile(filepath.Join(b, "out/2024Q3/2024Q3-R001", name))
		if len(x) == 0 || !bytes.Equal(x, y) {
			t.Errorf("%s depends on row order or file names", name)
		}
	}
}

// TestUserErrors checks exit codes and messages for the errors a user meets first.
func TestUserErrors(t *testing.T) {
	t.Run("misspelt program key", func(t *testing.T) {
		dir := demoWorkspace(t)
		p := filepath.Join(dir, "programs", "VOL-2024Q3.yaml")
		data, _ := os.ReadFile(p)
		os.WriteFile(p, bytes.Replace(data, []byte("per_unit: 150"), []byte("per_unt: 150"), 1), 0o644)
		r := incentCmd(t, "calc", "--period", "2024Q3", "--config", filepath.Join(dir, "incent.yaml"))
		if r.code != 2 || !regexp.MustCompile(`VOL-2024Q3\.yaml:\d+:\d+: .*per_unt`).MatchString(r.stderr) {
			t.Errorf("exit %d, stderr %q; want exit 2 naming file:line:col and the key", r.code, r.stderr)
		}
		if _, err := os.Stat(filepath.Join(dir, "out")); err == nil {
			t.Error("a refused calc wrote output files")
		}
	})
	t.Run("bad period", func(t *testing.T) {
		r := incentCmd(t, "calc", "--period", "2024Q5")
		if r.code != 2 || !strings.Contains(r.stderr, "2024Q5") {
			t.Errorf("exit %d, stderr %q", r.code, r.stderr)
		}
	})
	t.Run("environment overrides the file", func(t *testing.T) {
		dir := demoWorkspace(t)
		t.Setenv("INCENT_ROUNDING", "half_sideways")
		r := incentCmd(t, "calc", "--period", "2024Q3", "--config", filepath.Join(dir, "incent.yaml"))
		if r.code != 2 || !strings.Contains(r.stderr, "half_sideways") {
			t.Errorf("exit %d, stderr %q; want 2 naming the bad rounding", r.code, r.stderr)
		}
		r = incentCmd(t, "calc", "--period", "2024Q3", "--config", filepath.Join(dir, "incent.yaml"), "--rounding", "half_even", "--dry-run")
		if r.code != 0 {
			t.Errorf("a flag did not override the environment: exit %d, %s", r.code, r.stderr)
		}
	})
	t.Run("unknown flag", func(t *testing.T) {
		if r := incentCmd(t, "calc", "--perod", "2024Q3"); r.code != 2 {
			t.Errorf("exit %d, want 2", r.code)
		}
	})
	t.Run("no dealers input", func(t *testing.T) {
		dir := demoWorkspace(t)
		if err := os.Remove(filepath.Join(dir, "data", "dealers.csv")); err != nil {
			t.Fatal(err)
		}
		r := incentCmd(t, "calc", "--period", "2024Q3", "--config", filepath.Join(dir, "incent.yaml"))
		if want := "no dealers input: inputs: dealers: in incent.yaml matches no file"; r.code != 2 || !strings.Contains(r.stderr, want) {
			t.Errorf("exit %d, stderr %q; want 2 and %q", r.code, r.stderr, want)
		}
	})
	t.Run("too many rejects", func(t *testing.T) {
		dir := demoWorkspace(t)
		r := incentCmd(t, "calc", "--period", "2024Q3", "--config", filepath.Join(dir, "incent.yaml"), "--max-rejects", "0.001")
		if r.code != 3 || !strings.Contains(r.stderr, "max_rejects") {
			t.Errorf("exit %d, stderr %q; want 3", r.code, r.stderr)
		}
		// The workspace had no database, and the refused calc leaves none.
		if r := incentCmd(t, "runs", "--config", filepath.Join(dir, "incent.yaml")); r.code != 2 || !strings.Contains(r.stderr, "no database") {
			t.Errorf("runs after a refused calc: exit %d, stdout %q, stderr %q; want exit 2, no database", r.code, r.stdout, r.stderr)
		}
		r = incentCmd(t, "calc", "--period", "2024Q3", "--config", filepath.Join(dir, "incent.yaml"), "--max-rejects", "0.001", "--json")
		var sum struct {
			RunID   string `json:"run_id"`
			Refused string `json:"refused"`
		}
		if err := json.Unmarshal([]byte(r.stdout), &sum); err != nil || r.code != 3 || sum.RunID != "" || !strings.Contains(sum.Refused, "max_rejects") {
			t.Errorf("--json of a refused calc: exit %d, %+v, %v; want 3, no run id and why it was refused", r.code, sum, err)
		}
	})
	t.Run("too many rejects after a run", func(t *testing.T) {
		dir := demoWorkspace(t)
		cfg := filepath.Join(dir, "incent.yaml")
		if r := incentCmd(t, "calc", "--period", "2024Q3", "--config", cfg); r.code != 0 {
			t.Fatalf("calc: exit %d: %s", r.code, r.stderr)
		}
		db := filepath.Join(dir, "incent.db")
		before, err := os.ReadFile(db)
		if err != nil {
			t.Fatal(err)
		}
		if r := incentCmd(t, "calc", "--period", "2024Q3", "--config", cfg, "--max-rejects", "0.001"); r.code != 3 {
			t.Fatalf("exit %d, stderr %q; want 3", r.code, r.stderr)
		}
		// A database that was there before stays, as it was.
		if after, err := os.ReadFile(db); err != nil || !bytes.Equal(after, before) {
			t.Errorf("the refused calc changed or removed the database: %v", err)
		}
		r := incentCmd(t, "runs", "--config", cfg)
		if r.code != 0 || !strings.Contains(r.stdout, "2024Q3-R001") || strings.Contains(r.stdout, "2024Q3-R002") {
			t.Errorf("runs: exit %d, stdout %q; want the first run alone", r.code, r.stdout)
		}
	})
	t.Run("unknown command or wrong arguments", func(t *testing.T) {
		for _, args := range [][]string{{"approve", "2024Q3-R001"}, {"replay"}, {"runs", "extra"}, {"profiles", "show"}, {"help", "nosuch"},
			{"help", "calc", "extra"}, {"completion", "nosuch"}, {"completion", "bash", "extra"}} {
			if r := incentCmd(t, args...); r.code != 2 || r.stderr == "" {
				t.Errorf("%q: exit %d, stderr %q; want exit 2 and a sentence", args, r.code, r.stderr)
			}
		}
		if r := incentCmd(t, "runs", "--period", "2024Q9"); r.code != 2 || !strings.Contains(r.stderr, "2024Q9") {
			t.Errorf("runs --period 2024Q9: exit %d, stderr %q; want exit 2 naming the period", r.code, r.stderr)
		}
		for _, args := range [][]string{nil, {"help"}, {"help", "calc"}, {"completion"}, {"calc", "--help"}} {
			if r := incentCmd(t, args...); r.code != 0 || r.stdout == "" {
				t.Errorf("%q: exit %d, %s; want its help or script and exit 0", args, r.code, r.stderr)
			}
		}
	})
	t.Run("no database", func(t *testing.T) {
		dir := t.TempDir()
		db := filepath.Join(dir, "incent.db")
		for _, args := range [][]string{{"verify"}, {"runs"}, {"replay", "2024Q3-R001"}, {"explain", "--period", "2024Q3", "--payee", "D001"},
			{"statements", "--run", "2024Q3-R001"}} {
			r := incentCmd(t, append(args, "--db", db)...)
			if r.code != 2 || !strings.Contains(r.stderr, "no database at") {
				t.Errorf("%q: exit %d, stderr %q; want exit 2 saying there is no database", args, r.code, r.stderr)
			}
			if _, err := os.Stat(db); err == nil {
				t.Fatalf("%q created %s", args, db)
			}
		}
	})
	t.Run("database of a newer build", func(t *testing.T) {
		dir := demoWorkspace(t)
		cfg := filepath.Join(dir, "incent.yaml")
		if r := incentCmd(t, "calc", "--period", "2024Q3", "--config", cfg); r.code != 0 {
			t.Fatalf("calc: exit %d: %s", r.code, r.stderr)
		}
		db, err := sql.Open("sqlite", "file:"+filepath.Join(dir, "incent.db"))
		if err != nil {
			t.Fatal(err)
		}
		_, err = db.Exec(`INSERT INTO schema_migrations (version) VALUES (1000)`)
		db.Close()
		if err != nil {
			t.Fatal(err)
		}
		for _, args := range [][]string{{"calc", "--period", "2024Q3"}, {"runs"}, {"verify"}} {
			r := incentCmd(t, append(args, "--config", cfg)...)
			if r.code != 2 || !strings.Contains(r.stderr, "a newer incent has used this database") || !strings.Contains(r.stderr, "incent.db") {
				t.Errorf("%q: exit %d, stderr %q; want exit 2 naming the database and saying a newer incent used it", args, r.code, r.stderr)
			}
		}
	})
	t.Run("run folder left by another database", func(t *testing.T) {
		dir := demoWorkspace(t)
		cfg := filepath.Join(dir, "incent.yaml")
		if r := incentCmd(t, "calc", "--period", "2024Q3", "--config", cfg); r.code != 0 {
			t.Fatalf("calc: exit %d: %s", r.code, r.stderr)
		}
		// Starting over with a new database leaves the old run's folder.
		for _, f := range []string{"incent.db", "incent.db-wal", "incent.db-shm", "incent.db.snapshot"} {
			os.Remove(filepath.Join(dir, f))
		}
		r := incentCmd(t, "calc", "--period", "2024Q3", "--config", cfg)
		if r.code != 2 || !strings.Contains(r.stderr, filepath.Join("out", "2024Q3", "2024Q3-R001")+" already exists") {
			t.Errorf("exit %d, stderr %q; want exit 2 naming the folder", r.code, r.stderr)
		}
		// The refused calc leaves no database behind, not even an empty one.
		if r := incentCmd(t, "runs", "--config", cfg); r.code != 2 || !strings.Contains(r.stderr, "no database") {
			t.Errorf("runs after the refused calc: exit %d, stdout %q, stderr %q; want exit 2, no database", r.code, r.stdout, r.stderr)
		}
		for _, f := range []string{"incent.db", "incent.db-wal", "incent.db-shm", "incent.db-journal"} {
			if _, err := os.Lstat(filepath.Join(dir, f)); !os.IsNotExist(err) {
				t.Errorf("the refused calc left %s: %v", f, err)
			}
		}
		if _, err := os.Stat(filepath.Join(dir, "out", "2024Q3", "2024Q3-R001", "payouts.csv")); err != nil {
			t.Errorf("the old run's files were touched: %v", err)
		}
	})
	t.Run("as-of outside the period", func(t *testing.T) {
		for _, d := range []string{"2024-06-30", "2024-10-01"} {
			r := incentCmd(t, "calc", "--period", "2024Q3", "--as-of", d)
			if r.code != 2 || !strings.Contains(r.stderr, "outside 2024Q3") {
				t.Errorf("--as-of %s: exit %d, stderr %q; want exit 2", d, r.code, r.stderr)
			}
		}
	})
	t.Run("no programs", func(t *testing.T) {
		dir := demoWorkspace(t)
		empty := t.TempDir()
		r := incentCmd(t, "calc", "--period", "2024Q3", "--config", filepath.Join(dir, "incent.yaml"), "--programs", empty)
		if r.code != 2 || !strings.Contains(r.stderr, "no program files") {
			t.Errorf("exit %d, stderr %q; want exit 2", r.code, r.stderr)
		}
	})
	t.Run("max_rejects not a share", func(t *testing.T) {
		dir := demoWorkspace(t)
		for _, v := range []string{"abc", "-0.1", "1.5"} {
			r := incentCmd(t, "calc", "--period", "2024Q3", "--config", filepath.Join(dir, "incent.yaml"), "--max-rejects", v)
			if r.code != 2 || !strings.Contains(r.stderr, "max_rejects") || r.stdout != "" {
				t.Errorf("--max-rejects %s: exit %d, stdout %q, stderr %q; want exit 2 before any work", v, r.code, r.stdout, r.stderr)
			}
		}
	})
	t.Run("memory not a size", func(t *testing.T) {
		dir := demoWorkspace(t)
		for _, v := range []string{"lots", "1.5GiB", "1gb", "64MiB"} {
			r := incentCmd(t, "calc", "--period", "2024Q3", "--config", filepath.Join(dir, "incent.yaml"), "--memory", v)
			if r.code != 2 || !strings.Contains(r.stderr, "memory") || r.stdout != "" {
				t.Errorf("--memory %s: exit %d, stdout %q, stderr %q; want exit 2 before any work", v, r.code, r.stdout, r.stderr)
			}
		}
	})
	t.Run("workspace locked", func(t *testing.T) {
		dir := demoWorkspace(t)
		f, err := os.OpenFile(filepath.Join(dir, "incent.db.lock"), os.O_CREATE|os.O_RDWR, 0o644)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		if err := flock(f); err != nil {
			t.Fatal(err)
		}
		r := incentCmd(t, "calc", "--period", "2024Q3", "--config", filepath.Join(dir, "incent.yaml"))
		if r.code != 5 {
			t.Errorf("exit %d, stderr %q; want 5", r.code, r.stderr)
		}
	})
}

// TestGoldenPayouts pins payouts.csv and calc-log.jsonl of the demo; run
// with -update after an intended change and review the diff.
func TestGoldenPayouts(t *testing.T) {
	dir := demoWorkspace(t)
	if r := incentCmd(t, "calc", "--period", "2024Q3", "--config", filepath.Join(dir, "incent.yaml"), "--statements=false"); r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	for _, name := range []string{"payouts.csv", "calc-log.jsonl"} {
		got, err := os.ReadFile(filepath.Join(dir, "out/2024Q3/2024Q3-R001", name))
		if err != nil {
			t.Fatal(err)
		}
		golden := filepath.Join("testdata", "demo-2024Q3-"+name)
		if *update {
			os.MkdirAll("testdata", 0o755)
			if err := os.WriteFile(golden, got, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		want, err := os.ReadFile(golden)
		if err != nil {
			t.Fatalf("%v (run go test ./cmd/incent -run Golden -update)", err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s differs from %s; rerun with -update if the change is intended", name, golden)
		}
	}
}

// TestPayeeCodeSharedAcrossKinds gives a dealer group the code of a dealer:
// both statements are written, the group's under its kind.
func TestPayeeCodeSharedAcrossKinds(t *testing.T) {
	dir := demoWorkspace(t)
	p := filepath.Join(dir, "data", "dealers.csv")
	data, _ := os.ReadFile(p)
	data = bytes.Replace(data, []byte("Bayou Motor Company,,SOUTH"), []byte("Bayou Motor Company,D001,SOUTH"), 1)
	// A dealer without sales, whose code a salesperson also carries.
	data = append(data, "D006,Sixth Street Motors,,EAST,metro,USD,,,,,\n"...)
	os.WriteFile(p, data, 0o644)
	sp := filepath.Join(dir, "data", "sales", "2024-09.csv")
	sales, _ := os.ReadFile(sp)
	os.WriteFile(sp, bytes.Replace(sales, []byte(",S-D002-1,CR-EV-1000,"), []byte(",D006,CR-EV-1000,"), 1), 0o644)
	if r := incentCmd(t, "calc", "--period", "2024Q3", "--config", filepath.Join(dir, "incent.yaml")); r.code != 0 {
		t.Fatalf("calc: exit %d: %s", r.code, r.stderr)
	}
	for _, name := range []string{"D001.pdf", "group-D001.pdf", "group-D001.xlsx", "D005.pdf"} {
		if _, err := os.Stat(filepath.Join(dir, "out", "2024Q3", "2024Q3-R001", "statements", name)); err != nil {
			t.Errorf("missing statement: %v", err)
		}
	}
	// payments.csv names the group as its statement files do.
	var payees []string
	for _, row := range readCSV(t, filepath.Join(dir, "out", "2024Q3", "2024Q3-R001", "payments.csv"))[1:] {
		if strings.HasSuffix(row[0], "D001") {
			payees = append(payees, row[0])
		}
	}
	if !slices.Equal(payees, []string{"D001", "group-D001"}) {
		t.Errorf("payments.csv rows for code D001: %q, want D001 and group-D001", payees)
	}
	// Dealer D006 is paid nothing but has its statement, D006.pdf: the
	// salesperson D006 is paid as salesperson-D006, as its statement is named.
	payees = nil
	for _, row := range readCSV(t, filepath.Join(dir, "out", "2024Q3", "2024Q3-R001", "payments.csv"))[1:] {
		if strings.HasSuffix(row[0], "D006") {
			payees = append(payees, row[0])
		}
	}
	if !slices.Equal(payees, []string{"salesperson-D006"}) {
		t.Errorf("payments.csv rows for code D006: %q, want salesperson-D006", payees)
	}
	for _, name := range []string{"D006.pdf", "salesperson-D006.pdf"} {
		if _, err := os.Stat(filepath.Join(dir, "out", "2024Q3", "2024Q3-R001", "statements", name)); err != nil {
			t.Errorf("missing statement: %v", err)
		}
	}
	// Statements rendered again for one kind or one payee keep those names:
	// the group's never lands on the dealer's files.
	cfg := filepath.Join(dir, "incent.yaml")
	stDir := filepath.Join(dir, "out", "2024Q3", "2024Q3-R001", "statements")
	dealerPDF, err := os.ReadFile(filepath.Join(stDir, "D001.pdf"))
	if err != nil {
		t.Fatal(err)
	}
	os.RemoveAll(stDir)
	for _, args := range [][]string{{"--type", "group"}, {"--type", "salesperson", "--payee", "D006"}} {
		if r := incentCmd(t, append([]string{"statements", "--run", "2024Q3-R001", "--config", cfg}, args...)...); r.code != 0 {
			t.Fatalf("statements %v: exit %d: %s", args, r.code, r.stderr)
		}
	}
	var names []string
	entries, _ := os.ReadDir(stDir)
	for _, e := range entries {
		names = append(names, e.Name())
	}
	if want := []string{"G-COASTAL.pdf", "G-COASTAL.xlsx", "G-HEARTLAND.pdf", "G-HEARTLAND.xlsx", "group-D001.pdf", "group-D001.xlsx",
		"salesperson-D006.pdf", "salesperson-D006.xlsx"}; !slices.Equal(names, want) {
		t.Errorf("statements of the groups and of salesperson D006: %q, want %q", names, want)
	}
	if r := incentCmd(t, "statements", "--run", "2024Q3-R001", "--type", "dealer", "--payee", "D001", "--config", cfg); r.code != 0 {
		t.Fatalf("statements of dealer D001: exit %d: %s", r.code, r.stderr)
	}
	if got, _ := os.ReadFile(filepath.Join(stDir, "D001.pdf")); !bytes.Equal(got, dealerPDF) {
		t.Errorf("dealer D001's statement rendered again differs from the calc's")
	}
	// explain must not add the group's lines to the dealer's, nor guess.
	if r := incentCmd(t, "explain", "--period", "2024Q3", "--payee", "D001", "--config", cfg); r.code != 2 || !strings.Contains(r.stderr, "--type") {
		t.Errorf("explain of a code paid as two kinds: exit %d, %s; want 2 asking for --type", r.code, r.stderr)
	}
	for _, kind := range []string{"dealer", "group"} {
		r := incentCmd(t, "explain", "--period", "2024Q3", "--payee", "D001", "--type", kind, "--config", cfg)
		if r.code != 0 || !strings.Contains(r.stdout, "paid "+kind+" D001") || strings.Contains(r.stdout, "GRP-2024Q3") != (kind == "group") {
			t.Errorf("explain --type %s: exit %d\n%s%s", kind, r.code, r.stdout, r.stderr)
		}
	}
}

// TestWhatIf calculates the demo with a copy of its programs in which
// VOL-2024Q3 pays 200 a unit beyond its threshold instead of 150 and the
// EV certification program is left out: nothing is written, and each
// program is told against what the current programs pay.
func TestWhatIf(t *testing.T) {
	dir := demoWorkspace(t)
	alt := t.TempDir()
	entries, _ := os.ReadDir(filepath.Join(dir, "programs"))
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), "CERT-") {
			continue
		}
		data, _ := os.ReadFile(filepath.Join(dir, "programs", e.Name()))
		if e.Name() == "VOL-2024Q3.yaml" {
			data = bytes.Replace(data, []byte("per_unit: 150"), []byte("per_unit: 200"), 1)
		}
		os.WriteFile(filepath.Join(alt, e.Name()), data, 0o644)
	}
	r := incentCmd(t, "calc", "--period", "2024Q3", "--config", filepath.Join(dir, "incent.yaml"), "--programs", alt, "--json")
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	var sum struct {
		WhatIf   bool   `json:"what_if"`
		RunID    string `json:"run_id"`
		Programs []struct{ ID, Amount, Current, Difference string }
		Totals   []struct{ Currency, Amount, Current, Difference string }
	}
	if err := json.Unmarshal([]byte(r.stdout), &sum); err != nil {
		t.Fatal(err)
	}
	if !sum.WhatIf || sum.RunID != "" {
		t.Errorf("what_if %v, run %q: want a what-if and no run", sum.WhatIf, sum.RunID)
	}
	// A what-if without the co-op program rejects none of the claims,
	// which name the workspace's.
	only := t.TempDir()
	data, _ := os.ReadFile(filepath.Join(dir, "programs", "VOL-2024Q3.yaml"))
	os.WriteFile(filepath.Join(only, "VOL-2024Q3.yaml"), data, 0o644)
	r2 := incentCmd(t, "calc", "--period", "2024Q3", "--config", filepath.Join(dir, "incent.yaml"), "--programs", only, "--json")
	var sum2 struct {
		Inputs []struct {
			File     string
			Rejected int
		}
	}
	if err := json.Unmarshal([]byte(r2.stdout), &sum2); err != nil || r2.code != 0 {
		t.Fatalf("what-if of one program: exit %d, %v: %s", r2.code, err, r2.stderr)
	}
	for _, in := range sum2.Inputs {
		if in.File == "data/coop-claims.csv" && in.Rejected != 0 {
			t.Errorf("a what-if without the co-op program rejected %d claims", in.Rejected)
		}
	}
	// The dealers' units beyond the threshold, as TestDemoQuarterClose
	// works them out: 70 + 50 + 10 + 0 + 20 = 150; 150 × 150 = 22,500.00
	// now, 150 × 200 = 30,000.00 in the what-if. The certification program
	// pays 3,100.00 now and nothing in the what-if.
	want := map[string][3]string{"VOL-2024Q3": {"30000.00", "22500.00", "7500.00"}, "CERT-2024Q3-EV": {"0.00", "3100.00", "-3100.00"},
		"SS-2024Q3-EV": {"8550.00", "8550.00", "0.00"}}
	for _, p := range sum.Programs {
		if w, ok := want[p.ID]; ok {
			if got := [3]string{p.Amount, p.Current, p.Difference}; got != w {
				t.Errorf("%s: amount, current, difference %v, want %v", p.ID, got, w)
			}
			delete(want, p.ID)
		}
	}
	if len(want) > 0 {
		t.Errorf("programs missing from the summary: %v", want)
	}
	if len(sum.Totals) != 1 || sum.Totals[0].Difference != "4400.00" {
		t.Errorf("totals %+v, want one currency with a difference of 4400.00", sum.Totals)
	}
	if _, err := os.Stat(filepath.Join(dir, "out")); err == nil {
		t.Error("a what-if wrote files")
	}
	// In a workspace without a database, a what-if works in one of its
	// own and leaves none behind.
	if r := incentCmd(t, "runs", "--config", filepath.Join(dir, "incent.yaml")); r.code != 2 || !strings.Contains(r.stderr, "no database") {
		t.Errorf("runs after a what-if in a new workspace: exit %d, want 2 for no database\n%s%s", r.code, r.stdout, r.stderr)
	}
}

// TestRunsShowAndDiff calculates the demo, raises VOL-2024Q3 from 150 to
// 175 a unit beyond its threshold in a version 2, calculates again, and
// compares: the dealers' units beyond the threshold (70, 50, 10, 0, 20 as
// TestDemoQuarterClose works them out) are paid 25 more each.
func TestRunsShowAndDiff(t *testing.T) {
	dir := demoWorkspace(t)
	cfg := filepath.Join(dir, "incent.yaml")
	calc := func() {
		t.Helper()
		if r := incentCmd(t, "calc", "--period", "2024Q3", "--config", cfg, "--statements=false"); r.code != 0 {
			t.Fatalf("calc: exit %d: %s", r.code, r.stderr)
		}
	}
	calc()
	p := filepath.Join(dir, "programs", "VOL-2024Q3.yaml")
	data, _ := os.ReadFile(p)
	data = bytes.Replace(data, []byte("per_unit: 150"), []byte("per_unit: 175"), 1)
	data = bytes.Replace(data, []byte("\nversion: 1\n"), []byte("\nversion: 2\n"), 1)
	os.WriteFile(p, data, 0o644)
	calc()

	r := incentCmd(t, "runs", "show", "2024Q3-R002", "--config", cfg)
	for _, want := range []string{`Run 2024Q3-R002 for 2024Q3: final`, `data/sales/2024-09\.csv\s+version 1\s`, `VOL-2024Q3\s+v2\s`, `45 payout lines`,
		`VOL-2024Q3\s+5\s+USD\s+26,250\.00`, `Files in ` + regexp.QuoteMeta(filepath.Join(dir, "out", "2024Q3", "2024Q3-R002"))} {
		if r.code != 0 || !regexp.MustCompile(want).MatchString(r.stdout) {
			t.Errorf("runs show: exit %d, want %q in\n%s%s", r.code, want, r.stdout, r.stderr)
		}
	}
	// 70 × 25 = 1,750; 50 × 25 = 1,250; 10 × 25 = 250; 20 × 25 = 500;
	// D004 is still paid nothing, under version 2.
	r = incentCmd(t, "diff", "2024Q3-R001", "2024Q3-R002", "--config", cfg)
	for _, want := range []string{"5 payout lines differ", "+1,750.00", "+1,250.00", "+250.00", "+500.00", "VOL-2024Q3 v1→v2", "+3,750.00"} {
		if r.code != 0 || !strings.Contains(r.stdout, want) {
			t.Errorf("diff: exit %d, want %q in\n%s%s", r.code, want, r.stdout, r.stderr)
		}
	}
	if r := incentCmd(t, "diff", "2024Q3-R001", "2024Q3-R001", "--config", cfg); r.code != 0 || !strings.Contains(r.stdout, "No difference") {
		t.Errorf("diff of a run with itself: exit %d\n%s", r.code, r.stdout)
	}
	for _, args := range [][]string{{"diff", "2024Q3-R001", "2024Q3-R009"}, {"runs", "show", "2024Q3-R009"}, {"diff", "2024Q3-R001"}} {
		if r := incentCmd(t, append(args, "--config", cfg)...); r.code != 2 {
			t.Errorf("%q: exit %d, want 2", args, r.code)
		}
	}
}
