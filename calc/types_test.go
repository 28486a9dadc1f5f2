package calc

import (
	"slices"
	"strings"
	"testing"

	"github.com/incent/incent"
	"github.com/incent/incent/rules"
)

func runOne(t *testing.T, in Input) PayoutLine {
	t.Helper()
	in.Period, in.AsOf, in.Dealers = q3, incent.NoDate, dealers
	res := Run(in)
	if len(res.Lines) != 1 {
		t.Fatalf("got %d lines, want 1", len(res.Lines))
	}
	return res.Lines[0]
}

// TestCoop checks the fund, the claim rules and a fund used up mid-claim.
func TestCoop(t *testing.T) {
	p := prog(rules.Coop, func(p *rules.Program) {
		p.AccrualPerUnit, p.Reimburse, p.ClaimDeadlineDays = decp("150"), dec("0.5"), 30
	})
	claims := []incent.Claim{
		// fund: 10 units × 150 = 1,500
		{ClaimID: "C1", DealerCode: "D001", ProgramID: "P", SpendAmount: dec("1000"), InvoiceDate: date("2024-08-01"), SubmittedDate: date("2024-08-05"), Preapproved: true}, // 500 paid, 1,000 left
		{ClaimID: "C2", DealerCode: "D001", ProgramID: "P", SpendAmount: dec("900"), InvoiceDate: date("2024-08-01"), SubmittedDate: date("2024-08-05"), Preapproved: false}, // declined
		{ClaimID: "C3", DealerCode: "D001", ProgramID: "P", SpendAmount: dec("1600"), InvoiceDate: date("2024-09-01"), SubmittedDate: date("2024-10-30"), Preapproved: true}, // exactly on the deadline: 800 paid, 200 left
		{ClaimID: "C4", DealerCode: "D001", ProgramID: "P", SpendAmount: dec("1000"), InvoiceDate: date("2024-06-30"), SubmittedDate: date("2024-07-02"), Preapproved: true}, // invoice outside the period
		{ClaimID: "C5", DealerCode: "D001", ProgramID: "P", SpendAmount: dec("600"), InvoiceDate: date("2024-09-10"), SubmittedDate: date("2024-10-31"), Preapproved: true},  // a day late
		{ClaimID: "C0", DealerCode: "D001", ProgramID: "P", SpendAmount: dec("500"), InvoiceDate: date("2024-09-10"), SubmittedDate: date("2024-10-30"), Preapproved: true},  // same day as C3, sorts first: 250 paid
		{ClaimID: "C6", DealerCode: "D001", ProgramID: "P", SpendAmount: dec("1000"), InvoiceDate: date("2024-09-10"), SubmittedDate: date("2024-10-15"), Preapproved: true}, // before C0/C3: 500 paid
	}
	// Order: C1 (08-05), C2 (08-05, declined), C4 (07-02 — first by date, declined), C6 (10-15), C0, C3 (10-30), C5.
	// Fund 1,500: C1 500 → 1,000; C6 500 → 500; C0 250 → 250; C3 800 due, 250 paid → 0. Total 1,500.
	l := runOne(t, Input{Programs: []*rules.Program{p}, Sales: sales("D001", 10, ""), Claims: claims})
	if got := l.Amount.Decimal().StringFixed(2); got != "1500.00" {
		t.Errorf("coop = %s, want 1500.00\n%q", got, l.Formula)
	}
	want := []string{
		"fund: 10 credited units × 150.00 USD = 1,500",
		"claim C4: declined, invoice date 2024-06-30 is outside the period",
		"claim C1: 1,000 spend × 50% = 500 paid",
		"claim C2: declined, not pre-approved",
		"claim C6: 1,000 spend × 50% = 500 paid",
		"claim C0: 500 spend × 50% = 250 paid",
		"claim C3: 1,600 spend × 50% = 800 due; paid 250, the rest of the fund",
		"claim C5: declined, submitted 2024-10-31 after the deadline 2024-10-30",
	}
	if len(l.Formula) != len(want) {
		t.Fatalf("formula:\n%q\nwant\n%q", l.Formula, want)
	}
	for i := range want {
		if l.Formula[i] != want[i] {
			t.Errorf("line %d = %q, want %q", i, l.Formula[i], want[i])
		}
	}
	outcomes := map[string]string{"C4": "declined 0", "C1": "paid 500", "C2": "declined 0", "C6": "paid 500",
		"C0": "paid 250", "C3": "partly paid 250", "C5": "declined 0"}
	if len(l.Claims) != len(outcomes) {
		t.Fatalf("%d claim outcomes, want %d", len(l.Claims), len(outcomes))
	}
	for _, co := range l.Claims {
		if got := co.Outcome + " " + co.Paid.String(); got != outcomes[co.Claim.ClaimID] {
			t.Errorf("claim %s: %s, want %s", co.Claim.ClaimID, got, outcomes[co.Claim.ClaimID])
		}
	}
}

// TestCoopNoFund checks that claims against a fund that accrued nothing
// (a rate on revenue, and sales without revenue) are told so, not that the
// fund was used up.
func TestCoopNoFund(t *testing.T) {
	p := prog(rules.Coop, func(p *rules.Program) {
		p.AccrualRate, p.Reimburse, p.ClaimDeadlineDays = decp("0.01"), dec("0.5"), 30
	})
	claims := []incent.Claim{{ClaimID: "C1", DealerCode: "D001", ProgramID: "P", SpendAmount: dec("1000"),
		InvoiceDate: date("2024-08-01"), SubmittedDate: date("2024-08-05"), Preapproved: true}}
	l := runOne(t, Input{Programs: []*rules.Program{p}, Sales: sales("D001", 4, ""), Claims: claims})
	if got := l.Amount.Decimal().StringFixed(2); got != "0.00" {
		t.Errorf("coop = %s, want 0.00", got)
	}
	if len(l.Claims) != 1 || l.Claims[0].Outcome != "not paid" || l.Claims[0].Reason != "no fund accrued this period" {
		t.Fatalf("claims = %+v", l.Claims)
	}
	want := []string{"fund: 0 credited revenue × 1% = 0", "claim C1: not paid, no fund accrued this period (500 due)"}
	if !slices.Equal(l.Formula, want) {
		t.Errorf("formula:\n%q\nwant\n%q", l.Formula, want)
	}
}

// TestRebatePassthrough checks codes, the claim window edge and a mismatched claim.
func TestRebatePassthrough(t *testing.T) {
	p := prog(rules.RebatePassthrough, func(p *rules.Program) {
		p.Rebates = []rules.Rebate{{Code: "CR-EV-1000", Amount: dec("1000")}}
		p.ClaimWindowDays = 30
	})
	ss := sales("D001", 5, "")
	for i := range ss {
		ss[i].EditExtra(func(e *incent.SaleExtra) { e.RebateCode = "CR-EV-1000" })
		ss[i].EditExtra(func(e *incent.SaleExtra) { e.ClaimDate = ss[i].SaleDate })
	}
	ss[0].EditExtra(func(e *incent.SaleExtra) { e.ClaimDate = ss[0].SaleDate + 30 }) // exactly on the window: paid
	ss[1].EditExtra(func(e *incent.SaleExtra) { e.ClaimDate = ss[1].SaleDate + 31 }) // a day late
	ss[2].EditExtra(func(e *incent.SaleExtra) { e.RebateCode = "CR-OTHER" })         // unknown code
	ss[3].EditExtra(func(e *incent.SaleExtra) { e.RebateAmount = amt("1200") })      // paid at 1,000, noted
	ss[4].EditExtra(func(e *incent.SaleExtra) { e.ClaimDate = incent.NoDate })       // claim date defaults to the sale date
	res := Run(Input{Period: q3, AsOf: incent.NoDate, Programs: []*rules.Program{p}, Dealers: dealers, Sales: ss})
	if got := res.Lines[0].Amount.Decimal().StringFixed(2); got != "3000.00" {
		t.Errorf("rebates = %s, want 3000.00\n%q", got, res.Lines[0].Formula)
	}
	reasons := map[string]string{}
	for i := range res.Sales {
		reasons[res.Sales[i].Sale.DealID] = res.Reason(&res.Sales[i], 0, nil)
	}
	if r := reasons[ss[1].DealID]; r != "rebate claimed 31 days after the sale (on 2024-09-02), after the 30-day claim window" {
		t.Errorf("late claim reason %q", r)
	}
	if r := reasons[ss[2].DealID]; r != "rebate code CR-OTHER not in [CR-EV-1000]" {
		t.Errorf("unknown code reason %q", r)
	}
}

// TestObjectivePct checks % of objective tiers, and a payee with no objective.
func TestObjectivePct(t *testing.T) {
	p := prog(rules.StairStep, func(p *rules.Program) {
		p.Measure, p.ObjectiveKey = "objective_pct", "OBJ"
		p.Tiers = tiers(rules.TierPerUnit, "100", "100", "125", "175")
	})
	objs := []incent.Objective{{DealerCode: "D001", Period: "2024Q3", Key: "OBJ", Units: dec("20")}}
	// 22 units of 20 = 110%: tier 1, 22 × 100 = 2,200. At 125% (25 units): 25 × 175 = 4,375, so 2,175 more.
	l := runOne(t, Input{Programs: []*rules.Program{p}, Sales: sales("D001", 22, ""), Objectives: objs})
	if got := l.Amount.Decimal().StringFixed(2); got != "2200.00" {
		t.Errorf("amount = %s, want 2200.00", got)
	}
	if want := "15 more points of objective (3 more units) to reach Tier 2 (from 125% of objective), worth 2,175.00 USD more"; l.NextTier != want {
		t.Errorf("next = %q, want %q", l.NextTier, want)
	}
	l = runOne(t, Input{Programs: []*rules.Program{p}, Sales: sales("D002", 22, ""), Objectives: objs})
	if l.Reason != "no objective for D002 in 2024Q3 (objective key OBJ)" || !l.Amount.Decimal().IsZero() {
		t.Errorf("no objective: reason %q amount %s", l.Reason, l.Amount.Decimal())
	}
	objs = append(objs, incent.Objective{DealerCode: "D002", Period: "2024Q3", Key: "OBJ", Units: dec("0")})
	l = runOne(t, Input{Programs: []*rules.Program{p}, Sales: sales("D002", 22, ""), Objectives: objs})
	if want := "the objective for D002 in 2024Q3 (objective key OBJ) is 0 units; a share of it cannot be measured"; l.Reason != want || !l.Amount.Decimal().IsZero() {
		t.Errorf("objective 0: reason %q amount %s, want %q", l.Reason, l.Amount.Decimal(), want)
	}

	// A next tier between whole units is told in the whole units that
	// reach it, and its worth is what those units pay: 9 units of 14
	// (64.29%) reach the 50% tier, 9 × 40 = 360; 80% is 11.2 units, so 3
	// more units, and 12 × 50 = 600 is 240 more (not 11.2 × 50 = 560, 200
	// more, which no whole number of sales pays).
	p = prog(rules.StairStep, func(p *rules.Program) {
		p.Measure, p.ObjectiveKey = "objective_pct", "OBJ"
		p.Tiers = tiers(rules.TierPerUnit, "50", "40", "80", "50")
	})
	objs = []incent.Objective{{DealerCode: "D001", Period: "2024Q3", Key: "OBJ", Units: dec("14")}}
	l = runOne(t, Input{Programs: []*rules.Program{p}, Sales: sales("D001", 9, ""), Objectives: objs})
	if got := l.Amount.Decimal().StringFixed(2); got != "360.00" {
		t.Errorf("9 of 14: amount = %s, want 360.00", got)
	}
	if want := " more points of objective (3 more units) to reach Tier 2 (from 80% of objective), worth 240.00 USD more"; !strings.HasSuffix(l.NextTier, want) {
		t.Errorf("9 of 14: next = %q, want it to end %q", l.NextTier, want)
	}

	// Counted from the units, not the rounded points: 1 unit of 3 is
	// 33.3333%, 66.6667 points from 100%, which × 3 ÷ 100 is just over 2
	// units; but 2 more make 3 of 3. Tier 1: 1 × 40 = 40; at 3 units,
	// 3 × 50 = 150, so 110 more.
	p = prog(rules.StairStep, func(p *rules.Program) {
		p.Measure, p.ObjectiveKey = "objective_pct", "OBJ"
		p.Tiers = tiers(rules.TierPerUnit, "30", "40", "100", "50")
	})
	objs = []incent.Objective{{DealerCode: "D001", Period: "2024Q3", Key: "OBJ", Units: dec("3")}}
	l = runOne(t, Input{Programs: []*rules.Program{p}, Sales: sales("D001", 1, ""), Objectives: objs})
	if want := "66.6667 more points of objective (2 more units) to reach Tier 2 (from 100% of objective), worth 110.00 USD more"; l.NextTier != want {
		t.Errorf("1 of 3: next = %q, want %q", l.NextTier, want)
	}

	// A threshold with more places than the measure's four: 14.285714% of
	// 70 is 9.99999980 units, but 10 units measure 14.2857%, short of it;
	// 11 (15.7143%) reach it. 9 units (12.8571%): 9 × 40 = 360; 11 × 50 =
	// 550, so 190 more. At 10 units, still 1 more unit: 11 × 50 − 400 = 150.
	p = prog(rules.StairStep, func(p *rules.Program) {
		p.Measure, p.ObjectiveKey = "objective_pct", "OBJ"
		p.Tiers = tiers(rules.TierPerUnit, "10", "40", "14.285714", "50")
	})
	objs = []incent.Objective{{DealerCode: "D001", Period: "2024Q3", Key: "OBJ", Units: dec("70")}}
	for _, c := range []struct {
		units int
		want  string
	}{
		{9, "1.428614 more points of objective (2 more units) to reach Tier 2 (from 14.285714% of objective), worth 190.00 USD more"},
		{10, "0.000014 more points of objective (1 more units) to reach Tier 2 (from 14.285714% of objective), worth 150.00 USD more"},
	} {
		l = runOne(t, Input{Programs: []*rules.Program{p}, Sales: sales("D001", c.units, ""), Objectives: objs})
		if l.NextTier != c.want {
			t.Errorf("%d of 70: next = %q, want %q", c.units, l.NextTier, c.want)
		}
	}
}

// TestModelMixQualify checks the share threshold exactly at its edge.
func TestModelMixQualify(t *testing.T) {
	p := prog(rules.ModelMix, func(p *rules.Program) {
		p.Rates = []rules.ModelRate{{Model: "EV1", Rate: dec("1000")}, {Model: "SUV2", Rate: dec("400")}}
		p.Qualify = &rules.Qualify{MinShare: dec("0.10"), Of: []string{"EV1"}}
	})
	ss := sales("D001", 20, "")
	ss[0].ModelCode, ss[1].ModelCode, ss[2].ModelCode = incent.Intern("EV1"), incent.Intern("EV1"), incent.Intern("SUV2")
	// EV1 share 2/20 = 10%: qualifies exactly. 2 × 1,000 + 1 × 400 = 2,400.
	if got := runOne(t, Input{Programs: []*rules.Program{p}, Sales: ss}).Amount.Decimal().StringFixed(2); got != "2400.00" {
		t.Errorf("at 10%% share = %s, want 2400.00", got)
	}
	ss = append(ss, sales("D001", 1, "")[0])
	ss[len(ss)-1].DealID = "extra"
	// 2/21 < 10%: nothing.
	if got := runOne(t, Input{Programs: []*rules.Program{p}, Sales: ss}).Amount.Decimal().StringFixed(2); got != "0.00" {
		t.Errorf("below share = %s, want 0.00", got)
	}
}

// TestModelMixSplitDeals sums whole and split credits of one model: a split
// deal credits each dealer its share of the unit.
func TestModelMixSplitDeals(t *testing.T) {
	p := prog(rules.ModelMix, func(p *rules.Program) {
		p.Rates = []rules.ModelRate{{Model: "EV1", Rate: dec("1000")}, {Model: "SUV1", Rate: dec("400")}}
		p.Qualify = &rules.Qualify{MinShare: dec("0.5"), Of: []string{"EV1"}}
	})
	ss := sales("D001", 4, "")
	ss[0].ModelCode, ss[1].ModelCode, ss[2].ModelCode = incent.Intern("EV1"), incent.Intern("EV1"), incent.Intern("EV1")
	ss[2].EditExtra(func(e *incent.SaleExtra) { e.Split = "D001:25;D002:75" })
	ss[3].EditExtra(func(e *incent.SaleExtra) { e.Split = "D001:50;D002:50" })
	// D001: EV1 1 + 1 + 0.25 = 2.25 units, SUV1 0.5; share 2.25 / 2.75 = 81.8% ≥ 50%.
	// 2.25 × 1,000 + 0.5 × 400 = 2,450.00
	res := Run(Input{Period: q3, AsOf: incent.NoDate, Programs: []*rules.Program{p}, Dealers: dealers, Sales: ss})
	want := map[string]string{"D001": "2450.00", "D002": "950.00"} // D002: EV1 0.75, SUV1 0.5; 0.75 / 1.25 = 60%: 750 + 200
	for _, l := range res.Lines {
		if got := l.Amount.Decimal().StringFixed(2); got != want[l.Payee] {
			t.Errorf("%s = %s, want %s", l.Payee, got, want[l.Payee])
		}
		delete(want, l.Payee)
	}
	if len(want) > 0 {
		t.Errorf("no line for %v", want)
	}
}

// TestModelMixNamedModels counts toward the share a model named only in
// the qualifying list, and a model named nowhere only toward the units.
func TestModelMixNamedModels(t *testing.T) {
	p := prog(rules.ModelMix, func(p *rules.Program) {
		p.Rates = []rules.ModelRate{{Model: "EV1", Rate: dec("1000")}}
		p.Qualify = &rules.Qualify{MinShare: dec("0.5"), Of: []string{"EV1", "EV2"}}
	})
	ss := sales("D001", 4, "")
	ss[0].ModelCode, ss[1].ModelCode, ss[2].ModelCode, ss[3].ModelCode = incent.Intern("EV1"), incent.Intern("EV2"), incent.Intern("VAN1"), incent.Intern("VAN1")
	// share of [EV1 EV2] = 2 of 4 units = 50%: qualifies; only EV1 has a
	// rate: 1 × 1,000 = 1,000.
	if got := runOne(t, Input{Programs: []*rules.Program{p}, Sales: ss}).Amount.Decimal().StringFixed(2); got != "1000.00" {
		t.Errorf("at 50%% share = %s, want 1000.00", got)
	}
	ss[1].ModelCode = incent.Intern("VAN1")
	// 1 of 4 = 25%: nothing.
	if got := runOne(t, Input{Programs: []*rules.Program{p}, Sales: ss}).Amount.Decimal().StringFixed(2); got != "0.00" {
		t.Errorf("below share = %s, want 0.00", got)
	}
}

// TestCertification checks flat and per-unit pay against the certification dates.
func TestCertification(t *testing.T) {
	p := prog(rules.Certification, func(p *rules.Program) {
		p.Certification, p.Amount, p.PerUnit, p.Require = "EV", decp("2500"), dec("50"), "period_end"
	})
	certs := []incent.Certification{{DealerCode: "D001", Certification: "EV", ValidFrom: date("2024-08-15"), ValidTo: incent.NoDate}}
	// held at period end: 2,500 + 4 × 50 = 2,700
	if got := runOne(t, Input{Programs: []*rules.Program{p}, Sales: sales("D001", 4, ""), Certifications: certs}).Amount.Decimal().StringFixed(2); got != "2700.00" {
		t.Errorf("period_end = %s, want 2700.00", got)
	}
	p.Require = "whole_period"
	// not held from 2024-07-01: nothing
	if got := runOne(t, Input{Programs: []*rules.Program{p}, Sales: sales("D001", 4, ""), Certifications: certs}).Amount.Decimal().StringFixed(2); got != "0.00" {
		t.Errorf("whole_period = %s, want 0.00", got)
	}
}

// TestCertificationHeldThrough checks whole_period against certifications
// renewed within the period: rows that follow on or overlap hold it, a
// day between them does not.
func TestCertificationHeldThrough(t *testing.T) {
	row := func(cert, from, to string) incent.Certification {
		ce := incent.Certification{DealerCode: "D001", Certification: cert, ValidFrom: date(from), ValidTo: incent.NoDate}
		if to != "" {
			ce.ValidTo = date(to)
		}
		return ce
	}
	tests := []struct {
		name  string
		certs []incent.Certification
		want  bool
	}{
		{"one row over the period", []incent.Certification{row("EV", "2024-01-01", "")}, true},
		{"one row ending on the last day", []incent.Certification{row("EV", "2024-07-01", "2024-09-30")}, true},
		{"one row ending a day early", []incent.Certification{row("EV", "2024-07-01", "2024-09-29")}, false},
		{"one row starting a day late", []incent.Certification{row("EV", "2024-07-02", "")}, false},
		{"renewed the next day", []incent.Certification{row("EV", "2024-01-01", "2024-08-15"), row("EV", "2024-08-16", "")}, true},
		{"renewed out of order", []incent.Certification{row("EV", "2024-08-16", "2025-08-15"), row("EV", "2024-01-01", "2024-08-15")}, true},
		{"overlapping rows", []incent.Certification{row("EV", "2024-01-01", "2024-08-20"), row("EV", "2024-08-01", "2024-12-31")}, true},
		{"a day between", []incent.Certification{row("EV", "2024-01-01", "2024-08-15"), row("EV", "2024-08-17", "")}, false},
		{"another certification fills the gap", []incent.Certification{row("EV", "2024-01-01", "2024-08-15"), row("TRK", "2024-08-16", "2024-08-16"), row("EV", "2024-08-17", "")}, false},
		{"none", nil, false},
	}
	for _, tt := range tests {
		if got := heldThrough(tt.certs, "EV", date("2024-07-01"), date("2024-09-30")); got != tt.want {
			t.Errorf("%s: held %v, want %v", tt.name, got, tt.want)
		}
	}
	// The program pays a dealer whose certification was renewed in August:
	// 2,500 + 4 × 50 = 2,700.
	p := prog(rules.Certification, func(p *rules.Program) {
		p.Certification, p.Amount, p.PerUnit, p.Require = "EV", decp("2500"), dec("50"), "whole_period"
	})
	certs := []incent.Certification{row("EV", "2024-01-01", "2024-08-15"), row("EV", "2024-08-16", "")}
	if got := runOne(t, Input{Programs: []*rules.Program{p}, Sales: sales("D001", 4, ""), Certifications: certs}).Amount.Decimal().StringFixed(2); got != "2700.00" {
		t.Errorf("whole_period, renewed = %s, want 2700.00", got)
	}
}

// TestCommissionFamiliesAndKickers checks family factors and a monthly kicker.
func TestCommissionFamiliesAndKickers(t *testing.T) {
	p := prog(rules.Commission, func(p *rules.Program) {
		p.Measure, p.Basis = "revenue", "marginal"
		p.Tiers = tiers(rules.TierRate, "0", "0.02", "50000", "0.04")
		p.FamilyRates = []rules.FamilyRate{{Family: "service", Factor: dec("0.5")}}
		p.Kickers = []rules.Kicker{{Month: "2024-08", AddRate: dec("0.01")}}
	})
	ss := sales("D001", 3, "20000") // dated 2024-08-01, -02, -03
	ss[2].Family = incent.Intern("service")
	ss[2].SaleDate = date("2024-09-15")
	// revenue: 20,000 + 20,000 + 20,000 × 0.5 = 50,000: 50,000 × 2% = 1,000 (nothing above 50,000)
	// kicker: August revenue 40,000 × 1% = 400. Total 1,400.
	l := runOne(t, Input{Programs: []*rules.Program{p}, Sales: ss})
	if got := l.Amount.Decimal().StringFixed(2); got != "1400.00" {
		t.Errorf("commission = %s, want 1400.00\n%q", got, l.Formula)
	}
	if l.Tier != "Tier 2 (from 50,000.00 USD revenue)" {
		t.Errorf("tier = %q: 50,000 is exactly the second tier's start", l.Tier)
	}
}

// TestKickerUnderMeasureCap checks that a cap on the measure caps the
// revenue a kicker pays on too: the month's revenue counts in the share
// the cap leaves of the whole.
func TestKickerUnderMeasureCap(t *testing.T) {
	capAt := dec("50000")
	p := prog(rules.Commission, func(p *rules.Program) {
		p.Measure = "revenue"
		p.Tiers = tiers(rules.TierRate, "0", "0.01")
		p.Kickers = []rules.Kicker{{Month: "2024-08", AddRate: dec("0.02")}}
		p.Cap.Measure = &capAt
	})
	ss := sales("D001", 4, "50000") // 200,000 of revenue
	ss[3].SaleDate = date("2024-09-10")
	// Revenue 200,000 capped at 50,000: 50,000 × 1% = 500. August has
	// 150,000, of which the cap counts 50,000 / 200,000 = a quarter:
	// 37,500 × 2% = 750. Total 1,250.00, not 500 + 150,000 × 2% = 3,500.
	l := runOne(t, Input{Programs: []*rules.Program{p}, Sales: ss})
	if got := l.Amount.Decimal().StringFixed(2); got != "1250.00" {
		t.Errorf("commission = %s, want 1250.00\n%q", got, l.Formula)
	}
	want := "kicker 2024-08: 150,000 revenue in the month × 50,000 ÷ 200,000 (the share the cap counts) = 37,500"
	if !slices.Contains(l.Formula, want) {
		t.Errorf("formula %q lacks %q", l.Formula, want)
	}
}

// TestKickerMonthBounds checks that a kicker counts the revenue of its
// month's first and last days, and none of the days around them, and that
// the worth of the next tier is what the tiers pay more there: a kicker is
// paid at either tier alike.
func TestKickerMonthBounds(t *testing.T) {
	p := prog(rules.Commission, func(p *rules.Program) {
		p.Measure = "revenue"
		p.Tiers = tiers(rules.TierRate, "0", "0.01", "50000", "0.02")
		p.Kickers = []rules.Kicker{{Month: "2024-08", AddRate: dec("0.02")}}
	})
	ss := sales("D001", 4, "10000")
	for i, d := range []string{"2024-07-31", "2024-08-01", "2024-08-31", "2024-09-01"} {
		ss[i].SaleDate = date(d)
	}
	// Tier 1: revenue 40,000 × 1% = 400; August (the 1st and the 31st)
	// 20,000 × 2% = 400. Total 800. At Tier 2's 50,000 the tiers pay
	// 50,000 × 2% = 1,000, so the next tier is worth 1,000 - 400 = 600 more.
	l := runOne(t, Input{Programs: []*rules.Program{p}, Sales: ss})
	if got := l.Amount.Decimal().StringFixed(2); got != "800.00" {
		t.Errorf("commission = %s, want 800.00\n%q", got, l.Formula)
	}
	if want := "10,000.00 USD more revenue to reach Tier 2 (from 50,000.00 USD revenue), worth 600.00 USD more"; l.NextTier != want {
		t.Errorf("next tier = %q, want %q", l.NextTier, want)
	}
}

// TestCommissionRevenueSums checks that revenue sums alike whether a
// credit is whole with an amount exact in cents, whole with a finer
// amount, or a share of a split deal.
func TestCommissionRevenueSums(t *testing.T) {
	p := prog(rules.Commission, func(p *rules.Program) {
		p.Measure = "revenue"
		p.Tiers = tiers(rules.TierRate, "0", "0.01")
		p.FamilyRates = []rules.FamilyRate{{Family: "service", Factor: dec("0.5")}}
		p.Kickers = []rules.Kicker{{Month: "2024-08", AddRate: dec("0.02")}}
	})
	ss := sales("D001", 4, "20000") // dated 2024-08-01 to -04
	ss[0].SaleAmount = amt("10000.125")
	ss[1].EditExtra(func(e *incent.SaleExtra) { e.Split = "D001:50;D002:50" })
	ss[2].SaleAmount, ss[2].Family = amt("30000.50"), incent.Intern("service")
	ss[3].SaleAmount, ss[3].Family, ss[3].SaleDate = amt("5000"), incent.Intern("service"), date("2024-09-15")
	// D001 revenue: 10,000.125 + 20,000 × 50% + 30,000.50 × 0.5 + 5,000 × 0.5
	//   = 10,000.125 + 10,000 + 15,000.25 + 2,500 = 37,500.375; × 1% = 375.00375.
	// August kicker: 10,000.125 + 10,000 + 15,000.25 = 35,000.375; × 2% = 700.0075.
	// Total 1,075.01125, rounded half up: 1,075.01.
	// D002: 10,000 × 1% = 100 plus the August kicker 10,000 × 2% = 200: 300.00.
	res := Run(Input{Period: q3, AsOf: incent.NoDate, Programs: []*rules.Program{p}, Dealers: dealers, Sales: ss})
	want := map[string][2]string{"D001": {"37500.375", "1075.01"}, "D002": {"10000", "300.00"}}
	if len(res.Lines) != len(want) {
		t.Fatalf("got %d lines, want %d", len(res.Lines), len(want))
	}
	for _, l := range res.Lines {
		if got := [2]string{l.Measure.Decimal().String(), l.Amount.Decimal().StringFixed(2)}; got != want[l.Payee] {
			t.Errorf("%s: measure and amount %v, want %v\n%q", l.Payee, got, want[l.Payee], l.Formula)
		}
	}
}

// TestCommissionLongAmounts checks revenue past 18 digits, which an
// amount keeps as a decimal: whole, split, and summed with a short one.
func TestCommissionLongAmounts(t *testing.T) {
	p := prog(rules.Commission, func(p *rules.Program) {
		p.Measure = "revenue"
		p.Tiers = tiers(rules.TierRate, "0", "0.01")
	})
	ss := sales("D001", 3, "20000")
	ss[0].SaleAmount = amt("1234567890123456789012.34")
	ss[1].SaleAmount = amt("2000000000000000000000.02")
	ss[1].EditExtra(func(e *incent.SaleExtra) { e.Split = "D001:50;D002:50" })
	// D001 revenue: 1,234,567,890,123,456,789,012.34 + 2,000,000,000,000,000,000,000.02 × 50%
	//   + 20,000 = 1,234,567,890,123,456,789,012.34 + 1,000,000,000,000,000,000,000.01 + 20,000
	//   = 2,234,567,890,123,456,809,012.35; × 1% = 22,345,678,901,234,568,090.1235: 22,345,678,901,234,568,090.12.
	// D002: 1,000,000,000,000,000,000,000.01 × 1% = 10,000,000,000,000,000,000.0001: 10,000,000,000,000,000,000.00.
	res := Run(Input{Period: q3, AsOf: incent.NoDate, Programs: []*rules.Program{p}, Dealers: dealers, Sales: ss})
	want := map[string][2]string{
		"D001": {"2234567890123456809012.35", "22345678901234568090.12"},
		"D002": {"1000000000000000000000.01", "10000000000000000000.00"},
	}
	if len(res.Lines) != len(want) {
		t.Fatalf("got %d lines, want %d", len(res.Lines), len(want))
	}
	for _, l := range res.Lines {
		if got := [2]string{l.Measure.Decimal().String(), l.Amount.Decimal().StringFixed(2)}; got != want[l.Payee] {
			t.Errorf("%s: measure and amount %v, want %v\n%q", l.Payee, got, want[l.Payee], l.Formula)
		}
	}
}

// TestDeliveringDealerAndMultipliers checks dealer-trade crediting and that
// every matching multiplier multiplies.
func TestDeliveringDealerAndMultipliers(t *testing.T) {
	p := prog(rules.Volume, func(p *rules.Program) {
		p.PerUnit, p.CreditTo = dec("100"), "delivering_dealer"
		p.Multipliers = []rules.Multiplier{
			{Factor: dec("0.5"), When: mustExpr(t, `sale.sale_type == "fleet"`)},
			{Factor: dec("1.5"), When: mustExpr(t, `sale.model_code == "SUV1"`)},
			{Factor: dec("2"), When: mustExpr(t, `dealer.region == "WEST"`)},
		}
	})
	ss := sales("D001", 3, "")
	ss[0].EditExtra(func(e *incent.SaleExtra) { e.DeliveringDealer = "D002" }) // traded: credited to D002
	ss[1].SaleType = incent.Intern("fleet")                                    // 0.5 × 1.5 = 0.75
	// D001: 1.5 (sale 2) + 0.75 (sale 1) = 2.25 units × 100 = 225.00.
	// D002: 1.5 × 100 = 150.00 (the region rule looks at the selling dealer, D001 in EAST).
	res := Run(Input{Period: q3, AsOf: incent.NoDate, Programs: []*rules.Program{p}, Dealers: dealers, Sales: ss})
	got := map[string]string{}
	for _, l := range res.Lines {
		got[l.Payee] = l.Amount.Decimal().StringFixed(2)
	}
	if got["D001"] != "225.00" || got["D002"] != "150.00" || len(got) != 2 {
		t.Errorf("lines = %v, want D001 225.00 and D002 150.00", got)
	}
}

// TestAttributeConditionsKept checks conditions on attribute columns, whose
// values are kept by combination of attributes, next to one on the MSRP,
// which differs between sales of one combination and is evaluated for each.
func TestAttributeConditionsKept(t *testing.T) {
	p := prog(rules.Volume, func(p *rules.Program) {
		p.PerUnit = dec("100")
		p.Elig.When = mustExpr(t, `sale.model_year >= 2024 && dealer.region != "WEST"`)
		p.Multipliers = []rules.Multiplier{
			{Factor: dec("2"), When: mustExpr(t, `sale.msrp >= 50000`)},
			{Factor: dec("3"), When: mustExpr(t, `dealer.segment == "rural"`)},
		}
	})
	ds := []incent.Dealer{
		{Code: "D001", Region: "EAST"},
		{Code: "D002", Region: "WEST"},
		{Code: "D003", Region: "EAST", Segment: "rural"},
	}
	var ss []incent.Sale
	for _, s := range []struct {
		dealer string
		year   int32
		msrp   string
	}{
		{"D001", 2024, "40000"}, // 1 unit
		{"D001", 2024, "60000"}, // 2: same attributes, the MSRP multiplier holds
		{"D001", 2023, "60000"}, // before model year 2024: not counted
		{"D002", 2024, "60000"}, // WEST: not counted
		{"D003", 2024, "60000"}, // 2 × 3 = 6
		{"D003", 2024, "10000"}, // 3
	} {
		sale := sales(s.dealer, len(ss)+1, "")[len(ss)]
		sale.ModelYear, sale.MSRP = s.year, amt(s.msrp)
		ss = append(ss, sale)
	}
	res := Run(Input{Period: q3, AsOf: incent.NoDate, Programs: []*rules.Program{p}, Dealers: ds, Sales: ss})
	got := map[string]string{}
	for _, l := range res.Lines {
		got[l.Payee] = l.Amount.Decimal().StringFixed(2)
	}
	// D001: (1 + 2) × 100 = 300.00; D003: (6 + 3) × 100 = 900.00.
	if got["D001"] != "300.00" || got["D003"] != "900.00" || got["D002"] != "" {
		t.Errorf("lines = %v, want D001 300.00 and D003 900.00", got)
	}
	whenFails := 0
	for i := range res.Sales {
		if res.Sales[i].Fails()[0] == FailWhen {
			whenFails++
		}
	}
	if whenFails != 2 {
		t.Errorf("%d sales failed the condition, want 2", whenFails)
	}
}
