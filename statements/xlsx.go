package statements

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/incent/incent"
	"github.com/shopspring/decimal"
)

// Sheet names of a statement workbook, in order.
const (
	sheetSummary     = "Summary"
	sheetPrograms    = "Programs"
	sheetSales       = "Sales"
	sheetAdjustments = "Adjustments"
	sheetClaims      = "Claims"
	sheetDisputes    = "Disputes"
)

// RenderXLSX writes st as a workbook with sheets Summary, Programs, Sales,
// Adjustments, Claims and Disputes; amounts are numbers with a custom number
// format, and text from the inputs is neutralised.
func RenderXLSX(w io.Writer, st *Statement) error {
	if st == nil {
		return errors.New("render XLSX statement: no statement")
	}
	b := newWorkbook(documentTime(st.Period, st.Provisional, st.AsOf),
		fmt.Sprintf("Incentive statement %s %s", st.Payee.Code, st.Period.Code), st.Maker)
	// Each sale brings its deal and VIN to the shared strings: room for
	// them up front, rather than the table growing through them.
	b.strings = make(map[string]int, 2*len(st.Sales)+64)
	b.strList = make([]string, 0, 2*len(st.Sales)+64)
	b.first(sheetSummary)
	writeStatementSummary(b.sheet(sheetSummary), st)
	writePrograms(b.add(sheetPrograms), st)
	writeSales(b.add(sheetSales), st)
	writeAdjustments(b.add(sheetAdjustments), st)
	writeClaims(b.add(sheetClaims), st)
	writeDisputes(b.add(sheetDisputes), st)
	if err := b.write(w); err != nil {
		return fmt.Errorf("render XLSX statement for %s: %w", st.Payee.Code, err)
	}
	return nil
}

// Cell values understood by sheet.row besides string, int and nil.
type (
	moneyCell struct {
		v    decimal.Decimal
		c    incent.Currency
		bold bool
	}
	numberCell struct{ v decimal.Decimal }
	dateCell   struct{ d incent.Date }
	styled     struct {
		s     string
		style string
	}
)

func money(v decimal.Decimal, c incent.Currency) moneyCell { return moneyCell{v: v, c: c} }

// moneyStyle names the style of an amount in c.
func moneyStyle(c incent.Currency, bold bool) string {
	if bold {
		return "moneybold:" + numberFormat(c)
	}
	return "money:" + numberFormat(c)
}

func writeStatementSummary(s *sheet, st *Statement) {
	s.widths(24, 34, 24, 14, 14, 14, 26, 48, 12, 12, 10, 16)
	s.row(styled{"Incentive statement", "title"})
	if st.Maker != "" {
		s.row("Issuer", st.Maker)
	}
	s.row("Payee", st.Payee.Name)
	s.row("Payee code", st.Payee.Code)
	s.row("Payee type", st.Payee.Type)
	if st.Payee.Group != "" {
		s.row("Group", st.Payee.Group)
	}
	if st.Payee.Region != "" {
		s.row("Region", st.Payee.Region)
	}
	if len(st.Payee.Address) > 0 {
		s.row("Address", strings.Join(nonEmpty(st.Payee.Address), ", "))
	}
	s.row("Period", st.Period.Code)
	s.row("Period from", dateCell{st.Period.From})
	s.row("Period to", dateCell{st.Period.To})
	s.row("Run", st.RunID)
	if st.Provisional {
		s.row("Status", styled{statusText(true, st.AsOf), "alert"})
	} else {
		s.row("Status", statusText(false, st.AsOf))
	}
	s.skip()
	s.header("Program", "Name", "Type", "Version", "Measure kind", "Measure", "Tier reached", "Next tier",
		"Counted sales", "Not counted", "Currency", "Amount")
	for i := range st.Programs {
		p := &st.Programs[i]
		s.row(p.ProgramID, p.Name, p.Type, p.ProgramVersion, p.MeasureKind, numberCell{p.Measure}, p.Tier, p.NextTier,
			p.CountedSales, p.ExcludedSales, p.Currency.Code, money(p.Amount, p.Currency))
	}
	for _, a := range st.Adjustments {
		s.row(a.ProgramID, a.Reason, "adjustment: "+a.Kind, nil, nil, nil, nil, nil, nil, nil, a.Currency.Code, money(a.Amount, a.Currency))
	}
	for _, t := range st.Totals {
		s.row(styled{"Total " + t.Currency.Code, "totallabel"}, nil, nil, nil, nil, nil, nil, nil, nil, nil,
			styled{t.Currency.Code, "totallabel"}, moneyCell{v: t.Amount, c: t.Currency, bold: true})
	}
	if len(st.Flags) > 0 {
		s.skip()
		s.row(styled{"Notes", "bold"})
		for _, fl := range st.Flags {
			s.row(fl)
		}
	}
}

func writePrograms(s *sheet, st *Statement) {
	s.widths(22, 30, 8, 12, 100, 16, 10, 16)
	s.header("Program", "Name", "Version", "Step", "Formula", "Unrounded", "Currency", "Amount")
	for i := range st.Programs {
		p := &st.Programs[i]
		for j, f := range p.Formula {
			s.row(p.ProgramID, p.Name, p.ProgramVersion, j+1, f)
		}
		rounding := p.Rounding
		if rounding == "" {
			rounding = "half_up"
		}
		s.row(p.ProgramID, p.Name, p.ProgramVersion, "result",
			fmt.Sprintf("unrounded %s rounded %s to %s", p.Unrounded.String(), rounding, moneyText(p.Amount, p.Currency)),
			numberCell{p.Unrounded}, p.Currency.Code, money(p.Amount, p.Currency))
	}
	s.freezeHeader()
}

// writeSales writes one row per sale: its facts, then one column per
// program in effect holding the sale's credit where it counted (so a
// column's sum is the payee's credited units), then the programs it did not
// count for, grouped under their reasons.
func writeSales(s *sheet, st *Statement) {
	k := newSaleKey(st)
	defer k.release()
	widths := []float64{12, 12, 20, 10, 10, 10, 10, 6, 14}
	titles := []string{"Date", "Deal", "VIN", "Model", "Model year", "Sale type", "Condition", "Qty", "Sale amount"}
	lead := len(titles)
	for _, id := range k.programs {
		widths = append(widths, max(10, float64(len(id))+2))
		titles = append(titles, id)
	}
	s.widths(append(widths, 60, 44)...)
	s.freezeHeader()
	s.header(append(titles, "Not counted", "Flag")...)
	row := make([]any, lead+len(k.programs)+2)
	// Most sales were not counted for the same programs for the same
	// reasons as many others: each such text is written once, found by its
	// programs' and reasons' numbers.
	notCounted := map[string]string{}
	var key []byte
	for i := range st.Sales {
		sl := &st.Sales[i]
		clear(row)
		row[0], row[1], row[2], row[3] = dateCell{sl.Date}, sl.DealID, sl.VIN, sl.Model
		if sl.ModelYear != 0 {
			row[4] = sl.ModelYear
		}
		row[5], row[6], row[7] = sl.SaleType, sl.Condition, sl.Quantity
		if !sl.Amount.IsZero() {
			row[8] = money(sl.Amount, incent.Currency{Minor: k.minor})
		}
		for j, o := range sl.Outcomes {
			if o.Counted {
				row[lead+k.progNumAt(j, o.ProgramID)-1] = numberCell{o.Credit}
			}
		}
		switch {
		case len(sl.Outcomes) == 0:
			row[len(row)-2] = "no program in effect"
		default:
			key = key[:0]
			for j, o := range sl.Outcomes {
				if !o.Counted {
					key = binary.AppendUvarint(key, uint64(k.progNumAt(j, o.ProgramID)))
					key = binary.AppendUvarint(key, uint64(k.reasonNum(j, o.Reason)))
				}
			}
			text, ok := notCounted[string(key)]
			if !ok {
				text = notCountedText(sl)
				notCounted[string(key)] = text
			}
			row[len(row)-2] = text
		}
		row[len(row)-1] = sl.Flag
		s.row(row...)
	}
	s.filter(len(row))
}

// notCountedText lists the programs a sale did not count for under their
// reasons, in order of first appearance: "condition used not in [new]:
// COOP-Q3, VOL-Q3; family ev not in [truck]: TRK-Q3".
func notCountedText(sl *SaleLine) string {
	// A sale has a dozen reasons at most in a large quarter: a list searched
	// in order beats a map, and held on the stack it allocates nothing.
	type group struct {
		reason string
		first  int // outcome index of the group's first program
		n      int
	}
	var groups [24]group
	gs := groups[:0]
	size := 0
	for i, o := range sl.Outcomes {
		if o.Counted {
			continue
		}
		found := false
		for g := range gs {
			if gs[g].reason == o.Reason {
				gs[g].n++
				found = true
				break
			}
		}
		if !found {
			gs = append(gs, group{reason: o.Reason, first: i, n: 1})
			size += len(o.Reason) + 4
		}
		size += len(o.ProgramID) + 2
	}
	b := make([]byte, 0, size)
	for g, gr := range gs {
		if g > 0 {
			b = append(b, "; "...)
		}
		b = append(b, gr.reason...)
		b = append(b, ": "...)
		k := 0
		for _, o := range sl.Outcomes[gr.first:] {
			if o.Counted || o.Reason != gr.reason {
				continue
			}
			if k > 0 {
				b = append(b, ", "...)
			}
			b = append(b, o.ProgramID...)
			if k++; k == gr.n {
				break
			}
		}
	}
	return string(b)
}

// saleAmountMinor is the number of decimals sale amounts are shown with: the
// currency of the statement's programs when they agree, else 2.
func saleAmountMinor(st *Statement) int32 {
	minor := int32(-1)
	for i := range st.Programs {
		m := st.Programs[i].Currency.Minor
		if minor >= 0 && m != minor {
			return 2
		}
		minor = m
	}
	if minor < 0 {
		return 2
	}
	return minor
}

func writeAdjustments(s *sheet, st *Statement) {
	s.widths(12, 22, 10, 16, 80)
	s.header("Kind", "Program", "Currency", "Amount", "Reason")
	for _, a := range st.Adjustments {
		s.row(a.Kind, a.ProgramID, a.Currency.Code, money(a.Amount, a.Currency), a.Reason)
	}
	s.freezeHeader()
}

func writeClaims(s *sheet, st *Statement) {
	s.widths(14, 22, 12, 12, 10, 16, 16, 14, 60)
	s.header("Claim", "Program", "Invoice date", "Submitted", "Currency", "Spend", "Paid", "Outcome", "Reason")
	for _, c := range st.Claims {
		s.row(c.ClaimID, c.ProgramID, dateCell{c.InvoiceDate}, dateCell{c.SubmittedDate}, c.Currency.Code,
			money(c.Spend, c.Currency), money(c.Paid, c.Currency), c.Outcome, c.Reason)
	}
	s.freezeHeader()
}

func writeDisputes(s *sheet, st *Statement) {
	s.widths(14, 22, 12, 70, 10, 16, 12)
	s.header("Dispute", "Program", "Opened", "Claim", "Currency", "Amount", "Status")
	for _, x := range st.Disputes {
		amount := any(nil)
		if x.HasAmount {
			amount = money(x.Amount, x.Currency)
		}
		s.row(x.ID, x.ProgramID, dateCell{x.Opened}, x.Claim, x.Currency.Code, amount, x.Status)
	}
	s.freezeHeader()
}

func nonEmpty(ss []string) []string {
	out := make([]string, 0, len(ss))
	for _, s := range ss {
		if strings.TrimSpace(s) != "" {
			out = append(out, s)
		}
	}
	return out
}
