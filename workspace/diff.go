package workspace

import (
	"cmp"
	"slices"

	"github.com/incent/incent/store"
	"github.com/shopspring/decimal"
)

// LineDiff is one payout line that differs between two runs: the same
// payee, program, kind and currency with another measure, tier or amount,
// or a line only one of the runs has. A and B are nil where that run has
// no such line.
type LineDiff struct {
	PayeeType, Payee, ProgramID, Kind, Currency string
	A, B                                        *store.Line
	Difference                                  decimal.Decimal // B's amount less A's
}

// CurrencyDiff is the change of one currency's total between two runs.
type CurrencyDiff struct {
	Currency   string
	A, B       decimal.Decimal
	Difference decimal.Decimal
}

// DiffLines compares the payout lines of two runs line by line. Lines are
// matched by payee type, payee, program, kind and currency; the program's
// version may differ (a new version of the same program). The differences
// come in that key's order, then the totals per currency.
func DiffLines(a, b []store.Line) ([]LineDiff, []CurrencyDiff, error) {
	type key struct{ payeeType, payee, program, kind, currency string }
	keyOf := func(l store.Line) key { return key{l.PayeeType, l.Payee, l.ProgramID, l.Kind, l.Currency} }
	// A run may hold several lines of one key (adjustments): they are
	// matched in their order.
	byKey := map[key][]*store.Line{}
	for i := range a {
		k := keyOf(a[i])
		byKey[k] = append(byKey[k], &a[i])
	}
	totals := map[string]*CurrencyDiff{}
	total := func(cur string) *CurrencyDiff {
		if totals[cur] == nil {
			totals[cur] = &CurrencyDiff{Currency: cur}
		}
		return totals[cur]
	}
	var out []LineDiff
	add := func(k key, la, lb *store.Line) error {
		var amtA, amtB decimal.Decimal
		var err error
		if la != nil {
			if amtA, err = decimal.NewFromString(la.Amount); err != nil {
				return err
			}
			total(k.currency).A = total(k.currency).A.Add(amtA)
		}
		if lb != nil {
			if amtB, err = decimal.NewFromString(lb.Amount); err != nil {
				return err
			}
			total(k.currency).B = total(k.currency).B.Add(amtB)
		}
		if la != nil && lb != nil && la.Measure == lb.Measure && la.Tier == lb.Tier && amtA.Equal(amtB) && la.ProgramVersion == lb.ProgramVersion {
			return nil
		}
		out = append(out, LineDiff{PayeeType: k.payeeType, Payee: k.payee, ProgramID: k.program, Kind: k.kind, Currency: k.currency,
			A: la, B: lb, Difference: amtB.Sub(amtA)})
		return nil
	}
	for i := range b {
		k := keyOf(b[i])
		var la *store.Line
		if rest := byKey[k]; len(rest) > 0 {
			la, byKey[k] = rest[0], rest[1:]
		}
		if err := add(k, la, &b[i]); err != nil {
			return nil, nil, err
		}
	}
	for k, rest := range byKey {
		for _, la := range rest {
			if err := add(k, la, nil); err != nil {
				return nil, nil, err
			}
		}
	}
	slices.SortStableFunc(out, func(x, y LineDiff) int {
		return cmp.Or(cmp.Compare(x.PayeeType, y.PayeeType), cmp.Compare(x.Payee, y.Payee), cmp.Compare(x.ProgramID, y.ProgramID),
			cmp.Compare(x.Kind, y.Kind), cmp.Compare(x.Currency, y.Currency))
	})
	var curs []CurrencyDiff
	for _, t := range totals {
		t.Difference = t.B.Sub(t.A)
		curs = append(curs, *t)
	}
	slices.SortFunc(curs, func(x, y CurrencyDiff) int { return cmp.Compare(x.Currency, y.Currency) })
	return out, curs, nil
}
