package calc

import (
	"fmt"
	"runtime"
	"strconv"
	"strings"
	"sync"

	"github.com/incent/incent"
	"github.com/incent/incent/rules"
)

// eligibility decides, for every sale of the period and every program in
// effect, whether it counts; counted sales are credited to payees.
func (c *calculator) eligibility() {
	// One backing array for every sale's outcomes: a million sales by thirty
	// programs is 30 MB in one allocation, not a million small ones.
	fails := make([]Fail, len(c.res.Sales)*len(c.progs))
	// Sales are decided independently of each other, so the cores split
	// them into contiguous ranges; every sale gets the same outcome whatever
	// the split. Each range keeps its own ledger of payees and values.
	workers := min(runtime.GOMAXPROCS(0), max(1, len(c.res.Sales)/10000), 255)
	per := (len(c.res.Sales) + workers - 1) / workers
	ledgers := make([]*ledger, workers)
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		lo, hi := w*per, min((w+1)*per, len(c.res.Sales))
		ledgers[w] = &ledger{seg: uint8(w), ids: map[string]int32{}, parsed: map[string]parsedShares{}, attrs: map[attrKey]attrResult{}}
		wg.Go(func() { c.decide(lo, hi, fails, ledgers[w]) })
	}
	wg.Wait()
	// One table of payees for the result: each range's payee numbers are
	// renumbered into it. Values stay in their range's table.
	ids := map[string]int32{}
	for w, l := range ledgers {
		renum := make([]int32, len(l.payees))
		for i, code := range l.payees {
			id, ok := ids[code]
			if !ok {
				id = int32(len(c.res.payees))
				ids[code] = id
				c.res.payees = append(c.res.payees, code)
			}
			renum[i] = id
		}
		c.res.values = append(c.res.values, l.values)
		for si := w * per; si < min((w+1)*per, len(c.res.Sales)); si++ {
			crs := c.res.Sales[si].Credits()
			for k := range crs {
				crs[k].payee = renum[crs[k].payee]
			}
		}
	}
}

// ledger numbers the payees and holds the credit values of one range of
// sales while it is decided.
type ledger struct {
	seg    uint8
	ids    map[string]int32
	payees []string
	values valueTable
	parsed map[string]parsedShares // split and salesperson cells
	attrs  map[attrKey]attrResult  // attrFails by key
	person [1]incent.Share         // the current sale's one salesperson
	whole  [2]int32                // the value of a whole credit on each base for the current sale, 0: not made yet

	// The payees numbered last. A sale's credits go to its dealer, its
	// group and a salesperson or two, one program after another, and the
	// next sale is most often the same dealer's: these spare the map.
	recent     [4]recentPayee
	nextRecent int
}

type recentPayee struct {
	code string
	id   int32 // from 1; 0 for an empty slot
}

func (l *ledger) payee(code string) int32 {
	for i := range l.recent {
		if r := &l.recent[i]; r.id != 0 && r.code == code {
			return r.id - 1
		}
	}
	id, ok := l.ids[code]
	if !ok {
		id = int32(len(l.payees))
		l.ids[code] = id
		l.payees = append(l.payees, code)
	}
	l.recent[l.nextRecent] = recentPayee{code, id + 1}
	l.nextRecent = (l.nextRecent + 1) % len(l.recent)
	return id
}

// value stores v and returns its number for Credit.value.
func (l *ledger) value(v creditValue) int32 {
	return l.values.add(v)
}

// units and revenue are a credit's value as Result.Units and
// Result.Revenue give it, as fixed.
func (l *ledger) units(c Credit) fixed {
	if c.value != 0 {
		return l.values.at(c.value).units
	}
	return fixed{n: int64(c.Whole)}
}

func (l *ledger) revenue(c Credit) fixed {
	if c.value != 0 {
		return l.values.at(c.value).revenue
	}
	return fixed{}
}

// decide runs eligibility and crediting for sales lo..hi.
func (c *calculator) decide(lo, hi int, fails []Fail, l *ledger) {
	// Credits go into large chunks, each sale's back to back; a chunk is
	// never copied to grow, since a new one starts when the current one
	// cannot surely hold another sale's credits.
	const chunk = 1 << 15
	room := 4 * len(c.progs)
	var credits []Credit
	for si := lo; si < hi; si++ {
		if cap(credits)-len(credits) < room {
			credits = make([]Credit, 0, max(chunk, room))
		}
		start := len(credits)
		sr := &c.res.Sales[si]
		sfails := fails[si*len(c.progs) : (si+1)*len(c.progs) : (si+1)*len(c.progs)]
		sr.setFails(sfails)
		sh := l.parseSaleShares(sr.Basis)
		sr.cents[baseSaleAmount], sr.exact[baseSaleAmount] = centsOf(sr.Basis.SaleAmount)
		sr.cents[baseMSRP], sr.exact[baseMSRP] = centsOf(sr.Basis.MSRP)
		l.whole = [2]int32{}
		d := c.dealers[sr.Basis.DealerCode.String()]
		attrs := l.attrFails(c, sr.Basis, d)
		for pi, p := range c.progs {
			f := c.check(p, sr, d, attrs.fails[pi], attrs.whens)
			if f == FailNone {
				f = c.credit(&credits, l, pi, p, sr, d, sh, attrs.whens)
			}
			sfails[pi] = f
		}
		// A sale's credits never change once it is credited, so its slice
		// stays right even if a rare overflow moves the chunk.
		sr.setCredits(credits[start:len(credits):len(credits)])
	}
}

// check returns the first eligibility condition the sale fails; d is the
// sale's dealer (nil when unknown), and attr and whens what attrFails gave
// for the program and for the conditions of attrWhens.
func (c *calculator) check(p *program, sr *SaleResult, d *incent.Dealer, attr Fail, whens []bool) Fail {
	s := sr.Basis
	switch {
	case sr.Date < p.From || sr.Date > p.To:
		return FailWindow
	case attr != FailNone:
		return attr
	case len(p.Elig.Certifications) > 0 && c.missingCert(p, s.DealerCode.String(), sr.Date) != "":
		return FailCertification
	case p.Elig.When != nil && !whenHolds(p.Elig.When, p.whenSlot, whens, s, d):
		return FailWhen
	case p.Type == rules.RebatePassthrough && p.rebate(s.RebateCode()) == nil:
		return FailRebateCode
	case p.Type == rules.RebatePassthrough && claimDays(sr) > p.ClaimWindowDays:
		return FailClaimWindow
	}
	return FailNone
}

// attrFail returns the first of the program's conditions on the vehicle and
// the dealer's region and segment that the sale fails. These conditions come
// after the window and before every other in check's order.
func (p *program) attrFail(s *incent.Sale, d *incent.Dealer) Fail {
	switch {
	case p.saleTypes != nil && !p.saleTypes[s.SaleType.String()]:
		return FailSaleType
	case p.conditions != nil && !p.conditions[s.Condition.String()]:
		return FailCondition
	case p.models != nil && !p.modelMatches(s.ModelCode.String()):
		return FailModel
	case p.families != nil && !p.families[s.Family.String()]:
		return FailFamily
	case p.years != nil && !p.years[int(s.ModelYear)]:
		return FailModelYear
	case p.regions != nil && (d == nil || !p.regions[d.Region]):
		return FailRegion
	case p.segments != nil && (d == nil || !p.segments[d.Segment]):
		return FailSegment
	}
	return FailNone
}

// attrKey is what attrFail reads of a sale and its dealer. A quarter has
// a few thousand distinct keys against a million sales, so each key's
// outcomes under every program are worked out once.
type attrKey struct {
	saleType, condition, model, family incent.Sym
	year                               int
	known                              bool // the dealer is in the dealers input
	region, segment                    string
}

// attrFails returns attrFail of the sale for every program, in program
// order. The slice is shared by every sale with the same key: read only.
func (l *ledger) attrFails(c *calculator, s *incent.Sale, d *incent.Dealer) attrResult {
	k := attrKey{saleType: s.SaleType, condition: s.Condition, model: s.ModelCode, family: s.Family, year: int(s.ModelYear)}
	if d != nil {
		k.known, k.region, k.segment = true, d.Region, d.Segment
	}
	if r, ok := l.attrs[k]; ok {
		return r
	}
	r := attrResult{fails: make([]Fail, len(c.progs)), whens: make([]bool, len(c.attrWhens))}
	for pi, p := range c.progs {
		r.fails[pi] = p.attrFail(s, d)
	}
	for i, e := range c.attrWhens {
		r.whens[i] = evalWhen(e, s, d)
	}
	if len(l.attrs) < maxAttrKeys {
		l.attrs[k] = r
	}
	return r
}

// attrResult is what a sale's attribute columns, and its dealer's, decide:
// each program's attrFail, and the value of each of the calculator's
// attrWhens. The columns of attrKey are those of rules.AttributeColumns.
type attrResult struct {
	fails []Fail
	whens []bool
}

// maxAttrKeys bounds a ledger's attrFails: an input whose every sale is a
// combination of its own gains nothing from keeping them.
const maxAttrKeys = 1 << 16

// rebate returns the program's rebate for a code, or nil.
func (p *program) rebate(code string) *rules.Rebate {
	for i := range p.Rebates {
		if p.Rebates[i].Code == code {
			return &p.Rebates[i]
		}
	}
	return nil
}

// claimDays is how many days after the sale its rebate was claimed; the
// claim date defaults to the sale date.
func claimDays(sr *SaleResult) int {
	s := sr.Basis
	if s.ClaimDate().IsZero() {
		return 0
	}
	return int(s.ClaimDate() - s.SaleDate)
}

func (p *program) modelMatches(model string) bool {
	if p.models[model] {
		return true
	}
	for _, prefix := range p.modelPrefixes {
		if strings.HasPrefix(model, prefix) {
			return true
		}
	}
	return false
}

// whenHolds is evalWhen, or the value kept in whens when slot is e's place
// among the calculator's attrWhens.
func whenHolds(e *rules.Expr, slot int, whens []bool, s *incent.Sale, d *incent.Dealer) bool {
	if slot >= 0 {
		return whens[slot]
	}
	return evalWhen(e, s, d)
}

func evalWhen(e *rules.Expr, s *incent.Sale, d *incent.Dealer) bool {
	if d == nil {
		d = &incent.Dealer{}
	}
	ok, err := e.Eval(s, d)
	return err == nil && ok
}

func revenueBase(p *program, s *incent.Sale) incent.Amount {
	if p.Base == "msrp" {
		return s.MSRP
	}
	return s.SaleAmount
}

// holds reports whether the dealer holds the certification on date d.
func (c *calculator) holds(dealer, cert string, d incent.Date) bool {
	for _, ce := range c.certs[dealer] {
		if ce.Certification == cert && ce.ValidFrom <= d && (ce.ValidTo.IsZero() || d <= ce.ValidTo) {
			return true
		}
	}
	return false
}

// missingCert returns the first certification of the program the dealer
// does not hold on date d, or "".
func (c *calculator) missingCert(p *program, dealer string, d incent.Date) string {
	for _, cert := range p.Elig.Certifications {
		if !c.holds(dealer, cert, d) {
			return cert
		}
	}
	return ""
}

// saleShares are a sale's split and salesperson cells, parsed once per sale
// rather than once per program; a nil slice with ok false is a cell that
// does not parse.
type saleShares struct {
	split, people     []incent.Share
	splitOK, peopleOK bool
}

// parseSaleShares parses a sale's split and salesperson cells. The same
// cells recur on many sales (a salesperson sells dozens of cars), so each
// distinct text is parsed once per ledger; the shares are only read.
func (l *ledger) parseSaleShares(s *incent.Sale) saleShares {
	var sh saleShares
	sh.split, sh.splitOK = l.shares(s.Split())
	if c := s.Salesperson; c != "" && strings.IndexByte(c, ';') < 0 && strings.IndexByte(c, ':') < 0 && c == strings.TrimSpace(c) {
		// One salesperson with no share, as on most sales: the credit is
		// theirs whole, with no cell to look up. The slice is the ledger's
		// and is good until the next sale.
		l.person[0] = incent.Share{Code: c, Fraction: one}
		sh.people, sh.peopleOK = l.person[:], true
		return sh
	}
	sh.people, sh.peopleOK = l.shares(s.Salesperson)
	sh.peopleOK = sh.peopleOK && len(sh.people) > 0
	return sh
}

type parsedShares struct {
	shares []incent.Share
	ok     bool
}

func (l *ledger) shares(cell string) ([]incent.Share, bool) {
	if cell == "" { // most sales: no split, and no cell to look up
		return nil, true
	}
	if p, ok := l.parsed[cell]; ok {
		return p.shares, p.ok
	}
	shares, err := incent.ParseShares(cell)
	l.parsed[cell] = parsedShares{shares, err == nil}
	return shares, err == nil
}

// credit attributes a counted sale to the program's payees: the dealer
// chosen by credit.to, divided by the split cell, then the dealer's group or
// the salespeople; every matching multiplier multiplies the credit.
func (c *calculator) credit(buf *[]Credit, l *ledger, pi int, p *program, sr *SaleResult, d *incent.Dealer, sh saleShares, whens []bool) Fail {
	s := sr.Basis
	qty := fixed{n: 1}
	if sr.Sale.Quantity < 0 {
		qty = fixed{n: -1}
	}
	// Most sales go whole to one dealer with no multiplier: their credit is
	// the quantity itself, with no decimal arithmetic.
	factor, scaled := one, false
	for mi, m := range p.Multipliers {
		if m.When == nil || whenHolds(m.When, p.multSlots[mi], whens, s, d) {
			factor = factor.Mul(m.Factor)
			scaled = true
		}
	}
	var base incent.Amount
	if p.needsRevenue {
		base = revenueBase(p, s)
	}

	var single [1]incent.Share
	shares, whole := single[:], true
	switch p.Payee {
	case rules.PayeeSalesperson:
		if !sh.peopleOK {
			return FailNoPayee
		}
		shares, whole = sh.people, len(sh.people) == 1
	default:
		single[0] = incent.Share{Code: s.DealerCode.String(), Fraction: one}
		if p.CreditTo == "delivering_dealer" && s.DeliveringDealer() != "" {
			single[0].Code = s.DeliveringDealer()
		}
		if s.Split() != "" {
			if !sh.splitOK {
				return FailNoPayee
			}
			shares, whole = sh.split, false
		}
		if p.Payee == rules.PayeeGroup {
			// Each dealer's share goes to its group. A split deal's share
			// held by a dealer outside any group is credited to no group,
			// and the other shares still count: a group is paid for what
			// its own dealers sold. Only a sale none of whose dealers is
			// in a group is excluded. A copy: the parsed shares are reused
			// by the next program.
			groups := make([]incent.Share, 0, len(shares))
			for _, share := range shares {
				if dd := c.dealers[share.Code]; dd != nil && dd.Group != "" {
					groups = append(groups, incent.Share{Code: dd.Group, Fraction: share.Fraction})
				}
			}
			if len(groups) == 0 {
				return FailNoPayee
			}
			shares = groups
		}
	}

	t := &l.values
	credits := *buf
	defer func() { *buf = credits }()
	start := len(credits)
	for _, share := range shares {
		units := qty
		if !whole {
			units = t.mul(units, t.fix(share.Fraction))
		}
		if scaled {
			units = t.mul(units, t.fix(factor))
		}
		cr := Credit{Program: uint16(pi), payee: l.payee(share.Code), seg: l.seg}
		switch {
		case whole && !scaled:
			cr.Whole = int8(sr.Sale.Quantity)
			if p.needsRevenue {
				bi := p.base()
				if l.whole[bi] == 0 {
					rev := t.amount(base)
					if sr.Sale.Quantity < 0 {
						rev = t.neg(rev)
					}
					l.whole[bi] = l.value(creditValue{units: qty, revenue: rev})
				}
				cr.value = l.whole[bi]
			}
		default:
			v := creditValue{units: units}
			if p.needsRevenue {
				v.revenue = t.mul(units, t.amount(base))
			}
			cr.value = l.value(v)
		}
		// Two split parts for the same group merge into one credit.
		merged := false
		for j := start; j < len(credits); j++ {
			if credits[j].payee == cr.payee {
				credits[j].value = l.value(creditValue{units: t.plus(l.units(credits[j]), l.units(cr)),
					revenue: t.plus(l.revenue(credits[j]), l.revenue(cr))})
				credits[j].Whole = 0
				merged = true
			}
		}
		if !merged {
			credits = append(credits, cr)
		}
	}
	return FailNone
}

// Reason says in words why sale sr did not count for program pi, or ""
// when it counted.
func (r *Result) Reason(sr *SaleResult, pi int, dealers map[string]*incent.Dealer) string {
	p := r.Programs[pi]
	s := sr.Basis
	var d *incent.Dealer
	if dealers != nil {
		d = dealers[s.DealerCode.String()]
	}
	if d == nil {
		d = &incent.Dealer{Code: s.DealerCode.String()}
	}
	switch sr.Fails()[pi] {
	case FailNone:
		return ""
	case FailWindow:
		// The sale's date is on its own line wherever the reason is shown;
		// leaving it out keeps one reason per program, not one per day.
		return fmt.Sprintf("sale date outside program window %s to %s", p.From, p.To)
	case FailSaleType:
		return fmt.Sprintf("sale type %s not in [%s]", s.SaleType, strings.Join(p.Elig.SaleTypes, " "))
	case FailCondition:
		return fmt.Sprintf("condition %s not in [%s]", s.Condition, strings.Join(p.Elig.Conditions, " "))
	case FailModel:
		return fmt.Sprintf("model %s not in [%s]", s.ModelCode, strings.Join(p.Elig.Models, " "))
	case FailFamily:
		return fmt.Sprintf("family %s not in [%s]", orNone(s.Family.String()), strings.Join(p.Elig.Families, " "))
	case FailModelYear:
		years := make([]string, len(p.Elig.ModelYears))
		for i, y := range p.Elig.ModelYears {
			years[i] = strconv.Itoa(y)
		}
		return fmt.Sprintf("model year %d not in [%s]", s.ModelYear, strings.Join(years, " "))
	case FailRegion:
		return fmt.Sprintf("dealer region %s not in [%s]", orNone(d.Region), strings.Join(p.Elig.Regions, " "))
	case FailSegment:
		return fmt.Sprintf("dealer segment %s not in [%s]", orNone(d.Segment), strings.Join(p.Elig.Segments, " "))
	case FailCertification:
		// As for the window, the date is the sale's own, on its line: one
		// reason per program and dealer, not one per day.
		return fmt.Sprintf("dealer %s does not hold a required certification (%s) on the sale date", s.DealerCode, strings.Join(p.Elig.Certifications, ", "))
	case FailWhen:
		return fmt.Sprintf("condition `%s` is false", p.Elig.When.Text)
	case FailRebateCode:
		if s.RebateCode() == "" {
			return "no rebate_code on the sale"
		}
		codes := make([]string, len(p.Rebates))
		for i, r := range p.Rebates {
			codes[i] = r.Code
		}
		return fmt.Sprintf("rebate code %s not in [%s]", s.RebateCode(), strings.Join(codes, " "))
	case FailClaimWindow:
		return fmt.Sprintf("rebate claimed %d days after the sale (on %s), after the %d-day claim window", claimDays(sr), s.ClaimDate(), p.ClaimWindowDays)
	case FailNoPayee:
		switch p.Payee {
		case rules.PayeeSalesperson:
			return "no valid salesperson on the sale"
		case rules.PayeeGroup:
			return "dealer has no group"
		}
		return "invalid split"
	}
	return "excluded"
}

func orNone(s string) string {
	if s == "" {
		return "(none)"
	}
	return s
}

// The revenue bases, indexing SaleResult.cents.
const (
	baseSaleAmount = 0
	baseMSRP       = 1
)

func (p *program) base() int {
	if p.Base == "msrp" {
		return baseMSRP
	}
	return baseSaleAmount
}

// centsOf returns a in hundredths when that is exact and fits comfortably
// in an int64.
func centsOf(a incent.Amount) (int64, bool) {
	c, exp, ok := a.Scaled()
	if !ok || exp < -2 || numDigits(c)+int(exp)+2 > 17 {
		return 0, false
	}
	for ; exp > -2; exp-- {
		c *= 10
	}
	return c, true
}

// numDigits returns the number of decimal digits of n, 1 for 0.
func numDigits(n int64) int {
	d := 1
	for ; n >= 10 || n <= -10; n /= 10 {
		d++
	}
	return d
}
