package incent

import (
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/shopspring/decimal"
)

// Currency is an ISO 4217 currency with its number of minor-unit digits.
type Currency struct {
	Code  string
	Minor int32
}

// minorUnits lists ISO 4217 minor units for the currencies makers pay in.
// A currency missing here is a configuration error, never a guess.
var minorUnits = map[string]int32{
	"AED": 2, "ARS": 2, "AUD": 2, "BHD": 3, "BRL": 2, "CAD": 2, "CHF": 2,
	"CLP": 0, "CNY": 2, "COP": 2, "CZK": 2, "DKK": 2, "EGP": 2, "EUR": 2,
	"GBP": 2, "HKD": 2, "HUF": 2, "IDR": 2, "ILS": 2, "INR": 2, "ISK": 0,
	"JOD": 3, "JPY": 0, "KRW": 0, "KWD": 3, "MXN": 2, "MYR": 2, "NOK": 2,
	"NZD": 2, "OMR": 3, "PEN": 2, "PHP": 2, "PLN": 2, "QAR": 2, "RON": 2,
	"SAR": 2, "SEK": 2, "SGD": 2, "THB": 2, "TND": 3, "TRY": 2, "TWD": 2,
	"UAH": 2, "USD": 2, "VND": 0, "ZAR": 2,
}

// LookupCurrency returns the currency for an ISO 4217 code.
func LookupCurrency(code string) (Currency, error) {
	code = strings.ToUpper(strings.TrimSpace(code))
	m, ok := minorUnits[code]
	if !ok {
		return Currency{}, fmt.Errorf("unknown currency %q (expected an ISO 4217 code such as USD, EUR, JPY)", code)
	}
	return Currency{Code: code, Minor: m}, nil
}

// Rounding is how a payout line's unrounded amount becomes money.
type Rounding int

// The rounding modes of incent.yaml's rounding key.
const (
	HalfUp   Rounding = iota // half away from zero: 2.345 -> 2.35, -2.345 -> -2.35
	HalfEven                 // banker's rounding: 2.345 -> 2.34, 2.355 -> 2.36
)

// ParseRounding parses half_up or half_even.
func ParseRounding(s string) (Rounding, error) {
	switch strings.TrimSpace(s) {
	case "", "half_up":
		return HalfUp, nil
	case "half_even":
		return HalfEven, nil
	}
	return HalfUp, fmt.Errorf("rounding %q is not half_up or half_even", s)
}

// String returns the configuration word for the mode.
func (r Rounding) String() string {
	if r == HalfEven {
		return "half_even"
	}
	return "half_up"
}

// Round rounds d to the currency's minor unit.
func (r Rounding) Round(d decimal.Decimal, c Currency) decimal.Decimal {
	if r == HalfEven {
		return d.RoundBank(c.Minor)
	}
	return d.Round(c.Minor)
}

// FormatMoney formats an amount with thousands separators and exactly the
// currency's minor digits: 1234.5 USD -> "1,234.50". Output never depends on
// the machine's locale.
func FormatMoney(d decimal.Decimal, c Currency) string {
	var buf [24]byte
	if b, ok := appendFixed(buf[:0], d, c.Minor); ok {
		return GroupThousands(string(b))
	}
	return GroupThousands(d.StringFixed(c.Minor))
}

// appendFixed appends d with exactly places decimals, as d.StringFixed
// writes it, when that needs no rounding and the digits fit an int64:
// every payout amount, which statements print by the hundred thousand. It
// reports false, having appended nothing, otherwise.
func appendFixed(b []byte, d decimal.Decimal, places int32) ([]byte, bool) {
	if d.NumDigits() > 18 {
		return b, false
	}
	return appendFixedScaled(b, d.CoefficientInt64(), d.Exponent(), places)
}

// appendFixedScaled is appendFixed for the decimal c × 10^exp.
func appendFixedScaled(b []byte, c int64, exp, places int32) ([]byte, bool) {
	if exp > 0 || exp < -places || places > 18 || numDigits(c) > 18-int(places+exp) {
		return b, false
	}
	for e := exp; e > -places; e-- {
		c *= 10 // at most 18 digits in all: no overflow
	}
	neg := c < 0
	if neg {
		c = -c
		b = append(b, '-')
	}
	var tmp [20]byte
	digits := strconv.AppendInt(tmp[:0], c, 10)
	if places == 0 {
		return append(b, digits...), true
	}
	for len(digits) <= int(places) { // 0.05 has digits "5": pad to "005"
		digits = append([]byte{'0'}, digits...)
	}
	cut := len(digits) - int(places)
	b = append(b, digits[:cut]...)
	b = append(b, '.')
	return append(b, digits[cut:]...), true
}

// numDigits returns the number of decimal digits of c, as decimal's
// NumDigits counts them: 1 for zero.
func numDigits(c int64) int {
	n := 1
	for c >= 10 || c <= -10 {
		c /= 10
		n++
	}
	return n
}

// GroupThousands inserts commas into the integer part of a plain decimal string.
func GroupThousands(s string) string {
	neg := strings.HasPrefix(s, "-")
	if neg {
		s = s[1:]
	}
	intPart, frac, hasFrac := strings.Cut(s, ".")
	if len(intPart) <= 3 && !neg {
		return s
	}
	// One allocation: totals and formula lines format hundreds of
	// thousands of numbers.
	b := make([]byte, 0, len(s)+len(intPart)/3+1)
	if neg {
		b = append(b, '-')
	}
	for i, ch := range intPart {
		if i > 0 && (len(intPart)-i)%3 == 0 {
			b = append(b, ',')
		}
		b = utf8.AppendRune(b, ch)
	}
	if hasFrac {
		b = append(b, '.')
		b = append(b, frac...)
	}
	return string(b)
}

// AppendDecimal appends d as d.String() would write it (no exponent, no
// trailing zeros), without allocating for the common small values: the
// calculation log and the workbooks write millions of them.
func AppendDecimal(b []byte, d decimal.Decimal) []byte {
	if d.Exponent() > 0 || d.NumDigits() > 18 {
		return append(b, d.String()...)
	}
	return AppendScaled(b, d.CoefficientInt64(), d.Exponent())
}

// AppendAtLeast appends d with at least minor decimals and as many more as
// its value needs, no trailing zero past minor: 12.345 at 2 is "12.345",
// 56336.1750000000 at 2 "56336.175", 100 at 2 "100.00". It writes what
// d.StringFixed writes at the fewest places from minor on at which d
// rounds to itself, without rounding again and again to find them.
func AppendAtLeast(b []byte, d decimal.Decimal, minor int32) []byte {
	if exp := d.Exponent(); exp <= 0 && d.NumDigits() <= 18 {
		c := d.CoefficientInt64()
		for exp < -minor && c%10 == 0 {
			c /= 10
			exp++
		}
		if out, ok := appendFixedScaled(b, c, exp, max(minor, -exp)); ok {
			return out
		}
	}
	places := minor
	for e := -d.Exponent(); places < e && !d.Equal(d.Round(places)); {
		places++
	}
	return append(b, d.StringFixed(places)...)
}

// AppendScaled appends c × 10^exp as AppendDecimal appends the decimal of
// that coefficient and exponent; c has at most 18 digits.
func AppendScaled(b []byte, c int64, exp int32) []byte {
	if exp > 0 {
		return append(b, decimal.New(c, exp).String()...)
	}
	if c < 0 {
		b = append(b, '-')
		c = -c
	}
	scale := int(-exp)
	for scale > 0 && c%10 == 0 {
		c /= 10
		scale--
	}
	var tmp [20]byte
	digits := strconv.AppendInt(tmp[:0], c, 10)
	switch {
	case scale == 0:
		return append(b, digits...)
	case len(digits) > scale:
		b = append(b, digits[:len(digits)-scale]...)
		b = append(b, '.')
		return append(b, digits[len(digits)-scale:]...)
	default:
		b = append(b, '0', '.')
		for i := len(digits); i < scale; i++ {
			b = append(b, '0')
		}
		return append(b, digits...)
	}
}
