package workspace

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/gob"
	"errors"
	"fmt"
	"io"
	"maps"
	"math/big"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"unsafe"

	"github.com/incent/incent"
	"github.com/incent/incent/ingest"
	"github.com/incent/incent/internal/pages"
	"github.com/incent/incent/store"
	"github.com/shopspring/decimal"
)

// A snapshot is the dataset gather built from a list of stored input
// versions, saved beside the database in a compact binary form so that a
// calc over unchanged inputs decodes it in a fraction of a second instead
// of parsing and checking every archived row again.
//
// It is a cache, never a record: the archive in the database stays the only
// source of a run's inputs, replay never reads a snapshot, and a snapshot
// that is missing, unreadable, for other file versions or from another
// build of incent is ignored and the rows are read from the archive. The
// key covers everything gather's result depends on: each version's
// sequence, kind, name, content hash and profile, and the executable
// itself, so a fixed parsing bug never serves stale rows.

const snapshotMagic = "incent dataset snapshot 4\n"

// snapshotPath is where a workspace keeps its snapshot.
func (c *Config) snapshotPath() string { return c.Path(c.DB) + ".snapshot" }

// executableHash identifies the running build.
var executableHash = sync.OnceValues(func() ([]byte, error) {
	exe, err := os.Executable()
	if err != nil {
		return nil, err
	}
	f, err := os.Open(exe)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return nil, err
	}
	return h.Sum(nil), nil
})

// snapshotKey names the dataset of files as read by this build; ok is
// false when the build cannot be identified, and then no snapshot is used.
func snapshotKey(files []store.InputFile) (key [32]byte, ok bool) {
	exe, err := executableHash()
	if err != nil {
		return key, false
	}
	h := sha256.New()
	h.Write([]byte(snapshotMagic))
	h.Write(exe)
	for _, f := range files {
		fmt.Fprintf(h, "%d\x00%s\x00%s\x00%s\x00%s\x00", f.Seq, f.Kind, f.Name, f.SHA256, f.Profile)
	}
	h.Sum(key[:0])
	return key, true
}

// snapshotMeta is everything in a dataset but its sales, gob-encoded.
type snapshotMeta struct {
	Recon      []Reconciliation
	Rejects    []ingest.Reject
	Warnings   []ingest.Warning
	Dealers    []incent.Dealer
	Objectives []incent.Objective
	Certs      []incent.Certification
	Claims     []incent.Claim
	Log        []string
	// The dataset's maps as lists sorted by key: gob writes a map in
	// iteration order, and the same inputs should give the same bytes.
	ReconOf   []snapshotReconOf
	Problems  []snapshotProblems
	Reversals []snapshotReversal
	ClaimSrc  []claimSource
}

type snapshotReconOf struct {
	Seq   int64
	Index int
}

type snapshotProblems struct {
	Seq      int64
	Rejects  []ingest.Reject
	Warnings []ingest.Warning
}

type snapshotReversal struct {
	Key string
	Raw []string
}

// encodeSnapshot returns ds as the snapshot of key; see writeSnapshotTo.
func encodeSnapshot(key [32]byte, ds *dataset) ([]byte, error) {
	var b bytes.Buffer
	if err := writeSnapshotTo(&b, key, ds); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// writeSnapshotTo writes ds as the snapshot of key to w. The file is
//
//	magic | key | body | SHA-256 of body
//	body = sale records | tail | uint64 length of the records
//
// and the tail is the gob-encoded meta (length-prefixed), the string table
// the records index into, then the sale count and where each chunk of
// records starts. The records come first so that they are written as they
// are encoded, through a small buffer: at a million sales they are over a
// hundred megabytes, which would otherwise be held while the passes run.
func writeSnapshotTo(w io.Writer, key [32]byte, ds *dataset) error {
	meta := snapshotMeta{Recon: ds.recon, Rejects: ds.rejects, Warnings: ds.warnings, Dealers: ds.dealers,
		Objectives: ds.objectives, Certs: ds.certs, Claims: ds.claims, Log: ds.log, ClaimSrc: ds.claimSrc}
	for _, seq := range slices.Sorted(maps.Keys(ds.reconOf)) {
		meta.ReconOf = append(meta.ReconOf, snapshotReconOf{Seq: seq, Index: ds.reconOf[seq]})
	}
	for _, seq := range slices.Sorted(maps.Keys(ds.problems)) {
		fp := ds.problems[seq]
		meta.Problems = append(meta.Problems, snapshotProblems{Seq: seq, Rejects: fp.rejects, Warnings: fp.warnings})
	}
	for _, key := range slices.Sorted(maps.Keys(ds.reversalRaw)) {
		meta.Reversals = append(meta.Reversals, snapshotReversal{Key: key, Raw: ds.reversalRaw[key]})
	}
	var mb bytes.Buffer
	if err := gob.NewEncoder(&mb).Encode(meta); err != nil {
		return err
	}
	head := make([]byte, 0, len(snapshotMagic)+32)
	head = append(head, snapshotMagic...)
	head = append(head, key[:]...)
	if _, err := w.Write(head); err != nil {
		return err
	}
	h := sha256.New()
	bw := bufio.NewWriterSize(io.MultiWriter(w, h), 1<<20)
	owners := ds.owners
	e := &snapEncoder{tab: map[string]uint64{}}
	var rec []byte
	var chunks []int
	n := 0 // bytes of records so far
	for i := range ds.sales {
		if i%snapChunk == 0 {
			chunks = append(chunks, n)
		}
		rec = e.sale(rec[:0], &ds.sales[i], owners[i])
		bw.Write(rec) // a write error stays in bw, for Flush
		n += len(rec)
	}
	tail := binary.AppendUvarint(nil, uint64(mb.Len()))
	tail = append(tail, mb.Bytes()...)
	tail = binary.AppendUvarint(tail, uint64(len(e.strs)))
	for _, s := range e.strs {
		tail = appendRaw(tail, s)
	}
	tail = appendRecordsHead(tail, len(ds.sales), chunks)
	tail = binary.BigEndian.AppendUint64(tail, uint64(n))
	bw.Write(tail)
	if err := bw.Flush(); err != nil {
		return err
	}
	_, err := w.Write(h.Sum(nil))
	return err
}

// writeSnapshot saves ds as the workspace's snapshot, replacing any other
// (see replaceFile).
func (c *Config) writeSnapshot(key [32]byte, ds *dataset) error {
	return replaceFile(c.snapshotPath(), func(w io.Writer) error { return writeSnapshotTo(w, key, ds) })
}

// replaceFile writes a file beside the database (the snapshot, the record
// of the last log) through a hidden temporary file renamed over path, so
// that a reader finds the old file or the new one, never half of one. It
// is called under the workspace's lock alone, so a temporary file of path
// left from before can only be what a killed command left, and is removed.
func replaceFile(path string, write func(io.Writer) error) error {
	dir, prefix := filepath.Dir(path), "."+filepath.Base(path)+"."
	if entries, err := os.ReadDir(dir); err == nil {
		for _, e := range entries {
			if name := e.Name(); strings.HasPrefix(name, prefix) && strings.HasSuffix(name, ".tmp") && e.Type().IsRegular() {
				os.Remove(filepath.Join(dir, name))
			}
		}
	}
	tmp, err := os.CreateTemp(dir, prefix+"*.tmp")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if err := write(tmp); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Chmod(0o644); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

// readSnapshot returns the dataset saved under key for files, or nil when
// there is no usable snapshot.
func (c *Config) readSnapshot(key [32]byte, files []store.InputFile) *dataset {
	data, err := readWhole(c.snapshotPath())
	if err != nil {
		return nil
	}
	ds, err := decodeSnapshot(key, data)
	if err != nil {
		return nil
	}
	ds.files = files
	return ds
}

var errSnapshot = errors.New("not a snapshot of these inputs")

func decodeSnapshot(key [32]byte, data []byte) (ds *dataset, err error) {
	head := len(snapshotMagic) + 32
	if len(data) < head+8+32 || string(data[:len(snapshotMagic)]) != snapshotMagic ||
		!bytes.Equal(data[len(snapshotMagic):head], key[:]) {
		return nil, errSnapshot
	}
	body := data[head : len(data)-32]
	if sum := sha256.Sum256(body); !bytes.Equal(sum[:], data[len(data)-32:]) {
		return nil, errSnapshot
	}
	// Everything decoded stays live, so a collection during the decode
	// would only trace a growing heap again and again.
	defer pauseGC()()
	return decodeBody(body)
}

// gcPause counts the pauses of pauseGC under way, and keeps the setting
// to restore once none is.
var gcPause struct {
	sync.Mutex
	n       int
	percent int
}

// pauseGC stops the collector's pacing by heap growth until the function
// it returns is called; a memory limit still starts collections. The
// setting is the process's: pauses may overlap, and the last to end
// restores it.
func pauseGC() (resume func()) {
	gcPause.Lock()
	defer gcPause.Unlock()
	if gcPause.n == 0 {
		gcPause.percent = debug.SetGCPercent(-1)
	}
	gcPause.n++
	return func() {
		gcPause.Lock()
		defer gcPause.Unlock()
		if gcPause.n--; gcPause.n == 0 {
			debug.SetGCPercent(gcPause.percent)
		}
	}
}

// decodeBody decodes a snapshot body whose checksum has been checked: the
// tail's meta part through gob, its string table, then the sale records
// before it.
func decodeBody(body []byte) (ds *dataset, err error) {
	defer func() {
		// A body that passed its checksum but does not decode was written
		// by a broken build: treat it as absent.
		if r := recover(); r != nil {
			ds, err = nil, fmt.Errorf("%w: %v", errSnapshot, r)
		}
	}()
	if len(body) < 8 {
		panic("body of " + strconv.Itoa(len(body)) + " bytes")
	}
	body, rlen := body[:len(body)-8], binary.BigEndian.Uint64(body[len(body)-8:])
	if rlen > uint64(len(body)) {
		panic("records of " + strconv.FormatUint(rlen, 10) + " bytes in a body of " + strconv.Itoa(len(body)))
	}
	// Strings are cut from the body itself rather than allocated one by
	// one: data was read for this call alone and is never written again,
	// so viewing it as a string is safe. What the dataset keeps of them is
	// copied once decoded (see records).
	d := &snapDecoder{b: body, s: unsafe.String(unsafe.SliceData(body), len(body)), p: int(rlen)}
	mlen := d.count(1)
	var meta snapshotMeta
	if err := gob.NewDecoder(bytes.NewReader(d.b[d.p : d.p+mlen])).Decode(&meta); err != nil {
		return nil, err
	}
	d.p += mlen
	ds = &dataset{recon: meta.Recon, rejects: meta.Rejects, warnings: meta.Warnings, dealers: meta.Dealers,
		objectives: meta.Objectives, certs: meta.Certs, claims: meta.Claims, log: meta.Log, claimSrc: meta.ClaimSrc,
		reconOf: make(map[int64]int, len(meta.ReconOf)), problems: make(map[int64]*fileProblems, len(meta.Problems))}
	for _, r := range meta.ReconOf {
		ds.reconOf[r.Seq] = r.Index
	}
	for _, p := range meta.Problems {
		ds.problems[p.Seq] = &fileProblems{rejects: p.Rejects, warnings: p.Warnings}
	}
	if len(meta.Reversals) > 0 {
		ds.reversalRaw = make(map[string][]string, len(meta.Reversals))
		for _, r := range meta.Reversals {
			ds.reversalRaw[r.Key] = r.Raw
		}
	}
	ds.sales, ds.owners = d.records(int(rlen))
	return ds, nil
}

// records decodes the rest of the tail, the string table and the chunk
// table, then the rlen bytes of sale records before the tail, with the
// file version of each sale. It panics on a body it cannot read.
func (d *snapDecoder) records(rlen int) ([]incent.Sale, []int64) {
	d.strs = make([]string, d.count(1))
	for i := range d.strs {
		d.strs[i] = strings.Clone(d.raw()) // not holding the body
	}
	count := d.uvarint()
	if count > uint64(rlen/minSaleBytes) {
		panic("count " + strconv.FormatUint(count, 10) + " larger than the records could hold")
	}
	n := d.count(1)
	if n != (int(count)+snapChunk-1)/snapChunk {
		panic("chunk table of " + strconv.Itoa(n) + " for " + strconv.FormatUint(count, 10) + " sales")
	}
	starts := make([]int, n+1) // chunk j's records: starts[j] to starts[j+1]
	for j := range n {
		starts[j] = int(d.uvarint())
	}
	if d.p != len(d.b) {
		panic("bytes left after the chunk table")
	}
	starts[n] = rlen
	for j := range n {
		if starts[j] < 0 || starts[j] > starts[j+1] || (j == 0 && starts[j] != 0) {
			panic("chunk table out of order")
		}
	}
	sales := make([]incent.Sale, count)
	owners := make([]int64, count)
	// Every byte of both is written just below, on every core at once.
	pages.Back(sales)
	pages.Back(owners)
	// Chunks decode on every core; a panic in one is raised again here.
	var next atomic.Int64
	var failed atomic.Value
	var wg sync.WaitGroup
	for range min(runtime.GOMAXPROCS(0), n) {
		wg.Go(func() {
			defer func() {
				if r := recover(); r != nil {
					failed.CompareAndSwap(nil, fmt.Sprint(r))
				}
			}()
			decimals := map[smallDecimal]decimal.Decimal{} // shared by this worker's chunks
			syms := make([]incent.Sym, len(d.strs))
			for {
				j := int(next.Add(1)) - 1
				if j >= n {
					return
				}
				w := &snapDecoder{b: d.b[:starts[j+1]], s: d.s[:starts[j+1]], p: starts[j], strs: d.strs, syms: syms, decimals: decimals}
				lo, hi := j*snapChunk, min((j+1)*snapChunk, int(count))
				for i := lo; i < hi; i++ {
					owners[i] = w.sale(&sales[i])
				}
				if w.p != len(w.b) {
					panic("bytes left after chunk " + strconv.Itoa(j))
				}
				// The sales' own text is copied out of the body, as a
				// first calc lays it out: the body, twice that text with
				// everything else, can then go.
				packText(sales[lo:hi])
			}
		})
	}
	wg.Wait()
	if msg := failed.Load(); msg != nil {
		panic(msg)
	}
	return sales, owners
}

// snapChunk is the number of sales in a chunk of records: chunks are
// decoded side by side.
const snapChunk = 1 << 16

// appendRecordsHead appends the sale count and the chunk table: where each
// chunk of snapChunk sales starts, from the first record.
func appendRecordsHead(b []byte, count int, chunks []int) []byte {
	b = binary.AppendUvarint(b, uint64(count))
	b = binary.AppendUvarint(b, uint64(len(chunks)))
	for _, c := range chunks {
		b = binary.AppendUvarint(b, uint64(c))
	}
	return b
}

type snapEncoder struct {
	tab  map[string]uint64
	strs []string
	// syms maps the symbols met so far to their index in strs: a 4-byte
	// key hashes faster than the text, for six fields of every sale.
	syms    map[incent.Sym]uint64
	lastSym [10]struct {
		y incent.Sym
		i uint64
	}

	// The value each field of a sale (by str's field number) had last,
	// with its index: most sales repeat the last one's sale type,
	// condition and empty cells, and need no map.
	last [10]struct {
		s   string
		i   uint64
		set bool
	}
}

// str appends a repeated value (dealer code, model, sale type...) as an
// index into the string table; field numbers the sale's field.
func (e *snapEncoder) str(b []byte, field int, s string) []byte {
	if l := &e.last[field]; l.set && l.s == s {
		return binary.AppendUvarint(b, l.i)
	}
	i, ok := e.tab[s]
	if !ok {
		i = uint64(len(e.strs))
		e.tab[s] = i
		e.strs = append(e.strs, s)
	}
	e.last[field].s, e.last[field].i, e.last[field].set = s, i, true
	return binary.AppendUvarint(b, i)
}

// sym appends a symbol field as str would its text.
// Most sales repeat the last one's symbol in a field, which then needs no
// map either.
func (e *snapEncoder) sym(b []byte, field int, y incent.Sym) []byte {
	l := &e.lastSym[field]
	if !l.y.Equal(y) || l.y.IsZero() {
		i, ok := e.syms[y]
		if !ok {
			if e.syms == nil {
				e.syms = map[incent.Sym]uint64{}
			}
			b = e.str(b, field, y.String())
			e.syms[y] = e.last[field].i
			l.y, l.i = y, e.last[field].i
			return b
		}
		l.y, l.i = y, i
	}
	return binary.AppendUvarint(b, l.i)
}

func appendRaw(b []byte, s string) []byte {
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}

// appendSnapDecimal writes d exactly, coefficient and exponent: a parsed
// "41250.00" stays 4125000 × 10⁻².
func appendSnapDecimal(b []byte, d decimal.Decimal) []byte {
	switch {
	case d == decimal.Decimal{}:
		return append(b, 0)
	case d.NumDigits() <= 18:
		b = append(b, 1)
		b = binary.AppendVarint(b, d.CoefficientInt64())
	default:
		c := d.Coefficient()
		b = append(b, 2)
		b = append(b, byte(c.Sign()+1))
		b = appendRaw(b, string(c.Bytes()))
	}
	return binary.AppendVarint(b, int64(d.Exponent()))
}

// appendSnapAmount appends a sale's amount: 0 for an empty cell, else
// the amount as appendSnapDecimal writes its decimal.
func appendSnapAmount(b []byte, a incent.Amount) []byte {
	if !a.Has() {
		return append(b, 0)
	}
	n, exp, ok := a.Scaled()
	if !ok {
		return appendSnapDecimal(b, a.Decimal())
	}
	b = append(b, 1)
	b = binary.AppendVarint(b, n)
	return binary.AppendVarint(b, int64(exp))
}

func (e *snapEncoder) sale(b []byte, s *incent.Sale, owner int64) []byte {
	b = appendRaw(b, s.DealID)
	b = appendRaw(b, s.VIN)
	b = e.sym(b, 0, s.DealerCode)
	b = binary.AppendVarint(b, int64(s.SaleDate))
	b = e.sym(b, 1, s.SaleType)
	b = e.sym(b, 2, s.Condition)
	b = e.sym(b, 3, s.ModelCode)
	b = binary.AppendVarint(b, int64(s.ModelYear))
	b = e.sym(b, 4, s.Family)
	b = appendSnapAmount(b, s.MSRP)
	b = appendSnapAmount(b, s.SaleAmount)
	x := s.Extra
	var flags byte
	if x != nil {
		flags = 1
	}
	b = append(b, flags)
	b = binary.AppendVarint(b, int64(s.Quantity))
	b = e.str(b, 5, s.Salesperson)
	if x != nil {
		b = e.str(b, 6, x.DeliveringDealer)
		b = e.str(b, 7, x.Split)
		b = e.str(b, 8, x.RebateCode)
		b = appendSnapAmount(b, x.RebateAmount)
		b = binary.AppendVarint(b, int64(x.ClaimDate))
	}
	b = e.sym(b, 9, s.File)
	b = binary.AppendVarint(b, int64(s.Line))
	return binary.AppendVarint(b, owner)
}

type snapDecoder struct {
	b    []byte
	s    string // the same bytes as b, to cut strings from
	p    int
	strs []string
	syms []incent.Sym // the symbols of strs, made as they are first met

	// decimals decoded so far: equal amounts share one value, as they do
	// when parsed (see ingest's rowCtx.amounts).
	decimals map[smallDecimal]decimal.Decimal
	// extras is the block the next sale's extra columns go in.
	extras []incent.SaleExtra
}

type smallDecimal struct {
	coef int64
	exp  int32
}

func (d *snapDecoder) uvarint() uint64 {
	v, n := binary.Uvarint(d.b[d.p:])
	if n <= 0 {
		panic("bad uvarint at " + strconv.Itoa(d.p))
	}
	d.p += n
	return v
}

// minSaleBytes is the fewest bytes a sale record takes: one at least for
// each of its 17 fields.
const minSaleBytes = 17

// count reads a number of things that take at least size bytes each, and
// refuses one the rest of the body could not hold, so a damaged count
// cannot ask for an enormous allocation.
func (d *snapDecoder) count(size int) int {
	n := d.uvarint()
	if n > uint64((len(d.b)-d.p)/size) {
		panic("count " + strconv.FormatUint(n, 10) + " larger than the rest of the body")
	}
	return int(n)
}

func (d *snapDecoder) varint() int64 {
	v, n := binary.Varint(d.b[d.p:])
	if n <= 0 {
		panic("bad varint at " + strconv.Itoa(d.p))
	}
	d.p += n
	return v
}

func (d *snapDecoder) raw() string {
	n := d.count(1)
	s := d.s[d.p : d.p+n]
	d.p += n
	return s
}

func (d *snapDecoder) str() string { return d.strs[d.uvarint()] }

// sym returns the next string as a symbol. Only the strings sales hold
// as symbols are interned: the table also holds salespeople and splits.
func (d *snapDecoder) sym() incent.Sym {
	i := d.uvarint()
	if d.syms == nil {
		d.syms = make([]incent.Sym, len(d.strs))
	}
	y := d.syms[i]
	if y.IsZero() {
		y = incent.Intern(d.strs[i])
		d.syms[i] = y
	}
	return y
}

func (d *snapDecoder) decimal() decimal.Decimal {
	tag := d.b[d.p]
	d.p++
	switch tag {
	case 0:
		return decimal.Decimal{}
	case 1:
		k := smallDecimal{d.varint(), 0}
		k.exp = int32(d.varint())
		if v, ok := d.decimals[k]; ok {
			return v
		}
		v := decimal.New(k.coef, k.exp)
		if d.decimals == nil {
			d.decimals = map[smallDecimal]decimal.Decimal{}
		}
		if len(d.decimals) < 1<<16 {
			d.decimals[k] = v
		}
		return v
	case 2:
		sign := int(d.b[d.p]) - 1
		d.p++
		c := new(big.Int).SetBytes([]byte(d.raw()))
		if sign < 0 {
			c.Neg(c)
		}
		return decimal.NewFromBigInt(c, int32(d.varint()))
	}
	panic("bad decimal tag at " + strconv.Itoa(d.p-1))
}

// amount reads what appendSnapAmount wrote.
func (d *snapDecoder) amount() incent.Amount {
	switch d.b[d.p] {
	case 0:
		d.p++
		return incent.Amount{}
	case 1:
		d.p++
		n := d.varint()
		a, ok := incent.ScaledAmount(n, int32(d.varint()))
		if !ok {
			panic("bad amount at " + strconv.Itoa(d.p))
		}
		return a
	}
	return incent.AmountOf(d.decimal())
}

func (d *snapDecoder) sale(s *incent.Sale) (owner int64) {
	s.DealID = d.raw()
	s.VIN = d.raw()
	s.DealerCode = d.sym()
	s.SaleDate = incent.Date(d.varint())
	s.SaleType = d.sym()
	s.Condition = d.sym()
	s.ModelCode = d.sym()
	s.ModelYear = int32(d.varint())
	s.Family = d.sym()
	s.MSRP = d.amount()
	s.SaleAmount = d.amount()
	flags := d.b[d.p]
	d.p++
	s.Quantity = int32(d.varint())
	s.Salesperson = d.str()
	s.Extra = nil
	if flags&1 != 0 {
		if len(d.extras) == cap(d.extras) {
			d.extras = make([]incent.SaleExtra, 0, 256)
		}
		d.extras = append(d.extras, incent.SaleExtra{})
		x := &d.extras[len(d.extras)-1]
		x.DeliveringDealer = d.str()
		x.Split = d.str()
		x.RebateCode = d.str()
		x.RebateAmount = d.amount()
		x.ClaimDate = incent.Date(d.varint())
		s.Extra = x
	}
	s.File = d.sym()
	s.Line = int32(d.varint())
	return d.varint()
}
