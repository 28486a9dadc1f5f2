package store

import (
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// MustOpenDB opens a fresh database in a temporary folder with a fixed clock.
func MustOpenDB(t *testing.T) *DB {
	t.Helper()
	db, err := Open(filepath.Join(t.TempDir(), "incent.db"), func() time.Time {
		return time.Date(2024, 10, 15, 12, 0, 0, 0, time.UTC)
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func mustBegin(t *testing.T, db *DB) *Tx {
	t.Helper()
	tx, err := db.Begin(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { tx.Rollback() })
	return tx
}

// shaOf returns data's SHA-256 in hex, as blobs are named.
func shaOf(data []byte) string {
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:])
}

// TestBlobRoundTrip stores a blob larger than one chunk and reads it back.
func TestBlobRoundTrip(t *testing.T) {
	db := MustOpenDB(t)
	tx := mustBegin(t, db)
	data := bytes.Repeat([]byte("D001,1001,1HGCM82633A004352\n"), chunkSize/10)
	sha := shaOf(data)
	if err := tx.PutBlob(sha, bytes.NewReader(data)); err != nil {
		t.Fatal(err)
	}
	if err := tx.PutBlob(sha, bytes.NewReader(data)); err != nil {
		t.Fatalf("second put of the same content: %v", err)
	}
	got, err := tx.ReadBlob(sha)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, data) {
		t.Fatalf("read %d bytes, want %d identical bytes", len(got), len(data))
	}
	if err := tx.PutBlob(strings.Repeat("0", 64), bytes.NewReader([]byte("x"))); err == nil {
		t.Fatal("content that does not match its hash was archived")
	}
}

// TestReservedBlob reserves a blob, which does not open until it is
// filled, fills it from a stream while another goroutine uses the
// transaction under the same lock, and refuses content that is not the
// content reserved.
func TestReservedBlob(t *testing.T) {
	db := MustOpenDB(t)
	tx := mustBegin(t, db)
	data := bytes.Repeat([]byte("D001,1001,1HGCM82633A004352\n"), chunkSize/10)
	sha := shaOf(data)
	if ok, err := tx.ReserveBlob(sha, int64(len(data))); err != nil || !ok {
		t.Fatalf("reserve: %v, %v; want true, nil", ok, err)
	}
	if ok, err := tx.ReserveBlob(sha, int64(len(data))); err != nil || ok {
		t.Fatalf("second reserve: %v, %v; want false, nil", ok, err)
	}
	if ok, err := tx.HasBlob(sha); err != nil || !ok {
		t.Fatalf("has a reserved blob: %v, %v; want true, nil", ok, err)
	}
	if _, err := tx.OpenBlob(sha); err == nil || !strings.Contains(err.Error(), "not yet archived") {
		t.Fatalf("opening a reserved blob: %v; want an error saying it is not yet archived", err)
	}

	// Another blob is read under the lock while this one is filled.
	other := []byte("dealer_code,name\nD001,North\n")
	otherSHA := shaOf(other)
	if err := tx.PutBlob(otherSHA, bytes.NewReader(other)); err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	done := make(chan error, 1)
	go func() {
		for range 50 {
			mu.Lock()
			got, err := tx.ReadBlob(otherSHA)
			mu.Unlock()
			if err != nil || !bytes.Equal(got, other) {
				done <- fmt.Errorf("reading another blob meanwhile: %q, %v", got, err)
				return
			}
		}
		done <- nil
	}()
	if err := tx.FillBlob(sha, io.MultiReader(bytes.NewReader(data)), &mu); err != nil {
		t.Fatal(err)
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	got, err := tx.ReadBlob(sha)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, data) {
		t.Fatalf("read %d bytes, want %d identical bytes", len(got), len(data))
	}

	for _, c := range []struct {
		name    string
		content []byte
		size    int64
		want    string
	}{
		{"other bytes", []byte("x"), 1, "expected SHA-256"},
		{"another size", []byte("abc"), 4, "expected 4 bytes, read 3"},
	} {
		h := shaOf(c.content)
		if c.name == "other bytes" {
			h = strings.Repeat("0", 64)
		}
		if _, err := tx.ReserveBlob(h, c.size); err != nil {
			t.Fatal(err)
		}
		err := tx.FillBlob(h, bytes.NewReader(c.content), nil)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v; want an error containing %q", c.name, err, c.want)
		}
	}
}

// TestBlobChunks archives content of every size around a chunk, held in
// memory or read from a stream, as whole chunks and one short last one.
func TestBlobChunks(t *testing.T) {
	db := MustOpenDB(t)
	tx := mustBegin(t, db)
	for _, c := range []struct {
		size, chunks int
	}{{0, 0}, {1, 1}, {100, 1}, {chunkSize - 1, 1}, {chunkSize, 1}, {chunkSize + 1, 2}, {2*chunkSize + 5, 3}} {
		for _, stream := range []bool{false, true} {
			data := bytes.Repeat([]byte{byte('a' + c.size%26)}, c.size)
			if stream {
				data = append(data, 's') // other content, so another blob
			}
			sha := shaOf(data)
			var r io.Reader = bytes.NewReader(data)
			if stream {
				r = io.MultiReader(r) // no Len: read a chunk at a time
			}
			if err := tx.PutBlob(sha, r); err != nil {
				t.Fatal(err)
			}
			got, err := tx.ReadBlob(sha)
			if err != nil {
				t.Fatal(err)
			}
			var n int
			if err := tx.tx.QueryRow(`SELECT chunks FROM blobs WHERE sha256 = ?`, sha).Scan(&n); err != nil {
				t.Fatal(err)
			}
			want := c.chunks
			if stream && c.size%chunkSize == 0 && c.size > 0 || stream && c.size == 0 {
				want++ // the extra byte starts a chunk
			}
			if !bytes.Equal(got, data) || n != want {
				t.Errorf("%d bytes (stream %v): read back %d bytes in %d chunks, want the same bytes in %d", len(data), stream, len(got), n, want)
			}
		}
	}
}

// TestPageSize checks that a new database gets large pages in WAL mode and
// that a database made with SQLite's default pages keeps them and works.
func TestPageSize(t *testing.T) {
	pragmas := func(path string) (size int, mode string) {
		t.Helper()
		db, err := sql.Open("sqlite", path)
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		if err := db.QueryRow(`PRAGMA page_size`).Scan(&size); err != nil {
			t.Fatal(err)
		}
		if err := db.QueryRow(`PRAGMA journal_mode`).Scan(&mode); err != nil {
			t.Fatal(err)
		}
		return size, mode
	}
	dir := t.TempDir()
	fresh := filepath.Join(dir, "new.db")
	db, err := Open(fresh, time.Now)
	if err != nil {
		t.Fatal(err)
	}
	db.Close()
	if size, mode := pragmas(fresh); size != 65536 || mode != "wal" {
		t.Errorf("new database: page size %d, journal mode %s; want 65536, wal", size, mode)
	}

	old := filepath.Join(dir, "old.db")
	raw, err := sql.Open("sqlite", old)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := raw.Exec(`PRAGMA journal_mode=WAL`); err != nil {
		t.Fatal(err)
	}
	raw.Close()
	if db, err = Open(old, time.Now); err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	tx := mustBegin(t, db)
	data := bytes.Repeat([]byte("x"), chunkSize+1)
	if err := tx.PutBlob(shaOf(data), bytes.NewReader(data)); err != nil {
		t.Fatal(err)
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	if size, mode := pragmas(old); size != 4096 || mode != "wal" {
		t.Errorf("existing database: page size %d, journal mode %s; want its own 4096, wal", size, mode)
	}
}

// TestOpenExistingCreatesNothing checks that a database that is not there,
// or goes between OpenExisting's look and SQLite's open (a failed first calc
// removing its own), is reported as absent and not created empty.
func TestOpenExistingCreatesNothing(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "incent.db")
	if _, err := OpenExisting(path, time.Now); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("no database: error %v, want one that is fs.ErrNotExist", err)
	}
	if err := os.WriteFile(path, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := OpenExisting(path, time.Now); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("empty file: error %v, want one that is fs.ErrNotExist", err)
	}
	if fi, err := os.Stat(path); err != nil || fi.Size() != 0 {
		t.Errorf("empty file after OpenExisting: %v, %v; want it left empty", fi, err)
	}
	os.Remove(path)

	db, err := Open(path, time.Now)
	if err != nil {
		t.Fatal(err)
	}
	db.Close()
	testHookAfterLook = func() {
		for _, suffix := range []string{"-wal", "-shm", ""} {
			os.Remove(path + suffix)
		}
	}
	defer func() { testHookAfterLook = func() {} }()
	if db, err := OpenExisting(path, time.Now); !errors.Is(err, fs.ErrNotExist) {
		if err == nil {
			db.Close()
		}
		t.Errorf("database removed while opened: error %v, want one that is fs.ErrNotExist", err)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		var names []string
		for _, e := range entries {
			names = append(names, e.Name())
		}
		t.Errorf("left %v in the folder, want nothing", names)
	}
}

// TestHashVectors pins the byte encodings of the event chain and the result
// digest. The expected values were computed by an independent implementation
// of the encoding (length-prefixed fields, SHA-256), not by this package.
func TestHashVectors(t *testing.T) {
	e := Event{Seq: 1, At: "2024-10-15T12:00:00Z", Kind: "run", Actor: "ana", Subject: "2024Q3-R001", Body: `{"digest":"x"}`}
	if got, want := EventHash(e), "ff28e0bc502102a491c8a59721ddce400ea32d0e12e4b3ca75a313d7810b6e30"; got != want {
		t.Errorf("EventHash = %s, want %s", got, want)
	}
	lines := []Line{{PayeeType: "dealer", Payee: "D001", ProgramID: "VOL-Q3", ProgramVersion: 1, Kind: "calc", Currency: "USD", Measure: "23", Amount: "1300.00"}}
	if got, want := Digest("2024Q3", lines), "fdcac4c62a29977affdd8bbe9e9205d4ee6b943b92589a2b337f8e2fe669b070"; got != want {
		t.Errorf("Digest = %s, want %s", got, want)
	}
}

// TestEventChain appends events, verifies the chain and detects tampering.
func TestEventChain(t *testing.T) {
	db := MustOpenDB(t)
	tx := mustBegin(t, db)
	for _, k := range []string{"run", "approve", "adjust"} {
		if _, err := tx.AppendEvent(Event{Kind: k, Actor: "ana", Subject: "2024Q3", Body: "{}"}); err != nil {
			t.Fatal(err)
		}
	}
	evs, err := tx.Events()
	if err != nil {
		t.Fatal(err)
	}
	if msg := VerifyChain(evs); msg != "" {
		t.Fatalf("intact chain reported broken: %s", msg)
	}
	evs[1].Actor = "mallory"
	if msg := VerifyChain(evs); !strings.HasPrefix(msg, "event 2") {
		t.Errorf("tampered event 2 reported as %q", msg)
	}
	if _, err := tx.tx.Exec(`UPDATE events SET actor = 'x' WHERE seq = 1`); err == nil {
		t.Error("the database let an event be edited")
	}
}

// TestRunRoundTrip writes a run and reads it back; runs cannot be edited.
func TestRunRoundTrip(t *testing.T) {
	db := MustOpenDB(t)
	tx := mustBegin(t, db)
	sha, err := tx.PutBytes([]byte("id: P\n"))
	if err != nil {
		t.Fatal(err)
	}
	lines := []Line{{PayeeType: "dealer", Payee: "D001", ProgramID: "P", ProgramVersion: 1, Kind: "calc", Currency: "USD", Measure: "3", Tier: "1", Amount: "300.00"}}
	r := &Run{ID: "2024Q3-R001", Period: "2024Q3", Seq: 1, Status: "final", Digest: Digest("2024Q3", lines), Lines: lines,
		Programs: []RunProgram{{ID: "P", Version: 1, File: "p.yaml", SHA256: sha}}}
	if err := tx.AddRun(r); err != nil {
		t.Fatal(err)
	}
	got, err := tx.GetRun("2024Q3-R001")
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Lines) != 1 || got.Lines[0] != lines[0] || got.Programs[0].SHA256 != sha {
		t.Errorf("read back %+v", got)
	}
	if n, _ := tx.NextRunSeq("2024Q3"); n != 2 {
		t.Errorf("next seq = %d, want 2", n)
	}
	if _, err := tx.tx.Exec(`UPDATE run_lines SET lines = '[]'`); err == nil {
		t.Error("the database let payout lines be edited")
	}
	if _, err := tx.tx.Exec(`DELETE FROM run_lines`); err == nil {
		t.Error("the database let payout lines be deleted")
	}
}

// TestVerifyFindsTampering edits stored records the way an outside tool
// would (triggers dropped first) and checks verify names the first one.
func TestVerifyFindsTampering(t *testing.T) {
	setup := func(t *testing.T) *DB {
		db := MustOpenDB(t)
		tx := mustBegin(t, db)
		sha, err := tx.PutBytes([]byte("id: P\n"))
		if err != nil {
			t.Fatal(err)
		}
		lines := []Line{{PayeeType: "dealer", Payee: "D001", ProgramID: "P", ProgramVersion: 1, Kind: "calc", Currency: "USD", Measure: "3", Amount: "300.00"}}
		if err := tx.AddRun(&Run{ID: "2024Q3-R001", Period: "2024Q3", Seq: 1, Status: "final", Digest: Digest("2024Q3", lines), Lines: lines,
			Programs: []RunProgram{{ID: "P", Version: 1, File: "p.yaml", SHA256: sha}},
			Manifest: `{"programs":[{"id":"P","version":1,"sha256":"` + sha + `"}]}`}); err != nil {
			t.Fatal(err)
		}
		if err := tx.Commit(); err != nil {
			t.Fatal(err)
		}
		return db
	}
	tests := []struct {
		name   string
		tamper string
		want   string
	}{
		{"intact", ``, ""},
		{"amount", `DROP TRIGGER run_lines_no_update; UPDATE run_lines SET lines = replace(lines, '"300.00"', '"3000.00"')`, "run 2024Q3-R001: its payout lines no longer match its result digest"},
		{"amount by json_set", `DROP TRIGGER run_lines_no_update; UPDATE run_lines SET lines = json_set(lines, '$[0][8]', '3000.00')`, "run 2024Q3-R001: its payout lines no longer match its result digest"},
		{"lines deleted", `DROP TRIGGER run_lines_no_delete; DELETE FROM run_lines`, "run 2024Q3-R001: its payout lines no longer match its result digest"},
		{"lines unreadable", `DROP TRIGGER run_lines_no_update; UPDATE run_lines SET lines = '[["dealer","D001"'`, "run 2024Q3-R001: its stored payout lines from line 1 are not readable"},
		{"lines renumbered", `DROP TRIGGER run_lines_no_update; UPDATE run_lines SET first = 2`, "run 2024Q3-R001: its stored payout lines from line 2 are not readable (it follows line 0)"},
		{"digest and amount", `DROP TRIGGER run_lines_no_update; DROP TRIGGER runs_no_update; UPDATE run_lines SET lines = replace(lines, '"300.00"', '"3000.00"');
			UPDATE runs SET digest = '` + Digest("2024Q3", []Line{{PayeeType: "dealer", Payee: "D001", ProgramID: "P", ProgramVersion: 1, Kind: "calc", Currency: "USD", Measure: "3", Amount: "3000.00"}}) + `'`,
			"run 2024Q3-R001: its result digest differs from the one its run event recorded"},
		{"event", `DROP TRIGGER events_no_update; UPDATE events SET actor = 'mallory'`, "event 1 (run 2024Q3-R001): content does not match its hash"},
		{"blob", `UPDATE blob_chunks SET data = X'00'`, "content no longer matches its SHA-256"},
		{"chunk", `DROP TRIGGER blobs_no_delete; DELETE FROM blob_chunks`, "a chunk of it is missing"},
		{"manifest", `DROP TRIGGER runs_no_update; UPDATE runs SET manifest = '{"run_id": '`, "run 2024Q3-R001: its stored manifest is not JSON"},
		{"manifest edited", `DROP TRIGGER runs_no_update; UPDATE runs SET manifest = replace(manifest, '"programs"', '"user":"x","programs"')`,
			"run 2024Q3-R001: its stored manifest differs from the one its run event recorded"},
		{"status", `DROP TRIGGER runs_no_update; UPDATE runs SET status = 'approved'`,
			"run 2024Q3-R001: its period or status (2024Q3, approved) differs from what its run event recorded (2024Q3, final)"},
		{"program row deleted", `DELETE FROM run_programs`,
			"run 2024Q3-R001: the program versions recorded for it differ from those its manifest lists"},
		{"run deleted", `DROP TRIGGER run_lines_no_delete; DROP TRIGGER runs_no_delete; DELETE FROM run_lines; DELETE FROM run_programs; DELETE FROM run_inputs; DELETE FROM runs`,
			"event 1 records run 2024Q3-R001, which is no longer stored"},
		{"program's blob", `PRAGMA foreign_keys = OFF; DROP TRIGGER blobs_no_delete; DELETE FROM blob_chunks; DELETE FROM blobs; PRAGMA foreign_keys = ON`,
			"run 2024Q3-R001: the archived file of program P is missing"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			db := setup(t)
			if tt.tamper != "" {
				if _, err := db.db.Exec(tt.tamper); err != nil {
					t.Fatal(err)
				}
			}
			checked, broken, err := db.Verify(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			if tt.want == "" && (broken != "" || checked != "1 events, 1 archived blobs, 1 runs") {
				t.Errorf("intact database: checked %q, broken %q", checked, broken)
			}
			if tt.want != "" && !strings.Contains(broken, tt.want) {
				t.Errorf("broken = %q, want %q", broken, tt.want)
			}
		})
	}
}

// TestRunLinesBeforeHead stores a run's lines ahead of the run itself, as
// calc does while it writes the run files: the two halves commit together,
// and lines without their run do not commit at all.
func TestRunLinesBeforeHead(t *testing.T) {
	lines := []Line{{PayeeType: "dealer", Payee: "D001", ProgramID: "P", ProgramVersion: 1, Kind: "calc", Currency: "USD", Measure: "3", Tier: "1", Amount: "300.00"}}
	run := func() *Run {
		return &Run{ID: "2024Q3-R001", Period: "2024Q3", Seq: 1, Status: "final", Digest: Digest("2024Q3", lines), Lines: lines, Manifest: "{}"}
	}

	db := MustOpenDB(t)
	tx := mustBegin(t, db)
	if err := tx.AddRunLines(run()); err != nil {
		t.Fatal(err)
	}
	if err := tx.AddRunHead(run()); err != nil {
		t.Fatal(err)
	}
	if err := tx.Commit(); err != nil {
		t.Fatalf("commit of lines and run: %v", err)
	}
	tx = mustBegin(t, db)
	got, err := tx.GetRun("2024Q3-R001")
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Lines) != 1 || got.Lines[0] != lines[0] || got.Manifest != "{}" {
		t.Errorf("read back %+v", got)
	}
	tx.Rollback()

	db = MustOpenDB(t)
	tx = mustBegin(t, db)
	if err := tx.AddRunLines(run()); err != nil {
		t.Fatal(err)
	}
	if err := tx.Commit(); err == nil {
		t.Error("lines without their run were committed")
	}
}

// TestManyLinesRoundTrip writes more lines than one INSERT carries, with a
// remainder, and reads them back in order.
func TestManyLinesRoundTrip(t *testing.T) {
	db := MustOpenDB(t)
	tx := mustBegin(t, db)
	var lines []Line
	for i := 0; i < 2*linesPerText+7; i++ {
		lines = append(lines, Line{PayeeType: "dealer", Payee: fmt.Sprintf("D%04d", i), ProgramID: "P", ProgramVersion: 1, Kind: "calc", Currency: "USD", Measure: "1", Amount: fmt.Sprintf("%d.00", i)})
	}
	if err := tx.AddRun(&Run{ID: "R", Period: "2024Q3", Seq: 1, Status: "final", Digest: Digest("2024Q3", lines), Lines: lines}); err != nil {
		t.Fatal(err)
	}
	got, err := tx.GetRun("R")
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Lines) != len(lines) {
		t.Fatalf("read %d lines, want %d", len(got.Lines), len(lines))
	}
	for i := range lines {
		if got.Lines[i] != lines[i] {
			t.Fatalf("line %d = %+v, want %+v", i, got.Lines[i], lines[i])
		}
	}
}

// storedLines stores lines as run R in a transaction, reads them back and
// rolls the transaction back.
func storedLines(t testing.TB, db *DB, lines []Line) []Line {
	t.Helper()
	tx, err := db.Begin(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	if err := tx.AddRun(&Run{ID: "R", Period: "2024Q3", Seq: 1, Status: "final", Digest: Digest("2024Q3", lines), Lines: lines}); err != nil {
		t.Fatal(err)
	}
	got, err := tx.GetRun("R")
	if err != nil {
		t.Fatal(err)
	}
	// SQL reads the same lines through the view, numbered from 1.
	viewed := viewLines(t, tx, "R")
	if len(viewed) != len(got.Lines) {
		t.Fatalf("the view has %d lines, GetRun %d", len(viewed), len(got.Lines))
	}
	for i := range viewed {
		if viewed[i] != got.Lines[i] {
			t.Fatalf("line %d: the view has %#v, GetRun %#v", i+1, viewed[i], got.Lines[i])
		}
	}
	return got.Lines
}

// viewLines reads a run's lines through the view all_payout_lines, checking
// that they are numbered 1, 2, ... with an integer version.
func viewLines(t testing.TB, tx *Tx, id string) []Line {
	t.Helper()
	rows, err := tx.tx.Query(`SELECT n, typeof(n), typeof(program_version), payee_type, payee, program_id, program_version, kind, currency, measure, tier, amount
		FROM all_payout_lines WHERE run_id = ? ORDER BY n`, id)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var lines []Line
	for rows.Next() {
		var n int
		var nType, vType string
		var l Line
		if err := rows.Scan(&n, &nType, &vType, &l.PayeeType, &l.Payee, &l.ProgramID, &l.ProgramVersion, &l.Kind, &l.Currency, &l.Measure, &l.Tier, &l.Amount); err != nil {
			t.Fatal(err)
		}
		if n != len(lines)+1 || nType != "integer" || vType != "integer" {
			t.Fatalf("view line %d: n %d (%s), version %s", len(lines)+1, n, nType, vType)
		}
		lines = append(lines, l)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return lines
}

// TestLinesKeepTheirText stores texts that need escaping on their way into
// the database: each reads back byte for byte.
func TestLinesKeepTheirText(t *testing.T) {
	db := MustOpenDB(t)
	texts := []string{"", `D"001`, `D\001`, `\u0041`, "tab\there", "line\nbreak", "nul\x00byte", "\x1f\x7f",
		"Müller & Söhne", "日本", "\xff\xfeinvalid", "[1,2]", `{"a":1}`, "null", "  spaced  "}
	var lines []Line
	for i, s := range texts {
		lines = append(lines, Line{PayeeType: "dealer", Payee: s, ProgramID: "P" + s, ProgramVersion: i, Kind: s, Currency: "USD", Measure: s, Tier: s, Amount: s})
	}
	got := storedLines(t, db, lines)
	if len(got) != len(lines) {
		t.Fatalf("read %d lines, want %d", len(got), len(lines))
	}
	for i := range lines {
		if got[i] != lines[i] {
			t.Errorf("line %d = %#v, want %#v", i, got[i], lines[i])
		}
	}
}

// FuzzLinesRoundTrip stores a line of arbitrary texts and reads it back.
func FuzzLinesRoundTrip(f *testing.F) {
	f.Add("D001", "VOL-2024Q3", "12.5", "2", "1250.00", 1)
	f.Add(`D"0\\1`, "\x00\x01", "\xff", "", "-0.00", -3)
	db, err := Open(filepath.Join(f.TempDir(), "incent.db"), time.Now)
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { db.Close() })
	f.Fuzz(func(t *testing.T, payee, program, measure, tier, amount string, version int) {
		want := Line{PayeeType: "dealer", Payee: payee, ProgramID: program, ProgramVersion: version, Kind: "calc", Currency: "USD", Measure: measure, Tier: tier, Amount: amount}
		got := storedLines(t, db, []Line{want})
		if len(got) != 1 || got[0] != want {
			t.Fatalf("read back %#v, want %#v", got, want)
		}
	})
}

// blobBench opens a new database, closed when b ends, and returns 32 MiB
// of content to archive.
func blobBench(b *testing.B) (*DB, []byte) {
	db, err := Open(filepath.Join(b.TempDir(), "incent.db"), time.Now)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	data := make([]byte, 32<<20)
	for i := range data {
		data[i] = byte(i * 7)
	}
	return db, data
}

// BenchmarkReadBlob reads a 32 MiB archived file back, as a calc without a
// snapshot reads each sales export.
func BenchmarkReadBlob(b *testing.B) {
	db, data := blobBench(b)
	tx, err := db.Begin(context.Background())
	if err != nil {
		b.Fatal(err)
	}
	defer tx.Rollback()
	sha, err := tx.PutBytes(data)
	if err != nil {
		b.Fatal(err)
	}
	buf := make([]byte, 1<<20)
	b.SetBytes(int64(len(data)))
	b.ResetTimer()
	for b.Loop() {
		r, err := tx.OpenBlob(sha)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := io.CopyBuffer(io.Discard, struct{ io.Reader }{r}, buf); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkPutBlob archives a 32 MiB file, streamed as a calc archives
// each new sales export, in a transaction then rolled back.
func BenchmarkPutBlob(b *testing.B) {
	db, data := blobBench(b)
	sha := shaOf(data)
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		tx, err := db.Begin(context.Background())
		if err != nil {
			b.Fatal(err)
		}
		if err := tx.PutBlob(sha, struct{ io.Reader }{bytes.NewReader(data)}); err != nil {
			b.Fatal(err)
		}
		tx.Rollback()
	}
}

// TestMigrateKeepsInputVersions opens a database made with the first
// schema only, holding an input version used by a run: the versions and
// the run's reference to them survive the rebuild of input_files, the same
// content can then be recorded again under its name, and references are
// still enforced.
func TestMigrateKeepsInputVersions(t *testing.T) {
	path := filepath.Join(t.TempDir(), "incent.db")
	firstSchemaDB(t, path)

	db := func() *DB {
		db, err := Open(path, time.Now)
		if err != nil {
			t.Fatal(err)
		}
		return db
	}()
	defer db.Close()
	tx, err := db.Begin(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	got, err := tx.LatestInput("sales", "data/s.csv")
	if err != nil || got == nil || got.Seq != 7 || got.SHA256 != "aa" {
		t.Fatalf("after the migration: %+v, %v; want version 7", got, err)
	}
	again := &InputFile{Kind: "sales", Name: "data/s.csv", SHA256: "aa", Profile: "{}"}
	if err := tx.AddInput(again); err != nil || again.Seq <= 7 {
		t.Fatalf("the same content again: seq %d, %v", again.Seq, err)
	}
	if got, _ := tx.LatestInput("sales", "data/s.csv"); got.Seq != again.Seq {
		t.Errorf("newest version %d, want %d", got.Seq, again.Seq)
	}
	if err := tx.AddInput(&InputFile{Kind: "sales", Name: "x.csv", SHA256: "no such blob", Profile: "{}"}); err == nil {
		t.Error("a version of a blob not in the archive was recorded: references are no longer enforced")
	}
}

// TestMigrateOpenedTwice opens a database of the first schema from several
// commands at once, as runs and verify may be: each must find it migrated,
// whichever applied the migration.
func TestMigrateOpenedTwice(t *testing.T) {
	path := filepath.Join(t.TempDir(), "incent.db")
	firstSchemaDB(t, path)
	errs := make(chan error, 4)
	for range 4 {
		go func() {
			db, err := Open(path, time.Now)
			if err == nil {
				err = db.Close()
			}
			errs <- err
		}()
	}
	for range 4 {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
}

// TestOpenRefusesNewerSchema opens a database a later build has migrated
// past this build's migrations: it is refused, saying both versions, and
// left as it was.
func TestOpenRefusesNewerSchema(t *testing.T) {
	path := filepath.Join(t.TempDir(), "incent.db")
	db, err := Open(path, time.Now)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.db.Exec(`INSERT INTO schema_migrations (version) VALUES (9)`); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	names, _ := fs.Glob(migrations, "migrations/*.sql")
	known := len(names) // numbered from 1
	_, err = Open(path, time.Now)
	ne, ok := errors.AsType[*NewerError](err)
	if !ok || ne.Schema != 9 || ne.Known != known {
		t.Fatalf("Open: %v; want a NewerError of schema 9 against %d", err, known)
	}
	if want := fmt.Sprintf("version 9, this build knows up to %d", known); !strings.Contains(err.Error(), want) {
		t.Errorf("message %q does not say both versions", err)
	}
	old, err := sql.Open("sqlite", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	defer old.Close()
	var n int
	if err := old.QueryRow(`SELECT count(*) FROM schema_migrations`).Scan(&n); err != nil || n != known+1 {
		t.Errorf("schema_migrations holds %d rows (%v) after the refusal; want the %d it had", n, err, known+1)
	}
}

// firstSchemaDB makes a database at path as the first schema left it,
// with an input version (seq 7) used by a run. It is in WAL mode, as every
// database incent has made is from its first connection: commands that
// open a database still in rollback mode at the same moment can find it
// locked while one of them turns it to WAL, which SQLite does without
// waiting.
func firstSchemaDB(t *testing.T, path string) {
	t.Helper()
	old, err := sql.Open("sqlite", "file:"+path+"?_pragma=journal_mode(WAL)&_pragma=foreign_keys(1)")
	if err != nil {
		t.Fatal(err)
	}
	first, _ := migrations.ReadFile("migrations/0001_init.sql")
	for _, stmt := range []string{
		`CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY)`, string(first), `INSERT INTO schema_migrations VALUES (1)`,
		`INSERT INTO blobs VALUES ('aa', 3, 1)`,
		`INSERT INTO input_files VALUES (7, 'sales', 'data/s.csv', 'aa', '{}', '2024-10-01T00:00:00Z')`,
		`INSERT INTO runs (id, period, seq, as_of, status, user, tool_version, started_at, finished_at, digest, manifest) VALUES ('2024Q3-R001', '2024Q3', 1, '', 'final', 'u', 'v', '', '', 'd', '{}')`,
		`INSERT INTO run_inputs VALUES ('2024Q3-R001', 7)`,
	} {
		if _, err := old.Exec(stmt); err != nil {
			t.Fatalf("%s: %v", stmt, err)
		}
	}
	old.Close()
}

// quarterLines opens a new database, closed when b ends, and makes the
// payout lines of a million-sale quarter: about 150,000, one per payee and
// program.
func quarterLines(b *testing.B) (*DB, []Line) {
	db, err := Open(filepath.Join(b.TempDir(), "incent.db"), func() time.Time { return time.Unix(0, 0).UTC() })
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	lines := make([]Line, 150_000)
	for i := range lines {
		lines[i] = Line{PayeeType: "dealer", Payee: fmt.Sprintf("D%04d", i/30), ProgramID: fmt.Sprintf("VOL-2024Q3-%02d", i%30), ProgramVersion: 1,
			Kind: "calc", Currency: "USD", Measure: fmt.Sprintf("%d.5", i%97), Tier: fmt.Sprint(i % 4), Amount: fmt.Sprintf("%d.%02d", i*7, i%100)}
	}
	return db, lines
}

// BenchmarkAddRunLines stores the payout lines of a million-sale quarter
// (about 150,000, one per payee and program), as every calc does, in a
// transaction then rolled back.
func BenchmarkAddRunLines(b *testing.B) {
	db, lines := quarterLines(b)
	run := &Run{ID: "2024Q3-R001", Period: "2024Q3", Seq: 1, Status: "final", Lines: lines}
	b.ReportAllocs()
	for b.Loop() {
		tx, err := db.Begin(context.Background())
		if err != nil {
			b.Fatal(err)
		}
		if err := tx.AddRunLines(run); err != nil {
			b.Fatal(err)
		}
		tx.Rollback()
	}
}

// BenchmarkGetRun reads back the payout lines of a million-sale quarter, as
// a run's statements, replay, verify and diff do.
func BenchmarkGetRun(b *testing.B) {
	db, lines := quarterLines(b)
	tx, err := db.Begin(context.Background())
	if err != nil {
		b.Fatal(err)
	}
	if err := tx.AddRun(&Run{ID: "2024Q3-R001", Period: "2024Q3", Seq: 1, Status: "final", Digest: Digest("2024Q3", lines), Lines: lines, Manifest: "{}"}); err != nil {
		b.Fatal(err)
	}
	if err := tx.Commit(); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		err := db.Read(context.Background(), func(tx *Tx) error {
			r, err := tx.GetRun("2024Q3-R001")
			if err == nil && len(r.Lines) != len(lines) {
				b.Fatalf("read %d lines", len(r.Lines))
			}
			return err
		})
		if err != nil {
			b.Fatal(err)
		}
	}
}
