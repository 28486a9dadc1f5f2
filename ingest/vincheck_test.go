package ingest

import (
	"bytes"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/incent/incent"
)

// TestReadSalesVINCheck checks vin_check: a wrong check digit rejects the
// row by default and under "reject", and is a warning under "warn"; a VIN of
// the wrong length or with a forbidden letter is rejected either way.
func TestReadSalesVINCheck(t *testing.T) {
	data := []byte("deal_id,vin,dealer_code,sale_date,sale_type,model_code,model_year\n" +
		"1,1NCSU1AB0RA100160,D001,2024-07-01,retail,SUV1,2024\n" + // check digit should be X
		"2,1NCSU1ABXRA100160,D001,2024-07-01,retail,SUV1,2024\n" + // right
		"3,1NCSU1AB,D001,2024-07-01,retail,SUV1,2024\n" + // too short
		"4,1NCSU1ABXRA1O0160,D001,2024-07-01,retail,SUV1,2024\n") // letter O
	badDigit := `"1NCSU1AB0RA100160": check digit is 0, expected X`
	tests := []struct {
		check        string
		wantAccepted []int // lines
		wantRejected []string
		wantWarnings []Warning
	}{
		{"", []int{3}, []string{"s.csv:2: vin: " + badDigit, `s.csv:4: vin: "1NCSU1AB": has 8 characters, expected 17`,
			`s.csv:5: vin: "1NCSU1ABXRA1O0160": position 13 is 'O'; a VIN never uses I, O or Q`}, nil},
		{VINCheckReject, []int{3}, []string{"s.csv:2: vin: " + badDigit, `s.csv:4: vin: "1NCSU1AB": has 8 characters, expected 17`,
			`s.csv:5: vin: "1NCSU1ABXRA1O0160": position 13 is 'O'; a VIN never uses I, O or Q`}, nil},
		{VINCheckWarn, []int{2, 3}, []string{`s.csv:4: vin: "1NCSU1AB": has 8 characters, expected 17`,
			`s.csv:5: vin: "1NCSU1ABXRA1O0160": position 13 is 'O'; a VIN never uses I, O or Q`},
			[]Warning{{File: "s.csv", Row: 2, Column: "vin", Reason: badDigit + "; accepted because vin_check is warn"}}},
	}
	for _, tt := range tests {
		t.Run("vin_check="+tt.check, func(t *testing.T) {
			var accepted []int
			var warnings []Warning
			var rejected []string
			n, err := ReadSales("s.csv", bytes.NewReader(data), Profile{VINCheck: tt.check}, func(r Row, s incent.Sale) error {
				accepted = append(accepted, r.Line)
				warnings = append(warnings, r.Warnings...)
				return nil
			}, func(r Reject) { rejected = append(rejected, r.Error()) })
			if err != nil {
				t.Fatal(err)
			}
			if n.Read != 4 || n.Accepted+n.Rejected != n.Read {
				t.Errorf("counts %+v, want 4 read, all accounted for", n)
			}
			if diff := cmp.Diff(tt.wantAccepted, accepted); diff != "" {
				t.Errorf("accepted lines (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.wantRejected, rejected); diff != "" {
				t.Errorf("rejects (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.wantWarnings, warnings); diff != "" {
				t.Errorf("warnings (-want +got):\n%s", diff)
			}
		})
	}
}

// TestWarningIsDroppedWithItsRow checks that a row which fails another
// column after a check-digit warning is a reject only: the warning of a
// rejected row is not reported.
func TestWarningIsDroppedWithItsRow(t *testing.T) {
	data := []byte("deal_id,vin,dealer_code,sale_date,sale_type,model_code\n" +
		"1,1NCSU1AB0RA100160,D001,2024-07-01,wholesale,SUV1\n" +
		"2,1NCSU1ABXRA100161,D001,2024-07-01,retail,SUV1\n")
	var warnings []Warning
	n, err := ReadSales("s.csv", bytes.NewReader(data), Profile{VINCheck: VINCheckWarn}, func(r Row, _ incent.Sale) error {
		warnings = append(warnings, r.Warnings...)
		return nil
	}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if n.Rejected != 1 || len(warnings) != 1 || warnings[0].Row != 3 {
		t.Errorf("counts %+v, warnings %v; want row 2 rejected and only row 3 warned", n, warnings)
	}
}
