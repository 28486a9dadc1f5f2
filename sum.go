package incent

import "github.com/shopspring/decimal"

// Sum adds decimals exactly, as one integer while it can. A decimal holds
// its digits in a big.Int, so every sum of two is a new one: summing a
// million credits that way is a million allocations. Terms with up to 18
// digits, the amounts, units and shares of sales, are added into an int64
// at the smallest exponent seen instead; a term that does not fit, or a sum
// that would overflow, goes to a decimal kept beside it. The zero value is
// an empty sum. Value is the same number a chain of decimal.Add would give.
type Sum struct {
	n    int64 // in units of 10^exp
	exp  int32
	rest decimal.Decimal
}

// pow10 holds 10^0 to 10^18, the powers an int64 holds.
var pow10 = [...]int64{1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10,
	1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18}

// Add adds d to the sum.
func (s *Sum) Add(d decimal.Decimal) {
	if e := d.Exponent(); e >= -18 && e <= 18 && d.NumDigits() <= 18 && s.addInt(d.CoefficientInt64(), e) {
		return
	}
	s.rest = s.rest.Add(d)
}

// AddInt adds c × 10^exp to the sum: cents are AddInt(c, -2).
func (s *Sum) AddInt(c int64, exp int32) {
	if !s.addInt(c, exp) {
		s.rest = s.rest.Add(decimal.New(c, exp))
	}
}

// addInt adds c × 10^e into n, and reports false, leaving the sum as it
// was in value, when that would overflow.
func (s *Sum) addInt(c int64, e int32) bool {
	switch {
	case c == 0:
		return true
	case s.n == 0:
		s.n, s.exp = c, e
		return true
	case e > s.exp:
		if c, ok := Scale(c, e-s.exp); ok {
			return s.addScaled(c)
		}
		return false
	case e < s.exp:
		n, ok := Scale(s.n, s.exp-e)
		if !ok {
			return false
		}
		s.n, s.exp = n, e
	}
	return s.addScaled(c)
}

func (s *Sum) addScaled(c int64) bool {
	n := s.n + c
	if (c > 0 && n < s.n) || (c < 0 && n > s.n) {
		return false
	}
	s.n = n
	return true
}

// Scale returns c × 10^k, for k ≥ 0, and whether it fits in an int64.
func Scale(c int64, k int32) (int64, bool) {
	if k >= int32(len(pow10)) {
		return 0, false
	}
	p := pow10[k]
	if c > 0 && c > (1<<63-1)/p || c < 0 && c < -(1<<63-1)/p {
		return 0, false
	}
	return c * p, true
}

// Value returns the sum.
func (s *Sum) Value() decimal.Decimal {
	if s.n == 0 {
		return s.rest
	}
	v := decimal.New(s.n, s.exp)
	if s.rest.IsZero() {
		return v
	}
	return s.rest.Add(v)
}
