package ingest

import (
	"testing"
	"time"

	"github.com/incent/incent"
	"github.com/shopspring/decimal"
)

func TestParseMoney(t *testing.T) {
	tests := []struct {
		in    string
		comma bool
		want  string // "" = error
	}{
		{"1234.5", false, "1234.5"},
		{"1234", false, "1234"},
		{"0", false, "0"},
		{"-1234.50", false, "-1234.5"},
		{"+12", false, "12"},
		{"1,234.50", false, "1234.5"},
		{"1,234,567.89", false, "1234567.89"},
		{"$1,234.50", false, "1234.5"},
		{"-$1,234.50", false, "-1234.5"},
		{"$-1,234.50", false, "-1234.5"},
		{"(1,234.50)", false, "-1234.5"},
		{"($1,234.50)", false, "-1234.5"},
		{"$(1,234.50)", false, "-1234.5"},
		{"USD 1,234.50", false, "1234.5"},
		{"1,234.50 USD", false, "1234.5"},
		{"US$ 99", false, "99"},
		{"£12.00", false, "12"},
		{"¥1,000", false, "1000"},
		{"  42.10  ", false, "42.1"},
		{".5", false, "0.5"},
		{"5.", false, "5"},
		{"1'234.50", false, "1234.5"},
		{"€ 1.234,50", true, "1234.5"},
		{"1.234,50 €", true, "1234.5"},
		{"1.234.567,89", true, "1234567.89"},
		{"1234,5", true, "1234.5"},
		{"1234", true, "1234"},
		{"1.234", true, "1234"},
		{"1 234,50", true, "1234.5"},
		{"1\u00a0234,50", true, "1234.5"},
		{"EUR -1.234,50", true, "-1234.5"},
		{"(1.234,50)", true, "-1234.5"},
		// Refused: wrong grouping, two decimal points, words, empties.
		{"12.34.56", false, ""},
		{"12.34.56", true, ""},
		{"1,5", false, ""},
		{"1,2345.00", false, ""},
		{"12,34.00", false, ""},
		{"1.234,50", false, ""},
		{"1,234.50", true, ""},
		{"1,234 50", false, ""},
		{"", false, ""},
		{"-", false, ""},
		{"$", false, ""},
		{"()", false, ""},
		{"(-5)", false, ""},
		{"--5", false, ""},
		{"abc", false, ""},
		{"12abc", false, ""},
		{"1e5", false, ""},
		{"NaN", false, ""},
		{"$ 1 $", false, ""},
		{"USD 5 EUR", false, ""},
		{"1234567890123456789012345678901", false, ""},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseMoney(tt.in, tt.comma)
			a, ok := moneyAmount(tt.in, tt.comma)
			if tt.want == "" {
				if err == nil {
					t.Fatalf("ParseMoney(%q, %v) = %s, want an error", tt.in, tt.comma, got)
				}
				if ok {
					t.Fatalf("moneyAmount(%q, %v) = %s, want refused", tt.in, tt.comma, a.Decimal())
				}
				return
			}
			if !ok || !a.Decimal().Equal(decimal.RequireFromString(tt.want)) {
				t.Errorf("moneyAmount(%q, %v) = %s, %v; want %s", tt.in, tt.comma, a.Decimal(), ok, tt.want)
			}
			if err != nil {
				t.Fatalf("ParseMoney(%q, %v): %v", tt.in, tt.comma, err)
			}
			if !got.Equal(decimal.RequireFromString(tt.want)) {
				t.Errorf("ParseMoney(%q, %v) = %s, want %s", tt.in, tt.comma, got, tt.want)
			}
		})
	}
}

func TestParseMoneyReason(t *testing.T) {
	_, err := ParseMoney("12.34.56", false)
	if got, want := err.Error(), `"12.34.56" is not an amount such as 1,234.50`; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	_, err = ParseMoney("1,234.50", true)
	if got, want := err.Error(), `"1,234.50" is not an amount such as 1.234,50`; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

func TestParseSheetNumber(t *testing.T) {
	tests := []struct{ in, want string }{
		{"1234.5", "1234.5"},
		{"43500.5", "43500.5"},
		{"1234.4999999999998", "1234.5"},
		{"0.30000000000000004", "0.3"},
		{"1.2345E+3", "1234.5"},
		{"-45000", "-45000"},
		{"123456789012", "123456789012"},
	}
	for _, tt := range tests {
		got, ok := parseSheetNumber(tt.in)
		if !ok || !got.Equal(decimal.RequireFromString(tt.want)) {
			t.Errorf("parseSheetNumber(%q) = %s, %v; want %s", tt.in, got, ok, tt.want)
		}
	}
	for _, in := range []string{"1,234.50", "$5", "1e", "E5", ""} {
		if got, ok := parseSheetNumber(in); ok {
			t.Errorf("parseSheetNumber(%q) = %s, want not a sheet number", in, got)
		}
	}
}

func TestParseDateCell(t *testing.T) {
	jul1 := incent.DateOf(2024, time.July, 1)
	tests := []struct {
		in, layout string
		want       incent.Date
		err        string
	}{
		{"2024-07-01", "", jul1, ""},
		{" 2024-07-01 ", "", jul1, ""},
		{"2024-07-01T10:30:00", "", jul1, ""},
		{"2024-07-01 00:00:00", "", jul1, ""},
		{"2024-02-29", "", incent.DateOf(2024, time.February, 29), ""},
		{"20240701", "", jul1, ""},
		{"45474", "", jul1, ""},
		{"45474.75", "", jul1, ""},
		{"07/01/2024", "01/02/2006", jul1, ""},
		{"07/01/2024 14:05", "01/02/2006", jul1, ""},
		{"2024-07-01", "01/02/2006", jul1, ""},
		{"45474", "01/02/2006", jul1, ""},
		{"01.07.2024", "02.01.2006", jul1, ""},
		{"2024-13-01", "", incent.NoDate, `"2024-13-01" is not a date in the form YYYY-MM-DD`},
		{"2023-02-29", "", incent.NoDate, `"2023-02-29" is not a date in the form YYYY-MM-DD`},
		{"07/01/2024", "", incent.NoDate, `"07/01/2024" is not a date in the form YYYY-MM-DD`},
		{"13/45/2024", "01/02/2006", incent.NoDate, `"13/45/2024" is not a date in the form MM/DD/YYYY or YYYY-MM-DD`},
		{"", "", incent.NoDate, `"" is not a date in the form YYYY-MM-DD`},
		{"0", "", incent.NoDate, `"0" is not a date in the form YYYY-MM-DD`},
		{"-5", "", incent.NoDate, `"-5" is not a date in the form YYYY-MM-DD`},
		{"99999999", "", incent.NoDate, `"99999999" is not a date in the form YYYY-MM-DD`},
		{"yesterday", "", incent.NoDate, `"yesterday" is not a date in the form YYYY-MM-DD`},
	}
	for _, tt := range tests {
		t.Run(tt.in+"|"+tt.layout, func(t *testing.T) {
			got, err := ParseDateCell(tt.in, tt.layout)
			gotErr := ""
			if err != nil {
				gotErr = err.Error()
			}
			if got != tt.want || gotErr != tt.err {
				t.Errorf("ParseDateCell(%q, %q) = %v, %q; want %v, %q", tt.in, tt.layout, got, gotErr, tt.want, tt.err)
			}
		})
	}
}

func TestDaysFromCivilMatchesDateOf(t *testing.T) {
	for y := 1899; y <= 2101; y++ {
		for m := 1; m <= 12; m++ {
			for _, d := range []int{1, 15, daysIn(y, m)} {
				if got, want := incent.Date(daysFromCivil(y, m, d)), incent.DateOf(y, time.Month(m), d); got != want {
					t.Fatalf("daysFromCivil(%d, %d, %d) = %d, want %d", y, m, d, got, want)
				}
			}
		}
	}
}

func TestValidateVIN(t *testing.T) {
	tests := []struct{ vin, err string }{
		{"1M8GDM9AXKP042788", ""},
		{"11111111111111111", ""},
		{"1HGCM82633A004352", ""},
		{"1HGCM8268RA000001", ""},
		{"5YJ3E1EA9RF000003", ""},
		// 1HGCM82633A004352 sums to 3 (mod 11); position 17 has weight 2, so
		// 3 -> +2 and X (7) -> +10.
		{"1HGCM82633A004353", `vin "1HGCM82633A004353": check digit is 3, expected 5`},
		{"1HGCM82633A00435X", `vin "1HGCM82633A00435X": check digit is 3, expected 2`},
		{"1M8GDM9A1KP042788", `vin "1M8GDM9A1KP042788": check digit is 1, expected X`},
		{"1HGCM82633A00435", `vin "1HGCM82633A00435": has 16 characters, expected 17`},
		{"1HGCM82633A0043521", `vin "1HGCM82633A0043521": has 18 characters, expected 17`},
		{"", `vin "": has 0 characters, expected 17`},
		{"1HGCM8O633A004352", `vin "1HGCM8O633A004352": position 7 is 'O'; a VIN never uses I, O or Q`},
		{"1HGCM82633A00435I", `vin "1HGCM82633A00435I": position 17 is 'I'; a VIN never uses I, O or Q`},
		{"1hgcm82633a004352", `vin "1hgcm82633a004352": position 2 is 'h', expected a digit or a capital letter`},
		{"1HGCM8263-A004352", `vin "1HGCM8263-A004352": position 10 is '-', expected a digit or a capital letter`},
	}
	for _, tt := range tests {
		t.Run(tt.vin, func(t *testing.T) {
			err := ValidateVIN(tt.vin)
			got := ""
			if err != nil {
				got = err.Error()
			}
			if got != tt.err {
				t.Errorf("ValidateVIN(%q) = %q, want %q", tt.vin, got, tt.err)
			}
		})
	}
}

func TestModelYearFromVIN(t *testing.T) {
	tests := []struct {
		vin      string
		notAfter int
		want     int
		ok       bool
	}{
		{"1M8GDM9AXKP042788", 2025, 2019, true},
		{"1M8GDM9AXKP042788", 2018, 1989, true},
		{"1HGCM82633A004352", 2004, 2003, true},
		{"1HGCM82633A004352", 2035, 2033, true},
		{"1HGCM82633A004352", 2002, 0, false},
		{"1HGCM8268RA000001", 2025, 2024, true},
		{"1HGCM8268RA000001", 2024, 2024, true},
		{"1HGCM8268RA000001", 2023, 1994, true},
		{"2T1BURHE3SC000004", 2025, 2025, true},
		{"1HGCM8263YA000001", 2031, 2030, true},
		{"1HGCM8263AA000001", 2011, 2010, true},
		{"1HGCM8263AA000001", 1979, 0, false},
		{"1HGCM8263UA000001", 2025, 0, false},
		{"1HGCM8263ZA000001", 2025, 0, false},
		{"1HGCM82630A000001", 2025, 0, false},
		{"SHORT", 2025, 0, false},
	}
	for _, tt := range tests {
		got, ok := ModelYearFromVIN(tt.vin, tt.notAfter)
		if got != tt.want || ok != tt.ok {
			t.Errorf("ModelYearFromVIN(%q, %d) = %d, %v; want %d, %v", tt.vin, tt.notAfter, got, ok, tt.want, tt.ok)
		}
	}
}

func TestNormHeader(t *testing.T) {
	tests := []struct{ in, want string }{
		{"sale_date", "sale_date"},
		{"Sale Date", "sale_date"},
		{"SALE-DATE", "sale_date"},
		{"  Sale   Date ", "sale_date"},
		{"Sale _- Date", "sale_date"},
		{"\ufeffdeal_id", "deal_id"},
		{"dealId", "dealid"},
		{"Deal #", "deal_#"},
		{"Sale\u00a0Date", "sale_date"},
		{"", ""},
	}
	for _, tt := range tests {
		if got := NormHeader(tt.in); got != tt.want {
			t.Errorf("NormHeader(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestValidateCode(t *testing.T) {
	tests := []struct{ code, err string }{
		{"D001", ""},
		{"Dealer 12", ""},
		{"D-001_a", ""},
		{"../x", `code "../x" contains "..", which could reach outside the statements folder`},
		{"a/b", `code "a/b" contains '/', which would make it a path (codes name statement files)`},
		{`a\b`, `code "a\\b" contains '\\', which would make it a path (codes name statement files)`},
		{".hidden", `code ".hidden" starts with ".", which would make a hidden file`},
		{"D001.", `code "D001." ends with a dot or a space, which some systems drop from file names`},
		{"D\x01", `code "D\x01" contains a control character`},
		{"D:1", `code "D:1" contains ':', which a file name cannot hold`},
		{"CON", ""},
		{"", `code "" is empty`},
		{"D0000000001D0000000001D0000000001D0000000001D0000000001D0000000001", `code "D0000000001D0000000001D0000000001D0000000001D0000000001D0000000001" is 66 bytes long, expected at most 64 (codes name statement files)`},
	}
	for _, tt := range tests {
		err := ValidateCode(tt.code)
		got := ""
		if err != nil {
			got = err.Error()
		}
		if got != tt.err {
			t.Errorf("ValidateCode(%q) = %q, want %q", tt.code, got, tt.err)
		}
	}
}

func TestParseShares(t *testing.T) {
	tests := []struct {
		in       string
		required bool
		want     string
		problem  string
	}{
		{"S1", false, "S1", ""},
		{"S1:60;S2:40", false, "S1:60;S2:40", ""},
		{" S1 : 60 ; S2:40% ;", false, "S1:60;S2:40", ""},
		{"S1;S2", false, "S1;S2", ""},
		{"S1:60;S2:40;", false, "S1:60;S2:40", ""},
		{"D001:50;D002:50;", true, "D001:50;D002:50", ""},
		{"S1;", false, "S1", ""},
		{";;", false, "", ""},
		{"S1:33.34;S2:33.33;S3:33.33", false, "S1:33.34;S2:33.33;S3:33.33", ""},
		{"D001:50;D002:50", true, "D001:50;D002:50", ""},
		{"D001:100", true, "D001:100", ""},
		{"D001:50;D002:40", true, "", "shares sum to 90, expected 100"},
		{"S1:60;S2:60", false, "", "shares sum to 120, expected 100"},
		{"D001;D002", true, "", `"D001;D002": D001 has no share; expected shares as in D001:50;D002:50`},
		{"S1:60;S2", false, "", `"S1:60;S2": give every id a share or none`},
		{"S1:x;S2:40", false, "", `"S1:x;S2:40": share "x" of S1 is not a positive number`},
		{"S1:-10;S2:110", false, "", `"S1:-10;S2:110": share "-10" of S1 is not a positive number`},
		{"S1:0;S2:100", false, "", `"S1:0;S2:100": share of S1 is 0, expected a positive share`},
		{"S1:50;S1:50", false, "", `"S1:50;S1:50": S1 appears twice`},
		{"../x:100", true, "", `"../x:100": id "../x" contains "..", which could reach outside the statements folder`},
		{":100", true, "", `":100": id "" is empty`},
	}
	for _, tt := range tests {
		got, problem := parseShares(tt.in, tt.required)
		if got != tt.want || problem != tt.problem {
			t.Errorf("parseShares(%q, %v) = %q, %q; want %q, %q", tt.in, tt.required, got, problem, tt.want, tt.problem)
		}
	}
}

// TestMoneyAmount checks the digits and exponent moneyAmount gives for the
// forms DMS exports write: the exponent is the cell's own decimals, as for
// a plain amount, and past 18 digits it still reads the amount.
func TestMoneyAmount(t *testing.T) {
	tests := []struct {
		in    string
		comma bool
		n     int64
		exp   int32
	}{
		{"$43,476.00", false, 4347600, -2},
		{"(1,234.50)", false, -123450, -2},
		{"-$1,234.5", false, -12345, -1},
		{"USD 1,234", false, 1234, 0},
		{"€ 1.234,50", true, 123450, -2},
		{"1.234.567,891", true, 1234567891, -3},
		{".5", false, 5, -1},
		{"5.", false, 5, 0},
		{"+007.50", false, 750, -2},
		{"$999,999,999,999,999,999", false, 999999999999999999, 0},
	}
	for _, tt := range tests {
		a, ok := moneyAmount(tt.in, tt.comma)
		n, exp, small := a.Scaled()
		if !ok || !small || n != tt.n || exp != tt.exp {
			t.Errorf("moneyAmount(%q, %v) = %d × 10^%d (%v), %v; want %d × 10^%d", tt.in, tt.comma, n, exp, small, ok, tt.n, tt.exp)
		}
	}
	// 19 digits: past plainAmount, read through decimal.
	a, ok := moneyAmount("$1,234,567,890,123,456,789.25", false)
	if want := decimal.RequireFromString("1234567890123456789.25"); !ok || !a.Decimal().Equal(want) || a.Decimal().Exponent() != -2 {
		t.Errorf("moneyAmount of 21 digits = %s (exponent %d), %v; want %s", a.Decimal(), a.Decimal().Exponent(), ok, want)
	}
}

// TestPlainAmount checks the fast path for plain amounts: the coefficient
// and exponent decimal.NewFromString gives, written out by hand, and
// false for everything parseMoney must look at itself.
func TestPlainAmount(t *testing.T) {
	tests := []struct {
		in    string
		comma bool
		n     int64
		exp   int32
		ok    bool
	}{
		{"43500.50", false, 4350050, -2, true},
		{"45000", false, 45000, 0, true},
		{"45000", true, 45000, 0, true},
		{"-0.10", false, -10, -2, true},
		{"007.5", false, 75, -1, true},
		{"123456789012345678", false, 123456789012345678, 0, true},
		{"1234567890.12345678", false, 123456789012345678, -8, true},
		{"1234567890123456789", false, 0, 0, false}, // 19 digits: parseMoney's
		{"43500.50", true, 0, 0, false},             // a dot is grouping here
		{"43500,50", true, 0, 0, false},
		{"1,234.50", false, 0, 0, false},
		{" 12", false, 0, 0, false},
		{"+12", false, 0, 0, false},
		{".5", false, 0, 0, false},
		{"5.", false, 0, 0, false},
		{"-", false, 0, 0, false},
		{"1.2.3", false, 0, 0, false},
	}
	for _, tt := range tests {
		a, ok := plainAmount(tt.in, tt.comma, 18)
		n, exp, _ := a.Scaled()
		if ok != tt.ok || ok && (n != tt.n || exp != tt.exp) {
			t.Errorf("plainAmount(%q, %v) = %d × 10^%d, %v; want %d × 10^%d, %v", tt.in, tt.comma, n, exp, ok, tt.n, tt.exp, tt.ok)
		}
	}
}
