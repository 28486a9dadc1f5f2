package incent_test

import (
	"testing"

	"github.com/incent/incent"
	"github.com/shopspring/decimal"
)

// TestSum checks sums worked out by hand, across the ways a term can leave
// the integer: more digits than an int64 holds, an exponent past 10^±18,
// and a total that would overflow.
func TestSum(t *testing.T) {
	tests := []struct {
		name  string
		terms []string
		want  string
	}{
		{"empty", nil, "0"},
		{"whole units", []string{"1", "1", "-1", "1"}, "2"},
		{"cents", []string{"43500.50", "52000", "0.01"}, "95500.51"},
		{"shares to 16 places", []string{"0.3333333333333333", "0.3333333333333333", "0.3333333333333334"}, "1"},
		{"mixed exponents", []string{"1.2", "0.04", "300", "0.005"}, "301.245"},
		{"zeros of any exponent", []string{"0.000", "0", "5", "0E-20"}, "5"},
		{"cancels out", []string{"12.5", "-12.5"}, "0"},
		{"19 digits", []string{"1234567890123456789", "1"}, "1234567890123456790"},
		{"beyond 10^-18", []string{"1E-20", "1"}, "1.00000000000000000001"},
		{"beyond 10^18", []string{"1E+19", "2"}, "10000000000000000002"},
		{"overflow on adding", []string{"900000000000000000", "900000000000000000", "900000000000000000", "900000000000000000",
			"900000000000000000", "900000000000000000", "900000000000000000", "900000000000000000", "900000000000000000",
			"900000000000000000", "900000000000000000", "-1"}, "9899999999999999999"},
		{"overflow on rescaling", []string{"900000000000000000", "0.1"}, "900000000000000000.1"},
		{"overflow scaling the term", []string{"0.1", "900000000000000000"}, "900000000000000000.1"},
		{"negative overflow", []string{"-900000000000000000", "-900000000000000000", "-900000000000000000", "-900000000000000000",
			"-900000000000000000", "-900000000000000000", "-900000000000000000", "-900000000000000000", "-900000000000000000",
			"-900000000000000000", "-900000000000000000"}, "-9900000000000000000"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var s incent.Sum
			for _, term := range tt.terms {
				s.Add(decimal.RequireFromString(term))
			}
			if got := s.Value(); !got.Equal(decimal.RequireFromString(tt.want)) {
				t.Errorf("sum = %s, want %s", got, tt.want)
			}
		})
	}
}

func TestSumAddInt(t *testing.T) {
	var s incent.Sum
	s.AddInt(4350050, -2)
	s.AddInt(-1, 0)
	s.Add(decimal.RequireFromString("0.125"))
	s.AddInt(1<<62, 0)
	s.AddInt(1<<62, 0) // 2^63 in all: overflows the integer
	if got, want := s.Value().String(), "9223372036854819307.625"; got != want {
		t.Errorf("sum = %s, want %s", got, want)
	}
}

// FuzzSum holds Sum to a chain of decimal.Add over any terms.
func FuzzSum(f *testing.F) {
	f.Add(int64(4350050), int32(-2), int64(-1), int32(0), int64(3333333333333333), int32(-16))
	f.Add(int64(1<<62), int32(0), int64(1<<62), int32(0), int64(-7), int32(-19))
	f.Add(int64(-999999999999999999), int32(18), int64(5), int32(-18), int64(0), int32(-3))
	f.Fuzz(func(t *testing.T, a int64, ae int32, b int64, be int32, c int64, ce int32) {
		terms := []decimal.Decimal{decimal.New(a, ae%40), decimal.New(b, be%40), decimal.New(c, ce%40)}
		var s incent.Sum
		want := decimal.Zero
		for i := 0; i < 7; i++ { // each term again and again, to reach an overflow
			d := terms[i%len(terms)]
			s.Add(d)
			want = want.Add(d)
			if got := s.Value(); !got.Equal(want) {
				t.Fatalf("after %d terms of %v: sum = %s, want %s", i+1, terms, got, want)
			}
		}
	})
}
