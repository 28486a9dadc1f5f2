package ingest_test

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/incent/incent"
	"github.com/incent/incent/gen"
	"github.com/incent/incent/ingest"
)

// BenchmarkReadGeneratedSales parses a generated month of sales: a DMS
// export with splits, salespeople, rebates, grouped money and a few bad
// rows, read from memory so only parsing is timed.
func BenchmarkReadGeneratedSales(b *testing.B) {
	p, _ := incent.ParsePeriod("2024Q3")
	dir := filepath.Join(b.TempDir(), "ws")
	if _, err := gen.Write(dir, gen.Options{Dealers: 400, Sales: 300000, Seed: 1, Period: p}); err != nil {
		b.Fatal(err)
	}
	data, err := os.ReadFile(filepath.Join(dir, "data", "sales", "2024-08.csv"))
	if err != nil {
		b.Fatal(err)
	}
	profile, _ := ingest.BuiltinProfile("canonical")
	var rows int
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		n, err := ingest.ReadSales("2024-08.csv", bytes.NewReader(data), profile, func(ingest.Row, incent.Sale) error { return nil }, func(ingest.Reject) {})
		if err != nil {
			b.Fatal(err)
		}
		rows = n.Read
	}
	b.ReportMetric(float64(rows)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
}
