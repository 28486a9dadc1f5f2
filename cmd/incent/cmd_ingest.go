package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"

	"github.com/incent/incent/ingest"
	"github.com/incent/incent/workspace"
	"github.com/spf13/cobra"
)

// IngestOptions are the parsed flags and arguments of incent ingest.
type IngestOptions struct {
	Kind   string
	Files  []string
	DryRun bool
	JSON   bool
}

// maxListed bounds the rejects and warnings printed as text; --json lists
// every one.
const maxListed = 50

func newCmdIngest(f *factory, runF func(*IngestOptions) error) *cobra.Command {
	opts := &IngestOptions{}
	cmd := &cobra.Command{
		Use:   "ingest KIND FILE...",
		Short: "Store and check input files without calculating",
		Long: `Store input files of one kind (sales, dealers, objectives, certifications or claims)
in the database and check every row, without calculating. Each file is archived by its
SHA-256: new content is a new version, the same content again changes nothing. Every
row is accounted for: read N = accepted A + rejected R + duplicate D per file, and each
reject is listed as file:row: column: reason. New or changed files under inputs: in
incent.yaml are stored too, as calc would store them. With --dry-run nothing is stored.
Exit 3 (and nothing stored) when more than max_rejects of the sales rows are rejected.`,
		Args: func(_ *cobra.Command, args []string) error {
			if len(args) < 2 {
				return &usageErr{fmt.Errorf("expected a kind and at least one file: incent ingest sales FILE...")}
			}
			return nil
		},
		RunE: func(_ *cobra.Command, args []string) error {
			opts.Kind, opts.Files = args[0], args[1:]
			if runF != nil {
				return runF(opts)
			}
			return ingestRun(f, opts)
		},
	}
	fl := cmd.Flags()
	fl.BoolVar(&opts.DryRun, "dry-run", false, "check and report without storing anything")
	fl.BoolVar(&opts.JSON, "json", false, "print the report as one JSON object")
	return cmd
}

func ingestRun(f *factory, opts *IngestOptions) error {
	cfg, err := f.config()
	if err != nil {
		return err
	}
	prepareHeap()
	sum, err := cfg.Ingest(context.Background(), f.env(), workspace.IngestOptions{Kind: ingest.Kind(opts.Kind),
		Files: opts.Files, DryRun: opts.DryRun})
	if sum != nil {
		printIngestSummary(f.ios, sum, opts.JSON, err != nil)
	}
	return err
}

func printIngestSummary(ios *IOStreams, s *workspace.IngestSummary, asJSON, refused bool) {
	if asJSON {
		enc := json.NewEncoder(ios.Out)
		enc.SetIndent("", "  ")
		enc.Encode(s)
		return
	}
	w := ios.Out
	for _, in := range s.Files {
		fmt.Fprintf(w, "%s (%s)\n", in.Line(), in.Status)
	}
	if len(s.Others) > 0 {
		fmt.Fprintln(w, "also new under inputs: in incent.yaml:")
		for _, in := range s.Others {
			fmt.Fprintf(w, "  %s (%s)\n", in.Line(), in.Status)
		}
	}
	listProblems(w, "rejected rows", s.Rejects)
	listProblems(w, "rows accepted with a warning", s.Warnings)
	fmt.Fprintln(w)
	switch {
	case refused:
		fmt.Fprintln(w, "Nothing stored.")
	case s.DryRun:
		fmt.Fprintln(w, "Dry run: nothing stored.")
	case s.Stored:
		fmt.Fprintln(w, "Stored; the next calc uses these rows.")
	default:
		fmt.Fprintln(w, "Nothing new to store.")
	}
}

// listProblems prints row problems as "file:row: column: reason", the
// first maxListed of them, under a heading that counts them all; nothing
// when there are none.
func listProblems(w io.Writer, what string, ps []workspace.RowProblem) {
	if len(ps) == 0 {
		return
	}
	fmt.Fprintf(w, "\n%d %s:\n", len(ps), what)
	for i, p := range ps {
		if i == maxListed {
			fmt.Fprintf(w, "  … and %d more (--json lists every one)\n", len(ps)-maxListed)
			break
		}
		fmt.Fprintln(w, "  "+p.String())
	}
}
