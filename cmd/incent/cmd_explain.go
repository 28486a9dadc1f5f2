package main

import (
	"context"
	"fmt"

	"github.com/incent/incent"
	"github.com/incent/incent/workspace"
	"github.com/spf13/cobra"
)

// ExplainOptions are the parsed flags of incent explain.
type ExplainOptions struct {
	Period  string
	Run     string
	Payee   string
	Type    string
	Program string
	VIN     string
}

func newCmdExplain(f *factory) *cobra.Command {
	opts := &ExplainOptions{}
	cmd := &cobra.Command{
		Use:   "explain --period PERIOD --payee CODE [--type KIND] [--program ID] [--vin VIN]",
		Short: "Explain in plain words how a run paid one payee",
		Long: `Explain reads a run's calculation log and tells, for one payee, which sales
counted and with what credit, which did not and why, the measure, the tier
reached, the formula and the rounding. It uses the period's newest run unless
--run names one.`,
		Args: cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error { return explainRun(f, opts) },
	}
	fl := cmd.Flags()
	fl.StringVar(&opts.Period, "period", "", "period (2024Q3, 2024-08, 2024); required unless --run is given")
	fl.StringVar(&opts.Run, "run", "", "run id (default: the period's newest run)")
	fl.StringVar(&opts.Payee, "payee", "", "payee code: a dealer, group or salesperson (required)")
	fl.StringVar(&opts.Type, "type", "", "dealer, group or salesperson: needed when a salesperson has a dealer's code")
	fl.StringVar(&opts.Program, "program", "", "only this program")
	fl.StringVar(&opts.VIN, "vin", "", "only the sales of this VIN")
	return cmd
}

func explainRun(f *factory, opts *ExplainOptions) error {
	if opts.Payee == "" {
		return &usageErr{fmt.Errorf("--payee is required")}
	}
	if opts.Period == "" && opts.Run == "" {
		return &usageErr{fmt.Errorf("--period or --run is required")}
	}
	if opts.Period != "" {
		p, err := incent.ParsePeriod(opts.Period)
		if err != nil {
			return &usageErr{err}
		}
		opts.Period = p.Code
	}
	switch opts.Type {
	case "", "dealer", "group", "salesperson":
	default:
		return &usageErr{fmt.Errorf("--type %q: expected dealer, group or salesperson", opts.Type)}
	}
	cfg, err := f.config()
	if err != nil {
		return err
	}
	return cfg.Explain(context.Background(), f.env(), f.ios.Out, workspace.ExplainOptions{Period: opts.Period, RunID: opts.Run,
		Payee: opts.Payee, Type: opts.Type, Program: opts.Program, VIN: opts.VIN})
}
