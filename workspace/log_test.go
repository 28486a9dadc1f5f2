package workspace

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"maps"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"slices"
	"strings"
	"testing"

	"github.com/incent/incent"
	"github.com/incent/incent/calc"
	"github.com/incent/incent/rules"
)

// calcLog runs a calc of a generated workspace and returns its log.
func calcLog(t *testing.T, dealers, sales int) []byte {
	t.Helper()
	c, p := genConfig(t, dealers, sales)
	sum, err := c.Calc(context.Background(), testEnv(nil), CalcOptions{Period: p, AsOf: incent.NoDate})
	if err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(filepath.Join(c.Dir, "out", "2024Q3", sum.RunID, "calc-log.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// TestLogSaleLinesMatchEncodingJSON checks the hand-written sale lines of
// the calculation log against encoding/json: each line decodes into
// logSale with no unknown field and encodes back to the same bytes.
func TestLogSaleLinesMatchEncodingJSON(t *testing.T) {
	data := calcLog(t, 30, 12000)
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(nil, 1<<20)
	var sales, revenue, splits, reversals int
	for sc.Scan() {
		line := sc.Bytes()
		if !bytes.HasPrefix(line, []byte(`{"sale":`)) {
			continue
		}
		sales++
		var s logSale
		dec := json.NewDecoder(bytes.NewReader(line))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&s); err != nil {
			t.Fatalf("line %d: %v\n%s", sales, err, line)
		}
		var want bytes.Buffer
		enc := json.NewEncoder(&want)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(s); err != nil {
			t.Fatal(err)
		}
		if got := string(line) + "\n"; got != want.String() {
			t.Fatalf("line %d differs from encoding/json:\ngot  %swant %s", sales, got, want.String())
		}
		if len(s.Revenue) > 0 {
			revenue++
		}
		for _, credits := range s.Counts {
			if len(credits) > 1 {
				splits++
				break
			}
		}
		if s.Reverses != "" {
			reversals++
		}
	}
	// The generated quarter has each kind of line this test is meant to
	// cover; a generator change that drops one must not pass unnoticed.
	if sales < 11000 || revenue == 0 || splits == 0 || reversals == 0 {
		t.Errorf("%d sale lines, %d with revenue, %d split, %d reversals: want every kind", sales, revenue, splits, reversals)
	}
}

// TestLogSameOnOneCore checks that the log formatted by four goroutines
// is the one formatted by one.
func TestLogSameOnOneCore(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(4))
	many := calcLog(t, 10, 9000)
	runtime.GOMAXPROCS(1)
	one := calcLog(t, 10, 9000)
	if !bytes.Equal(many, one) {
		t.Errorf("the log differs between four goroutines and one")
	}
}

// TestLogBegunDuringPayoutPass checks that the log a calc writes, begun
// while the payout pass runs, has the very bytes of the log written in one
// go after the calculation.
func TestLogBegunDuringPayoutPass(t *testing.T) {
	c, p := genConfig(t, 20, 6000)
	opts := CalcOptions{Period: p, AsOf: incent.NoDate}
	sum, err := c.Calc(context.Background(), testEnv(nil), opts)
	if err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(filepath.Join(c.Dir, "out", "2024Q3", sum.RunID, "calc-log.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	_, ds := stagedDataset(t, c)
	progs, err := rules.LoadDir(c.Path(c.Programs))
	if err != nil {
		t.Fatal(err)
	}
	cp := c.compute(opts, progs, ds, "")
	var want bytes.Buffer
	if err := cp.writeLog(&want); err != nil {
		t.Fatal(err)
	}
	if cp.digest != sum.Digest {
		t.Fatalf("recomputed digest %s, calc gave %s", cp.digest, sum.Digest)
	}
	if !bytes.Equal(got, want.Bytes()) {
		t.Fatalf("the calc's log (%d bytes) differs from the log written afterwards (%d bytes)", len(got), want.Len())
	}
}

// TestLogExcludedReasons checks each sale line's excluded programs, most
// of them written from a cache by the key of the sale's reasons, against
// the reason the calculation gives for each program one by one. The
// generated quarter has the reasons whose keys name a sale's own dealer
// and dates (a certification missing on the day, a rebate claimed late).
func TestLogExcludedReasons(t *testing.T) {
	c, p := genConfig(t, 20, 8000)
	_, ds := stagedDataset(t, c)
	progs, err := rules.LoadDir(c.Path(c.Programs))
	if err != nil {
		t.Fatal(err)
	}
	cp := c.compute(CalcOptions{Period: p, AsOf: incent.NoDate}, progs, ds, "")
	var log bytes.Buffer
	if err := writeSaleLog(&log, cp.res, cp.dealers, nil); err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(&log)
	sc.Buffer(nil, 1<<20)
	var certs, claims int
	for i := range cp.res.Sales {
		if !sc.Scan() {
			t.Fatalf("%d sale lines, want %d", i, len(cp.res.Sales))
		}
		var got logSale
		if err := json.Unmarshal(sc.Bytes(), &got); err != nil {
			t.Fatal(err)
		}
		sr := &cp.res.Sales[i]
		want := map[string][]string{}
		for pi, prog := range cp.res.Programs {
			if sr.Counted(pi) {
				continue
			}
			r := cp.res.Reason(sr, pi, cp.dealers)
			want[r] = append(want[r], prog.ID)
			switch sr.Fails()[pi] {
			case calc.FailCertification:
				certs++
			case calc.FailClaimWindow:
				claims++
			}
		}
		if len(want) == 0 {
			want = nil
		}
		if !reflect.DeepEqual(got.Excluded, want) {
			t.Fatalf("sale %s: excluded %v, want %v", got.Sale, got.Excluded, want)
		}
	}
	if certs == 0 || claims == 0 {
		t.Errorf("%d certification and %d claim window reasons: want both kinds", certs, claims)
	}
}

// TestRefusedCalcLeavesNoFiles checks that a calc refused for too many
// rejects, which had begun its log, leaves no folder behind.
func TestRefusedCalcLeavesNoFiles(t *testing.T) {
	c, p := genConfig(t, 10, 3000)
	c.MaxRejects = "0"
	_, err := c.Calc(context.Background(), testEnv(nil), CalcOptions{Period: p, AsOf: incent.NoDate})
	var e *Error
	if !errors.As(err, &e) || e.Code != ExitRejected {
		t.Fatalf("error %v, want the max_rejects refusal", err)
	}
	entries, err := os.ReadDir(filepath.Join(c.Dir, "out", "2024Q3"))
	if err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	for _, e := range entries {
		t.Errorf("a refused calc left %s behind", e.Name())
	}
	// It created the database, and removes it again: a workspace without
	// one is left without one.
	if _, err := os.Lstat(c.Path(c.DB)); !os.IsNotExist(err) {
		t.Errorf("a refused calc left a new database behind: %v", err)
	}
	// The inputs it read are saved for the next calc all the same.
	if _, err := os.Stat(c.snapshotPath()); err != nil {
		t.Errorf("a refused calc left no snapshot of its inputs: %v", err)
	}
}

// TestSalesOfRanges lists the sales each payee sees in ranges of a few
// sales, joined afterwards, and in one: the lists are those of a plain
// reading of every sale's dealer and credits, in sale order.
func TestSalesOfRanges(t *testing.T) {
	cp := generatedComputed(t, 12, 4000)
	res := cp.res
	want := map[calc.Payee][]*calc.SaleResult{}
	for i := range res.Sales {
		sr := &res.Sales[i]
		seen := map[calc.Payee]bool{}
		payees := []calc.Payee{{Type: rules.PayeeDealer, Code: sr.Sale.DealerCode.String()}}
		for _, cr := range sr.Credits() {
			payees = append(payees, calc.Payee{Type: res.Programs[cr.Program].Payee, Code: res.Payee(cr)})
		}
		for _, pe := range payees {
			if !seen[pe] {
				seen[pe] = true
				want[pe] = append(want[pe], sr)
			}
		}
	}
	if len(want) < 20 {
		t.Fatalf("%d payees: want dealers, groups and salespeople", len(want))
	}
	for _, chunk := range []int{1, 7, 500, len(res.Sales)} {
		if got := cp.salesOf(nil, chunk); !maps.EqualFunc(got, want, slices.Equal) {
			t.Errorf("ranges of %d sales: the lists differ from a plain reading", chunk)
		}
	}
	dealers := func(pe calc.Payee) bool { return pe.Type == rules.PayeeDealer }
	got := cp.salesOf(dealers, 7)
	maps.DeleteFunc(want, func(pe calc.Payee, _ []*calc.SaleResult) bool { return !dealers(pe) })
	if !maps.EqualFunc(got, want, slices.Equal) {
		t.Errorf("dealers only: the lists differ from a plain reading")
	}
}

// generatedComputed calculates a generated quarter of dealers × sales
// in memory, as calc does, without writing a run.
func generatedComputed(t testing.TB, dealers, sales int) *computed {
	t.Helper()
	c, p := genConfig(t, dealers, sales)
	_, ds := stagedDataset(t, c)
	progs, err := rules.LoadDir(c.Path(c.Programs))
	if err != nil {
		t.Fatal(err)
	}
	return c.compute(CalcOptions{Period: p, AsOf: incent.NoDate}, progs, ds, "")
}

// TestStoredRunKeepsItsFilesWhenTheMoveFails keeps the files of a run
// that was stored but could not be moved into place (here, a folder of its
// name appears as it is stored), for the next command to move once the
// way is clear; they were once removed with the failed calc, leaving a
// stored run without files.
func TestStoredRunKeepsItsFilesWhenTheMoveFails(t *testing.T) {
	c, p := genConfig(t, 10, 300)
	final := filepath.Join(c.Dir, "out", "2024Q3", "2024Q3-R001")
	env := testEnv(nil)
	env.Progress = func(format string, args ...any) {
		if format == "storing run %s" {
			if err := os.MkdirAll(filepath.Join(final, "in-the-way"), 0o755); err != nil {
				t.Error(err)
			}
		}
	}
	_, err := c.Calc(context.Background(), env, CalcOptions{Period: p, AsOf: incent.NoDate})
	if err == nil || !strings.Contains(err.Error(), "is stored but its files could not be moved") {
		t.Fatalf("calc: %v, want the failed move", err)
	}
	partial := filepath.Join(c.Dir, "out", "2024Q3", ".2024Q3-R001.partial")
	if _, err := os.Stat(filepath.Join(partial, "calc-log.jsonl")); err != nil {
		t.Fatalf("the stored run's files are gone: %v", err)
	}
	if err := os.RemoveAll(final); err != nil {
		t.Fatal(err)
	}
	db, err := c.OpenExisting(env.Now)
	if err != nil {
		t.Fatal(err)
	}
	db.Close()
	if _, err := os.Stat(filepath.Join(final, "calc-log.jsonl")); err != nil {
		t.Fatalf("the next command did not move the run's files into place: %v", err)
	}
}
