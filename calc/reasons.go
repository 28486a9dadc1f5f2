package calc

import (
	"encoding/binary"
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
	years   map[int]string      // model years as attributes
	// By program, the late-claim reason given last, which names the
	// sale's own dates (see AppendKey): the sales of a dealer's day come
	// together and mostly share it.
	lastClaim []claimReason
}

// claimReason is a late claim's reason with the claim and sale dates it
// names; text is "" until one is given.
type claimReason struct {
	claim, sale incent.Date
	text        string
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
	return &Reasons{res: r, dealers: dealers, memo: make([]map[string]string, n), last: make([]lastReason, n),
		years: map[int]string{}, lastClaim: make([]claimReason, len(r.Programs))}
}

// Text says why sale sr did not count for program pi, or "" when it
// counted; it is always the same text as Result.Reason.
func (x *Reasons) Text(sr *SaleResult, pi int) string {
	f := sr.Fails()[pi]
	if f == FailNone {
		return ""
	}
	attr, ok := x.attr(sr.Basis, f)
	if !ok {
		// Reasons that name a date or a day count are not worth keeping
		// beyond the sales that come next.
		if f != FailClaimWindow {
			return x.res.Reason(sr, pi, x.dealers)
		}
		k := claimReason{claim: sr.Basis.ClaimDate(), sale: sr.Basis.SaleDate}
		if l := &x.lastClaim[pi]; l.text != "" && l.claim == k.claim && l.sale == k.sale {
			return l.text
		}
		k.text = x.res.Reason(sr, pi, x.dealers)
		x.lastClaim[pi] = k
		return k.text
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

// attrSym is the symbol of sale s that the reason for f names, for the
// codes whose attribute is one: the sale type, condition, model, family,
// or for a missing certification the dealer.
func attrSym(s *incent.Sale, f Fail) incent.Sym {
	switch f {
	case FailSaleType:
		return s.SaleType
	case FailCondition:
		return s.Condition
	case FailModel:
		return s.ModelCode
	case FailFamily:
		return s.Family
	}
	return s.DealerCode
}

// attr returns what the reason for fail f names of sale s, besides its
// program: equal attributes give equal texts. ok is false when the reason
// names something of the sale's own (a date, a day count) that is not worth
// keeping texts for.
func (x *Reasons) attr(s *incent.Sale, f Fail) (attr string, ok bool) {
	switch f {
	case FailNone, FailWindow, FailWhen, FailNoPayee:
		return "", true
	case FailSaleType, FailCondition, FailModel, FailFamily, FailCertification:
		return attrSym(s, f).String(), true
	case FailModelYear:
		y, ok := x.years[int(s.ModelYear)]
		if !ok {
			y = strconv.Itoa(int(s.ModelYear))
			x.years[int(s.ModelYear)] = y
		}
		return y, true
	case FailRegion, FailSegment:
		// The text names the dealer's region or segment, not the dealer; a
		// dealer missing from the input has neither.
		var d *incent.Dealer
		if x.dealers != nil {
			d = x.dealers[s.DealerCode.String()]
		}
		switch {
		case d == nil:
			return "", true
		case f == FailRegion:
			return d.Region, true
		}
		return d.Segment, true
	case FailRebateCode:
		return s.RebateCode(), true
	}
	return "", false
}

// AppendKey appends to b what the reasons of every program sr did not
// count for depend on: two sales with equal keys have the same reason texts
// for the same programs. Writers of many sales use it to format a sale's
// reasons once per key. ok is false, with b as it was, when a reason names
// something no key covers.
//
// The key is, program by program, the fail code, then for a code whose
// text names an attribute, the attribute: a symbol's number (4 bytes), a
// model year (a varint), or a text's length (a uvarint) and bytes. Each
// code names one kind of attribute, so keys compare without ambiguity.
// The reason that names the sale's own dates (a rebate claimed too late)
// adds those dates instead. local is set when a reason names the sale's
// dealer (a certification it does not hold) or its dates: such a key is
// shared by few sales, but they come together, as sales come by dealer
// and date.
func (x *Reasons) AppendKey(b []byte, sr *SaleResult) (key []byte, local, ok bool) {
	start := len(b)
	// The dealer is looked up once, for all the programs that name its
	// region or segment.
	var d *incent.Dealer
	found := false
	for _, f := range sr.Fails() {
		var attr string
		switch f {
		case FailNone, FailWindow, FailWhen, FailNoPayee:
			b = append(b, byte(f))
			continue
		case FailClaimWindow: // names the claim date and the days since the sale
			b = append(b, byte(f))
			b = binary.AppendVarint(b, int64(sr.Basis.ClaimDate()))
			b = binary.AppendVarint(b, int64(sr.Basis.SaleDate))
			local = true
			continue
		case FailSaleType, FailCondition, FailModel, FailFamily, FailCertification:
			b = append(b, byte(f))
			b = binary.LittleEndian.AppendUint32(b, attrSym(sr.Basis, f).Number())
			local = local || f == FailCertification
			continue
		case FailModelYear:
			b = append(b, byte(f))
			b = binary.AppendVarint(b, int64(sr.Basis.ModelYear))
			continue
		case FailRegion, FailSegment:
			if !found && x.dealers != nil {
				d = x.dealers[sr.Basis.DealerCode.String()]
			}
			found = true
			switch {
			case d == nil:
			case f == FailRegion:
				attr = d.Region
			default:
				attr = d.Segment
			}
		default:
			if attr, ok = x.attr(sr.Basis, f); !ok {
				return b[:start], false, false
			}
		}
		b = append(b, byte(f))
		b = binary.AppendUvarint(b, uint64(len(attr)))
		b = append(b, attr...)
	}
	return b, local, true
}
