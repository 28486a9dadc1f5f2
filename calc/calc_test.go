package calc

import (
	"fmt"
	"maps"
	"math/rand/v2"
	"reflect"
	"runtime"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"unsafe"

	"github.com/incent/incent"
	"github.com/incent/incent/rules"
	"github.com/shopspring/decimal"
)

var (
	q3  = mustPeriod("2024Q3")
	usd = incent.Currency{Code: "USD", Minor: 2}
	jpy = incent.Currency{Code: "JPY", Minor: 0}
)

func mustPeriod(s string) incent.Period {
	p, err := incent.ParsePeriod(s)
	if err != nil {
		panic(err)
	}
	return p
}

func dec(s string) decimal.Decimal { return decimal.RequireFromString(s) }

// amt is a filled amount cell.
func amt(s string) incent.Amount { return incent.AmountOf(dec(s)) }

func decp(s string) *decimal.Decimal { d := dec(s); return &d }

func date(s string) incent.Date {
	d, err := incent.ParseDate(s)
	if err != nil {
		panic(err)
	}
	return d
}

// sales returns n retail SUV1 sales by dealer, each with the given amount.
func sales(dealer string, n int, amount string) []incent.Sale {
	out := make([]incent.Sale, n)
	for i := range out {
		out[i] = incent.Sale{
			DealID: fmt.Sprintf("%s-%04d", dealer, i), VIN: fmt.Sprintf("VIN%s%010d", dealer, i),
			DealerCode: incent.Intern(dealer), SaleDate: date("2024-08-01") + incent.Date(i%60), SaleType: incent.Intern("retail"),
			Condition: incent.Intern("new"), ModelCode: incent.Intern("SUV1"), ModelYear: 2024, Quantity: 1,
		}
		if amount != "" {
			out[i].SaleAmount = amt(amount)
		}
	}
	return out
}

func prog(typ rules.Type, mod func(p *rules.Program)) *rules.Program {
	p := &rules.Program{
		ID: "P", Version: 1, Type: typ, Currency: usd, Payee: rules.PayeeDealer,
		From: q3.From, To: q3.To, CreditTo: "selling_dealer", Measure: "units", Basis: "retroactive",
	}
	mod(p)
	return p
}

func tiers(kind rules.TierKind, pairs ...string) []rules.Tier {
	var ts []rules.Tier
	for i := 0; i < len(pairs); i += 2 {
		ts = append(ts, rules.Tier{From: dec(pairs[i]), Kind: kind, Value: dec(pairs[i+1])})
	}
	return ts
}

var dealers = []incent.Dealer{
	{Code: "D001", Name: "Alpha Motors", Group: "G1", Region: "EAST"},
	{Code: "D002", Name: "Beta Auto", Group: "G1", Region: "WEST"},
}

// TestPayoutFormulas checks every formula against amounts worked out by hand.
func TestPayoutFormulas(t *testing.T) {
	stair := tiers(rules.TierPerUnit, "10", "100", "20", "150", "30", "200")
	tests := []struct {
		name     string
		prog     *rules.Program
		sales    []incent.Sale
		rounding incent.Rounding
		want     string // amount
		tier     string
		next     string
	}{
		{"volume beyond threshold", prog(rules.Volume, func(p *rules.Program) { p.Threshold, p.PerUnit = dec("10"), dec("100") }),
			// (13 − 10) × 100 = 300
			sales("D001", 13, ""), incent.HalfUp, "300.00", "", ""},
		{"volume at threshold pays nothing", prog(rules.Volume, func(p *rules.Program) { p.Threshold, p.PerUnit = dec("10"), dec("100") }),
			sales("D001", 10, ""), incent.HalfUp, "0.00", "", "1 more units to pass the threshold of 10, worth 100.00 USD per unit beyond it"},
		{"stair retroactive per unit", prog(rules.StairStep, func(p *rules.Program) { p.Tiers = stair }),
			// tier 2 reached at 23: 23 × 150 = 3,450; tier 3 at 30 pays 30 × 200 = 6,000, so 2,550 more
			sales("D001", 23, ""), incent.HalfUp, "3450.00", "Tier 2 (from 20 units)", "7 more units to reach Tier 3 (from 30 units), worth 2,550.00 USD more"},
		{"stair below first tier", prog(rules.StairStep, func(p *rules.Program) { p.Tiers = stair }),
			// tier 1 at 10 pays 10 × 100 = 1,000
			sales("D001", 9, ""), incent.HalfUp, "0.00", "none", "1 more unit to reach Tier 1 (from 10 units), worth 1,000.00 USD more"},
		{"stair exactly at a boundary", prog(rules.StairStep, func(p *rules.Program) { p.Tiers = stair }),
			// 20 × 150 = 3,000; at 30: 6,000
			sales("D001", 20, ""), incent.HalfUp, "3000.00", "Tier 2 (from 20 units)", "10 more units to reach Tier 3 (from 30 units), worth 3,000.00 USD more"},
		{"stair marginal per unit", prog(rules.StairStep, func(p *rules.Program) { p.Tiers, p.Basis = stair, "marginal" }),
			// [10,20): 10 × 100 = 1,000; [20,23): 3 × 150 = 450; total 1,450. At 30: 1,000 + 1,500 = 2,500, so 1,050 more
			sales("D001", 23, ""), incent.HalfUp, "1450.00", "Tier 2 (from 20 units)", "7 more units to reach Tier 3 (from 30 units), worth 1,050.00 USD more"},
		{"stair flat amount", prog(rules.StairStep, func(p *rules.Program) { p.Tiers = tiers(rules.TierAmount, "10", "500", "20", "1500") }),
			sales("D001", 20, ""), incent.HalfUp, "1500.00", "Tier 2 (from 20 units)", ""},
		{"stair retroactive rate on revenue", prog(rules.StairStep, func(p *rules.Program) {
			p.Measure, p.Tiers = "revenue", tiers(rules.TierRate, "0", "0.01", "100000", "0.0175")
		}),
			// 3 × 40,000 = 120,000 revenue, tier 2: 120,000 × 1.75% = 2,100
			sales("D001", 3, "40000"), incent.HalfUp, "2100.00", "Tier 2 (from 100,000.00 USD revenue)", ""},
		{"stair rate on units measure uses counted revenue", prog(rules.StairStep, func(p *rules.Program) {
			p.Tiers = tiers(rules.TierRate, "2", "0.01", "4", "0.02")
		}),
			// 3 units reach tier 1: 3 × 33,333.33 = 99,999.99 × 1% = 999.9999 -> 1,000.00;
			// at 4 units the average revenue 33,333.33 gives 133,333.32 × 2% = 2,666.6664, so 1,666.6665 more -> 1,666.67
			sales("D001", 3, "33333.33"), incent.HalfUp, "1000.00", "Tier 1 (from 2 units)", "1 more unit to reach Tier 2 (from 4 units), worth 1,666.67 USD more"},
		{"stair rate on units without revenue tells no worth", prog(rules.StairStep, func(p *rules.Program) {
			p.Tiers = tiers(rules.TierRate, "2", "0.01", "4", "0.02")
		}),
			// no sale_amount: 3 units reach tier 1 and pay 1% of 0; tier 2 would pay 2% of 0 as well
			sales("D001", 3, ""), incent.HalfUp, "0.00", "Tier 1 (from 2 units)", "1 more unit to reach Tier 2 (from 4 units)"},
		{"stair tier paying less than the one reached", prog(rules.StairStep, func(p *rules.Program) {
			p.Tiers = tiers(rules.TierAmount, "2", "500", "4", "300")
		}),
			// 3 units: tier 1, a flat 500; tier 2 pays a flat 300, 200 less
			sales("D001", 3, ""), incent.HalfUp, "500.00", "Tier 1 (from 2 units)", "1 more unit to reach Tier 2 (from 4 units), worth 200.00 USD less"},
		{"commission marginal SPEC example", prog(rules.Commission, func(p *rules.Program) {
			p.Measure, p.Basis, p.Tiers = "revenue", "marginal", tiers(rules.TierRate, "0", "0.02", "50000", "0.04", "75000", "0.06")
		}),
			// 50,000 × 2% + 25,000 × 4% + 25,000 × 6% = 1,000 + 1,000 + 1,500
			sales("D001", 4, "25000"), incent.HalfUp, "3500.00", "Tier 3 (from 75,000.00 USD revenue)", ""},
		{"half up", prog(rules.Volume, func(p *rules.Program) { p.PerUnit = dec("10.125") }),
			sales("D001", 1, ""), incent.HalfUp, "10.13", "", ""},
		{"half even", prog(rules.Volume, func(p *rules.Program) { p.PerUnit = dec("10.125") }),
			sales("D001", 1, ""), incent.HalfEven, "10.12", "", ""},
		{"yen has no minor unit", prog(rules.Volume, func(p *rules.Program) { p.PerUnit, p.Currency = dec("1000.5"), jpy }),
			sales("D001", 1, ""), incent.HalfUp, "1001", "", ""},
		{"amount cap", prog(rules.Volume, func(p *rules.Program) { p.PerUnit, p.Cap.Amount = dec("100"), decp("250") }),
			sales("D001", 5, ""), incent.HalfUp, "250.00", "", ""},
		{"measure cap", prog(rules.StairStep, func(p *rules.Program) { p.Tiers, p.Cap.Measure = stair, decp("25") }),
			// 40 units capped at 25: tier 2, 25 × 150 = 3,750
			sales("D001", 40, ""), incent.HalfUp, "3750.00", "Tier 2 (from 20 units)", "5 more units to reach Tier 3 (from 30 units), worth 2,250.00 USD more"},
		{"model mix", prog(rules.ModelMix, func(p *rules.Program) {
			p.Rates = []rules.ModelRate{{Model: "SUV1", Rate: dec("400")}}
		}),
			sales("D001", 3, ""), incent.HalfUp, "1200.00", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := Run(Input{Period: q3, AsOf: incent.NoDate, Programs: []*rules.Program{tt.prog}, Dealers: dealers, Sales: tt.sales, Rounding: tt.rounding})
			if len(res.Lines) != 1 {
				t.Fatalf("got %d lines, want 1", len(res.Lines))
			}
			l := res.Lines[0]
			if got := l.Amount.Decimal().StringFixed(l.Currency.Minor); got != tt.want {
				t.Errorf("amount = %s, want %s\nformula: %q", got, tt.want, l.Formula)
			}
			if l.Tier != tt.tier {
				t.Errorf("tier = %q, want %q", l.Tier, tt.tier)
			}
			if l.NextTier != tt.next {
				t.Errorf("next = %q, want %q", l.NextTier, tt.next)
			}
		})
	}
}

// TestCrediting checks splits, multipliers, group payees and reversals.
func TestCrediting(t *testing.T) {
	perUnit := func(mod func(p *rules.Program)) *rules.Program {
		return prog(rules.Volume, func(p *rules.Program) { p.PerUnit = dec("100"); mod(p) })
	}
	split := sales("D001", 2, "")
	split[0].EditExtra(func(e *incent.SaleExtra) { e.Split = "D001:60;D002:40" })
	splitNoGroup := sales("D001", 2, "")
	splitNoGroup[0].EditExtra(func(e *incent.SaleExtra) { e.Split = "D001:60;D009:40" })
	fleet := sales("D001", 2, "")
	fleet[0].SaleType = incent.Intern("fleet")
	reversal := sales("D001", 3, "")
	rev := reversal[1]
	rev.Quantity, rev.SaleDate = -1, date("2024-10-05") // unwound after the quarter: still belongs to Q3
	reversal = append(reversal, rev)
	late := sales("D001", 1, "")
	lateRev := late[0]
	lateRev.Quantity, lateRev.DealID = -1, "X"
	late[0].SaleDate = date("2024-06-28") // original in Q2: its reversal does not touch Q3
	late = append(late, lateRev)
	orphan := sales("D001", 1, "")
	orphan[0].Quantity = -1

	tests := []struct {
		name      string
		prog      *rules.Program
		sales     []incent.Sale
		want      map[string]string // payee -> amount
		unmatched int
	}{
		{"split 60/40", perUnit(func(*rules.Program) {}), split,
			// D001: 0.6 + 1 = 1.6 units × 100; D002: 0.4 × 100
			map[string]string{"D001": "160.00", "D002": "40.00"}, 0},
		{"fleet multiplier", perUnit(func(p *rules.Program) {
			p.Multipliers = []rules.Multiplier{{Factor: dec("0.5"), When: mustExpr(t, `sale.sale_type == "fleet"`)}}
		}), fleet, map[string]string{"D001": "150.00"}, 0},
		{"group payee sums its dealers", perUnit(func(p *rules.Program) { p.Payee = rules.PayeeGroup }),
			append(sales("D001", 2, ""), sales("D002", 1, "")...), map[string]string{"G1": "300.00"}, 0},
		{"group payee of a split deal", perUnit(func(p *rules.Program) { p.Payee = rules.PayeeGroup }),
			// D001 (G1) 60%, D002 (G1) 40%, and the second sale D001's
			// alone: G1 has 0.6 + 0.4 + 1 = 2 units × 100.
			split, map[string]string{"G1": "200.00"}, 0},
		{"group payee of a split with a dealer in no group", perUnit(func(p *rules.Program) { p.Payee = rules.PayeeGroup }),
			// D001 (G1) 60%, D009 (no group) 40%: G1 has its dealer's 0.6
			// of the first sale and the whole second one, 1.6 × 100; the
			// 0.4 is no group's. Before, the whole first sale was excluded.
			splitNoGroup, map[string]string{"G1": "160.00"}, 0},
		{"group rebates of a split deal within one group", prog(rules.RebatePassthrough, func(p *rules.Program) {
			p.Payee, p.ClaimWindowDays = rules.PayeeGroup, 30
			p.Rebates = []rules.Rebate{{Code: "CR-1", Amount: dec("1000")}}
		}), withRebate(split, "CR-1"),
			// G1 is credited 0.6 + 0.4 of the split sale and 1 of the
			// other: 2 units × 1,000.
			map[string]string{"G1": "2000.00"}, 0},
		{"group commission with family rates of a split deal within one group", prog(rules.Commission, func(p *rules.Program) {
			p.Payee, p.Measure, p.Basis = rules.PayeeGroup, "revenue", "retroactive"
			p.Tiers = tiers(rules.TierRate, "0", "0.01")
			p.FamilyRates = []rules.FamilyRate{{Family: "suv", Factor: dec("0.5")}}
		}), withFamily(sales("D001", 1, "10000"), "suv", "D001:60;D002:40"),
			// 10,000 of revenue credited 6,000 + 4,000 to G1, counted at
			// half for the family: 5,000 × 1% = 50.
			map[string]string{"G1": "50.00"}, 0},
		{"group payee of a sale by a dealer in no group", perUnit(func(p *rules.Program) { p.Payee = rules.PayeeGroup }),
			sales("D009", 2, ""), nil, 0},
		{"reversal cancels in the original's period", perUnit(func(*rules.Program) {}), reversal,
			map[string]string{"D001": "200.00"}, 0},
		{"reversal of an earlier period's sale", perUnit(func(*rules.Program) {}), late, nil, 0},
		{"reversal with no original", perUnit(func(*rules.Program) {}), orphan, nil, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := Run(Input{Period: q3, AsOf: incent.NoDate, Programs: []*rules.Program{tt.prog}, Dealers: creditingDealers, Sales: tt.sales})
			got := map[string]string{}
			for _, l := range res.Lines {
				got[l.Payee] = l.Amount.Decimal().StringFixed(2)
			}
			if len(got) != len(tt.want) {
				t.Fatalf("lines = %v, want %v", got, tt.want)
			}
			for k, v := range tt.want {
				if got[k] != v {
					t.Errorf("%s = %s, want %s", k, got[k], v)
				}
			}
			if len(res.Unmatched) != tt.unmatched {
				t.Errorf("unmatched = %d, want %d", len(res.Unmatched), tt.unmatched)
			}
		})
	}
}

// withRebate gives every sale the rebate code, claimed on the sale date.
func withRebate(ss []incent.Sale, code string) []incent.Sale {
	ss = slices.Clone(ss)
	for i := range ss {
		ss[i].EditExtra(func(e *incent.SaleExtra) { e.RebateCode = code })
	}
	return ss
}

// withFamily sets every sale's family and split cell.
func withFamily(ss []incent.Sale, family, split string) []incent.Sale {
	for i := range ss {
		ss[i].Family = incent.Intern(family)
		ss[i].EditExtra(func(e *incent.SaleExtra) { e.Split = split })
	}
	return ss
}

// creditingDealers are dealers, and one outside any group.
var creditingDealers = append(slices.Clone(dealers), incent.Dealer{Code: "D009", Name: "Solo Cars", Region: "EAST"})

func mustExpr(t *testing.T, text string) *rules.Expr {
	t.Helper()
	e, err := rules.Compile(text, "test.yaml", 1, 1)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// TestExclusionReasons checks that the first failing condition is recorded in words.
func TestExclusionReasons(t *testing.T) {
	p := prog(rules.Volume, func(p *rules.Program) {
		p.PerUnit = dec("1")
		p.Elig = rules.Eligibility{SaleTypes: []string{"retail", "lease"}, Models: []string{"SUV1", "SUV2", "EV*"}, ModelYears: []int{2024, 2025}}
	})
	ss := sales("D001", 5, "")
	ss[0].ModelCode = incent.Intern("SUV3")
	ss[1].SaleType = incent.Intern("fleet")
	ss[2].ModelYear = 2023
	ss[3].ModelCode = incent.Intern("EV9")
	res := Run(Input{Period: q3, AsOf: incent.NoDate, Programs: []*rules.Program{p}, Dealers: dealers, Sales: ss})
	want := map[string]string{
		ss[0].DealID: "model SUV3 not in [SUV1 SUV2 EV*]",
		ss[1].DealID: "sale type fleet not in [retail lease]",
		ss[2].DealID: "model year 2023 not in [2024 2025]",
		ss[3].DealID: "",
		ss[4].DealID: "",
	}
	for i := range res.Sales {
		sr := &res.Sales[i]
		if got := res.Reason(sr, 0, nil); got != want[sr.Sale.DealID] {
			t.Errorf("%s: reason %q, want %q", sr.Sale.DealID, got, want[sr.Sale.DealID])
		}
	}
	if got := res.Lines[0].Amount.Decimal().StringFixed(2); got != "2.00" {
		t.Errorf("amount = %s, want 2.00", got)
	}
}

// TestWindowReason checks the reason of a sale dated outside the program's
// window, formatted directly and through the memo of Reasons.
func TestWindowReason(t *testing.T) {
	p := prog(rules.Volume, func(p *rules.Program) {
		p.PerUnit = dec("1")
		p.From = date("2024-08-03")
	})
	ss := sales("D001", 4, "") // dated 2024-08-01 .. 2024-08-04
	res := Run(Input{Period: q3, AsOf: incent.NoDate, Programs: []*rules.Program{p}, Dealers: dealers, Sales: ss})
	reasons := res.Reasons(nil)
	want := []string{"sale date outside program window 2024-08-03 to 2024-09-30", "sale date outside program window 2024-08-03 to 2024-09-30", "", ""}
	for i := range res.Sales {
		sr := &res.Sales[i]
		if got := res.Reason(sr, 0, nil); got != want[i] {
			t.Errorf("%s: reason %q, want %q", sr.Sale.DealID, got, want[i])
		}
		if got := reasons.Text(sr, 0); got != want[i] {
			t.Errorf("%s: memoised reason %q, want %q", sr.Sale.DealID, got, want[i])
		}
	}
}

// TestOrderIndependence checks that shuffled input gives the same lines.
func TestOrderIndependence(t *testing.T) {
	p := prog(rules.StairStep, func(p *rules.Program) { p.Tiers = tiers(rules.TierPerUnit, "0", "10", "5", "20") })
	ss := append(sales("D001", 7, ""), sales("D002", 3, "")...)
	a := Run(Input{Period: q3, AsOf: incent.NoDate, Programs: []*rules.Program{p}, Dealers: dealers, Sales: ss})
	rev := make([]incent.Sale, len(ss))
	for i := range ss {
		rev[len(ss)-1-i] = ss[i]
	}
	b := Run(Input{Period: q3, AsOf: incent.NoDate, Programs: []*rules.Program{p}, Dealers: dealers, Sales: rev})
	if fmt.Sprint(a.Lines) != fmt.Sprint(b.Lines) {
		t.Errorf("lines differ with input order:\n%v\n%v", a.Lines, b.Lines)
	}
	for i := range a.Sales {
		if a.Sales[i].Sale.DealID != b.Sales[i].Sale.DealID {
			t.Fatalf("sale order differs at %d", i)
		}
	}
}

// TestAsOf checks that a provisional run counts only sales up to the date.
func TestAsOf(t *testing.T) {
	p := prog(rules.Volume, func(p *rules.Program) { p.PerUnit = dec("1") })
	ss := sales("D001", 10, "") // dated 2024-08-01 .. 2024-08-10
	res := Run(Input{Period: q3, AsOf: date("2024-08-04"), Programs: []*rules.Program{p}, Dealers: dealers, Sales: ss})
	if got := res.Lines[0].Amount.Decimal().StringFixed(2); got != "4.00" {
		t.Errorf("as-of amount = %s, want 4.00", got)
	}
}

// TestDoubleClaimFlagHashes finds the same flags whatever the VINs' hashes:
// with every VIN sharing one hash, sales of different VINs meet in one run
// of equal hashes and must still be told apart by their VINs.
func TestDoubleClaimFlagHashes(t *testing.T) {
	p := prog(rules.Volume, func(p *rules.Program) { p.PerUnit = dec("1") })
	a := sales("D001", 5, "")
	b := sales("D002", 3, "")
	b[1].VIN = a[3].VIN                        // sold by both dealers
	a[4].VIN, a[4].DealID = a[0].VIN, "D001-X" // two deals of one dealer
	all := append(a, b...)
	want := []string{
		"D001 " + a[0].VIN + ": VIN " + a[0].VIN + " (deal D001-0000) also appears in deal D001-X of D001: possible double claim",
		"D001 " + a[0].VIN + ": VIN " + a[0].VIN + " (deal D001-X) also appears in deal D001-0000 of D001: possible double claim",
		"D001 " + a[3].VIN + ": VIN " + a[3].VIN + " (deal D001-0003) also appears in deal D002-0001 of D002: possible double claim",
		"D002 " + a[3].VIN + ": VIN " + a[3].VIN + " (deal D002-0001) also appears in deal D001-0003 of D001: possible double claim",
	}
	slices.Sort(want)
	real := vinHash
	defer func() { vinHash = real }()
	for _, tt := range []struct {
		name string
		hash func(string) uint64
	}{
		{"FNV-1a", real},
		{"one hash for every VIN", func(string) uint64 { return 42 }},
		{"two hashes", func(vin string) uint64 { return uint64(vin[len(vin)-1] % 2) }},
	} {
		vinHash = tt.hash
		res := Run(Input{Period: q3, AsOf: incent.NoDate, Programs: []*rules.Program{p}, Dealers: dealers, Sales: slices.Clone(all)})
		var got []string
		for _, f := range res.Flags {
			got = append(got, f.Dealer+" "+f.VIN+": "+f.Text)
		}
		slices.Sort(got)
		if !slices.Equal(got, want) {
			t.Errorf("%s: flags\n%s\nwant\n%s", tt.name, strings.Join(got, "\n"), strings.Join(want, "\n"))
		}
	}
}

// TestDoubleClaimFlag checks that one VIN in two deals is flagged for both dealers.
func TestDoubleClaimFlag(t *testing.T) {
	p := prog(rules.Volume, func(p *rules.Program) { p.PerUnit = dec("1") })
	a := sales("D001", 1, "")
	b := sales("D002", 1, "")
	b[0].VIN = a[0].VIN
	res := Run(Input{Period: q3, AsOf: incent.NoDate, Programs: []*rules.Program{p}, Dealers: dealers, Sales: append(a, b...)})
	want := []Flag{
		{Dealer: "D001", VIN: a[0].VIN, Text: "VIN " + a[0].VIN + " (deal D001-0000) also appears in deal D002-0000 of D002: possible double claim"},
		{Dealer: "D002", VIN: a[0].VIN, Text: "VIN " + a[0].VIN + " (deal D002-0000) also appears in deal D001-0000 of D001: possible double claim"},
	}
	if fmt.Sprint(res.Flags) != fmt.Sprint(want) {
		t.Errorf("flags = %v\nwant %v", res.Flags, want)
	}
	if len(res.Lines) != 2 {
		t.Errorf("flagged sales must still be calculated, not merged: %d lines", len(res.Lines))
	}
}

// TestCoresDoNotChangeResults decides the same 30,000 sales on one core and
// on several: every outcome, credit and line is the same.
func TestCoresDoNotChangeResults(t *testing.T) {
	p := prog(rules.StairStep, func(p *rules.Program) {
		p.Tiers = tiers(rules.TierPerUnit, "0", "10", "5000", "20")
		p.Multipliers = []rules.Multiplier{{Factor: dec("0.5"), When: mustExpr(t, `sale.sale_type == "fleet"`)}}
	})
	ss := append(sales("D001", 15000, "100"), sales("D002", 15000, "100")...)
	for i := range ss {
		if i%7 == 0 {
			ss[i].SaleType = incent.Intern("fleet")
		}
		if i%11 == 0 {
			ss[i].EditExtra(func(e *incent.SaleExtra) { e.Split = "D001:50;D002:50" })
		}
	}
	run := func(procs int) *Result {
		defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(procs))
		return Run(Input{Period: q3, AsOf: incent.NoDate, Programs: []*rules.Program{p}, Dealers: dealers, Sales: ss})
	}
	one, many := run(1), run(4)
	if fmt.Sprint(one.Lines) != fmt.Sprint(many.Lines) {
		t.Fatalf("lines differ:\n%v\n%v", one.Lines, many.Lines)
	}
	for i := range one.Sales {
		a, b := &one.Sales[i], &many.Sales[i]
		if fmt.Sprint(a.Fails(), creditText(one, a.Credits())) != fmt.Sprint(b.Fails(), creditText(many, b.Credits())) {
			t.Fatalf("sale %d differs: %v %v / %v %v", i, a.Fails(), creditText(one, a.Credits()), b.Fails(), creditText(many, b.Credits()))
		}
	}
}

func creditText(r *Result, cs []Credit) []string {
	var out []string
	for _, c := range cs {
		out = append(out, fmt.Sprintf("%d %s %s %s %d", c.Program, r.Payee(c), r.Units(c), r.Revenue(c), c.Whole))
	}
	return out
}

// TestCanonicalOrderMatchesSaleLess checks the bucketed, parallel sort
// against sorting the sales with saleLess itself, over shuffled sales with
// many ties on dealer and date.
func TestCanonicalOrderMatchesSaleLess(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 11))
	// Deals of many shapes: short numbers, the dealer's code before a
	// number, long ones that differ only past their first 8 bytes after
	// what they share, and ones that begin others (a zero byte too).
	deal := func(dealer string) string {
		n := rng.IntN(40)
		switch rng.IntN(4) {
		case 0:
			return fmt.Sprintf("%d", n)
		case 1:
			return fmt.Sprintf("%s-%d", dealer, n)
		case 2:
			return fmt.Sprintf("%s-00000000000%d", dealer, n)
		}
		return []string{"ab", "ab\x00", "ab\x00\x00", "abc", "a", ""}[n%6]
	}
	var ss []incent.Sale
	for i := range 3000 {
		dealer := fmt.Sprintf("D%03d", rng.IntN(150))
		s := incent.Sale{
			DealerCode: incent.Intern(dealer),
			SaleDate:   date("2024-07-01") + incent.Date(rng.IntN(4)),
			DealID:     deal(dealer),
			VIN:        fmt.Sprintf("VIN%05d", i),
			Quantity:   1,
		}
		ss = append(ss, s)
		if rng.IntN(10) == 0 { // a reversal: same dealer, deal and VIN
			r := s
			r.Quantity = -1
			ss = append(ss, r)
		}
	}
	rng.Shuffle(len(ss), func(i, j int) { ss[i], ss[j] = ss[j], ss[i] })
	want := make([]int, len(ss))
	for i := range want {
		want[i] = i
	}
	sort.SliceStable(want, func(a, b int) bool { return saleLess(&ss[want[a]], &ss[want[b]]) })
	if got := canonicalOrder(ss); !slices.Equal(got, want) {
		t.Error("canonicalOrder differs from sorting by saleLess")
	}

	// SortSales moves the sales themselves into that order and says where
	// each came from.
	orig := slices.Clone(ss)
	from := SortSales(ss)
	if !slices.Equal(from, want) {
		t.Error("SortSales reports another order than canonicalOrder")
	}
	for k := range ss {
		if ss[k] != orig[want[k]] {
			t.Fatalf("place %d holds %+v, want %+v", k, ss[k], orig[want[k]])
		}
	}

	// Sales already in order keep it; two of them swapped are put back.
	for i, k := range canonicalOrder(ss) {
		if k != i {
			t.Fatalf("sales in order: place %d given sale %d", i, k)
		}
	}
	mid := len(ss) / 2
	ss[mid], ss[mid+1] = ss[mid+1], ss[mid]
	for i, k := range canonicalOrder(ss) {
		w := i
		switch i {
		case mid:
			w = mid + 1
		case mid + 1:
			w = mid
		}
		if k != w {
			t.Fatalf("two sales swapped: place %d given sale %d, want %d", i, k, w)
		}
	}
}

// TestReasonsTextAlternating formats the reasons of sales whose models
// alternate, so the last-given text is now reused and now not: each is the
// text Result.Reason gives.
func TestReasonsTextAlternating(t *testing.T) {
	p := prog(rules.Volume, func(p *rules.Program) {
		p.PerUnit = dec("1")
		p.Elig.Models = []string{"TRK1"}
	})
	ss := sales("D001", 6, "")
	for i, m := range []string{"SUV1", "SED1", "SED1", "SUV1", "TRK1", "SUV1"} {
		ss[i].ModelCode = incent.Intern(m)
	}
	res := Run(Input{Period: q3, AsOf: incent.NoDate, Programs: []*rules.Program{p}, Dealers: dealers, Sales: ss})
	reasons := res.Reasons(nil)
	for i := range res.Sales {
		sr := &res.Sales[i]
		want := ""
		if m := sr.Sale.ModelCode.String(); m != "TRK1" {
			want = "model " + m + " not in [TRK1]"
		}
		if got := res.Reason(sr, 0, nil); got != want {
			t.Errorf("%s: reason %q, want %q", sr.Sale.ModelCode, got, want)
		}
		if got := reasons.Text(sr, 0); got != want {
			t.Errorf("%s: reason through Reasons %q, want %q", sr.Sale.ModelCode, got, want)
		}
	}
}

// TestFirstFailedCondition checks that each sale gets the first condition it
// fails in check's order, whether or not an earlier sale had the same
// vehicle: the outcome on the vehicle and the dealer's region and segment is
// worked out once per combination and must still follow the dealer.
func TestFirstFailedCondition(t *testing.T) {
	ds := []incent.Dealer{
		{Code: "D001", Region: "EAST", Segment: "metro"},
		{Code: "D002", Region: "WEST", Segment: "metro"},
		{Code: "D003", Region: "EAST", Segment: "rural"},
	}
	certs := []incent.Certification{{DealerCode: "D001", Certification: "EV", ValidFrom: date("2024-08-15"), ValidTo: incent.NoDate}}
	p := prog(rules.Volume, func(p *rules.Program) {
		p.From = date("2024-08-01")
		p.Elig = rules.Eligibility{SaleTypes: []string{"retail"}, Conditions: []string{"new"}, Models: []string{"SUV*"},
			ModelYears: []int{2024}, Regions: []string{"EAST"}, Segments: []string{"metro"}, Certifications: []string{"EV"}}
		p.Tiers = tiers(rules.TierPerUnit, "1", "10")
	})
	sale := func(dealer, day, typ, model string, year int) incent.Sale {
		return incent.Sale{DealID: dealer + day + typ + model, VIN: "VIN" + dealer + day + typ + model, DealerCode: incent.Intern(dealer),
			SaleDate: date(day), SaleType: incent.Intern(typ), Condition: incent.Intern("new"), ModelCode: incent.Intern(model), ModelYear: int32(year), Quantity: 1}
	}
	tests := []struct {
		name string
		sale incent.Sale
		want Fail
	}{
		{"counts", sale("D001", "2024-08-20", "retail", "SUV1", 2024), FailNone},
		{"before the window, wrong type too", sale("D001", "2024-07-20", "fleet", "SUV1", 2024), FailWindow},
		{"wrong type", sale("D001", "2024-08-20", "fleet", "SUV1", 2024), FailSaleType},
		{"model outside the prefix", sale("D001", "2024-08-21", "retail", "TRK1", 2024), FailModel},
		{"model year", sale("D001", "2024-08-22", "retail", "SUV1", 2023), FailModelYear},
		{"same vehicle, dealer in another region", sale("D002", "2024-08-20", "retail", "SUV1", 2024), FailRegion},
		{"same vehicle, dealer in another segment", sale("D003", "2024-08-20", "retail", "SUV1", 2024), FailSegment},
		{"same vehicle, dealer not in the dealers input", sale("D999", "2024-08-20", "retail", "SUV1", 2024), FailRegion},
		{"same vehicle, before the certification", sale("D001", "2024-08-10", "retail", "SUV1", 2024), FailCertification},
		{"same vehicle again, certified", sale("D001", "2024-08-25", "retail", "SUV1", 2024), FailNone},
	}
	var in []incent.Sale
	for _, tt := range tests {
		in = append(in, tt.sale)
	}
	res := Run(Input{Period: q3, AsOf: incent.NoDate, Programs: []*rules.Program{p}, Dealers: ds, Certifications: certs, Sales: in})
	got := map[string]Fail{}
	for _, sr := range res.Sales {
		got[sr.Sale.DealID] = sr.Fails()[0]
	}
	for _, tt := range tests {
		if g := got[tt.sale.DealID]; g != tt.want {
			t.Errorf("%s: first failed condition %d, want %d", tt.name, g, tt.want)
		}
	}
}

// TestPayOnlySome computes the lines of one payee: they are that payee's
// lines of the whole calculation, and every payee is still listed.
func TestPayOnlySome(t *testing.T) {
	vol := prog(rules.StairStep, func(p *rules.Program) { p.Tiers = tiers(rules.TierPerUnit, "1", "100", "3", "150") })
	grp := prog(rules.Volume, func(p *rules.Program) { p.ID, p.Payee, p.PerUnit = "G", rules.PayeeGroup, dec("10") })
	ss := append(sales("D001", 3, ""), sales("D002", 2, "")...)
	in := Input{Period: q3, AsOf: incent.NoDate, Programs: []*rules.Program{vol, grp}, Dealers: dealers, Sales: ss}
	all := Run(in)
	in.Pay = func(pe Payee) bool { return pe.Type == rules.PayeeDealer && pe.Code == "D001" }
	some := Run(in)
	// D001: 3 units reach the second tier, 3 × 150 = 450.00.
	if len(some.Lines) != 1 || some.Lines[0].Payee != "D001" || some.Lines[0].Amount.Decimal().StringFixed(2) != "450.00" {
		t.Fatalf("lines of D001 alone: %+v, want one line of 450.00", some.Lines)
	}
	if !reflect.DeepEqual(some.Lines[0], all.Lines[0]) {
		t.Errorf("D001's line alone differs from its line among all:\n%+v\n%+v", some.Lines[0], all.Lines[0])
	}
	if len(all.Lines) != 3 {
		t.Errorf("%d lines of everyone, want D001, D002 and G1", len(all.Lines))
	}
	if !reflect.DeepEqual(some.Payees, all.Payees) {
		t.Errorf("payees %v, want every payee %v", some.Payees, all.Payees)
	}
}

// TestManyPrograms credits each of a few hundred programs, more than a
// byte numbers, to its own line: program i pays i+1 a unit, and the two
// sales of D001 make every line 2 × (i+1). More than MaxPrograms in effect
// is refused.
func TestManyPrograms(t *testing.T) {
	const n = 300
	var progs []*rules.Program
	for i := range n {
		progs = append(progs, prog(rules.Volume, func(p *rules.Program) {
			p.ID = fmt.Sprintf("P%03d", i)
			p.PerUnit = decimal.NewFromInt(int64(i + 1))
		}))
	}
	res := Run(Input{Period: q3, AsOf: incent.NoDate, Programs: progs, Dealers: dealers, Sales: sales("D001", 2, "")})
	if len(res.Lines) != n {
		t.Fatalf("%d lines, want %d", len(res.Lines), n)
	}
	for _, l := range res.Lines {
		var i int
		fmt.Sscanf(l.ProgramID, "P%03d", &i)
		if want := decimal.NewFromInt(int64(2 * (i + 1))); !l.Amount.Decimal().Equal(want) {
			t.Errorf("%s pays %s, want %s", l.ProgramID, l.Amount.Decimal(), want)
		}
	}

	defer func() {
		if recover() == nil {
			t.Error("more than MaxPrograms programs in effect were taken")
		}
	}()
	many := make([]*rules.Program, MaxPrograms+1)
	for i := range many {
		many[i] = progs[0]
	}
	newCalculator(Input{Period: q3, Programs: many})
}

// TestValueTable numbers values across chunk boundaries.
func TestValueTable(t *testing.T) {
	var vt valueTable
	n := 2*valueChunk + 3
	for i := range n {
		if id := vt.add(creditValue{units: fixed{n: int64(i)}}); id != int32(i+1) {
			t.Fatalf("value %d numbered %d, want %d", i, id, i+1)
		}
	}
	for _, i := range []int{0, 1, valueChunk - 1, valueChunk, valueChunk + 1, 2 * valueChunk, n - 1} {
		if got := vt.at(int32(i + 1)).units; got != (fixed{n: int64(i)}) {
			t.Errorf("value %d holds %+v", i+1, got)
		}
	}
}

// TestSalespersonCredits credits salespeople by the salesperson cell: one
// code takes the whole sale, shares divide it, codes without shares split
// it equally, and a cell that names nobody validly credits no one.
func TestSalespersonCredits(t *testing.T) {
	p := prog(rules.Volume, func(p *rules.Program) { p.Payee, p.PerUnit = rules.PayeeSalesperson, dec("100") })
	ss := sales("D001", 6, "")
	cells := []string{"S1", "S1:60;S2:40", "S1;S2", " S3 ", "", "S4:50"}
	for i, c := range cells {
		ss[i].Salesperson = c
	}
	res := Run(Input{Period: q3, AsOf: incent.NoDate, Programs: []*rules.Program{p}, Dealers: dealers, Sales: ss})
	// S1: 1 + 0.6 + 0.5 = 2.1 units × 100 = 210.00; S2: 0.4 + 0.5 = 0.9 → 90.00; S3: 1 → 100.00.
	want := map[string]string{"S1": "210.00", "S2": "90.00", "S3": "100.00"}
	got := map[string]string{}
	for _, l := range res.Lines {
		got[l.Payee] = l.Amount.Decimal().StringFixed(2)
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("salesperson payouts %v, want %v", got, want)
	}
	for _, sr := range res.Sales {
		i := slices.Index(cells, sr.Sale.Salesperson)
		if wantFail := i >= 4; (sr.Fails()[0] == FailNoPayee) != wantFail {
			t.Errorf("cell %q: fail %d", sr.Sale.Salesperson, sr.Fails()[0])
		}
	}
}

// TestEqualThirdsReachATier checks that three sales each shared equally by
// three salespeople give each of them a whole unit: a stair step from 1
// unit paying 300 a unit pays each 300.00, with measure 1.
func TestEqualThirdsReachATier(t *testing.T) {
	p := prog(rules.StairStep, func(p *rules.Program) {
		p.Payee, p.Tiers = rules.PayeeSalesperson, tiers(rules.TierPerUnit, "1", "300")
	})
	ss := sales("D001", 3, "")
	for i := range ss {
		ss[i].Salesperson = "A;B;C"
	}
	res := Run(Input{Period: q3, AsOf: incent.NoDate, Programs: []*rules.Program{p}, Dealers: dealers, Sales: ss})
	if len(res.Lines) != 3 {
		t.Fatalf("%d lines, want 3", len(res.Lines))
	}
	for _, l := range res.Lines {
		if l.Measure.Decimal().String() != "1" || l.Amount.Decimal().StringFixed(2) != "300.00" {
			t.Errorf("%s: measure %s, amount %s; want 1 and 300.00", l.Payee, l.Measure.Decimal(), l.Amount.Decimal().StringFixed(2))
		}
	}
}

// TestEqualThirdsOfRevenue is the same with revenue: three 50,000.00 sales
// shared by three salespeople give each 50,000.00 of revenue, the start of
// the 2% tier, also when family factors are summed apart (none of these
// sales is of the service family): 50,000 × 2% = 1,000.00 each.
func TestEqualThirdsOfRevenue(t *testing.T) {
	for _, families := range []bool{false, true} {
		p := prog(rules.Commission, func(p *rules.Program) {
			p.Payee, p.Measure = rules.PayeeSalesperson, "revenue"
			p.Tiers = tiers(rules.TierRate, "0", "0.01", "50000", "0.02")
			if families {
				p.FamilyRates = []rules.FamilyRate{{Family: "service", Factor: dec("0.5")}}
			}
		})
		ss := sales("D001", 3, "50000")
		for i := range ss {
			ss[i].Salesperson = "A;B;C"
		}
		res := Run(Input{Period: q3, AsOf: incent.NoDate, Programs: []*rules.Program{p}, Dealers: dealers, Sales: ss})
		if len(res.Lines) != 3 {
			t.Fatalf("family rates %v: %d lines, want 3", families, len(res.Lines))
		}
		for _, l := range res.Lines {
			if l.Measure.Decimal().String() != "50000" || l.Amount.Decimal().StringFixed(2) != "1000.00" {
				t.Errorf("family rates %v, %s: measure %s, amount %s; want 50000 and 1000.00", families, l.Payee, l.Measure.Decimal(), l.Amount.Decimal().StringFixed(2))
			}
		}
	}
}

func TestSettle(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"0.9999999999999999", "1"},
		{"0.3333333333333333", "0.3333333333"},
		{"2.1", "2.1"},                             // fewer places: as it is
		{"12433.666666666665", "12433.6666666667"}, // revenue of a third
		{"0.00000000005", "0.0000000001"},          // half up
		{"-0.6666666666666667", "-0.6666666667"},   // a reversal's share
	} {
		if got := settle(dec(tc.in)); !got.Equal(dec(tc.want)) {
			t.Errorf("settle(%s) = %s, want %s", tc.in, got, tc.want)
		}
	}
}

// TestPaySomeOfTwoKinds calculates for a dealer and a salesperson only,
// whose credits alone are summed: their lines are the ones a full
// calculation gives, no other line is made, and every payee is still
// listed.
func TestPaySomeOfTwoKinds(t *testing.T) {
	vol := prog(rules.Volume, func(p *rules.Program) { p.ID, p.PerUnit = "VOL", dec("100") })
	sp := prog(rules.Volume, func(p *rules.Program) { p.ID, p.Payee, p.PerUnit = "SP", rules.PayeeSalesperson, dec("10") })
	ss := append(sales("D001", 3, ""), sales("D002", 2, "")...)
	for i := range ss {
		ss[i].Salesperson = "S1;S2"
	}
	in := Input{Period: q3, AsOf: incent.NoDate, Programs: []*rules.Program{vol, sp}, Dealers: dealers, Sales: ss}
	all := Run(in)
	in.Pay = func(pe Payee) bool { return pe.Type == rules.PayeeDealer && pe.Code == "D002" || pe.Code == "S2" }
	some := Run(in)
	// D002: 2 units × 100 = 200.00; S2: half of 5 sales = 2.5 units × 10 = 25.00.
	want := map[string]string{"D002/VOL": "200.00", "S2/SP": "25.00"}
	got := map[string]string{}
	for _, l := range some.Lines {
		got[l.Payee+"/"+l.ProgramID] = l.Amount.Decimal().StringFixed(2)
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("lines %v, want %v", got, want)
	}
	for _, l := range all.Lines {
		if w, ok := want[l.Payee+"/"+l.ProgramID]; ok && l.Amount.Decimal().StringFixed(2) != w {
			t.Errorf("%s/%s: %s in a full calculation, %s for the payee alone", l.Payee, l.ProgramID, l.Amount.Decimal().StringFixed(2), w)
		}
	}
	if len(some.Payees) != len(all.Payees) || len(all.Payees) != 4 {
		t.Errorf("payees listed: %d for some, %d for all; want 4 both (D001, D002, S1, S2)", len(some.Payees), len(all.Payees))
	}
}

// TestReasonKeys checks that sales with equal reason keys get the same
// reason texts, and that the key follows what the texts name (a dealer's
// region, not the dealer).
func TestReasonKeys(t *testing.T) {
	ds := []incent.Dealer{
		{Code: "D001", Region: "EAST"}, {Code: "D002", Region: "EAST"}, {Code: "D003", Region: "WEST"},
	}
	dealerMap := map[string]*incent.Dealer{}
	for i := range ds {
		dealerMap[ds[i].Code] = &ds[i]
	}
	west := prog(rules.Volume, func(p *rules.Program) { p.ID, p.PerUnit = "A-WEST", dec("10"); p.Elig.Regions = []string{"WEST"} })
	retail := prog(rules.Volume, func(p *rules.Program) { p.ID, p.PerUnit = "B-FLEET", dec("10"); p.Elig.SaleTypes = []string{"fleet"} })
	cert := prog(rules.Volume, func(p *rules.Program) {
		p.ID, p.PerUnit = "C-CERT", dec("10")
		p.Elig.Certifications = []string{"EV"}
	})
	ss := append(append(sales("D001", 2, ""), sales("D002", 1, "")...), sales("D003", 1, "")...)
	ss[1].SaleType = incent.Intern("lease")
	res := Run(Input{Period: q3, AsOf: incent.NoDate, Programs: []*rules.Program{west, retail, cert}, Dealers: ds, Sales: ss})
	x := res.Reasons(dealerMap)
	byDeal := map[string]*SaleResult{}
	for i := range res.Sales {
		byDeal[res.Sales[i].Sale.DealID] = &res.Sales[i]
	}
	key := func(deal string, skipCert bool) (string, bool) {
		sr := byDeal[deal]
		if skipCert {
			// the same sale as if the certification program had let it count
			c := *sr
			fs := slices.Clone(sr.Fails())
			fs[2] = FailNone
			c.setFails(fs)
			sr = &c
		}
		k, local, ok := x.AppendKey([]byte("prefix"), sr)
		if !strings.HasPrefix(string(k), "prefix") {
			t.Fatalf("%s: key %q lost what it was appended to", deal, k)
		}
		if local != !skipCert {
			t.Errorf("%s: key local %v, want %v: only the certification reason names the dealer", deal, local, !skipCert)
		}
		return string(k), ok
	}
	kc1, ok := key("D001-0000", false)
	if !ok {
		t.Errorf("D001-0000: no key with the certification reason")
	}
	// The certification reason names the dealer: D002's sale of the same
	// kind has another key with it, the same without it (below).
	if kc2, _ := key("D002-0000", false); kc2 == kc1 {
		t.Errorf("another dealer's certification reason: key %q shared", kc1)
	}
	k1, _ := key("D001-0000", true) // EAST, retail
	k2, _ := key("D002-0000", true) // EAST, retail: another dealer, same region
	k3, _ := key("D001-0001", true) // EAST, lease
	k4, _ := key("D003-0000", true) // WEST, retail
	if k1 != k2 {
		t.Errorf("same region and sale type, other dealer: keys %q and %q differ", k1, k2)
	}
	if k1 == k3 || k1 == k4 {
		t.Errorf("another sale type or region shares key %q", k1)
	}
	// The region reason names the region, whichever dealer comes first.
	for deal, want := range map[string]string{"D001-0000": "dealer region EAST not in [WEST]",
		"D002-0000": "dealer region EAST not in [WEST]", "D003-0000": ""} {
		if got := x.Text(byDeal[deal], 0); got != want {
			t.Errorf("%s: region reason %q, want %q", deal, got, want)
		}
	}
	if got, want := x.Text(byDeal["D001-0001"], 1), "sale type lease not in [fleet]"; got != want {
		t.Errorf("sale type reason %q, want %q", got, want)
	}
}

// TestReasonKeysOwnDates checks the keys of reasons that name a sale's
// own dates (a rebate claimed after its window), alongside one that names
// its dealer (a certification it does not hold). Sales whose texts are the
// same share a key, and a sale whose text differs in a date, a day count
// or the dealer does not.
func TestReasonKeysOwnDates(t *testing.T) {
	cert := prog(rules.Volume, func(p *rules.Program) {
		p.ID, p.PerUnit = "A-CERT", dec("10")
		p.Elig.Certifications = []string{"EV"}
	})
	rebate := prog(rules.RebatePassthrough, func(p *rules.Program) {
		p.ID = "B-REB"
		p.Rebates = []rules.Rebate{{Code: "CR-1"}}
		p.ClaimWindowDays = 30
		p.Rebates[0].Amount = dec("500")
	})
	aug1 := date("2024-08-01")
	sale := func(dealer, deal string, day incent.Date, claimed incent.Date) incent.Sale {
		s := incent.Sale{DealID: deal, VIN: "VIN" + deal, DealerCode: incent.Intern(dealer), SaleDate: day,
			SaleType: incent.Intern("retail"), Condition: incent.Intern("new"), ModelCode: incent.Intern("SUV1"), ModelYear: 2024, Quantity: 1}
		s.EditExtra(func(e *incent.SaleExtra) { e.RebateCode, e.ClaimDate = "CR-1", claimed })
		return s
	}
	ss := []incent.Sale{
		sale("D001", "a", aug1, aug1+40),   // 40 days late, on 09-10
		sale("D001", "b", aug1, aug1+40),   // the same day and claim: the same texts
		sale("D001", "c", aug1+1, aug1+41), // a day later, 40 days late too: another date in both texts
		sale("D002", "d", aug1, aug1+40),   // another dealer, the same dates
		sale("D001", "e", aug1, aug1+41),   // the same day, claimed a day later: 41 days
		// D002 holds the certification: only the claim reason is left.
		sale("D002", "f", aug1, aug1+40),   // 40 days late, on 09-10
		sale("D002", "g", aug1+1, aug1+40), // the same claim date, a day fewer: 39 days
	}
	certs := []incent.Certification{{DealerCode: "D002", Certification: "EV", ValidFrom: aug1 + 1, ValidTo: aug1 + 60}}
	res := Run(Input{Period: q3, AsOf: incent.NoDate, Programs: []*rules.Program{cert, rebate}, Dealers: dealers, Sales: ss, Certifications: certs})
	x := res.Reasons(nil)
	byDeal := map[string]*SaleResult{}
	for i := range res.Sales {
		byDeal[res.Sales[i].Sale.DealID] = &res.Sales[i]
	}
	want := map[string][2]string{
		"a": {"dealer D001 does not hold a required certification (EV) on the sale date", "rebate claimed 40 days after the sale (on 2024-09-10), after the 30-day claim window"},
		"c": {"dealer D001 does not hold a required certification (EV) on the sale date", "rebate claimed 40 days after the sale (on 2024-09-11), after the 30-day claim window"},
		"d": {"dealer D002 does not hold a required certification (EV) on the sale date", "rebate claimed 40 days after the sale (on 2024-09-10), after the 30-day claim window"},
		"e": {"dealer D001 does not hold a required certification (EV) on the sale date", "rebate claimed 41 days after the sale (on 2024-09-11), after the 30-day claim window"},
	}
	want["b"] = want["a"]
	want["f"] = [2]string{"dealer D002 does not hold a required certification (EV) on the sale date", want["a"][1]}
	want["g"] = [2]string{"", "rebate claimed 39 days after the sale (on 2024-09-10), after the 30-day claim window"}
	keys := map[string]string{}
	// In an order where each sale differs from the one before in one of
	// the values a text names, as Text remembers the last text given.
	for _, deal := range []string{"a", "b", "d", "a", "e", "a", "c", "f", "g", "f"} {
		w := want[deal]
		sr := byDeal[deal]
		for pi := range 2 {
			if got := x.Text(sr, pi); got != w[pi] {
				t.Errorf("sale %s, program %d: reason %q, want %q", deal, pi, got, w[pi])
			}
		}
		k, local, ok := x.AppendKey(nil, sr)
		if !ok || !local {
			t.Fatalf("sale %s: key %q, local %v, ok %v; want a local key", deal, k, local, ok)
		}
		keys[deal] = string(k)
	}
	if keys["a"] != keys["b"] {
		t.Errorf("sales a and b have the same texts but keys %q and %q", keys["a"], keys["b"])
	}
	for _, deal := range []string{"c", "d", "e"} {
		if keys[deal] == keys["a"] {
			t.Errorf("sale %s has texts other than sale a's but the same key %q", deal, keys[deal])
		}
	}
	// Certified from 08-02: sale g's certification passed, so its claim
	// reason alone tells it from another sale claimed on the same day.
	h := *byDeal["g"]
	fs := slices.Clone(h.Fails())
	fs[0] = FailNone
	h.setFails(fs)
	hf := *byDeal["f"]
	fs = slices.Clone(hf.Fails())
	fs[0] = FailNone
	hf.setFails(fs)
	kg, _, _ := x.AppendKey(nil, &h)
	kf, _, _ := x.AppendKey(nil, &hf)
	if string(kg) == string(kf) {
		t.Errorf("claims of the same date 39 and 40 days after their sales share the key %q", kg)
	}
}

// TestPermute checks the in-place reordering of payout lines against
// orders written out by hand: the identity, one swap, one long cycle, and
// two cycles with a fixed point between them.
func TestPermute(t *testing.T) {
	for _, tc := range []struct {
		in   []string
		idx  []int
		want []string
	}{
		{nil, nil, nil},
		{[]string{"a"}, []int{0}, []string{"a"}},
		{[]string{"a", "b", "c"}, []int{0, 1, 2}, []string{"a", "b", "c"}},
		{[]string{"a", "b", "c"}, []int{1, 0, 2}, []string{"b", "a", "c"}},
		{[]string{"a", "b", "c", "d"}, []int{1, 2, 3, 0}, []string{"b", "c", "d", "a"}},
		{[]string{"a", "b", "c", "d"}, []int{3, 0, 1, 2}, []string{"d", "a", "b", "c"}},
		{[]string{"a", "b", "c", "d", "e"}, []int{4, 3, 2, 1, 0}, []string{"e", "d", "c", "b", "a"}},
		{[]string{"a", "b", "c", "d", "e", "f"}, []int{2, 0, 1, 3, 5, 4}, []string{"c", "a", "b", "d", "f", "e"}},
	} {
		got := slices.Clone(tc.in)
		permute(got, slices.Clone(tc.idx))
		if !slices.Equal(got, tc.want) {
			t.Errorf("permute(%v, %v) = %v, want %v", tc.in, tc.idx, got, tc.want)
		}
		// Cut into any number of ranges, up to more than there are moves.
		for ranges := 1; ranges <= len(tc.in)+1; ranges++ {
			got := slices.Clone(tc.in)
			permuteParallel(got, slices.Clone(tc.idx), ranges)
			if !slices.Equal(got, tc.want) {
				t.Errorf("permuteParallel(%v, %v, %d) = %v, want %v", tc.in, tc.idx, ranges, got, tc.want)
			}
		}
	}
}

// TestPermuteParallelAgainstGather checks permuteParallel against a plain
// gather into a new slice, for permutations whose cycles are cut by the
// ranges in every way: one cycle through everything, many two-cycles,
// few moves among fixed points, and random ones.
func TestPermuteParallelAgainstGather(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 11))
	shapes := map[string]func(n int) []int{
		"one cycle": func(n int) []int {
			idx := make([]int, n)
			for i := range idx {
				idx[i] = (i + 1) % n
			}
			return idx
		},
		"two-cycles": func(n int) []int {
			idx := make([]int, n)
			for i := range idx {
				idx[i] = i ^ 1
				if idx[i] >= n {
					idx[i] = i
				}
			}
			return idx
		},
		"few moves": func(n int) []int {
			idx := make([]int, n)
			for i := range idx {
				idx[i] = i
			}
			for range n / 10 {
				a, b := rng.IntN(n), rng.IntN(n)
				idx[a], idx[b] = idx[b], idx[a]
			}
			return idx
		},
		"random": func(n int) []int { return rng.Perm(n) },
	}
	for _, name := range slices.Sorted(maps.Keys(shapes)) {
		for _, n := range []int{1, 2, 3, 17, 100, 1000, 4099} {
			idx := shapes[name](n)
			in := make([]int, n)
			for i := range in {
				in[i] = 1000 + i
			}
			want := make([]int, n)
			for i, k := range idx {
				want[i] = in[k]
			}
			for _, ranges := range []int{1, 2, 3, 8, 64, n, n + 5} {
				got := slices.Clone(in)
				permuteParallel(got, slices.Clone(idx), ranges)
				if !slices.Equal(got, want) {
					t.Fatalf("%s, %d values in %d ranges: differs from a gather", name, n, ranges)
				}
			}
		}
	}
}

// TestCompactResults pins the sizes a million-sale run holds millions of:
// a wider field added to either is a hundred megabytes or more at that
// scale, and should be a decision rather than an accident.
func TestCompactResults(t *testing.T) {
	if unsafe.Sizeof(uintptr(0)) != 8 {
		t.Skip("the sizes are those of a 64-bit build")
	}
	if got := unsafe.Sizeof(SaleResult{}); got != 64 {
		t.Errorf("SaleResult is %d bytes, want 64", got)
	}
	if got := unsafe.Sizeof(Credit{}); got != 12 {
		t.Errorf("Credit is %d bytes, want 12", got)
	}
	var sr SaleResult
	if sr.Fails() != nil || sr.Credits() != nil {
		t.Error("a zero SaleResult has fails or credits")
	}
	fs, cs := []Fail{FailNone, FailNoPayee}, []Credit{{Program: 1, Whole: 1}, {Program: 2, Whole: -1}}
	sr.setFails(fs)
	sr.setCredits(cs)
	if !slices.Equal(sr.Fails(), fs) || !slices.Equal(sr.Credits(), cs) || !sr.Counted(0) || sr.Counted(1) {
		t.Errorf("fails %v, credits %v; want %v, %v", sr.Fails(), sr.Credits(), fs, cs)
	}
	sr.setCredits(cs[:0])
	if sr.Credits() != nil {
		t.Error("no credits, but Credits is not nil")
	}
}

// TestLedgerPayee numbers payees in the order they are first met, whether
// a code is found among the recent ones or in the map behind them.
func TestLedgerPayee(t *testing.T) {
	codes := []string{"D1", "G1", "D1-S1", "D1", "D1-S2", "G1", "D2", "D1-S1", "D2-S1", "D1", "", "G1", "D3", "D1-S2", "D1"}
	l := &ledger{ids: map[string]int32{}}
	first := map[string]int32{}
	for i, code := range codes {
		want, ok := first[code]
		if !ok {
			want = int32(len(first))
			first[code] = want
		}
		if got := l.payee(code); got != want {
			t.Fatalf("call %d, payee(%q) = %d, want %d", i, code, got, want)
		}
	}
	if len(l.payees) != len(first) {
		t.Fatalf("%d payees numbered, want %d", len(l.payees), len(first))
	}
	for code, id := range first {
		if l.payees[id] != code {
			t.Errorf("payee %d is %q, want %q", id, l.payees[id], code)
		}
	}
}

// BenchmarkPermute moves a million 128-byte values (the size of a sale)
// into a random order, in place: along each cycle, and on every core.
func BenchmarkPermute(b *testing.B) {
	type sale [16]int64
	perm := rand.New(rand.NewPCG(1, 2)).Perm(1 << 20)
	s := make([]sale, len(perm))
	for _, bc := range []struct {
		name string
		move func(s []sale, idx []int)
	}{
		{"cycles", permute[sale]},
		{"parallel", func(s []sale, idx []int) { permuteParallel(s, idx, permuteRanges()) }},
	} {
		b.Run(bc.name, func(b *testing.B) {
			idx := make([]int, len(perm))
			for b.Loop() {
				copy(idx, perm)
				bc.move(s, idx)
			}
		})
	}
}

// TestParallelRanges checks that Parallel covers [0, n) once, in ranges of
// at most chunk items, and calls nothing when there is nothing to do: a
// quarter without sales once failed on a range's work indexed by it.
func TestParallelRanges(t *testing.T) {
	for _, tc := range []struct{ n, chunk int }{{0, 4}, {1, 4}, {4, 4}, {5, 4}, {1000, 7}, {3, 1}} {
		var mu sync.Mutex
		seen := make([]int, tc.n)
		calls := 0
		Parallel(tc.n, tc.chunk, func(from, to int) {
			mu.Lock()
			defer mu.Unlock()
			calls++
			if from >= to || to-from > tc.chunk || from%tc.chunk != 0 {
				t.Errorf("Parallel(%d, %d): range [%d, %d)", tc.n, tc.chunk, from, to)
			}
			for i := from; i < to; i++ {
				seen[i]++
			}
		})
		if want := (tc.n + tc.chunk - 1) / tc.chunk; calls != want {
			t.Errorf("Parallel(%d, %d): %d calls, want %d", tc.n, tc.chunk, calls, want)
		}
		for i, k := range seen {
			if k != 1 {
				t.Errorf("Parallel(%d, %d): item %d done %d times", tc.n, tc.chunk, i, k)
			}
		}
	}
}
