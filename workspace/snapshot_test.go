package workspace

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
	"unsafe"

	"github.com/google/go-cmp/cmp"
	"github.com/incent/incent"
	"github.com/incent/incent/gen"
	"github.com/incent/incent/ingest"
	"github.com/incent/incent/internal/offheap"
	"github.com/incent/incent/store"
	"github.com/shopspring/decimal"
)

// genConfig generates a workspace and returns its configuration.
func genConfig(t testing.TB, dealers, sales int) (*Config, incent.Period) {
	t.Helper()
	p, _ := incent.ParsePeriod("2024Q3")
	dir := filepath.Join(t.TempDir(), "ws")
	if _, err := gen.Write(dir, gen.Options{Dealers: dealers, Sales: sales, Seed: 3, Period: p}); err != nil {
		t.Fatal(err)
	}
	return &Config{Dir: dir, DB: "incent.db", Programs: "programs", Out: "out", Profile: "canonical",
		MaxRejects: "0.05", Rounding: incent.HalfUp, Inputs: Inputs{
			Sales: []string{"data/sales/*.csv"}, Dealers: []string{"data/dealers.csv"}, Objectives: []string{"data/objectives.csv"},
			Certifications: []string{"data/certifications.csv"}, Claims: []string{"data/coop-claims.csv"}}}, p
}

func testEnv(progress *[]string) Env {
	return Env{Now: func() time.Time { return time.Date(2024, 10, 15, 9, 0, 0, 0, time.UTC) }, User: "test", ToolVersion: "test",
		Progress: func(format string, args ...any) {
			if progress != nil {
				*progress = append(*progress, format)
			}
		}}
}

// beginTx opens c's database (creating it) and begins a transaction;
// both end with the test.
func beginTx(t testing.TB, c *Config) *store.Tx {
	t.Helper()
	db, err := store.Open(c.Path(c.DB), testEnv(nil).Now)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	tx, err := db.Begin(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { tx.Rollback() })
	return tx
}

// stagedDataset stages the workspace's inputs in a new database and
// gathers them.
func stagedDataset(t testing.TB, c *Config) ([]store.InputFile, *dataset) {
	t.Helper()
	tx := beginTx(t, c)
	defer tx.Rollback()
	if err := c.stage(tx, testEnv(nil), nil); err != nil {
		t.Fatal(err)
	}
	files, err := storedInputs(tx)
	if err != nil {
		t.Fatal(err)
	}
	ds, err := gather(tx, files, nil)
	if err != nil {
		t.Fatal(err)
	}
	return files, ds
}

// exactDecimal compares decimals by value and exponent: a snapshot must
// give back 41250.00, not 41250.
// Amounts compare the same way, and an empty cell only with an empty one.
var exactDecimal = cmp.Options{
	cmp.Comparer(sameDecimal),
	cmp.Comparer(func(a, b incent.Amount) bool { return a.Has() == b.Has() && sameDecimal(a.Decimal(), b.Decimal()) }),
}

func sameDecimal(a, b decimal.Decimal) bool {
	return a.Equal(b) && a.Exponent() == b.Exponent() && (a == decimal.Decimal{}) == (b == decimal.Decimal{})
}

func TestSnapshotRoundTrip(t *testing.T) {
	c, _ := genConfig(t, 20, 6000)
	files, ds := stagedDataset(t, c)
	key, ok := snapshotKey(files)
	if !ok {
		t.Fatal("no snapshot key: the test binary cannot be identified")
	}
	got := roundTrip(t, key, ds)
	opts := []cmp.Option{exactDecimal, cmp.AllowUnexported(dataset{}, fileProblems{}),
		cmp.FilterPath(func(p cmp.Path) bool {
			switch p.Last().String() {
			case ".dealerIdx", ".objectiveIdx", ".saleIdx", ".certIdx", ".claimIdx", ".owners", ".files":
				return true
			}
			return false
		}, cmp.Ignore())}
	if diff := cmp.Diff(ds, got, opts...); diff != "" {
		t.Fatalf("decoded dataset differs (-gathered +decoded):\n%s", diff)
	}
	for i := range ds.sales {
		if got.saleOwner(i) != ds.saleOwner(i) {
			t.Fatalf("sale %d: owner %d, want %d", i, got.saleOwner(i), ds.saleOwner(i))
		}
	}
	// The generated quarter has what the encoding must carry.
	var amounts, rebates, splits int
	for _, s := range ds.sales {
		if s.SaleAmount.Has() {
			amounts++
		}
		if s.RebateAmount().Has() {
			rebates++
		}
		if s.Split() != "" {
			splits++
		}
	}
	if amounts == 0 || rebates == 0 || splits == 0 || len(ds.rejects) == 0 || len(ds.recon) == 0 || len(ds.reversalRaw) < 2 || len(ds.problems) < 2 {
		t.Errorf("dataset lacks a kind of value: %d amounts, %d rebates, %d splits, %d rejects, %d files, %d reversal rows, %d files with problems",
			amounts, rebates, splits, len(ds.rejects), len(ds.recon), len(ds.reversalRaw), len(ds.problems))
	}
	// The same dataset gives the same bytes: its maps are written in key
	// order, not in Go's random iteration order.
	first, err := encodeSnapshot(key, ds)
	if err != nil {
		t.Fatal(err)
	}
	for range 5 {
		again, err := encodeSnapshot(key, ds)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(first, again) {
			t.Fatal("encoding the same dataset twice gave different bytes")
		}
	}
}

func TestSnapshotDecimalEncoding(t *testing.T) {
	for _, d := range []decimal.Decimal{{}, decimal.New(0, 0), decimal.New(0, -2), decimal.RequireFromString("41250.00"),
		decimal.RequireFromString("-0.001"), decimal.RequireFromString("123456789012345678901234567890.5"),
		decimal.RequireFromString("-98765432109876543210.25"), decimal.New(5, 3)} {
		b := appendSnapDecimal(nil, d)
		dec := &snapDecoder{b: b, s: string(b)}
		got := dec.decimal()
		if !cmp.Equal(d, got, exactDecimal) {
			t.Errorf("%s (exp %d): decoded %s (exp %d)", d, d.Exponent(), got, got.Exponent())
		}
		if dec.p != len(b) {
			t.Errorf("%s: %d of %d bytes read", d, dec.p, len(b))
		}
	}
}

// encodedSnapshot stages a generated workspace of dealers and sales and
// encodes the snapshot of its inputs.
func encodedSnapshot(t *testing.T, dealers, sales int) (files []store.InputFile, key [32]byte, data []byte) {
	t.Helper()
	c, _ := genConfig(t, dealers, sales)
	files, ds := stagedDataset(t, c)
	key, _ = snapshotKey(files)
	data, err := encodeSnapshot(key, ds)
	if err != nil {
		t.Fatal(err)
	}
	return files, key, data
}

func TestSnapshotRefused(t *testing.T) {
	files, key, data := encodedSnapshot(t, 5, 800)
	other := append([]store.InputFile(nil), files...)
	other[len(other)-1].SHA256 = strings.Repeat("0", 64)
	otherKey, _ := snapshotKey(other)
	flipped := bytes.Clone(data)
	flipped[len(flipped)/2] ^= 1
	tests := map[string]struct {
		key  [32]byte
		data []byte
	}{
		"other inputs": {otherKey, data},
		"changed byte": {key, flipped},
		"truncated":    {key, data[:len(data)-1]},
		"empty":        {key, nil},
	}
	for name, tt := range tests {
		if _, err := decodeSnapshot(tt.key, tt.data); err == nil {
			t.Errorf("%s: decoded, want refused", name)
		}
	}
}

// TestCalcUsesSnapshot runs calc three times: the first reads the archive
// and saves a snapshot, the second reads the snapshot and writes the same
// payouts and log, and after an input changes the snapshot no longer
// applies and the result is that of a new database.
func TestCalcUsesSnapshot(t *testing.T) {
	c, p := genConfig(t, 10, 3000)
	opts := CalcOptions{Period: p, AsOf: incent.NoDate}
	files := func(runID string) (string, string) {
		dir := filepath.Join(c.Path(c.Out), p.Code, runID)
		payouts, err := os.ReadFile(filepath.Join(dir, "payouts.csv"))
		if err != nil {
			t.Fatal(err)
		}
		log, err := os.ReadFile(filepath.Join(dir, "calc-log.jsonl"))
		if err != nil {
			t.Fatal(err)
		}
		return strings.ReplaceAll(string(payouts), runID, "RUN"), string(log)
	}
	first, fromSnapshot := calcReading(t, c, opts)
	if fromSnapshot {
		t.Fatal("the first calc read a snapshot")
	}
	if _, err := os.Stat(c.snapshotPath()); err != nil {
		t.Fatalf("no snapshot after the first calc: %v", err)
	}
	second, fromSnapshot := calcReading(t, c, opts)
	if !fromSnapshot {
		t.Fatal("the second calc did not read the snapshot")
	}
	p1, l1 := files(first.RunID)
	p2, l2 := files(second.RunID)
	if p1 != p2 || l1 != l2 {
		t.Fatal("payouts or log differ between the calc from the archive and the one from the snapshot")
	}

	// A late sale: the snapshot is of other inputs now; the next calc
	// reads the archive and saves a new one.
	addLateSale(t, c)
	third, fromSnapshot := calcReading(t, c, opts)
	if fromSnapshot {
		t.Fatal("a calc over changed inputs read the old snapshot")
	}
	if third.Digest == second.Digest {
		t.Fatal("the late sale changed nothing: the test does not show which inputs were read")
	}
	fourth, fromSnapshot := calcReading(t, c, opts)
	if !fromSnapshot || fourth.Digest != third.Digest {
		t.Fatalf("calc after the late sale: snapshot read %v, digest %s, want the new snapshot and %s", fromSnapshot, fourth.Digest, third.Digest)
	}
}

// TestIngestUsesSnapshot checks that ingest shares calc's snapshot: an
// ingest that stores a new version leaves the snapshot of the inputs the
// next calc reads, which then gives the digest of a calc that read the
// archive, and an ingest with nothing new reads the snapshot.
func TestIngestUsesSnapshot(t *testing.T) {
	c, opts := calcThenLateSale(t)
	late := []string{filepath.Join(c.Dir, "data", "sales", "2024-09.csv")}
	var progress []string
	sum, err := c.Ingest(context.Background(), testEnv(&progress), IngestOptions{Kind: ingest.KindSales, Files: late})
	if err != nil {
		t.Fatal(err)
	}
	if hit(progress) || !sum.Stored {
		t.Fatalf("ingest of a new version: snapshot read %v, stored %v; want the archive read and the version stored", hit(progress), sum.Stored)
	}
	fromIngest, fromSnapshot := calcReading(t, c, opts)
	if !fromSnapshot {
		t.Fatal("the calc after the ingest did not read its snapshot")
	}
	if err := os.Remove(c.snapshotPath()); err != nil {
		t.Fatal(err)
	}
	fromArchive, fromSnapshot := calcReading(t, c, opts)
	if fromSnapshot || fromArchive.Digest != fromIngest.Digest {
		t.Fatalf("calc from the archive: snapshot read %v, digest %s, want the digest of the calc after the ingest, %s",
			fromSnapshot, fromArchive.Digest, fromIngest.Digest)
	}
	progress = nil
	again, err := c.Ingest(context.Background(), testEnv(&progress), IngestOptions{Kind: ingest.KindSales, Files: late})
	if err != nil {
		t.Fatal(err)
	}
	if !hit(progress) || again.Stored || len(again.Files) != 1 || again.Files[0].Status != StatusAlready ||
		again.Files[0].Accepted != sum.Files[0].Accepted || len(again.Rejects) != len(sum.Rejects) {
		t.Fatalf("ingest with nothing new: snapshot read %v, %+v; want the snapshot read and the report of the first ingest, %+v",
			hit(progress), again.Files, sum.Files)
	}
}

// calcReading calculates and tells whether the inputs came from the
// snapshot.
func calcReading(t *testing.T, c *Config, opts CalcOptions) (*CalcSummary, bool) {
	t.Helper()
	var progress []string
	sum, err := c.Calc(context.Background(), testEnv(&progress), opts)
	if err != nil {
		t.Fatal(err)
	}
	return sum, hit(progress)
}

func hit(progress []string) bool {
	for _, p := range progress {
		if strings.Contains(p, "snapshot") {
			return true
		}
	}
	return false
}

// TestReadSalesSideBySide reads the sales versions (one of them replacing
// rows of another) on one core and on four: the datasets are the same.
func TestReadSalesSideBySide(t *testing.T) {
	c, _ := genConfig(t, 12, 5000)
	db, err := store.Open(c.Path(c.DB), testEnv(nil).Now)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	stage := func() {
		tx, err := db.Begin(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if err := c.stage(tx, testEnv(nil), nil); err != nil {
			t.Fatal(err)
		}
		if err := tx.Commit(); err != nil {
			t.Fatal(err)
		}
	}
	stage()
	// A second version of August with every tenth sale's amount changed.
	aug := filepath.Join(c.Dir, "data", "sales", "2024-08.csv")
	data, err := os.ReadFile(aug)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(string(data), "\n")
	col := slices.Index(strings.Split(lines[0], ","), "sale_amount")
	changed := 0
	for i := 1; i < len(lines); i += 10 {
		cells := strings.Split(lines[i], ",")
		if len(cells) > col && cells[col] != "" && !strings.Contains(lines[i], `"`) {
			cells[col] = "12345.67"
			lines[i] = strings.Join(cells, ",")
			changed++
		}
	}
	if err := os.WriteFile(aug, []byte(strings.Join(lines, "\n")), 0o644); err != nil {
		t.Fatal(err)
	}
	stage()

	read := func(procs int) *dataset {
		defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(procs))
		var ds *dataset
		err := db.Read(context.Background(), func(tx *store.Tx) error {
			files, err := storedInputs(tx)
			if err != nil {
				return err
			}
			ds, err = gather(tx, files, nil)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		return ds
	}
	one, four := read(1), read(4)
	replaced := 0
	for _, r := range one.recon {
		replaced += r.Replaced
	}
	if changed == 0 || replaced != changed {
		t.Fatalf("%d rows changed, %d replaced: the test does not exercise replacement", changed, replaced)
	}
	opts := []cmp.Option{exactDecimal, cmp.AllowUnexported(dataset{}, fileProblems{}, keyIndex{}, keyEntry{})}
	if diff := cmp.Diff(one, four, opts...); diff != "" {
		t.Fatalf("datasets differ (-one core +four):\n%s", diff)
	}
}

// TestNewVersionMatchesNewDatabase calculates, appends a late sale to a
// sales file and calculates again: the result equals that of a new
// database holding only the files as they are now, though the generated
// files hold pairs of rows with one key and different values, which the
// second version repeats.
func TestNewVersionMatchesNewDatabase(t *testing.T) {
	c, opts := calcThenLateSale(t)
	again, err := c.Calc(context.Background(), testEnv(nil), opts)
	if err != nil {
		t.Fatal(err)
	}
	if again.Inputs[len(again.Inputs)-1].Rejected == 0 {
		t.Fatal("the new version rejects no row: the test does not exercise a conflict within the file")
	}
	fresh := *c
	fresh.Dir = filepath.Join(t.TempDir(), "fresh")
	if err := os.CopyFS(fresh.Dir, os.DirFS(c.Dir)); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"incent.db", "incent.db-wal", "incent.db-shm", "incent.db.snapshot", "out"} {
		os.RemoveAll(filepath.Join(fresh.Dir, name))
	}
	want, err := fresh.Calc(context.Background(), testEnv(nil), opts)
	if err != nil {
		t.Fatal(err)
	}
	if again.Digest != want.Digest {
		t.Fatalf("digest with the earlier version stored = %s, in a new database = %s", again.Digest, want.Digest)
	}
}

// FuzzSnapshotRecords feeds the decoder of the string table and sale
// records (the snapshot's own binary format) anything: it refuses what it
// cannot read, without crashing or allocating beyond the input's size.
// (The meta part before them is gob's, inside the checksum.)
func FuzzSnapshotRecords(f *testing.F) {
	var e snapEncoder
	e.tab = map[string]uint64{}
	var recs []byte
	for i, s := range []incent.Sale{
		{DealID: "D1", VIN: "1HGCM82633A004352", DealerCode: incent.Intern("D001"), SaleDate: incent.DateOf(2024, 7, 1), SaleType: incent.Intern("retail"),
			MSRP: incent.AmountOf(decimal.RequireFromString("41250.00")), Quantity: 1, File: incent.Intern("s.csv"), Line: 2},
		{DealID: "D2", VIN: "5YJ3E1EA7KF317001", DealerCode: incent.Intern("D001"), SaleDate: incent.DateOf(2024, 7, 2), SaleType: incent.Intern("lease"),
			SaleAmount: incent.AmountOf(decimal.RequireFromString("123456789012345678901234.5")), Quantity: -1,
			Salesperson: "S1:60;S2:40", File: incent.Intern("s.csv"), Line: 3},
	} {
		recs = e.sale(recs, &s, int64(i+1))
	}
	// The records, then the string table and chunk table of the tail, then
	// where the tail starts (the meta part is left out).
	body := append([]byte(nil), recs...)
	body = binary.AppendUvarint(body, uint64(len(e.strs)))
	for _, s := range e.strs {
		body = appendRaw(body, s)
	}
	body = appendRecordsHead(body, 2, []int{0})
	body = binary.BigEndian.AppendUint64(body, uint64(len(recs)))
	f.Add(body)
	f.Add([]byte{})
	f.Add([]byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f})
	f.Fuzz(func(t *testing.T, body []byte) {
		if len(body) < 8 {
			return
		}
		b := bytes.Clone(body[:len(body)-8])
		rlen := binary.BigEndian.Uint64(body[len(body)-8:])
		if rlen > uint64(len(b)) {
			return
		}
		d := &snapDecoder{b: b, s: string(b), p: int(rlen)}
		func() {
			defer func() { _ = recover() }()
			sales, owners := d.records(int(rlen))
			if len(sales) != len(owners) {
				t.Fatalf("%d sales, %d owners", len(sales), len(owners))
			}
		}()
	})
}

// TestSnapshotDecodeKeepsNoBody checks that no text of the decoded sales
// lies in the snapshot's bytes: a dataset that held on to them would keep
// the whole file (70 MB at a million sales) live through the passes.
func TestSnapshotDecodeKeepsNoBody(t *testing.T) {
	_, key, data := encodedSnapshot(t, 20, 6000)
	got, err := decodeSnapshot(key, data)
	if err != nil {
		t.Fatal(err)
	}
	lo, hi := uintptr(unsafe.Pointer(&data[0])), uintptr(unsafe.Pointer(&data[len(data)-1]))
	inBody := func(s string) bool {
		p := uintptr(unsafe.Pointer(unsafe.StringData(s)))
		return s != "" && p >= lo && p <= hi
	}
	var extras int
	for i := range got.sales {
		s := &got.sales[i]
		e := s.Extras()
		if e.DeliveringDealer != "" || e.Split != "" || e.RebateCode != "" {
			extras++
		}
		for _, text := range []string{s.DealID, s.VIN, s.Salesperson, e.DeliveringDealer, e.Split, e.RebateCode} {
			if inBody(text) {
				t.Fatalf("sale %d: %q lies in the snapshot's bytes", i, text)
			}
		}
	}
	if extras == 0 {
		t.Error("no sale with a delivering dealer, split or rebate code: want some")
	}
}

// roundTrip encodes ds as the snapshot of key and decodes it again.
func roundTrip(t *testing.T, key [32]byte, ds *dataset) *dataset {
	t.Helper()
	data, err := encodeSnapshot(key, ds)
	if err != nil {
		t.Fatal(err)
	}
	got, err := decodeSnapshot(key, data)
	if err != nil {
		t.Fatal(err)
	}
	return got
}

// TestSnapshotChunks round-trips more sales than two chunks hold, decoded
// side by side, and refuses a chunk table that points elsewhere.
func TestSnapshotChunks(t *testing.T) {
	ds := &dataset{reconOf: map[int64]int{}, problems: map[int64]*fileProblems{}}
	n := 2*snapChunk + 5
	ds.sales = make([]incent.Sale, n)
	ds.owners = make([]int64, n)
	for i := range ds.sales {
		ds.sales[i] = incent.Sale{DealID: strconv.Itoa(i), VIN: "VIN" + strconv.Itoa(i*7), DealerCode: incent.Intern("D" + strconv.Itoa(i%50)),
			SaleDate: incent.DateOf(2024, 7, 1+i%90), SaleType: incent.Intern("retail"), Quantity: int32(1 - 2*(i%2)),
			File: incent.Intern("s.csv"), Line: int32(i + 2)}
		if i%3 == 0 {
			ds.sales[i].SaleAmount = incent.AmountOf(decimal.New(int64(i), -2))
		}
		if i%7 == 0 { // every seventh sale has a rebate claim, some a split too
			ds.sales[i].Extra = &incent.SaleExtra{RebateCode: "R" + strconv.Itoa(i%4), ClaimDate: incent.DateOf(2024, 8, 1+i%30)}
			if i%2 == 0 {
				ds.sales[i].Extra.RebateAmount = incent.AmountOf(decimal.New(int64(i), 0))
			}
			if i%5 == 0 {
				ds.sales[i].Extra.Split = "D001:50;D002:50"
			}
		}
		ds.owners[i] = int64(1 + i%3)
	}
	var key [32]byte
	got := roundTrip(t, key, ds)
	if diff := cmp.Diff(ds.sales, got.sales, exactDecimal); diff != "" {
		t.Fatalf("decoded sales differ:\n%s", diff)
	}
	if !slices.Equal(ds.owners, got.owners) {
		t.Fatal("decoded owners differ")
	}

	// Swap the offsets of the second and third chunks: the body checksum
	// is made to match, so only the decoder can refuse it.
	data, err := encodeSnapshot(key, ds)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := decodeBody(bytes.Clone(data[len(snapshotMagic)+32 : len(data)-32])); err != nil {
		t.Fatalf("the body as written was refused: %v", err)
	}
	body := bytes.Clone(data[len(snapshotMagic)+32 : len(data)-32])
	table := binary.AppendUvarint(nil, uint64(n))
	table = binary.AppendUvarint(table, 3)
	at := bytes.LastIndex(body, table)
	if at < 0 {
		t.Fatal("no chunk table in the body")
	}
	p := at + len(table)
	var offs [3]uint64
	q := p
	for j := range offs {
		v, k := binary.Uvarint(body[q:])
		offs[j], q = v, q+k
	}
	swapped := binary.AppendUvarint(nil, offs[0])
	swapped = binary.AppendUvarint(swapped, offs[2])
	swapped = binary.AppendUvarint(swapped, offs[1])
	if len(swapped) != q-p {
		t.Fatal("offsets of different widths")
	}
	copy(body[p:q], swapped)
	if _, err := decodeBody(body); err == nil {
		t.Error("a chunk table out of order was accepted")
	}
}

// TestSaleEqualNamesEveryColumn changes one column of a sale at a time:
// the two are not equal, and saleDiff names that column.
func TestSaleEqualNamesEveryColumn(t *testing.T) {
	base := incent.Sale{DealID: "D1", VIN: "1HGCM82633A004352", DealerCode: incent.Intern("D001"), SaleDate: incent.DateOf(2024, 7, 1),
		SaleType: incent.Intern("retail"), Condition: incent.Intern("new"), ModelCode: incent.Intern("SUV1"), ModelYear: 2024, Family: incent.Intern("suv"), Quantity: 1,
		MSRP: incent.AmountOf(decimal.RequireFromString("41250.00")), Extra: &incent.SaleExtra{RebateAmount: incent.AmountOf(decimal.Zero), ClaimDate: incent.NoDate}}
	tests := []struct {
		column string
		change func(*incent.Sale)
	}{
		{"sale_date", func(s *incent.Sale) { s.SaleDate++ }},
		{"sale_type", func(s *incent.Sale) { s.SaleType = incent.Intern("lease") }},
		{"condition", func(s *incent.Sale) { s.Condition = incent.Intern("used") }},
		{"model_code", func(s *incent.Sale) { s.ModelCode = incent.Intern("SUV2") }},
		{"model_year", func(s *incent.Sale) { s.ModelYear = 2025 }},
		{"family", func(s *incent.Sale) { s.Family = incent.Intern("ev") }},
		{"msrp", func(s *incent.Sale) { s.MSRP = incent.Amount{} }},
		{"sale_amount", func(s *incent.Sale) { s.SaleAmount = incent.AmountOf(decimal.NewFromInt(1)) }},
		{"quantity", func(s *incent.Sale) { s.Quantity = -1 }},
		{"delivering_dealer", func(s *incent.Sale) { s.EditExtra(func(e *incent.SaleExtra) { e.DeliveringDealer = "D002" }) }},
		{"salesperson", func(s *incent.Sale) { s.Salesperson = "S1" }},
		{"split", func(s *incent.Sale) { s.EditExtra(func(e *incent.SaleExtra) { e.Split = "D001:50;D002:50" }) }},
		{"rebate_code", func(s *incent.Sale) { s.EditExtra(func(e *incent.SaleExtra) { e.RebateCode = "EV" }) }},
		{"rebate_amount", func(s *incent.Sale) { s.EditExtra(func(e *incent.SaleExtra) { e.RebateAmount = incent.Amount{} }) }}, // an empty cell is not a 0
		{"claim_date", func(s *incent.Sale) {
			s.EditExtra(func(e *incent.SaleExtra) { e.ClaimDate = incent.DateOf(2024, 7, 9) })
		}},
	}
	for _, tt := range tests {
		changed := base
		tt.change(&changed)
		if saleEqual(base, changed) {
			t.Errorf("%s: sales equal after the change", tt.column)
		}
		if got := saleDiff(base, changed); got != tt.column {
			t.Errorf("%s: saleDiff names %s", tt.column, got)
		}
	}
	if !saleEqual(base, base) {
		t.Error("a sale does not equal itself")
	}
}

// addLateSale appends to the September sales file a copy of its last row
// under a new deal number: a new file version with one more sale.
// calcThenLateSale calculates a generated quarter, then appends a late
// sale to one of its sales files, as an analyst's second export would.
func calcThenLateSale(t *testing.T) (*Config, CalcOptions) {
	t.Helper()
	c, p := genConfig(t, 10, 3000)
	opts := CalcOptions{Period: p, AsOf: incent.NoDate}
	if _, err := c.Calc(context.Background(), testEnv(nil), opts); err != nil {
		t.Fatal(err)
	}
	addLateSale(t, c)
	return c, opts
}

func addLateSale(t *testing.T, c *Config) {
	t.Helper()
	sales := filepath.Join(c.Dir, "data", "sales", "2024-09.csv")
	data, err := os.ReadFile(sales)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(string(data), "\n"), "\n")
	header, last := strings.Split(lines[0], ","), lines[len(lines)-1]
	if strings.Contains(last, `"`) {
		t.Fatalf("last row is quoted: %s", last)
	}
	cells := strings.Split(last, ",")
	cells[slices.Index(header, "deal_id")] += "-LATE"
	if err := os.WriteFile(sales, []byte(string(data)+strings.Join(cells, ",")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestEstimateRows checks the room made for the sales up front: a little
// over the rows of a file of even lines, whether it fits in the sample or
// not, and the fallback for a workbook.
func TestEstimateRows(t *testing.T) {
	db, err := store.Open(filepath.Join(t.TempDir(), "incent.db"), testEnv(nil).Now)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	tx, err := db.Begin(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	csvOf := func(rows int) []byte {
		b := []byte("deal_id,vin,dealer_code\n")
		for i := range rows {
			b = fmt.Appendf(b, "D%07d,1NCSU1AB5RA%06d,D0001\n", i, i)
		}
		return b
	}
	for _, tc := range []struct {
		name     string
		data     []byte
		min, max int
	}{
		// 10 rows and the header: the whole file is the sample.
		{"small", csvOf(10), 10, 11},
		// 40,000 rows of 33 bytes (1.3 MB) against a 256 KiB sample:
		// 2% over, plus 64.
		{"large", csvOf(40000), 40000, 40000*102/100 + 64 + 1},
		// A zip is reckoned at 80 bytes a row.
		{"workbook", append([]byte("PK\x03\x04"), make([]byte, 79996)...), 1000, 1000},
	} {
		sha, err := tx.PutBytes(tc.data)
		if err != nil {
			t.Fatal(err)
		}
		got, err := estimateRows(tx, store.InputFile{SHA256: sha, Size: int64(len(tc.data))}, "")
		if err != nil {
			t.Fatal(err)
		}
		if got < tc.min || got > tc.max {
			t.Errorf("%s: estimated %d rows, want %d to %d", tc.name, got, tc.min, tc.max)
		}
	}
}

// TestFoldRowsConflicts folds a version whose rows disagree on one key, in
// both orders: the same rows are taken and every row of that key is
// rejected, told against a row it differs from.
func TestFoldRowsConflicts(t *testing.T) {
	type row = keyedRow[incent.Dealer]
	mk := func(line int, code, name string) row {
		return row{row: ingest.Row{Line: line}, key: code, v: incent.Dealer{Code: code, Name: name}}
	}
	rows := []row{mk(2, "D1", "One"), mk(3, "D2", "Two"), mk(4, "D2", "Two"), mk(5, "D2", "Deux"), mk(6, "D3", "Three")}
	for _, reversed := range []bool{false, true} {
		in := slices.Clone(rows)
		if reversed {
			slices.Reverse(in)
		}
		var rec Reconciliation
		var rejects []ingest.Reject
		list := foldRows(nil, newKeyIndex(), store.InputFile{Name: "dealers.csv", Seq: 1}, in, &rec, &rejects,
			column[incent.Dealer]("name"), dealerEqual, nil)
		var codes []string
		for _, d := range list {
			codes = append(codes, d.Code)
		}
		slices.Sort(codes)
		if !slices.Equal(codes, []string{"D1", "D3"}) || rec.Accepted != 2 || rec.Rejected != 3 || rec.Duplicate != 0 {
			t.Errorf("reversed %v: kept %v, %+v; want D1 and D3 kept and the three D2 rows rejected", reversed, codes, rec)
		}
		sortRejects(rejects)
		for i, want := range []int{5, 5, 3} { // rows 3 and 4 are told against row 5, row 5 against the first D2 row
			if reversed && i == 2 {
				want = 4
			}
			if got := rejects[i]; !strings.Contains(got.Reason, fmt.Sprintf("as row %d of this file", want)) {
				t.Errorf("reversed %v: row %d: %q, want it told against row %d", reversed, got.Row, got.Reason, want)
			}
		}
	}
}

// TestPackText checks that packing the sales' own text keeps every value
// and lays the sales' text out in their order, in few strings.
func TestPackText(t *testing.T) {
	var sales []incent.Sale
	for i := range 5000 {
		sales = append(sales, incent.Sale{DealID: strings.Repeat("d", i%7+1) + strconv.Itoa(i), VIN: fmt.Sprintf("VIN%014d", i),
			Salesperson: strings.Repeat("S", i%3+1), File: incent.Intern("data/sales/a.csv"), Line: int32(i + 2), DealerCode: incent.Intern("D001")})
	}
	want := slices.Clone(sales)
	text := 0
	for _, s := range sales {
		text += len(s.DealID) + len(s.VIN) + len(s.Salesperson)
	}
	before := offheap.InUse()
	packText(sales)
	if !slices.Equal(sales, want) {
		t.Fatal("packing changed a sale")
	}
	if got := offheap.InUse() - before; got != int64(text) {
		t.Errorf("%d bytes of text packed outside the heap, want all %d", got, text)
	}
	// Within a block, each sale's text follows the one before it.
	follows := 0
	for i := 1; i < len(sales); i++ {
		prev := unsafe.Add(unsafe.Pointer(unsafe.StringData(sales[i-1].Salesperson)), len(sales[i-1].Salesperson))
		if unsafe.Pointer(unsafe.StringData(sales[i].DealID)) == prev {
			follows++
		}
	}
	if follows < len(sales)-len(sales)/100 {
		t.Errorf("only %d of %d sales' text follows the sale before", follows, len(sales)-1)
	}
}

// TestWriteSnapshotRemovesLeftovers: a temporary snapshot file that a
// killed calc left beside the database is gone once a snapshot is
// written, and nothing else beside it is touched.
func TestWriteSnapshotRemovesLeftovers(t *testing.T) {
	c, _ := genConfig(t, 5, 800)
	files, ds := stagedDataset(t, c)
	key, _ := snapshotKey(files)
	dir := filepath.Dir(c.snapshotPath())
	base := filepath.Base(c.snapshotPath())
	left := filepath.Join(dir, "."+base+".123456.tmp")
	other := filepath.Join(dir, "."+base+"-notes.tmp")
	for _, f := range []string{left, other} {
		if err := os.WriteFile(f, []byte("half a snapshot"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := c.writeSnapshot(key, ds); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(left); !os.IsNotExist(err) {
		t.Errorf("leftover %s still there (%v)", left, err)
	}
	if _, err := os.Stat(other); err != nil {
		t.Errorf("%s, not a snapshot's, was removed: %v", other, err)
	}
	if got := c.readSnapshot(key, files); got == nil {
		t.Error("the snapshot written cannot be read")
	}
	tmps, _ := filepath.Glob(filepath.Join(dir, "."+base+".*.tmp"))
	if len(tmps) != 0 {
		t.Errorf("temporary files left: %v", tmps)
	}
}

// TestSnapshotSave writes a snapshot once, whether started, waited for or
// both, and a nil one has nothing to write.
func TestSnapshotSave(t *testing.T) {
	var none *snapshotSave
	none.start()
	none.wait()
	writes := 0
	s := &snapshotSave{write: func() { writes++ }, done: make(chan struct{})}
	s.start()
	s.start()
	s.wait()
	s.wait()
	if writes != 1 {
		t.Fatalf("started twice and waited for twice: %d writes, want 1", writes)
	}
	w := &snapshotSave{write: func() { writes++ }, done: make(chan struct{})}
	w.wait() // never started: waiting starts it
	if writes != 2 {
		t.Fatalf("waited for without a start: %d writes in all, want 2", writes)
	}
}

// TestPauseGC checks that overlapping pauses restore the collector's
// setting only once the last has ended.
func TestPauseGC(t *testing.T) {
	old := debug.SetGCPercent(73)
	t.Cleanup(func() { debug.SetGCPercent(old) })
	percent := func() int {
		p := debug.SetGCPercent(-1)
		debug.SetGCPercent(p)
		return p
	}
	first := pauseGC()
	second := pauseGC()
	if got := percent(); got != -1 {
		t.Fatalf("paused twice: GC percent %d, want -1", got)
	}
	first()
	if got := percent(); got != -1 {
		t.Errorf("one pause of two ended: GC percent %d, want -1", got)
	}
	second()
	if got := percent(); got != 73 {
		t.Errorf("both pauses ended: GC percent %d, want 73 as before", got)
	}
}
