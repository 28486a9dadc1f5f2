package incent

import (
	"cmp"
	"strconv"
	"sync"

	"github.com/shopspring/decimal"
)

// Amount is a money cell of a sale, or an empty cell. It is exactly the
// decimal that was read, digits and exponent alike, held as one integer
// coefficient when it has at most 18 digits, as money read from a sales
// export does. A decimal holds its digits in a big.Int: two allocations
// per value, read scattered across the heap, for the two million amounts
// of a million-sale quarter. Only a longer number is kept as a decimal, in
// a table of its own, so that an Amount holds no pointer and takes 16
// bytes.
type Amount struct {
	n    int64 // the coefficient: the value is n × 10^exp; for a long number, its place in longAmounts
	exp  int32
	kind amountKind
}

type amountKind uint8

const (
	amountEmpty amountKind = iota
	amountShort            // n × 10^exp
	amountLong             // longAmounts[n]
)

// longAmounts holds the amounts of more than 18 digits, which no real
// export has but a file (or an expression's literal) may. Each distinct
// value, digits and exponent, is held once, for the life of the process.
var longAmounts struct {
	mu  sync.RWMutex
	tab []decimal.Decimal
	ids map[string]int64 // coefficient "e" exponent -> place in tab
}

// maxAmountCoef is the largest coefficient an Amount holds in n: 18
// digits, like decimal's own int64 fast paths.
const maxAmountCoef = 999_999_999_999_999_999

// AmountOf returns the filled cell holding d.
func AmountOf(d decimal.Decimal) Amount {
	if d.NumDigits() <= 18 {
		return Amount{n: d.CoefficientInt64(), exp: d.Exponent(), kind: amountShort}
	}
	key := d.Coefficient().String() + "e" + strconv.Itoa(int(d.Exponent()))
	longAmounts.mu.Lock()
	defer longAmounts.mu.Unlock()
	id, ok := longAmounts.ids[key]
	if !ok {
		if longAmounts.ids == nil {
			longAmounts.ids = map[string]int64{}
		}
		id = int64(len(longAmounts.tab))
		longAmounts.tab = append(longAmounts.tab, d)
		longAmounts.ids[key] = id
	}
	return Amount{n: id, kind: amountLong}
}

// ScaledAmount returns the filled cell holding n × 10^exp. It is false
// when n has more than 18 digits.
func ScaledAmount(n int64, exp int32) (Amount, bool) {
	if n > maxAmountCoef || n < -maxAmountCoef {
		return Amount{}, false
	}
	return Amount{n: n, exp: exp, kind: amountShort}, true
}

// Has reports whether the cell was filled.
func (a Amount) Has() bool { return a.kind != amountEmpty }

// Decimal returns the value, decimal.Zero for an empty cell.
func (a Amount) Decimal() decimal.Decimal {
	switch a.kind {
	case amountEmpty:
		return decimal.Zero
	case amountLong:
		longAmounts.mu.RLock()
		defer longAmounts.mu.RUnlock()
		return longAmounts.tab[a.n]
	}
	return decimal.New(a.n, a.exp)
}

// Append appends the value as its Decimal's String writes it.
func (a Amount) Append(b []byte) []byte {
	if a.kind == amountShort && a.exp <= 0 {
		return AppendScaled(b, a.n, a.exp)
	}
	return AppendDecimal(b, a.Decimal())
}

// AppendFixed appends the value with exactly places decimals, as its
// Decimal's StringFixed writes it.
func (a Amount) AppendFixed(b []byte, places int32) []byte {
	if a.kind == amountShort {
		if out, ok := appendFixedScaled(b, a.n, a.exp, places); ok {
			return out
		}
	}
	return append(b, a.Decimal().StringFixed(places)...)
}

// Scaled returns the value as n × 10^exp with the decimal's own
// coefficient and exponent, or false when its digits do not fit in 18.
// An empty cell is decimal.Zero's 0 × 10^1.
func (a Amount) Scaled() (n int64, exp int32, ok bool) {
	switch a.kind {
	case amountEmpty:
		return 0, 1, true
	case amountLong:
		return 0, 0, false
	}
	return a.n, a.exp, true
}

// Cmp compares the values of a and b, as decimal's Cmp does: -1, 0 or +1.
// An empty cell is zero.
func (a Amount) Cmp(b Amount) int {
	an, ae, aok := a.Scaled()
	bn, be, bok := b.Scaled()
	if aok && bok {
		// Bring both to the smaller exponent when that cannot overflow.
		if ae < be {
			if m, ok := Scale(bn, be-ae); ok {
				return cmp.Compare(an, m)
			}
		} else if m, ok := Scale(an, ae-be); ok {
			return cmp.Compare(m, bn)
		}
	}
	return a.Decimal().Cmp(b.Decimal())
}

// Equal reports whether a and b are both empty, or both filled with equal
// values (1.5 equals 1.50).
func (a Amount) Equal(b Amount) bool {
	return a.Has() == b.Has() && a.Cmp(b) == 0
}
