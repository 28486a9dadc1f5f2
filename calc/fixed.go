package calc

import (
	"math/bits"

	"github.com/incent/incent"
	"github.com/shopspring/decimal"
)

// fixed is a credit's units or revenue as n × 10^exp: the same digits and
// exponent decimal arithmetic gives, held as one integer. A decimal keeps
// its digits in a big.Int of its own, two allocations that would stay live
// for each of the two million values of a million-sale quarter. A value
// whose digits do not fit in 18 is kept as a decimal in its table, and big
// numbers it from 1.
type fixed struct {
	n   int64
	exp int32
	big int32
}

// maxFixed is the largest magnitude a fixed holds: 18 digits, so that a
// sum of two or a negation never overflows an int64.
const maxFixed = 999_999_999_999_999_999

// fixedOf returns d as a fixed, or false when its digits do not fit.
func fixedOf(d decimal.Decimal) (fixed, bool) {
	if d.NumDigits() > 18 {
		return fixed{}, false
	}
	return fixed{n: d.CoefficientInt64(), exp: d.Exponent()}, true
}

// mulFixed returns a × b, or false when the product does not fit.
func mulFixed(a, b fixed) (fixed, bool) {
	if a.big != 0 || b.big != 0 {
		return fixed{}, false
	}
	e := int64(a.exp) + int64(b.exp)
	if e != int64(int32(e)) {
		return fixed{}, false
	}
	hi, lo := bits.Mul64(abs64(a.n), abs64(b.n))
	if hi != 0 || lo > maxFixed {
		return fixed{}, false
	}
	n := int64(lo)
	if (a.n < 0) != (b.n < 0) {
		n = -n
	}
	return fixed{n: n, exp: int32(e)}, true
}

// addFixed returns a + b at the smaller exponent, as decimal.Add does, or
// false when the sum does not fit.
func addFixed(a, b fixed) (fixed, bool) {
	if a.big != 0 || b.big != 0 {
		return fixed{}, false
	}
	if a.exp < b.exp {
		a, b = b, a
	}
	// a has the larger exponent: its digits move up to b's.
	k := int64(a.exp) - int64(b.exp)
	if k > 18 {
		return fixed{}, false
	}
	an, ok := incent.Scale(a.n, int32(k))
	if !ok || abs64(an) > maxFixed {
		return fixed{}, false
	}
	n := an + b.n
	if abs64(n) > maxFixed {
		return fixed{}, false
	}
	return fixed{n: n, exp: b.exp}, true
}

func abs64(n int64) uint64 {
	if n < 0 {
		return uint64(-n)
	}
	return uint64(n)
}

// fix returns d as a fixed, keeping it in the table when it does not fit.
func (t *valueTable) fix(d decimal.Decimal) fixed {
	if f, ok := fixedOf(d); ok {
		return f
	}
	t.big = append(t.big, d)
	return fixed{big: int32(len(t.big))}
}

// amount returns a as a fixed, keeping it in the table when it does not
// fit; an empty cell is zero.
func (t *valueTable) amount(a incent.Amount) fixed {
	if n, exp, ok := a.Scaled(); ok && n <= maxFixed && n >= -maxFixed {
		return fixed{n: n, exp: exp}
	}
	return t.fix(a.Decimal())
}

// dec returns f as a decimal.
func (t *valueTable) dec(f fixed) decimal.Decimal {
	if f.big != 0 {
		return t.big[f.big-1]
	}
	return decimal.New(f.n, f.exp)
}

// mul returns a × b, in decimals when the product does not fit.
func (t *valueTable) mul(a, b fixed) fixed {
	if f, ok := mulFixed(a, b); ok {
		return f
	}
	return t.fix(t.dec(a).Mul(t.dec(b)))
}

// plus returns a + b, in decimals when the sum does not fit.
func (t *valueTable) plus(a, b fixed) fixed {
	if f, ok := addFixed(a, b); ok {
		return f
	}
	return t.fix(t.dec(a).Add(t.dec(b)))
}

// neg returns -f.
func (t *valueTable) neg(f fixed) fixed {
	if f.big != 0 {
		return t.fix(t.dec(f).Neg())
	}
	return fixed{n: -f.n, exp: f.exp}
}

// sum adds f to s.
func (t *valueTable) sum(s *incent.Sum, f fixed) {
	if f.big != 0 || f.exp < -18 || f.exp > 18 {
		s.Add(t.dec(f)) // as Sum.Add takes it
		return
	}
	s.AddInt(f.n, f.exp)
}
