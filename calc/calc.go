// Package calc runs the passes of a calculation — eligibility, crediting,
// measure and tier, payout — as pure functions over in-memory data. It reads
// no files, runs no SQL and has no clock: the same Input always gives the
// same Result, whatever the order of the input rows.
//
// Every decision carries its reason (why a sale was excluded, which tier was
// reached and how far the next one is), so statements, the calculation log
// and explain read the same facts and never recompute them.
package calc

import (
	"cmp"
	"encoding/binary"
	"fmt"
	"slices"
	"sort"
	"strings"
	"unsafe"

	"github.com/incent/incent"
	"github.com/incent/incent/rules"
	"github.com/shopspring/decimal"
)

// Input is everything one calculation reads.
type Input struct {
	Period         incent.Period
	AsOf           incent.Date // NoDate for a final run; else only sales dated up to it count
	Programs       []*rules.Program
	Dealers        []incent.Dealer
	Sales          []incent.Sale // every accepted sale of every period; calc picks the period's
	Objectives     []incent.Objective
	Certifications []incent.Certification
	Claims         []incent.Claim
	Rounding       incent.Rounding

	// Eligible, when set, is called once eligibility and crediting are
	// done, before the payout pass. From then on the result's sales,
	// programs, payees and credits do not change, so it may go on reading
	// them on other goroutines while Run continues; Lines, Payees and Flags
	// are written until Run returns.
	Eligible func(*Result)

	// Pay, when set, limits the payout lines to the payees it accepts, and
	// only their credits are summed; every payee is still listed in
	// Payees. Rendering one dealer's statement needs that dealer's lines
	// alone, not the formulas of thirty thousand others. It is called from
	// several goroutines.
	Pay func(Payee) bool
}

// Result is the outcome of one calculation.
type Result struct {
	Period   incent.Period
	AsOf     incent.Date
	Programs []*rules.Program // the programs in effect for the period, by id
	Sales    []SaleResult     // the period's sales, sorted by dealer, date, deal, VIN, quantity
	Lines    []PayoutLine     // sorted by payee type, payee, program
	Payees   []Payee          // every payee with a line or a sale, sorted by type and code
	Flags    []Flag           // sorted by dealer, VIN

	// Unmatched lists reversals (indices into Input.Sales) that cancel no
	// earlier sale; callers reject them with UnmatchedReason.
	Unmatched []int

	payees []string     // the codes credits name, by Credit.payee
	values []valueTable // credit values, by Credit.seg and Credit.value
}

// UnmatchedReason is the reject reason for a reversal with no original sale.
const UnmatchedReason = "reversal (quantity -1) with no earlier sale of this VIN at this dealer"

// Payee identifies who receives money.
type Payee struct {
	Type rules.PayeeKind
	Code string
	Name string
}

// SaleResult is one sale of the period with its outcome under every program
// in effect. A million sales have one each for the whole run, so it is 64
// bytes: its fails and credits are where they start in the result's large
// arrays and how many there are, read through Fails and Credits.
type SaleResult struct {
	Sale *incent.Sale
	// Basis is the sale whose attributes decide eligibility and credit: the
	// sale itself, or for a reversal its original, so a cancellation mirrors
	// exactly what it cancels.
	Basis *incent.Sale

	fails   *Fail   // the first of nfails; see Fails
	credits *Credit // the first of ncredits, nil when there are none; see Credits

	// cents holds the basis's sale_amount and msrp in minor units when they
	// are exact at two decimals, so sums over whole credits need no decimal
	// arithmetic.
	cents [2]int64

	// Date is the date the sale counts on: its own, or for a reversal the
	// original sale's, since a cancellation belongs to the original's period.
	Date incent.Date
	// Original is the index in Input.Sales of the sale a reversal cancels, or -1.
	Original int32

	ncredits uint32
	nfails   uint16
	exact    [2]bool
}

// Fails holds one entry per program in effect, in program order: FailNone
// when the sale counted, else the first condition it failed. Reason turns
// an entry into words.
func (s *SaleResult) Fails() []Fail { return unsafe.Slice(s.fails, s.nfails) }

// Credits are the shares of the sale that count, per program and payee;
// Result.Payee, Result.Units and Result.Revenue read them.
func (s *SaleResult) Credits() []Credit { return unsafe.Slice(s.credits, s.ncredits) }

// setFails makes fs, one entry per program, the sale's fails.
func (s *SaleResult) setFails(fs []Fail) {
	s.fails, s.nfails = nil, uint16(len(fs))
	if len(fs) > 0 {
		s.fails = &fs[0]
	}
}

// setCredits makes cs the sale's credits.
func (s *SaleResult) setCredits(cs []Credit) {
	s.credits, s.ncredits = nil, uint32(len(cs))
	if len(cs) > 0 {
		s.credits = &cs[0]
	}
}

// Counted reports whether the sale counted for program pi.
func (s *SaleResult) Counted(pi int) bool { return s.Fails()[pi] == FailNone }

// Credit is the share of a sale that counts for one payee under one program.
// A million sales carry about ten million credits, so a credit is 12 bytes
// and holds no pointer for the garbage collector to follow: its payee and
// its exact units and revenue live in tables of the Result, and a whole
// credit (the sale's quantity, no share or multiplier) of a program that
// needs no revenue has no value at all.
type Credit struct {
	payee   int32  // index into Result.payees
	value   int32  // 1 + index into Result.values[seg]; 0: none
	Program uint16 // index into Result.Programs; see MaxPrograms
	// Whole is +1 or -1 when the credit is the sale's whole quantity with no
	// share or multiplier (Units = ±1, Revenue = ±base), else 0.
	Whole int8
	seg   uint8 // which table of values holds the value
}

// MaxPrograms is the most programs a calculation can have in effect, as
// many as Credit.Program numbers.
const MaxPrograms = 1<<16 - 1

// creditValue holds a credit's exact units and revenue.
type creditValue struct {
	units, revenue fixed
}

// valueTable holds credit values in fixed chunks: a range of half a
// million sales has a million or more, and a table that grew by copying
// would allocate several times its size. The values hold no pointer, so
// the garbage collector need not read them.
type valueTable struct {
	chunks [][]creditValue
	big    []decimal.Decimal // values with more than 18 digits, by fixed.big
}

const valueChunk = 1 << 16

// add stores v and returns its number, from 1.
func (t *valueTable) add(v creditValue) int32 {
	n := len(t.chunks)
	if n == 0 || len(t.chunks[n-1]) == valueChunk {
		t.chunks = append(t.chunks, make([]creditValue, 0, valueChunk))
		n++
	}
	t.chunks[n-1] = append(t.chunks[n-1], v)
	return int32((n-1)*valueChunk + len(t.chunks[n-1]))
}

// at returns the value numbered id by add.
func (t *valueTable) at(id int32) *creditValue {
	i := int(id - 1)
	return &t.chunks[i/valueChunk][i%valueChunk]
}

// Payee is the code of the payee a credit goes to.
func (r *Result) Payee(c Credit) string { return r.payees[c.payee] }

// PayeeIndex numbers the payee a credit goes to, from 0 to NumPayees()-1:
// credits to the same payee have the same number.
func (c Credit) PayeeIndex() int { return int(c.payee) }

// NumPayees is the number of payees credits name.
func (r *Result) NumPayees() int { return len(r.payees) }

// Units is the credited units: quantity × share × multipliers.
func (r *Result) Units(c Credit) decimal.Decimal {
	switch {
	case c.value != 0:
		t := &r.values[c.seg]
		return t.dec(t.at(c.value).units)
	case c.Whole < 0:
		return minusOne
	}
	return one
}

// Revenue is the credited revenue: Units × the program's revenue base, or
// zero for a program that does not measure revenue.
func (r *Result) Revenue(c Credit) decimal.Decimal {
	if c.value != 0 {
		t := &r.values[c.seg]
		return t.dec(t.at(c.value).revenue)
	}
	return zero
}

// HasRevenue reports whether the credit's revenue is not zero.
func (r *Result) HasRevenue(c Credit) bool {
	if c.value == 0 {
		return false
	}
	v := r.values[c.seg].at(c.value).revenue
	return v.n != 0 || v.big != 0 && !r.values[c.seg].dec(v).IsZero()
}

// AddUnits adds the credit's units to s, as s.Add(r.Units(c)) would.
func (r *Result) AddUnits(s *incent.Sum, c Credit) {
	if c.value != 0 {
		t := &r.values[c.seg]
		t.sum(s, t.at(c.value).units)
		return
	}
	s.AddInt(int64(c.Whole), 0)
}

// AddRevenue adds the credit's revenue to s, as s.Add(r.Revenue(c)) would.
func (r *Result) AddRevenue(s *incent.Sum, c Credit) {
	if c.value != 0 {
		t := &r.values[c.seg]
		t.sum(s, t.at(c.value).revenue)
	}
}

// AppendUnits appends the credit's units as incent.AppendDecimal would.
func (r *Result) AppendUnits(b []byte, c Credit) []byte {
	switch {
	case c.value != 0:
		return r.appendValue(b, c, r.values[c.seg].at(c.value).units)
	case c.Whole < 0:
		return append(b, "-1"...)
	}
	return append(b, '1')
}

// AppendRevenue appends the credit's revenue as incent.AppendDecimal would.
func (r *Result) AppendRevenue(b []byte, c Credit) []byte {
	if c.value == 0 {
		return append(b, '0')
	}
	return r.appendValue(b, c, r.values[c.seg].at(c.value).revenue)
}

func (r *Result) appendValue(b []byte, c Credit, f fixed) []byte {
	if f.big != 0 {
		return incent.AppendDecimal(b, r.values[c.seg].dec(f))
	}
	return incent.AppendScaled(b, f.n, f.exp)
}

// Fail names the first eligibility condition a sale failed.
type Fail uint8

// The eligibility conditions, in the order they are checked.
const (
	FailNone Fail = iota
	FailWindow
	FailSaleType
	FailCondition
	FailModel
	FailFamily
	FailModelYear
	FailRegion
	FailSegment
	FailCertification
	FailWhen
	FailNoPayee
	FailRebateCode
	FailClaimWindow

	numFails // the number of codes
)

// Flag is a warning printed on a dealer's statement.
type Flag struct {
	Dealer string
	VIN    string
	Text   string
}

// PayoutLine is one amount for one payee, program and period.
//
// Its numbers are Amounts, each exactly the decimal the payout pass
// computed, digits and exponent alike (Decimal gives it back). A decimal
// holds its digits in a big.Int, two small objects: the 150,000 lines of
// a million-sale quarter held 1.5 million of them, made amid ten times as
// many the pass let go. Scattered among those, they kept about 100 MB of
// the heap's small blocks in use, each with a few live values in it, for
// as long as the run, and under the memory budget the collector ran that
// much more often.
type PayoutLine struct {
	PayeeType      rules.PayeeKind
	Payee          string
	ProgramID      string
	ProgramVersion int
	Kind           string // calc, manual, dispute, true_up
	Currency       incent.Currency
	MeasureKind    string        // units, revenue, objective_pct; "" when the type has none
	Measure        incent.Amount // the payee's measure in the period
	Units          incent.Amount // credited units
	Revenue        incent.Amount // credited revenue
	TierIndex      int           // 1-based tier reached; 0 for none or untiered
	Tier           string        // "Tier 2 (from 20 units)", "none", or "" when untiered
	NextTier       string        // distance to the next tier and its worth; "" at the top
	Formula        []string      // the formula in words and numbers, one step a line
	Unrounded      incent.Amount
	Amount         incent.Amount // Unrounded rounded once, to the currency's minor unit
	Rounding       incent.Rounding
	Counted        int // sales that counted for this payee
	Reason         string
	Claims         []ClaimOutcome // co-op: every claim against the fund, in payment order
}

// ClaimOutcome is what a co-op program decided for one claim.
type ClaimOutcome struct {
	Claim   incent.Claim
	Due     decimal.Decimal // spend × reimburse
	Paid    decimal.Decimal // what the fund paid (zero when declined)
	Outcome string          // paid | partly paid | declined | not paid
	Reason  string          // why it was declined or not paid in full; "" when paid
}

// Run calculates one period.
func Run(in Input) *Result {
	c := newCalculator(in)
	c.selectSales()
	c.eligibility()
	if in.Eligible != nil {
		in.Eligible(c.res)
	}
	// The double-claim flags read only the sales: they are found while
	// accounts are summed and paid, on a core that pass leaves idle.
	flagged := make(chan struct{})
	go func() {
		defer close(flagged)
		c.flags()
	}()
	c.measure()
	<-flagged
	return c.res
}

type calculator struct {
	in       Input
	res      *Result
	progs    []*program
	dealers  map[string]*incent.Dealer
	objs     map[string]decimal.Decimal        // dealer|period|key -> units
	certs    map[string][]incent.Certification // dealer -> certifications
	payeeSet map[Payee]bool
	claims   map[string][]incent.Claim // dealer|program -> co-op claims
	// saleModel and saleFamily are the numbers of each sale's model and
	// family (res.Sales order), for model_mix programs and those with
	// family rates; see numberSales.
	saleModel, saleFamily []int32
	// attrWhens are the conditions (eligibility when, multiplier when) that
	// read only attribute columns (rules.Expr.ReadsOnlyAttributes): their
	// values are kept with attrFails, by program.whenSlot and multSlots.
	attrWhens []*rules.Expr
}

// program is a program in effect with its eligibility lists as sets.
type program struct {
	*rules.Program
	saleTypes, conditions, families, regions, segments map[string]bool
	models                                             map[string]bool
	modelPrefixes                                      []string
	years                                              map[int]bool
	needsRevenue                                       bool
	keepSales                                          bool // the formula looks at the counted sales one by one
	// bySlot is set when the formula needs the credited revenue by family
	// (family_rates) or by kicker month: it is summed so as the credits
	// are, per family slot (famSlot), rather than from each sale
	// again once every credit is in.
	bySlot bool
	// whenSlot is the place of Elig.When in calculator.attrWhens, and
	// multSlots each multiplier's when's; -1 where it is not there.
	whenSlot  int
	multSlots []int

	// model_mix: the models the formula names (rates, then the qualifying
	// share's), each once; nil for other types. mixSlot is set by
	// numberSales.
	mixModels []string
	mixSlot   []int32

	// familyRates holds the family of each of FamilyRates as a symbol,
	// which a sale's family is compared with as a number.
	familyRates []incent.Sym
	// famSlot is the place in familyRates of each family number (see
	// numberSales), len(familyRates) for a family without a rate.
	famSlot []int32

	// kickerDays holds each kicker's month as its first and last days,
	// compared with a sale's date as numbers; a month that does not parse
	// (the rules refuse one) is ok false, and counts no sale.
	kickerDays []kickerDays

	tierText []tierText // one per tier
}

type kickerDays struct {
	first, last incent.Date
	ok          bool
}

func newCalculator(in Input) *calculator {
	c := &calculator{
		in:       in,
		res:      &Result{Period: in.Period, AsOf: in.AsOf},
		dealers:  make(map[string]*incent.Dealer, len(in.Dealers)),
		objs:     make(map[string]decimal.Decimal),
		certs:    make(map[string][]incent.Certification),
		payeeSet: make(map[Payee]bool),
	}
	for i := range in.Dealers {
		c.dealers[in.Dealers[i].Code] = &in.Dealers[i]
	}
	for _, o := range in.Objectives {
		c.objs[o.DealerCode+"|"+o.Period+"|"+o.Key] = o.Units
	}
	c.claims = map[string][]incent.Claim{}
	for _, cl := range in.Claims {
		k := cl.DealerCode + "|" + cl.ProgramID
		c.claims[k] = append(c.claims[k], cl)
	}
	for _, ce := range in.Certifications {
		c.certs[ce.DealerCode] = append(c.certs[ce.DealerCode], ce)
	}
	progs := append([]*rules.Program(nil), in.Programs...)
	sort.Slice(progs, func(i, j int) bool { return progs[i].ID < progs[j].ID })
	for _, p := range progs {
		if p.From > in.Period.To || p.To < in.Period.From {
			continue
		}
		cp := compile(p)
		cp.whenSlot = c.attrWhen(p.Elig.When)
		for _, m := range p.Multipliers {
			cp.multSlots = append(cp.multSlots, c.attrWhen(m.When))
		}
		c.progs = append(c.progs, cp)
		c.res.Programs = append(c.res.Programs, p)
	}
	if len(c.progs) > MaxPrograms {
		// Callers refuse such a set of programs as a user error first.
		panic(fmt.Sprintf("calc: %d programs in effect, more than %d", len(c.progs), MaxPrograms))
	}
	return c
}

// attrWhen gives e a place in attrWhens when it reads only attribute
// columns, and returns it; else -1.
func (c *calculator) attrWhen(e *rules.Expr) int {
	if e == nil || !e.ReadsOnlyAttributes() {
		return -1
	}
	c.attrWhens = append(c.attrWhens, e)
	return len(c.attrWhens) - 1
}

func compile(p *rules.Program) *program {
	set := func(xs []string) map[string]bool {
		if len(xs) == 0 {
			return nil
		}
		m := make(map[string]bool, len(xs))
		for _, x := range xs {
			m[x] = true
		}
		return m
	}
	cp := &program{
		Program:    p,
		saleTypes:  set(p.Elig.SaleTypes),
		conditions: set(p.Elig.Conditions),
		families:   set(p.Elig.Families),
		regions:    set(p.Elig.Regions),
		segments:   set(p.Elig.Segments),
	}
	if len(p.Elig.Models) > 0 {
		cp.models = map[string]bool{}
		for _, m := range p.Elig.Models {
			if prefix, ok := strings.CutSuffix(m, "*"); ok {
				cp.modelPrefixes = append(cp.modelPrefixes, prefix)
			} else {
				cp.models[m] = true
			}
		}
	}
	if len(p.Elig.ModelYears) > 0 {
		cp.years = map[int]bool{}
		for _, y := range p.Elig.ModelYears {
			cp.years[y] = true
		}
	}
	if p.Type == rules.ModelMix {
		cp.mixModels = []string{}
		add := func(m string) {
			if !slices.Contains(cp.mixModels, m) {
				cp.mixModels = append(cp.mixModels, m)
			}
		}
		for _, r := range p.Rates {
			add(r.Model)
		}
		if p.Qualify != nil {
			for _, m := range p.Qualify.Of {
				add(m)
			}
		}
	}
	for _, fr := range p.FamilyRates {
		cp.familyRates = append(cp.familyRates, incent.Intern(fr.Family))
	}
	for _, k := range p.Kickers {
		var kd kickerDays
		if first, err := incent.ParseDateLayout(k.Month, "2006-01"); err == nil {
			t := first.Time()
			kd = kickerDays{first: first, last: incent.DateOf(t.Year(), t.Month()+1, 0), ok: true}
		}
		cp.kickerDays = append(cp.kickerDays, kd)
	}
	cp.tierText = tierTexts(cp)
	cp.keepSales = p.Type == rules.RebatePassthrough
	cp.bySlot = len(p.FamilyRates) > 0 || len(p.Kickers) > 0
	cp.needsRevenue = p.Measure == "revenue" || p.Type == rules.Commission ||
		(p.Type == rules.Coop && p.AccrualRate != nil) ||
		(len(p.Tiers) > 0 && p.Tiers[0].Kind == rules.TierRate)
	return cp
}

// selectSales matches reversals to their originals and keeps the sales that
// count in the period, in a canonical order.
func (c *calculator) selectSales() {
	sales := c.in.Sales
	order := canonicalOrder(sales)

	// Reversals cancel the latest earlier original of the same VIN and
	// dealer. Only the (dealer, VIN) pairs that have a reversal, about one
	// sale in a hundred, take part in the matching.
	type pair struct {
		dealer incent.Sym
		vin    string
	}
	original := make([]int, len(sales))
	reversed := map[pair]bool{}
	for i := range sales {
		original[i] = -1
		if sales[i].Quantity < 0 {
			reversed[pair{sales[i].DealerCode, sales[i].VIN}] = true
		}
	}
	var involved []int
	if len(reversed) > 0 {
		for _, i := range order {
			if reversed[pair{sales[i].DealerCode, sales[i].VIN}] {
				involved = append(involved, i)
			}
		}
	}
	// Originals first by date, so that a reversal finds any original dated on
	// or before it whatever the row order.
	sort.SliceStable(involved, func(a, b int) bool {
		sa, sb := &sales[involved[a]], &sales[involved[b]]
		if sa.SaleDate != sb.SaleDate {
			return sa.SaleDate < sb.SaleDate
		}
		return sa.Quantity > sb.Quantity // an original before a same-day reversal
	})
	open := map[pair][]int{} // uncancelled originals, oldest first
	for _, i := range involved {
		s := &sales[i]
		key := pair{s.DealerCode, s.VIN}
		if s.Quantity >= 0 {
			open[key] = append(open[key], i)
			continue
		}
		stack := open[key]
		if len(stack) == 0 {
			c.res.Unmatched = append(c.res.Unmatched, i)
			continue
		}
		original[i] = stack[len(stack)-1]
		open[key] = stack[:len(stack)-1]
	}
	sort.Ints(c.res.Unmatched)

	unmatched := make([]bool, len(sales))
	for _, i := range c.res.Unmatched {
		unmatched[i] = true
	}
	// The sales that count, in canonical order: each chunk of the order is
	// decided on some core (reading the sales is most of the work), then
	// written at its place once the chunks before it are counted.
	const chunk = 1 << 14
	dates := make([]incent.Date, len(order)) // the date a sale counts on, or NoDate when it does not count
	kept := make([]int, (len(order)+chunk-1)/chunk)
	Parallel(len(order), chunk, func(from, to int) {
		n := 0
		for k := from; k < to; k++ {
			i := order[k]
			dates[k] = incent.NoDate
			if unmatched[i] {
				continue
			}
			date := sales[i].SaleDate
			if original[i] >= 0 {
				date = sales[original[i]].SaleDate
			}
			if !c.in.Period.Contains(date) || !c.in.AsOf.IsZero() && sales[i].SaleDate > c.in.AsOf {
				continue
			}
			dates[k] = date
			n++
		}
		kept[from/chunk] = n
	})
	starts := make([]int, len(kept))
	total := 0
	for ci, n := range kept {
		starts[ci] = total
		total += n
	}
	c.res.Sales = make([]SaleResult, total)
	Parallel(len(order), chunk, func(from, to int) {
		j := starts[from/chunk]
		for k := from; k < to; k++ {
			if dates[k] == incent.NoDate {
				continue
			}
			i := order[k]
			basis := &sales[i]
			if original[i] >= 0 {
				basis = &sales[original[i]]
			}
			c.res.Sales[j] = SaleResult{Sale: &sales[i], Date: dates[k], Original: int32(original[i]), Basis: basis}
			j++
		}
	})
}

// SortSales puts sales in the canonical order, the order the passes visit
// them in (dealer, date, deal, VIN, originals before reversals), moving
// each sale once, and returns where each came from: sales[k] was at
// from[k]. A result never depends on the order of Input.Sales, but a
// quarter held in this order is read in sequence by every pass over it,
// not at random: a million sales are far larger than any cache.
func SortSales(sales []incent.Sale) (from []int) {
	from = canonicalOrder(sales)
	permuteParallel(sales, slices.Clone(from), permuteRanges())
	return from
}

// canonicalOrder returns the indices of sales in saleLess order. Sales are
// first placed by dealer (a counting sort on the dealer's rank), then each
// dealer's sales are sorted on every core by a key that packs the date, so
// most comparisons touch neither a string nor the sale itself.
func canonicalOrder(sales []incent.Sale) []int {
	// Sales come already in this order from a workspace (SortSales, and
	// the snapshot of them), and one pass tells so: at a million sales it
	// takes a hundredth of the time of sorting them again.
	inOrder := true
	for i := 1; i < len(sales) && inOrder; i++ {
		inOrder = saleLess(&sales[i-1], &sales[i])
	}
	if inOrder {
		order := make([]int, len(sales))
		for i := range order {
			order[i] = i
		}
		return order
	}
	codes := map[incent.Sym]uint32{}
	for i := range sales {
		codes[sales[i].DealerCode] = 0
	}
	sorted := make([]incent.Sym, 0, len(codes))
	for code := range codes {
		sorted = append(sorted, code)
	}
	slices.SortFunc(sorted, func(a, b incent.Sym) int { return strings.Compare(a.String(), b.String()) })
	for rank, code := range sorted {
		codes[code] = uint32(rank)
	}
	ranks := make([]uint32, len(sales))
	starts := make([]int, len(sorted)+1) // dealer r's sales: starts[r] to starts[r+1]
	last, lastRank := incent.Sym{}, uint32(0)
	for i := range sales {
		if code := sales[i].DealerCode; code != last || i == 0 {
			last, lastRank = code, codes[code]
		}
		ranks[i] = lastRank
		starts[lastRank+1]++
	}
	for r := range sorted {
		starts[r+1] += starts[r]
	}
	// A dealer's deals mostly share a beginning ("D0001-"): the key holds
	// the 8 bytes of the deal after the part all the dealer's deals share,
	// so that sales of one day are told apart without reading them.
	common := make([]string, len(sorted))
	seen := make([]bool, len(sorted))
	for i := range sales {
		r, d := ranks[i], sales[i].DealID
		if !seen[r] {
			common[r], seen[r] = d, true
			continue
		}
		n := 0
		for n < len(d) && n < len(common[r]) && d[n] == common[r][n] {
			n++
		}
		common[r] = common[r][:n]
	}
	type key struct {
		date uint32 // the date with its sign bit flipped
		i    int32
		deal uint64 // dealBytes of the deal after its dealer's common part
	}
	keys := make([]key, len(sales))
	next := slices.Clone(starts[:len(sorted)])
	for i := range sales {
		r := ranks[i]
		keys[next[r]] = key{uint32(sales[i].SaleDate) ^ 1<<31, int32(i), dealBytes(sales[i].DealID[len(common[r]):])}
		next[r]++
	}
	Parallel(len(sorted), 64, func(from, to int) {
		for r := from; r < to; r++ {
			slices.SortFunc(keys[starts[r]:starts[r+1]], func(a, b key) int {
				if a.date != b.date {
					return cmp.Compare(a.date, b.date)
				}
				if a.deal != b.deal {
					return cmp.Compare(a.deal, b.deal)
				}
				x, y := &sales[a.i], &sales[b.i]
				if saleLess(x, y) {
					return -1
				}
				if saleLess(y, x) {
					return 1
				}
				return 0
			})
		}
	})
	order := make([]int, len(sales))
	for j, k := range keys {
		order[j] = int(k.i)
	}
	return order
}

// dealBytes is the first 8 bytes of s as a big-endian number, padded with
// zero bytes. Two texts whose numbers differ are in the order of their
// numbers; texts with equal numbers may still differ further on.
func dealBytes(s string) uint64 {
	var b [8]byte
	copy(b[:], s)
	return binary.BigEndian.Uint64(b[:])
}

// saleLess is the canonical sale order: dealer, date, deal, VIN, then
// originals before reversals. Ingest keeps one sale per (dealer, deal, VIN,
// direction), so the order is total and cannot depend on input order.
func saleLess(a, b *incent.Sale) bool {
	switch {
	case a.DealerCode != b.DealerCode:
		return a.DealerCode.String() < b.DealerCode.String()
	case a.SaleDate != b.SaleDate:
		return a.SaleDate < b.SaleDate
	case a.DealID != b.DealID:
		return a.DealID < b.DealID
	case a.VIN != b.VIN:
		return a.VIN < b.VIN
	}
	return a.Quantity > b.Quantity
}

// flags marks a VIN sold in two different deals in the period on the
// statements of every dealer involved: a possible double claim.
func (c *calculator) flags() {
	// Nearly every VIN is sold once. The sold VINs' hashes are sorted with
	// their sales' places, so that a VIN sold again is in a run of equal
	// hashes: 16 bytes a sale and one sort, where a map of every VIN took
	// 50 MB at a million sales and a cache miss a sale.
	type vinAt struct {
		h uint64
		i int32
	}
	keys := make([]vinAt, 0, len(c.res.Sales))
	for i := range c.res.Sales {
		if s := c.res.Sales[i].Sale; s.Quantity > 0 {
			keys = append(keys, vinAt{vinHash(s.VIN), int32(i)})
		}
	}
	slices.SortFunc(keys, func(a, b vinAt) int {
		if a.h != b.h {
			return cmp.Compare(a.h, b.h)
		}
		return cmp.Compare(a.i, b.i)
	})
	deals := map[string][]*incent.Sale{}
	for lo := 0; lo < len(keys); {
		hi := lo + 1
		for hi < len(keys) && keys[hi].h == keys[lo].h {
			hi++
		}
		if hi-lo > 1 {
			for _, k := range keys[lo:hi] {
				s := c.res.Sales[k.i].Sale
				deals[s.VIN] = append(deals[s.VIN], s)
			}
		}
		lo = hi
	}
	for vin, ss := range deals {
		// A VIN alone in its list shared its hash with another VIN.
		for _, s := range ss {
			var others []string
			for _, o := range ss {
				if o != s && (o.DealerCode != s.DealerCode || o.DealID != s.DealID) {
					others = append(others, "deal "+o.DealID+" of "+o.DealerCode.String())
				}
			}
			if len(others) == 0 {
				continue
			}
			sort.Strings(others)
			c.res.Flags = append(c.res.Flags, Flag{Dealer: s.DealerCode.String(), VIN: vin,
				Text: "VIN " + vin + " (deal " + s.DealID + ") also appears in " + strings.Join(dedupe(others), ", ") + ": possible double claim"})
		}
	}
	sort.Slice(c.res.Flags, func(i, j int) bool {
		a, b := c.res.Flags[i], c.res.Flags[j]
		if a.Dealer != b.Dealer {
			return a.Dealer < b.Dealer
		}
		if a.VIN != b.VIN {
			return a.VIN < b.VIN
		}
		return a.Text < b.Text
	})
	c.res.Flags = dedupeFlags(c.res.Flags)
}

// vinHash is the 64-bit FNV-1a hash of a VIN. It is a variable so that a
// test can make every VIN share one hash.
var vinHash = func(vin string) uint64 {
	h := uint64(14695981039346656037)
	for i := 0; i < len(vin); i++ {
		h ^= uint64(vin[i])
		h *= 1099511628211
	}
	return h
}

func dedupe(xs []string) []string {
	out := xs[:0]
	for i, x := range xs {
		if i == 0 || x != xs[i-1] {
			out = append(out, x)
		}
	}
	return out
}

func dedupeFlags(fs []Flag) []Flag {
	out := fs[:0]
	for i, f := range fs {
		if i == 0 || f != fs[i-1] {
			out = append(out, f)
		}
	}
	return out
}
