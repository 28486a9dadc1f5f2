package calc

import (
	"cmp"
	"fmt"
	"runtime"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/incent/incent"
	"github.com/incent/incent/internal/arena"
	"github.com/incent/incent/rules"
	"github.com/shopspring/decimal"
)

var (
	zero     = decimal.Zero
	one      = decimal.NewFromInt(1)
	minusOne = decimal.NewFromInt(-1)
	hundred  = decimal.NewFromInt(100)
)

// account sums one payee's credits under one program.
type account struct {
	payee   string
	id      int32 // the payee's number, Credit.payee
	prog    int
	whole   int64      // credited units from whole credits, summed as integers
	rev     revenueSum // credited revenue while credits are summed
	sum     incent.Sum // credited units from the other credits, while they are summed
	units   decimal.Decimal
	revenue decimal.Decimal // rev's total, once every credit is in
	counted int
	// skip is set for a payee whose line is not wanted (Input.Pay): its
	// credits are not summed, but the payee is still listed.
	skip    bool
	byModel map[string]decimal.Decimal // model_mix: credited units per model the formula names
	// model_mix, while credits are summed: units per model slot of the
	// program (program.mixModels), from whole credits as integers and from
	// the others as decimals; folded into byModel once every credit is in.
	mixWhole []int64
	mixUnits []incent.Sum
	sales    []*SaleResult // rebate_passthrough: the counted sales, in order
	// For a program with family rates or kickers (program.bySlot), the
	// credited revenue per family slot (program.famSlot): famRev over the
	// whole period, then kickRev, len(famRev) sums per kicker, over its
	// month. Summing them with the credits, sale after sale in their
	// order, spares going through every sale again for the revenue and
	// once more per kicker, a wait on memory for each.
	famRev, kickRev []revenueSum
}

// measurePlaces is the precision a summed credit is carried to. An equal
// share of a sale among n salespeople is 1/n to 16 places, so three thirds
// make 0.9999999999999999, one unit short of a tier at 1. Rounded half up
// to 10 places they make 1 again: each credit is within 0.5e-16 of its
// exact share, so the sum of fewer than a million is within 0.5e-10.
// Percentage shares are exact and never reach the 10th place.
const measurePlaces = 10

// settle rounds a summed credit to measurePlaces, and leaves one with
// fewer places as it is.
func settle(d decimal.Decimal) decimal.Decimal {
	if d.Exponent() < -measurePlaces {
		return d.Round(measurePlaces)
	}
	return d
}

// measure sums credits per payee and program, finds the tier reached and
// turns each account into a payout line.
func (c *calculator) measure() {
	// Accounts by program and payee number: no hashing per credit.
	accounts := make([][]*account, len(c.progs))
	for i := range accounts {
		accounts[i] = make([]*account, len(c.res.payees))
	}
	c.numberSales()
	// Each core sums the credits of its own programs, so no account is
	// shared and each sums its credits in sale order whatever the cores.
	workers := min(runtime.GOMAXPROCS(0), len(c.progs))
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() { c.accumulate(accounts, w, workers) })
	}
	wg.Wait()

	// Accounts in program order, payees sorted; each becomes the line at
	// its own position, computed on every core (payout only reads the
	// calculator).
	var jobs []*account
	for pi, p := range c.progs {
		start := len(jobs)
		for _, a := range accounts[pi] {
			if a == nil {
				continue
			}
			pe := Payee{Type: p.Payee, Code: a.payee}
			c.payeeSet[pe] = true
			if a.skip {
				continue
			}
			a.sum.AddInt(a.whole, 0)
			a.units = settle(a.sum.Value())
			if a.mixWhole != nil {
				a.byModel = make(map[string]decimal.Decimal, len(p.mixModels))
				for slot, m := range p.mixModels {
					a.mixUnits[slot].AddInt(a.mixWhole[slot], 0)
					a.byModel[m] = settle(a.mixUnits[slot].Value())
				}
				a.mixWhole, a.mixUnits = nil, nil
			}
			a.revenue = settle(a.rev.Value())
			jobs = append(jobs, a)
		}
		slices.SortFunc(jobs[start:], func(a, b *account) int { return strings.Compare(a.payee, b.payee) })
	}
	c.res.Lines = make([]PayoutLine, len(jobs))
	Parallel(len(jobs), 256, func(from, to int) {
		for k := from; k < to; k++ {
			a := jobs[k]
			c.res.Lines[k] = c.payout(c.progs[a.prog], a)
			c.res.Lines[k].Counted = a.counted
		}
		keepText(c.res.Lines[from:to])
	})
	// Lines are large: sort their positions, then move each into place.
	lines := c.res.Lines
	idx := make([]int, len(lines))
	for i := range idx {
		idx[i] = i
	}
	sort.SliceStable(idx, func(i, j int) bool {
		a, b := &lines[idx[i]], &lines[idx[j]]
		if a.PayeeType != b.PayeeType {
			return payeeRank(a.PayeeType) < payeeRank(b.PayeeType)
		}
		if a.Payee != b.Payee {
			return a.Payee < b.Payee
		}
		return a.ProgramID < b.ProgramID
	})
	permute(lines, idx)
	for _, d := range c.in.Dealers {
		c.payeeSet[Payee{Type: rules.PayeeDealer, Code: d.Code}] = true
	}
	for pe := range c.payeeSet {
		if pe.Type == rules.PayeeDealer {
			if d := c.dealers[pe.Code]; d != nil {
				pe.Name = d.Name
			}
		} else {
			pe.Name = pe.Code
		}
		c.res.Payees = append(c.res.Payees, pe)
	}
	sort.Slice(c.res.Payees, func(i, j int) bool {
		a, b := c.res.Payees[i], c.res.Payees[j]
		if a.Type != b.Type {
			return payeeRank(a.Type) < payeeRank(b.Type)
		}
		return a.Code < b.Code
	})
}

// keepText moves the texts of lines (tiers, reasons, the steps of their
// formulas) into one block of their own. Each was made among many more
// strings and numbers the pass let go at once, and would keep the heap's
// small block it lies in from being used again for as long as the run.
func keepText(lines []PayoutLine) {
	n, steps := 0, 0
	for i := range lines {
		l := &lines[i]
		n += len(l.Tier) + len(l.NextTier) + len(l.Reason)
		for _, f := range l.Formula {
			n += len(f)
		}
		steps += len(l.Formula)
	}
	var text arena.Text
	text.Reserve(n)
	formulas := make([]string, 0, steps)
	for i := range lines {
		l := &lines[i]
		l.Tier, l.NextTier, l.Reason = text.String(l.Tier), text.String(l.NextTier), text.String(l.Reason)
		if l.Formula != nil {
			start := len(formulas)
			for _, f := range l.Formula {
				formulas = append(formulas, text.String(f))
			}
			l.Formula = formulas[start:len(formulas):len(formulas)]
		}
	}
}

// accumulate adds up the credits of programs pi ≡ w (mod n) into their
// accounts.
func (c *calculator) accumulate(accounts [][]*account, w, n int) {
	for si := range c.res.Sales {
		sr := &c.res.Sales[si]
		for _, cr := range sr.Credits() {
			if int(cr.Program)%n != w {
				continue
			}
			p := c.progs[cr.Program]
			a := accounts[cr.Program][cr.payee]
			if a == nil {
				a = &account{payee: c.res.payees[cr.payee], id: cr.payee, prog: int(cr.Program)}
				a.skip = c.in.Pay != nil && !c.in.Pay(Payee{Type: p.Payee, Code: a.payee})
				accounts[cr.Program][cr.payee] = a
			}
			if a.skip {
				continue
			}
			if cr.Whole == 0 {
				c.res.AddUnits(&a.sum, cr)
			} else {
				a.whole += int64(cr.Whole)
			}
			if cr.Whole == 0 || p.needsRevenue {
				a.rev.add(c.res, p, sr, cr)
			}
			a.counted++
			if p.keepSales {
				a.sales = append(a.sales, sr)
			}
			if p.bySlot {
				slots := len(p.familyRates) + 1
				if a.famRev == nil {
					a.famRev, a.kickRev = make([]revenueSum, slots), make([]revenueSum, slots*len(p.kickerDays))
				}
				slot := 0 // a program with kickers alone has one
				if p.famSlot != nil {
					slot = int(p.famSlot[c.saleFamily[si]])
				}
				a.famRev[slot].add(c.res, p, sr, cr)
				for ki, kd := range p.kickerDays {
					if kd.ok && sr.Date >= kd.first && sr.Date <= kd.last {
						a.kickRev[ki*slots+slot].add(c.res, p, sr, cr)
					}
				}
			}
			if p.mixModels != nil {
				if slot := p.mixSlot[c.saleModel[si]]; slot >= 0 {
					if a.mixWhole == nil {
						a.mixWhole, a.mixUnits = make([]int64, len(p.mixModels)), make([]incent.Sum, len(p.mixModels))
					}
					if cr.Whole != 0 {
						a.mixWhole[slot] += int64(cr.Whole)
					} else {
						c.res.AddUnits(&a.mixUnits[slot], cr)
					}
				}
			}
		}
	}
}

// numberSales numbers the models and families of the period's sales, as
// far as programs need them, so that summing per model (model_mix) or per
// family (family_rates) takes neither hashing nor a read of the sale per
// credit, a wait on memory each: saleModel and saleFamily give each
// sale's numbers, a program's mixSlot the slot of a model number among
// the models its formula names (or -1), and famSlot the slot of a family
// number among its family rates (len(familyRates) for none). One pass
// reads both, sale after sale.
func (c *calculator) numberSales() {
	var mix, fam bool
	for _, p := range c.progs {
		mix = mix || p.mixModels != nil
		fam = fam || p.familyRates != nil
	}
	if !mix && !fam {
		return
	}
	models, families := &symNumbers{ids: map[incent.Sym]int32{}}, &symNumbers{ids: map[incent.Sym]int32{}}
	if mix {
		c.saleModel = make([]int32, len(c.res.Sales))
	}
	if fam {
		c.saleFamily = make([]int32, len(c.res.Sales))
	}
	for si := range c.res.Sales {
		s := c.res.Sales[si].Basis
		if mix {
			c.saleModel[si] = models.number(s.ModelCode)
		}
		if fam {
			c.saleFamily[si] = families.number(s.Family)
		}
	}
	for _, p := range c.progs {
		if p.mixModels != nil {
			p.mixSlot = make([]int32, len(models.ids))
			for i := range p.mixSlot {
				p.mixSlot[i] = -1
			}
			for slot, m := range p.mixModels {
				if id, ok := models.ids[incent.Intern(m)]; ok {
					p.mixSlot[id] = int32(slot)
				}
			}
		}
		if p.familyRates != nil {
			p.famSlot = make([]int32, len(families.ids))
			for f, id := range families.ids {
				p.famSlot[id] = int32(p.familySlot(f))
			}
		}
	}
}

// symNumbers numbers symbols in the order they are first seen.
type symNumbers struct {
	ids  map[incent.Sym]int32
	last incent.Sym
	id   int32 // last's number, once ids holds any
}

func (n *symNumbers) number(s incent.Sym) int32 {
	if len(n.ids) > 0 && s == n.last {
		return n.id // sales run in stretches of one model or family
	}
	id, ok := n.ids[s]
	if !ok {
		id = int32(len(n.ids))
		n.ids[s] = id
	}
	n.last, n.id = s, id
	return id
}

// Parallel calls work on consecutive ranges of [0, n) of at most chunk
// items, on every core, and returns when all are done. The calculation's
// passes use it, and so do the steps that turn its result into files.
// With no items, work is not called: a range's work may index by it.
func Parallel(n, chunk int, work func(from, to int)) {
	if n <= 0 {
		return
	}
	workers := min(runtime.GOMAXPROCS(0), (n+chunk-1)/chunk)
	if workers <= 1 {
		work(0, n)
		return
	}
	var next atomic.Int64
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for {
				from := int(next.Add(int64(chunk))) - chunk
				if from >= n {
					return
				}
				work(from, min(n, from+chunk))
			}
		})
	}
	wg.Wait()
}

func payeeRank(k rules.PayeeKind) int {
	switch k {
	case rules.PayeeDealer:
		return 0
	case rules.PayeeGroup:
		return 1
	}
	return 2
}

// payout applies the program's formula to one payee's account and rounds the
// result once.
func (c *calculator) payout(p *program, a *account) PayoutLine {
	line := PayoutLine{
		PayeeType:      p.Payee,
		Payee:          a.payee,
		ProgramID:      p.ID,
		ProgramVersion: p.Version,
		Kind:           "calc",
		Currency:       p.Currency,
		Units:          incent.AmountOf(a.units),
		Revenue:        incent.AmountOf(a.revenue),
		Rounding:       c.in.Rounding,
	}
	var f formula
	switch p.Type {
	case rules.Volume:
		c.volume(p, a, &line, &f)
	case rules.StairStep, rules.Commission:
		c.tiered(p, a, &line, &f)
	case rules.ModelMix:
		c.modelMix(p, a, &line, &f)
	case rules.Certification:
		c.certification(p, a, &line, &f)
	case rules.RebatePassthrough:
		c.rebates(p, a, &line, &f)
	case rules.Coop:
		c.coop(p, a, &line, &f)
	default:
		line.Reason = fmt.Sprintf("program type %s is not calculated yet", p.Type)
		f.add("%s", line.Reason)
	}
	if p.Cap.Amount != nil && f.amount.GreaterThan(*p.Cap.Amount) {
		f.add("capped at %s per payee", money(*p.Cap.Amount, p.Currency))
		f.amount = *p.Cap.Amount
	}
	line.Unrounded = incent.AmountOf(f.amount)
	line.Amount = incent.AmountOf(c.in.Rounding.Round(f.amount, p.Currency))
	line.Formula = f.lines
	return line
}

// formula collects the steps of a payout in words and numbers.
type formula struct {
	lines  []string
	amount decimal.Decimal
}

func (f *formula) add(format string, args ...any) {
	f.lines = append(f.lines, fmt.Sprintf(format, args...))
}

func (c *calculator) volume(p *program, a *account, line *PayoutLine, f *formula) {
	m := a.units
	line.MeasureKind = "units"
	if p.Cap.Measure != nil && m.GreaterThan(*p.Cap.Measure) {
		f.add("%s credited units capped at %s", num(m), num(*p.Cap.Measure))
		m = *p.Cap.Measure
	}
	line.Measure = incent.AmountOf(m)
	beyond := decimal.Max(zero, m.Sub(p.Threshold))
	f.amount = beyond.Mul(p.PerUnit)
	f.add("max(0, %s units − threshold %s) = %s units beyond the threshold", num(m), num(p.Threshold), num(beyond))
	f.add("%s units × %s per unit = %s", num(beyond), money(p.PerUnit, p.Currency), plain(f.amount))
	if beyond.IsZero() {
		next := p.Threshold.Sub(m).Add(one).Floor()
		if next.IsPositive() {
			line.NextTier = fmt.Sprintf("%s more units to pass the threshold of %s, worth %s per unit beyond it",
				num(next), num(p.Threshold), money(p.PerUnit, p.Currency))
		}
	}
}

// tierState is what a tiered program pays at a measure.
type tierState struct {
	m, units, revenue decimal.Decimal
}

func (c *calculator) tiered(p *program, a *account, line *PayoutLine, f *formula) {
	st := tierState{units: a.units, revenue: c.commissionRevenue(p, a)}
	line.MeasureKind = p.Measure
	var objective decimal.Decimal
	switch p.Measure {
	case "revenue":
		st.m = st.revenue
	case "objective_pct":
		key := p.ObjectiveKey
		if key == "" {
			key = p.ID
		}
		obj, ok := c.objective(a.payee, key)
		if !ok || !obj.IsPositive() {
			line.Reason = fmt.Sprintf("no objective for %s in %s (objective key %s)", a.payee, c.in.Period.Code, key)
			if ok {
				line.Reason = fmt.Sprintf("the objective for %s in %s (objective key %s) is %s units; a share of it cannot be measured", a.payee, c.in.Period.Code, key, num(obj))
			}
			f.add("excluded: %s", line.Reason)
			line.Tier = "none"
			return
		}
		objective = obj
		st.m = pctOf(st.units, obj)
		f.add("%% of objective = 100 × %s credited units ÷ objective %s = %s%%", num(st.units), num(obj), num(st.m))
	default:
		line.MeasureKind = "units"
		st.m = st.units
	}
	uncapped := st.revenue // the revenue before a cap on the measure
	if p.Cap.Measure != nil && st.m.GreaterThan(*p.Cap.Measure) {
		capped := *p.Cap.Measure
		f.add("measure %s capped at %s", measureText(p, st.m), measureText(p, capped))
		st = scaleTo(p, st, capped, objective)
	}
	line.Measure = incent.AmountOf(st.m)

	ti := reachedTier(p.Tiers, st.m)
	if ti < 0 {
		line.Tier = "none"
		f.add("measure %s is below the first tier (from %s): nothing earned", measureText(p, st.m), p.tierText[0].from)
	} else {
		line.TierIndex = ti + 1
		line.Tier = c.tierLabel(p, ti)
	}
	pay := c.tierPay(p, st, ti, f) // before kickers: what the next tier's worth is told against
	f.amount = pay

	// Kickers add a rate on revenue dated in their month (commission).
	for ki, k := range p.Kickers {
		// The month's revenue was summed with the credits, the sales
		// told by the month's first and last days (program.kickerDays).
		if a.kickRev == nil {
			break
		}
		slots := len(p.familyRates) + 1
		rev := familyWeighted(p, a.kickRev[ki*slots:(ki+1)*slots])
		if rev.IsZero() {
			continue
		}
		if !st.revenue.Equal(uncapped) && uncapped.IsPositive() {
			// Under a cap on the measure, the month's revenue counts in the
			// share the whole revenue does, as the tiers pay it.
			counted := rev.Mul(st.revenue).DivRound(uncapped, 16)
			f.add("kicker %s: %s revenue in the month × %s ÷ %s (the share the cap counts) = %s", k.Month, plain(rev), plain(st.revenue), plain(uncapped), plain(counted))
			rev = counted
		}
		add := rev.Mul(k.AddRate)
		f.add("kicker %s: %s revenue × %s = %s", k.Month, plain(rev), pct(k.AddRate), plain(add))
		f.amount = f.amount.Add(add)
	}

	if ti+1 < len(p.Tiers) {
		next := p.Tiers[ti+1]
		gap := next.From.Sub(st.m)
		at, reach := scaleTo(p, st, next.From, objective), ti+1
		if p.Measure == "objective_pct" && objective.IsPositive() {
			// The distance is told in the whole units that reach the tier
			// (distanceText), and what it is worth is what they pay, at
			// the tier they reach (a later one, where tiers lie closer
			// than a unit).
			units := st.units.Add(unitsToReach(next.From, st.units, objective))
			at = tierState{m: pctOf(units, objective), units: units, revenue: perUnitScale(st, units)}
			reach = reachedTier(p.Tiers, at.m)
		}
		worth := c.in.Rounding.Round(c.tierPay(p, at, reach, nil).Sub(pay), p.Currency)
		line.NextTier = fmt.Sprintf("%s to reach %s%s", c.distanceText(p, gap, st.units, next.From, objective), c.tierLabel(p, ti+1), worthText(worth, p.Currency))
	}
}

// worthText tells what reaching the next tier changes, rounded: nothing
// when it is zero, as for a rate on revenue where the counted sales carry
// none (a dealer would read "worth 0.00 USD more" as a mistake), and
// "less" for a tier that pays less than the one reached.
func worthText(worth decimal.Decimal, cur incent.Currency) string {
	switch worth.Sign() {
	case 1:
		return ", worth " + money(worth, cur) + " more"
	case -1:
		return ", worth " + money(worth.Neg(), cur) + " less"
	}
	return ""
}

// scaleTo returns the state at measure m, keeping the payee's average
// revenue per unit, so the worth of the next tier can be told.
func scaleTo(p *program, st tierState, m, objective decimal.Decimal) tierState {
	out := tierState{m: m}
	switch p.Measure {
	case "revenue":
		out.revenue = m
		out.units = st.units
		if st.revenue.IsPositive() {
			out.units = st.units.Mul(m).DivRound(st.revenue, 16)
		}
	case "objective_pct":
		out.units = m.Mul(objective).DivRound(hundred, 16)
		out.revenue = perUnitScale(st, out.units)
	default:
		out.units = m
		out.revenue = perUnitScale(st, m)
	}
	return out
}

func perUnitScale(st tierState, units decimal.Decimal) decimal.Decimal {
	if st.units.IsZero() {
		return zero
	}
	return st.revenue.Mul(units).DivRound(st.units, 16)
}

// reachedTier returns the index of the highest tier with from ≤ m, or -1.
func reachedTier(tiers []rules.Tier, m decimal.Decimal) int {
	ti := -1
	for i, t := range tiers {
		if t.From.LessThanOrEqual(m) {
			ti = i
		}
	}
	return ti
}

// tierPay is the unrounded payout at state st with tier ti reached; with a
// non-nil formula it records its steps.
func (c *calculator) tierPay(p *program, st tierState, ti int, f *formula) decimal.Decimal {
	if ti < 0 {
		return zero
	}
	// The words are only built when a formula is being recorded: the worth
	// of the next tier is computed for every payee without them.
	t := p.Tiers[ti]
	if p.Basis != "marginal" {
		switch t.Kind {
		case rules.TierPerUnit:
			amt := st.units.Mul(t.Value)
			if f != nil {
				f.add("%s reached: %s credited units × %s per unit, back to the first unit = %s", c.tierLabel(p, ti), num(st.units), p.tierText[ti].value, plain(amt))
			}
			return amt
		case rules.TierRate:
			amt := st.revenue.Mul(t.Value)
			if f != nil {
				f.add("%s reached: %s credited revenue × %s, back to the first unit = %s", c.tierLabel(p, ti), plain(st.revenue), pct(t.Value), plain(amt))
			}
			return amt
		default:
			if f != nil {
				f.add("%s reached: flat amount %s", c.tierLabel(p, ti), p.tierText[ti].value)
			}
			return t.Value
		}
	}
	total := zero
	for i := 0; i <= ti; i++ {
		lo := p.Tiers[i].From
		hi := st.m
		last := i+1 >= len(p.Tiers)
		if !last {
			hi = decimal.Min(hi, p.Tiers[i+1].From)
		}
		in := hi.Sub(lo)
		if !in.IsPositive() {
			continue
		}
		amt := in.Mul(p.Tiers[i].Value)
		total = total.Add(amt)
		if f == nil {
			continue
		}
		upper := "and above"
		if !last {
			upper = "to " + p.tierText[i+1].from
		}
		rate := p.tierText[i].rate
		f.add("band %s (%s %s): %s × %s = %s", c.tierLabel(p, i), measureText(p, lo), upper, measureText(p, in), rate, plain(amt))
	}
	if f != nil && ti > 0 {
		f.add("sum of bands = %s", plain(total))
	}
	return total
}

// commissionRevenue is the payee's credited revenue, with each family's
// revenue counted at its family_rates factor.
func (c *calculator) commissionRevenue(p *program, a *account) decimal.Decimal {
	if len(p.FamilyRates) == 0 || a.famRev == nil {
		return a.revenue
	}
	return familyWeighted(p, a.famRev)
}

// familyWeighted is the credited revenue of sums, one per family slot of
// p (see account.famRev), with each family's counted at its family_rates
// factor. Revenue is summed per factor and multiplied once: exact decimals
// give the same amount as multiplying sale by sale.
func familyWeighted(p *program, sums []revenueSum) decimal.Decimal {
	rev := sums[len(p.FamilyRates)].Value() // the last: families at factor one
	for i, fr := range p.FamilyRates {
		rev = rev.Add(sums[i].Value().Mul(fr.Factor))
	}
	return settle(rev) // a summed measure, as a.revenue is
}

// familySlot is the place of family in p's family rates, len(FamilyRates)
// when it has none.
func (p *program) familySlot(family incent.Sym) int {
	if i := slices.Index(p.familyRates, family); i >= 0 {
		return i
	}
	return len(p.familyRates)
}

// revenueSum adds up credited revenue: a whole credit whose base is exact
// in cents adds whole cents, any other credit its exact decimal revenue.
type revenueSum struct{ incent.Sum }

func (s *revenueSum) add(res *Result, p *program, sr *SaleResult, cr Credit) {
	if b := p.base(); cr.Whole != 0 && sr.exact[b] {
		s.AddInt(int64(cr.Whole)*sr.cents[b], -2)
		return
	}
	res.AddRevenue(&s.Sum, cr)
}

func (c *calculator) modelMix(p *program, a *account, line *PayoutLine, f *formula) {
	line.MeasureKind = "units"
	line.Measure = incent.AmountOf(a.units)
	if q := p.Qualify; q != nil {
		of := zero
		for _, m := range q.Of {
			of = of.Add(a.byModel[m])
		}
		share := zero
		if a.units.IsPositive() {
			share = of.DivRound(a.units, 6)
		}
		f.add("share of [%s] = %s of %s eligible units = %s (needs %s)", strings.Join(q.Of, " "), num(of), num(a.units), pct(share), pct(q.MinShare))
		if share.LessThan(q.MinShare) {
			line.Tier = "not qualified"
			f.add("share below the minimum: nothing earned")
			return
		}
	}
	for _, r := range p.Rates {
		u := a.byModel[r.Model]
		if u.IsZero() {
			continue
		}
		amt := u.Mul(r.Rate)
		f.add("%s: %s units × %s = %s", r.Model, num(u), money(r.Rate, p.Currency), plain(amt))
		f.amount = f.amount.Add(amt)
	}
	if len(f.lines) == 0 || f.amount.IsZero() {
		f.add("no credited units of a rated model")
	}
}

func (c *calculator) certification(p *program, a *account, line *PayoutLine, f *formula) {
	line.MeasureKind = "units"
	line.Measure = incent.AmountOf(a.units)
	end := c.in.Period.To
	if !c.in.AsOf.IsZero() && c.in.AsOf < end {
		end = c.in.AsOf
	}
	ok := false
	if p.Require == "whole_period" {
		ok = heldThrough(c.certs[a.payee], p.Certification, c.in.Period.From, end)
		f.add("%s certification held for the whole period %s to %s: %s", p.Certification, c.in.Period.From, end, yesNo(ok))
	} else {
		ok = c.holds(a.payee, p.Certification, end)
		f.add("%s certification held on %s: %s", p.Certification, end, yesNo(ok))
	}
	if !ok {
		line.Tier = "not certified"
		line.Reason = "not certified " + p.Certification
		return
	}
	if p.Amount != nil {
		f.add("flat amount %s", money(*p.Amount, p.Currency))
		f.amount = f.amount.Add(*p.Amount)
	}
	if !p.PerUnit.IsZero() {
		amt := a.units.Mul(p.PerUnit)
		f.add("%s credited units × %s per unit = %s", num(a.units), money(p.PerUnit, p.Currency), plain(amt))
		f.amount = f.amount.Add(amt)
	}
}

// heldThrough reports whether certs hold certification cert on every day
// from from to to: one row, or several that follow on or overlap, as a
// certification renewed within the period is recorded.
func heldThrough(certs []incent.Certification, cert string, from, to incent.Date) bool {
	var rows []incent.Certification
	for _, ce := range certs {
		if ce.Certification == cert {
			rows = append(rows, ce)
		}
	}
	slices.SortFunc(rows, func(a, b incent.Certification) int { return cmp.Compare(a.ValidFrom, b.ValidFrom) })
	next := from // the first day not yet known to be held
	for _, ce := range rows {
		if ce.ValidFrom > next {
			return false // a day without the certification
		}
		if ce.ValidTo.IsZero() {
			return true // held from here on
		}
		if ce.ValidTo >= next {
			next = ce.ValidTo.AddDays(1)
		}
		if next > to {
			return true
		}
	}
	return false
}

func (c *calculator) objective(payee, key string) (decimal.Decimal, bool) {
	// An objective without a key applies to every program that measures on one.
	if v, ok := c.objs[payee+"|"+c.in.Period.Code+"|"+key]; ok {
		return v, true
	}
	v, ok := c.objs[payee+"|"+c.in.Period.Code+"|"]
	return v, ok
}

func (c *calculator) tierLabel(p *program, i int) string { return p.tierText[i].label }

// tierText is what a formula says of one tier of a program, written once
// per run rather than once per payee.
type tierText struct {
	label string // Tier 2 (from 100 units)
	from  string // 100 units: the tier's start as a measure
	rate  string // the tier's value as a band's rate: 12.50 USD per unit, or 1.5%
	value string // the tier's value as money: 12.50 USD
}

func tierTexts(p *program) []tierText {
	out := make([]tierText, len(p.Tiers))
	for i, t := range p.Tiers {
		from := measureText(p, t.From)
		out[i] = tierText{label: fmt.Sprintf("Tier %d (from %s)", i+1, from), from: from, value: money(t.Value, p.Currency)}
		out[i].rate = out[i].value + " per unit"
		if t.Kind == rules.TierRate {
			out[i].rate = pct(t.Value)
		}
	}
	return out
}

func measureText(p *program, m decimal.Decimal) string {
	switch p.Measure {
	case "revenue":
		return money(m, p.Currency) + " revenue"
	case "objective_pct":
		return num(m) + "% of objective"
	}
	return num(m) + " units"
}

func (c *calculator) distanceText(p *program, gap, units, from, objective decimal.Decimal) string {
	switch p.Measure {
	case "revenue":
		return money(gap, p.Currency) + " more revenue"
	case "objective_pct":
		return fmt.Sprintf("%s more points of objective (%s more units)", num(gap), num(unitsToReach(from, units, objective)))
	}
	if gap.Equal(one) {
		return "1 more unit"
	}
	return num(gap) + " more units"
}

// pctOf is the measure of units against a (positive) objective: its
// percentage at four places, as the tiers compare it.
func pctOf(units, objective decimal.Decimal) decimal.Decimal {
	return hundred.Mul(units).DivRound(objective, 4)
}

// unitsToReach is the fewest whole credited units that, added to units,
// bring the measure against objective to from. It is counted from the
// units, not from the measure's distance, which is rounded: 1 unit of 3
// is 33.3333%, 66.6667 points from 100%, and 66.6667 × 3 ÷ 100 is just
// over 2 units, yet 2 more make 3 of 3.
func unitsToReach(from, units, objective decimal.Decimal) decimal.Decimal {
	u := decimal.Max(one, from.Mul(objective).Div(hundred).Sub(units).Ceil())
	// The measure is rounded at four places, so one unit fewer may reach
	// it where the objective is very large, and one more may be needed
	// where the tier's threshold has more places than that.
	for u.GreaterThan(one) && pctOf(units.Add(u).Sub(one), objective).GreaterThanOrEqual(from) {
		u = u.Sub(one)
	}
	for pctOf(units.Add(u), objective).LessThan(from) {
		u = u.Add(one)
	}
	return u
}

// The numbers of formulas are written without decimal's String, which
// goes through a big integer's text: a million-sale quarter's formulas
// hold about a million of them.

// num prints an exact quantity without trailing zeros.
func num(d decimal.Decimal) string {
	var buf [32]byte
	return incent.GroupThousands(string(incent.AppendDecimal(buf[:0], d)))
}

// plain prints an unrounded amount exactly, grouped.
func plain(d decimal.Decimal) string { return num(d) }

// money prints an amount at the currency's minor digits, or at as many as
// the value needs: a rate per unit of 12.345 is shown whole, and revenue
// of 56,336.1750000000 (a sum of split shares) as 56,336.175.
func money(d decimal.Decimal, cur incent.Currency) string {
	var buf [32]byte
	return incent.GroupThousands(string(incent.AppendAtLeast(buf[:0], d, cur.Minor))) + " " + cur.Code
}

// pct prints a fraction as a percentage: 0.0175 -> "1.75%".
func pct(d decimal.Decimal) string {
	var buf [32]byte
	return string(append(incent.AppendDecimal(buf[:0], d.Mul(hundred)), '%'))
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

// credit returns this account's credit of a sale.
func (a *account) credit(sr *SaleResult) (Credit, bool) {
	for _, cr := range sr.Credits() {
		if cr.payee == a.id && int(cr.Program) == a.prog {
			return cr, true
		}
	}
	return Credit{}, false
}

// rebates reimburses each counted sale's customer rebate at the program's
// amount, noting a claimed amount that differs.
func (c *calculator) rebates(p *program, a *account, line *PayoutLine, f *formula) {
	line.MeasureKind = "units"
	line.Measure = incent.AmountOf(a.units)
	for _, sr := range a.sales {
		cr, ok := a.credit(sr)
		if !ok {
			continue
		}
		r := p.rebate(sr.Basis.RebateCode())
		amt := c.res.Units(cr).Mul(r.Amount)
		note := ""
		if ra := sr.Basis.RebateAmount(); ra.Has() && !ra.Decimal().Equal(r.Amount) {
			note = fmt.Sprintf(" (claimed %s, paid at the program amount)", money(ra.Decimal(), p.Currency))
		}
		f.add("%s %s %s: %s × %s = %s%s", sr.Sale.SaleDate, sr.Sale.VIN, r.Code, num(c.res.Units(cr)), money(r.Amount, p.Currency), plain(amt), note)
		f.amount = f.amount.Add(amt)
	}
}

// coop builds the payee's fund from its counted sales and pays its claims
// in submitted-date, then claim-id order until the fund is used up.
func (c *calculator) coop(p *program, a *account, line *PayoutLine, f *formula) {
	line.MeasureKind = "units"
	line.Measure = incent.AmountOf(a.units)
	var fund decimal.Decimal
	if p.AccrualPerUnit != nil {
		fund = a.units.Mul(*p.AccrualPerUnit)
		f.add("fund: %s credited units × %s = %s", num(a.units), money(*p.AccrualPerUnit, p.Currency), plain(fund))
	} else if p.AccrualRate != nil {
		fund = a.revenue.Mul(*p.AccrualRate)
		f.add("fund: %s credited revenue × %s = %s", plain(a.revenue), pct(*p.AccrualRate), plain(fund))
	}
	fund = decimal.Max(fund, zero)
	claims := append([]incent.Claim(nil), c.claims[a.payee+"|"+p.ID]...)
	sort.Slice(claims, func(i, j int) bool {
		if claims[i].SubmittedDate != claims[j].SubmittedDate {
			return claims[i].SubmittedDate < claims[j].SubmittedDate
		}
		return claims[i].ClaimID < claims[j].ClaimID
	})
	deadline := c.in.Period.To.AddDays(p.ClaimDeadlineDays)
	left := fund
	// A fund that accrued nothing is not "used up": the claims had nothing
	// to draw on from the start.
	empty := "the fund is used up"
	if !fund.IsPositive() {
		empty = "no fund accrued this period"
	}
	for _, cl := range claims {
		co := ClaimOutcome{Claim: cl, Due: cl.SpendAmount.Mul(p.Reimburse), Outcome: "declined"}
		switch {
		case !cl.Preapproved:
			co.Reason = "not pre-approved"
		case !c.in.Period.Contains(cl.InvoiceDate):
			co.Reason = fmt.Sprintf("invoice date %s is outside the period", cl.InvoiceDate)
		case cl.SubmittedDate > deadline:
			co.Reason = fmt.Sprintf("submitted %s after the deadline %s", cl.SubmittedDate, deadline)
		case !left.IsPositive():
			co.Outcome, co.Reason = "not paid", empty
		case co.Due.GreaterThan(left):
			co.Outcome, co.Paid, co.Reason = "partly paid", left, "the fund is used up"
		default:
			co.Outcome, co.Paid = "paid", co.Due
		}
		switch co.Outcome {
		case "declined":
			f.add("claim %s: declined, %s", cl.ClaimID, co.Reason)
		case "not paid":
			f.add("claim %s: not paid, %s (%s due)", cl.ClaimID, empty, plain(co.Due))
		case "partly paid":
			f.add("claim %s: %s spend × %s = %s due; paid %s, the rest of the fund", cl.ClaimID, plain(cl.SpendAmount), pct(p.Reimburse), plain(co.Due), plain(co.Paid))
		default:
			f.add("claim %s: %s spend × %s = %s paid", cl.ClaimID, plain(cl.SpendAmount), pct(p.Reimburse), plain(co.Due))
		}
		f.amount = f.amount.Add(co.Paid)
		left = left.Sub(co.Paid)
		line.Claims = append(line.Claims, co)
	}
	if len(claims) == 0 {
		f.add("no claims against the fund")
	}
}
