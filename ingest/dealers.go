package ingest

import (
	"io"

	"github.com/incent/incent"
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
	if d.Group, ok = c.code(dGroup, false); !ok {
		return d, false
	}
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
	d.Address = addressLines(c.cell(dAddress), c.cell(dAddress+1), c.cell(dAddress+2), c.cell(dAddress+3),
		c.cell(dAddress+4), c.cell(dAddress+5), c.cell(dAddress+6), c.cell(dAddress+7))
	return d, true
}

// addressLines lays a dealer's address out as it is printed on an
// envelope: each street line, then the city with its state and postal
// code on one line ("Cleveland, OH 44101" where there is a state, as in
// the US, Canada or Australia; "40212 Düsseldorf" where there is none, as
// in most of Europe), then the country. Empty cells give no line.
func addressLines(street, street1, street2, city, state, postal, zip, country string) []string {
	var lines []string
	add := func(s string) {
		if s != "" {
			lines = append(lines, s)
		}
	}
	join := func(a, sep, b string) string {
		if a == "" || b == "" {
			return a + b
		}
		return a + sep + b
	}
	add(street)
	add(street1)
	add(street2)
	code := join(postal, " ", zip)
	if state != "" {
		add(join(join(city, ", ", state), " ", code))
	} else {
		add(join(code, " ", city))
	}
	add(country)
	return lines
}

// Certification is the dealer certification a certifications row becomes.
type Certification = incent.Certification

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
