package incent

import "github.com/shopspring/decimal"

// Sale is one accepted line of a DMS sales export: one vehicle event.
// (DealerCode, DealID, VIN, Quantity) identifies it; a reversal (Quantity -1)
// is its own event and cancels the earlier sale of the same VIN and dealer.
type Sale struct {
	DealID           string
	VIN              string
	DealerCode       string
	SaleDate         Date
	SaleType         string // retail, lease, fleet, demo, loaner, employee
	Condition        string // new, used, cpo
	ModelCode        string
	ModelYear        int
	Family           string
	MSRP             decimal.Decimal
	SaleAmount       decimal.Decimal
	HasMSRP          bool
	HasSaleAmount    bool
	Quantity         int // 1, or -1 for a reversal
	DeliveringDealer string
	Salesperson      string // "S1" or "S1:60;S2:40"
	Split            string // "D001:50;D002:50"
	RebateCode       string
	RebateAmount     decimal.Decimal
	HasRebateAmount  bool
	ClaimDate        Date // NoDate when the cell was empty

	// Source names where the row came from, for reject messages and explain:
	// "data/sales/july.csv:12". It is never part of a result digest.
	Source string
}

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
