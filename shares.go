package incent

import (
	"fmt"
	"strings"

	"github.com/shopspring/decimal"
)

// Share is one party's part of a sale, as a fraction (0.6 for 60%).
type Share struct {
	Code     string
	Fraction decimal.Decimal
}

var hundred = decimal.NewFromInt(100)

// ParseShares parses a share cell such as "D001:50;D002:50" or "S1:60;S2:40".
// Codes without a percentage share equally ("S1;S2" is 50/50); given
// percentages must be positive and sum to exactly 100. A code listed twice is
// an error.
func ParseShares(cell string) ([]Share, error) {
	cell = strings.TrimSpace(cell)
	if cell == "" {
		return nil, nil
	}
	parts := strings.Split(cell, ";")
	out := make([]Share, 0, len(parts))
	seen := make(map[string]bool, len(parts))
	withPct, sum := 0, decimal.Zero
	for _, part := range parts {
		code, pct, hasPct := strings.Cut(strings.TrimSpace(part), ":")
		code = strings.TrimSpace(code)
		if code == "" {
			return nil, fmt.Errorf("%q has an empty code, expected CODE:PERCENT;CODE:PERCENT", cell)
		}
		if seen[code] {
			return nil, fmt.Errorf("%q lists %s twice", cell, code)
		}
		seen[code] = true
		sh := Share{Code: code}
		if hasPct {
			d, err := decimal.NewFromString(strings.TrimSuffix(strings.TrimSpace(pct), "%"))
			if err != nil || !d.IsPositive() {
				return nil, fmt.Errorf("%q: share %q of %s is not a positive percentage", cell, pct, code)
			}
			withPct++
			sum = sum.Add(d)
			sh.Fraction = d.Shift(-2) // exactly: 60 is 0.60
		}
		out = append(out, sh)
	}
	switch {
	case withPct == 0:
		share := equalShare(len(out)) // 1 for one code alone
		for i := range out {
			out[i].Fraction = share
		}
	case withPct != len(out):
		return nil, fmt.Errorf("%q gives percentages for some codes but not all", cell)
	case !sum.Equal(hundred):
		return nil, fmt.Errorf("shares in %q sum to %s, expected 100", cell, sum.String())
	}
	return out, nil
}

// equalShare returns 1/n to 16 places, without the trailing zeros of the
// division: a half is 0.5, not 0.5000000000000000. A share multiplies a
// sale's amount on every credit, and calc adds the products as integers
// only while they have at most 18 digits.
func equalShare(n int) decimal.Decimal {
	q := decimal.NewFromInt(1).DivRound(decimal.NewFromInt(int64(n)), 16)
	c, e := q.CoefficientInt64(), q.Exponent()
	for e < 0 && c%10 == 0 {
		c /= 10
		e++
	}
	return decimal.New(c, e)
}
