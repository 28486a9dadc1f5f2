package main

import (
	"context"
	"fmt"
	"text/tabwriter"

	"github.com/incent/incent"
	"github.com/incent/incent/store"
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
	return cmd
}

func runsRun(f *factory, opts *RunsOptions) error {
	cfg, err := f.config()
	if err != nil {
		return err
	}
	if opts.Period != "" {
		p, err := incent.ParsePeriod(opts.Period)
		if err != nil {
			return &usageErr{err}
		}
		opts.Period = p.Code
	}
	db, err := cfg.OpenExisting(f.now)
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
