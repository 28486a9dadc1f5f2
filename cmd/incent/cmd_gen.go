package main

import (
	"errors"
	"fmt"
	"path/filepath"

	"github.com/incent/incent"
	"github.com/incent/incent/gen"
	"github.com/spf13/cobra"
)

// GenOptions are the parsed flags and argument of incent gen.
type GenOptions struct {
	Dir     string
	Dealers int
	Sales   int
	Seed    uint64
	Period  string
}

func newCmdGen(f *factory, runF func(*GenOptions) error) *cobra.Command {
	opts := &GenOptions{}
	cmd := &cobra.Command{
		Use:   "gen DIR [--dealers N] [--sales N] [--seed S] [--period 2024Q3]",
		Short: "Generate a realistic workspace of any size, to try incent or to benchmark it",
		Long: `Generate a workspace in DIR: dealers in groups and regions with a long-tailed size
distribution, a period of sales (one file per month) with dealer trades, split deals,
reversals, rebate claims and a small share of bad rows, objectives, certifications,
co-op claims and about thirty programs covering every program type. The same flags
give the same bytes.`,
		Args: cobra.ExactArgs(1),
		RunE: func(_ *cobra.Command, args []string) error {
			opts.Dir = args[0]
			if runF != nil {
				return runF(opts)
			}
			return genRun(f, opts)
		},
	}
	fl := cmd.Flags()
	fl.IntVar(&opts.Dealers, "dealers", 100, "number of dealers")
	fl.IntVar(&opts.Sales, "sales", 10000, "number of sales rows, reversals and bad rows included")
	fl.Uint64Var(&opts.Seed, "seed", 1, "random seed; the same seed gives the same files")
	fl.StringVar(&opts.Period, "period", "2024Q3", "period the sales and programs cover: 2024Q3, 2024-08 or 2024")
	return cmd
}

func genRun(f *factory, opts *GenOptions) error {
	period, err := incent.ParsePeriod(opts.Period)
	if err != nil {
		return &usageErr{fmt.Errorf("--period: %v", err)}
	}
	switch {
	case opts.Dealers < 1:
		return &usageErr{fmt.Errorf("--dealers must be at least 1, got %d", opts.Dealers)}
	case opts.Sales < 0:
		return &usageErr{fmt.Errorf("--sales must be 0 or more, got %d", opts.Sales)}
	}
	if f.ios.ErrTTY {
		fmt.Fprintf(f.ios.ErrOut, "… generating %d dealers and %d sales rows in %s\n", opts.Dealers, opts.Sales, opts.Dir)
	}
	rep, err := gen.Write(opts.Dir, gen.Options{Dealers: opts.Dealers, Sales: opts.Sales, Seed: opts.Seed, Period: period})
	if errors.Is(err, gen.ErrExists) {
		return &usageErr{fmt.Errorf("%s already holds a workspace (incent.yaml exists); choose another folder", opts.Dir)}
	}
	if err != nil {
		return fmt.Errorf("gen %s: %w", opts.Dir, err)
	}
	w := f.ios.Out
	s := rep.Sales
	fmt.Fprintf(w, "Workspace generated in %s:\n", opts.Dir)
	fmt.Fprintf(w, "  %d dealers in %d groups, %d salespeople, %d programs\n", rep.Dealers, rep.Groups, rep.Salespeople, rep.Programs)
	fmt.Fprintf(w, "  %s sales rows: %d reversals, %d dealer trades, %d splits, %d rebate claims, %d duplicates, %d double claims, %d bad rows\n",
		incent.GroupThousands(fmt.Sprint(s.Rows)), s.Reversals, s.Trades, s.Splits, s.Rebates, s.Duplicates, s.DoubleClaims, s.Bad)
	for _, fc := range rep.Files {
		if fc.Rows > 0 {
			fmt.Fprintf(w, "  %s: %d rows\n", fc.Path, fc.Rows)
		}
	}
	fmt.Fprintf(w, "Next:\n  cd %s && incent calc --period %s\n", filepath.Clean(opts.Dir), period.Code)
	return nil
}
