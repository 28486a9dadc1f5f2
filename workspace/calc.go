package workspace

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/incent/incent"
	"github.com/incent/incent/calc"
	"github.com/incent/incent/ingest"
	"github.com/incent/incent/internal/arena"
	"github.com/incent/incent/rules"
	"github.com/incent/incent/store"
	"github.com/shopspring/decimal"
)

// CalcOptions are the choices of one calc command.
type CalcOptions struct {
	Period      incent.Period
	AsOf        incent.Date // NoDate for a final run
	DryRun      bool        // compute and report, write nothing
	ProgramsDir string      // "" = the workspace's programs folder
	Statements  bool        // render PDF and XLSX statements
	Workers     int         // statement renderers; 0 = one per core

	// pay, when set, limits the payout lines computed to these payees':
	// statements rendered again for some payees need no others.
	pay func(calc.Payee) bool
	// claimPrograms, when set, are the programs co-op claims must name one
	// of (see rejectClaims): the workspace's, or the run's, all of them;
	// not a what-if's, nor a rebuild's kept to one kind of payee.
	claimPrograms []*rules.Program
}

// CalcSummary is what calc reports: the short table, or --json.
type CalcSummary struct {
	RunID       string           `json:"run_id,omitempty"`
	Period      string           `json:"period"`
	AsOf        string           `json:"as_of,omitempty"`
	Provisional bool             `json:"provisional"`
	DryRun      bool             `json:"dry_run"`
	OutDir      string           `json:"out_dir,omitempty"`
	Digest      string           `json:"result_digest"`
	Payees      int              `json:"payees"`
	Lines       int              `json:"payout_lines"`
	Programs    []ProgramTotal   `json:"programs"`
	Totals      []CurrencyTotal  `json:"totals"`
	Inputs      []Reconciliation `json:"inputs"`
	Rejects     int              `json:"rejects"`
	Warnings    int              `json:"warnings"`
	Flags       int              `json:"flags"`
	// WhatIf is set for a calculation with other program files: nothing is
	// written, and each program's amount is told against the current one.
	WhatIf bool `json:"what_if,omitempty"`
	// Refused is why a calculation that was done was not written (too many
	// rejects): for a script reading --json, whose exit code says 3.
	Refused string `json:"refused,omitempty"`
	// RejectedRows lists, for a refused calculation or a dry run, the
	// rejected rows that count against max_rejects and the other kinds'
	// rejects: no run, and so no rejects.csv, is written to look them up.
	RejectedRows []RowProblem `json:"rejected_rows,omitempty"`
}

// ProgramTotal is one program's result in the summary.
type ProgramTotal struct {
	ID       string `json:"id"`
	Version  int    `json:"version"`
	Type     string `json:"type"`
	Payees   int    `json:"payees"`
	Currency string `json:"currency"`
	Amount   string `json:"amount"`
	// For a what-if (--programs): what the workspace's own programs pay,
	// and the what-if's amount less that.
	Current    string `json:"current,omitempty"`
	Difference string `json:"difference,omitempty"`
}

// CurrencyTotal is the sum of payout lines in one currency.
type CurrencyTotal struct {
	Currency   string `json:"currency"`
	Payees     int    `json:"payees"` // with a payout line in this currency, 0.00 ones too, as a program's payees are counted
	Amount     string `json:"amount"`
	Current    string `json:"current,omitempty"` // for a what-if, as in ProgramTotal
	Difference string `json:"difference,omitempty"`
}

// computed is a calculation with everything needed to write it.
type computed struct {
	opts     CalcOptions
	progs    []*rules.Program
	ds       *dataset
	res      *calc.Result
	lines    []store.Line
	digest   string
	dealers  map[string]*incent.Dealer
	rounding incent.Rounding
	log      *earlyLog  // the calculation log, when compute began it
	reused   *reusedLog // or when it is an earlier run's
}

// Calc runs the calculation of SPEC §5 for a period and, unless DryRun,
// writes the run to the database and its files under out/<period>/<run-id>/.
// The database gets the whole run or nothing.
func (c *Config) Calc(ctx context.Context, env Env, opts CalcOptions) (*CalcSummary, error) {
	started := env.Now()

	progDir := opts.ProgramsDir
	if progDir == "" {
		progDir = c.Path(c.Programs)
	} else {
		// A what-if is never a run: no statement of programs that are not
		// in force can reach a dealer, and no later command takes it for
		// the period's result.
		opts.DryRun = true
	}
	progs, err := rules.LoadDir(progDir)
	if err != nil {
		return nil, &Error{Code: ExitUsage, Err: err}
	}
	if len(progs) == 0 {
		return nil, usageError("%s holds no program files (.yaml or .yml): a run without programs would pay nothing", relTo(c.Dir, progDir))
	}
	if len(progs) > calc.MaxPrograms {
		return nil, usageError("%s holds %d program files; a run takes at most %d", relTo(c.Dir, progDir), len(progs), calc.MaxPrograms)
	}
	for _, p := range progs {
		p.File = relTo(c.Dir, p.File)
	}

	tx, end, err := c.start(ctx, env, opts.DryRun)
	if err != nil {
		return nil, err
	}
	defer end()

	// The run's number, and so its folder, is known before any work: a
	// folder of that name left from another database (one deleted and
	// begun again) would otherwise be found only once the run is stored.
	var runID, final, partial string
	var seq int
	if !opts.DryRun {
		if seq, err = tx.NextRunSeq(opts.Period.Code); err != nil {
			return nil, err
		}
		runID = fmt.Sprintf("%s-R%03d", opts.Period.Code, seq)
		final = filepath.Join(c.Path(c.Out), opts.Period.Code, runID)
		if _, err := os.Lstat(final); err == nil {
			return nil, usageError("%s already exists, but this workspace's database has no run %s: move that folder away, or set out: in incent.yaml to another folder",
				relTo(c.Dir, final), runID)
		}
	}

	// New sales versions are archived while they are read (see
	// pendingArchive).
	pa := &pendingArchive{env: env}
	if err := c.stage(tx, env, pa); err != nil {
		return nil, err
	}
	files, err := storedInputs(tx)
	if err != nil {
		return nil, err
	}
	if len(files) == 0 {
		return nil, usageError("no input files: inputs: in %s matches nothing under %s", "incent.yaml", c.Dir)
	}
	if !slices.ContainsFunc(files, func(f store.InputFile) bool { return f.Kind == string(ingest.KindDealers) }) {
		return nil, usageError("no dealers input: inputs: dealers: in %s matches no file under %s, and none is stored; every sale would be rejected as of an unknown dealer",
			"incent.yaml", c.Dir)
	}
	env.progress("reading %d input files", len(files))
	ds, fromSnapshot, snap, err := c.gatherCached(tx, files, !opts.DryRun, pa)
	if err != nil {
		return nil, readError(err)
	}
	if fromSnapshot {
		env.progress("inputs unchanged: %d sales read from the snapshot", len(ds.sales))
	}
	// The snapshot of freshly read inputs is saved as the run is stored
	// (see snapshotSave); the command waits for it before it lets go of
	// the lock.
	defer snap.wait()
	// A run that will be written gets its folder before the passes, so
	// that the calculation log can be written there during the payout pass.
	// Files go to a hidden folder and are renamed into place only once the
	// run is committed: no half-written run is ever visible.
	if !opts.DryRun {
		partial = partialDir(filepath.Join(c.Path(c.Out), opts.Period.Code), runID)
		os.RemoveAll(partial)
		defer func() {
			// Once the run is stored its files are kept, moved into place
			// or not: the next command moves them (see settle.go).
			if !tx.Committed() {
				os.RemoveAll(partial)
			}
		}()
		if err := os.MkdirAll(partial, 0o755); err != nil {
			return nil, err
		}
	}
	// The log of a run over what an earlier run used is that run's log
	// (see reuseLog), taken while the passes run.
	logDir, key, keyed := partial, [32]byte{}, false
	var reused *reusedLog
	if !opts.DryRun {
		if key, keyed = logKey(files, opts, progs, c.Rounding); keyed {
			reused = c.reuseLog(tx, key, filepath.Join(partial, logName))
		}
	}
	defer reused.abandon() // before the folder goes, when the run stops short
	if reused != nil {
		env.progress("inputs and programs as for run %s: reusing its calculation log", reused.from)
		logDir = ""
	}
	env.progress("calculating %s over %d sales and %d programs", opts.Period.Code, len(ds.sales), len(progs))
	if opts.ProgramsDir == "" {
		opts.claimPrograms = progs
	}
	cp := c.compute(opts, progs, ds, logDir)
	cp.reused = reused
	defer cp.log.abandon() // as reused
	env.progress("calculated %d payout lines", len(cp.lines))

	// The payout lines of a run that will be stored go into the database
	// while the rest is done, from the summary to the run files; the run
	// itself follows with the manifest. Every return waits for them, so
	// that nothing outlives the transaction.
	refused := c.checkRejects(ds)
	var run *store.Run
	stored := make(chan error, 1)
	if opts.DryRun || refused != nil {
		stored <- nil
	} else {
		run = &store.Run{ID: runID, Period: opts.Period.Code, Seq: seq, AsOf: opts.AsOf.String(), Status: "final",
			User: env.User, ToolVersion: env.ToolVersion, Digest: cp.digest, Lines: cp.lines,
			StartedAt: started.UTC().Format("2006-01-02T15:04:05Z")}
		if !opts.AsOf.IsZero() {
			run.Status = "provisional"
		}
		for _, f := range files {
			run.Inputs = append(run.Inputs, f.Seq)
		}
		for _, p := range progs {
			if _, err := tx.PutBytes(p.Source); err != nil {
				return nil, err
			}
			run.Programs = append(run.Programs, store.RunProgram{ID: p.ID, Version: p.Version, File: p.File, SHA256: p.SHA256})
		}
		go func() { stored <- tx.AddRunLines(run) }()
	}
	waitStored := sync.OnceValue(func() error { return <-stored })
	defer waitStored()

	sum := cp.summary()
	if opts.ProgramsDir != "" {
		current, err := rules.LoadDir(c.Path(c.Programs))
		if err != nil {
			return nil, &Error{Code: ExitUsage, Err: fmt.Errorf("the current programs, to compare the what-if with: %w", err)}
		}
		sum.compareWith(c.currentTotals(opts, current, ds), current)
	}
	if refused != nil {
		sum.Refused = refused.Error()
		sum.RejectedRows = liveRejects(ds)
		return sum, refused
	}
	if opts.DryRun {
		sum.RejectedRows = liveRejects(ds)
		return sum, nil
	}

	run.FinishedAt = env.Now().UTC().Format("2006-01-02T15:04:05Z")
	// Most of what the passes allocated is garbage now, and the collector,
	// last run while the passes' results were still growing, would let
	// the heap grow to twice that size while the run files are written.
	// One collection here keeps the writing within the run's live heap
	// and what it adds: at a million sales the peak of a first calc fell
	// by 60-150 MiB and of a second by 160 MiB, for no time measurably
	// lost (the calculation log is still being written meanwhile). At a
	// million sales this collection was seen to end only once SQLite had
	// stored the payout lines: the run files begin about 0.4 s later for
	// it and are still done before the log. Collecting before the lines
	// are stored was no faster, side by side.
	runtime.GC()
	env.progress("writing the run files")
	manifest, err := cp.writeFiles(partial, run, env, opts)
	if lerr := waitStored(); err == nil {
		err = lerr
	}
	if err != nil {
		return nil, err
	}
	run.Manifest = string(manifest)
	env.progress("storing run %s", runID)
	snap.start()
	if err := tx.AddRunHead(run); err != nil {
		return nil, err
	}
	if err := tx.Commit(); err != nil {
		return nil, fmt.Errorf("commit run %s: %w", runID, err)
	}
	if err := os.Rename(partial, final); err != nil {
		return nil, fmt.Errorf("run %s is stored but its files could not be moved from %s into %s (the next incent command moves them): %w", runID, partial, final, err)
	}
	if keyed {
		c.saveLastLog(key, runID, settledStamp(filepath.Join(final, logName)))
	}
	sum.RunID = runID
	sum.OutDir = relTo(c.Dir, final)
	return sum, nil
}

func relTo(dir, path string) string {
	if rel, err := filepath.Rel(dir, path); err == nil && !strings.HasPrefix(rel, "..") {
		return filepath.ToSlash(rel)
	}
	return filepath.ToSlash(path)
}

// gatherCached is gather, through the workspace's snapshot: the dataset of
// the same input versions read by this build is decoded from it, else the
// rows are read from the archive and, when save is set, a new snapshot is
// to be written, which snap does (nil: none).
func (c *Config) gatherCached(tx *store.Tx, files []store.InputFile, save bool, pa *pendingArchive) (ds *dataset, fromSnapshot bool, snap *snapshotSave, err error) {
	key, ok := snapshotKey(files)
	if ok {
		if ds := c.readSnapshot(key, files); ds != nil {
			return ds, true, nil, pa.archive(tx, nil, nil)
		}
	}
	if ds, err = gather(tx, files, pa); err != nil {
		return nil, false, nil, err
	}
	if !ok || !save {
		return ds, false, nil, nil
	}
	frozen := ds.frozen()
	// A snapshot that cannot be written is only a slower next run.
	return ds, false, &snapshotSave{write: func() { _ = c.writeSnapshot(key, frozen) }, done: make(chan struct{})}, nil
}

// snapshotSave writes a snapshot of the inputs just read on a goroutine
// of its own, from start (or wait) on. A command starts it as it stores
// what it did: while a million-sale calc ran its passes, writing the
// snapshot took 0.3 s of the two cores the passes had, and the log's
// sale lines ended later for it; as the run is committed, SQLite mostly
// waits on the disk. First calcs took 6.36-6.68 s so, against 6.76-7.22 s,
// in turn. A nil snapshotSave has nothing to write.
type snapshotSave struct {
	write func()
	once  sync.Once
	done  chan struct{}
}

// start begins writing the snapshot, once.
func (s *snapshotSave) start() {
	if s == nil {
		return
	}
	s.once.Do(func() {
		go func() {
			defer close(s.done)
			s.write()
		}()
	})
}

// wait starts the snapshot if need be and returns once it is written.
func (s *snapshotSave) wait() {
	if s == nil {
		return
	}
	s.start()
	<-s.done
}

// readError is the error of inputs that could not be read: rejected
// (exit 3), unless it already says otherwise, as for a file changed while
// it was read (exit 2).
func readError(err error) error {
	if _, ok := errors.AsType[*Error](err); ok {
		return err
	}
	return &Error{Code: ExitRejected, Err: err}
}

// compute runs the passes and turns the result into stored lines.
//
// When logDir is not "", the calculation log is begun in it as soon as
// eligibility and crediting are done, and written alongside the payout
// pass; writeFiles finishes it, or abandon must be called.
func (c *Config) compute(opts CalcOptions, progs []*rules.Program, ds *dataset, logDir string) *computed {
	// What the passes make lives to the end of the run, so the heap only
	// grows through them, and the collector, paced by its growth, would
	// trace it again each time it doubled on its way to the budget. With
	// a budget, the budget alone starts collections meanwhile: at a
	// million sales a second calc then collected 6 times rather than 8,
	// for 0.49-0.71 s of the collector's CPU rather than 0.72 s (two runs
	// each). It is limited to the passes: statements, which allocate far
	// more than they keep, would otherwise fill the budget however small
	// the quarter. GOGC, when set, paces collections as anywhere else.
	if c.Memory > 0 && os.Getenv("GOGC") == "" {
		defer pauseGC()()
	}
	cp := &computed{opts: opts, progs: progs, ds: ds, rounding: c.Rounding, dealers: map[string]*incent.Dealer{}}
	for i := range ds.dealers {
		cp.dealers[ds.dealers[i].Code] = &ds.dealers[i]
	}
	in := calc.Input{Period: opts.Period, AsOf: opts.AsOf, Programs: progs, Dealers: ds.dealers,
		Sales: ds.sales, Objectives: ds.objectives, Rounding: c.Rounding}
	in.Certifications, in.Claims = ds.certs, ds.claims
	in.Pay = opts.pay
	if logDir != "" {
		in.Eligible = func(res *calc.Result) {
			// Eligibility and crediting leave their working sets as
			// garbage; one collection here, before the payout pass and
			// the log's sale lines, took 60 MiB off the peak of a
			// million-sale first calc (25-45 MiB off a second), side by
			// side, for no time measurably lost. See the one before the
			// run files are written.
			runtime.GC()
			cp.log = startLog(filepath.Join(logDir, logName), res, cp.dealers)
		}
	}
	res := calc.Run(in)
	cp.res = res
	// Reversals that cancel nothing are rejects of the file they came from.
	ds.rejectUnmatched(res.Unmatched)
	if opts.claimPrograms != nil {
		ds.rejectClaims(opts.claimPrograms)
	}
	sortRejects(ds.rejects)
	// Formatting the decimals of a large run's lines takes a while: every
	// core takes its share.
	// The texts of a chunk of lines share blocks of their own (see package
	// arena): they live as long as the run.
	cp.lines = make([]store.Line, len(res.Lines))
	calc.Parallel(len(res.Lines), 4096, func(from, to int) {
		var text arena.Text
		var b []byte
		for k := from; k < to; k++ {
			l := &res.Lines[k]
			b = l.Measure.Append(b[:0])
			measure := text.Bytes(b)
			b = l.Amount.AppendFixed(b[:0], l.Currency.Minor)
			amount := text.Bytes(b)
			b = b[:0]
			if l.TierIndex != 0 {
				b = strconv.AppendInt(b, int64(l.TierIndex), 10)
			}
			cp.lines[k] = store.Line{PayeeType: string(l.PayeeType), Payee: l.Payee, ProgramID: l.ProgramID,
				ProgramVersion: l.ProgramVersion, Kind: l.Kind, Currency: l.Currency.Code, Measure: measure,
				Tier: text.Bytes(b), Amount: amount}
		}
	})
	cp.digest = store.Digest(opts.Period.Code, cp.lines)
	return cp
}

// liveRejects lists the rejects of ds that a later version of their file
// has not superseded, in file and row order.
func liveRejects(ds *dataset) []RowProblem {
	var out []RowProblem
	for _, r := range ds.rejects {
		if !r.Superseded {
			out = append(out, RowProblem{File: r.File, Row: r.Row, Column: r.Column, Reason: r.Reason})
		}
	}
	return out
}

// checkRejects refuses the run when more than max_rejects of the sales rows
// were rejected.
func (c *Config) checkRejects(ds *dataset) error {
	limit, err := decimal.NewFromString(c.MaxRejects)
	if err != nil {
		return usageError("max_rejects %q is not a number such as 0.01", c.MaxRejects)
	}
	read, rejected := 0, 0
	for _, r := range ds.recon {
		if r.Kind == string(ingest.KindSales) {
			read += r.Read
			rejected += r.Rejected
		}
	}
	for _, rj := range ds.rejects {
		if rj.Superseded {
			rejected--
		}
	}
	if read == 0 {
		return nil
	}
	share := decimal.NewFromInt(int64(rejected)).DivRound(decimal.NewFromInt(int64(read)), 6)
	if share.GreaterThan(limit) {
		return &Error{Code: ExitRejected, Err: fmt.Errorf("%d of %d sales rows were rejected (%s%%), more than max_rejects %s%% allows; fix the rows listed above or raise max_rejects",
			rejected, read, share.Mul(decimal.NewFromInt(100)).StringFixed(2), limit.Mul(decimal.NewFromInt(100)).String())}
	}
	return nil
}

// currentTotals is what the workspace's own programs pay over the same
// inputs, per program and currency, for a what-if to be told against.
func (c *Config) currentTotals(opts CalcOptions, progs []*rules.Program, ds *dataset) map[[2]string]decimal.Decimal {
	res := calc.Run(calc.Input{Period: opts.Period, AsOf: opts.AsOf, Programs: progs, Dealers: ds.dealers, Sales: ds.sales,
		Objectives: ds.objectives, Certifications: ds.certs, Claims: ds.claims, Rounding: c.Rounding})
	out := map[[2]string]decimal.Decimal{}
	for _, l := range res.Lines {
		k := [2]string{l.ProgramID, l.Currency.Code}
		out[k] = out[k].Add(l.Amount.Decimal())
	}
	return out
}

// compareWith fills in each program's current amount and the difference,
// adding the current programs the what-if leaves out (amount 0).
func (s *CalcSummary) compareWith(current map[[2]string]decimal.Decimal, progs []*rules.Program) {
	s.WhatIf = true
	seen := map[[2]string]bool{}
	minor := func(cur string) int32 {
		c, err := incent.LookupCurrency(cur)
		if err != nil {
			return 2
		}
		return c.Minor
	}
	for i := range s.Programs {
		p := &s.Programs[i]
		k := [2]string{p.ID, p.Currency}
		seen[k] = true
		amount, _ := decimal.NewFromString(p.Amount)
		p.Current = current[k].StringFixed(minor(p.Currency))
		p.Difference = amount.Sub(current[k]).StringFixed(minor(p.Currency))
	}
	for _, k := range slices.SortedFunc(maps.Keys(current), func(a, b [2]string) int {
		return cmp.Or(strings.Compare(a[0], b[0]), strings.Compare(a[1], b[1]))
	}) {
		if seen[k] {
			continue
		}
		pt := ProgramTotal{ID: k[0], Currency: k[1], Amount: decimal.Zero.StringFixed(minor(k[1])),
			Current: current[k].StringFixed(minor(k[1])), Difference: current[k].Neg().StringFixed(minor(k[1]))}
		for _, p := range progs {
			if p.ID == k[0] {
				pt.Version, pt.Type = p.Version, string(p.Type)
			}
		}
		s.Programs = append(s.Programs, pt)
	}
	slices.SortStableFunc(s.Programs, func(a, b ProgramTotal) int {
		return cmp.Or(strings.Compare(a.ID, b.ID), strings.Compare(a.Currency, b.Currency))
	})
	byCur := map[string]decimal.Decimal{}
	for k, v := range current {
		byCur[k[1]] = byCur[k[1]].Add(v)
	}
	for i := range s.Totals {
		t := &s.Totals[i]
		amount, _ := decimal.NewFromString(t.Amount)
		t.Current = byCur[t.Currency].StringFixed(minor(t.Currency))
		t.Difference = amount.Sub(byCur[t.Currency]).StringFixed(minor(t.Currency))
		delete(byCur, t.Currency)
	}
	for _, cur := range slices.Sorted(maps.Keys(byCur)) { // paid now, not at all by the what-if
		s.Totals = append(s.Totals, CurrencyTotal{Currency: cur, Amount: decimal.Zero.StringFixed(minor(cur)),
			Current: byCur[cur].StringFixed(minor(cur)), Difference: byCur[cur].Neg().StringFixed(minor(cur))})
	}
}

// summary builds the short report of a calculation.
func (cp *computed) summary() *CalcSummary {
	s := &CalcSummary{Period: cp.opts.Period.Code, AsOf: cp.opts.AsOf.String(), Provisional: !cp.opts.AsOf.IsZero(),
		DryRun: cp.opts.DryRun, Digest: cp.digest, Lines: len(cp.lines), Inputs: cp.ds.recon, Rejects: len(cp.ds.rejects),
		Warnings: len(cp.ds.warnings), Flags: len(cp.res.Flags)}
	payees := map[string]bool{}
	type pk struct{ id, cur string }
	type total struct {
		ProgramTotal
		sum incent.Sum
		cur incent.Currency
	}
	progTotals := map[pk]*total{}
	curTotals := map[string]incent.Sum{}
	curPayees := map[string]map[string]bool{}
	for _, l := range cp.res.Lines {
		payee := string(l.PayeeType) + "/" + l.Payee
		payees[payee] = true
		if curPayees[l.Currency.Code] == nil {
			curPayees[l.Currency.Code] = map[string]bool{}
		}
		curPayees[l.Currency.Code][payee] = true
		k := pk{l.ProgramID, l.Currency.Code}
		pt := progTotals[k]
		if pt == nil {
			pt = &total{ProgramTotal: ProgramTotal{ID: l.ProgramID, Version: l.ProgramVersion, Currency: l.Currency.Code}, cur: l.Currency}
			for _, p := range cp.progs {
				if p.ID == l.ProgramID {
					pt.Type = string(p.Type)
				}
			}
			progTotals[k] = pt
		}
		pt.Payees++
		pt.sum.Add(l.Amount.Decimal())
		ct := curTotals[l.Currency.Code]
		ct.Add(l.Amount.Decimal())
		curTotals[l.Currency.Code] = ct
	}
	s.Payees = len(payees)
	for _, pt := range progTotals {
		pt.Amount = pt.sum.Value().StringFixed(pt.cur.Minor)
		s.Programs = append(s.Programs, pt.ProgramTotal)
	}
	sort.Slice(s.Programs, func(i, j int) bool {
		if s.Programs[i].ID != s.Programs[j].ID {
			return s.Programs[i].ID < s.Programs[j].ID
		}
		return s.Programs[i].Currency < s.Programs[j].Currency
	})
	for cur, amt := range curTotals {
		c, _ := incent.LookupCurrency(cur)
		s.Totals = append(s.Totals, CurrencyTotal{Currency: cur, Payees: len(curPayees[cur]), Amount: amt.Value().StringFixed(c.Minor)})
	}
	sort.Slice(s.Totals, func(i, j int) bool { return s.Totals[i].Currency < s.Totals[j].Currency })
	return s
}
