package ingest

import (
	"bytes"
	"encoding/csv"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/incent/incent"
	"github.com/xuri/excelize/v2"
)

// withCheckDigit returns a 17-character VIN with its check digit set.
func withCheckDigit(vin string) string {
	b := []byte(vin)
	sum := 0
	for i, c := range b {
		sum += int(vinValues[c]) * vinWeights[i]
	}
	b[8] = "0123456789X"[sum%11]
	return string(b)
}

// salesFile generates a sales CSV of n valid rows.
func salesFile(n int) []byte {
	var b bytes.Buffer
	b.WriteString("deal_id,vin,dealer_code,sale_date,sale_type,condition,model_code,model_year,family,msrp,sale_amount,quantity,salesperson\n")
	types := []string{"retail", "lease", "fleet", "demo"}
	for i := 0; i < n; i++ {
		serial := strconv.Itoa(100000 + i)
		vin := withCheckDigit("1HGCM8260RA" + serial[len(serial)-6:])
		b.WriteString(strconv.Itoa(500000 + i))
		b.WriteByte(',')
		b.WriteString(vin)
		b.WriteString(",D")
		b.WriteString(strconv.Itoa(100 + i%250))
		b.WriteString(",2024-0")
		b.WriteString(strconv.Itoa(7 + i%3))
		b.WriteByte('-')
		b.WriteString(strconv.Itoa(10 + i%19))
		b.WriteByte(',')
		b.WriteString(types[i%len(types)])
		b.WriteString(",new,SUV")
		b.WriteString(strconv.Itoa(1 + i%3))
		b.WriteString(",2024,suv,45000.00,")
		b.WriteString(strconv.Itoa(40000 + i%5000))
		b.WriteString(".50,1,S")
		b.WriteString(strconv.Itoa(i % 40))
		b.WriteByte('\n')
	}
	return b.Bytes()
}

// BenchmarkReadSalesCSV reads salesFile, as written, with every field
// quoted and CRLF line ends, as some exports write every file, and with
// its money as a DMS prints it ("$45,000.00").
func BenchmarkReadSalesCSV(b *testing.B) {
	const rows = 100000
	b.Run("plain", func(b *testing.B) { benchReadSalesCSV(b, salesFile(rows), rows) })
	b.Run("quoted", func(b *testing.B) { benchReadSalesCSV(b, quoteAll(b, salesFile(rows)), rows) })
	b.Run("dollars", func(b *testing.B) { benchReadSalesCSV(b, dollars(b, salesFile(rows)), rows) })
}

// dollars rewrites the money columns of salesFile's data as $45,000.00,
// the sale amounts as varied as a real export's: nearly every one is
// different, as they are in a quarter's sales.
func dollars(b *testing.B, data []byte) []byte {
	b.Helper()
	recs, err := csv.NewReader(bytes.NewReader(data)).ReadAll()
	if err != nil {
		b.Fatal(err)
	}
	for i, rec := range recs[1:] {
		rec[10] = strconv.Itoa(20000+i*7919%60000) + "." + strconv.Itoa(10+i%90)
		for _, c := range []int{9, 10} { // msrp, sale_amount
			whole, cents, _ := strings.Cut(rec[c], ".")
			for j := len(whole) - 3; j > 0; j -= 3 {
				whole = whole[:j] + "," + whole[j:]
			}
			rec[c] = "$" + whole + "." + cents
		}
	}
	var out bytes.Buffer
	w := csv.NewWriter(&out)
	if err := w.WriteAll(recs); err != nil {
		b.Fatal(err)
	}
	return out.Bytes()
}

// quoteAll rewrites CSV data with every field quoted and CRLF line ends.
func quoteAll(b *testing.B, data []byte) []byte {
	b.Helper()
	recs, err := csv.NewReader(bytes.NewReader(data)).ReadAll()
	if err != nil {
		b.Fatal(err)
	}
	var out bytes.Buffer
	for _, rec := range recs {
		for i, f := range rec {
			if i > 0 {
				out.WriteByte(',')
			}
			out.WriteString(`"` + strings.ReplaceAll(f, `"`, `""`) + `"`)
		}
		out.WriteString("\r\n")
	}
	return out.Bytes()
}

func benchReadSalesCSV(b *testing.B, data []byte, rows int) {
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		n, err := ReadSales("bench.csv", bytes.NewReader(data), Profile{}, func(Row, incent.Sale) error { return nil }, func(r Reject) {
			b.Fatalf("reject: %v", r)
		})
		if err != nil || n.Accepted != rows {
			b.Fatalf("counts %+v, err %v", n, err)
		}
	}
	b.ReportMetric(float64(rows)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
}

// salesWorkbook converts salesFile(n) to a workbook as a spreadsheet saves
// it: a title row above the header, real date cells and numeric money.
func salesWorkbook(b *testing.B, n int) []byte {
	b.Helper()
	lines := strings.Split(strings.TrimSpace(string(salesFile(n))), "\n")
	f := excelize.NewFile()
	defer f.Close()
	sw, err := f.NewStreamWriter("Sheet1")
	if err != nil {
		b.Fatal(err)
	}
	dateStyle, err := f.NewStyle(&excelize.Style{NumFmt: 14})
	if err != nil {
		b.Fatal(err)
	}
	sw.SetRow("A1", []any{"Sales export"})
	header := strings.Split(lines[0], ",")
	row := make([]any, len(header))
	for i, h := range header {
		row[i] = h
	}
	sw.SetRow("A2", row)
	for i, line := range lines[1:] {
		cells := strings.Split(line, ",")
		row := make([]any, len(cells))
		for j, c := range cells {
			switch header[j] {
			case "sale_date":
				t, _ := time.Parse("2006-01-02", c)
				row[j] = excelize.Cell{StyleID: dateStyle, Value: t}
			case "msrp", "sale_amount":
				// A spreadsheet holds money as a binary double; the reader
				// turns the cell's text back into an exact decimal.
				v, _ := strconv.ParseFloat(c, 64)
				row[j] = v
			case "model_year", "quantity":
				v, _ := strconv.Atoi(c)
				row[j] = v
			default:
				row[j] = c
			}
		}
		cell, _ := excelize.CoordinatesToCellName(1, i+3)
		if err := sw.SetRow(cell, row); err != nil {
			b.Fatal(err)
		}
	}
	if err := sw.Flush(); err != nil {
		b.Fatal(err)
	}
	buf, err := f.WriteToBuffer()
	if err != nil {
		b.Fatal(err)
	}
	return buf.Bytes()
}

func BenchmarkReadSalesXLSX(b *testing.B) {
	const rows = 100000
	data := salesWorkbook(b, rows)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		n, err := ReadSales("bench.xlsx", bytes.NewReader(data), Profile{}, func(Row, incent.Sale) error { return nil }, func(r Reject) {
			b.Fatalf("reject: %v", r)
		})
		if err != nil || n.Accepted != rows {
			b.Fatalf("counts %+v, err %v", n, err)
		}
	}
	b.ReportMetric(float64(rows)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
}
