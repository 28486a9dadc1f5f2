package incent

import (
	"strconv"

	"github.com/shopspring/decimal"
)

// Sale is one accepted line of a DMS sales export: one vehicle event.
// (DealerCode, DealID, VIN, Quantity) identifies it; a reversal (Quantity -1)
// is its own event and cancels the earlier sale of the same VIN and dealer.
//
// A large quarter holds a million of these for the whole run, so the
// columns most rows leave empty live in Extra, the texts many sales share
// (dealer, sale type, condition, model, family, file) are symbols, and
// where the row came from is its file and a line number.
type Sale struct {
	DealID      string
	VIN         string
	Salesperson string // "S1" or "S1:60;S2:40"
	// Extra holds the dealer trade, split and rebate claim columns; nil
	// when the row leaves them all empty, as most rows do. It is never
	// changed once set, so copies of a sale may share it.
	Extra      *SaleExtra
	MSRP       Amount
	SaleAmount Amount
	DealerCode Sym
	SaleType   Sym // retail, lease, fleet, demo, loaner, employee
	Condition  Sym // new, used, cpo
	ModelCode  Sym
	Family     Sym
	// File is the input file the row came from, for reject messages and
	// explain: "data/sales/july.csv". It is never part of a result digest.
	File      Sym
	SaleDate  Date
	Line      int32 // the row's line in File
	ModelYear int32
	Quantity  int32 // 1, or -1 for a reversal
}

// SaleExtra holds the columns of a sale that most rows leave empty.
type SaleExtra struct {
	DeliveringDealer string
	Split            string // "D001:50;D002:50"
	RebateCode       string
	RebateAmount     Amount
	ClaimDate        Date // NoDate when the cell was empty
}

// NoExtra returns a SaleExtra with every column empty.
func NoExtra() SaleExtra { return SaleExtra{ClaimDate: NoDate} }

// noExtra is what the accessors read for a sale without extra columns.
var noExtra = NoExtra()

// SetExtra sets s.Extra to e, or to nil when e has every column empty.
func (s *Sale) SetExtra(e *SaleExtra) {
	if e == nil || e.IsEmpty() {
		s.Extra = nil
		return
	}
	s.Extra = e
}

// EditExtra changes the sale's extra columns through edit. It edits a
// copy, since other sales may share them.
func (s *Sale) EditExtra(edit func(*SaleExtra)) {
	e := s.Extras()
	edit(&e)
	s.SetExtra(&e)
}

// IsEmpty reports whether every column of e is empty.
func (e *SaleExtra) IsEmpty() bool {
	return e.DeliveringDealer == "" && e.Split == "" && e.RebateCode == "" && !e.RebateAmount.Has() && e.ClaimDate == NoDate
}

// Extras returns a copy of the sale's extra columns, NoExtra() when it
// has none.
func (s *Sale) Extras() SaleExtra { return *s.extra() }

func (s *Sale) extra() *SaleExtra {
	if s.Extra == nil {
		return &noExtra
	}
	return s.Extra
}

// DeliveringDealer is the dealer that delivered the vehicle in a dealer
// trade, "" when the selling dealer did.
func (s *Sale) DeliveringDealer() string { return s.extra().DeliveringDealer }

// Split is the deal's shares between dealers, "D001:50;D002:50", or "".
func (s *Sale) Split() string { return s.extra().Split }

// RebateCode is the customer rebate claimed on the sale, or "".
func (s *Sale) RebateCode() string { return s.extra().RebateCode }

// RebateAmount is the rebate amount claimed, empty when the cell was.
func (s *Sale) RebateAmount() Amount { return s.extra().RebateAmount }

// ClaimDate is the date the rebate was claimed, NoDate when the cell was
// empty.
func (s *Sale) ClaimDate() Date { return s.extra().ClaimDate }

// Source names where the row came from: "data/sales/july.csv:12".
func (s *Sale) Source() string { return s.File.String() + ":" + strconv.Itoa(int(s.Line)) }

// SaleTypes lists the canonical sale types.
var SaleTypes = []string{"retail", "lease", "fleet", "demo", "loaner", "employee"}

// Conditions lists the canonical vehicle conditions.
var Conditions = []string{"new", "used", "cpo"}

// Dealer is a payee organisation from the dealers input.
type Dealer struct {
	Code     string
	Name     string
	Group    string
	Region   string
	Segment  string
	Currency string
	Email    string
	Address  []string // printed on statements, in input column order
}

// Objective is a dealer's unit objective for a period and objective key.
type Objective struct {
	DealerCode string
	Period     string
	Key        string // defaults to the program id
	Units      decimal.Decimal
}

// Certification is a dealer certification held over an inclusive window;
// ValidTo is NoDate while it is open.
type Certification struct {
	DealerCode    string
	Certification string
	ValidFrom     Date
	ValidTo       Date
}

// Claim is a co-op marketing claim: spend a dealer asks a program to
// reimburse.
type Claim struct {
	ClaimID       string
	DealerCode    string
	ProgramID     string
	SpendAmount   decimal.Decimal
	InvoiceDate   Date
	SubmittedDate Date
	Preapproved   bool
}
