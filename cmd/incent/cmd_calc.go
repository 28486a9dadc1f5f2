package main

import (
	"context"
	"encoding/json"
	"fmt"
	"text/tabwriter"

	"github.com/incent/incent"
	"github.com/incent/incent/workspace"
	"github.com/spf13/cobra"
)

// CalcOptions are the parsed flags of incent calc.
type CalcOptions struct {
	Period     string
	AsOf       string
	DryRun     bool
	Programs   string
	JSON       bool
	Statements bool
	Workers    int
}

func newCmdCalc(f *factory, runF func(*CalcOptions) error) *cobra.Command {
	opts := &CalcOptions{}
	cmd := &cobra.Command{
		Use:   "calc --period PERIOD",
		Short: "Calculate a period's payouts and write the run",
		Long: `Calculate a period (2024Q3, 2024-08 or 2024): ingest new or changed input files,
run eligibility, crediting, tiers and payouts, and write the run to the database and
its files under out/<period>/<run-id>/.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if runF != nil {
				return runF(opts)
			}
			return calcRun(f, opts)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&opts.Period, "period", "", "period to calculate: 2024Q3, 2024-08 or 2024 (required)")
	fl.StringVar(&opts.AsOf, "as-of", "", "provisional run counting sales up to this date (YYYY-MM-DD)")
	fl.BoolVar(&opts.DryRun, "dry-run", false, "compute and print the summary without writing anything")
	fl.StringVar(&opts.Programs, "programs", "", "use the program files in this folder instead (what-if)")
	fl.BoolVar(&opts.JSON, "json", false, "print the summary as one JSON object")
	fl.BoolVar(&opts.Statements, "statements", true, "render PDF and XLSX statements")
	fl.IntVar(&opts.Workers, "workers", 0, "statement renderers (default: one per core)")
	return cmd
}

func calcRun(f *factory, opts *CalcOptions) error {
	if opts.Period == "" {
		return &usageErr{fmt.Errorf("--period is required (2024Q3, 2024-08 or 2024)")}
	}
	period, err := incent.ParsePeriod(opts.Period)
	if err != nil {
		return &usageErr{err}
	}
	asOf := incent.NoDate
	if opts.AsOf != "" {
		if asOf, err = incent.ParseDate(opts.AsOf); err != nil {
			return &usageErr{fmt.Errorf("--as-of: %v", err)}
		}
		// A provisional run is of a period still under way: a date
		// before it counts nothing, one after it is the final run.
		if !period.Contains(asOf) {
			return &usageErr{fmt.Errorf("--as-of %s is outside %s (%s to %s); give a date within the period, or no --as-of for the whole period",
				asOf, period.Code, period.From, period.To)}
		}
	}
	cfg, err := f.config()
	if err != nil {
		return err
	}
	prepareHeap()
	sum, err := cfg.Calc(context.Background(), f.env(), workspace.CalcOptions{Period: period, AsOf: asOf, DryRun: opts.DryRun,
		ProgramsDir: opts.Programs, Statements: opts.Statements, Workers: opts.Workers})
	if sum != nil {
		printCalcSummary(f.ios, sum, opts.JSON)
	}
	return err
}

func printCalcSummary(ios *IOStreams, s *workspace.CalcSummary, asJSON bool) {
	if asJSON {
		enc := json.NewEncoder(ios.Out)
		enc.SetIndent("", "  ")
		enc.Encode(s)
		return
	}
	w := ios.Out
	switch {
	case s.WhatIf:
		fmt.Fprintf(w, "What-if for %s: nothing written; each program's amount against what the current programs pay\n", s.Period)
	case s.DryRun:
		fmt.Fprintf(w, "Dry run for %s: nothing written\n", s.Period)
	case s.RunID != "":
		fmt.Fprintf(w, "Run %s for %s written to %s\n", s.RunID, s.Period, s.OutDir)
	}
	if s.Provisional {
		fmt.Fprintf(w, "PROVISIONAL: sales up to %s\n", s.AsOf)
	}
	fmt.Fprintln(w)
	for _, in := range s.Inputs {
		fmt.Fprintln(w, "  "+in.Line())
	}
	fmt.Fprintln(w)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	if s.WhatIf {
		fmt.Fprintln(tw, "program\ttype\tpayees\tcurrency\tamount\tcurrent\tdifference\t")
		for _, p := range s.Programs {
			fmt.Fprintf(tw, "%s\t%s\t%d\t%s\t%s\t%s\t%s\t\n", p.ID, p.Type, p.Payees, p.Currency, incent.GroupThousands(p.Amount),
				incent.GroupThousands(p.Current), signed(incent.GroupThousands(p.Difference)))
		}
		for _, t := range s.Totals {
			fmt.Fprintf(tw, "total\t\t%d\t%s\t%s\t%s\t%s\t\n", t.Payees, t.Currency, incent.GroupThousands(t.Amount),
				incent.GroupThousands(t.Current), signed(incent.GroupThousands(t.Difference)))
		}
		tw.Flush()
		fmt.Fprintf(w, "\n%d payout lines, %d rejected rows, %d flags; result digest %s\n", s.Lines, s.Rejects, s.Flags, s.Digest)
		return
	}
	fmt.Fprintln(tw, "program\ttype\tpayees\tcurrency\tamount\t")
	for _, p := range s.Programs {
		fmt.Fprintf(tw, "%s\t%s\t%d\t%s\t%s\t\n", p.ID, p.Type, p.Payees, p.Currency, incent.GroupThousands(p.Amount))
	}
	for _, t := range s.Totals {
		fmt.Fprintf(tw, "total\t\t%d\t%s\t%s\t\n", t.Payees, t.Currency, incent.GroupThousands(t.Amount))
	}
	tw.Flush()
	fmt.Fprintf(w, "\n%d payout lines, %d rejected rows, %d flags; result digest %s\n", s.Lines, s.Rejects, s.Flags, s.Digest)
	listProblems(w, "rejected rows", s.RejectedRows)
	if s.Warnings > 0 {
		fmt.Fprintf(w, "%d rows accepted with a warning (vin_check: warn), listed in the run's manifest.json\n", s.Warnings)
	}
}
