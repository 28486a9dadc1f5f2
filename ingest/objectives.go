package ingest

import (
	"io"
	"strconv"
	"strings"

	"github.com/incent/incent"
	"github.com/shopspring/decimal"
)

// The objectives columns, in the order of objectivesSchema.
const (
	oDealer = iota
	oPeriod
	oKey
	oUnits
)

// objectivesSchema lists the canonical objectives columns.
var objectivesSchema = schema{cols: []colSpec{
	oDealer: {"dealer_code", true},
	oPeriod: {"period", true},
	oKey:    {"objective_key", false},
	oUnits:  {"units", true},
}}

// ReadObjectives streams unit objectives from r in the same way as
// ReadSales; the period is stored in its canonical form (2024Q3) and an
// empty objective_key is left for the caller to default.
func ReadObjectives(file string, r io.Reader, p Profile, accept func(Row, incent.Objective) error, reject func(Reject)) (Counts, error) {
	return readFile(file, r, p, &objectivesSchema, parseObjective, accept, reject)
}

func parseObjective(c *rowCtx) (incent.Objective, bool) {
	var o incent.Objective
	var ok bool
	if o.DealerCode, ok = c.code(oDealer, true); !ok {
		return o, false
	}
	s, ok := c.required(oPeriod)
	if !ok {
		return o, false
	}
	per, err := incent.ParsePeriod(s)
	if err != nil {
		return o, c.fail(oPeriod, strings.TrimPrefix(err.Error(), "period "))
	}
	o.Period = per.Code
	o.Key = c.cell(oKey)
	if o.Units, ok = c.units(oUnits); !ok {
		return o, false
	}
	return o, true
}

// units parses a required non-negative number of units, such as 12 or 12.5.
func (c *rowCtx) units(col int) (decimal.Decimal, bool) {
	s, ok := c.required(col)
	if !ok {
		return decimal.Zero, false
	}
	d, has, ok := c.money(col)
	if !ok || !has {
		return decimal.Zero, c.fail(col, strconv.Quote(s)+" is not a number of units such as 12 or 12.5")
	}
	if d.IsNegative() {
		return decimal.Zero, c.fail(col, strconv.Quote(s)+" is negative; expected 0 or more units")
	}
	return d, true
}
