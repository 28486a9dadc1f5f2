package workspace_test

import (
	"context"
	"flag"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/incent/incent"
	"github.com/incent/incent/gen"
	"github.com/incent/incent/workspace"
)

var (
	benchSales   = flag.Int("bench.sales", 100000, "sales rows of the workspace BenchmarkCalc generates")
	benchDealers = flag.Int("bench.dealers", 400, "dealers of the workspace BenchmarkCalc generates")
)

// benchWorkspace generates a workspace and returns its configuration.
func benchWorkspace(b *testing.B, dealers, sales int) (*workspace.Config, incent.Period) {
	b.Helper()
	p, _ := incent.ParsePeriod("2024Q3")
	dir := filepath.Join(b.TempDir(), "ws")
	if _, err := gen.Write(dir, gen.Options{Dealers: dealers, Sales: sales, Seed: 1, Period: p}); err != nil {
		b.Fatal(err)
	}
	return &workspace.Config{Dir: dir, DB: "incent.db", Programs: "programs", Out: "out", Profile: "canonical",
		MaxRejects: "0.01", Rounding: incent.HalfUp, Inputs: workspace.Inputs{
			Sales: []string{"data/sales/*.csv"}, Dealers: []string{"data/dealers.csv"}, Objectives: []string{"data/objectives.csv"},
			Certifications: []string{"data/certifications.csv"}, Claims: []string{"data/coop-claims.csv"}}}, p
}

func benchEnv() workspace.Env {
	return workspace.Env{Now: func() time.Time { return time.Date(2024, 10, 15, 9, 0, 0, 0, time.UTC) }, User: "bench", ToolVersion: "bench"}
}

// clean removes the database and the run folders, so the next calc starts
// from nothing.
func clean(b *testing.B, cfg *workspace.Config) {
	b.Helper()
	for _, name := range []string{"incent.db", "incent.db-wal", "incent.db-shm", "out"} {
		if err := os.RemoveAll(filepath.Join(cfg.Dir, name)); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkCalc is a whole calc in-process on a generated workspace
// (-bench.dealers × -bench.sales, 400 × 100,000 by default), without
// statements: "first" ingests into a new database, "second" runs again on
// unchanged inputs.
func BenchmarkCalc(b *testing.B) {
	cfg, p := benchWorkspace(b, *benchDealers, *benchSales)
	opts := workspace.CalcOptions{Period: p, AsOf: incent.NoDate}
	calc := func(b *testing.B) {
		if _, err := cfg.Calc(context.Background(), benchEnv(), opts); err != nil {
			b.Fatal(err)
		}
	}
	b.Run("first", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			b.StopTimer()
			clean(b, cfg)
			b.StartTimer()
			calc(b)
		}
		b.ReportMetric(float64(*benchSales)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
	})
	b.Run("second", func(b *testing.B) {
		clean(b, cfg)
		calc(b)
		b.ReportAllocs()
		b.ResetTimer()
		for b.Loop() {
			b.StopTimer()
			os.RemoveAll(filepath.Join(cfg.Dir, "out")) // keep the disk small; the database keeps every run
			b.StartTimer()
			calc(b)
		}
		b.ReportMetric(float64(*benchSales)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
	})
}

// BenchmarkStatements renders every statement of a stored run (PDF and
// XLSX for each dealer, group and salesperson) of a generated workspace of
// 100 dealers × 25,000 sales, through incent statements' own path.
func BenchmarkStatements(b *testing.B) {
	cfg, p := benchWorkspace(b, 100, 25000)
	sum, err := cfg.Calc(context.Background(), benchEnv(), workspace.CalcOptions{Period: p, AsOf: incent.NoDate})
	if err != nil {
		b.Fatal(err)
	}
	var n int
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if _, n, err = cfg.RenderStatements(context.Background(), benchEnv(), sum.RunID, workspace.StatementsOptions{}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "statements/s")
}
