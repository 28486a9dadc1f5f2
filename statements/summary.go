package statements

import (
	"cmp"
	"errors"
	"fmt"
	"io"
	"slices"

	"github.com/incent/incent"
)

// RenderSummary writes the analysts' summary.xlsx: sheet Payouts with every
// payee × program row, Totals per program and currency and per currency,
// Inputs with the reconciliation of every input file, and Flags with the
// rows that carry a flag.
func RenderSummary(w io.Writer, s *Summary) error {
	if s == nil {
		return errors.New("render summary workbook: no summary")
	}
	b := newWorkbook(documentTime(s.Period, s.Provisional, incent.NoDate),
		fmt.Sprintf("Incentive run %s %s", s.Period.Code, s.RunID), "")
	b.first("Payouts")
	writePayouts(b.sheet("Payouts"), s)
	writeTotals(b.add("Totals"), s)
	writeInputs(b.add("Inputs"), s)
	writeFlags(b.add("Flags"), s)
	if err := b.write(w); err != nil {
		return fmt.Errorf("render summary workbook for run %s: %w", s.RunID, err)
	}
	return nil
}

// writePayouts writes one row per summary row: a big run has a hundred
// thousand of them.
func writePayouts(s *sheet, sum *Summary) {
	s.widths(12, 12, 34, 24, 9, 10, 10, 14, 30, 16, 50)
	s.freezeHeader()
	s.header("Payee type", "Payee", "Name", "Program", "Version", "Kind", "Currency", "Measure", "Tier", "Amount", "Flags")
	for i := range sum.Rows {
		r := &sum.Rows[i]
		s.row(r.PayeeType, r.Payee, r.Name, r.ProgramID, r.ProgramVersion, r.Kind, r.Currency.Code,
			numberCell{r.Measure}, r.Tier, money(r.Amount, r.Currency), r.Flags)
	}
	s.filter(11)
}

// programTotal sums the rows of one program in one currency.
type programTotal struct {
	program     string
	currency    incent.Currency
	payees      int // distinct payees
	lines       int
	calculated  incent.Sum
	adjustments incent.Sum

	// The payees counted so far: the last one when the rows come by payee,
	// as a run's do, else all of them.
	lastType, lastPayee string
	seen                map[[2]string]bool
}

func (t *programTotal) add(r *SummaryRow, byPayee bool) {
	switch {
	case t.lines > 0 && r.PayeeType == t.lastType && r.Payee == t.lastPayee:
	case byPayee:
		t.payees++
	case !t.seen[[2]string{r.PayeeType, r.Payee}]:
		if t.seen == nil {
			t.seen = map[[2]string]bool{}
		}
		t.seen[[2]string{r.PayeeType, r.Payee}] = true
		t.payees++
	}
	t.lastType, t.lastPayee = r.PayeeType, r.Payee
	t.lines++
	if r.Kind == "" || r.Kind == "calc" {
		t.calculated.Add(r.Amount)
	} else {
		t.adjustments.Add(r.Amount)
	}
}

// totals groups rows by key, in key order. Rows that come by payee (all of
// a payee's rows together, payees in order) have their distinct payees
// counted without a set of them: a run has a hundred thousand rows.
func totals(rows []SummaryRow, key func(*SummaryRow) (string, string)) []*programTotal {
	byPayee := true
	for i := 1; i < len(rows) && byPayee; i++ {
		a, b := &rows[i-1], &rows[i]
		byPayee = a.PayeeType < b.PayeeType || a.PayeeType == b.PayeeType && a.Payee <= b.Payee
	}
	byKey := map[[2]string]*programTotal{}
	var keys [][2]string
	for i := range rows {
		r := &rows[i]
		program, cur := key(r)
		k := [2]string{program, cur}
		t := byKey[k]
		if t == nil {
			t = &programTotal{program: program, currency: r.Currency}
			byKey[k] = t
			keys = append(keys, k)
		}
		t.add(r, byPayee)
	}
	slices.SortFunc(keys, func(a, b [2]string) int { return cmp.Or(cmp.Compare(a[0], b[0]), cmp.Compare(a[1], b[1])) })
	out := make([]*programTotal, len(keys))
	for i, k := range keys {
		out[i] = byKey[k]
	}
	return out
}

func writeTotals(s *sheet, sum *Summary) {
	s.widths(26, 12, 10, 10, 18, 18, 18)
	s.row(styled{"Incentive run", "title"})
	s.row("Period", sum.Period.Code)
	s.row("Period from", dateCell{sum.Period.From})
	s.row("Period to", dateCell{sum.Period.To})
	s.row("Run", sum.RunID)
	if sum.Provisional {
		s.row("Status", styled{"PROVISIONAL", "alert"})
	} else {
		s.row("Status", "Final")
	}
	s.row("Rejected input rows", sum.Rejects)
	s.skip()
	s.row(styled{"Totals per program and currency", "bold"})
	s.header("Program", "Currency", "Payees", "Lines", "Calculated", "Adjustments", "Total")
	for _, t := range totals(sum.Rows, func(r *SummaryRow) (string, string) { return r.ProgramID, r.Currency.Code }) {
		program := t.program
		if program == "" {
			program = "(no program)"
		}
		calculated, adjustments := t.calculated.Value(), t.adjustments.Value()
		s.row(program, t.currency.Code, t.payees, t.lines, money(calculated, t.currency),
			money(adjustments, t.currency), money(calculated.Add(adjustments), t.currency))
	}
	s.skip()
	s.row(styled{"Totals per currency", "bold"})
	s.header("Currency", "Payees", "Lines", "Calculated", "Adjustments", "Total")
	for _, t := range totals(sum.Rows, func(r *SummaryRow) (string, string) { return "", r.Currency.Code }) {
		calculated, adjustments := t.calculated.Value(), t.adjustments.Value()
		s.row(styled{t.currency.Code, "bold"}, t.payees, t.lines, money(calculated, t.currency),
			money(adjustments, t.currency), moneyCell{v: calculated.Add(adjustments), c: t.currency, bold: true})
	}
}

func writeInputs(s *sheet, sum *Summary) {
	s.widths(48, 14, 10, 10, 10, 10, 12)
	s.header("File", "Kind", "Read", "Accepted", "Rejected", "Duplicate", "Reconciles")
	for _, in := range sum.Inputs {
		ok := "yes"
		if in.Read != in.Accepted+in.Rejected+in.Duplicate {
			ok = "NO"
		}
		s.row(in.File, in.Kind, in.Read, in.Accepted, in.Rejected, in.Duplicate, ok)
	}
	s.freezeHeader()
}

func writeFlags(s *sheet, sum *Summary) {
	s.widths(12, 12, 34, 24, 10, 80)
	s.header("Payee type", "Payee", "Name", "Program", "Kind", "Flags")
	for i := range sum.Rows {
		r := &sum.Rows[i]
		if r.Flags != "" {
			s.row(r.PayeeType, r.Payee, r.Name, r.ProgramID, r.Kind, r.Flags)
		}
	}
	s.freezeHeader()
}
