// Package workspace runs the commands of one workspace folder: it finds the
// input files, ingests them into the store, feeds the calculation and writes
// the run and its files. It knows nothing of flags or terminals; the cmd
// package turns its errors into exit codes.
package workspace

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"time"

	"github.com/incent/incent"
	"github.com/incent/incent/ingest"
	"github.com/incent/incent/store"
)

// Config is the workspace configuration of SPEC §2, already merged from
// incent.yaml, INCENT_* variables and flags. Paths are relative to Dir.
type Config struct {
	Dir        string
	DB         string
	Programs   string
	Out        string
	Inputs     Inputs
	Profile    string
	Profiles   map[string]ingest.Profile
	Rounding   incent.Rounding
	MaxRejects string // share of sales rows, e.g. "0.01"
	Maker      string // issuer name printed on statements
	VINCheck   string // ingest.VINCheckReject or ingest.VINCheckWarn, for sales files ingested from now on
	// Memory is the process's memory budget in bytes (memory: in
	// incent.yaml), 0 for none: within one, a calculation's passes
	// leave starting collections to the budget (see compute).
	Memory int64
}

// Inputs lists the globs of each input kind.
type Inputs struct {
	Sales          []string
	Dealers        []string
	Objectives     []string
	Certifications []string
	Claims         []string
}

// Env is what a command takes from outside the workspace: the clock, the
// user and the tool version, so runs are reproducible under test.
type Env struct {
	Now         func() time.Time
	User        string
	ToolVersion string
	Progress    func(format string, args ...any) // nil: silent
}

func (e Env) progress(format string, args ...any) {
	if e.Progress != nil {
		e.Progress(format, args...)
	}
}

// statementProgress reports statements written, for statements.Options.
func (e Env) statementProgress(done, total int) {
	e.progress("%d of %d statements written", done, total)
}

// Path resolves a workspace-relative path.
func (c *Config) Path(p string) string {
	if filepath.IsAbs(p) {
		return p
	}
	return filepath.Join(c.Dir, p)
}

// Error is a user-facing error with the exit code of SPEC §9.
type Error struct {
	Code int
	Err  error
}

func (e *Error) Error() string { return e.Err.Error() }
func (e *Error) Unwrap() error { return e.Err }

// ExitCode returns the process exit code for the error.
func (e *Error) ExitCode() int { return e.Code }

// The exit codes of SPEC §9.
const (
	ExitUsage    = 2 // bad flag, bad configuration or program file
	ExitRejected = 3 // input rejected beyond max_rejects, or a run refused by a control
	ExitDiffers  = 4 // replay or verify found a difference
	ExitLocked   = 5 // another command holds the workspace lock
)

func usageError(format string, args ...any) error {
	return &Error{Code: ExitUsage, Err: fmt.Errorf(format, args...)}
}

// lock takes the workspace lock: one writing command at a time. It fails at
// once rather than queueing, so two cron jobs starting together cannot both
// run; the second exits with ExitLocked.
func (c *Config) lock() (release func(), err error) {
	path := c.Path(c.DB) + ".lock"
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return nil, err
	}
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return nil, fmt.Errorf("lock %s: %w", path, err)
	}
	if err := lockFile(f); err != nil {
		f.Close()
		if errors.Is(err, errLocked) {
			return nil, &Error{Code: ExitLocked, Err: fmt.Errorf("another incent command is using this workspace (lock %s); try again when it has finished", path)}
		}
		return nil, fmt.Errorf("lock %s: %w", path, err)
	}
	return func() {
		unlockFile(f)
		f.Close()
	}, nil
}

// glob expands the patterns relative to the workspace, sorted and deduplicated.
func (c *Config) glob(patterns []string) ([]string, error) {
	seen := map[string]bool{}
	var out []string
	for _, pat := range patterns {
		matches, err := filepath.Glob(c.Path(pat))
		if err != nil {
			return nil, usageError("inputs: bad pattern %q: %v", pat, err)
		}
		for _, m := range matches {
			rel, err := filepath.Rel(c.Dir, m)
			if err != nil {
				rel = m
			}
			rel = filepath.ToSlash(rel)
			if !seen[rel] {
				seen[rel] = true
				out = append(out, rel)
			}
		}
	}
	sort.Strings(out)
	return out, nil
}

// OpenExisting opens the workspace's database for a command that only
// reads what earlier commands stored (runs, explain, replay, verify,
// statements). A missing database is a usage error rather than a new,
// empty one: verify in the wrong folder must not pass on nothing.
func (c *Config) OpenExisting(now func() time.Time) (*store.DB, error) {
	path := c.Path(c.DB)
	db, err := dbError(store.OpenExisting(path, now))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, usageError("no database at %s: run incent calc or incent ingest in this workspace first, or give --db", path)
	}
	if err == nil {
		c.settleStopped(db)
	}
	return db, err
}

// openDB opens the database at path, creating it when there is none.
func openDB(path string, now func() time.Time) (*store.DB, error) {
	return dbError(store.Open(path, now))
}

// dbError passes on what opening a database gave. One a newer incent has
// migrated is a usage error: the analyst has the wrong build at hand, not
// a broken file.
func dbError(db *store.DB, err error) (*store.DB, error) {
	if _, ok := errors.AsType[*store.NewerError](err); ok {
		return nil, &Error{Code: ExitUsage, Err: err}
	}
	return db, err
}

// start takes the workspace's lock, opens its database and starts the
// one write transaction of a command; end rolls back whatever was not
// committed, closes the database and lets go of the lock. A database that
// start created is removed again by end when nothing was committed. A dry run in a
// workspace without a database works in a new one of its own in a
// temporary folder, removed at end, and takes no lock: it writes nothing
// in the workspace, not even an empty database, which would let a later
// verify pass on nothing.
func (c *Config) start(ctx context.Context, env Env, dryRun bool) (*store.Tx, func(), error) {
	if dryRun {
		if _, err := os.Lstat(c.Path(c.DB)); errors.Is(err, fs.ErrNotExist) {
			dir, err := os.MkdirTemp("", "incent-dry-run-")
			if err != nil {
				return nil, nil, err
			}
			tx, rollback, err := begin(ctx, filepath.Join(dir, "incent.db"), env)
			if err != nil {
				os.RemoveAll(dir)
				return nil, nil, err
			}
			return tx, func() {
				rollback()
				os.RemoveAll(dir)
			}, nil
		}
	}
	release, err := c.lock()
	if err != nil {
		return nil, nil, err
	}
	path := c.Path(c.DB)
	_, err = os.Lstat(path)
	created := errors.Is(err, fs.ErrNotExist)
	tx, rollback, err := begin(ctx, path, env)
	if err != nil {
		if created {
			removeDB(path)
		}
		release()
		return nil, nil, err
	}
	if !dryRun { // a dry run writes nothing, not even this
		settle(c.stoppedRuns(tx.RunHead))
	}
	return tx, func() {
		rollback()
		if created && !tx.Committed() {
			removeDB(path)
		}
		release()
	}, nil
}

// removeDB removes a database that a failed command created, with the
// files SQLite keeps beside it, so that the workspace is left as it was:
// without one. Left behind, an empty database would make later commands
// report "no runs" rather than "no database", and a verify pass on
// nothing. The lock file stays: another command may be waiting on it.
func removeDB(path string) {
	// The files beside it first: a journal left beside a later new
	// database would be applied to it.
	for _, suffix := range []string{"-wal", "-shm", "-journal", ""} {
		os.Remove(path + suffix)
	}
}

// begin opens the database at path and starts the one write
// transaction of a command. end rolls back whatever was not committed and
// closes the database.
func begin(ctx context.Context, path string, env Env) (tx *store.Tx, end func(), err error) {
	db, err := openDB(path, env.Now)
	if err != nil {
		return nil, nil, err
	}
	if tx, err = db.Begin(ctx); err != nil {
		db.Close()
		return nil, nil, err
	}
	return tx, func() {
		tx.Rollback()
		db.Close()
	}, nil
}
