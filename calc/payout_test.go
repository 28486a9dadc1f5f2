package calc

import (
	"testing"

	"github.com/incent/incent"
	"github.com/shopspring/decimal"
)

// TestMoneyText checks how formulas print amounts: at the currency's minor
// digits, or at as many as the value needs, never with the trailing zeros
// of its exponent.
func TestMoneyText(t *testing.T) {
	usd := incent.Currency{Code: "USD", Minor: 2}
	jpy := incent.Currency{Code: "JPY", Minor: 0}
	tests := []struct {
		in   string
		cur  incent.Currency
		want string
	}{
		{"1000", usd, "1,000.00 USD"},
		{"1000.5", usd, "1,000.50 USD"},
		{"12.345", usd, "12.345 USD"},
		{"56336.1750000000", usd, "56,336.175 USD"},
		{"500000.0000000000", usd, "500,000.00 USD"},
		{"0.0000000000000001", usd, "0.0000000000000001 USD"},
		{"-3.10", usd, "-3.10 USD"},
		{"1500.50", jpy, "1,500.5 JPY"},
		{"1500.00", jpy, "1,500 JPY"},
	}
	for _, tt := range tests {
		if got := money(decimal.RequireFromString(tt.in), tt.cur); got != tt.want {
			t.Errorf("money(%s, %s) = %q, want %q", tt.in, tt.cur.Code, got, tt.want)
		}
	}
}
