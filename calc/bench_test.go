package calc_test

import (
	"bufio"
	"flag"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/incent/incent"
	"github.com/incent/incent/calc"
	"github.com/incent/incent/gen"
	"github.com/incent/incent/ingest"
	"github.com/incent/incent/rules"
)

var (
	benchSales   = flag.Int("bench.sales", 200000, "sales rows of the generated input of the calc benchmarks")
	benchDealers = flag.Int("bench.dealers", 800, "dealers of the generated input of the calc benchmarks")
)

// generated caches inputs by size: generating and reading 200,000 sales
// takes longer than one calculation.
var generated = map[string]calc.Input{}

// generatedInput generates a workspace with gen and reads it as the
// workspace would: sales of unknown dealers are dropped and a sale key seen
// twice keeps its first row.
func generatedInput(b testing.TB, dealers, sales int) calc.Input {
	b.Helper()
	key := strconv.Itoa(dealers) + "x" + strconv.Itoa(sales)
	if in, ok := generated[key]; ok {
		return in
	}
	p, _ := incent.ParsePeriod("2024Q3")
	dir := filepath.Join(b.TempDir(), "ws")
	if _, err := gen.Write(dir, gen.Options{Dealers: dealers, Sales: sales, Seed: 1, Period: p}); err != nil {
		b.Fatal(err)
	}
	in := calc.Input{Period: p, AsOf: incent.NoDate, Rounding: incent.HalfUp}
	var err error
	if in.Programs, err = rules.LoadDir(filepath.Join(dir, "programs")); err != nil {
		b.Fatal(err)
	}
	profile, _ := ingest.BuiltinProfile("canonical")
	read := func(name string, fn func(string, *bufio.Reader) (ingest.Counts, error)) {
		f, err := os.Open(name)
		if err != nil {
			b.Fatal(err)
		}
		defer f.Close()
		if _, err := fn(name, bufio.NewReaderSize(f, 1<<20)); err != nil {
			b.Fatal(err)
		}
	}
	data := filepath.Join(dir, "data")
	read(filepath.Join(data, "dealers.csv"), func(n string, r *bufio.Reader) (ingest.Counts, error) {
		return ingest.ReadDealers(n, r, profile, func(_ ingest.Row, d incent.Dealer) error { in.Dealers = append(in.Dealers, d); return nil }, nil)
	})
	read(filepath.Join(data, "objectives.csv"), func(n string, r *bufio.Reader) (ingest.Counts, error) {
		return ingest.ReadObjectives(n, r, profile, func(_ ingest.Row, o incent.Objective) error { in.Objectives = append(in.Objectives, o); return nil }, nil)
	})
	read(filepath.Join(data, "certifications.csv"), func(n string, r *bufio.Reader) (ingest.Counts, error) {
		return ingest.ReadCertifications(n, r, profile, func(_ ingest.Row, c incent.Certification) error {
			in.Certifications = append(in.Certifications, c)
			return nil
		}, nil)
	})
	read(filepath.Join(data, "coop-claims.csv"), func(n string, r *bufio.Reader) (ingest.Counts, error) {
		return ingest.ReadClaims(n, r, profile, func(_ ingest.Row, c incent.Claim) error { in.Claims = append(in.Claims, c); return nil }, nil)
	})
	known := map[string]bool{}
	for _, d := range in.Dealers {
		known[d.Code] = true
	}
	seen := map[string]bool{}
	files, _ := filepath.Glob(filepath.Join(data, "sales", "*.csv"))
	for _, name := range files {
		read(name, func(n string, r *bufio.Reader) (ingest.Counts, error) {
			return ingest.ReadSales(n, r, profile, func(_ ingest.Row, s incent.Sale) error {
				k := s.DealerCode.String() + "/" + s.DealID + "/" + s.VIN + "/" + strconv.Itoa(int(s.Quantity))
				if !known[s.DealerCode.String()] || (s.DeliveringDealer() != "" && !known[s.DeliveringDealer()]) || seen[k] {
					return nil
				}
				seen[k] = true
				in.Sales = append(in.Sales, s)
				return nil
			}, nil)
		})
	}
	generated[key] = in
	return in
}

// BenchmarkRun is the eligibility, crediting, measure, tier and payout
// passes over a generated quarter: -bench.sales sales (200,000 by default)
// of -bench.dealers dealers under about 30 programs of every type. Besides
// the whole, it reports the time of each half: eligibility and crediting
// (up to Input.Eligible), then measures, tiers and payout lines.
func BenchmarkRun(b *testing.B) {
	in := generatedInput(b, *benchDealers, *benchSales)
	var start, credited time.Time
	var eligible, payout time.Duration
	in.Eligible = func(*calc.Result) { credited = time.Now() }
	b.ReportAllocs()
	b.ResetTimer()
	var res *calc.Result
	for b.Loop() {
		start = time.Now()
		res = calc.Run(in)
		eligible += credited.Sub(start)
		payout += time.Since(credited)
	}
	b.ReportMetric(float64(len(in.Sales))*float64(b.N)/b.Elapsed().Seconds(), "sales/s")
	b.ReportMetric(float64(eligible.Nanoseconds())/float64(b.N), "eligibility+crediting-ns/op")
	b.ReportMetric(float64(payout.Nanoseconds())/float64(b.N), "measure+payout-ns/op")
	b.ReportMetric(float64(len(res.Lines)), "lines")
}

// BenchmarkRunByType is BenchmarkRun with the programs of one type only, to
// tell what each formula costs beyond the shared passes.
func BenchmarkRunByType(b *testing.B) {
	in := generatedInput(b, *benchDealers, *benchSales)
	for _, typ := range []rules.Type{rules.Volume, rules.StairStep, rules.ModelMix, rules.Commission, rules.Coop, rules.RebatePassthrough, rules.Certification} {
		b.Run(string(typ), func(b *testing.B) {
			one := in
			one.Programs = nil
			for _, p := range in.Programs {
				if p.Type == typ {
					one.Programs = append(one.Programs, p)
				}
			}
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				calc.Run(one)
			}
			b.ReportMetric(float64(len(one.Programs)), "programs")
			b.ReportMetric(float64(len(in.Sales))*float64(len(one.Programs))*float64(b.N)/b.Elapsed().Seconds(), "sale×programs/s")
		})
	}
}
