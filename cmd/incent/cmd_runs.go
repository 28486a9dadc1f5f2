package main

import (
	"cmp"
	"context"
	"fmt"
	"maps"
	"path/filepath"
	"slices"
	"text/tabwriter"

	"github.com/incent/incent"
	"github.com/incent/incent/store"
	"github.com/incent/incent/workspace"
	"github.com/shopspring/decimal"
	"github.com/spf13/cobra"
)

// RunsOptions are the parsed flags of incent runs.
type RunsOptions struct {
	Period string
}

func newCmdRuns(f *factory) *cobra.Command {
	opts := &RunsOptions{}
	cmd := &cobra.Command{
		Use:   "runs [--period PERIOD]",
		Short: "List stored runs, newest first",
		Args:  cobra.NoArgs,
		RunE:  func(*cobra.Command, []string) error { return runsRun(f, opts) },
	}
	cmd.Flags().StringVar(&opts.Period, "period", "", "only runs of this period")
	cmd.AddCommand(&cobra.Command{
		Use:   "show RUN",
		Short: "Show one run: when and by whom, its inputs and programs, its totals",
		Args:  cobra.ExactArgs(1),
		RunE:  func(_ *cobra.Command, args []string) error { return runsShow(f, args[0]) },
	})
	return cmd
}

// runsShow prints one stored run: its head, the input file versions and
// program versions it used, and its totals per program and currency.
func runsShow(f *factory, id string) error {
	cfg, db, err := f.openDB()
	if err != nil {
		return err
	}
	defer db.Close()
	var run *store.Run
	var inputs []store.InputFile
	ordinal := map[int64]int{} // ingest seq -> version of its file name
	if err := db.Read(context.Background(), func(tx *store.Tx) error {
		if run, err = tx.GetRun(id); err != nil {
			return workspace.NoRun(err)
		}
		if inputs, err = tx.RunInputs(id); err != nil {
			return err
		}
		// Each input's version number among the versions of its name.
		kinds := map[string]bool{}
		for _, in := range inputs {
			kinds[in.Kind] = true
		}
		for kind := range kinds {
			all, err := tx.Inputs(kind)
			if err != nil {
				return err
			}
			n := map[string]int{}
			for _, in := range all {
				n[in.Name]++
				ordinal[in.Seq] = n[in.Name]
			}
		}
		return nil
	}); err != nil {
		return err
	}
	w := f.ios.Out
	fmt.Fprintf(w, "Run %s for %s: %s", run.ID, run.Period, run.Status)
	if run.AsOf != "" {
		fmt.Fprintf(w, ", sales up to %s", run.AsOf)
	}
	fmt.Fprintf(w, "\nStarted %s, finished %s, by %s with incent %s\n", run.StartedAt, run.FinishedAt, run.User, run.ToolVersion)
	fmt.Fprintf(w, "Result digest %s\n", run.Digest)
	fmt.Fprintf(w, "Files in %s\n", cfg.Path(filepath.Join(cfg.Out, run.Period, run.ID)))

	fmt.Fprintf(w, "\nInput file versions (%d):\n", len(inputs))
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	for _, in := range inputs {
		fmt.Fprintf(tw, "  %s\t%s\tversion %d\tingested %s (#%d)\t%s\n", in.Kind, in.Name, ordinal[in.Seq], in.IngestedAt, in.Seq, in.SHA256[:12])
	}
	tw.Flush()
	fmt.Fprintf(w, "\nPrograms (%d):\n", len(run.Programs))
	for _, p := range run.Programs {
		fmt.Fprintf(tw, "  %s\tv%d\t%s\t%s\n", p.ID, p.Version, p.File, p.SHA256[:12])
	}
	tw.Flush()

	type key struct{ program, currency string }
	type total struct {
		lines int
		sum   decimal.Decimal
	}
	totals := map[key]*total{}
	curs := map[string]decimal.Decimal{}
	for _, l := range run.Lines {
		amt, err := decimal.NewFromString(l.Amount)
		if err != nil {
			return fmt.Errorf("run %s: amount %q: %w", run.ID, l.Amount, err)
		}
		k := key{l.ProgramID, l.Currency}
		if totals[k] == nil {
			totals[k] = &total{}
		}
		totals[k].lines++
		totals[k].sum = totals[k].sum.Add(amt)
		curs[l.Currency] = curs[l.Currency].Add(amt)
	}
	keys := slices.SortedFunc(maps.Keys(totals), func(a, b key) int {
		return cmp.Or(cmp.Compare(a.program, b.program), cmp.Compare(a.currency, b.currency))
	})
	fmt.Fprintf(w, "\n%d payout lines:\n", len(run.Lines))
	tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "program\tlines\tcurrency\tamount\t")
	for _, k := range keys {
		fmt.Fprintf(tw, "%s\t%d\t%s\t%s\t\n", k.program, totals[k].lines, k.currency, money(totals[k].sum, k.currency))
	}
	for _, c := range slices.Sorted(maps.Keys(curs)) {
		fmt.Fprintf(tw, "total\t\t%s\t%s\t\n", c, money(curs[c], c))
	}
	return tw.Flush()
}

// money writes an amount of a currency at its minor unit, with thousands
// separators.
func money(d decimal.Decimal, currency string) string {
	minor := int32(2)
	if c, err := incent.LookupCurrency(currency); err == nil {
		minor = c.Minor
	}
	return incent.GroupThousands(d.StringFixed(minor))
}

func runsRun(f *factory, opts *RunsOptions) error {
	if opts.Period != "" {
		p, err := incent.ParsePeriod(opts.Period)
		if err != nil {
			return &usageErr{err}
		}
		opts.Period = p.Code
	}
	_, db, err := f.openDB()
	if err != nil {
		return err
	}
	defer db.Close()
	var runs []store.Run
	if err := db.Read(context.Background(), func(tx *store.Tx) error {
		runs, err = tx.Runs(opts.Period)
		return err
	}); err != nil {
		return err
	}
	if len(runs) == 0 {
		fmt.Fprintln(f.ios.Out, "No runs yet: incent calc --period PERIOD writes one.")
		return nil
	}
	tw := tabwriter.NewWriter(f.ios.Out, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "RUN\tPERIOD\tSTATUS\tAS OF\tSTARTED\tUSER\tDIGEST")
	for _, r := range runs {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", r.ID, r.Period, r.Status, dash(r.AsOf), r.StartedAt, r.User, r.Digest[:12])
	}
	return tw.Flush()
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
