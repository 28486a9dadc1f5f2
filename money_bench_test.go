package incent_test

import (
	"testing"

	"github.com/incent/incent"
	"github.com/shopspring/decimal"
)

// unrounded returns amounts as payout formulas leave them: products of
// money, rates and fractional credits, with many decimal places.
func unrounded(n int) []decimal.Decimal {
	out := make([]decimal.Decimal, n)
	rate := decimal.RequireFromString("0.0175")
	share := decimal.RequireFromString("0.3333333333333333")
	for i := range out {
		amt := decimal.New(int64(4000000+i*137), -2)
		out[i] = amt.Mul(rate).Mul(share)
	}
	return out
}

// BenchmarkRound rounds unrounded payout amounts to cents, once per line as
// the payout pass does.
func BenchmarkRound(b *testing.B) {
	usd, _ := incent.LookupCurrency("USD")
	xs := unrounded(1024)
	for _, mode := range []incent.Rounding{incent.HalfUp, incent.HalfEven} {
		b.Run(mode.String(), func(b *testing.B) {
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				_ = mode.Round(xs[i%len(xs)], usd)
				i++
			}
		})
	}
}

// BenchmarkFormatMoney formats rounded amounts as statements print them.
func BenchmarkFormatMoney(b *testing.B) {
	usd, _ := incent.LookupCurrency("USD")
	xs := unrounded(1024)
	for i := range xs {
		xs[i] = incent.HalfUp.Round(xs[i], usd)
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		_ = incent.FormatMoney(xs[i%len(xs)], usd)
		i++
	}
}

// BenchmarkParseShares parses split and salesperson cells, which the
// crediting pass does for every sale.
func BenchmarkParseShares(b *testing.B) {
	cells := []string{"D0001-S03", "D0001-S03:60;D0001-S07:40", "D0001:50;D0002:50", ""}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		if _, err := incent.ParseShares(cells[i%len(cells)]); err != nil {
			b.Fatal(err)
		}
		i++
	}
}
