package store

import (
	"crypto/sha256"
	"database/sql"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unsafe"
)

// InputFile is one version of one input file.
type InputFile struct {
	Seq        int64
	Kind       string
	Name       string
	SHA256     string
	Profile    string
	IngestedAt string
	Size       int64 // bytes, from the archive (not stored with the version)
}

// LatestInput returns the newest stored version of input (kind, name), if any.
func (t *Tx) LatestInput(kind, name string) (*InputFile, error) {
	rows, err := t.tx.QueryContext(t.ctx, `SELECT f.seq, f.kind, f.name, f.sha256, f.profile, f.ingested_at, b.size
		FROM input_files f JOIN blobs b ON b.sha256 = f.sha256 WHERE f.kind = ? AND f.name = ? ORDER BY f.seq DESC LIMIT 1`, kind, name)
	if err != nil {
		return nil, err
	}
	files, err := scanInputs(rows)
	if err != nil || len(files) == 0 {
		return nil, err
	}
	return &files[0], nil
}

// AddInput records a new input file version; its blob must be archived.
func (t *Tx) AddInput(f *InputFile) error {
	res, err := t.tx.ExecContext(t.ctx, `INSERT INTO input_files (kind, name, sha256, profile, ingested_at)
		VALUES (?, ?, ?, ?, ?)`, f.Kind, f.Name, f.SHA256, f.Profile, t.stamp())
	if err != nil {
		return fmt.Errorf("record input %s: %w", f.Name, err)
	}
	f.Seq, err = res.LastInsertId()
	return err
}

// Inputs returns every stored input file version of a kind in ingest order.
func (t *Tx) Inputs(kind string) ([]InputFile, error) {
	rows, err := t.tx.QueryContext(t.ctx, `SELECT f.seq, f.kind, f.name, f.sha256, f.profile, f.ingested_at, b.size
		FROM input_files f JOIN blobs b ON b.sha256 = f.sha256 WHERE f.kind = ? ORDER BY f.seq`, kind)
	if err != nil {
		return nil, err
	}
	return scanInputs(rows)
}

// RunInputs returns the input file versions a run used, in ingest order.
func (t *Tx) RunInputs(runID string) ([]InputFile, error) {
	rows, err := t.tx.QueryContext(t.ctx, `SELECT f.seq, f.kind, f.name, f.sha256, f.profile, f.ingested_at, b.size
		FROM input_files f JOIN run_inputs r ON r.seq = f.seq JOIN blobs b ON b.sha256 = f.sha256 WHERE r.run_id = ? ORDER BY f.seq`, runID)
	if err != nil {
		return nil, err
	}
	return scanInputs(rows)
}

func scanInputs(rows *sql.Rows) ([]InputFile, error) {
	defer rows.Close()
	var out []InputFile
	for rows.Next() {
		var f InputFile
		if err := rows.Scan(&f.Seq, &f.Kind, &f.Name, &f.SHA256, &f.Profile, &f.IngestedAt, &f.Size); err != nil {
			return nil, err
		}
		out = append(out, f)
	}
	return out, rows.Err()
}

// Run is one stored calculation.
type Run struct {
	ID          string
	Period      string
	Seq         int
	AsOf        string // "" for a final run
	Status      string // final | provisional
	StartedAt   string
	FinishedAt  string
	User        string
	ToolVersion string
	Digest      string
	Manifest    string // manifest.json as written
	Lines       []Line
	Inputs      []int64 // input file seqs
	Programs    []RunProgram
}

// RunProgram is a program version a run used, archived by hash.
type RunProgram struct {
	ID      string
	Version int
	File    string
	SHA256  string
}

// Line is a stored payout line. Amount and Measure are exact decimal text.
type Line struct {
	PayeeType      string
	Payee          string
	ProgramID      string
	ProgramVersion int
	Kind           string
	Currency       string
	Measure        string
	Tier           string
	Amount         string
}

// NextRunSeq returns the next run number for a period.
func (t *Tx) NextRunSeq(period string) (int, error) {
	var n sql.NullInt64
	err := t.tx.QueryRowContext(t.ctx, `SELECT max(seq) FROM runs WHERE period = ?`, period).Scan(&n)
	return int(n.Int64) + 1, err
}

// AddRun writes a run with its lines, inputs and programs, and appends a
// "run" event to the log.
func (t *Tx) AddRun(r *Run) error {
	if err := t.AddRunLines(r); err != nil {
		return err
	}
	return t.AddRunHead(r)
}

// AddRunLines writes a run's payout lines, inputs and programs ahead of the
// run itself, so that they can be stored while the run's files (and with
// them its manifest) are still being written. Foreign keys are then checked
// when the transaction commits, and AddRunHead must follow before it does.
func (t *Tx) AddRunLines(r *Run) error {
	if _, err := t.tx.ExecContext(t.ctx, `PRAGMA defer_foreign_keys = ON`); err != nil {
		return err
	}
	if err := t.insertLines(r); err != nil {
		return fmt.Errorf("write run %s: %w", r.ID, err)
	}
	for _, seq := range r.Inputs {
		if _, err := t.tx.ExecContext(t.ctx, `INSERT INTO run_inputs (run_id, seq) VALUES (?, ?)`, r.ID, seq); err != nil {
			return err
		}
	}
	for _, p := range r.Programs {
		if _, err := t.tx.ExecContext(t.ctx, `INSERT INTO run_programs (run_id, program_id, version, file, sha256) VALUES (?, ?, ?, ?, ?)`,
			r.ID, p.ID, p.Version, p.File, p.SHA256); err != nil {
			return err
		}
	}
	return nil
}

// AddRunHead writes the run itself, manifest included, and appends a "run"
// event to the log.
func (t *Tx) AddRunHead(r *Run) error {
	if _, err := t.tx.ExecContext(t.ctx, `INSERT INTO runs (id, period, seq, as_of, status, started_at, finished_at, user, tool_version, digest, manifest)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, r.ID, r.Period, r.Seq, r.AsOf, r.Status, r.StartedAt, r.FinishedAt, r.User, r.ToolVersion, r.Digest, r.Manifest); err != nil {
		return fmt.Errorf("write run %s: %w", r.ID, err)
	}
	_, err := t.AppendEvent(Event{Kind: "run", Actor: r.User, Subject: r.ID,
		Body: fmt.Sprintf(`{"digest":%q,"manifest_sha256":%q,"period":%q,"status":%q}`, r.Digest, ManifestSHA256(r.Manifest), r.Period, r.Status)})
	return err
}

// ManifestSHA256 is the SHA-256 of a run's stored manifest, as its run
// event records it, so that verify finds an edited manifest.
func ManifestSHA256(manifest string) string {
	sum := sha256.Sum256([]byte(manifest))
	return hex.EncodeToString(sum[:])
}

// Runs lists stored runs, newest first; period "" lists all.
func (t *Tx) Runs(period string) ([]Run, error) {
	q := `SELECT id, period, seq, as_of, status, started_at, finished_at, user, tool_version, digest, manifest FROM runs`
	var args []any
	if period != "" {
		q += ` WHERE period = ?`
		args = append(args, period)
	}
	q += ` ORDER BY started_at DESC, period DESC, seq DESC`
	rows, err := t.tx.QueryContext(t.ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Run
	for rows.Next() {
		var r Run
		if err := rows.Scan(&r.ID, &r.Period, &r.Seq, &r.AsOf, &r.Status, &r.StartedAt, &r.FinishedAt, &r.User, &r.ToolVersion, &r.Digest, &r.Manifest); err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// ErrNoRun matches (errors.Is) the error GetRun returns for a run id that
// is not stored.
var ErrNoRun = errors.New("no such run")

type noRunError struct{ id string }

func (e *noRunError) Error() string {
	return fmt.Sprintf("run %s does not exist (see incent runs)", e.id)
}
func (e *noRunError) Is(target error) bool { return target == ErrNoRun }

// RunHead returns one run without its lines and programs: its digest
// and manifest, and what runs lists.
func (t *Tx) RunHead(id string) (*Run, error) {
	var r Run
	err := t.tx.QueryRowContext(t.ctx, `SELECT id, period, seq, as_of, status, started_at, finished_at, user, tool_version, digest, manifest FROM runs WHERE id = ?`, id).
		Scan(&r.ID, &r.Period, &r.Seq, &r.AsOf, &r.Status, &r.StartedAt, &r.FinishedAt, &r.User, &r.ToolVersion, &r.Digest, &r.Manifest)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, &noRunError{id}
	}
	if err != nil {
		return nil, err
	}
	return &r, nil
}

// GetRun returns one run with its lines and programs.
func (t *Tx) GetRun(id string) (*Run, error) {
	r, err := t.RunHead(id)
	if err != nil {
		return nil, err
	}
	if r.Lines, err = t.runLines(id); err != nil {
		return nil, err
	}
	prows, err := t.tx.QueryContext(t.ctx, `SELECT program_id, version, file, sha256 FROM run_programs WHERE run_id = ? ORDER BY program_id`, id)
	if err != nil {
		return nil, err
	}
	defer prows.Close()
	for prows.Next() {
		var p RunProgram
		if err := prows.Scan(&p.ID, &p.Version, &p.File, &p.SHA256); err != nil {
			return nil, err
		}
		r.Programs = append(r.Programs, p)
	}
	return r, prows.Err()
}

// Digest is the result digest of a run: SHA-256 over the period and its
// payout lines in a byte encoding defined here once. It leaves out the run id
// so that two runs over the same inputs have the same digest.
func Digest(period string, lines []Line) string {
	h := sha256.New()
	writeField(h, "incent-result-v1")
	writeField(h, period)
	// A line's fields go to the hash in one write, through one buffer.
	var buf []byte
	for _, l := range lines {
		buf = buf[:0]
		for _, f := range [...]string{l.PayeeType, l.Payee, l.ProgramID, strconv.Itoa(l.ProgramVersion), l.Kind, l.Currency, l.Measure, l.Tier, l.Amount} {
			buf = binary.BigEndian.AppendUint64(buf, uint64(len(f)))
			buf = append(buf, f...)
		}
		h.Write(buf)
	}
	return hex.EncodeToString(h.Sum(nil))
}

// writeField writes a length-prefixed field, so that no two different field
// lists encode to the same bytes.
func writeField(h interface{ Write([]byte) (int, error) }, s string) {
	var n [8]byte
	binary.BigEndian.PutUint64(n[:], uint64(len(s)))
	h.Write(n[:])
	h.Write([]byte(s))
}

// Event is one entry of the append-only log.
type Event struct {
	Seq     int64
	At      string
	Kind    string // run, approve, adjust, dispute, reopen, backdate
	Actor   string
	Subject string // what it is about: a run id, a period, a dispute id
	Body    string // JSON details
	Prev    string // hash of the previous event ("" for the first)
	Hash    string
}

// EventHash is the hash of an event given the previous event's hash.
func EventHash(e Event) string {
	h := sha256.New()
	writeField(h, "incent-event-v1")
	for _, f := range []string{e.Prev, fmt.Sprint(e.Seq), e.At, e.Kind, e.Actor, e.Subject, e.Body} {
		writeField(h, f)
	}
	return hex.EncodeToString(h.Sum(nil))
}

// AppendEvent adds an event to the log, chained to the last one.
func (t *Tx) AppendEvent(e Event) (Event, error) {
	var prev sql.NullString
	var seq sql.NullInt64
	err := t.tx.QueryRowContext(t.ctx, `SELECT seq, hash FROM events ORDER BY seq DESC LIMIT 1`).Scan(&seq, &prev)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return e, err
	}
	e.Seq = seq.Int64 + 1
	e.Prev = prev.String
	e.At = t.stamp()
	e.Hash = EventHash(e)
	_, err = t.tx.ExecContext(t.ctx, `INSERT INTO events (seq, at, kind, actor, subject, body, prev, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
		e.Seq, e.At, e.Kind, e.Actor, e.Subject, e.Body, e.Prev, e.Hash)
	return e, err
}

// Events returns the whole log in order.
func (t *Tx) Events() ([]Event, error) {
	rows, err := t.tx.QueryContext(t.ctx, `SELECT seq, at, kind, actor, subject, body, prev, hash FROM events ORDER BY seq`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Event
	for rows.Next() {
		var e Event
		if err := rows.Scan(&e.Seq, &e.At, &e.Kind, &e.Actor, &e.Subject, &e.Body, &e.Prev, &e.Hash); err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

// VerifyChain checks every event's hash and link; it returns a description
// of the first broken event, or "".
func VerifyChain(events []Event) string {
	prev := ""
	for i, e := range events {
		if e.Seq != int64(i+1) {
			return fmt.Sprintf("event %d: sequence gap (expected %d)", e.Seq, i+1)
		}
		if e.Prev != prev {
			return fmt.Sprintf("event %d: previous hash %s does not match event %d's hash %s", e.Seq, short(e.Prev), e.Seq-1, short(prev))
		}
		if got := EventHash(e); got != e.Hash {
			return fmt.Sprintf("event %d (%s %s): content does not match its hash", e.Seq, e.Kind, e.Subject)
		}
		prev = e.Hash
	}
	return ""
}

func short(s string) string {
	if len(s) > 12 {
		return s[:12]
	}
	return strings.TrimSpace(s)
}

// linesPerText is how many payout lines one stored JSON text holds (see
// migration 0003): few enough that the text and the driver's copy of it
// are small beside a large calc's heap, many enough that a large run is a
// few dozen rows.
const linesPerText = 4096

func (t *Tx) insertLines(r *Run) error {
	stmt, err := t.tx.PrepareContext(t.ctx, `INSERT INTO run_lines (run_id, first, lines) VALUES (?, ?, ?)`)
	if err != nil {
		return err
	}
	defer stmt.Close()
	var b []byte
	for start := 0; start < len(r.Lines); start += linesPerText {
		b = appendLinesJSON(b[:0], r.Lines[start:min(start+linesPerText, len(r.Lines))])
		// The text is bound as a string that shares b's bytes: the driver
		// copies it before the statement runs, and b is written again only
		// once ExecContext has returned.
		if _, err := stmt.ExecContext(t.ctx, r.ID, start+1, unsafe.String(unsafe.SliceData(b), len(b))); err != nil {
			return err
		}
	}
	return nil
}
