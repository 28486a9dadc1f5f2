// Package store is the only package that talks to SQLite. The database is
// the workspace's record: every input file and program text a run used, as
// content-addressed blobs; every run with its payout lines and result digest;
// and an append-only event log in which each event carries the hash of the
// one before.
//
// Big things (input files) are archived as chunked blobs, not as one SQL row
// per sale, so a million-sale quarter costs a few blob writes, not a million
// INSERTs. Small things that people query (runs, payout lines, events) are rows.
package store

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	_ "modernc.org/sqlite" // the pure-Go SQLite driver
)

//go:embed migrations/*.sql
var migrations embed.FS

// pageSize is the page size of a new database. Most of its bytes are
// archived input files in 256 KiB chunks, which SQLite keeps in chains of
// overflow pages: at 64 KiB a page (the largest) archiving is three times
// as fast and reading back three and a half times, against 4 KiB pages
// (BenchmarkPutBlob, BenchmarkReadBlob).
const pageSize = 65536

// create makes a new, empty database at path with pageSize pages in WAL
// mode. The page size is fixed once a database is in WAL mode, so it is set
// first; an existing database keeps its own.
func create(path, file string) error {
	if fi, err := os.Stat(path); err == nil && fi.Size() > 0 || err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil // exists, or Open's own error will say why it cannot
	}
	db, err := sql.Open("sqlite", file+"?_pragma=busy_timeout(10000)&_pragma=page_size("+strconv.Itoa(pageSize)+")")
	if err != nil {
		return err
	}
	defer db.Close()
	_, err = db.Exec(`PRAGMA journal_mode=WAL`)
	return err
}

// DB is an open workspace database.
type DB struct {
	db  *sql.DB // the single writer
	rdb *sql.DB // readers: deferred transactions that never wait for a writer in WAL mode
	now func() time.Time
}

// Open opens (creating if needed) the database at path and applies any
// pending migrations. now is the clock used for every stored timestamp.
func Open(path string, now func() time.Time) (*DB, error) {
	return open(path, now, true)
}

// OpenExisting is Open for a database that must already be there. When
// there is none at path, or only an empty file, it returns an error that
// is fs.ErrNotExist, and creates nothing, not even if the file goes
// between a look and the open: a command that only reads what earlier
// ones stored must never leave an empty database where a failed first
// calc has just removed its own.
func OpenExisting(path string, now func() time.Time) (*DB, error) {
	return open(path, now, false)
}

// testHookAfterLook runs between OpenExisting's look for the file and
// SQLite's open of it; tests remove the file there.
var testHookAfterLook = func() {}

func open(path string, now func() time.Time, mayCreate bool) (*DB, error) {
	file := "file:" + (&url.URL{Path: path}).EscapedPath()
	mode := ""
	if mayCreate {
		if err := create(path, file); err != nil {
			return nil, fmt.Errorf("open %s: %w", path, err)
		}
	} else {
		fi, err := os.Stat(path)
		if err != nil {
			return nil, fmt.Errorf("open %s: %w", path, err)
		}
		if fi.Size() == 0 {
			// An empty file holds no database, and one made in it here
			// would have SQLite's small pages rather than create's.
			return nil, fmt.Errorf("open %s: the file is empty: %w", path, fs.ErrNotExist)
		}
		mode = "&mode=rw" // SQLite's own open then fails rather than create the file
		testHookAfterLook()
	}
	base := file + "?_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)&_pragma=synchronous(NORMAL)&_pragma=foreign_keys(1)" + mode
	sdb, err := sql.Open("sqlite", base+"&_txlock=immediate")
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	// One writer connection: SQLite has one writer, and a run is one transaction.
	sdb.SetMaxOpenConns(1)
	d := &DB{db: sdb, now: now}
	if err := d.migrate(); err != nil {
		sdb.Close()
		if _, serr := os.Stat(path); !mayCreate && errors.Is(serr, fs.ErrNotExist) {
			err = serr // removed since the look above
		}
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	if d.rdb, err = sql.Open("sqlite", base); err != nil {
		sdb.Close()
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	d.rdb.SetMaxOpenConns(2)
	return d, nil
}

// Close checkpoints the write-ahead log and closes the database.
func (d *DB) Close() error {
	d.rdb.Close()
	_, _ = d.db.Exec(`PRAGMA wal_checkpoint(TRUNCATE)`)
	return d.db.Close()
}

// NewerError is the error of opening a database a newer build of incent
// has migrated past the migrations this build knows: this build could
// misread what it stores (runs whose payout lines it does not know where
// to find), so it opens nothing.
type NewerError struct {
	Schema, Known int // the database's newest migration, and this build's
}

func (e *NewerError) Error() string {
	return fmt.Sprintf("a newer incent has used this database (its schema is at version %d, this build knows up to %d): use that incent or a newer one", e.Schema, e.Known)
}

func (d *DB) migrate() error {
	if _, err := d.db.Exec(`CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY)`); err != nil {
		return err
	}
	names, err := fs.Glob(migrations, "migrations/*.sql")
	if err != nil {
		return err
	}
	sort.Strings(names)
	versions := make([]int, len(names))
	for i, name := range names {
		base := strings.TrimPrefix(name, "migrations/")
		if versions[i], err = strconv.Atoi(strings.SplitN(base, "_", 2)[0]); err != nil {
			return fmt.Errorf("migration %s: name must start with a number", name)
		}
	}
	applied, err := d.appliedMigrations()
	if err != nil {
		return err
	}
	if known := slices.Max(versions); len(applied) > 0 && slices.Max(applied) > known {
		return &NewerError{Schema: slices.Max(applied), Known: known}
	}
	for i, name := range names {
		v := versions[i]
		if slices.Contains(applied, v) {
			continue
		}
		body, err := migrations.ReadFile(name)
		if err != nil {
			return err
		}
		if err := d.apply(name, v, string(body)); err != nil {
			return err
		}
	}
	return nil
}

// appliedMigrations lists the versions of the migrations the database has
// had, by this build or any other.
func (d *DB) appliedMigrations() ([]int, error) {
	rows, err := d.db.Query(`SELECT version FROM schema_migrations`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var vs []int
	for rows.Next() {
		var v int
		if err := rows.Scan(&v); err != nil {
			return nil, err
		}
		vs = append(vs, v)
	}
	return vs, rows.Err()
}

// apply runs one migration in a transaction. Foreign keys are off while it
// runs, as SQLite asks for a table rebuilt to change its constraints, and
// checked before it commits.
func (d *DB) apply(name string, version int, body string) error {
	ctx := context.Background()
	conn, err := d.db.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, `PRAGMA foreign_keys = OFF`); err != nil {
		return err
	}
	defer conn.ExecContext(ctx, `PRAGMA foreign_keys = ON`)
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	// Another command may have opened the database at the same moment and
	// applied it first: checked again under the write lock.
	var n int
	if err := tx.QueryRow(`SELECT count(*) FROM schema_migrations WHERE version = ?`, version).Scan(&n); err != nil || n > 0 {
		return err
	}
	if _, err := tx.Exec(body); err != nil {
		return fmt.Errorf("migration %s: %w", name, err)
	}
	rows, err := tx.Query(`PRAGMA foreign_key_check`)
	if err != nil {
		return err
	}
	broken := rows.Next()
	if err := rows.Close(); err != nil {
		return err
	}
	if broken {
		return fmt.Errorf("migration %s: it would break a reference between tables", name)
	}
	if _, err := tx.Exec(`INSERT INTO schema_migrations (version) VALUES (?)`, version); err != nil {
		return err
	}
	return tx.Commit()
}

// Tx is one write transaction: a whole command's changes, all or nothing.
type Tx struct {
	tx        *sql.Tx
	ctx       context.Context
	now       func() time.Time
	committed bool
}

// Begin starts a write transaction.
func (d *DB) Begin(ctx context.Context) (*Tx, error) {
	tx, err := d.db.BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("begin: %w", err)
	}
	return &Tx{tx: tx, ctx: ctx, now: d.now}, nil
}

// Commit makes the transaction's changes permanent.
func (t *Tx) Commit() error {
	err := t.tx.Commit()
	t.committed = err == nil
	return err
}

// Committed reports whether Commit succeeded.
func (t *Tx) Committed() bool { return t.committed }

// Rollback discards the transaction's changes; it is safe after Commit.
func (t *Tx) Rollback() error {
	err := t.tx.Rollback()
	if errors.Is(err, sql.ErrTxDone) {
		return nil
	}
	return err
}

// Read runs fn in a read-only snapshot transaction that is always rolled
// back; it does not wait for a running calculation.
func (d *DB) Read(ctx context.Context, fn func(*Tx) error) error {
	tx, err := d.rdb.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	t := &Tx{tx: tx, ctx: ctx, now: d.now}
	defer t.Rollback()
	return fn(t)
}

func (t *Tx) stamp() string { return t.now().UTC().Format(time.RFC3339) }
