package incent

import (
	"strconv"
	"sync"
	"testing"

	"github.com/shopspring/decimal"
)

// TestAmount checks that an amount keeps the decimal it was made from,
// digits and exponent alike, whether it fits in 18 digits or not.
func TestAmount(t *testing.T) {
	tests := []struct {
		in      string
		n       int64
		exp     int32
		scaled  bool
		printed string
	}{
		{"43500.50", 4350050, -2, true, "43500.5"},
		{"0.00", 0, -2, true, "0"},
		{"-12.5", -125, -1, true, "-12.5"},
		{"1200", 1200, 0, true, "1200"},
		{"999999999999999999", 999999999999999999, 0, true, "999999999999999999"},
		{"-9999999999999999.99", -999999999999999999, -2, true, "-9999999999999999.99"},
		{"1000000000000000000", 0, 0, false, "1000000000000000000"},
		{"123456789012345678901234.5", 0, 0, false, "123456789012345678901234.5"},
	}
	for _, tt := range tests {
		d := decimal.RequireFromString(tt.in)
		a := AmountOf(d)
		n, exp, ok := a.Scaled()
		if ok != tt.scaled || ok && (n != tt.n || exp != tt.exp) {
			t.Errorf("AmountOf(%s).Scaled() = %d, %d, %v; want %d, %d, %v", tt.in, n, exp, ok, tt.n, tt.exp, tt.scaled)
		}
		if !a.Has() {
			t.Errorf("AmountOf(%s) is empty", tt.in)
		}
		back := a.Decimal()
		if !back.Equal(d) || back.Exponent() != d.Exponent() || back.String() != tt.printed {
			t.Errorf("AmountOf(%s).Decimal() = %s (exponent %d)", tt.in, back, back.Exponent())
		}
	}

	var empty Amount
	if n, exp, ok := empty.Scaled(); empty.Has() || !empty.Decimal().Equal(decimal.Zero) || n != 0 || exp != 1 || !ok {
		t.Errorf("an empty amount reads %v, %s, %d, %d, %v", empty.Has(), empty.Decimal(), n, exp, ok)
	}
	if _, ok := ScaledAmount(1_000_000_000_000_000_000, 0); ok {
		t.Error("ScaledAmount took 19 digits")
	}
	if a, ok := ScaledAmount(-4350050, -2); !ok || a.Decimal().String() != "-43500.5" {
		t.Errorf("ScaledAmount(-4350050, -2) = %s, %v", a.Decimal(), ok)
	}
}

// TestAmountLongConcurrent makes and reads long amounts on several
// goroutines at once, as the readers of several files do. Run with -race.
func TestAmountLongConcurrent(t *testing.T) {
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Go(func() {
			for i := range 200 {
				d := decimal.RequireFromString("12345678901234567890" + strconv.Itoa(g) + "." + strconv.Itoa(i))
				if back := AmountOf(d).Decimal(); !back.Equal(d) || back.String() != d.String() {
					t.Errorf("AmountOf(%s).Decimal() = %s", d, back)
					return
				}
			}
		})
	}
	wg.Wait()

	// A long value made again, as an expression's literal is at every
	// sale, takes no more room; the same digits with another exponent do.
	longAmounts.mu.RLock()
	before := len(longAmounts.tab)
	longAmounts.mu.RUnlock()
	a := AmountOf(decimal.RequireFromString("12345678901234567890123.45"))
	b := AmountOf(decimal.RequireFromString("12345678901234567890123.45"))
	c := AmountOf(decimal.RequireFromString("12345678901234567890123.450"))
	longAmounts.mu.RLock()
	after := len(longAmounts.tab)
	longAmounts.mu.RUnlock()
	if a != b || after != before+2 {
		t.Errorf("two equal long amounts are %v and %v, and the table grew by %d, want 2", a, b, after-before)
	}
	if c.Decimal().String() != "12345678901234567890123.45" || c.Decimal().Exponent() != -3 || !c.Equal(a) {
		t.Errorf("12345678901234567890123.450 reads %s (exponent %d)", c.Decimal(), c.Decimal().Exponent())
	}
}

// TestAmountCmp compares amounts across exponents, sizes and signs, with
// the answers decimal comparison gives written out.
func TestAmountCmp(t *testing.T) {
	amt := func(s string) Amount { return AmountOf(decimal.RequireFromString(s)) }
	tests := []struct {
		a, b Amount
		want int
	}{
		{amt("1.5"), amt("1.50"), 0},
		{amt("39999.99"), amt("40000"), -1},
		{amt("40000"), amt("39999.99"), 1},
		{amt("-0.01"), amt("0"), -1},
		{amt("0.000"), Amount{}, 0}, // an empty cell compares as zero
		{Amount{}, amt("-1"), 1},
		{amt("1e18"), amt("999999999999999999"), 1},            // one side too long for an int64
		{amt("900000000000000000"), amt("0.0000000000001"), 1}, // aligning would overflow
		{amt("0.0000000000000000001"), amt("0.0000000000000000002"), -1},
		{amt("123456789012345678901234.5"), amt("123456789012345678901234.6"), -1},
	}
	for _, tt := range tests {
		if got := tt.a.Cmp(tt.b); got != tt.want {
			t.Errorf("%s.Cmp(%s) = %d, want %d", tt.a.Decimal(), tt.b.Decimal(), got, tt.want)
		}
		if got := tt.b.Cmp(tt.a); got != -tt.want {
			t.Errorf("%s.Cmp(%s) = %d, want %d", tt.b.Decimal(), tt.a.Decimal(), got, -tt.want)
		}
	}
	if !amt("1.5").Equal(amt("1.500")) || amt("0").Equal(Amount{}) || !(Amount{}).Equal(Amount{}) {
		t.Error("Equal must compare values, and an empty cell only equals an empty cell")
	}
}
