package ingest

import (
	"io"
	"strconv"
	"strings"

	"github.com/incent/incent"
)

// Claim is the co-op claim a claims row becomes.
type Claim = incent.Claim

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
