package main

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"
)

func newCmdReplay(f *factory) *cobra.Command {
	return &cobra.Command{
		Use:   "replay RUN",
		Short: "Rebuild a run from its archived inputs and programs and compare digests",
		Long: `Replay recomputes a stored run from the database alone (the input file versions
and program texts the run archived, not the workspace files) and compares the
result digest: exit 0 and "identical", or exit 4 and the first difference.`,
		Args: cobra.ExactArgs(1),
		RunE: func(_ *cobra.Command, args []string) error {
			cfg, err := f.config()
			if err != nil {
				return err
			}
			prepareHeap()
			res, err := cfg.Replay(context.Background(), f.env(), args[0])
			if err != nil {
				return err
			}
			fmt.Fprintf(f.ios.Out, "%s: identical (result digest %s)\n", res.RunID, res.Recomputed)
			return nil
		},
	}
}
