package workspace

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/incent/incent"
	"github.com/incent/incent/calc"
	"github.com/incent/incent/rules"
	"github.com/incent/incent/store"
)

// calcRun runs a calc of c and returns the run's id and its log's path.
func calcRun(t *testing.T, c *Config, p incent.Period, progress *[]string) (string, string) {
	t.Helper()
	sum, err := c.Calc(context.Background(), testEnv(progress), CalcOptions{Period: p, AsOf: incent.NoDate})
	if err != nil {
		t.Fatal(err)
	}
	return sum.RunID, filepath.Join(c.Dir, "out", p.Code, sum.RunID, logName)
}

// manifestLogSHA is the log's SHA-256 in a run's manifest.json.
func manifestLogSHA(t *testing.T, logPath string) string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(filepath.Dir(logPath), "manifest.json"))
	if err != nil {
		t.Fatal(err)
	}
	var m Manifest
	if err := json.Unmarshal(data, &m); err != nil {
		t.Fatal(err)
	}
	return m.Files[logName]
}

func sha256Hex(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

func mustRead(t *testing.T, path string) []byte {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func sameFile(t *testing.T, a, b string) bool {
	t.Helper()
	fa, err := os.Stat(a)
	if err != nil {
		t.Fatal(err)
	}
	fb, err := os.Stat(b)
	if err != nil {
		t.Fatal(err)
	}
	return os.SameFile(fa, fb)
}

// TestRerunReusesLog runs calc over the same inputs again and again: each
// rerun takes the earlier run's log, until that log is changed behind the
// workspace's back, or the programs change; then the log is written anew,
// and it is the log a calc of its own would write.
func TestRerunReusesLog(t *testing.T) {
	c, p := genConfig(t, 10, 3000)
	id1, log1 := calcRun(t, c, p, nil)
	want := mustRead(t, log1)
	if got := manifestLogSHA(t, log1); got != sha256Hex(want) {
		t.Fatalf("first run's manifest names log %s, the log is %s", got, sha256Hex(want))
	}

	var progress []string
	id2, log2 := calcRun(t, c, p, &progress)
	if !bytes.Equal(mustRead(t, log2), want) || manifestLogSHA(t, log2) != sha256Hex(want) {
		t.Fatalf("%s: the log or its manifest's SHA-256 differs from %s's", id2, id1)
	}
	if !sameFile(t, log1, log2) {
		t.Errorf("%s wrote its log again: want %s's, linked", id2, id1)
	}
	if !strings.Contains(strings.Join(progress, "\n"), "reusing its calculation log") {
		t.Errorf("no progress says the log is reused:\n%s", strings.Join(progress, "\n"))
	}

	// The record names the run and, on Linux, its log's stamp, taken
	// once the file system's clock has moved past the log's last change.
	record := mustRead(t, c.lastLogPath())
	lines := strings.Split(string(record), "\n")
	if len(lines) != 5 || lines[2] != id2 {
		t.Fatalf("record %q: want %s's key and id", record, id2)
	}
	if fi, err := os.Stat(log2); stampsRead() && (err != nil || !strings.Contains(lines[3], ":"+strconv.FormatInt(fi.Size(), 10)+":")) {
		t.Errorf("record %q: want the stamp of %s's log", record, id2)
	}
	// Without the stamp the log is read and hashed, and still taken.
	lines[3] = ""
	if err := os.WriteFile(c.lastLogPath(), []byte(strings.Join(lines, "\n")), 0o644); err != nil {
		t.Fatal(err)
	}
	_, log3 := calcRun(t, c, p, nil)
	if !sameFile(t, log2, log3) || !bytes.Equal(mustRead(t, log3), want) {
		t.Errorf("an unchanged log whose stamp is not recorded was not reused")
	}

	// A log changed in place, to the same size, is not taken, and the
	// next run writes its own.
	changed := bytes.Clone(want)
	changed[len(changed)/2] ^= 1
	if err := os.WriteFile(log3, changed, 0o644); err != nil {
		t.Fatal(err)
	}
	_, log4 := calcRun(t, c, p, nil)
	if sameFile(t, log3, log4) {
		t.Errorf("a log changed since its run was linked into the next run")
	}
	if got := mustRead(t, log4); !bytes.Equal(got, want) || manifestLogSHA(t, log4) != sha256Hex(want) {
		t.Errorf("after a changed log, the log written is not the calculation's")
	}

	// Other programs are another log.
	prog := filepath.Join(c.Path(c.Programs), firstProgram(t, c))
	src := mustRead(t, prog)
	if err := os.WriteFile(prog, append(src, "\n# reviewed\n"...), 0o644); err != nil {
		t.Fatal(err)
	}
	_, log5 := calcRun(t, c, p, nil)
	if sameFile(t, log4, log5) {
		t.Errorf("a run over a changed program file took the earlier run's log")
	}
}

// TestRerunAfterProvisional reruns a close after a provisional calc in
// between: the provisional run is another log, and the rerun still takes
// the first run's.
func TestRerunAfterProvisional(t *testing.T) {
	c, p := genConfig(t, 10, 3000)
	id1, log1 := calcRun(t, c, p, nil)
	asOf, err := incent.ParseDate("2024-08-31")
	if err != nil {
		t.Fatal(err)
	}
	sum, err := c.Calc(context.Background(), testEnv(nil), CalcOptions{Period: p, AsOf: asOf})
	if err != nil {
		t.Fatal(err)
	}
	logP := filepath.Join(c.Dir, "out", p.Code, sum.RunID, logName)
	if sameFile(t, log1, logP) || bytes.Equal(mustRead(t, log1), mustRead(t, logP)) {
		t.Fatalf("the provisional run %s has %s's log: nothing tested", sum.RunID, id1)
	}
	var progress []string
	id3, log3 := calcRun(t, c, p, &progress)
	if !sameFile(t, log1, log3) {
		t.Errorf("%s wrote its log again: want %s's, linked, past the provisional %s", id3, id1, sum.RunID)
	}
	if !strings.Contains(strings.Join(progress, "\n"), "reusing its calculation log") {
		t.Errorf("no progress says the log is reused:\n%s", strings.Join(progress, "\n"))
	}
}

// TestRefusedRerunLeavesLog checks that a rerun refused for too many
// rejects, which had begun taking the earlier log, leaves no folder
// behind and the earlier log as it was.
func TestRefusedRerunLeavesLog(t *testing.T) {
	c, p := genConfig(t, 10, 3000)
	_, log1 := calcRun(t, c, p, nil)
	want := mustRead(t, log1)
	c.MaxRejects = "0"
	var progress []string
	_, err := c.Calc(context.Background(), testEnv(&progress), CalcOptions{Period: p, AsOf: incent.NoDate})
	var e *Error
	if !errors.As(err, &e) || e.Code != ExitRejected {
		t.Fatalf("error %v, want the max_rejects refusal", err)
	}
	if !strings.Contains(strings.Join(progress, "\n"), "reusing its calculation log") {
		t.Errorf("the refused rerun did not take the earlier log: nothing tested")
	}
	entries, err := os.ReadDir(filepath.Dir(filepath.Dir(log1)))
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 1 {
		t.Errorf("a refused rerun left %d folders, want the first run's alone", len(entries))
	}
	if got := mustRead(t, log1); !bytes.Equal(got, want) {
		t.Errorf("the first run's log changed")
	}
}

func firstProgram(t *testing.T, c *Config) string {
	t.Helper()
	entries, err := os.ReadDir(c.Path(c.Programs))
	if err != nil || len(entries) == 0 {
		t.Fatalf("programs: %v", err)
	}
	return entries[0].Name()
}

// stampsRead reports whether fileStamp reads this system's stamps (Linux
// and macOS do).
func stampsRead() bool {
	_, ok := statFile(".")
	return ok
}

// stampedFile writes data to a new file and returns its path; the test is
// skipped where stamps are not read.
func stampedFile(t *testing.T, data string) string {
	t.Helper()
	if !stampsRead() {
		t.Skip("this system's file stamps are not read")
	}
	path := filepath.Join(t.TempDir(), "f.jsonl")
	if err := os.WriteFile(path, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestReusedLogStamp checks what take trusts: a log whose stamp is the
// recorded one is linked without being read, and one without a recorded
// stamp is read, and refused when it is not the log the manifest names.
func TestReusedLogStamp(t *testing.T) {
	src := stampedFile(t, "{\"sale\":1}\n")
	dir := filepath.Dir(src)
	time.Sleep(2 * stampMargin) // so that a stamp is taken of it now
	wrongSHA := strings.Repeat("0", 64)
	later := time.Now().Add(time.Second)
	for _, tc := range []struct {
		name    string
		stamp   string
		wantErr error
	}{
		{"stamp as recorded", fileStamp(src, later), nil},
		{"no stamp", "", errLogChanged},
		{"other stamp", "1:2:3:4.000000005:6.000000007", errLogChanged},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dst := filepath.Join(dir, "dst.jsonl")
			l := &reusedLog{path: dst, stamp: tc.stamp, sha: wrongSHA, quit: make(chan struct{})}
			err := l.take(src)
			if !errors.Is(err, tc.wantErr) {
				t.Fatalf("take: %v, want %v", err, tc.wantErr)
			}
			_, serr := os.Stat(dst)
			if tc.wantErr == nil && serr != nil {
				t.Errorf("nothing at the log's path: %v", serr)
			}
			if tc.wantErr != nil && serr == nil {
				t.Errorf("a refused log was left at the log's path")
			}
			os.Remove(dst)
		})
	}
}

// TestFileStamp checks that a file's stamp changes with a write of the same
// size, and that none is taken of a file changed just now.
func TestFileStamp(t *testing.T) {
	path := stampedFile(t, "one")
	if s := fileStamp(path, time.Now()); s != "" {
		t.Errorf("stamp %q of a file changed just now, want none", s)
	}
	later := time.Now().Add(time.Second)
	first := fileStamp(path, later)
	if first == "" || fileStamp(path, later) != first {
		t.Fatalf("stamp %q, then %q: want the same one twice", first, fileStamp(path, later))
	}
	time.Sleep(2 * stampMargin) // past a tick of the file system's clock
	if err := os.WriteFile(path, []byte("two"), 0o644); err != nil {
		t.Fatal(err)
	}
	if s := fileStamp(path, later.Add(time.Second)); s == first || s == "" {
		t.Errorf("stamp %q after a write of the same size, %q before", s, first)
	}
	if s := fileStamp(filepath.Join(t.TempDir(), "none"), later); s != "" {
		t.Errorf("stamp %q of no file", s)
	}
}

// TestSettledStamp checks that the stamp of a file written just now is
// taken once the margin has passed, and is the file's stamp.
func TestSettledStamp(t *testing.T) {
	path := stampedFile(t, "{}\n")
	got := settledStamp(path)
	if want := fileStamp(path, time.Now().Add(time.Hour)); got == "" || got != want {
		t.Errorf("settledStamp of a file written just now: %q, want %q", got, want)
	}
	if got := settledStamp(filepath.Join(t.TempDir(), "none")); got != "" {
		t.Errorf("settledStamp of no file: %q", got)
	}
}

// TestStampable checks how long ago a file must have changed for its
// stamp to be taken, on file systems of fine and of whole-second times.
func TestStampable(t *testing.T) {
	fine := time.Date(2024, 10, 15, 9, 0, 0, 123456789, time.UTC)
	coarse := time.Date(2024, 10, 15, 9, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		changed time.Time
		after   time.Duration
		want    bool
	}{
		{fine, 0, false},
		{fine, 19 * time.Millisecond, false},
		{fine, 20 * time.Millisecond, true},
		{fine, time.Hour, true},
		{fine, -time.Second, false}, // a clock set back
		{coarse, 20 * time.Millisecond, false},
		{coarse, 1999 * time.Millisecond, false},
		{coarse, 2 * time.Second, true},
	} {
		if got := stampable(tc.changed, tc.changed.Add(tc.after)); got != tc.want {
			t.Errorf("changed at %s, stamped %s later: %v, want %v", tc.changed.Format(time.StampNano), tc.after, got, tc.want)
		}
	}
}

// TestReusedLogOtherPayouts checks that a log taken from an earlier run is
// not kept when the payouts calculated now are not that run's: the log is
// written as a calc writes it.
func TestReusedLogOtherPayouts(t *testing.T) {
	cp := generatedComputed(t, 6, 1500)
	var want bytes.Buffer
	if err := cp.writeLog(&want); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name   string
		digest string
		err    error
	}{
		{"other digest", strings.Repeat("f", 64), nil},
		{"not taken", cp.digest, errLogChanged},
	} {
		t.Run(tc.name, func(t *testing.T) {
			// The log's path is a link to the earlier run's log, which
			// must stay as it is.
			dir := t.TempDir()
			earlier, path := filepath.Join(dir, "earlier.jsonl"), filepath.Join(dir, logName)
			if err := os.WriteFile(earlier, []byte("an earlier run's log\n"), 0o644); err != nil {
				t.Fatal(err)
			}
			if err := os.Link(earlier, path); err != nil {
				t.Fatal(err)
			}
			l := &reusedLog{path: path, sha: strings.Repeat("a", 64), digest: tc.digest, err: tc.err, done: make(chan struct{})}
			close(l.done)
			sha, err := l.finish(cp)
			if err != nil {
				t.Fatal(err)
			}
			if got := mustRead(t, path); !bytes.Equal(got, want.Bytes()) || sha != sha256Hex(want.Bytes()) {
				t.Errorf("log of %d bytes with SHA-256 %s, want the calculation's %d bytes, %s", len(got), sha, want.Len(), sha256Hex(want.Bytes()))
			}
			if got := string(mustRead(t, earlier)); got != "an earlier run's log\n" {
				t.Errorf("the earlier run's log was written through its link: %.40q", got)
			}
		})
	}
}

// TestHashCopy copies files around the size of its chunks and checks the
// bytes and the SHA-256; closing quit stops a copy.
func TestHashCopy(t *testing.T) {
	const chunk = 4 << 20
	dir := t.TempDir()
	for _, n := range []int{0, 1, 4095, 4097, chunk - 1, chunk, chunk + 1, 2*chunk + 12345} {
		data := make([]byte, n)
		for i := range data {
			data[i] = byte(i*7 + i/4096)
		}
		src := filepath.Join(dir, "src")
		if err := os.WriteFile(src, data, 0o644); err != nil {
			t.Fatal(err)
		}
		sum, err := hashCopy(src, nil, nil)
		if err != nil || sum != sha256Hex(data) {
			t.Errorf("%d bytes, no copy: %s, %v; want %s", n, sum, err, sha256Hex(data))
		}
		dst := filepath.Join(dir, "dst")
		w, err := createDirect(dst)
		if err != nil {
			t.Fatal(err)
		}
		sum, err = hashCopy(src, w, nil)
		if cerr := w.Close(); err == nil {
			err = cerr
		}
		if err != nil || sum != sha256Hex(data) || !bytes.Equal(mustRead(t, dst), data) {
			t.Errorf("%d bytes copied: SHA-256 %s, %v; want %s and the same bytes", n, sum, err, sha256Hex(data))
		}
	}
	quit := make(chan struct{})
	close(quit)
	if _, err := hashCopy(filepath.Join(dir, "src"), nil, quit); !errors.Is(err, errCopyAbandoned) {
		t.Errorf("copy after quit: %v, want %v", err, errCopyAbandoned)
	}
	if _, err := hashCopy(filepath.Join(dir, "none"), nil, nil); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("copy of no file: %v", err)
	}
}

// TestLogKey changes each thing a log depends on, one at a time: each
// gives another key, and the same things give the same key.
func TestLogKey(t *testing.T) {
	p3, _ := incent.ParsePeriod("2024Q3")
	p4, _ := incent.ParsePeriod("2024Q4")
	asOf, err := incent.ParseDate("2024-08-31")
	if err != nil {
		t.Fatal(err)
	}
	files := []store.InputFile{{Seq: 1, Kind: "sales", Name: "data/sales/a.csv", SHA256: strings.Repeat("1", 64), Profile: "p"}}
	progs := func(edit func([]*rules.Program)) []*rules.Program {
		ps := []*rules.Program{
			{ID: "VOL", Version: 1, File: "programs/vol.yaml", SHA256: strings.Repeat("2", 64)},
			{ID: "SS", Version: 2, File: "programs/ss.yaml", SHA256: strings.Repeat("3", 64)},
		}
		if edit != nil {
			edit(ps)
		}
		return ps
	}
	opts := CalcOptions{Period: p3, AsOf: incent.NoDate}
	base, ok := logKey(files, opts, progs(nil), incent.HalfUp)
	if !ok {
		t.Fatal("no key for a test binary")
	}
	if again, _ := logKey(files, opts, progs(nil), incent.HalfUp); again != base {
		t.Fatal("the same things gave two keys")
	}
	otherFiles := []store.InputFile{files[0]}
	otherFiles[0].SHA256 = strings.Repeat("9", 64)
	for _, tc := range []struct {
		name     string
		files    []store.InputFile
		opts     CalcOptions
		progs    []*rules.Program
		rounding incent.Rounding
	}{
		{"input file", otherFiles, opts, progs(nil), incent.HalfUp},
		{"period", files, CalcOptions{Period: p4, AsOf: incent.NoDate}, progs(nil), incent.HalfUp},
		{"as-of", files, CalcOptions{Period: p3, AsOf: asOf}, progs(nil), incent.HalfUp},
		{"rounding", files, opts, progs(nil), incent.HalfEven},
		{"program content", files, opts, progs(func(ps []*rules.Program) { ps[0].SHA256 = strings.Repeat("4", 64) }), incent.HalfUp},
		{"program version", files, opts, progs(func(ps []*rules.Program) { ps[1].Version = 3 }), incent.HalfUp},
		{"program file", files, opts, progs(func(ps []*rules.Program) { ps[0].File = "programs/volume.yaml" }), incent.HalfUp},
		{"program order", files, opts, progs(func(ps []*rules.Program) { ps[0], ps[1] = ps[1], ps[0] }), incent.HalfUp},
		{"one program less", files, opts, progs(nil)[:1], incent.HalfUp},
	} {
		if k, _ := logKey(tc.files, tc.opts, tc.progs, tc.rounding); k == base {
			t.Errorf("%s: the same key", tc.name)
		}
	}
	statementsOnly := opts
	statementsOnly.pay = func(calc.Payee) bool { return true }
	if _, ok := logKey(files, statementsOnly, progs(nil), incent.HalfUp); ok {
		t.Errorf("a key for the payout lines of some payees only")
	}
}

// TestLastLogRecord reads records of the latest logs: only a whole record
// gives a run, and only the run of the key asked for.
func TestLastLogRecord(t *testing.T) {
	c := &Config{Dir: t.TempDir(), DB: "incent.db"}
	var key, other [32]byte
	key[0], other[0] = 1, 2
	c.saveLastLog(key, "2024Q3-R002", "5:6:7:8.9:10.11")
	if id, stamp, ok := c.lastLog(key); !ok || id != "2024Q3-R002" || stamp != "5:6:7:8.9:10.11" {
		t.Fatalf("lastLog: %q %q %v", id, stamp, ok)
	}
	if _, _, ok := c.lastLog(other); ok {
		t.Errorf("a record of another key was taken")
	}
	good := string(mustRead(t, c.lastLogPath()))
	for _, bad := range []string{
		"",
		lastLogMagic,
		strings.Replace(good, lastLogMagic, "incent last calculation log 2\n", 1),
		strings.TrimSuffix(good, "\n"),
		good + "more\n",
		good + hex.EncodeToString(other[:]) + "\n2024Q3-R001\n",
		strings.Replace(good, "2024Q3-R002", "../2024Q3-R002", 1),
		strings.Replace(good, "2024Q3-R002", "", 1),
		strings.Replace(good, "0100", "01", 1),
		strings.Replace(good, "0100", "01AB", 1),
	} {
		if err := os.WriteFile(c.lastLogPath(), []byte(bad), 0o644); err != nil {
			t.Fatal(err)
		}
		if id, _, ok := c.lastLog(key); ok {
			t.Errorf("record %q gave run %q", bad, id)
		}
	}
}

// TestLastLogsKept saves the logs of several keys: each is found until
// maxLastLogs later ones have been saved, and a key saved again names its
// latest run only.
func TestLastLogsKept(t *testing.T) {
	c := &Config{Dir: t.TempDir(), DB: "incent.db"}
	keys := make([][32]byte, 10)
	for i := range keys {
		keys[i][0] = byte(i + 1)
	}
	for i, k := range keys[:3] {
		c.saveLastLog(k, "2024Q3-R00"+strconv.Itoa(i+1), "")
	}
	for i, k := range keys[:3] {
		if id, _, ok := c.lastLog(k); !ok || id != "2024Q3-R00"+strconv.Itoa(i+1) {
			t.Errorf("key %d: %q %v, want run %d", i, id, ok, i+1)
		}
	}
	// The first key again, by a later run: one entry, that run's.
	c.saveLastLog(keys[0], "2024Q3-R004", "1:2:3:4.5:6.7")
	if id, stamp, ok := c.lastLog(keys[0]); !ok || id != "2024Q3-R004" || stamp != "1:2:3:4.5:6.7" {
		t.Errorf("key 0 saved again: %q %q %v", id, stamp, ok)
	}
	if n := strings.Count(string(mustRead(t, c.lastLogPath())), hex.EncodeToString(keys[0][:])); n != 1 {
		t.Errorf("key 0 is in the record %d times", n)
	}
	// Seven more keys make eight with key 0's latest run: keys 1 and 2,
	// saved before it, go.
	for i, k := range keys[3:] {
		c.saveLastLog(k, "2024Q3-R0"+strconv.Itoa(10+i), "")
	}
	for i, want := range []bool{true, false, false, true, true, true, true, true, true, true} {
		if _, _, ok := c.lastLog(keys[i]); ok != want {
			t.Errorf("key %d found %v, want %v", i, ok, want)
		}
	}
}

// FuzzLastLogRecord reads any record without failing, and gives a run only
// for a record of the key asked for.
func FuzzLastLogRecord(f *testing.F) {
	var key [32]byte
	f.Add([]byte(lastLogMagic + hex.EncodeToString(key[:]) + "\n2024Q3-R001\n1:2:3:4.5:6.7\n"))
	f.Add([]byte(lastLogMagic))
	f.Fuzz(func(t *testing.T, data []byte) {
		c := &Config{Dir: t.TempDir(), DB: "incent.db"}
		if err := os.WriteFile(c.lastLogPath(), data, 0o644); err != nil {
			t.Fatal(err)
		}
		id, _, ok := c.lastLog(key)
		if ok && (id == "" || strings.ContainsAny(id, "/\\.\n") || !bytes.HasPrefix(data, []byte(lastLogMagic)) ||
			!bytes.Contains(data, []byte("\n"+hex.EncodeToString(key[:])+"\n"+id+"\n"))) {
			t.Errorf("record %q gave run %q", data, id)
		}
	})
}
