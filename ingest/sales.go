package ingest

import (
	"io"
	"slices"
	"strconv"
	"strings"

	"github.com/incent/incent"
	"github.com/shopspring/decimal"
)

// The sales columns, in the order of salesSchema.
const (
	sDealID = iota
	sVIN
	sDealer
	sSaleDate
	sSaleType
	sCondition
	sModelCode
	sModelYear
	sFamily
	sMSRP
	sSaleAmount
	sQuantity
	sDelivering
	sSalesperson
	sSplit
	sRebateCode
	sRebateAmount
	sClaimDate
)

// salesSchema lists the canonical sales columns (SPEC 3.1).
var salesSchema = schema{cols: []colSpec{
	sDealID:       {"deal_id", true},
	sVIN:          {"vin", true},
	sDealer:       {"dealer_code", true},
	sSaleDate:     {"sale_date", true},
	sSaleType:     {"sale_type", true},
	sCondition:    {"condition", false},
	sModelCode:    {"model_code", true},
	sModelYear:    {"model_year", false},
	sFamily:       {"family", false},
	sMSRP:         {"msrp", false},
	sSaleAmount:   {"sale_amount", false},
	sQuantity:     {"quantity", false},
	sDelivering:   {"delivering_dealer", false},
	sSalesperson:  {"salesperson", false},
	sSplit:        {"split", false},
	sRebateCode:   {"rebate_code", false},
	sRebateAmount: {"rebate_amount", false},
	sClaimDate:    {"claim_date", false},
}}

// ReadSales streams sales from r, a CSV or XLSX file (XLSX when the content
// starts with a zip signature or the name ends in .xlsx). It calls accept
// for every valid row and reject for every invalid one, and returns a
// *FileError when the file as a whole cannot be read. Because the file is
// streamed, a *FileError found part-way (a quote never closed) can follow
// accepted rows: treat a file's rows as provisional until ReadSales returns
// nil. An error from accept stops the read and is returned unchanged.
func ReadSales(file string, r io.Reader, p Profile, accept func(Row, incent.Sale) error, reject func(Reject)) (Counts, error) {
	return readFile(file, r, p, &salesSchema, parseSale, accept, reject)
}

const (
	saleTypeWords  = "retail, lease, fleet, demo, loaner or employee"
	conditionWords = "new, used or cpo"
)

func parseSale(c *rowCtx) (incent.Sale, bool) {
	var s incent.Sale
	var ok bool
	if s.DealID, ok = c.required(sDealID); !ok {
		return s, false
	}
	if s.VIN, ok = c.required(sVIN); !ok {
		return s, false
	}
	s.VIN = upperASCII(s.VIN)
	if p, checkDigit := vinProblem(s.VIN); p != "" {
		if !checkDigit || c.p.VINCheck != VINCheckWarn {
			return s, c.fail(sVIN, strconv.Quote(s.VIN)+": "+p)
		}
		c.warn(sVIN, strconv.Quote(s.VIN)+": "+p+"; accepted because vin_check is warn")
	}
	if s.DealerCode, ok = c.code(sDealer, true); !ok {
		return s, false
	}
	if s.SaleDate, ok = c.date(sSaleDate, true, true); !ok {
		return s, false
	}
	if s.SaleType, ok = c.required(sSaleType); !ok {
		return s, false
	}
	raw := s.SaleType
	s.SaleType = strings.ToLower(c.word(sSaleType))
	if !oneOf(s.SaleType, incent.SaleTypes) {
		return s, c.fail(sSaleType, strconv.Quote(raw)+" is not a sale type; expected "+saleTypeWords+c.profileWords(sSaleType))
	}
	s.Condition = "new"
	if w := c.word(sCondition); w != "" {
		s.Condition = strings.ToLower(w)
		if !oneOf(s.Condition, incent.Conditions) {
			return s, c.fail(sCondition, strconv.Quote(c.cell(sCondition))+" is not a condition; expected "+conditionWords+c.profileWords(sCondition))
		}
	}
	if s.ModelCode = c.word(sModelCode); s.ModelCode == "" {
		return s, c.fail(sModelCode, "the cell is empty; a value is required")
	}
	if y := c.cell(sModelYear); y != "" {
		n, err := strconv.Atoi(y)
		if len(y) != 4 || err != nil || n < 1980 || n > 2100 {
			return s, c.fail(sModelYear, strconv.Quote(y)+" is not a model year; expected four digits from 1980 to 2100")
		}
		s.ModelYear = n
	} else {
		s.ModelYear, ok = ModelYearFromVIN(s.VIN, s.SaleDate.Year()+1)
		if !ok {
			return s, c.fail(sModelYear, "the cell is empty and VIN position 10 ("+string(s.VIN[9])+") is not a model-year code; expected a four-digit model year")
		}
	}
	s.Family = c.word(sFamily)
	if s.MSRP, s.HasMSRP, ok = c.money(sMSRP); !ok {
		return s, false
	}
	if s.SaleAmount, s.HasSaleAmount, ok = c.money(sSaleAmount); !ok {
		return s, false
	}
	if s.Quantity, ok = c.quantity(sQuantity); !ok {
		return s, false
	}
	if s.DeliveringDealer, ok = c.code(sDelivering, false); !ok {
		return s, false
	}
	if sp := c.cell(sSalesperson); sp != "" {
		norm, problem := parseShares(sp, false)
		if problem != "" {
			return s, c.fail(sSalesperson, problem)
		}
		s.Salesperson = norm
	}
	if sp := c.cell(sSplit); sp != "" {
		norm, problem := parseShares(sp, true)
		if problem != "" {
			return s, c.fail(sSplit, problem)
		}
		s.Split = norm
	}
	s.RebateCode = c.word(sRebateCode)
	if s.RebateAmount, s.HasRebateAmount, ok = c.money(sRebateAmount); !ok {
		return s, false
	}
	if s.ClaimDate, ok = c.date(sClaimDate, false, true); !ok {
		return s, false
	}
	var buf [128]byte
	s.Source = string(strconv.AppendInt(append(buf[:0], c.source...), int64(c.row), 10))
	return s, true
}

func oneOf(s string, words []string) bool {
	for _, w := range words {
		if s == w {
			return true
		}
	}
	return false
}

// quantity parses a sale's quantity: 1 (the default) or -1 for a reversal.
func (c *rowCtx) quantity(col int) (int, bool) {
	s := c.cell(col)
	switch s {
	case "", "1", "+1":
		return 1, true
	case "-1":
		return -1, true
	}
	if d, err := decimal.NewFromString(s); err == nil && isSheetNumber(s) {
		switch {
		case d.Equal(decimal.NewFromInt(1)):
			return 1, true
		case d.Equal(decimal.NewFromInt(-1)):
			return -1, true
		}
	}
	return 0, c.fail(col, strconv.Quote(s)+" is not a quantity; expected 1, or -1 for a reversal")
}

// profileWords names the profile's own words for a column, for a reject
// reason, so a user sees what the file may say.
func (c *rowCtx) profileWords(col int) string {
	m := c.p.Values[c.sc.cols[col].name]
	if len(m) == 0 {
		return ""
	}
	words := make([]string, 0, len(m))
	for k := range m {
		words = append(words, k)
	}
	slices.Sort(words)
	name := "the profile"
	if c.p.Name != "" {
		name = "profile " + c.p.Name
	}
	return " (or, with " + name + ": " + strings.Join(words, ", ") + ")"
}
