package main

import (
	"context"
	"fmt"

	"github.com/incent/incent/workspace"
	"github.com/spf13/cobra"
)

func newCmdVerify(f *factory) *cobra.Command {
	return &cobra.Command{
		Use:   "verify",
		Short: "Check the event chain, every archived file and every run's digest",
		Long: `Verify checks that no stored record was altered: the hash chain of the event
log, every archived input and program file against its SHA-256, and every run's
result digest recomputed from its stored payout lines. Exit 0, or exit 4
naming the first broken record.`,
		Args: cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			_, db, err := f.openDB()
			if err != nil {
				return err
			}
			defer db.Close()
			checked, broken, err := db.Verify(context.Background())
			if err != nil {
				return err
			}
			if broken != "" {
				return &workspace.Error{Code: workspace.ExitDiffers, Err: fmt.Errorf("verify failed: %s", broken)}
			}
			fmt.Fprintf(f.ios.Out, "verified: %s\n", checked)
			return nil
		},
	}
}
