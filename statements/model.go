// Package statements renders payee statements (PDF and XLSX) and the
// analysts' summary workbook from a Statement model. It computes nothing:
// every number it prints arrives already decided and rounded, so the page,
// the calculation log and explain never disagree.
//
// Rendering is deterministic: the same Statement gives the same bytes, on any
// machine, in any time zone or locale (document dates come from the period,
// never the clock). PDFs use the built-in Helvetica in Windows-1252, which
// covers Western European names and the € and £ signs; other characters are
// replaced by a close equivalent or "?", never dropped silently or fatal.
// Workbooks store amounts as numbers with a custom format per currency and
// neutralise text that a spreadsheet would run as a formula.
package statements

import (
	"github.com/incent/incent"
	"github.com/shopspring/decimal"
)

// Statement is everything one payee's statement shows for one run.
type Statement struct {
	Payee       Payee
	Period      incent.Period
	RunID       string
	Provisional bool        // --as-of runs: PROVISIONAL on every page
	AsOf        incent.Date // NoDate unless Provisional
	Maker       string      // issuer name printed in the header ("" = omit)
	Programs    []ProgramLine
	Sales       []SaleLine
	Adjustments []Adjustment
	Flags       []string // warnings for the payee, e.g. a VIN seen in two deals
	Totals      []Total  // one per currency, each the sum of the printed lines
	// File is the statement's file name without extension; "" means the
	// payee code. Callers set it when two payees of different kinds share a
	// code.
	File     string
	Claims   []Claim   // co-op claims with their outcomes, in payment order
	Disputes []Dispute // the payee's open disputes
}

// Payee identifies who the statement is for.
type Payee struct {
	Type    string // dealer | group | salesperson
	Code    string
	Name    string
	Group   string
	Region  string
	Address []string
}

// ProgramLine is one program's result for the payee: a payout line plus the
// facts that explain it.
type ProgramLine struct {
	ProgramID      string
	ProgramVersion int
	Name           string
	Type           string
	Currency       incent.Currency
	MeasureKind    string          // "units", "revenue" or "objective_pct"
	Measure        decimal.Decimal // the payee's measure (credited units, revenue, % of objective)
	Tier           string          // tier reached, e.g. "Tier 2 (from 20)", or "none"
	NextTier       string          // e.g. "3 more units to reach Tier 3, worth 1,500.00 more"; "" at the top
	Formula        []string        // the payout formula in words and numbers, one step a line
	Unrounded      decimal.Decimal // amount before rounding
	Amount         decimal.Decimal // rounded payout line amount
	Rounding       string          // half_up | half_even
	CountedSales   int
	ExcludedSales  int
}

// SaleLine is one sale of the payee with its outcome under every program in
// effect.
type SaleLine struct {
	Date      incent.Date
	DealID    string
	VIN       string
	Model     string
	ModelYear int
	SaleType  string
	Condition string
	Quantity  int
	Amount    decimal.Decimal // sale_amount as given (zero when absent)
	Outcomes  []Outcome       // in program-id order
	Flag      string          // e.g. "VIN also in deal 1042 of D002 (possible double claim)"
}

// Outcome is what one program decided for one sale.
type Outcome struct {
	ProgramID string
	Counted   bool
	Credit    decimal.Decimal // credited units for this payee when counted
	Reason    string          // why it did not count, when not counted
}

// Adjustment is money added or taken outside the formula.
type Adjustment struct {
	Kind      string // manual | dispute | true_up
	ProgramID string
	Currency  incent.Currency
	Amount    decimal.Decimal
	Reason    string
}

// Claim is one co-op claim of the payee and what the program decided for it.
type Claim struct {
	ClaimID       string
	ProgramID     string
	Currency      incent.Currency
	InvoiceDate   incent.Date
	SubmittedDate incent.Date
	Spend         decimal.Decimal // spend_amount as claimed
	Paid          decimal.Decimal // amount reimbursed (zero when not paid)
	Outcome       string          // paid | partly paid | not paid
	Reason        string          // why it was paid partly or not at all
}

// Dispute is an open dispute of the payee, listed so the statement shows
// what is still being looked at.
type Dispute struct {
	ID        string
	ProgramID string
	Opened    incent.Date
	Claim     string
	Currency  incent.Currency
	Amount    decimal.Decimal // amount claimed, when HasAmount
	HasAmount bool
	Status    string // open | escalated
}

// Total is the statement total for one currency.
type Total struct {
	Currency incent.Currency
	Amount   decimal.Decimal
}

// SummaryRow is one payee × program row of the analysts' summary workbook.
type SummaryRow struct {
	PayeeType      string
	Payee          string
	Name           string
	ProgramID      string
	ProgramVersion int
	Kind           string // calc | manual | dispute | true_up
	Currency       incent.Currency
	Measure        decimal.Decimal
	Tier           string
	Amount         decimal.Decimal
	Flags          string
}

// Summary is the analysts' overview of one run.
type Summary struct {
	Period      incent.Period
	RunID       string
	Provisional bool
	Rows        []SummaryRow // sorted by payee, program, kind
	Rejects     int
	Inputs      []InputReconciliation
}

// InputReconciliation is one input file's reconciliation line.
type InputReconciliation struct {
	File      string
	Kind      string
	Read      int
	Accepted  int
	Rejected  int
	Duplicate int
}
