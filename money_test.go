package incent_test

import (
	"testing"

	"github.com/incent/incent"
	"github.com/shopspring/decimal"
)

// TestGroupThousands checks separators against numbers written out by hand.
func TestGroupThousands(t *testing.T) {
	for in, want := range map[string]string{
		"0": "0", "12": "12", "123": "123", "1234": "1,234", "-1234": "-1,234", "-12": "-12",
		"1234567.891": "1,234,567.891", "-1234567": "-1,234,567", "100000": "100,000",
		"999.99": "999.99", "-0.5": "-0.5", "12345678901234567890": "12,345,678,901,234,567,890",
		"": "", "-": "-", ".5": ".5", "1000.": "1,000.",
	} {
		if got := incent.GroupThousands(in); got != want {
			t.Errorf("GroupThousands(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestAppendDecimalMatchesString checks the fast decimal writer against
// decimal.String.
func TestAppendDecimalMatchesString(t *testing.T) {
	for _, s := range []string{"0", "1", "-1", "0.5", "43476.00", "43476.50", "-0.001", "1234567890.123456789", "100", "1e3",
		"0.0000001", "-43476.10", "99999999999999999999999.5", "0.30"} {
		d := decimal.RequireFromString(s)
		if got := string(incent.AppendDecimal(nil, d)); got != d.String() {
			t.Errorf("%s: got %s, want %s", s, got, d.String())
		}
	}
}

func FuzzAppendDecimal(f *testing.F) {
	f.Add(int64(4347600), int32(-2))
	f.Add(int64(-5), int32(-1))
	f.Fuzz(func(t *testing.T, c int64, exp int32) {
		if exp < -40 || exp > 40 {
			return
		}
		d := decimal.New(c, exp)
		if got := string(incent.AppendDecimal(nil, d)); got != d.String() {
			t.Errorf("New(%d, %d): got %s, want %s", c, exp, got, d.String())
		}
	})
}
