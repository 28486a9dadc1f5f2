package incent

import (
	"testing"

	"github.com/shopspring/decimal"
)

func TestParseShares(t *testing.T) {
	tests := []struct {
		cell    string
		want    string // code=fraction pairs
		wantErr string
	}{
		{"", "", ""},
		{"S1", "S1=1", ""},
		{"S1;S2", "S1=0.5 S2=0.5", ""},
		{"D001:60;D002:40", "D001=0.6 D002=0.4", ""},
		{" D001 : 50 ; D002:50% ", "D001=0.5 D002=0.5", ""},
		{"D001:50;D002:40", "", `shares in "D001:50;D002:40" sum to 90, expected 100`},
		{"D001:50;D002", "", `"D001:50;D002" gives percentages for some codes but not all`},
		{"D001:50;D001:50", "", `"D001:50;D001:50" lists D001 twice`},
		{"D001:-10;D002:110", "", `"D001:-10;D002:110": share "-10" of D001 is not a positive percentage`},
		{":100", "", `":100" has an empty code, expected CODE:PERCENT;CODE:PERCENT`},
	}
	for _, tt := range tests {
		t.Run(tt.cell, func(t *testing.T) {
			got, err := ParseShares(tt.cell)
			if tt.wantErr != "" {
				if err == nil || err.Error() != tt.wantErr {
					t.Fatalf("error %v, want %s", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			s := ""
			for i, sh := range got {
				if i > 0 {
					s += " "
				}
				s += sh.Code + "=" + sh.Fraction.String()
			}
			if s != tt.want {
				t.Errorf("got %s, want %s", s, tt.want)
			}
		})
	}
}

// TestShareDigits pins the coefficient and exponent of shares: a given
// percentage exactly, an equal share to 16 places without trailing zeros,
// so that a share times a sale's amount stays within 18 digits.
func TestShareDigits(t *testing.T) {
	tests := []struct {
		cell string
		coef []int64
		exp  []int32
	}{
		{"S1:60;S2:40", []int64{60, 40}, []int32{-2, -2}},
		{"D001:33.5;D002:66.5", []int64{335, 665}, []int32{-3, -3}},
		{"D001:100", []int64{100}, []int32{-2}},
		{"S1", []int64{1}, []int32{0}},
		{"S1;S2", []int64{5, 5}, []int32{-1, -1}},
		{"S1;S2;S3;S4", []int64{25, 25, 25, 25}, []int32{-2, -2, -2, -2}},
		{"S1;S2;S3", []int64{3333333333333333, 3333333333333333, 3333333333333333}, []int32{-16, -16, -16}},
		{"S1;S2;S3;S4;S5;S6;S7;S8", []int64{125, 125, 125, 125, 125, 125, 125, 125}, []int32{-3, -3, -3, -3, -3, -3, -3, -3}},
	}
	for _, tt := range tests {
		got, err := ParseShares(tt.cell)
		if err != nil || len(got) != len(tt.coef) {
			t.Fatalf("ParseShares(%q) = %v, %v", tt.cell, got, err)
		}
		for i, sh := range got {
			if c, e := sh.Fraction.CoefficientInt64(), sh.Fraction.Exponent(); c != tt.coef[i] || e != tt.exp[i] {
				t.Errorf("%q: share %d is %d × 10^%d, want %d × 10^%d", tt.cell, i, c, e, tt.coef[i], tt.exp[i])
			}
		}
	}
}

// FuzzParseShares checks that accepted shares are positive and sum to one
// (within the rounding of equal thirds and the like).
func FuzzParseShares(f *testing.F) {
	for _, s := range []string{"S1", "S1;S2;S3", "D001:60;D002:40", "x:1;y:99", ";;"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, cell string) {
		shares, err := ParseShares(cell)
		if err != nil || len(shares) == 0 {
			return
		}
		sum := decimal.Zero
		for _, sh := range shares {
			if !sh.Fraction.IsPositive() {
				t.Fatalf("%q: non-positive share %s", cell, sh.Fraction)
			}
			sum = sum.Add(sh.Fraction)
		}
		if sum.Sub(decimal.NewFromInt(1)).Abs().GreaterThan(decimal.New(1, -12)) {
			t.Fatalf("%q: shares sum to %s", cell, sum)
		}
	})
}
