package main

import (
	"context"
	"fmt"
	"strings"
	"text/tabwriter"

	"github.com/incent/incent/store"
	"github.com/incent/incent/workspace"
	"github.com/shopspring/decimal"
	"github.com/spf13/cobra"
)

func newCmdDiff(f *factory) *cobra.Command {
	return &cobra.Command{
		Use:   "diff RUN_A RUN_B",
		Short: "Compare two runs payout line by payout line",
		Long: `Diff lists the payout lines that differ between two stored runs: the same
payee, program, kind and currency with another measure, tier or amount, and
lines only one run has, each with the difference (B less A), then the change
of each currency's total. A new version of a program lists each of its lines,
even one whose amount did not change. Runs whose lines are all the same
print "No difference".`,
		Args: cobra.ExactArgs(2),
		RunE: func(_ *cobra.Command, args []string) error { return diffRun(f, args[0], args[1]) },
	}
}

func diffRun(f *factory, idA, idB string) error {
	_, db, err := f.openDB()
	if err != nil {
		return err
	}
	defer db.Close()
	var a, b *store.Run
	if err := db.Read(context.Background(), func(tx *store.Tx) error {
		if a, err = tx.GetRun(idA); err != nil {
			return workspace.NoRun(err)
		}
		if b, err = tx.GetRun(idB); err != nil {
			return workspace.NoRun(err)
		}
		return nil
	}); err != nil {
		return err
	}
	lines, totals, err := workspace.DiffLines(a.Lines, b.Lines)
	if err != nil {
		return err
	}
	w := f.ios.Out
	fmt.Fprintf(w, "A: %s (%s, %s), B: %s (%s, %s)\n", a.ID, a.Period, a.Status, b.ID, b.Period, b.Status)
	if a.Period != b.Period {
		fmt.Fprintf(w, "The runs are of different periods.\n")
	}
	if len(lines) == 0 {
		fmt.Fprintln(w, "No difference: every payout line is the same.")
		return nil
	}
	fmt.Fprintf(w, "%d payout lines differ:\n", len(lines))
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "payee\tprogram\tkind\tcurrency\tA measure\tA tier\tA amount\tB measure\tB tier\tB amount\tdifference\t")
	side := func(l *store.Line) (string, string, string) {
		if l == nil {
			return "-", "-", "-"
		}
		return l.Measure, dash(l.Tier), money(mustDecimal(l.Amount), l.Currency)
	}
	for _, d := range lines {
		am, at, aa := side(d.A)
		bm, bt, ba := side(d.B)
		payee := d.PayeeType + " " + d.Payee
		program := d.ProgramID
		switch {
		case d.A != nil && d.B != nil && d.A.ProgramVersion != d.B.ProgramVersion:
			program += fmt.Sprintf(" v%d→v%d", d.A.ProgramVersion, d.B.ProgramVersion)
		case d.A == nil:
			program += fmt.Sprintf(" v%d", d.B.ProgramVersion)
		case d.B == nil:
			program += fmt.Sprintf(" v%d", d.A.ProgramVersion)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t\n", payee, program, d.Kind, d.Currency, am, at, aa, bm, bt, ba,
			signed(money(d.Difference, d.Currency)))
	}
	tw.Flush()
	fmt.Fprintln(w)
	tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "currency\tA total\tB total\tdifference\t")
	for _, t := range totals {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t\n", t.Currency, money(t.A, t.Currency), money(t.B, t.Currency), signed(money(t.Difference, t.Currency)))
	}
	return tw.Flush()
}

// signed puts a plus sign before an amount above zero.
func signed(s string) string {
	if !strings.HasPrefix(s, "-") && strings.Trim(s, "0.,") != "" {
		return "+" + s
	}
	return s
}

// mustDecimal reads an amount DiffLines has already read.
func mustDecimal(s string) decimal.Decimal {
	d, _ := decimal.NewFromString(s)
	return d
}
