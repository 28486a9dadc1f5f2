package calc

import (
	"testing"

	"github.com/incent/incent"
	"github.com/shopspring/decimal"
)

// TestFixedArithmetic checks products and sums against values worked out
// by hand, with the exponent decimal arithmetic gives, and the cases that
// do not fit in 18 digits.
func TestFixedArithmetic(t *testing.T) {
	f := func(n int64, exp int32) fixed { return fixed{n: n, exp: exp} }
	mul := []struct {
		name    string
		a, b    fixed
		want    fixed
		fitsNot bool
	}{
		{"a share of one sale", f(1, 0), f(4, -1), f(4, -1), false},
		{"a share of a reversal", f(-1, 0), f(6, -1), f(-6, -1), false},
		{"a share by a multiplier", f(4, -1), f(12, -1), f(48, -2), false},
		{"a multiplier on revenue in cents", f(125, -2), f(3730100, -2), f(466262500, -4), false},
		{"a whole number exponent", f(3, 2), f(-7, 1), f(-21, 3), false},
		{"18 digits fit", f(999_999_999, 0), f(999_999_999, 0), f(999_999_998_000_000_001, 0), false},
		{"19 digits do not", f(1_000_000_000, 0), f(1_000_000_000, 0), fixed{}, true},
		{"beyond 64 bits", f(999_999_999_999_999_999, 0), f(-10, 0), fixed{}, true},
	}
	for _, c := range mul {
		got, ok := mulFixed(c.a, c.b)
		if ok == c.fitsNot || ok && got != c.want {
			t.Errorf("%s: %+v × %+v = %+v, %v; want %+v, %v", c.name, c.a, c.b, got, ok, c.want, !c.fitsNot)
		}
	}
	add := []struct {
		name    string
		a, b    fixed
		want    fixed
		fitsNot bool
	}{
		{"two shares make one", f(4, -1), f(6, -1), f(10, -1), false},
		{"split revenue", f(185148, -1), f(277722, -1), f(462870, -1), false},
		{"the smaller exponent wins", f(1, 0), f(25, -2), f(125, -2), false},
		{"either order", f(25, -2), f(1, 0), f(125, -2), false},
		{"a reversal cancels", f(-3730100, -2), f(37301, 0), f(0, -2), false},
		{"18 digits fit", f(999_999_999_999_999_998, 0), f(1, 0), f(999_999_999_999_999_999, 0), false},
		{"19 digits do not", f(999_999_999_999_999_999, 0), f(1, 0), fixed{}, true},
		{"scaling up does not fit", f(1, 0), f(1, -19), fixed{}, true},
		{"scaling up overflows", f(1_000_000, 0), f(1, -13), fixed{}, true},
	}
	for _, c := range add {
		got, ok := addFixed(c.a, c.b)
		if ok == c.fitsNot || ok && got != c.want {
			t.Errorf("%s: %+v + %+v = %+v, %v; want %+v, %v", c.name, c.a, c.b, got, ok, c.want, !c.fitsNot)
		}
	}
}

// TestValueTableDecimals keeps what does not fit in 18 digits as a
// decimal, and gives it back exactly.
func TestValueTableDecimals(t *testing.T) {
	var vt valueTable
	big := decimal.RequireFromString("12345678901234567890.5")
	f := vt.fix(big)
	if f.big == 0 || !vt.dec(f).Equal(big) {
		t.Fatalf("fix(%s) = %+v, giving back %s", big, f, vt.dec(f))
	}
	prod := vt.mul(f, vt.fix(decimal.RequireFromString("0.4")))
	if got, want := vt.dec(prod).String(), "4938271560493827156.2"; got != want {
		t.Errorf("%s × 0.4 = %s, want %s", big, got, want)
	}
	sum := vt.plus(vt.fix(decimal.RequireFromString("999999999999999999")), fixed{n: 1})
	if got, want := vt.dec(sum).String(), "1000000000000000000"; sum.big == 0 || got != want {
		t.Errorf("999999999999999999 + 1 = %s (%+v), want %s kept as a decimal", got, sum, want)
	}
	if got, want := vt.dec(vt.neg(f)).String(), "-12345678901234567890.5"; got != want {
		t.Errorf("-(%s) = %s, want %s", big, got, want)
	}
	var s incent.Sum
	vt.sum(&s, f)
	vt.sum(&s, fixed{n: 5, exp: -1})
	if got, want := s.Value().String(), "12345678901234567891"; got != want {
		t.Errorf("sum = %s, want %s", got, want)
	}
}

// FuzzFixed holds fixed arithmetic to decimal arithmetic: the same
// digits and exponent for products, sums and negations, and the same text.
func FuzzFixed(f *testing.F) {
	f.Add(int64(4), int8(-1), int64(12), int8(-1))
	f.Add(int64(-1), int8(0), int64(3730100), int8(-2))
	f.Add(int64(999_999_999_999_999_999), int8(0), int64(1), int8(-19))
	f.Add(int64(-9_223_372_036_854_775_808), int8(3), int64(7), int8(-30))
	f.Fuzz(func(t *testing.T, a int64, ae int8, b int64, be int8) {
		da, db := decimal.New(a, int32(ae)), decimal.New(b, int32(be))
		var vt valueTable
		fa, fb := vt.fix(da), vt.fix(db)
		same := func(op string, got fixed, want decimal.Decimal) {
			d := vt.dec(got)
			if d.Exponent() != want.Exponent() || d.Coefficient().Cmp(want.Coefficient()) != 0 {
				t.Fatalf("%s: %s (%d e%d) from %+v, want %s (%s e%d)", op, d, d.CoefficientInt64(), d.Exponent(), got, want, want.Coefficient(), want.Exponent())
			}
			if got.big == 0 {
				if text, want := string(incent.AppendScaled(nil, got.n, got.exp)), want.String(); text != want {
					t.Fatalf("%s: written %q, want %q", op, text, want)
				}
			}
		}
		same("a", fa, da)
		same("a × b", vt.mul(fa, fb), da.Mul(db))
		same("a + b", vt.plus(fa, fb), da.Add(db))
		same("-a", vt.neg(fa), da.Neg())
		var s1, s2 incent.Sum
		vt.sum(&s1, fa)
		vt.sum(&s1, fb)
		s2.Add(da)
		s2.Add(db)
		if v1, v2 := s1.Value(), s2.Value(); v1.Exponent() != v2.Exponent() || !v1.Equal(v2) {
			t.Fatalf("sum %s e%d, want %s e%d", v1, v1.Exponent(), v2, v2.Exponent())
		}
	})
}
