package ingest

import (
	"io"
	"math"
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
}, rejectKey: saleRejectKey}

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

// saleRejectKey is a rejected sales record's sale key as an accepted
// row's would read (dealer/deal/VIN/direction, the VIN in capitals): a
// reversal is its own event, which the sale it reverses does not stand
// for. It is "" when a key cell is empty or the quantity does not say the
// direction.
func saleRejectKey(lay *layout, rec []string) string {
	dealer, deal, vin := cellAt(lay, rec, sDealer), cellAt(lay, rec, sDealID), cellAt(lay, rec, sVIN)
	if dealer == "" || deal == "" || vin == "" {
		return ""
	}
	dir := "+"
	switch q, _ := quantityOf(cellAt(lay, rec, sQuantity)); q {
	case -1:
		dir = "-"
	case 0:
		return ""
	}
	return dealer + "/" + deal + "/" + upperASCII(vin) + "/" + dir
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
	dealer, ok := c.code(sDealer, true)
	if !ok {
		return s, false
	}
	if s.SaleDate, ok = c.date(sSaleDate, true, true); !ok {
		return s, false
	}
	raw, ok := c.required(sSaleType)
	if !ok {
		return s, false
	}
	saleType, ok := canonical(strings.ToLower(c.word(sSaleType)), incent.SaleTypes)
	if !ok {
		return s, c.fail(sSaleType, strconv.Quote(raw)+" is not a sale type; expected "+saleTypeWords+c.profileWords(sSaleType))
	}
	condition := "new"
	if w := c.word(sCondition); w != "" {
		if condition, ok = canonical(strings.ToLower(w), incent.Conditions); !ok {
			return s, c.fail(sCondition, strconv.Quote(c.cell(sCondition))+" is not a condition; expected "+conditionWords+c.profileWords(sCondition))
		}
	}
	model := c.word(sModelCode)
	if model == "" {
		return s, c.fail(sModelCode, "the cell is empty; a value is required")
	}
	if y := c.cell(sModelYear); y != "" {
		n, err := strconv.Atoi(y)
		if len(y) != 4 || err != nil || n < 1980 || n > 2100 {
			return s, c.fail(sModelYear, strconv.Quote(y)+" is not a model year; expected four digits from 1980 to 2100")
		}
		s.ModelYear = int32(n)
	} else {
		y, ok := ModelYearFromVIN(s.VIN, s.SaleDate.Year()+1)
		if !ok {
			return s, c.fail(sModelYear, "the cell is empty and VIN position 10 ("+string(s.VIN[9])+") is not a model-year code; expected a four-digit model year")
		}
		s.ModelYear = int32(y)
	}
	family := c.word(sFamily)
	if s.MSRP, ok = c.amount(sMSRP); !ok {
		return s, false
	}
	if s.SaleAmount, ok = c.amount(sSaleAmount); !ok {
		return s, false
	}
	q, ok := c.quantity(sQuantity)
	if !ok {
		return s, false
	}
	s.Quantity = int32(q)
	e := incent.NoExtra()
	if e.DeliveringDealer, ok = c.code(sDelivering, false); !ok {
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
		e.Split = norm
	}
	e.RebateCode = c.word(sRebateCode)
	if e.RebateAmount, ok = c.amount(sRebateAmount); !ok {
		return s, false
	}
	if e.ClaimDate, ok = c.date(sClaimDate, false, true); !ok {
		return s, false
	}
	s.DealerCode, s.SaleType, s.Condition = c.syms.Intern(dealer), c.syms.Intern(saleType), c.syms.Intern(condition)
	s.ModelCode, s.Family = c.syms.Intern(model), c.syms.Intern(family)
	c.compact(&s, &e)
	return s, true
}

// compact lets go of the row's text. A cell is a slice of its row's one
// string, so a sale holding any cell as it came holds the whole row, about
// a hundred bytes, for as long as the run: 100 MB over a million sales.
// Instead the deal, VIN and salespeople, which differ from sale to sale or
// nearly so (a large quarter has tens of thousands of salespeople), share
// one new string, in a block with the next rows' (the sales are copied
// again, in their final order, once every file is read), and every other
// code is the one string kept for it by the file. The extra columns e,
// when the row has any, are kept in a block shared with the file's next
// rows that have them.
func (c *rowCtx) compact(s *incent.Sale, e *incent.SaleExtra) {
	var buf [160]byte
	b := append(append(append(buf[:0], s.DealID...), s.VIN...), s.Salesperson...)
	all := c.text.Bytes(b)
	deal, vin := len(s.DealID), len(s.DealID)+len(s.VIN)
	s.DealID, s.VIN, s.Salesperson = all[:deal], all[deal:vin], all[vin:]
	if c.fileSym.IsZero() {
		c.fileSym = incent.Intern(c.file)
	}
	s.File, s.Line = c.fileSym, int32(min(c.row, math.MaxInt32))
	if e.IsEmpty() {
		return
	}
	e.DeliveringDealer = c.share(sDelivering, e.DeliveringDealer)
	e.Split = c.share(sSplit, e.Split)
	e.RebateCode = c.share(sRebateCode, e.RebateCode)
	if len(c.extras) == cap(c.extras) {
		c.extras = make([]incent.SaleExtra, 0, 256)
	}
	c.extras = append(c.extras, *e)
	s.Extra = &c.extras[len(c.extras)-1]
}

// share returns a copy of column col's text s that does not hold its row:
// the file's copy when an earlier row had the same text. Codes repeat (a
// few thousand dealers, a few dozen models over a million rows), and one
// string each is also what makes comparing them cheap: equal strings at
// one address compare without reading their bytes. Each column has its own
// table, small enough to stay in the cache.
func (c *rowCtx) share(col int, s string) string {
	if s == "" {
		return ""
	}
	if len(c.codes) == 0 {
		c.codes = make([]map[string]string, len(c.sc.cols))
	}
	m := c.codes[col]
	if v, ok := m[s]; ok {
		return v
	}
	s = strings.Clone(s)
	if m == nil {
		m = map[string]string{}
		c.codes[col] = m
	}
	if len(m) < maxSharedCodes {
		m[s] = s
	}
	return s
}

// canonical returns the word of words equal to s, so that every sale holds
// the same string for it rather than a piece of its own row.
func canonical(s string, words []string) (string, bool) {
	for _, w := range words {
		if s == w {
			return w, true
		}
	}
	return s, false
}

// quantity parses a sale's quantity: 1 (the default) or -1 for a reversal.
func (c *rowCtx) quantity(col int) (int, bool) {
	s := c.cell(col)
	if q, ok := quantityOf(s); ok {
		return q, true
	}
	return 0, c.fail(col, strconv.Quote(s)+" is not a quantity; expected 1, or -1 for a reversal")
}

// quantityOf reads a quantity cell: 1 (also when empty) or -1, as text or
// as a sheet stores the number; 0 and false for anything else.
func quantityOf(s string) (int, bool) {
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
	return 0, false
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
