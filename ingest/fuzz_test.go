package ingest

import (
	"bytes"
	"errors"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/incent/incent"
	"github.com/xuri/excelize/v2"
)

// checkRead runs ReadSales over data and checks what must hold for any
// input: no panic, every row accounted for, accepted sales well-formed.
func checkRead(t *testing.T, name string, data []byte, p Profile) {
	var accepted, rejected int
	n, err := ReadSales(name, bytes.NewReader(data), p, func(r Row, s incent.Sale) error {
		accepted++
		if r.Line < 1 {
			t.Fatalf("accepted row has line %d", r.Line)
		}
		if err := ValidateVIN(s.VIN); err != nil {
			t.Fatalf("accepted an invalid VIN: %v", err)
		}
		if s.Quantity != 1 && s.Quantity != -1 {
			t.Fatalf("accepted quantity %d", s.Quantity)
		}
		if !slices.Contains(incent.SaleTypes, s.SaleType.String()) || s.DealID == "" || s.ModelCode.IsZero() || s.SaleDate == incent.NoDate {
			t.Fatalf("accepted an incomplete sale %+v", s)
		}
		if ValidateCode(s.DealerCode.String()) != nil {
			t.Fatalf("accepted unsafe dealer code %q", s.DealerCode)
		}
		for _, cell := range r.Raw {
			if !utf8.ValidString(cell) {
				t.Fatalf("accepted a row with a cell that is not UTF-8: %q", r.Raw)
			}
		}
		return nil
	}, func(r Reject) {
		rejected++
		if r.Row < 1 || r.Reason == "" {
			t.Fatalf("reject without a row or reason: %+v", r)
		}
	})
	if err != nil {
		var fe *FileError
		if !errors.As(err, &fe) {
			t.Fatalf("error %v is not a *FileError", err)
		}
		return
	}
	if n.Read != n.Accepted+n.Rejected || n.Accepted != accepted || n.Rejected != rejected {
		t.Fatalf("counts %+v, callbacks %d accepted %d rejected", n, accepted, rejected)
	}
}

func FuzzReadSalesCSV(f *testing.F) {
	f.Add([]byte(salesCSV))
	f.Add([]byte(rejectHeader + "2001,1HGCM8268RA000001,D001,2024-07-03,retail,SUV1,,,,,,\n"))
	f.Add([]byte(rejectHeader + "1,\"1HGCM8268RA000001\nstill quoted\"x,D001\n2,x\n"))
	f.Add([]byte(rejectHeader + `2014,1HGCM8268RA000001,D001,2024-07-03,retail,SUV1,,,1"000,,,`))
	f.Add([]byte("\xEF\xBB\xBF" + strings.ReplaceAll(salesCSV, "\n", "\r\n")))
	f.Add([]byte("deal_id;vin;dealer_code;sale_date;sale_type;model_code\n1;1HGCM8268RA000001;D001;45474;lease;X\n"))
	f.Add([]byte(""))
	f.Fuzz(func(t *testing.T, data []byte) {
		checkRead(t, "f.csv", data, Profile{})
	})
}

// FuzzReadSalesXLSX feeds damaged workbooks to the reader. Each new input
// is minimised for up to a minute by default, which for workbooks looks like
// a stall in the exec count: run it with -fuzzminimizetime=2s.
func FuzzReadSalesXLSX(f *testing.F) {
	f.Add(workbook(f, func(x *excelize.File) { salesSheet(f, x, "Sheet1") }))
	f.Add(workbook(f, func(x *excelize.File) {
		setRow(f, x, "Sheet1", 1, canonicalHeader...)
		setRow(f, x, "Sheet1", 2, 1, "1HGCM8268RA000001", "D001", 45474, "retail", "new", "SUV1", nil, "n/a")
	}))
	f.Fuzz(func(t *testing.T, data []byte) {
		checkRead(t, "f.xlsx", data, Profile{})
	})
}

func FuzzParseMoney(f *testing.F) {
	for _, s := range []string{"1234.5", "1,234.50", "$1,234.50", "€ 1.234,50", "(1,234.50)", "-1234.50", "USD 1,234.50", "12.34.56", "1 234,50", ".5"} {
		f.Add(s, false)
		f.Add(s, true)
	}
	f.Fuzz(func(t *testing.T, s string, comma bool) {
		d, err := ParseMoney(s, comma)
		if err != nil {
			if !strings.Contains(err.Error(), "is not an amount such as") {
				t.Fatalf("unexpected error text %q", err)
			}
			return
		}
		// What parses must print back to a plain amount that parses to the same value.
		back, err := ParseMoney(d.String(), false)
		if err != nil || !back.Equal(d) {
			t.Fatalf("ParseMoney(%q) = %s, which reparses as %s, %v", s, d, back, err)
		}
	})
}

func FuzzParseDateCell(f *testing.F) {
	for _, s := range []string{"2024-07-01", "2024-13-01", "45474", "45474.5", "07/01/2024", "20240701", "2024-07-01T10:00:00Z", ""} {
		f.Add(s, "")
		f.Add(s, "01/02/2006")
	}
	f.Fuzz(func(t *testing.T, s, layout string) {
		d, err := ParseDateCell(s, layout)
		if err != nil {
			if d != incent.NoDate {
				t.Fatalf("error with a date %v", d)
			}
			return
		}
		if d == incent.NoDate {
			t.Fatal("no error and no date")
		}
		if y := d.Year(); y < 1 || y > 9999 {
			return // a layout can parse odd years; ISO cannot print them
		}
		if back, err := ParseDateCell(d.String(), ""); err != nil || back != d {
			t.Fatalf("ParseDateCell(%q, %q) = %v, which reparses as %v, %v", s, layout, d, back, err)
		}
	})
}

func FuzzValidateVIN(f *testing.F) {
	for _, s := range []string{"1M8GDM9AXKP042788", "11111111111111111", "1HGCM82633A004352", "1HGCM82633A00435X", "1HGCM8O633A004352", "short"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, vin string) {
		if ValidateVIN(vin) != nil {
			return
		}
		if len(vin) != 17 || strings.ContainsAny(vin, "IOQ") {
			t.Fatalf("accepted %q", vin)
		}
		// Any other check digit must be refused.
		for _, c := range "0123456789X" {
			if byte(c) != vin[8] && ValidateVIN(vin[:8]+string(c)+vin[9:]) == nil {
				t.Fatalf("%q and check digit %c both pass", vin, c)
			}
		}
		ModelYearFromVIN(vin, 2025)
	})
}

// FuzzProfileMapping maps fuzzed headers and words through a profile: the
// reader never panics and accounts for every row, whatever the mapping.
func FuzzProfileMapping(f *testing.F) {
	cdk, _ := BuiltinProfile("cdk")
	f.Add("Deal No", "Deal Type", "R", "retail", "01/02/2006", false, "Deal No,VIN,Dealer Code,Contract Date,Deal Type,Model No\n7,1HGCM8268RA000001,D001,07/03/2024,R,SUV1\n")
	f.Add("deal", "type", "L", "lease", "", true, "deal,vin,dealer_code,sale_date,type,model_code,sale_amount\n7,1HGCM8268RA000001,D001,2024-07-03,L,SUV1,\"1.234,50\"\n")
	f.Add(cdk.Columns["deal_id"], cdk.Columns["sale_type"], "W", "wholesale", cdk.DateFormat, false, "")
	f.Fuzz(func(t *testing.T, dealHeader, typeHeader, word, canonical, layout string, decimalComma bool, data string) {
		p := Profile{Name: "fuzz", DateFormat: layout, DecimalComma: decimalComma,
			Columns: map[string]string{"deal_id": dealHeader, "sale_type": typeHeader},
			Values:  map[string]map[string]string{"sale_type": {word: canonical}}}
		checkRead(t, "p.csv", []byte(data), p)
	})
}

// FuzzPlainAmount checks that the fast path for plain amounts reads what
// parseMoney reads, digits and exponent alike, and takes every plain
// amount of up to 18 digits.
func FuzzPlainAmount(f *testing.F) {
	for _, s := range []string{"43500.50", "-0.10", "007.5", "123456789012345678", "1234567890123456789", "1,234.50", ".5", "5."} {
		f.Add(s, false)
		f.Add(s, true)
	}
	f.Fuzz(func(t *testing.T, s string, comma bool) {
		a, ok := plainAmount(s, comma, 18)
		d, dok := parseMoney(s, comma)
		if !ok {
			if isPlainDecimal(s) && len(strings.Trim(s, "-.")) <= 18 && !(comma && strings.Contains(s, ".")) && dok {
				t.Fatalf("plainAmount(%q, %v) refused a plain amount", s, comma)
			}
			return
		}
		if !dok || !a.Decimal().Equal(d) || a.Decimal().Exponent() != d.Exponent() {
			t.Fatalf("plainAmount(%q, %v) = %s (exponent %d), parseMoney = %s, %v", s, comma, a.Decimal(), a.Decimal().Exponent(), d, dok)
		}
	})
}

// FuzzMoneyAmount checks that moneyAmount reads what parseMoney reads,
// digits and exponent alike, and refuses what it refuses.
func FuzzMoneyAmount(f *testing.F) {
	for _, s := range []string{"$43,476.00", "(1,234.50)", "€ 1.234,50", "-$1,234.5", "USD 1,234", "1 234,50", ".5", "5.", "$1,234,567,890,123,456,789.25", "12.34.56"} {
		f.Add(s, false)
		f.Add(s, true)
	}
	f.Fuzz(func(t *testing.T, s string, comma bool) {
		a, ok := moneyAmount(s, comma)
		d, dok := parseMoney(s, comma)
		if ok != dok {
			t.Fatalf("moneyAmount(%q, %v) ok %v, parseMoney ok %v", s, comma, ok, dok)
		}
		if ok && (!a.Decimal().Equal(d) || a.Decimal().Exponent() != d.Exponent()) {
			t.Fatalf("moneyAmount(%q, %v) = %s (exponent %d), parseMoney = %s (exponent %d)", s, comma, a.Decimal(), a.Decimal().Exponent(), d, d.Exponent())
		}
	})
}

// FuzzParseShares checks that every salesperson or split cell the reader
// accepts is one the calculation can read: a cell kept as written with a
// trailing ";" once passed here and then failed there, and its sale paid
// no salesperson.
func FuzzParseShares(f *testing.F) {
	for _, s := range []string{"S1", "S1:60;S2:40", "S1:60;S2:40;", " S1 : 60 ; S2:40% ;", "D001:50;D002:50", ";", "S1;;S2", "S1:33.34;S2:33.33;S3:33.33"} {
		f.Add(s, false)
		f.Add(s, true)
	}
	f.Fuzz(func(t *testing.T, s string, required bool) {
		norm, problem := parseShares(s, required)
		if problem != "" || norm == "" {
			return
		}
		shares, err := incent.ParseShares(norm)
		if err != nil {
			t.Fatalf("parseShares(%q, %v) = %q, which the calculation refuses: %v", s, required, norm, err)
		}
		if len(shares) == 0 {
			t.Fatalf("parseShares(%q, %v) = %q, which gives no shares", s, required, norm)
		}
	})
}
