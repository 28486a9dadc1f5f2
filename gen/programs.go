package gen

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/incent/incent"
)

// programText is one program file.
type programText struct {
	id, text string
}

// scale sizes thresholds and tiers to the workspace, so that in a small
// workspace and a big one alike some dealers reach each tier and some do
// not.
type scale struct {
	avg int // sales rows per dealer
}

// units returns a unit threshold of pm per mille of the average dealer's
// sales, at least 1.
func (s scale) units(pm int) int { return max(1, (s.avg*pm+500)/1000) }

// ascending raises each threshold above the one before, since tiers must
// rise strictly even in a workspace too small to tell them apart.
func ascending(xs ...int) []int {
	out := make([]int, len(xs))
	prev := -1
	for i, x := range xs {
		x = max(x, prev+1)
		out[i], prev = x, x
	}
	return out
}

// revenue returns a revenue threshold of pm per mille of the average
// dealer's eligible revenue (about 28,000 per sale), in whole thousands.
func (s scale) revenue(pm int) int {
	v := int64(s.avg) * 28000 * int64(pm) / 1000
	return int(max(1000, (v+500)/1000*1000))
}

// periodNames are the dates and codes the program files use.
type periodNames struct {
	code, from, to string
	year           int
	firstMonth     string // 2024-07: a kicker month
	lastMonth      string // 2024-09: a kicker month and the push window
	lastFrom       string
	next           incent.Period
}

func newPeriodNames(p incent.Period) periodNames {
	ms := months(p)
	n := periodNames{code: p.Code, from: p.From.String(), to: p.To.String(), year: p.From.Year(),
		firstMonth: monthCode(ms[0]), lastMonth: monthCode(ms[len(ms)-1]), lastFrom: ms[len(ms)-1].String()}
	n.next = nextPeriod(p)
	return n
}

// nextPeriod returns the period of the same kind after p.
func nextPeriod(p incent.Period) incent.Period {
	t := (p.To + 1).Time()
	var code string
	switch {
	case len(p.Code) == 6: // 2024Q3
		code = fmt.Sprintf("%04dQ%d", t.Year(), (int(t.Month())+2)/3)
	case len(p.Code) == 7: // 2024-08
		code = fmt.Sprintf("%04d-%02d", t.Year(), int(t.Month()))
	default:
		code = strconv.Itoa(t.Year())
	}
	next, err := incent.ParsePeriod(code)
	if err != nil {
		return incent.Period{Code: code, From: p.To + 1, To: p.To + 1}
	}
	return next
}

// prevPeriod returns the period of the same kind before p.
func prevPeriod(p incent.Period) incent.Period {
	t := (p.From - 1).Time()
	var code string
	switch {
	case len(p.Code) == 6:
		code = fmt.Sprintf("%04dQ%d", t.Year(), (int(t.Month())+2)/3)
	case len(p.Code) == 7:
		code = fmt.Sprintf("%04d-%02d", t.Year(), int(t.Month()))
	default:
		code = strconv.Itoa(t.Year())
	}
	prev, err := incent.ParsePeriod(code)
	if err != nil {
		return incent.Period{Code: code, From: p.From - 1, To: p.From - 1}
	}
	return prev
}

// objectiveKey is the shared objective key of the retail objective program.
func objectiveKey(p incent.Period) string { return "RETAIL-" + p.Code }

// suvObjectiveProgram is the id of the program whose objectives are keyed
// by its own id.
func suvObjectiveProgram(p incent.Period) string { return "SS-" + p.Code + "-OBJ-SUV" }

// coop program ids, which the claims file names.
func coopPrograms(p incent.Period) (all, ev, ca string) {
	return "COOP-" + p.Code, "COOP-" + p.Code + "-EV", "COOP-" + p.Code + "-CA"
}

// programs returns the program files: every type, every measure and basis,
// the three payee kinds, caps, multipliers and when: expressions, one
// program in CAD, one window shorter than the period, and one program of
// the next period that is not in effect.
func programs(p incent.Period, s scale) []programText {
	n := newPeriodNames(p)
	P := n.code
	y := n.year
	coopAll, coopEV, coopCA := coopPrograms(p)
	var out []programText
	add := func(id, comment, body string) {
		var b strings.Builder
		for _, line := range strings.Split(strings.TrimSpace(comment), "\n") {
			b.WriteString("# " + line + "\n")
		}
		b.WriteString("id: " + id + "\n")
		b.WriteString(strings.TrimLeft(body, "\n"))
		out = append(out, programText{id: id, text: b.String()})
	}
	eff := fmt.Sprintf("effective: {from: %s, to: %s}", n.from, n.to)
	var t []int // tier thresholds

	// volume
	add("VOL-"+P, fmt.Sprintf("Volume bonus: %d.00 per new retail or lease unit beyond the first %d of the\nperiod; rural dealers' units count 1.2 times.", 150, s.units(300)), fmt.Sprintf(`
version: 1
name: %s volume bonus
type: volume
currency: USD
%s
payee: dealer
eligibility:
  sale_types: [retail, lease]
  conditions: [new]
credit:
  multipliers:
    - {when: 'dealer.segment == "rural"', factor: 1.2}
threshold: %d
per_unit: 150
`, P, eff, s.units(300)))
	add("VOL-"+P+"-TRK", "Truck volume bonus, capped per dealer.", fmt.Sprintf(`
version: 2
name: %s truck volume bonus
type: volume
currency: USD
%s
eligibility:
  conditions: [new]
  families: [truck]
cap: {amount: 40000}
threshold: %d
per_unit: 200
`, P, eff, s.units(30)))
	add("VOL-"+P+"-FLEET", "Fleet volume for metro and suburban dealers; units with an MSRP of 50,000\nor more count one and a half.", fmt.Sprintf(`
version: 1
name: %s fleet volume
type: volume
currency: USD
%s
eligibility:
  sale_types: [fleet]
  conditions: [new]
  segments: [metro, suburban]
credit:
  to: delivering_dealer
  multipliers:
    - {when: 'sale.msrp >= 50000', factor: 1.5}
threshold: %d
per_unit: 75
`, P, eff, s.units(20)))
	add("VOL-"+P+"-CPO", "Certified pre-owned volume bonus.", fmt.Sprintf(`
version: 1
name: %s CPO volume
type: volume
currency: USD
%s
eligibility:
  conditions: [cpo]
threshold: %d
per_unit: 100
`, P, eff, s.units(10)))
	add("VOL-"+P+"-GRP", "Dealer-group volume bonus; the measure is capped.", fmt.Sprintf(`
version: 1
name: %s group volume
type: volume
currency: USD
%s
payee: group
eligibility:
  sale_types: [retail, lease]
  conditions: [new]
cap: {measure: %d}
threshold: %d
per_unit: 40
`, P, eff, s.units(20000), s.units(2000)))
	add("VOL-"+P+"-CA", "Canadian volume bonus, paid in CAD.", fmt.Sprintf(`
version: 1
name: %s Canada volume
type: volume
currency: CAD
%s
eligibility:
  regions: [CA]
  sale_types: [retail, lease]
threshold: %d
per_unit: 120
`, P, eff, s.units(200)))

	// stair_step
	t = ascending(s.units(60), s.units(150), s.units(300))
	add("SS-"+P+"-SUV", "SUV stair-step, retroactive: reaching a tier pays its rate on every eligible\nSUV of the period, back to the first unit. Next model year units count 1.25.", fmt.Sprintf(`
version: 1
name: %s SUV stair-step
type: stair_step
currency: USD
%s
payee: dealer
eligibility:
  sale_types: [retail, lease]
  conditions: [new]
  models: [SUV1, SUV2, SUV3]
  model_years: [%d, %d]
credit:
  to: delivering_dealer
  multipliers:
    - {when: 'sale.model_year == %d', factor: 1.25}
cap: {amount: 60000}
measure: units
basis: retroactive
tiers:
  - {from: %d, per_unit: 100}
  - {from: %d, per_unit: 200}
  - {from: %d, per_unit: 300}
`, P, eff, y, y+1, y+1, t[0], t[1], t[2]))
	add("SS-"+P+"-EV", "EV stair-step, marginal: each band pays its own rate.", fmt.Sprintf(`
version: 1
name: %s EV launch stair-step
type: stair_step
currency: USD
%s
eligibility:
  sale_types: [retail, lease]
  models: ["EV*"]
measure: units
basis: marginal
tiers:
  - {from: 0, per_unit: 250}
  - {from: %d, per_unit: 400}
`, P, eff, s.units(60)))
	t = ascending(s.revenue(300), s.revenue(800), s.revenue(1600))
	add("SS-"+P+"-REV", "Revenue stair-step, retroactive rate tiers on credited sale amounts.", fmt.Sprintf(`
version: 1
name: %s revenue stair-step
type: stair_step
currency: USD
%s
eligibility:
  sale_types: [retail, lease]
  conditions: [new]
measure: revenue
basis: retroactive
base: sale_amount
tiers:
  - {from: %d, rate: 0.002}
  - {from: %d, rate: 0.0035}
  - {from: %d, rate: 0.005}
`, P, eff, t[0], t[1], t[2]))
	t = ascending(s.revenue(100), s.revenue(250))
	add("SS-"+P+"-CAR", "Passenger-car revenue stair-step, marginal rate bands.", fmt.Sprintf(`
version: 1
name: %s car revenue bands
type: stair_step
currency: USD
%s
eligibility:
  conditions: [new]
  families: [sedan, hybrid]
measure: revenue
basis: marginal
tiers:
  - {from: 0, rate: 0.001}
  - {from: %d, rate: 0.002}
  - {from: %d, rate: 0.003}
`, P, eff, t[0], t[1]))
	add("SS-"+P+"-OBJ", "Objective attainment: 1% of MSRP at 100% of objective, 1.75% at 125%.", fmt.Sprintf(`
version: 1
name: %s retail objective
type: stair_step
currency: USD
%s
eligibility:
  sale_types: [retail]
  conditions: [new]
  when: 'dealer.region != "PR"'
measure: objective_pct
objective_key: %s
base: msrp
tiers:
  - {from: 90, rate: 0.005}
  - {from: 100, rate: 0.01}
  - {from: 125, rate: 0.0175}
`, P, eff, objectiveKey(p)))
	add(suvObjectiveProgram(p), "SUV objective attainment, per unit; the objective key is the program id.", fmt.Sprintf(`
version: 1
name: %s SUV objective
type: stair_step
currency: USD
%s
eligibility:
  sale_types: [retail, lease]
  conditions: [new]
  families: [suv]
measure: objective_pct
tiers:
  - {from: 80, per_unit: 50}
  - {from: 100, per_unit: 125}
  - {from: 120, per_unit: 200}
`, P, eff))
	t = ascending(s.units(40), s.units(100), s.units(200))
	add("SS-"+P+"-SED", "Sedan stair-step paying a flat amount for the tier reached.", fmt.Sprintf(`
version: 1
name: %s sedan flat tiers
type: stair_step
currency: USD
%s
eligibility:
  sale_types: [retail, lease]
  conditions: [new]
  families: [sedan]
tiers:
  - {from: %d, amount: 1000}
  - {from: %d, amount: 2500}
  - {from: %d, amount: 5000}
`, P, eff, t[0], t[1], t[2]))
	t = ascending(s.units(600), s.units(1500), s.units(3000))
	add("SS-"+P+"-GRP-SUV", "SUV stair-step for dealer groups.", fmt.Sprintf(`
version: 1
name: %s group SUV stair-step
type: stair_step
currency: USD
%s
payee: group
eligibility:
  conditions: [new]
  models: ["SUV*"]
tiers:
  - {from: %d, per_unit: 50}
  - {from: %d, per_unit: 100}
  - {from: %d, per_unit: 150}
`, P, eff, t[0], t[1], t[2]))
	t = ascending(s.units(50), s.units(120))
	add("SS-"+P+"-PUSH", "Last-month retail push on cars of 30,000 or more, outside Puerto Rico.", fmt.Sprintf(`
version: 1
name: %s month-end push
type: stair_step
currency: USD
effective: {from: %s, to: %s}
eligibility:
  sale_types: [retail]
  conditions: [new]
  when: 'sale.msrp >= 30000 && dealer.region != "PR"'
tiers:
  - {from: %d, per_unit: 75}
  - {from: %d, per_unit: 150}
`, P, n.lastFrom, n.to, t[0], t[1]))

	// model_mix
	add("MIX-"+P+"-EV", "Electrified mix bonus, paid only when EVs are at least 8% of the dealer's\nnew units.", fmt.Sprintf(`
version: 1
name: %s electrified mix
type: model_mix
currency: USD
%s
eligibility:
  conditions: [new]
rates: {EV1: 750, EV2: 1000, HYB1: 250}
qualify: {min_share: 0.08, of: [EV1, EV2]}
`, P, eff))
	add("MIX-"+P+"-TRK", "Truck mix bonus.", fmt.Sprintf(`
version: 1
name: %s truck mix
type: model_mix
currency: USD
%s
eligibility:
  sale_types: [retail, fleet]
  conditions: [new]
  families: [truck]
rates: {TRK1: 250, TRK2: 400}
`, P, eff))
	add("MIX-"+P+"-GRP", "Premium mix bonus for dealer groups.", fmt.Sprintf(`
version: 1
name: %s group premium mix
type: model_mix
currency: USD
%s
payee: group
eligibility:
  sale_types: [retail, lease]
  conditions: [new]
rates: {SUV3: 300, TRK2: 300, EV2: 500}
qualify: {min_share: 0.04, of: [EV2]}
`, P, eff))

	// commission
	add("COMM-"+P+"-SP", "Salesperson commission, marginal bands on credited revenue; EVs count 1.5\ntimes and trucks 0.75; a month-end kicker.", fmt.Sprintf(`
version: 1
name: %s salesperson commission
type: commission
currency: USD
%s
payee: salesperson
eligibility:
  sale_types: [retail, lease]
  conditions: [new]
cap: {amount: 25000}
measure: revenue
basis: marginal
base: sale_amount
tiers:
  - {from: 0, rate: 0.0015}
  - {from: 500000, rate: 0.0025}
  - {from: 1000000, rate: 0.004}
family_rates: {ev: 1.5, truck: 0.75}
kickers:
  - {month: %s, add_rate: 0.0005}
`, P, eff, n.lastMonth))
	add("COMM-"+P+"-USED", "Pre-owned salesperson commission: the units sold decide the rate paid on\nall pre-owned revenue.", fmt.Sprintf(`
version: 1
name: %s pre-owned commission
type: commission
currency: USD
%s
payee: salesperson
eligibility:
  conditions: [used, cpo]
measure: units
basis: retroactive
tiers:
  - {from: 0, rate: 0.004}
  - {from: 4, rate: 0.006}
  - {from: 8, rate: 0.008}
`, P, eff))
	t = ascending(s.revenue(500), s.revenue(1000))
	add("COMM-"+P+"-FI", "Dealer finance-and-insurance commission on new retail revenue.", fmt.Sprintf(`
version: 1
name: %s dealer F&I commission
type: commission
currency: USD
%s
eligibility:
  sale_types: [retail, lease]
  conditions: [new]
basis: retroactive
tiers:
  - {from: 0, rate: 0.0005}
  - {from: %d, rate: 0.001}
  - {from: %d, rate: 0.0015}
kickers:
  - {month: %s, add_rate: 0.00025}
`, P, eff, t[0], t[1], n.firstMonth))

	// coop
	add(coopAll, "Co-op advertising: 150.00 per new retail or lease unit builds the fund;\npre-approved claims are reimbursed at 50%.", fmt.Sprintf(`
version: 1
name: %s co-op advertising
type: coop
currency: USD
%s
eligibility:
  sale_types: [retail, lease]
  conditions: [new]
accrual: {per_unit: 150}
reimburse: 0.5
claim_deadline_days: 45
`, P, eff))
	add(coopEV, "EV co-op: half a percent of EV revenue, claims reimbursed at 75%.", fmt.Sprintf(`
version: 1
name: %s EV co-op
type: coop
currency: USD
%s
eligibility:
  conditions: [new]
  models: ["EV*"]
accrual: {rate: 0.005}
reimburse: 0.75
claim_deadline_days: 30
`, P, eff))
	add(coopCA, "Canadian co-op, paid in CAD.", fmt.Sprintf(`
version: 1
name: %s Canada co-op
type: coop
currency: CAD
%s
eligibility:
  regions: [CA]
accrual: {per_unit: 120}
reimburse: 0.5
claim_deadline_days: 60
`, P, eff))

	// rebate_passthrough
	add("REB-"+P+"-EV", "EV customer rebates passed through to the dealer.", fmt.Sprintf(`
version: 1
name: %s EV rebates
type: rebate_passthrough
currency: USD
%s
eligibility:
  models: ["EV*"]
rebates: {CR-EV-1000: 1000, CR-EV-500: 500}
claim_window_days: 30
`, P, eff))
	add("REB-"+P+"-LOYAL", "Loyalty and conquest rebates.", fmt.Sprintf(`
version: 1
name: %s loyalty and conquest rebates
type: rebate_passthrough
currency: USD
%s
eligibility:
  sale_types: [retail, lease]
  conditions: [new]
rebates: {CR-LOYAL-750: 750, CR-CONQ-1000: 1000}
claim_window_days: 45
`, P, eff))
	add("REB-"+P+"-TRK", "Truck cash rebate.", fmt.Sprintf(`
version: 1
name: %s truck cash
type: rebate_passthrough
currency: USD
%s
eligibility:
  families: [truck]
rebates: {CR-TRK-1500: 1500}
`, P, eff))

	// certification
	add("CERT-"+P+"-EV", "EV certification: a flat amount plus a per-unit bonus for dealers\ncertified for the whole period.", fmt.Sprintf(`
version: 1
name: %s EV certification
type: certification
currency: USD
%s
eligibility:
  models: ["EV*"]
certification: EV
amount: 2500
per_unit: 50
require: whole_period
`, P, eff))
	add("CERT-"+P+"-CX", "Customer-experience certification held at the period end.", fmt.Sprintf(`
version: 1
name: %s customer experience
type: certification
currency: USD
%s
eligibility:
  sale_types: [retail, lease]
certification: CX
amount: 1000
require: period_end
`, P, eff))
	add("CERT-"+P+"-TRK", "Truck-pro certification: per unit sold while certified.", fmt.Sprintf(`
version: 1
name: %s truck pro
type: certification
currency: USD
%s
eligibility:
  families: [truck]
  certifications: [TRUCK-PRO]
certification: TRUCK-PRO
per_unit: 75
`, P, eff))

	// the next period's program, loaded but not in effect
	nx := n.next
	add("VOL-"+nx.Code, "Next period's volume bonus: loaded with the others, not in effect yet.", fmt.Sprintf(`
version: 1
name: %s volume bonus
type: volume
currency: USD
effective: {from: %s, to: %s}
eligibility:
  sale_types: [retail, lease]
  conditions: [new]
threshold: %d
per_unit: 175
`, nx.Code, nx.From, nx.To, s.units(300)))
	return out
}

func (w *writer) programs() error {
	avg := 1
	if w.o.Dealers > 0 {
		avg = max(1, w.o.Sales/w.o.Dealers)
	}
	for _, p := range programs(w.o.Period, scale{avg: avg}) {
		if err := w.writeText("programs/"+p.id+".yaml", p.text); err != nil {
			return err
		}
		w.rep.Programs++
	}
	return nil
}
