package gen_test

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/incent/incent"
	"github.com/incent/incent/gen"
	"github.com/incent/incent/ingest"
	"github.com/incent/incent/rules"
	"github.com/incent/incent/workspace"
	"github.com/shopspring/decimal"
)

func period(t testing.TB, code string) incent.Period {
	t.Helper()
	p, err := incent.ParsePeriod(code)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// generate writes a workspace into a new temporary folder.
func generate(t testing.TB, o gen.Options) (string, *gen.Report) {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "ws")
	rep, err := gen.Write(dir, o)
	if err != nil {
		t.Fatal(err)
	}
	return dir, rep
}

// treeHash hashes every file's path and bytes, in path order.
func treeHash(t *testing.T, dir string) string {
	t.Helper()
	h := sha256.New()
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, path)
		h.Write([]byte(filepath.ToSlash(rel) + "\x00"))
		sum := sha256.Sum256(data)
		h.Write(sum[:])
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(h.Sum(nil))
}

func TestSameSeedSameBytes(t *testing.T) {
	o := gen.Options{Dealers: 30, Sales: 3000, Seed: 42, Period: period(t, "2024Q3")}
	a, _ := generate(t, o)
	b, _ := generate(t, o)
	if ha, hb := treeHash(t, a), treeHash(t, b); ha != hb {
		t.Fatalf("two workspaces from the same options differ: %s vs %s", ha, hb)
	}
	o.Seed = 43
	c, _ := generate(t, o)
	if treeHash(t, a) == treeHash(t, c) {
		t.Error("seeds 42 and 43 gave the same workspace")
	}
	// The dealers do not depend on the number of sales.
	o.Seed, o.Sales = 42, 500
	d, _ := generate(t, o)
	x, _ := os.ReadFile(filepath.Join(a, "data", "dealers.csv"))
	y, _ := os.ReadFile(filepath.Join(d, "data", "dealers.csv"))
	if string(x) != string(y) {
		t.Error("dealers.csv changed with the number of sales")
	}
}

func TestRefusesExistingWorkspace(t *testing.T) {
	o := gen.Options{Dealers: 3, Sales: 10, Seed: 1, Period: period(t, "2024Q3")}
	dir, _ := generate(t, o)
	if _, err := gen.Write(dir, o); err != gen.ErrExists {
		t.Errorf("second Write: %v, want ErrExists", err)
	}
}

func TestProgramsLoad(t *testing.T) {
	for _, code := range []string{"2024Q3", "2024Q4", "2025-02", "2025"} {
		t.Run(code, func(t *testing.T) {
			dir, rep := generate(t, gen.Options{Dealers: 5, Sales: 50, Seed: 1, Period: period(t, code)})
			progs, err := rules.LoadDir(filepath.Join(dir, "programs"))
			if err != nil {
				t.Fatal(err)
			}
			if len(progs) != rep.Programs || len(progs) < 28 {
				t.Errorf("%d programs loaded, report says %d; want about 30", len(progs), rep.Programs)
			}
			types := map[rules.Type]int{}
			payees := map[rules.PayeeKind]int{}
			var marginal, retro, objective, revenue, caps, mult, when, inEffect int
			p := period(t, code)
			for _, pr := range progs {
				types[pr.Type]++
				payees[pr.Payee]++
				if pr.Basis == "marginal" {
					marginal++
				}
				if pr.Basis == "retroactive" {
					retro++
				}
				if pr.Measure == "objective_pct" {
					objective++
				}
				if pr.Measure == "revenue" {
					revenue++
				}
				if pr.Cap.Amount != nil || pr.Cap.Measure != nil {
					caps++
				}
				mult += len(pr.Multipliers)
				if pr.Elig.When != nil {
					when++
				}
				if pr.From <= p.To && pr.To >= p.From {
					inEffect++
				}
			}
			for _, typ := range []rules.Type{rules.Volume, rules.StairStep, rules.ModelMix, rules.Commission, rules.Coop, rules.RebatePassthrough, rules.Certification} {
				if types[typ] == 0 {
					t.Errorf("no %s program", typ)
				}
			}
			for _, pk := range []rules.PayeeKind{rules.PayeeDealer, rules.PayeeGroup, rules.PayeeSalesperson} {
				if payees[pk] == 0 {
					t.Errorf("no program pays a %s", pk)
				}
			}
			if marginal == 0 || retro == 0 || objective < 2 || revenue == 0 || caps == 0 || mult == 0 || when == 0 {
				t.Errorf("coverage: marginal %d, retroactive %d, objective_pct %d, revenue %d, caps %d, multipliers %d, when %d",
					marginal, retro, objective, revenue, caps, mult, when)
			}
			if inEffect != len(progs)-1 {
				t.Errorf("%d of %d programs in effect in %s, want all but the next period's", inEffect, len(progs), code)
			}
		})
	}
}

// TestRowsRead reads every generated file with the ingest readers: the
// sales rows are what the report says, VINs are valid, model years match
// VIN position 10, and every reader reject is a bad row the generator made.
func TestRowsRead(t *testing.T) {
	dir, rep := generate(t, gen.Options{Dealers: 40, Sales: 20000, Seed: 3, Period: period(t, "2024Q3")})
	profile, _ := ingest.BuiltinProfile("canonical")
	files, _ := filepath.Glob(filepath.Join(dir, "data", "sales", "*.csv"))
	if len(files) != 3 {
		t.Fatalf("sales files %v, want one per month", files)
	}
	var read, rejected, reversals int
	for _, name := range files {
		f, err := os.Open(name)
		if err != nil {
			t.Fatal(err)
		}
		n, err := ingest.ReadSales(name, bufio.NewReader(f), profile, func(_ ingest.Row, s incent.Sale) error {
			if err := ingest.ValidateVIN(s.VIN); err != nil {
				t.Errorf("accepted an invalid VIN: %v", err)
			}
			if y, ok := ingest.ModelYearFromVIN(s.VIN, s.SaleDate.Year()+1); !ok || y != int(s.ModelYear) {
				t.Errorf("%s: model year %d, VIN %s says %d", s.Source(), s.ModelYear, s.VIN, y)
			}
			if s.Quantity < 0 {
				reversals++
			}
			return nil
		}, nil)
		f.Close()
		if err != nil {
			t.Fatal(err)
		}
		read += n.Read
		rejected += n.Rejected
	}
	if read != 20000 || rep.Sales.Rows != 20000 {
		t.Errorf("read %d sales rows, report %d, want 20000", read, rep.Sales.Rows)
	}
	// Unknown dealers, key clashes and reversals without an original are
	// rejected later, by the workspace and the calculation.
	if rejected == 0 || rejected > rep.Sales.Bad {
		t.Errorf("readers rejected %d rows; the generator made %d bad ones", rejected, rep.Sales.Bad)
	}
	if reversals < rep.Sales.Reversals || rep.Sales.Reversals < 100 {
		t.Errorf("%d reversal rows read, report %d", reversals, rep.Sales.Reversals)
	}
	if rep.Sales.Trades == 0 || rep.Sales.Splits == 0 || rep.Sales.Rebates == 0 || rep.Sales.Duplicates == 0 {
		t.Errorf("sales lack variety: %+v", rep.Sales)
	}
	for _, kind := range []struct {
		file string
		read func(string, *os.File) (ingest.Counts, error)
	}{
		{"dealers.csv", func(n string, f *os.File) (ingest.Counts, error) {
			return ingest.ReadDealers(n, f, profile, nil, nil)
		}},
		{"objectives.csv", func(n string, f *os.File) (ingest.Counts, error) {
			return ingest.ReadObjectives(n, f, profile, nil, nil)
		}},
		{"certifications.csv", func(n string, f *os.File) (ingest.Counts, error) {
			return ingest.ReadCertifications(n, f, profile, nil, nil)
		}},
		{"coop-claims.csv", func(n string, f *os.File) (ingest.Counts, error) {
			return ingest.ReadClaims(n, f, profile, nil, nil)
		}},
	} {
		f, err := os.Open(filepath.Join(dir, "data", kind.file))
		if err != nil {
			t.Fatal(err)
		}
		n, err := kind.read(kind.file, f)
		f.Close()
		if err != nil {
			t.Fatalf("%s: %v", kind.file, err)
		}
		if n.Read == 0 || n.Rejected*20 > n.Read {
			t.Errorf("%s: %+v", kind.file, n)
		}
		if kind.file == "dealers.csv" && (n.Rejected != 0 || n.Read != 40) {
			t.Errorf("dealers.csv: %+v, want 40 rows and no rejects", n)
		}
	}
}

// TestCalcEndToEnd runs a quarter close on a small generated workspace:
// it succeeds, rejects exactly the bad rows (under 1%), and every program
// type pays someone.
func TestCalcEndToEnd(t *testing.T) {
	p := period(t, "2024Q3")
	dir, rep := generate(t, gen.Options{Dealers: 20, Sales: 2000, Seed: 11, Period: p})
	cfg := &workspace.Config{Dir: dir, DB: "incent.db", Programs: "programs", Out: "out", Profile: "canonical",
		MaxRejects: "0.01", Rounding: incent.HalfUp, Inputs: workspace.Inputs{
			Sales: []string{"data/sales/*.csv"}, Dealers: []string{"data/dealers.csv"}, Objectives: []string{"data/objectives.csv"},
			Certifications: []string{"data/certifications.csv"}, Claims: []string{"data/coop-claims.csv"}}}
	env := workspace.Env{Now: func() time.Time { return time.Date(2024, 10, 15, 9, 0, 0, 0, time.UTC) }, User: "test", ToolVersion: "test"}
	sum, err := cfg.Calc(context.Background(), env, workspace.CalcOptions{Period: p, AsOf: incent.NoDate, Statements: true})
	if err != nil {
		t.Fatal(err)
	}
	var read, rejected int
	for _, in := range sum.Inputs {
		if in.Kind == string(ingest.KindSales) {
			read += in.Read
			rejected += in.Rejected
		}
	}
	if read != 2000 || rejected != rep.Sales.Bad || rejected*100 >= read {
		t.Errorf("sales read %d, rejected %d; the generator made %d bad rows; want under 1%%", read, rejected, rep.Sales.Bad)
	}

	progs, err := rules.LoadDir(filepath.Join(dir, "programs"))
	if err != nil {
		t.Fatal(err)
	}
	typeOf := map[string]rules.Type{}
	for _, pr := range progs {
		typeOf[pr.ID] = pr.Type
	}
	f, err := os.Open(filepath.Join(dir, filepath.FromSlash(sum.OutDir), "payouts.csv"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	paid := map[rules.Type]int{}
	payees := map[string]int{}
	for _, row := range rows[1:] {
		amt, err := decimal.NewFromString(row[10])
		if err != nil {
			t.Fatalf("payouts.csv amount %q: %v", row[10], err)
		}
		if amt.IsPositive() {
			paid[typeOf[row[4]]]++
			payees[row[2]]++
		}
	}
	for _, typ := range []rules.Type{rules.Volume, rules.StairStep, rules.ModelMix, rules.Commission, rules.Coop, rules.RebatePassthrough, rules.Certification} {
		if paid[typ] == 0 {
			t.Errorf("no %s program paid anything", typ)
		}
	}
	for _, pk := range []string{"dealer", "group", "salesperson"} {
		if payees[pk] == 0 {
			t.Errorf("no %s was paid", pk)
		}
	}
	statements, _ := filepath.Glob(filepath.Join(dir, filepath.FromSlash(sum.OutDir), "statements", "D[0-9][0-9][0-9].pdf"))
	if len(statements) != 20 {
		t.Errorf("%d dealer statements, want 20", len(statements))
	}
	t.Logf("%d payout lines; paid per type %v; sales %+v", len(rows)-1, paid, rep.Sales)
}

func TestHeaderNamesOptions(t *testing.T) {
	o := gen.Options{Dealers: 4000, Sales: 1000000, Seed: 1, Period: period(t, "2024Q3")}
	if got := gen.Header(o); got != "# incent gen --dealers 4000 --sales 1000000 --seed 1 --period 2024Q3" {
		t.Errorf("Header = %q", got)
	}
	dir, _ := generate(t, gen.Options{Dealers: 2, Sales: 5, Seed: 9, Period: period(t, "2024-08")})
	data, err := os.ReadFile(filepath.Join(dir, "incent.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	first, _, _ := strings.Cut(string(data), "\n")
	if first != "# incent gen --dealers 2 --sales 5 --seed 9 --period 2024-08" {
		t.Errorf("incent.yaml starts with %q", first)
	}
	if !strings.Contains(string(data), "claims: data/coop-claims.csv") || !strings.Contains(string(data), "certifications: data/certifications.csv") {
		t.Error("incent.yaml does not list the certifications and claims inputs")
	}
}
