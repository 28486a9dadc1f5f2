package ingest

import (
	"io"
	"strconv"
	"strings"

	"github.com/incent/incent"
	"github.com/shopspring/decimal"
)

// The dealers columns, in the order of dealersSchema.
const (
	dCode = iota
	dName
	dGroup
	dRegion
	dSegment
	dCurrency
	dEmail
	dAddress // first of the address columns, in printing order
)

// dealersSchema lists the canonical dealers columns; the address columns
// come last, in the order they are printed.
var dealersSchema = schema{cols: []colSpec{
	dCode:        {"dealer_code", true},
	dName:        {"name", true},
	dGroup:       {"group", false},
	dRegion:      {"region", false},
	dSegment:     {"segment", false},
	dCurrency:    {"currency", false},
	dEmail:       {"email", false},
	dAddress:     {"address", false},
	dAddress + 1: {"address1", false},
	dAddress + 2: {"address2", false},
	dAddress + 3: {"city", false},
	dAddress + 4: {"state", false},
	dAddress + 5: {"postal_code", false},
	dAddress + 6: {"zip", false},
	dAddress + 7: {"country", false},
}}

// ReadDealers streams dealers from r in the same way as ReadSales. A dealer
// code that could not safely name a statement file is rejected.
func ReadDealers(file string, r io.Reader, p Profile, accept func(Row, incent.Dealer) error, reject func(Reject)) (Counts, error) {
	return readFile(file, r, p, &dealersSchema, parseDealer, accept, reject)
}

func parseDealer(c *rowCtx) (incent.Dealer, bool) {
	var d incent.Dealer
	var ok bool
	if d.Code, ok = c.code(dCode, true); !ok {
		return d, false
	}
	if d.Name, ok = c.required(dName); !ok {
		return d, false
	}
	d.Group = c.word(dGroup)
	d.Region = c.word(dRegion)
	d.Segment = c.word(dSegment)
	if cur := c.cell(dCurrency); cur != "" {
		cc, err := incent.LookupCurrency(cur)
		if err != nil {
			return d, c.fail(dCurrency, err.Error())
		}
		d.Currency = cc.Code
	}
	d.Email = c.cell(dEmail)
	for col := dAddress; col < len(dealersSchema.cols); col++ {
		if s := c.cell(col); s != "" {
			d.Address = append(d.Address, s)
		}
	}
	return d, true
}

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

// Certification is a dealer's certification (such as EV) over a range of
// dates; ValidTo is incent.NoDate while it is open.
type Certification struct {
	DealerCode    string
	Certification string
	ValidFrom     incent.Date
	ValidTo       incent.Date
}

// The certifications columns, in the order of certificationsSchema.
const (
	cDealer = iota
	cCert
	cFrom
	cTo
)

// certificationsSchema lists the canonical certifications columns.
var certificationsSchema = schema{cols: []colSpec{
	cDealer: {"dealer_code", true},
	cCert:   {"certification", true},
	cFrom:   {"valid_from", true},
	cTo:     {"valid_to", false},
}}

// ReadCertifications streams dealer certifications from r in the same way
// as ReadSales; an empty valid_to leaves the certification open.
func ReadCertifications(file string, r io.Reader, p Profile, accept func(Row, Certification) error, reject func(Reject)) (Counts, error) {
	return readFile(file, r, p, &certificationsSchema, parseCertification, accept, reject)
}

func parseCertification(c *rowCtx) (Certification, bool) {
	var ct Certification
	var ok bool
	if ct.DealerCode, ok = c.code(cDealer, true); !ok {
		return ct, false
	}
	if ct.Certification, ok = c.required(cCert); !ok {
		return ct, false
	}
	ct.Certification = c.word(cCert)
	// Placeholder dates such as 1900-01-01 and 9999-12-31 are common here,
	// so no sensible-range check.
	if ct.ValidFrom, ok = c.date(cFrom, true, false); !ok {
		return ct, false
	}
	if ct.ValidTo, ok = c.date(cTo, false, false); !ok {
		return ct, false
	}
	if ct.ValidTo != incent.NoDate && ct.ValidTo < ct.ValidFrom {
		return ct, c.fail(cTo, ct.ValidTo.String()+" is before valid_from "+ct.ValidFrom.String()+"; expected an empty cell or a later date")
	}
	return ct, true
}

// Claim is a co-op marketing claim: spend a dealer asks the program to
// reimburse.
type Claim struct {
	ClaimID       string
	DealerCode    string
	ProgramID     string
	SpendAmount   decimal.Decimal
	InvoiceDate   incent.Date
	SubmittedDate incent.Date
	Preapproved   bool
}

// The claims columns, in the order of claimsSchema.
const (
	clID = iota
	clDealer
	clProgram
	clSpend
	clInvoice
	clSubmitted
	clPreapproved
)

// claimsSchema lists the canonical co-op claims columns.
var claimsSchema = schema{cols: []colSpec{
	clID:          {"claim_id", true},
	clDealer:      {"dealer_code", true},
	clProgram:     {"program_id", true},
	clSpend:       {"spend_amount", true},
	clInvoice:     {"invoice_date", true},
	clSubmitted:   {"submitted_date", true},
	clPreapproved: {"preapproved", false},
}}

// ReadClaims streams co-op claims from r in the same way as ReadSales; an
// empty preapproved cell means no.
func ReadClaims(file string, r io.Reader, p Profile, accept func(Row, Claim) error, reject func(Reject)) (Counts, error) {
	return readFile(file, r, p, &claimsSchema, parseClaim, accept, reject)
}

func parseClaim(c *rowCtx) (Claim, bool) {
	var cl Claim
	var ok bool
	if cl.ClaimID, ok = c.required(clID); !ok {
		return cl, false
	}
	if cl.DealerCode, ok = c.code(clDealer, true); !ok {
		return cl, false
	}
	if cl.ProgramID, ok = c.required(clProgram); !ok {
		return cl, false
	}
	if _, ok = c.required(clSpend); !ok {
		return cl, false
	}
	if cl.SpendAmount, _, ok = c.money(clSpend); !ok {
		return cl, false
	}
	if cl.SpendAmount.IsNegative() {
		return cl, c.fail(clSpend, strconv.Quote(c.cell(clSpend))+" is negative; expected the amount spent, 0 or more")
	}
	if cl.InvoiceDate, ok = c.date(clInvoice, true, true); !ok {
		return cl, false
	}
	if cl.SubmittedDate, ok = c.date(clSubmitted, true, true); !ok {
		return cl, false
	}
	s := c.word(clPreapproved)
	switch strings.ToLower(s) {
	case "", "no", "n", "false", "0":
	case "yes", "y", "true", "1":
		cl.Preapproved = true
	default:
		return cl, c.fail(clPreapproved, strconv.Quote(s)+" is not yes or no")
	}
	return cl, true
}
