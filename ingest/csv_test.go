package ingest

import (
	"bytes"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"
	"unsafe"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/incent/incent"
	"github.com/shopspring/decimal"
	"golang.org/x/text/encoding/unicode"
)

var decimalEqual = cmp.Comparer(func(a, b decimal.Decimal) bool { return a.Equal(b) })

// readSales reads a whole file and collects what the reader reports.
func readSales(t *testing.T, name string, data []byte, p Profile) ([]incent.Sale, []Reject, Counts, error) {
	t.Helper()
	var sales []incent.Sale
	var rejects []Reject
	n, err := ReadSales(name, bytes.NewReader(data), p, func(r Row, s incent.Sale) error {
		if r.File != name || s.Source() != name+":"+itoa(r.Line) {
			t.Errorf("row %+v does not match sale source %q", r, s.Source())
		}
		sales = append(sales, s)
		return nil
	}, func(r Reject) { rejects = append(rejects, r) })
	if err == nil && n.Read != n.Accepted+n.Rejected {
		t.Errorf("counts %+v: read != accepted + rejected", n)
	}
	if err == nil && (n.Accepted != len(sales) || n.Rejected != len(rejects)) {
		t.Errorf("counts %+v, but %d sales and %d rejects reported", n, len(sales), len(rejects))
	}
	return sales, rejects, n, err
}

func itoa(n int) string { return decimal.NewFromInt(int64(n)).String() }

func dec(s string) decimal.Decimal { return decimal.RequireFromString(s) }

// amt is a filled amount cell.
func amt(s string) incent.Amount { return incent.AmountOf(dec(s)) }

func date(y int, m time.Month, d int) incent.Date { return incent.DateOf(y, m, d) }

// wantSales are the three sales of every variant of the fixture below.
func wantSales(file string, lines ...int) []incent.Sale {
	s := []incent.Sale{{
		DealID: "1001", VIN: "1HGCM8268RA000001", DealerCode: incent.Intern("D001"), SaleDate: date(2024, 7, 3),
		SaleType: incent.Intern("retail"), Condition: incent.Intern("new"), ModelCode: incent.Intern("SUV1"), ModelYear: 2024,
		MSRP: amt("45000"), SaleAmount: amt("43500.50"),
		Quantity: 1, Salesperson: "S1:60;S2:40",
	}, {
		DealID: "1002", VIN: "1HGCM826XRA000002", DealerCode: incent.Intern("D002"), SaleDate: date(2024, 7, 15),
		SaleType: incent.Intern("lease"), Condition: incent.Intern("new"), ModelCode: incent.Intern("SUV2"), ModelYear: 2024,
		MSRP:     amt("52000"),
		Quantity: 1, Salesperson: "S3", Extra: &incent.SaleExtra{Split: "D001:50;D002:50",
			RebateCode: "CR-EV-1000", RebateAmount: amt("1000"), ClaimDate: date(2024, 7, 20)},
	}, {
		DealID: "1003", VIN: "5YJ3E1EA9RF000003", DealerCode: incent.Intern("D001"), SaleDate: date(2024, 8, 1),
		SaleType: incent.Intern("fleet"), Condition: incent.Intern("used"), ModelCode: incent.Intern("EV1"), ModelYear: 2025,
		Quantity: -1,
	}}
	for i := range s {
		s[i].File, s[i].Line = incent.Intern(file), int32(lines[i])
	}
	return s
}

const salesCSV = `deal_id,vin,dealer_code,sale_date,sale_type,condition,model_code,model_year,msrp,sale_amount,quantity,salesperson,split,rebate_code,rebate_amount,claim_date
1001,1HGCM8268RA000001,D001,2024-07-03,retail,new,SUV1,2024,"45,000.00",43500.50,1,S1:60;S2:40,,,,
1002,1hgcm826xra000002,D002,2024-07-15,Lease,,SUV2,,52000,,,S3,D001:50;D002:50,CR-EV-1000,1000,2024-07-20
1003,5YJ3E1EA9RF000003,D001,2024-08-01,FLEET,used,EV1,2025,,,-1,,,,,
`

func utf16(t *testing.T, s string, order unicode.Endianness) []byte {
	t.Helper()
	b, err := unicode.UTF16(order, unicode.UseBOM).NewEncoder().Bytes([]byte(s))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestReadSalesCSVFormats(t *testing.T) {
	tests := []struct {
		name  string
		data  []byte
		lines []int
	}{
		{"comma", []byte(salesCSV), []int{2, 3, 4}},
		{"semicolon", []byte(`deal_id;vin;dealer_code;sale_date;sale_type;condition;model_code;model_year;msrp;sale_amount;quantity;salesperson;split;rebate_code;rebate_amount;claim_date
1001;1HGCM8268RA000001;D001;2024-07-03;retail;new;SUV1;2024;45,000.00;43500.50;1;"S1:60;S2:40";;;;
1002;1hgcm826xra000002;D002;2024-07-15;Lease;;SUV2;;52000;;;S3;"D001:50;D002:50";CR-EV-1000;1000;2024-07-20
1003;5YJ3E1EA9RF000003;D001;2024-08-01;FLEET;used;EV1;2025;;;-1;;;;;
`), []int{2, 3, 4}},
		{"tab", []byte("deal_id\tvin\tdealer_code\tsale_date\tsale_type\tcondition\tmodel_code\tmodel_year\tmsrp\tsale_amount\tquantity\tsalesperson\tsplit\trebate_code\trebate_amount\tclaim_date\n" +
			"1001\t1HGCM8268RA000001\tD001\t2024-07-03\tretail\tnew\tSUV1\t2024\t45,000.00\t43500.50\t1\tS1:60;S2:40\t\t\t\t\n" +
			"1002\t1hgcm826xra000002\tD002\t2024-07-15\tLease\t\tSUV2\t\t52000\t\t\tS3\tD001:50;D002:50\tCR-EV-1000\t1000\t2024-07-20\n" +
			"1003\t5YJ3E1EA9RF000003\tD001\t2024-08-01\tFLEET\tused\tEV1\t2025\t\t\t-1\t\t\t\t\t\n"), []int{2, 3, 4}},
		{"bom", append([]byte("\xEF\xBB\xBF"), salesCSV...), []int{2, 3, 4}},
		{"crlf", []byte(strings.ReplaceAll(salesCSV, "\n", "\r\n")), []int{2, 3, 4}},
		{"bom crlf", []byte("\xEF\xBB\xBF" + strings.ReplaceAll(salesCSV, "\n", "\r\n")), []int{2, 3, 4}},
		{"utf16le", utf16(t, salesCSV, unicode.LittleEndian), []int{2, 3, 4}},
		{"utf16be", utf16(t, strings.ReplaceAll(salesCSV, "\n", "\r\n"), unicode.BigEndian), []int{2, 3, 4}},
		{"quoted newline and quote", []byte(`deal_id,vin,dealer_code,sale_date,sale_type,condition,model_code,model_year,msrp,sale_amount,quantity,salesperson,split,rebate_code,rebate_amount,claim_date,notes
1001,1HGCM8268RA000001,D001,2024-07-03,retail,new,SUV1,2024,"45,000.00",43500.50,1,S1:60;S2:40,,,,,"first line
second line, with ""quotes"""
1002,1hgcm826xra000002,D002,2024-07-15,Lease,,SUV2,,52000,,,S3,D001:50;D002:50,CR-EV-1000,1000,2024-07-20,
"1003","5YJ3E1EA9RF000003","D001","2024-08-01","FLEET","used","EV1","2025","","","-1","","","","","",""
`), []int{2, 4, 5}},
		{"blank lines", []byte(`deal_id,vin,dealer_code,sale_date,sale_type,condition,model_code,model_year,msrp,sale_amount,quantity,salesperson,split,rebate_code,rebate_amount,claim_date

1001,1HGCM8268RA000001,D001,2024-07-03,retail,new,SUV1,2024,"45,000.00",43500.50,1,S1:60;S2:40,,,,
1002,1hgcm826xra000002,D002,2024-07-15,Lease,,SUV2,,52000,,,S3,D001:50;D002:50,CR-EV-1000,1000,2024-07-20

1003,5YJ3E1EA9RF000003,D001,2024-08-01,FLEET,used,EV1,2025,,,-1,,,,,`), []int{3, 4, 6}},
		{"header spelling and order", []byte(`  Model Code ,Deal-ID,VIN,Dealer  Code,Sale Date,SALE-TYPE,Condition,MODEL_YEAR,Msrp,Sale Amount,Quantity,SalesPerson,Split,Rebate Code,Rebate_Amount,CLAIM DATE,Ignored Column
SUV1,1001,1HGCM8268RA000001,D001,2024-07-03,retail,new,2024,"45,000.00",43500.50,1,S1:60;S2:40,,,,,x
SUV2,1002,1hgcm826xra000002,D002,2024-07-15,Lease,,,52000,,,S3,D001:50;D002:50,CR-EV-1000,1000,2024-07-20,y
EV1,1003,5YJ3E1EA9RF000003,D001,2024-08-01,FLEET,used,2025,,,-1,,,,,,z
`), []int{2, 3, 4}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sales, rejects, n, err := readSales(t, "sales.csv", tt.data, Profile{})
			if err != nil {
				t.Fatal(err)
			}
			if len(rejects) > 0 {
				t.Fatalf("rejects: %v", rejects)
			}
			if diff := cmp.Diff(wantSales("sales.csv", tt.lines...), sales, decimalEqual); diff != "" {
				t.Errorf("sales (-want +got):\n%s", diff)
			}
			if want := (Counts{Read: 3, Accepted: 3}); n != want {
				t.Errorf("counts = %+v, want %+v", n, want)
			}
		})
	}
}

const rejectHeader = "deal_id,vin,dealer_code,sale_date,sale_type,model_code,model_year,msrp,sale_amount,quantity,salesperson,split\n"

func TestReadSalesRejects(t *testing.T) {
	rows := []string{
		/* 2 */ "2001,1HGCM8268RA000001,D001,2024-07-03,retail,SUV1,,,,,,",
		/* 3 */ "2002,1HGCM8268RA000001,D001,2024-13-01,retail,SUV1,,,,,,",
		/* 4 */ "2003,1HGCM8268RA000001,D001,2024-07-03,retail,SUV1,,12.34.56,,,,",
		/* 5 */ "2004,1HGCM8268RA00001,D001,2024-07-03,retail,SUV1,,,,,,",
		/* 6 */ "2005,1HGCM8263RA000001,D001,2024-07-03,retail,SUV1,,,,,,",
		/* 7 */ "2006,1HGCM8268RA000001,D001,2024-07-03,wholesale,SUV1,,,,,,",
		/* 8 */ "2007,1HGCM8268RA000001,D001,2024-07-03,retail,SUV1,,,,2,,",
		/* 9 */ "2008,1HGCM8268RA000001,D001,2024-07-03,retail,SUV1,,,,,,D001:50;D002:40",
		/* 10 */ ",1HGCM8268RA000001,D001,2024-07-03,retail,SUV1,,,,,,",
		/* 11 */ "2010,1HGCM8268RA000001,../D001,2024-07-03,retail,SUV1,,,,,,",
		/* 12 */ "2011,1HGCM8268RA000001,D001,1989-12-31,retail,SUV1,,,,,,",
		/* 13 */ "2012,1HGCM8268RA000001,D001,2024-07-03,retail,SUV1,24,,,,,",
		/* 14 */ "2013,1HGCM8268RA000001,D001,2024-07-03,retail,SUV1,,,,,S1:60;S2:30,",
		/* 15 */ `2014,1HGCM8268RA000001,D001,2024-07-03,retail,SUV1,,,1"000,,,`,
		/* 16 */ "2015,1HGCM8268RA000001,D001,2024-07-03,retail,,,,,,,",
		/* 17 */ "2016,1HGCM8268RA000001,D001,2024-07-03,retail",
		/* 18 */ "2017,1HGCM8268RA000001,D001,2024-07-03,retail,SUV1,,,,,,",
		/* 19 */ "2018,1HGCM8268RA000001,D001,2024-07-03,retail,SUV1,,45,000.00,,,,",
		/* 20 */ "2019,1HGCM8268RA000001,D001,2024-07-03,retail,SUV1,,,,,,,,",
	}
	data := rejectHeader + strings.Join(rows, "\n") + "\n"
	sales, rejects, n, err := readSales(t, "bad.csv", []byte(data), Profile{})
	if err != nil {
		t.Fatal(err)
	}
	want := []Reject{
		{File: "bad.csv", Row: 3, Column: "sale_date", Reason: `"2024-13-01" is not a date in the form YYYY-MM-DD`},
		{File: "bad.csv", Row: 4, Column: "msrp", Reason: `"12.34.56" is not an amount such as 1,234.50`},
		{File: "bad.csv", Row: 5, Column: "vin", Reason: `"1HGCM8268RA00001": has 16 characters, expected 17`},
		{File: "bad.csv", Row: 6, Column: "vin", Reason: `"1HGCM8263RA000001": check digit is 3, expected 8`},
		{File: "bad.csv", Row: 7, Column: "sale_type", Reason: `"wholesale" is not a sale type; expected retail, lease, fleet, demo, loaner or employee`},
		{File: "bad.csv", Row: 8, Column: "quantity", Reason: `"2" is not a quantity; expected 1, or -1 for a reversal`},
		{File: "bad.csv", Row: 9, Column: "split", Reason: `shares sum to 90, expected 100`},
		{File: "bad.csv", Row: 10, Column: "deal_id", Reason: `the cell is empty; a value is required`},
		{File: "bad.csv", Row: 11, Column: "dealer_code", Reason: `"../D001" contains "..", which could reach outside the statements folder`},
		{File: "bad.csv", Row: 12, Column: "sale_date", Reason: `"1989-12-31" is 1989-12-31, outside any sensible range (1990 to 2100)`},
		{File: "bad.csv", Row: 13, Column: "model_year", Reason: `"24" is not a model year; expected four digits from 1980 to 2100`},
		{File: "bad.csv", Row: 14, Column: "salesperson", Reason: `shares sum to 90, expected 100`},
		{File: "bad.csv", Row: 15, Column: "sale_amount", Reason: `a quote (") inside an unquoted field; expected a field with quotes to be wholly quoted, with quotes inside it doubled`},
		{File: "bad.csv", Row: 16, Column: "model_code", Reason: `the cell is empty; a value is required`},
		{File: "bad.csv", Row: 17, Column: "", Reason: `the row has 5 fields where the header has 12`},
		{File: "bad.csv", Row: 19, Column: "", Reason: `the row has 13 fields where the header has 12; a value holding the delimiter (such as 45,000.00) must be quoted`},
		{File: "bad.csv", Row: 20, Column: "", Reason: `the row has 14 fields where the header has 12; a value holding the delimiter (such as 45,000.00) must be quoted`},
	}
	if diff := cmp.Diff(want, rejects, cmpopts.IgnoreFields(Reject{}, "Raw", "Key")); diff != "" {
		t.Errorf("rejects (-want +got):\n%s", diff)
	}
	// A reject's key is the sale key its cells give, VIN in capitals; none
	// when a key cell is empty or the quantity (row 8's 2) unreadable.
	for i, key := range map[int]string{0: "D001/2002/1HGCM8268RA000001/+", 3: "D001/2005/1HGCM8263RA000001/+", 5: "", 7: ""} {
		if i < len(rejects) && rejects[i].Key != key {
			t.Errorf("reject of row %d: key %q, want %q", rejects[i].Row, rejects[i].Key, key)
		}
	}
	if len(sales) != 2 || sales[0].DealID != "2001" || sales[1].DealID != "2017" {
		t.Errorf("accepted %+v, want deals 2001 and 2017", sales)
	}
	if want := (Counts{Read: 19, Accepted: 2, Rejected: 17}); n != want {
		t.Errorf("counts = %+v, want %+v", n, want)
	}
	if got, want := rejects[0].Error(), `bad.csv:3: sale_date: "2024-13-01" is not a date in the form YYYY-MM-DD`; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
	if got, want := rejects[1].Raw, strings.Split(rows[2], ","); !cmp.Equal(got, want) {
		t.Errorf("Raw = %q, want %q", got, want)
	}
}

func TestReadSalesFileErrors(t *testing.T) {
	tests := []struct {
		name, file string
		data       string
		want       string
	}{
		{"missing column", "sales.csv",
			"deal_id,vin,dealer_code,sale_type,model_code\n1,2,3,4,5\n",
			`sales.csv:1: sale_date: required column is missing; headers found: "deal_id", "vin", "dealer_code", "sale_type", "model_code"`},
		{"missing columns", "sales.csv",
			"Deal ID;VIN;Dealer\n1;2;3\n",
			`sales.csv:1: required columns dealer_code, sale_date, sale_type, model_code are missing; headers found: "Deal ID", "VIN", "Dealer"`},
		{"missing with profile", "cdk.csv",
			"Deal No,VIN,Dealer Code,Deal Type,Model No\n",
			`cdk.csv:1: sale_date: required column is missing (looked for "Contract Date" or "sale_date"); headers found: "Deal No", "VIN", "Dealer Code", "Deal Type", "Model No"`},
		{"duplicate column", "sales.csv",
			"deal_id,vin,dealer_code,sale_date,sale_type,model_code,Sale Date\n",
			`sales.csv:1: header "Sale Date" appears in columns 4 and 7; expected it once`},
		{"empty", "sales.csv", "", `sales.csv: the file is empty; expected a header row and data rows`},
		{"blank", "sales.csv", "\n\r\n  \n", `sales.csv: the file is empty; expected a header row and data rows`},
		{"bom only", "sales.csv", "\xEF\xBB\xBF", `sales.csv: the file is empty; expected a header row and data rows`},
		{"latin1", "sales.csv", "deal_id,name\n1,Citro\xebn\n", `sales.csv:2: byte 0xEB is not UTF-8 text (a Windows or Mac code page?); expected CSV saved as UTF-8`},
		{"utf16 without bom", "sales.csv", "d\x00e\x00a\x00l\x00", `sales.csv:1: the file holds NUL bytes, so it is not CSV text (a binary file, or UTF-16 without a byte-order mark?); expected CSV saved as UTF-8`},
		{"xls", "sales.xls", "\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1rest", `sales.xls: this is a legacy .xls or a password-protected workbook; expected .xlsx without a password, or CSV saved as UTF-8`},
		{"xlsx name, not a zip", "sales.xlsx", "deal_id,vin\n", `sales.xlsx: not a readable XLSX workbook (zip: not a valid zip file); expected .xlsx, or CSV saved as UTF-8`},
		{"unclosed quote", "sales.csv",
			rejectHeader + "1,\"1HGCM8268RA000001,D001,2024-07-03,retail,SUV1,,,,,,\n2,x\n3,y\n",
			`sales.csv:2: a quoted field opened here is never closed, so lines 2 to 4 cannot be read; expected every opening quote to have a closing one`},
		{"bad header quote", "sales.csv", "deal_id,\"vin\"x,dealer_code\n", `sales.csv:1: header row, field 2: a stray or missing quote (") in a quoted field; expected a field with quotes to be wholly quoted, with quotes inside it doubled`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := Profile{}
			if strings.HasPrefix(tt.file, "cdk") {
				p, _ = BuiltinProfile("cdk")
			}
			_, _, _, err := readSales(t, tt.file, []byte(tt.data), p)
			var fe *FileError
			if !errors.As(err, &fe) {
				t.Fatalf("err = %v, want a *FileError", err)
			}
			if got := err.Error(); got != tt.want {
				t.Errorf("error:\n got %s\nwant %s", got, tt.want)
			}
		})
	}
}

// A bad quote is told by the column it is in: the schema's name, the
// file's own header for a column the schema does not read, or none past
// the header. The row and the reason's text carry no byte counts.
func TestBadQuoteColumn(t *testing.T) {
	header := "deal_id,vin,dealer_code,sale_date,sale_type,model_code,Notes\n"
	good := "1,1HGCM8268RA000001,D001,2024-07-03,retail,SUV1,ok"
	for _, c := range []struct{ row, column string }{
		{`2,1HGCM8268RA000001,D0"01,2024-07-03,retail,SUV1,ok`, "dealer_code"},
		{`3,1HGCM8268RA000001,D001,2024-07-03,retail,SUV1,"ok"x`, "Notes"},
		{`4,1HGCM8268RA000001,D001,2024-07-03,retail,SUV1,ok,x"y`, ""},
		{`5,1HGCM8268RA000001,Dé01,"2024"-07-03,retail,SUV1,ok`, "sale_date"},
	} {
		_, rejects, _, err := readSales(t, "n.csv", []byte(header+good+"\n"+c.row+"\n"), Profile{})
		if err != nil {
			t.Fatal(err)
		}
		if len(rejects) != 1 || rejects[0].Row != 3 || rejects[0].Column != c.column || strings.Contains(rejects[0].Reason, "column") {
			t.Errorf("%s: rejects %+v, want row 3 in column %q", c.row, rejects, c.column)
		}
	}
}

func TestReadSalesHeaderOnly(t *testing.T) {
	sales, rejects, n, err := readSales(t, "s.csv", []byte(rejectHeader), Profile{})
	if err != nil || len(sales) != 0 || len(rejects) != 0 || n != (Counts{}) {
		t.Errorf("got %v %v %+v %v, want nothing", sales, rejects, n, err)
	}
}

// A bad quote that closes later must reject that one record, not the file,
// and the reader must go on after it.
func TestReadSalesRecoversAfterBadQuote(t *testing.T) {
	data := rejectHeader +
		"1,\"1HGCM8268RA000001\nstill quoted\"x,D001\n" +
		"2017,1HGCM8268RA000001,D001,2024-07-03,retail,SUV1,,,,,,\n"
	sales, rejects, n, err := readSales(t, "q.csv", []byte(data), Profile{})
	if err != nil {
		t.Fatal(err)
	}
	want := []Reject{{File: "q.csv", Row: 2, Column: "vin", Reason: `a stray or missing quote (") in a quoted field that runs from line 2 to line 3; expected a field with quotes to be wholly quoted, with quotes inside it doubled`}}
	if diff := cmp.Diff(want, rejects, cmpopts.IgnoreFields(Reject{}, "Raw")); diff != "" {
		t.Errorf("rejects (-want +got):\n%s", diff)
	}
	if len(sales) != 1 || sales[0].Source() != "q.csv:4" {
		t.Errorf("sales = %+v, want one from line 4", sales)
	}
	if n != (Counts{Read: 2, Accepted: 1, Rejected: 1}) {
		t.Errorf("counts = %+v", n)
	}
}

func TestReadSalesAcceptError(t *testing.T) {
	stop := errors.New("store is full")
	calls := 0
	n, err := ReadSales("s.csv", strings.NewReader(salesCSV), Profile{}, func(Row, incent.Sale) error {
		calls++
		if calls == 2 {
			return stop
		}
		return nil
	}, nil)
	if !errors.Is(err, stop) {
		t.Fatalf("err = %v, want %v", err, stop)
	}
	if n != (Counts{Read: 1, Accepted: 1}) {
		t.Errorf("counts = %+v, want the one accepted row", n)
	}
}

func TestReadSalesProfiles(t *testing.T) {
	tests := []struct {
		profile string
		data    string
	}{
		{"cdk", `Deal No,VIN,Dealer Code,Contract Date,Deal Type,New/Used,Model No,Model Year,MSRP,Selling Price,Units,Salesperson ID,Deal Split,Rebate Code,Rebate Amt,Rebate Claim Date,Stock No
1001,1HGCM8268RA000001,D001,07/03/2024,R,N,SUV1,2024,"$45,000.00","$43,500.50",1,S1:60;S2:40,,,,,A1
1002,1HGCM826XRA000002,D002,07/15/2024,L,,SUV2,,"$52,000.00",,,S3,D001:50;D002:50,CR-EV-1000,$1000,07/20/2024,A2
1003,5YJ3E1EA9RF000003,D001,08/01/2024,F,U,EV1,2025,,,-1,,,,,,A3
`},
		{"reynolds", `Deal Number,Vehicle VIN,Store,Delivery Date,Sale Type,Vehicle Type,Model Code,Year,MSRP,Cash Price,Unit Count,Salesperson,Store Split,Rebate Code,Rebate Amount,Rebate Submitted
1001,1HGCM8268RA000001,D001,07/03/2024,RETAIL,NEW,SUV1,2024,45000.00,43500.50,1,S1:60;S2:40,,,,
1002,1HGCM826XRA000002,D002,7/15/2024,LEASE,,SUV2,,52000.00,,,S3,D001:50;D002:50,CR-EV-1000,1000.00,07/20/2024
1003,5YJ3E1EA9RF000003,D001,08/01/2024,FLEET,USED,EV1,2025,,,-1,,,,,
`},
		{"tekion", `dealId,vin,dealerId,deliveryDate,dealType,vehicleType,modelCode,modelYear,msrp,sellingPrice,quantity,salespersonIds,dealerSplit,rebateCode,rebateAmount,rebateClaimDate
1001,1HGCM8268RA000001,D001,2024-07-03,RETAIL,NEW,SUV1,2024,45000.00,43500.50,1,S1:60;S2:40,,,,
1002,1HGCM826XRA000002,D002,2024-07-15T16:20:00Z,ONE_PAY_LEASE,,SUV2,,52000.00,,,S3,D001:50;D002:50,CR-EV-1000,1000.00,2024-07-20
1003,5YJ3E1EA9RF000003,D001,2024-08-01,FLEET,USED,EV1,2025,,,-1,,,,,
`},
	}
	for _, tt := range tests {
		t.Run(tt.profile, func(t *testing.T) {
			p, ok := BuiltinProfile(tt.profile)
			if !ok {
				t.Fatalf("no profile %s", tt.profile)
			}
			if tt.profile == "reynolds" {
				p.DateFormat = "1/2/2006" // also accepts 07/03/2024
			}
			sales, rejects, _, err := readSales(t, "dms.csv", []byte(tt.data), p)
			if err != nil {
				t.Fatal(err)
			}
			if len(rejects) > 0 {
				t.Fatalf("rejects: %v", rejects)
			}
			if diff := cmp.Diff(wantSales("dms.csv", 2, 3, 4), sales, decimalEqual); diff != "" {
				t.Errorf("sales (-want +got):\n%s", diff)
			}
		})
	}
}

func TestReadSalesWholesaleRejectedByProfile(t *testing.T) {
	p, _ := BuiltinProfile("tekion")
	data := "dealId,vin,dealerId,deliveryDate,dealType,modelCode\n1,1HGCM8268RA000001,D001,2024-07-03,WHOLESALE,SUV1\n"
	_, rejects, _, err := readSales(t, "t.csv", []byte(data), p)
	if err != nil {
		t.Fatal(err)
	}
	want := `t.csv:2: sale_type: "WHOLESALE" is not a sale type; expected retail, lease, fleet, demo, loaner or employee (or, with profile tekion: CASH, DEMO, EMPLOYEE, FINANCE, FLEET, LEASE, LOANER, ONE_PAY_LEASE, RETAIL)`
	if len(rejects) != 1 || rejects[0].Error() != want {
		t.Errorf("rejects = %v, want %s", rejects, want)
	}
}

func TestReadSalesDecimalCommaProfile(t *testing.T) {
	p := Profile{
		Name:         "eu",
		Columns:      map[string]string{"sale_date": "Datum", "sale_amount": "Betrag"},
		Values:       map[string]map[string]string{"sale_type": {"Privat": "retail"}},
		DateFormat:   "02.01.2006",
		DecimalComma: true,
	}
	data := "deal_id;vin;dealer_code;Datum;sale_type;model_code;Betrag;msrp\n" +
		"1;1HGCM8268RA000001;D001;03.07.2024;PRIVAT;SUV1;€ 43.500,50;45000\n"
	sales, rejects, _, err := readSales(t, "eu.csv", []byte(data), p)
	if err != nil || len(rejects) > 0 {
		t.Fatal(err, rejects)
	}
	if len(sales) != 1 || !sales[0].SaleAmount.Equal(amt("43500.50")) || !sales[0].MSRP.Equal(amt("45000")) ||
		sales[0].SaleDate != date(2024, 7, 3) || sales[0].SaleType.String() != "retail" {
		t.Errorf("sales = %+v", sales)
	}
}

func TestBuiltinProfiles(t *testing.T) {
	names := BuiltinProfileNames()
	if want := []string{"canonical", "cdk", "reynolds", "tekion"}; !cmp.Equal(names, want) {
		t.Errorf("BuiltinProfileNames() = %v, want %v", names, want)
	}
	for _, name := range names {
		p, ok := BuiltinProfile(name)
		if !ok || p.Name != name {
			t.Errorf("BuiltinProfile(%q) = %+v, %v", name, p, ok)
		}
		for col := range p.Columns {
			found := false
			for _, c := range salesSchema.cols {
				found = found || c.name == col
			}
			if !found {
				t.Errorf("profile %s maps unknown column %q", name, col)
			}
		}
		for col, words := range p.Values {
			for word, canon := range words {
				if col == "sale_type" && !slices.Contains(incent.SaleTypes, canon) {
					t.Errorf("profile %s maps %q to %q, not a sale type", name, word, canon)
				}
			}
		}
	}
	a, _ := BuiltinProfile("cdk")
	a.Columns["vin"] = "changed"
	if b, _ := BuiltinProfile("cdk"); b.Columns["vin"] != "VIN" {
		t.Error("BuiltinProfile shares its maps between calls")
	}
	if _, ok := BuiltinProfile("nope"); ok {
		t.Error(`BuiltinProfile("nope") found a profile`)
	}
}

func TestReadDealers(t *testing.T) {
	data := "Dealer Code,Name,Group,Region,Segment,Currency,Email,Address,City,State,Zip,Country,Phone\n" +
		"D001,North Motors,G1,NE,metro,usd,ap@north.example,1 Main St,Boston,MA,02101,US,555\n" +
		"D002,South Motors,,SE,,,,,,,,,\n" +
		"../etc,Evil,,,,,,,,,,,\n" +
		"D004,,,,,,,,,,,,\n" +
		"D005,Fifth,,,,XXX,,,,,,,\n" +
		"D006,Sixth,../grp,,,,,,,,,,\n"
	var got []incent.Dealer
	var rejects []Reject
	n, err := ReadDealers("dealers.csv", strings.NewReader(data), Profile{}, func(_ Row, d incent.Dealer) error {
		got = append(got, d)
		return nil
	}, func(r Reject) { rejects = append(rejects, r) })
	if err != nil {
		t.Fatal(err)
	}
	want := []incent.Dealer{
		{Code: "D001", Name: "North Motors", Group: "G1", Region: "NE", Segment: "metro", Currency: "USD",
			Email: "ap@north.example", Address: []string{"1 Main St", "Boston, MA 02101", "US"}},
		{Code: "D002", Name: "South Motors", Region: "SE"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("dealers (-want +got):\n%s", diff)
	}
	wantRejects := []string{
		`dealers.csv:4: dealer_code: "../etc" contains "..", which could reach outside the statements folder`,
		`dealers.csv:5: name: the cell is empty; a value is required`,
		`dealers.csv:6: currency: unknown currency "XXX" (expected an ISO 4217 code such as USD, EUR, JPY)`,
		// A group is a payee too, and names its statement files.
		`dealers.csv:7: group: "../grp" contains "..", which could reach outside the statements folder`,
	}
	var gotRejects []string
	for _, r := range rejects {
		gotRejects = append(gotRejects, r.Error())
	}
	if diff := cmp.Diff(wantRejects, gotRejects); diff != "" {
		t.Errorf("rejects (-want +got):\n%s", diff)
	}
	if n != (Counts{Read: 6, Accepted: 2, Rejected: 4}) {
		t.Errorf("counts = %+v", n)
	}
}

// TestAddressLines lays addresses out as envelopes show them.
func TestAddressLines(t *testing.T) {
	tests := []struct {
		cells [8]string // address, address1, address2, city, state, postal_code, zip, country
		want  []string
	}{
		{[8]string{"6380 Auto Mall Dr", "", "", "Cleveland", "OH", "44101"}, []string{"6380 Auto Mall Dr", "Cleveland, OH 44101"}},
		{[8]string{"1 Main St", "Suite 200", "", "Boston", "MA", "", "02101", "US"}, []string{"1 Main St", "Suite 200", "Boston, MA 02101", "US"}},
		{[8]string{"200 Bay St", "", "", "Toronto", "ON", "M5J 2J2", "", "Canada"}, []string{"200 Bay St", "Toronto, ON M5J 2J2", "Canada"}},
		{[8]string{"Königsallee 12", "", "", "Düsseldorf", "", "40212", "", "Germany"}, []string{"Königsallee 12", "40212 Düsseldorf", "Germany"}},
		{[8]string{"", "", "", "Springfield"}, []string{"Springfield"}},
		{[8]string{"", "", "", "", "TX", "75001"}, []string{"TX 75001"}},
		{[8]string{"", "", "", "", "", "75001"}, []string{"75001"}},
		{[8]string{}, nil},
	}
	for _, tt := range tests {
		c := tt.cells
		got := addressLines(c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7])
		if !slices.Equal(got, tt.want) {
			t.Errorf("addressLines(%q) = %q, want %q", c, got, tt.want)
		}
	}
}

func TestReadObjectives(t *testing.T) {
	data := "dealer_code,period,objective_key,units\n" +
		"D001,2024q3,SS-SUV,120\n" +
		"D002,2024-08,,\"1,200.5\"\n" +
		"D003,Q3,,10\n" +
		"D004,2024Q3,,-1\n" +
		"D005,2024Q3,,ten\n"
	var got []incent.Objective
	var rejects []string
	n, err := ReadObjectives("obj.csv", strings.NewReader(data), Profile{}, func(_ Row, o incent.Objective) error {
		got = append(got, o)
		return nil
	}, func(r Reject) { rejects = append(rejects, r.Error()) })
	if err != nil {
		t.Fatal(err)
	}
	want := []incent.Objective{
		{DealerCode: "D001", Period: "2024Q3", Key: "SS-SUV", Units: dec("120")},
		{DealerCode: "D002", Period: "2024-08", Units: dec("1200.5")},
	}
	if diff := cmp.Diff(want, got, decimalEqual); diff != "" {
		t.Errorf("objectives (-want +got):\n%s", diff)
	}
	wantRejects := []string{
		`obj.csv:4: period: "Q3" is not a quarter (2024Q3), a month (2024-08) or a year (2024)`,
		`obj.csv:5: units: "-1" is negative; expected 0 or more units`,
		`obj.csv:6: units: "ten" is not a number of units such as 12 or 12.5`,
	}
	if diff := cmp.Diff(wantRejects, rejects); diff != "" {
		t.Errorf("rejects (-want +got):\n%s", diff)
	}
	if n != (Counts{Read: 5, Accepted: 2, Rejected: 3}) {
		t.Errorf("counts = %+v", n)
	}
}

func TestReadCertifications(t *testing.T) {
	data := "dealer_code,certification,valid_from,valid_to\n" +
		"D001,EV,2024-01-01,\n" +
		"D002,EV,2024-01-01,2024-06-30\n" +
		"D003,EV,2024-07-01,2024-06-30\n"
	var got []Certification
	var rejects []string
	_, err := ReadCertifications("cert.csv", strings.NewReader(data), Profile{}, func(_ Row, c Certification) error {
		got = append(got, c)
		return nil
	}, func(r Reject) { rejects = append(rejects, r.Error()) })
	if err != nil {
		t.Fatal(err)
	}
	want := []Certification{
		{DealerCode: "D001", Certification: "EV", ValidFrom: date(2024, 1, 1), ValidTo: incent.NoDate},
		{DealerCode: "D002", Certification: "EV", ValidFrom: date(2024, 1, 1), ValidTo: date(2024, 6, 30)},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("certifications (-want +got):\n%s", diff)
	}
	wantRejects := []string{`cert.csv:4: valid_to: 2024-06-30 is before valid_from 2024-07-01; expected an empty cell or a later date`}
	if diff := cmp.Diff(wantRejects, rejects); diff != "" {
		t.Errorf("rejects (-want +got):\n%s", diff)
	}
}

func TestReadClaims(t *testing.T) {
	data := "claim_id,dealer_code,program_id,spend_amount,invoice_date,submitted_date,preapproved\n" +
		"C1,D001,COOP-Q3,\"$2,500.00\",2024-07-10,2024-10-05,yes\n" +
		"C2,D002,COOP-Q3,800,2024-08-01,2024-08-15,\n" +
		"C3,D002,COOP-Q3,800,2024-08-01,2024-08-15,maybe\n" +
		"C4,D002,COOP-Q3,-5,2024-08-01,2024-08-15,no\n"
	var got []Claim
	var rejects []string
	_, err := ReadClaims("claims.csv", strings.NewReader(data), Profile{}, func(_ Row, c Claim) error {
		got = append(got, c)
		return nil
	}, func(r Reject) { rejects = append(rejects, r.Error()) })
	if err != nil {
		t.Fatal(err)
	}
	want := []Claim{
		{ClaimID: "C1", DealerCode: "D001", ProgramID: "COOP-Q3", SpendAmount: dec("2500"), InvoiceDate: date(2024, 7, 10), SubmittedDate: date(2024, 10, 5), Preapproved: true},
		{ClaimID: "C2", DealerCode: "D002", ProgramID: "COOP-Q3", SpendAmount: dec("800"), InvoiceDate: date(2024, 8, 1), SubmittedDate: date(2024, 8, 15)},
	}
	if diff := cmp.Diff(want, got, decimalEqual); diff != "" {
		t.Errorf("claims (-want +got):\n%s", diff)
	}
	wantRejects := []string{
		`claims.csv:4: preapproved: "maybe" is not yes or no`,
		`claims.csv:5: spend_amount: "-5" is negative; expected the amount spent, 0 or more`,
	}
	if diff := cmp.Diff(wantRejects, rejects); diff != "" {
		t.Errorf("rejects (-want +got):\n%s", diff)
	}
}

func TestFileErrorFormat(t *testing.T) {
	tests := []struct {
		e    FileError
		want string
	}{
		{FileError{File: "a.csv", Row: 1, Column: "vin", Msg: "m"}, "a.csv:1: vin: m"},
		{FileError{File: "a.csv", Msg: "m"}, "a.csv: m"},
		{FileError{File: "a.csv", Column: "vin", Msg: "m"}, "a.csv: vin: m"},
		{FileError{Msg: "m"}, "m"},
	}
	for _, tt := range tests {
		if got := tt.e.Error(); got != tt.want {
			t.Errorf("%+v.Error() = %q, want %q", tt.e, got, tt.want)
		}
	}
	r := Reject{File: "a.csv", Row: 7, Reason: "bad row"}
	if got, want := r.Error(), "a.csv:7: bad row"; got != want {
		t.Errorf("Reject.Error() = %q, want %q", got, want)
	}
}

// Beyond the part of the file checked up front, a row that is not UTF-8 is
// rejected on its own and the rest of the file is read.
func TestReadSalesLateInvalidUTF8(t *testing.T) {
	// The bad cell as it is, and quoted: a quoted line is read apart from
	// the plain lines before it, whose being UTF-8 says nothing of it.
	for _, model := range []string{"Citro\xebn", "\"Citro\xebn\""} {
		var b strings.Builder
		b.WriteString(rejectHeader)
		good := "2017,1HGCM8268RA000001,D001,2024-07-03,retail,SUV1,,,,,,\n"
		rows := peekSize/len(good) + 10
		for i := 0; i < rows; i++ {
			b.WriteString(good)
		}
		b.WriteString("2018,1HGCM8268RA000001,D001,2024-07-03,retail," + model + ",,,,,,\n")
		b.WriteString(good)
		sales, rejects, n, err := readSales(t, "late.csv", []byte(b.String()), Profile{})
		if err != nil {
			t.Fatal(err)
		}
		want := []Reject{{File: "late.csv", Row: rows + 2, Column: "model_code", Reason: "the cell is not UTF-8 text; expected the file saved as UTF-8"}}
		if diff := cmp.Diff(want, rejects, cmpopts.IgnoreFields(Reject{}, "Raw")); diff != "" {
			t.Errorf("model %q: rejects (-want +got):\n%s", model, diff)
		}
		if len(sales) != rows+1 || n != (Counts{Read: rows + 2, Accepted: rows + 1, Rejected: 1}) {
			t.Errorf("model %q: %d sales, counts %+v", model, len(sales), n)
		}
	}
}

func TestCanonicalColumns(t *testing.T) {
	req, opt := CanonicalColumns(KindSales)
	wantReq := []string{"deal_id", "vin", "dealer_code", "sale_date", "sale_type", "model_code"}
	wantOpt := []string{"condition", "model_year", "family", "msrp", "sale_amount", "quantity", "delivering_dealer",
		"salesperson", "split", "rebate_code", "rebate_amount", "claim_date"}
	if !cmp.Equal(req, wantReq) || !cmp.Equal(opt, wantOpt) {
		t.Errorf("CanonicalColumns(sales) = %v, %v", req, opt)
	}
	for _, k := range []Kind{KindDealers, KindObjectives, KindCertifications, KindClaims} {
		if req, _ := CanonicalColumns(k); len(req) < 2 {
			t.Errorf("CanonicalColumns(%s) required = %v", k, req)
		}
	}
	if req, opt := CanonicalColumns("nope"); req != nil || opt != nil {
		t.Error("CanonicalColumns of an unknown kind")
	}
}

// TestSalesLetGoOfTheirRow checks that an accepted sale holds no piece of
// its row's text, which would keep the whole row alive through a run, and
// that rows naming the same code, model or sale type share one string.
func TestSalesLetGoOfTheirRow(t *testing.T) {
	var rows [][]string
	var sales []incent.Sale
	_, err := ReadSales("s.csv", strings.NewReader(salesCSV+"1004,1HGCM8263RA000004,D001,2024-08-02,retail,new,SUV1,2024,,,,S1:60;S2:40,,,,\n"), Profile{},
		func(r Row, s incent.Sale) error {
			rows = append(rows, r.Raw)
			sales = append(sales, s)
			return nil
		}, func(r Reject) { t.Errorf("reject %+v", r) })
	if err != nil || len(sales) != 4 {
		t.Fatalf("%d sales, err %v", len(sales), err)
	}
	// inside reports whether s lies in the memory of one of the row's cells.
	inside := func(s string, raw []string) bool {
		if s == "" {
			return false
		}
		p := uintptr(unsafe.Pointer(unsafe.StringData(s)))
		for _, cell := range raw {
			if cell == "" {
				continue
			}
			c := uintptr(unsafe.Pointer(unsafe.StringData(cell)))
			if p >= c && p < c+uintptr(len(cell)) {
				return true
			}
		}
		return false
	}
	for i, s := range sales {
		fields := map[string]string{"deal_id": s.DealID, "vin": s.VIN, "dealer_code": s.DealerCode.String(), "sale_type": s.SaleType.String(),
			"condition": s.Condition.String(), "model_code": s.ModelCode.String(), "family": s.Family.String(), "delivering_dealer": s.DeliveringDealer(),
			"salesperson": s.Salesperson, "split": s.Split(), "rebate_code": s.RebateCode(), "file": s.File.String()}
		for name, v := range fields {
			if inside(v, rows[i]) {
				t.Errorf("sale %d: %s %q is a piece of its row", i+1, name, v)
			}
		}
	}
	same := func(what string, a, b string) {
		t.Helper()
		if a != b || unsafe.StringData(a) != unsafe.StringData(b) {
			t.Errorf("%s: %q and %q are not one string", what, a, b)
		}
	}
	same("dealer", sales[0].DealerCode.String(), sales[3].DealerCode.String())
	same("model", sales[0].ModelCode.String(), sales[3].ModelCode.String())
	if sales[1].SaleType != incent.Intern(incent.SaleTypes[1]) || sales[2].Condition != incent.Intern(incent.Conditions[1]) {
		t.Errorf("sale type %q and condition %q are not the symbols of lease and used", sales[1].SaleType, sales[2].Condition)
	}
	if want := wantSales("s.csv", 2, 3, 4); !cmp.Equal(sales[:3], want, decimalEqual) {
		t.Errorf("sales differ (-got +want):\n%s", cmp.Diff(sales[:3], want, decimalEqual))
	}
}
