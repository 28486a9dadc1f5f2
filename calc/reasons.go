package calc

import (
	"strconv"

	"github.com/incent/incent"
)

// Reasons turns outcome codes into words for many sales. A reason that
// depends only on the program and one attribute of the sale ("model SED1 not
// in [SUV1 SUV2]") is formatted once and remembered, so a million sales do
// not format the same sentence a million times. It is not safe for
// concurrent use.
type Reasons struct {
	res     *Result
	dealers map[string]*incent.Dealer
	memo    []map[string]string // by program and fail code: attribute -> text
	last    []lastReason        // by program and fail code: the text given last
}

// lastReason is the text a program and fail code gave last, for an
// attribute: sales come by dealer and date, so the next sale mostly has the
// same model, condition and dealer, and needs no map.
type lastReason struct {
	attr, text string
	set        bool
}

// Reasons returns a reason formatter over the result; dealers may be nil.
func (r *Result) Reasons(dealers map[string]*incent.Dealer) *Reasons {
	n := len(r.Programs) * int(numFails)
	return &Reasons{res: r, dealers: dealers, memo: make([]map[string]string, n), last: make([]lastReason, n)}
}

// Text says why sale sr did not count for program pi, or "" when it
// counted; it is always the same text as Result.Reason.
func (x *Reasons) Text(sr *SaleResult, pi int) string {
	s := sr.Basis
	f := sr.Fails[pi]
	var attr string
	switch f {
	case FailNone:
		return ""
	case FailSaleType:
		attr = s.SaleType
	case FailCondition:
		attr = s.Condition
	case FailModel:
		attr = s.ModelCode
	case FailFamily:
		attr = s.Family
	case FailModelYear:
		attr = strconv.Itoa(s.ModelYear)
	case FailRegion, FailSegment:
		attr = s.DealerCode
	case FailRebateCode:
		attr = s.RebateCode
	case FailWindow, FailWhen, FailNoRevenue, FailNoPayee:
	default:
		// Reasons that name a date or a day count are not worth keeping.
		return x.res.Reason(sr, pi, x.dealers)
	}
	i := pi*int(numFails) + int(f)
	if l := &x.last[i]; l.set && l.attr == attr {
		return l.text
	}
	m := x.memo[i]
	if m == nil {
		m = map[string]string{}
		x.memo[i] = m
	}
	t, ok := m[attr]
	if !ok {
		t = x.res.Reason(sr, pi, x.dealers)
		m[attr] = t
	}
	x.last[i] = lastReason{attr: attr, text: t, set: true}
	return t
}

// AppendKey appends to b what the reasons of every program sr did not
// count for depend on: two sales with equal keys have the same reason texts
// for the same programs. Writers of many sales use it to format a sale's
// reasons once per key. ok is false, with b as it was, when a reason names
// something of the sale's own (a date, a day count) that no key covers.
func (x *Reasons) AppendKey(b []byte, sr *SaleResult) (key []byte, ok bool) {
	s := sr.Basis
	start := len(b)
	var d *incent.Dealer // looked up once, for a region or segment reason
	looked := false
	for _, f := range sr.Fails {
		b = append(b, byte(f))
		var attr string
		switch f {
		case FailNone, FailWindow, FailWhen, FailNoRevenue, FailNoPayee:
			continue
		case FailSaleType:
			attr = s.SaleType
		case FailCondition:
			attr = s.Condition
		case FailModel:
			attr = s.ModelCode
		case FailFamily:
			attr = s.Family
		case FailModelYear:
			b = strconv.AppendInt(b, int64(s.ModelYear), 10)
			b = append(b, 0)
			continue
		case FailRegion, FailSegment:
			// The text names the dealer's region or segment, not the dealer.
			if !looked && x.dealers != nil {
				d, looked = x.dealers[s.DealerCode], true
			}
			if d != nil {
				attr = d.Region
				if f == FailSegment {
					attr = d.Segment
				}
			}
		case FailRebateCode:
			attr = s.RebateCode
		default:
			return b[:start], false
		}
		b = strconv.AppendInt(b, int64(len(attr)), 10)
		b = append(b, ':')
		b = append(b, attr...)
	}
	return b, true
}
