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

// atLeast is what AppendAtLeast must write: StringFixed at the fewest
// places from minor on at which d rounds to itself.
func atLeast(d decimal.Decimal, minor int32) string {
	places := minor
	for !d.Equal(d.Round(places)) {
		places++
	}
	return d.StringFixed(places)
}

// TestAppendAtLeast checks the writer of amounts shown at least at their
// currency's decimals, with written expectations and against atLeast.
func TestAppendAtLeast(t *testing.T) {
	tests := []struct {
		d     string
		minor int32
		want  string
	}{
		{"12.345", 2, "12.345"},
		{"56336.1750000000", 2, "56336.175"},
		{"100", 2, "100.00"},
		{"1e3", 2, "1000.00"},
		{"-0.5", 2, "-0.50"},
		{"0", 2, "0.00"},
		{"0", 0, "0"},
		{"7.10", 0, "7.1"},
		{"-1234.5000", 3, "-1234.500"},
		{"0.000001", 2, "0.000001"},
		{"12345678901234567890.5", 2, "12345678901234567890.50"},
		{"1.23456789012345678901", 2, "1.23456789012345678901"},
	}
	for _, tt := range tests {
		d := decimal.RequireFromString(tt.d)
		if got := string(incent.AppendAtLeast([]byte("x"), d, tt.minor)); got != "x"+tt.want {
			t.Errorf("AppendAtLeast(%s, %d) = %q, want %q", tt.d, tt.minor, got, "x"+tt.want)
		}
		if got := atLeast(d, tt.minor); got != tt.want {
			t.Errorf("atLeast(%s, %d) = %q, want %q", tt.d, tt.minor, got, tt.want)
		}
	}
}

func FuzzAppendAtLeast(f *testing.F) {
	f.Add(int64(56336175), int32(-3), int32(2))
	f.Add(int64(-5), int32(-1), int32(2))
	f.Add(int64(100), int32(2), int32(0))
	f.Fuzz(func(t *testing.T, coef int64, exp, minor int32) {
		if exp < -30 || exp > 30 || minor < 0 || minor > 4 {
			return
		}
		d := decimal.New(coef, exp)
		if got, want := string(incent.AppendAtLeast(nil, d, minor)), atLeast(d, minor); got != want {
			t.Errorf("AppendAtLeast(New(%d, %d), %d) = %s, want %s", coef, exp, minor, got, want)
		}
	})
}

// TestFormatMoneyMatchesStringFixed holds FormatMoney to grouping
// StringFixed's digits, for amounts exact at the minor unit, with more
// decimals (rounded), and too long for the shortcut.
func TestFormatMoneyMatchesStringFixed(t *testing.T) {
	cur := map[int32]incent.Currency{0: {Code: "JPY"}, 2: {Code: "USD", Minor: 2}, 3: {Code: "KWD", Minor: 3}}
	for _, s := range []string{"0", "1", "-1", "0.05", "-0.05", "0.5", "1234.5", "1234.50", "-1234567.89", "999999999999999.99",
		"9999999999999999.99", "123456789012345678.9", "0.001", "2.345", "-2.345", "1e3", "1.2e-1", "0.00"} {
		d := decimal.RequireFromString(s)
		for minor, c := range cur {
			if got, want := incent.FormatMoney(d, c), incent.GroupThousands(d.StringFixed(minor)); got != want {
				t.Errorf("FormatMoney(%s, %s) = %s, want %s", s, c.Code, got, want)
			}
		}
	}
}

func FuzzFormatMoney(f *testing.F) {
	f.Add(int64(123450), int32(-2), int32(2))
	f.Add(int64(-5), int32(-3), int32(2))
	f.Fuzz(func(t *testing.T, coef int64, exp, minor int32) {
		if exp < -30 || exp > 30 || minor < 0 || minor > 4 {
			return
		}
		d := decimal.New(coef, exp)
		c := incent.Currency{Code: "X", Minor: minor}
		if got, want := incent.FormatMoney(d, c), incent.GroupThousands(d.StringFixed(minor)); got != want {
			t.Errorf("FormatMoney(New(%d, %d), minor %d) = %s, want %s", coef, exp, minor, got, want)
		}
	})
}

// TestAmountAppendMatchesDecimal holds an Amount's Append and AppendFixed
// to its Decimal's String and StringFixed: short and long coefficients,
// exact at the places asked for, with more decimals (rounded), and with a
// positive exponent.
func TestAmountAppendMatchesDecimal(t *testing.T) {
	for _, s := range []string{"0", "1", "-1", "0.05", "-0.05", "1234.5", "1234.50", "-1234567.89", "999999999999999.99",
		"9999999999999999.99", "123456789012345678.9", "1234567890123456789.25", "0.001", "2.345", "-2.345", "1e3", "-7e2", "0.00", "143.76775"} {
		d := decimal.RequireFromString(s)
		a := incent.AmountOf(d)
		if got := string(a.Append([]byte("x"))); got != "x"+d.String() {
			t.Errorf("AmountOf(%s).Append = %s, want x%s", s, got, d.String())
		}
		for places := int32(0); places <= 4; places++ {
			if got := string(a.AppendFixed([]byte("x"), places)); got != "x"+d.StringFixed(places) {
				t.Errorf("AmountOf(%s).AppendFixed(%d) = %s, want x%s", s, places, got, d.StringFixed(places))
			}
		}
	}
}

func FuzzAmountAppend(f *testing.F) {
	f.Add(int64(123450), int32(-2), int32(2))
	f.Add(int64(-5), int32(-3), int32(2))
	f.Add(int64(-999999999999999999), int32(0), int32(1))
	f.Fuzz(func(t *testing.T, coef int64, exp, places int32) {
		if exp < -30 || exp > 30 || places < 0 || places > 20 {
			return
		}
		d := decimal.New(coef, exp)
		a := incent.AmountOf(d)
		if got := string(a.Append(nil)); got != d.String() {
			t.Errorf("Append(New(%d, %d)) = %s, want %s", coef, exp, got, d.String())
		}
		if got := string(a.AppendFixed(nil, places)); got != d.StringFixed(places) {
			t.Errorf("AppendFixed(New(%d, %d), %d) = %s, want %s", coef, exp, places, got, d.StringFixed(places))
		}
	})
}
