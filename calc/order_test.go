package calc_test

import (
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/incent/incent/calc"
)

// TestRunIgnoresSaleOrder checks that sales held in the canonical order
// give the same result as the same sales shuffled.
func TestRunIgnoresSaleOrder(t *testing.T) {
	in := generatedInput(t, 40, 4000)
	shuffled := in
	shuffled.Sales = slices.Clone(in.Sales)
	rand.New(rand.NewPCG(3, 5)).Shuffle(len(shuffled.Sales), func(i, j int) {
		shuffled.Sales[i], shuffled.Sales[j] = shuffled.Sales[j], shuffled.Sales[i]
	})
	sorted := in
	sorted.Sales = slices.Clone(in.Sales)
	calc.SortSales(sorted.Sales)
	a, b := calc.Run(shuffled), calc.Run(sorted)
	if len(a.Lines) == 0 || len(a.Lines) != len(b.Lines) {
		t.Fatalf("%d and %d lines", len(a.Lines), len(b.Lines))
	}
	for i := range a.Lines {
		x, y := a.Lines[i], b.Lines[i]
		if x.Payee != y.Payee || x.ProgramID != y.ProgramID || !x.Amount.Equal(y.Amount) || !slices.Equal(x.Formula, y.Formula) {
			t.Fatalf("line %d: %s %s %s, sorted %s %s %s", i, x.Payee, x.ProgramID, x.Amount.Decimal(), y.Payee, y.ProgramID, y.Amount.Decimal())
		}
	}
}
