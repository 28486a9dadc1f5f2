package workspace

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"

	"github.com/incent/incent"
	"github.com/incent/incent/calc"
	"github.com/incent/incent/rules"
	"github.com/incent/incent/statements"
	"github.com/incent/incent/store"
)

// rebuild recomputes a stored run from the database alone: the input file
// versions and program texts it archived, its period, as-of date and
// rounding. Nothing in the workspace folder is read, except, when
// snapshot is set, the snapshot of those same input versions.
//
// When pay is set, only the payout lines of the payees it accepts are
// computed again (see calc.Input.Pay); cp.digest is then of those alone.
// When payeeType is set, only the programs paying that kind of payee are:
// pay must then accept no other kind.
func (c *Config) rebuild(ctx context.Context, db *store.DB, runID string, snapshot bool, pay func(calc.Payee) bool, payeeType rules.PayeeKind) (*store.Run, *computed, error) {
	var run *store.Run
	var cp *computed
	err := db.Read(ctx, func(tx *store.Tx) error {
		var err error
		if run, err = tx.GetRun(runID); err != nil {
			return NoRun(err)
		}
		var m Manifest
		if err := json.Unmarshal([]byte(run.Manifest), &m); err != nil {
			return fmt.Errorf("run %s: manifest: %w", runID, err)
		}
		period, err := incent.ParsePeriod(run.Period)
		if err != nil {
			return err
		}
		opts := CalcOptions{Period: period, AsOf: incent.NoDate, pay: pay}
		if run.AsOf != "" {
			if opts.AsOf, err = incent.ParseDate(run.AsOf); err != nil {
				return err
			}
		}
		rounding, err := incent.ParseRounding(m.Rounding)
		if err != nil {
			return err
		}
		var files []rules.File
		for _, p := range run.Programs {
			data, err := tx.ReadBlob(p.SHA256)
			if err != nil {
				return fmt.Errorf("run %s: program %s: %w", runID, p.ID, err)
			}
			files = append(files, rules.File{Name: p.File, Data: data})
		}
		progs, err := rules.LoadFiles(files)
		if err != nil {
			return fmt.Errorf("run %s: archived programs: %w", runID, err)
		}
		opts.claimPrograms = slices.Clone(progs)
		if payeeType != "" {
			// Nothing of another kind of payee's programs is on these
			// payees' statements, nor among their lines.
			progs = slices.DeleteFunc(progs, func(p *rules.Program) bool { return p.Payee != payeeType })
		}
		inputs, err := tx.RunInputs(runID)
		if err != nil {
			return err
		}
		var ds *dataset
		if snapshot {
			ds, _, _, err = c.gatherCached(tx, inputs, false, nil)
		} else {
			ds, err = gather(tx, inputs, nil)
		}
		if err != nil {
			return fmt.Errorf("run %s: archived inputs: %w", runID, err)
		}
		replayCfg := *c
		replayCfg.Rounding = rounding
		cp = replayCfg.compute(opts, progs, ds, "")
		return nil
	})
	return run, cp, err
}

// ReplayResult is what replay found.
type ReplayResult struct {
	RunID      string
	Identical  bool
	Stored     string // the stored result digest
	Recomputed string
	Difference string // the first differing payout line, in words
}

// Replay rebuilds a run from its archived inputs and programs and compares
// the result digest with the stored one. A difference is an error with
// exit code ExitDiffers naming the first differing payout line.
func (c *Config) Replay(ctx context.Context, env Env, runID string) (*ReplayResult, error) {
	db, err := c.OpenExisting(env.Now)
	if err != nil {
		return nil, err
	}
	defer db.Close()
	run, cp, err := c.rebuild(ctx, db, runID, false, nil, "")
	if err != nil {
		return nil, err
	}
	// The stored lines are compared too, not only the digest: a stored
	// amount altered under an intact digest is a difference as well.
	res := &ReplayResult{RunID: run.ID, Stored: run.Digest, Recomputed: cp.digest,
		Identical: run.Digest == cp.digest && slices.Equal(run.Lines, cp.lines)}
	if res.Identical {
		return res, nil
	}
	res.Difference = firstDifference(run.Lines, cp.lines)
	if run.ToolVersion != env.ToolVersion {
		res.Difference += fmt.Sprintf(" (the run was made by incent %s and replayed by %s: a rule changed between them may explain it)", run.ToolVersion, env.ToolVersion)
	}
	return res, &Error{Code: ExitDiffers, Err: fmt.Errorf("run %s does not replay identically: %s", run.ID, res.Difference)}
}

// NoRun makes a run id that is not stored (store.ErrNoRun) a usage error,
// exit 2; any other error reading a run is the database's, exit 1.
func NoRun(err error) error {
	if errors.Is(err, store.ErrNoRun) {
		return usageError("%v", err)
	}
	return err
}

func firstDifference(stored, again []store.Line) string {
	for i := 0; i < len(stored) || i < len(again); i++ {
		switch {
		case i >= len(stored):
			return fmt.Sprintf("line %d is new: %s", i+1, lineText(again[i]))
		case i >= len(again):
			return fmt.Sprintf("line %d is gone: %s", i+1, lineText(stored[i]))
		case stored[i] != again[i]:
			return fmt.Sprintf("line %d is stored as %s but replays as %s", i+1, lineText(stored[i]), lineText(again[i]))
		}
	}
	return "the payout lines are the same but the digest differs: the stored digest was altered"
}

// lineText tells a payout line in words, as payouts.csv holds it.
func lineText(l store.Line) string {
	s := fmt.Sprintf("%s %s, %s v%d (%s): measure %s", l.PayeeType, l.Payee, l.ProgramID, l.ProgramVersion, l.Kind, l.Measure)
	if l.Tier != "" {
		s += ", tier " + l.Tier
	}
	return s + ", " + l.Amount + " " + l.Currency
}

// StatementsOptions choose which statements of a stored run to render.
type StatementsOptions struct {
	Payee   string // "" = every payee
	Type    string // "" = every kind of payee, else dealer, group or salesperson
	Workers int    // renderers; 0 = one per core
}

// RenderStatements renders the statements of a stored run again, for every
// payee, one kind of payee or one payee, into the run's folder. The run is
// rebuilt from the archive and must replay identically first, so a
// statement never shows numbers the run did not decide.
func (c *Config) RenderStatements(ctx context.Context, env Env, runID string, opts StatementsOptions) (string, int, error) {
	switch rules.PayeeKind(opts.Type) {
	case "", rules.PayeeDealer, rules.PayeeGroup, rules.PayeeSalesperson:
	default:
		return "", 0, usageError("--type %q: expected dealer, group or salesperson", opts.Type)
	}
	db, err := c.OpenExisting(env.Now)
	if err != nil {
		return "", 0, err
	}
	defer db.Close()
	// The run must replay identically below, so its inputs may come from
	// the snapshot: a stale one could not pass.
	// Statements of some payees need only their payout lines computed
	// again: those must be the stored ones, and the stored lines must
	// still give the stored digest. Statements of everyone need every
	// line, which must give the stored digest.
	var pay func(calc.Payee) bool
	if opts.Payee != "" || opts.Type != "" {
		pay = func(pe calc.Payee) bool {
			return (opts.Payee == "" || pe.Code == opts.Payee) && (opts.Type == "" || string(pe.Type) == opts.Type)
		}
	}
	env.progress("calculating run %s again from its inputs", runID)
	run, cp, err := c.rebuild(ctx, db, runID, true, pay, rules.PayeeKind(opts.Type))
	if err != nil {
		return "", 0, err
	}
	env.progress("calculated %d payout lines", len(cp.lines))
	stored := run.Lines
	same := cp.digest == run.Digest
	if pay != nil {
		stored = nil
		for _, l := range run.Lines {
			if pay(calc.Payee{Type: rules.PayeeKind(l.PayeeType), Code: l.Payee}) {
				stored = append(stored, l)
			}
		}
		same = slices.Equal(stored, cp.lines)
		if store.Digest(run.Period, run.Lines) != run.Digest {
			return "", 0, &Error{Code: ExitDiffers, Err: fmt.Errorf("run %s: its stored payout lines no longer match its result digest; statements were not rendered", run.ID)}
		}
	}
	if !same {
		return "", 0, &Error{Code: ExitDiffers, Err: fmt.Errorf("run %s does not replay identically (%s); statements were not rendered",
			run.ID, firstDifference(stored, cp.lines))}
	}
	// The rebuild's payee filter limits the statements too.
	sts, fill := cp.statements(run.ID, newPayeeNames(cp.ds.dealers, run.Lines))
	// The stored and rebuilt lines have been compared, and the statements
	// are drawn from the result: at a million sales the two are 40-50 MB
	// that would stay live, and be counted twice by the collector's pacing,
	// all through the rendering.
	run.Lines, stored, cp.lines = nil, nil, nil
	// The statements hold what they show of the run's payout lines, and
	// the sales' file versions were for the replay alone: 34 MB at a
	// million sales.
	cp.res.Lines, cp.ds.owners = nil, nil
	if len(sts) == 0 {
		who := "payee " + strconv.Quote(opts.Payee)
		if opts.Payee == "" {
			who = "payee of type " + opts.Type
		}
		return "", 0, usageError("run %s has no statement for %s", run.ID, who)
	}
	// A run whose folder is still hidden (its calc was stopped after
	// storing it, and another command held the lock as this one began)
	// gets no statements folder of its own: that would stand where the
	// run's files are to be moved.
	runDir := filepath.Join(c.Path(c.Out), run.Period, run.ID)
	partial := partialDir(filepath.Join(c.Path(c.Out), run.Period), run.ID)
	if _, err := os.Lstat(runDir); errors.Is(err, fs.ErrNotExist) {
		if _, err := os.Lstat(partial); err == nil {
			return "", 0, &Error{Code: ExitLocked, Err: fmt.Errorf("run %s's files are still in %s, to be moved into place by the next incent command; try again when no other incent command is running", run.ID, relTo(c.Dir, partial))}
		}
	}
	dir := filepath.Join(runDir, "statements")
	env.progress("rendering %d statements", len(sts))
	if err := statements.RenderAllOpts(dir, sts, statements.Options{Workers: opts.Workers, Fill: fill, Progress: env.statementProgress}); err != nil {
		return "", 0, err
	}
	return relTo(c.Dir, dir), len(sts), nil
}
