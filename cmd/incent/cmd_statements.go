package main

import (
	"context"
	"fmt"

	"github.com/incent/incent/workspace"
	"github.com/spf13/cobra"
)

// StatementsOptions are the parsed flags of incent statements.
type StatementsOptions struct {
	Run     string
	Payee   string
	Type    string
	Workers int
}

func newCmdStatements(f *factory) *cobra.Command {
	opts := &StatementsOptions{}
	cmd := &cobra.Command{
		Use:   "statements --run RUN [--payee CODE] [--type dealer|group|salesperson]",
		Short: "Render the PDF and XLSX statements of a stored run again",
		Long: `Statements rebuilds a stored run from the archive, checks that it replays
identically, and renders its statements (every payee, one kind of payee, or
one payee) into the run's folder. Use it after calc --statements=false, to
render the dealers' statements first, or to render one dealer.`,
		Args: cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			if opts.Run == "" {
				return &usageErr{fmt.Errorf("--run is required (see incent runs)")}
			}
			cfg, err := f.config()
			if err != nil {
				return err
			}
			dir, n, err := cfg.RenderStatements(context.Background(), f.env(), opts.Run,
				workspace.StatementsOptions{Payee: opts.Payee, Type: opts.Type, Workers: opts.Workers})
			if err != nil {
				return err
			}
			fmt.Fprintf(f.ios.Out, "%d statements written to %s\n", n, dir)
			return nil
		},
	}
	cmd.Flags().StringVar(&opts.Run, "run", "", "run id (required)")
	cmd.Flags().StringVar(&opts.Payee, "payee", "", "only this payee")
	cmd.Flags().StringVar(&opts.Type, "type", "", "only payees of this kind: dealer, group or salesperson")
	cmd.Flags().IntVar(&opts.Workers, "workers", 0, "statement renderers (default: one per core)")
	return cmd
}
