package main

import (
	"bytes"
	"context"
	"database/sql"
	"maps"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/incent/incent/store"
)

// calculatedDemo returns a demo workspace and its configuration file, with
// run 2024Q3-R001 calculated without statements.
func calculatedDemo(t *testing.T) (dir, cfg string) {
	t.Helper()
	dir = demoWorkspace(t)
	cfg = filepath.Join(dir, "incent.yaml")
	if r := incentCmd(t, "calc", "--period", "2024Q3", "--config", cfg, "--statements=false"); r.code != 0 {
		t.Fatalf("calc: exit %d: %s", r.code, r.stderr)
	}
	return dir, cfg
}

// TestReplayFromArchiveAlone deletes and edits the workspace's input files
// after a run: replay still rebuilds it identically from the database.
func TestReplayFromArchiveAlone(t *testing.T) {
	dir, cfg := calculatedDemo(t)
	os.RemoveAll(filepath.Join(dir, "data", "sales"))
	os.WriteFile(filepath.Join(dir, "programs", "VOL-2024Q3.yaml"), []byte("id: broken\n"), 0o644)
	r := incentCmd(t, "replay", "2024Q3-R001", "--config", cfg)
	if r.code != 0 || !strings.Contains(r.stdout, "2024Q3-R001: identical") {
		t.Errorf("replay: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	if r := incentCmd(t, "verify", "--config", cfg); r.code != 0 || !strings.Contains(r.stdout, "verified: ") {
		t.Errorf("verify: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	for _, args := range [][]string{{"replay", "2024Q3-R999"}, {"diff", "2024Q3-R001", "2024Q3-R999"}, {"runs", "show", "2024Q3-R999"}} {
		if r := incentCmd(t, append(args, "--config", cfg)...); r.code != 2 || !strings.Contains(r.stderr, "2024Q3-R999 does not exist") {
			t.Errorf("%v of an unknown run: exit %d, %s; want 2 naming it", args, r.code, r.stderr)
		}
	}
}

// TestStatementsCommand renders one payee's statements for a run calculated
// without them, then all of them.
func TestStatementsCommand(t *testing.T) {
	dir, cfg := calculatedDemo(t)
	stDir := filepath.Join(dir, "out", "2024Q3", "2024Q3-R001", "statements")
	r := incentCmd(t, "statements", "--run", "2024Q3-R001", "--payee", "D003", "--config", cfg)
	if r.code != 0 || !strings.Contains(r.stdout, "1 statements written") {
		t.Fatalf("statements --payee: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	entries, _ := os.ReadDir(stDir)
	if len(entries) != 2 {
		t.Errorf("statements folder holds %d files, want D003.pdf and D003.xlsx", len(entries))
	}
	// The demo has five dealers, one group and salespeople.
	r = incentCmd(t, "statements", "--run", "2024Q3-R001", "--type", "dealer", "--config", cfg)
	if r.code != 0 || !strings.Contains(r.stdout, "5 statements written") {
		t.Fatalf("statements --type dealer: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	entries, _ = os.ReadDir(stDir)
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	want := []string{"D001.pdf", "D001.xlsx", "D002.pdf", "D002.xlsx", "D003.pdf", "D003.xlsx", "D004.pdf", "D004.xlsx", "D005.pdf", "D005.xlsx"}
	if diff := cmp.Diff(want, names); diff != "" {
		t.Errorf("statements of the dealers (-want +got):\n%s", diff)
	}
	if r := incentCmd(t, "statements", "--run", "2024Q3-R001", "--type", "dealers", "--config", cfg); r.code != 2 || !strings.Contains(r.stderr, "expected dealer, group or salesperson") {
		t.Errorf("--type dealers: exit %d, %s; want 2 naming the kinds", r.code, r.stderr)
	}
	if r := incentCmd(t, "statements", "--run", "2024Q3-R001", "--config", cfg); r.code != 0 {
		t.Fatalf("statements: exit %d: %s", r.code, r.stderr)
	}
	if _, err := os.Stat(filepath.Join(stDir, "S-D001-1.pdf")); err != nil {
		t.Errorf("salesperson statement missing: %v", err)
	}
	if r := incentCmd(t, "statements", "--run", "2024Q3-R001", "--payee", "NOPE", "--config", cfg); r.code != 2 {
		t.Errorf("unknown payee: exit %d, want 2", r.code)
	}
}

// readFiles returns the contents of the files in dir by name.
func readFiles(t *testing.T, dir string) map[string][]byte {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	files := map[string][]byte{}
	for _, e := range entries {
		if files[e.Name()], err = os.ReadFile(filepath.Join(dir, e.Name())); err != nil {
			t.Fatal(err)
		}
	}
	return files
}

// TestStatementsAloneOrInTurn renders every statement of a run on one
// worker, so each is built in the memory of the one before, then each on
// its own: the files are the same bytes.
func TestStatementsAloneOrInTurn(t *testing.T) {
	dir, cfg := calculatedDemo(t)
	stDir := filepath.Join(dir, "out", "2024Q3", "2024Q3-R001", "statements")
	if r := incentCmd(t, "statements", "--run", "2024Q3-R001", "--workers", "1", "--config", cfg); r.code != 0 {
		t.Fatalf("statements --workers 1: exit %d: %s", r.code, r.stderr)
	}
	inTurn := readFiles(t, stDir)
	if len(inTurn) < 10 {
		t.Fatalf("%d statement files, want those of the dealers, the group and the salespeople", len(inTurn))
	}
	if err := os.RemoveAll(stDir); err != nil {
		t.Fatal(err)
	}
	for name := range inTurn {
		payee, ok := strings.CutSuffix(name, ".pdf")
		if !ok {
			continue
		}
		if strings.HasPrefix(payee, "group-") || strings.HasPrefix(payee, "salesperson-") {
			continue // named by kind: its code alone would find two payees
		}
		if r := incentCmd(t, "statements", "--run", "2024Q3-R001", "--payee", payee, "--config", cfg); r.code != 0 {
			t.Fatalf("statements --payee %s: exit %d: %s", payee, r.code, r.stderr)
		}
	}
	for name, want := range inTurn {
		got, err := os.ReadFile(filepath.Join(stDir, name))
		if err != nil {
			if strings.HasPrefix(name, "group-") || strings.HasPrefix(name, "salesperson-") {
				continue
			}
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s rendered on its own differs from the one rendered after the others", name)
		}
	}
}

// TestStatementsByKind renders every statement of a run, then each kind of
// payee's alone, which computes only that kind's programs again: the files
// are the same bytes.
func TestStatementsByKind(t *testing.T) {
	dir, cfg := calculatedDemo(t)
	stDir := filepath.Join(dir, "out", "2024Q3", "2024Q3-R001", "statements")
	if r := incentCmd(t, "statements", "--run", "2024Q3-R001", "--config", cfg); r.code != 0 {
		t.Fatalf("statements: exit %d: %s", r.code, r.stderr)
	}
	all := readFiles(t, stDir)
	got := map[string][]byte{}
	for _, kind := range []string{"dealer", "group", "salesperson"} {
		if err := os.RemoveAll(stDir); err != nil {
			t.Fatal(err)
		}
		if r := incentCmd(t, "statements", "--run", "2024Q3-R001", "--type", kind, "--config", cfg); r.code != 0 {
			t.Fatalf("statements --type %s: exit %d: %s", kind, r.code, r.stderr)
		}
		maps.Copy(got, readFiles(t, stDir))
	}
	if len(got) != len(all) {
		t.Errorf("%d files rendered kind by kind, %d all at once", len(got), len(all))
	}
	for name, want := range all {
		if !bytes.Equal(got[name], want) {
			t.Errorf("%s rendered with its kind alone differs from the one rendered with every payee's", name)
		}
	}
}

// TestStatementsOfAlteredRun alters a stored run's payout lines: the
// statements of one payee, which compute only that payee's lines again, are
// refused like those of everyone, whether the altered line is another
// payee's or, with the digest altered to match, the payee's own.
func TestStatementsOfAlteredRun(t *testing.T) {
	dir, cfg := calculatedDemo(t)
	dbPath := filepath.Join(dir, "incent.db")
	exec := func(q string, args ...any) {
		t.Helper()
		db, err := sql.Open("sqlite", dbPath)
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		if _, err := db.Exec(q, args...); err != nil {
			t.Fatal(err)
		}
	}
	exec(`DROP TRIGGER run_lines_no_update; DROP TRIGGER runs_no_update`)
	exec(`UPDATE run_lines SET lines = json_set(lines, '$[' || ((SELECT min(n) FROM all_payout_lines WHERE payee = 'D001') - first) || '][8]', '1.00')
		WHERE first = (SELECT max(first) FROM run_lines WHERE first <= (SELECT min(n) FROM all_payout_lines WHERE payee = 'D001'))`)
	for _, payee := range []string{"D001", "D002"} {
		r := incentCmd(t, "statements", "--run", "2024Q3-R001", "--payee", payee, "--config", cfg)
		if r.code != 4 || !strings.Contains(r.stderr, "no longer match its result digest") {
			t.Errorf("statements --payee %s of an altered line: exit %d, %s; want 4 naming the digest", payee, r.code, r.stderr)
		}
	}

	// Replay recomputes the same digest as the one stored, but the stored
	// line is not what it recomputes.
	if r := incentCmd(t, "replay", "2024Q3-R001", "--config", cfg); r.code != 4 || !strings.Contains(r.stderr, "stored as dealer D001") {
		t.Errorf("replay of an altered line under its digest: exit %d, %s; want 4 naming the line", r.code, r.stderr)
	}
	// Replayed by another version of incent, the difference says so.
	made := version
	version = "9.9.9-test"
	r := incentCmd(t, "replay", "2024Q3-R001", "--config", cfg)
	version = made
	if r.code != 4 || !strings.Contains(r.stderr, "made by incent "+made+" and replayed by 9.9.9-test") {
		t.Errorf("replay by another version: exit %d, %s; want 4 naming both versions", r.code, r.stderr)
	}

	// The digest altered to match the altered line: only the statements
	// that show the line are refused.
	db, err := store.Open(dbPath, time.Now)
	if err != nil {
		t.Fatal(err)
	}
	var run *store.Run
	err = db.Read(context.Background(), func(tx *store.Tx) (err error) { run, err = tx.GetRun("2024Q3-R001"); return err })
	db.Close()
	if err != nil {
		t.Fatal(err)
	}
	exec(`UPDATE runs SET digest = ? WHERE id = '2024Q3-R001'`, store.Digest(run.Period, run.Lines))
	r = incentCmd(t, "statements", "--run", "2024Q3-R001", "--payee", "D001", "--config", cfg)
	if r.code != 4 || !strings.Contains(r.stderr, "does not replay identically") || !strings.Contains(r.stderr, "1.00 USD but replays as") {
		t.Errorf("statements --payee D001 of its altered line: exit %d, %s; want 4 showing the line", r.code, r.stderr)
	}
	if r := incentCmd(t, "statements", "--run", "2024Q3-R001", "--type", "dealer", "--config", cfg); r.code != 4 {
		t.Errorf("statements --type dealer: exit %d, want 4", r.code)
	}
	if r := incentCmd(t, "statements", "--run", "2024Q3-R001", "--payee", "D002", "--config", cfg); r.code != 0 {
		t.Errorf("statements --payee D002, whose lines are as stored: exit %d: %s", r.code, r.stderr)
	}
}

// TestVerifyFindsMissingRecords deletes records the way an outside tool
// would: verify must name them (exit 4), not pass.
func TestVerifyFindsMissingRecords(t *testing.T) {
	for _, tc := range []struct{ name, tamper, want string }{
		{"an input's archived file", `DELETE FROM blob_chunks WHERE sha256 = (SELECT sha256 FROM input_files WHERE name = 'data/sales/2024-09.csv');
			DELETE FROM blobs WHERE sha256 = (SELECT sha256 FROM input_files WHERE name = 'data/sales/2024-09.csv')`,
			"input data/sales/2024-09.csv (version 6): its archived file is missing"},
		{"a run's input", `DELETE FROM run_inputs WHERE seq = 6`, "run 2024Q3-R001: the input versions recorded for it differ from those its manifest lists"},
		{"an input's profile", `UPDATE input_files SET profile = '{"name":"cdk"}' WHERE seq = 6`,
			"run 2024Q3-R001: the input versions recorded for it differ from those its manifest lists"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir, cfg := calculatedDemo(t)
			db, err := sql.Open("sqlite", filepath.Join(dir, "incent.db")) // foreign keys off, triggers dropped
			if err != nil {
				t.Fatal(err)
			}
			if _, err := db.Exec(`DROP TRIGGER blobs_no_delete; ` + tc.tamper); err != nil {
				t.Fatal(err)
			}
			db.Close()
			if r := incentCmd(t, "verify", "--config", cfg); r.code != 4 || !strings.Contains(r.stderr, tc.want) {
				t.Errorf("verify: exit %d, %s; want 4 and %q", r.code, r.stderr, tc.want)
			}
		})
	}
}
