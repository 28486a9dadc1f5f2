package workspace

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/incent/incent/calc"
	"github.com/incent/incent/ingest"
	"github.com/incent/incent/rules"
	"github.com/incent/incent/store"
)

// IngestOptions are the choices of one ingest command.
type IngestOptions struct {
	Kind   ingest.Kind
	Files  []string // as given: relative to the current folder, or absolute
	DryRun bool     // check and report, store nothing
}

// IngestSummary is what ingest reports: the reconciliation of every file
// named, with the rejects and warnings of those files.
type IngestSummary struct {
	Kind   string         `json:"kind"`
	DryRun bool           `json:"dry_run"`
	Stored bool           `json:"stored"` // something new was committed
	Files  []IngestedFile `json:"files"`
	// Others are the workspace's own inputs (inputs: in incent.yaml) that
	// were new or changed and were stored with the named files, as calc
	// would have stored them.
	Others   []IngestedFile `json:"other_inputs,omitempty"`
	Rejects  []RowProblem   `json:"rejects"`
	Warnings []RowProblem   `json:"warnings"`
}

// IngestedFile is one file version's reconciliation and what this command
// did with it.
type IngestedFile struct {
	Reconciliation
	Status string `json:"status"` // one of the Status* constants
}

// What ingest did with a file.
const (
	StatusNew        = "new"              // first version under this name
	StatusNewVersion = "new version"      // new content under a name already stored
	StatusAlready    = "already ingested" // this content is the newest version of this name: no-op
)

// RowProblem is a reject or a warning: file, row, column and reason.
type RowProblem struct {
	File   string `json:"file"`
	Row    int    `json:"row"`
	Column string `json:"column,omitempty"`
	Reason string `json:"reason"`
}

// String formats the problem as "file:row: column: reason".
func (p RowProblem) String() string {
	return ingest.Reject{File: p.File, Row: p.Row, Column: p.Column, Reason: p.Reason}.Error()
}

// kindOK reports whether k is an input kind.
func kindOK(k ingest.Kind) bool {
	for _, x := range Kinds {
		if x == k {
			return true
		}
	}
	return false
}

// Ingest stores files of one kind without calculating: each is archived by
// SHA-256 as a new version (the same content under the same name is a
// no-op), and every stored version is then read back and resolved by key as
// calc does, so the report shows duplicates and replacements across files,
// unknown dealers and reversals with no original. The workspace's own new
// or changed inputs are stored too, as calc would store them, so rows are
// checked against the dealers calc will use. The command stores all of it
// or, on DryRun, too many rejects or any error, nothing.
func (c *Config) Ingest(ctx context.Context, env Env, opts IngestOptions) (*IngestSummary, error) {
	if !kindOK(opts.Kind) {
		var names []string
		for _, k := range Kinds {
			names = append(names, string(k))
		}
		return nil, usageError("unknown input kind %q; expected one of %s", opts.Kind, strings.Join(names, ", "))
	}
	if len(opts.Files) == 0 {
		return nil, usageError("no files given; expected incent ingest %s FILE...", opts.Kind)
	}
	type named struct{ name, path string }
	var files []named
	seen := map[string]bool{}
	for _, f := range opts.Files {
		abs, err := filepath.Abs(f)
		if err != nil {
			return nil, usageError("%s: %v", f, err)
		}
		// Files inside the workspace get the name calc's inputs: globs give
		// them, so calc finds them already stored.
		name := relTo(c.Dir, abs)
		if !seen[name] {
			seen[name] = true
			files = append(files, named{name, abs})
		}
	}

	tx, end, err := c.start(ctx, env, opts.DryRun)
	if err != nil {
		return nil, err
	}
	defer end()

	before, err := storedInputs(tx)
	if err != nil {
		return nil, err
	}
	status := map[int64]string{}
	var order []int64
	// New sales versions are archived while they are read, as calc does.
	pa := &pendingArchive{env: env}
	var later *pendingArchive
	if opts.Kind == ingest.KindSales {
		later = pa
	}
	for _, f := range files {
		v, isNew, err := c.stageFile(tx, env, opts.Kind, f.name, f.path, later)
		if err != nil {
			return nil, err
		}
		st := StatusAlready
		if isNew {
			st = StatusNew
			for _, old := range before {
				if old.Kind == v.Kind && old.Name == v.Name {
					st = StatusNewVersion
				}
			}
		}
		if _, dup := status[v.Seq]; !dup {
			order = append(order, v.Seq)
		}
		status[v.Seq] = st
	}
	nNamed := len(order)
	if err := c.stage(tx, env, pa); err != nil {
		return nil, err
	}
	all, err := storedInputs(tx)
	if err != nil {
		return nil, err
	}
	old := map[int64]bool{}
	for _, f := range before {
		old[f.Seq] = true
	}
	for _, f := range all {
		if _, ok := status[f.Seq]; !ok && !old[f.Seq] {
			status[f.Seq] = StatusNew
			order = append(order, f.Seq)
		}
	}

	env.progress("reading %d input files", len(all))
	// As calc does: stored versions already read come from the snapshot,
	// and new ones, once read, leave a snapshot for the calc that follows.
	ds, fromSnapshot, snap, err := c.gatherCached(tx, all, !opts.DryRun, pa)
	if err != nil {
		return nil, readError(err)
	}
	if fromSnapshot {
		env.progress("inputs unchanged: %d sales read from the snapshot", len(ds.sales))
	}
	defer snap.wait()
	// A reversal needs its original somewhere in the stored sales, of any
	// period: calc pairs them without regard to the period it calculates.
	ds.rejectUnmatched(calc.Run(calc.Input{Sales: ds.sales}).Unmatched)
	// Co-op claims that name no co-op program are rejected as calc rejects
	// them, so that ingest's reconciliation is the one calc will print.
	// Program files calc would refuse leave that to calc, which says why.
	if progs, err := rules.LoadDir(c.Path(c.Programs)); err == nil && len(progs) > 0 {
		ds.rejectClaims(progs)
	}

	sum := &IngestSummary{Kind: string(opts.Kind), DryRun: opts.DryRun, Rejects: []RowProblem{}, Warnings: []RowProblem{}}
	anyNew := false
	for i, seq := range order {
		rec := ds.recon[ds.reconOf[seq]]
		rec.New = status[seq] != StatusAlready
		anyNew = anyNew || rec.New
		f := IngestedFile{Reconciliation: rec, Status: status[seq]}
		if i < nNamed {
			sum.Files = append(sum.Files, f)
		} else {
			sum.Others = append(sum.Others, f)
		}
		fp := ds.problems[seq]
		if fp == nil {
			continue
		}
		sortRejects(fp.rejects)
		for _, r := range fp.rejects {
			sum.Rejects = append(sum.Rejects, RowProblem{File: r.File, Row: r.Row, Column: r.Column, Reason: r.Reason})
		}
		for _, w := range fp.warnings {
			sum.Warnings = append(sum.Warnings, RowProblem{File: w.File, Row: w.Row, Column: w.Column, Reason: w.Reason})
		}
	}
	if err := c.checkRejects(ds); err != nil {
		return sum, err
	}
	if opts.DryRun || !anyNew {
		return sum, nil
	}
	snap.start()
	if err := tx.Commit(); err != nil {
		return nil, fmt.Errorf("commit: %w", err)
	}
	sum.Stored = true
	return sum, nil
}

// storedInputs returns every stored input version, kind by kind.
func storedInputs(tx *store.Tx) ([]store.InputFile, error) {
	var files []store.InputFile
	for _, kind := range Kinds {
		fs, err := tx.Inputs(string(kind))
		if err != nil {
			return nil, err
		}
		files = append(files, fs...)
	}
	return files, nil
}
