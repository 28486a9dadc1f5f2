package statements

import (
	"fmt"
	"testing"
	"time"

	"github.com/incent/incent"
	"github.com/shopspring/decimal"
)

func dec(t testing.TB, s string) decimal.Decimal {
	t.Helper()
	d, err := decimal.NewFromString(s)
	if err != nil {
		t.Fatalf("decimal %q: %v", s, err)
	}
	return d
}

func currency(t testing.TB, code string) incent.Currency {
	t.Helper()
	c, err := incent.LookupCurrency(code)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func period(t testing.TB, code string) incent.Period {
	t.Helper()
	p, err := incent.ParsePeriod(code)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

const (
	fixtureName  = "Müller & Söhne Autohaus GmbH"
	fixtureTotal = "5,584.57 USD"
	ssID         = "SS-2024Q3-SUV"
	commID       = "COMM-2024Q3-RETAIL"
	ssTier       = "Tier 2 (from 20 units)"
	ssNext       = "7 more units to reach Tier 3 (from 30 units), worth 2,300.00 more"
	suvReason    = "model SUV3 not in [SUV1 SUV2]"
)

// fixtureStatement is a hand-built statement covering every section: two
// programs, counted and excluded sales, a reversal, a flagged VIN, an
// adjustment, a co-op claim and an open dispute.
func fixtureStatement(t testing.TB) *Statement {
	t.Helper()
	usd := currency(t, "USD")
	day := func(m time.Month, d int) incent.Date { return incent.DateOf(2024, m, d) }
	st := &Statement{
		Payee: Payee{
			Type: "dealer", Code: "D001", Name: fixtureName, Group: "G-NORD", Region: "Nord",
			Address: []string{"Königsallee 12", "40212 Düsseldorf", "Germany"},
		},
		Period: period(t, "2024Q3"),
		RunID:  "2024Q3-20241004-0001",
		Maker:  "Incent Motors Europe",
		Programs: []ProgramLine{
			{
				ProgramID: ssID, ProgramVersion: 2, Name: "Q3 SUV stair-step", Type: "stair_step",
				Currency: usd, MeasureKind: "units", Measure: dec(t, "23"),
				Tier: ssTier, NextTier: ssNext,
				Formula: []string{
					"measure: 23 credited units (22 retail or lease units + 2 fleet units × 0.5)",
					"Tier 2 (from 20 units) reached: 23 credited units × 200.00 USD per unit, back to the first unit = 4,600",
				},
				Unrounded: dec(t, "4600"), Amount: dec(t, "4600.00"), Rounding: "half_up",
				CountedSales: 24, ExcludedSales: 2,
			},
			{
				ProgramID: commID, ProgramVersion: 1, Name: "Q3 retail commission", Type: "commission",
				Currency: usd, MeasureKind: "revenue", Measure: dec(t, "61728.39"),
				Tier: "Tier 2 (from 50,000.00 USD revenue)", NextTier: "13,271.61 USD more revenue to reach Tier 3, worth 617.28 more",
				Formula: []string{
					"band Tier 1 (0.00 USD revenue to 50,000.00 USD revenue): 50,000.00 USD revenue × 2% = 1,000",
					"band Tier 2 (50,000.00 USD revenue to 75,000.00 USD revenue): 11,728.39 USD revenue × 2.002% = 234.5678",
				},
				Unrounded: dec(t, "1234.5678"), Amount: dec(t, "1234.57"), Rounding: "half_up",
				CountedSales: 3, ExcludedSales: 1,
			},
		},
		Adjustments: []Adjustment{
			{Kind: "manual", ProgramID: ssID, Currency: usd, Amount: dec(t, "-250.00"), Reason: "demo unit 5YJ3E1EA7KF317001 re-registered within 30 days (dispute DSP-17 declined in part)"},
		},
		Flags:  []string{"VIN 1HGCM82633A004352 also appears in deal 1042 of D002 (possible double claim): both dealers are flagged until it is resolved."},
		Totals: []Total{{Currency: usd, Amount: dec(t, "5584.57")}},
		Claims: []Claim{
			{ClaimID: "CL-0042", ProgramID: "COOP-2024Q3", Currency: usd, InvoiceDate: day(7, 18), SubmittedDate: day(8, 2),
				Spend: dec(t, "3200.00"), Paid: dec(t, "1125.00"), Outcome: "partly paid", Reason: "fund of 1,125.00 USD used up by this claim"},
		},
		Disputes: []Dispute{
			{ID: "DSP-21", ProgramID: ssID, Opened: day(8, 20), Claim: "Two fleet units delivered to a rental company should count in full.", Currency: usd, Amount: dec(t, "400.00"), HasAmount: true, Status: "open"},
		},
	}
	st.Sales = []SaleLine{
		{Date: day(7, 3), DealID: "100231", VIN: "1HGCM82633A004352", Model: "SUV1", ModelYear: 2024, SaleType: "retail", Condition: "new", Quantity: 1, Amount: dec(t, "41250.00"),
			Outcomes: []Outcome{{ProgramID: commID, Counted: true, Credit: dec(t, "1")}, {ProgramID: ssID, Counted: true, Credit: dec(t, "1")}},
			Flag:     "VIN also in deal 1042 of D002 (possible double claim)"},
		{Date: day(7, 9), DealID: "100240", VIN: "5YJ3E1EA7KF317001", Model: "SUV3", ModelYear: 2025, SaleType: "lease", Condition: "new", Quantity: 1, Amount: dec(t, "52900.00"),
			Outcomes: []Outcome{{ProgramID: commID, Counted: true, Credit: dec(t, "1")}, {ProgramID: ssID, Reason: suvReason}}},
		{Date: day(7, 21), DealID: "100255", VIN: "2T1BURHE0JC043821", Model: "SUV2", ModelYear: 2024, SaleType: "fleet", Condition: "new", Quantity: 1,
			Outcomes: []Outcome{{ProgramID: commID, Reason: "sale type fleet not in [retail lease]"}, {ProgramID: ssID, Counted: true, Credit: dec(t, "0.5")}}},
		{Date: day(8, 2), DealID: "100262", VIN: "3VWFE21C04M000001", Model: "SUV1", ModelYear: 2023, SaleType: "retail", Condition: "used", Quantity: 1,
			Outcomes: []Outcome{{ProgramID: commID, Counted: true, Credit: dec(t, "1")}, {ProgramID: ssID, Reason: "condition used not in [new]"}}},
		{Date: day(9, 14), DealID: "100231-R", VIN: "1HGCM82633A004352", Model: "SUV1", ModelYear: 2024, SaleType: "retail", Condition: "new", Quantity: -1,
			Outcomes: []Outcome{{ProgramID: ssID, Counted: true, Credit: dec(t, "-1")}}},
	}
	return st
}

// provisionalStatement is the fixture as an --as-of run.
func provisionalStatement(t testing.TB) *Statement {
	st := fixtureStatement(t)
	st.Provisional = true
	st.AsOf = incent.DateOf(2024, 8, 15)
	st.RunID = "2024Q3-20240816-0001"
	return st
}

// bigStatement is the fixture with n sales, for page breaks and benchmarks.
func bigStatement(t testing.TB, n int) *Statement {
	st := fixtureStatement(t)
	base := st.Sales
	st.Sales = make([]SaleLine, 0, n)
	for i := range n {
		s := base[i%len(base)]
		s.DealID = fmt.Sprintf("%d", 200000+i)
		s.Date = st.Period.From + incent.Date(i%92)
		st.Sales = append(st.Sales, s)
	}
	return st
}
