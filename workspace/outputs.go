package workspace

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/incent/incent"
	"github.com/incent/incent/calc"
	"github.com/incent/incent/internal/pages"
	"github.com/incent/incent/rules"
	"github.com/incent/incent/statements"
	"github.com/incent/incent/store"
	"github.com/shopspring/decimal"
)

// logName is the calculation log's file name in a run's folder.
const logName = "calc-log.jsonl"

// Manifest is manifest.json: what a run used and what it produced.
type Manifest struct {
	RunID        string            `json:"run_id"`
	Period       string            `json:"period"`
	AsOf         string            `json:"as_of,omitempty"`
	Provisional  bool              `json:"provisional"`
	ToolVersion  string            `json:"tool_version"`
	StartedAt    string            `json:"started_at"`
	FinishedAt   string            `json:"finished_at"`
	User         string            `json:"user"`
	Rounding     string            `json:"rounding"`
	Inputs       []Reconciliation  `json:"inputs"`
	Programs     []ManifestProgram `json:"programs"`
	Replacements []string          `json:"replacements,omitempty"`
	Files        map[string]string `json:"files"` // run file -> SHA-256
	ResultDigest string            `json:"result_digest"`
	Totals       []CurrencyTotal   `json:"totals"`
	Rejects      int               `json:"rejects"`
	Warnings     []string          `json:"warnings,omitempty"` // "file:row: column: reason" of rows accepted with a warning
}

// ManifestProgram is a program version a run used.
type ManifestProgram struct {
	ID      string `json:"id"`
	Version int    `json:"version"`
	Name    string `json:"name"`
	Type    string `json:"type"`
	Payee   string `json:"payee"`
	File    string `json:"file"`
	SHA256  string `json:"sha256"`
}

// writeFiles writes every run file of SPEC §7 into dir and returns the
// manifest it wrote.
func (cp *computed) writeFiles(dir string, run *store.Run, env Env, opts CalcOptions) ([]byte, error) {
	m := Manifest{RunID: run.ID, Period: run.Period, AsOf: run.AsOf, Provisional: !opts.AsOf.IsZero(),
		ToolVersion: env.ToolVersion, StartedAt: run.StartedAt, FinishedAt: run.FinishedAt, User: env.User,
		Rounding: cp.rounding.String(), Inputs: cp.ds.recon, Replacements: cp.ds.log, ResultDigest: cp.digest,
		Rejects: len(cp.ds.rejects), Files: map[string]string{}}
	for _, w := range cp.ds.warnings {
		m.Warnings = append(m.Warnings, w.Error())
	}
	for _, p := range cp.progs {
		m.Programs = append(m.Programs, ManifestProgram{ID: p.ID, Version: p.Version, Name: p.Name, Type: string(p.Type),
			Payee: string(p.Payee), File: p.File, SHA256: p.SHA256})
	}
	m.Totals = cp.summary().Totals

	writers := []struct {
		name  string
		write func(io.Writer) error
	}{
		{"payouts.csv", func(w io.Writer) error { return cp.writePayouts(w, run.ID) }},
		{"payments.csv", func(w io.Writer) error { return cp.writePayments(w, run.ID) }},
		{logName, cp.writeLog},
		{"rejects.csv", cp.writeRejects},
		{"summary.xlsx", func(w io.Writer) error {
			return statements.RenderSummary(w, cp.summaryModel(run.ID))
		}},
	}
	// The files are independent, so they are written side by side: the
	// calculation log, the largest, alongside the summary workbook. Each
	// writer fills only its own slot, and the first error in list order wins.
	shas := make([]string, len(writers))
	errs := make([]error, len(writers))
	var wg sync.WaitGroup
	for i, wr := range writers {
		wg.Go(func() {
			switch {
			case wr.name == logName && cp.reused != nil:
				// Being taken from an earlier run, in dir already.
				shas[i], errs[i] = cp.reused.finish(cp)
				return
			case wr.name == logName && cp.log != nil:
				// Begun during the payout pass, in dir already.
				shas[i], errs[i] = cp.log.finish(cp.writePayoutLog)
				return
			}
			shas[i], errs[i] = writeFile(filepath.Join(dir, wr.name), wr.write)
		})
	}
	wg.Wait()
	for i, wr := range writers {
		if errs[i] != nil {
			return nil, fmt.Errorf("write %s: %w", wr.name, errs[i])
		}
		m.Files[wr.name] = shas[i]
	}
	if opts.Statements {
		pages.EndHugeHeap() // statements gain nothing from huge pages; see pages.EndHugeHeap
		sts, fill := cp.statements(run.ID, newPayeeNames(cp.ds.dealers, cp.lines))
		env.progress("rendering %d statements", len(sts))
		if err := statements.RenderAllOpts(filepath.Join(dir, "statements"), sts,
			statements.Options{Workers: opts.Workers, Fill: fill, Progress: env.statementProgress}); err != nil {
			return nil, fmt.Errorf("render statements: %w", err)
		}
	}
	data, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return nil, err
	}
	data = append(data, '\n')
	if err := os.WriteFile(filepath.Join(dir, "manifest.json"), data, 0o644); err != nil {
		return nil, err
	}
	return data, nil
}

// hashedFile is a run file being written through a buffer, with the
// SHA-256 of what is written.
type hashedFile struct {
	f  io.WriteCloser
	h  hash.Hash
	bw *bufio.Writer
}

func createHashed(path string) (*hashedFile, error) {
	return newHashed(os.Create(path))
}

func newHashed(f io.WriteCloser, err error) (*hashedFile, error) {
	if err != nil {
		return nil, err
	}
	h := sha256.New()
	return &hashedFile{f: f, h: h, bw: bufio.NewWriterSize(io.MultiWriter(f, h), 1<<20)}, nil
}

// close flushes and closes the file and returns its SHA-256; after an
// earlier error err it only closes, and returns err.
func (hf *hashedFile) close(err error) (string, error) {
	if err == nil {
		err = hf.bw.Flush()
	}
	if cerr := hf.f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return "", err
	}
	return hex.EncodeToString(hf.h.Sum(nil)), nil
}

// writeFile writes through a buffer and returns the SHA-256 of what it wrote.
func writeFile(path string, write func(io.Writer) error) (string, error) {
	hf, err := createHashed(path)
	if err != nil {
		return "", err
	}
	return hf.close(write(hf.bw))
}

// earlyLog is calc-log.jsonl begun while the payout pass runs: its sale
// lines depend on eligibility and crediting alone.
type earlyLog struct {
	hf   *hashedFile // nil once closed, or when it could not be created
	quit chan struct{}
	done chan struct{}
	err  error // of the sale lines, once done is closed
}

// startLog creates path and writes res's sale lines into it on other
// goroutines.
func startLog(path string, res *calc.Result, dealers map[string]*incent.Dealer) *earlyLog {
	l := &earlyLog{quit: make(chan struct{}), done: make(chan struct{})}
	if l.hf, l.err = newHashed(createDirect(path)); l.err != nil {
		close(l.done)
		return l
	}
	go func() {
		defer close(l.done)
		l.err = writeSaleLog(l.hf.bw, res, dealers, l.quit)
	}()
	return l
}

// finish waits for the sale lines, appends the rest of the log with write,
// closes the file and returns its SHA-256.
func (l *earlyLog) finish(write func(io.Writer) error) (string, error) {
	<-l.done
	if l.hf == nil {
		return "", l.err
	}
	err := l.err
	if err == nil {
		err = write(l.hf.bw)
	}
	hf := l.hf
	l.hf = nil
	return hf.close(err)
}

// abandon stops a log whose run will not be written and waits until
// nothing writes to it any more. It does nothing after finish, or on nil.
func (l *earlyLog) abandon() {
	if l == nil {
		return
	}
	close(l.quit)
	<-l.done
	if l.hf != nil {
		l.hf.f.Close()
		l.hf = nil
	}
}

// csvWriter writes CSV with every text cell neutralised against formula
// injection.
type csvWriter struct{ w *csv.Writer }

func newCSV(w io.Writer) *csvWriter { return &csvWriter{w: csv.NewWriter(w)} }

func (c *csvWriter) text(cells ...string) {
	for i := range cells {
		cells[i] = statements.NeutraliseCell(cells[i])
	}
	c.w.Write(cells)
}

// raw writes cells that the program produced itself (numbers, codes it
// checked), where a leading minus is a negative amount, not a formula.
func (c *csvWriter) raw(cells ...string) { c.w.Write(cells) }

func (c *csvWriter) flush() error { c.w.Flush(); return c.w.Error() }

func (cp *computed) writePayouts(w io.Writer, runID string) error {
	cw := newCSV(w)
	cw.raw("period", "run_id", "payee_type", "payee", "program_id", "program_version", "kind", "currency", "measure", "tier", "amount")
	for _, l := range cp.lines {
		cw.raw(cp.opts.Period.Code, runID, l.PayeeType, statements.NeutraliseCell(l.Payee), l.ProgramID,
			strconv.Itoa(l.ProgramVersion), l.Kind, l.Currency, l.Measure, l.Tier, l.Amount)
	}
	return cw.flush()
}

func (cp *computed) writePayments(w io.Writer, runID string) error {
	type key struct{ payeeType, payee, cur string }
	totals := map[key]incent.Sum{}
	minor := map[string]int32{}
	for _, l := range cp.res.Lines {
		k := key{string(l.PayeeType), l.Payee, l.Currency.Code}
		t := totals[k]
		t.Add(l.Amount.Decimal())
		totals[k] = t
		minor[l.Currency.Code] = l.Currency.Minor
	}
	keys := make([]key, 0, len(totals))
	for k := range totals {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		a, b := keys[i], keys[j]
		if a.payeeType != b.payeeType {
			return a.payeeType < b.payeeType
		}
		if a.payee != b.payee {
			return a.payee < b.payee
		}
		return a.cur < b.cur
	})
	// A group or salesperson with another payee's code is named as its
	// statement files are (group-X), so accounts payable never sees one
	// payee code on two payees' rows.
	names := newPayeeNames(cp.ds.dealers, cp.lines)
	cw := newCSV(w)
	cw.raw("payee", "name", "currency", "amount", "run_id")
	for _, k := range keys {
		total := totals[k]
		cw.raw(statements.NeutraliseCell(names.name(k.payeeType, k.payee)), statements.NeutraliseCell(cp.payeeName(rules.PayeeKind(k.payeeType), k.payee)),
			k.cur, total.Value().StringFixed(minor[k.cur]), runID)
	}
	return cw.flush()
}

func (cp *computed) payeeName(kind rules.PayeeKind, code string) string {
	if kind == rules.PayeeDealer {
		if d := cp.dealers[code]; d != nil {
			return d.Name
		}
	}
	return code
}

func (cp *computed) writeRejects(w io.Writer) error {
	cw := newCSV(w)
	cw.raw("file", "row", "column", "reason", "raw")
	// The raw row is itself a CSV line, quoted as the input would be; one
	// writer serves every row.
	var raw bytes.Buffer
	rw := csv.NewWriter(&raw)
	for _, r := range cp.ds.rejects {
		raw.Reset()
		rw.Write(r.Raw)
		rw.Flush()
		cw.text(r.File, strconv.Itoa(r.Row), r.Column, r.Reason, strings.TrimRight(raw.String(), "\n"))
	}
	return cw.flush()
}

// logSale is one calc-log line for a sale: what identifies it, then per
// program it counts for the credit of each payee (and the credited revenue
// when the program measures or pays on revenue), and the programs it did
// not count for, grouped under the reason each gave.
type logSale struct {
	Sale     string                       `json:"sale"`
	Dealer   string                       `json:"dealer"`
	Deal     string                       `json:"deal"`
	VIN      string                       `json:"vin"`
	Date     string                       `json:"date"`
	Model    string                       `json:"model"`
	Type     string                       `json:"sale_type"`
	Quantity int                          `json:"quantity"`
	Reverses string                       `json:"reverses,omitempty"`
	Counts   map[string]map[string]string `json:"counts,omitempty"`   // program -> payee -> credited units
	Revenue  map[string]map[string]string `json:"revenue,omitempty"`  // program -> payee -> credited revenue
	Excluded map[string][]string          `json:"excluded,omitempty"` // reason -> programs
}

// reasonFor is the reason program id gave for not counting the sale.
func (s *logSale) reasonFor(id string) (string, bool) {
	for reason, ids := range s.Excluded {
		if slices.Contains(ids, id) {
			return reason, true
		}
	}
	return "", false
}

// logPayout is one calc-log line for a payout step.
type logPayout struct {
	Payout    string   `json:"payout"`
	PayeeType string   `json:"payee_type"`
	Payee     string   `json:"payee"`
	Program   string   `json:"program"`
	Version   int      `json:"version"`
	Measure   string   `json:"measure"`
	MeasureOf string   `json:"measure_kind,omitempty"`
	Tier      string   `json:"tier,omitempty"`
	NextTier  string   `json:"next_tier,omitempty"`
	Formula   []string `json:"formula"`
	Unrounded string   `json:"unrounded"`
	Rounding  string   `json:"rounding"`
	Amount    string   `json:"amount"`
	Currency  string   `json:"currency"`
}

// writeLog writes calc-log.jsonl: one line per sale of the period (its
// credits per program it counts for and the reason per program that
// excluded it), then one line per payout step. Nothing in it depends on
// file names, row numbers, input order or the number of cores.
//
// Sale lines are written by hand, byte for byte what encoding/json gives
// for logSale (keys in sorted order): a million of them through reflection
// and maps would be the slowest part of a quarter close. They are formatted
// in chunks on every core and written in sale order.
func (cp *computed) writeLog(w io.Writer) error {
	if err := writeSaleLog(w, cp.res, cp.dealers, nil); err != nil {
		return err
	}
	return cp.writePayoutLog(w)
}

// errLogAbandoned ends the writing of sale lines for a run that stopped.
var errLogAbandoned = errors.New("calculation log abandoned")

// writeSaleLog writes the sale lines of calc-log.jsonl. It reads only what
// eligibility and crediting decided, so it can run alongside the payout
// pass. Closing quit stops it early with errLogAbandoned.
func writeSaleLog(w io.Writer, res *calc.Result, dealers map[string]*incent.Dealer, quit <-chan struct{}) error {
	progJSON := make([][]byte, len(res.Programs))
	for i, p := range res.Programs {
		progJSON[i] = appendJSONString(nil, p.ID)
	}
	quitted, err := writeOrdered(w, len(res.Sales), 1536, quit, func() func(b []byte, from, to int) []byte {
		lw := &logWriter{res: res, reasons: res.Reasons(dealers), progJSON: progJSON, payeeJSON: make([][]byte, res.NumPayees())}
		return func(b []byte, from, to int) []byte {
			for i := from; i < to; i++ {
				b = lw.appendSale(b, &res.Sales[i])
			}
			return b
		}
	})
	if err != nil {
		return err
	}
	if quitted {
		return errLogAbandoned
	}
	return nil
}

// writeOrdered writes n items to w in order, formatted a chunk at a time
// on every core: each worker gets a function from newWorker (its own state)
// and appends items from to to-1 of a chunk to a buffer. size is about
// the bytes of one item. Closing quit (nil: never) stops it early and
// reports quitted.
func writeOrdered(w io.Writer, n, size int, quit <-chan struct{}, newWorker func() func(b []byte, from, to int) []byte) (bool, error) {
	const chunk = 1024
	workers := min(runtime.GOMAXPROCS(0), max(1, (n+chunk-1)/chunk))
	type job struct {
		from, to int
		out      chan []byte
	}
	jobs := make(chan job)
	order := make(chan chan []byte, 2*workers)
	free := make(chan []byte, 4*workers) // written buffers, for reuse
	stop := make(chan struct{})
	defer close(stop)
	quitted := false // set by the goroutine below, read once it has closed order
	go func() {
		defer close(order)
		defer close(jobs)
		for from := 0; from < n; from += chunk {
			out := make(chan []byte, 1)
			select {
			case order <- out:
			case <-stop:
				return
			case <-quit:
				quitted = true
				return
			}
			select {
			case jobs <- job{from, min(n, from+chunk), out}:
			case <-stop:
				return
			}
		}
	}()
	// A chunk's buffer is made at the size of the largest chunk yet, with
	// room to spare, so that its lines are not copied again and again as
	// it grows: a million sales' lines are over a gigabyte.
	var largest atomic.Int64
	largest.Store(int64(min(chunk, n)) * int64(size))
	for range workers {
		go func() {
			format := newWorker()
			for j := range jobs {
				var b []byte
				select {
				case b = <-free:
				default:
					n := largest.Load()
					b = make([]byte, 0, n+n/8)
				}
				b = format(b[:0], j.from, j.to)
				for n := int64(len(b)); ; {
					if cur := largest.Load(); n <= cur || largest.CompareAndSwap(cur, n) {
						break
					}
				}
				j.out <- b
			}
		}()
	}
	for out := range order {
		b := <-out
		if _, err := w.Write(b); err != nil {
			return false, err
		}
		select {
		case free <- b:
		default:
		}
	}
	return quitted, nil
}

// writePayoutLog writes the payout lines of calc-log.jsonl, which follow
// the sale lines: byte for byte what encoding/json writes for logPayout,
// written by hand as the sale lines are, and formatted on every core as
// they are.
func (cp *computed) writePayoutLog(w io.Writer) error {
	lines := cp.res.Lines
	_, err := writeOrdered(w, len(lines), 640, nil, func() func(b []byte, from, to int) []byte {
		var num [40]byte // a number's text, before it is made a string
		return func(b []byte, from, to int) []byte {
			for i := from; i < to; i++ {
				l := &lines[i]
				// One number at a time through num: a conversion within
				// one expression may come after the next append.
				measure := string(l.Measure.Append(num[:0]))
				unrounded := string(l.Unrounded.Append(num[:0]))
				amount := string(l.Amount.AppendFixed(num[:0], l.Currency.Minor))
				lp := logPayout{Payout: string(l.PayeeType) + "/" + l.Payee + "/" + l.ProgramID, PayeeType: string(l.PayeeType),
					Payee: l.Payee, Program: l.ProgramID, Version: l.ProgramVersion, Measure: measure, MeasureOf: l.MeasureKind, Tier: l.Tier,
					NextTier: l.NextTier, Formula: l.Formula, Unrounded: unrounded, Rounding: l.Rounding.String(),
					Amount: amount, Currency: l.Currency.Code}
				b = lp.append(b)
			}
			return b
		}
	})
	return err
}

// append appends lp as one JSON line, as encoding/json encodes it with HTML
// escaping off: fields in declaration order, empty omitempty ones left
// out, a nil formula as null.
func (lp *logPayout) append(b []byte) []byte {
	b = appendField(append(b, '{'), "payout", lp.Payout, true)
	b = appendField(b, "payee_type", lp.PayeeType, false)
	b = appendField(b, "payee", lp.Payee, false)
	b = appendField(b, "program", lp.Program, false)
	b = appendIntField(b, "version", lp.Version)
	b = appendField(b, "measure", lp.Measure, false)
	if lp.MeasureOf != "" {
		b = appendField(b, "measure_kind", lp.MeasureOf, false)
	}
	if lp.Tier != "" {
		b = appendField(b, "tier", lp.Tier, false)
	}
	if lp.NextTier != "" {
		b = appendField(b, "next_tier", lp.NextTier, false)
	}
	b = append(b, `,"formula":`...)
	if lp.Formula == nil {
		b = append(b, "null"...)
	} else {
		b = append(b, '[')
		for i, f := range lp.Formula {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendJSONString(b, f)
		}
		b = append(b, ']')
	}
	b = appendField(b, "unrounded", lp.Unrounded, false)
	b = appendField(b, "rounding", lp.Rounding, false)
	b = appendField(b, "amount", lp.Amount, false)
	b = appendField(b, "currency", lp.Currency, false)
	return append(b, '}', '\n')
}

// logWriter formats sale lines of the calculation log; one per goroutine.
type logWriter struct {
	res      *calc.Result
	reasons  *calc.Reasons
	progJSON [][]byte // each program id as a JSON string
	// Each payee code as a JSON string, by Credit.PayeeIndex, once a credit
	// has named it: a million sales have ten million credits.
	payeeJSON [][]byte
	symJSON   [][]byte      // each symbol's text as a JSON string, by Sym.Number, once met
	credits   []calc.Credit // one program's credits, sorted by payee
	excl      []exclusion   // one sale's excluded programs

	// A sale's "excluded" member by the key of its reasons: most sales of
	// a quarter share theirs with many others.
	exclKey   []byte
	exclCache map[string][]byte
	// The members of the last sales whose keys name their own dealer or
	// dates (see calc.Reasons.AppendKey): each such key is shared by few
	// sales, which come together, so a few recent ones are kept, in
	// buffers used over and over, rather than filling the cache above.
	recent     [8]recentExcluded
	nextRecent int
}

type recentExcluded struct{ key, text []byte }

// maxExclCache bounds logWriter.exclCache; past it the cache starts over.
const maxExclCache = 1 << 14

type exclusion struct {
	reason  string
	program int
}

func (lw *logWriter) appendSale(b []byte, sr *calc.SaleResult) []byte {
	res := lw.res
	b = lw.appendSaleHead(b, sr)
	if sr.Original >= 0 {
		b = appendField(b, "reverses", SaleKey(sr.Basis), false)
	}
	if len(sr.Credits()) > 0 {
		// Credits come grouped by program in id order, which is the order
		// json writes the keys in; payees within a program are sorted here.
		b = append(b, `,"counts":{`...)
		b = lw.appendCredits(b, sr, false)
		b = append(b, '}')
		hasRevenue := false
		for _, cr := range sr.Credits() {
			if res.HasRevenue(cr) {
				hasRevenue = true
				break
			}
		}
		if hasRevenue {
			b = append(b, `,"revenue":{`...)
			b = lw.appendCredits(b, sr, true)
			b = append(b, '}')
		}
	}
	key, local, cacheable := lw.reasons.AppendKey(lw.exclKey[:0], sr)
	lw.exclKey = key
	switch {
	case !cacheable:
	case local:
		for i := range lw.recent {
			if e := &lw.recent[i]; bytes.Equal(e.key, key) {
				b = append(b, e.text...)
				return append(b, '}', '\n')
			}
		}
	default:
		if text, ok := lw.exclCache[string(key)]; ok {
			b = append(b, text...)
			return append(b, '}', '\n')
		}
	}
	start := len(b)
	b = lw.appendExcluded(b, sr)
	switch {
	case !cacheable:
	case local:
		e := &lw.recent[lw.nextRecent]
		e.key, e.text = append(e.key[:0], key...), append(e.text[:0], b[start:]...)
		lw.nextRecent = (lw.nextRecent + 1) % len(lw.recent)
	default:
		if lw.exclCache == nil || len(lw.exclCache) >= maxExclCache {
			lw.exclCache = make(map[string][]byte, 1024)
		}
		lw.exclCache[string(key)] = bytes.Clone(b[start:])
	}
	return append(b, '}', '\n')
}

// appendSaleHead writes a sale line from its opening brace to its
// quantity: the sale's key, dealer, deal, VIN, date, model and sale type.
func (lw *logWriter) appendSaleHead(b []byte, sr *calc.SaleResult) []byte {
	s := sr.Sale
	b = append(b, `{"sale":`...)
	if plainASCII(s.DealID) && plainASCII(s.VIN) {
		b = appendSaleKey(b, s)
		b = append(b, `,"dealer":`...)
		b = lw.appendSym(b, s.DealerCode)
		b = append(b, `,"deal":"`...)
		b = append(b, s.DealID...)
		b = append(b, `","vin":"`...)
		b = append(b, s.VIN...)
		b = append(b, '"')
	} else {
		b = appendJSONString(b, SaleKey(s))
		b = appendField(b, "dealer", s.DealerCode.String(), false)
		b = appendField(b, "deal", s.DealID, false)
		b = appendField(b, "vin", s.VIN, false)
	}
	b = append(b, `,"date":"`...)
	b = s.SaleDate.Append(b)
	b = append(b, `","model":`...)
	b = lw.appendSym(b, sr.Basis.ModelCode)
	b = append(b, `,"sale_type":`...)
	b = lw.appendSym(b, sr.Basis.SaleType)
	return appendIntField(b, "quantity", int(s.Quantity))
}

// appendSym appends sym's text as a JSON string, made once per symbol:
// a quarter's sales share a few thousand dealer codes, models and sale
// types.
func (lw *logWriter) appendSym(b []byte, sym incent.Sym) []byte {
	n := int(sym.Number())
	if n >= len(lw.symJSON) {
		lw.symJSON = append(lw.symJSON, make([][]byte, n+1-len(lw.symJSON)+len(lw.symJSON)/2)...)
	}
	if lw.symJSON[n] == nil {
		lw.symJSON[n] = appendJSONString(nil, sym.String())
	}
	return append(b, lw.symJSON[n]...)
}

// appendExcluded writes `,"excluded":{...}` for the programs sr did not
// count for, or nothing when it counted for all.
func (lw *logWriter) appendExcluded(b []byte, sr *calc.SaleResult) []byte {
	res := lw.res
	// The excluded programs, sorted by reason (as json sorts keys) with
	// program order kept within a reason: runs of one reason are its list.
	lw.excl = lw.excl[:0]
	for pi := range res.Programs {
		if sr.Counted(pi) {
			continue
		}
		e := exclusion{reason: lw.reasons.Text(sr, pi), program: pi}
		j := len(lw.excl)
		lw.excl = append(lw.excl, e)
		for ; j > 0 && e.reason < lw.excl[j-1].reason; j-- {
			lw.excl[j] = lw.excl[j-1]
		}
		lw.excl[j] = e
	}
	if len(lw.excl) > 0 {
		b = append(b, `,"excluded":{`...)
		for i, e := range lw.excl {
			switch {
			case i == 0:
				b = appendJSONString(b, e.reason)
				b = append(b, ':', '[')
			case e.reason != lw.excl[i-1].reason:
				b = append(b, ']', ',')
				b = appendJSONString(b, e.reason)
				b = append(b, ':', '[')
			default:
				b = append(b, ',')
			}
			b = append(b, lw.progJSON[e.program]...)
		}
		b = append(b, ']', '}')
	}
	return b
}

// appendCredits writes `"PROGRAM":{"payee":"value",...},...` for every
// program the sale counts for: the credited units, or the credited revenue
// (only credits that have some).
func (lw *logWriter) appendCredits(b []byte, sr *calc.SaleResult, revenue bool) []byte {
	first := true
	all := sr.Credits()
	for i := 0; i < len(all); {
		j := i
		for j < len(all) && all[j].Program == all[i].Program {
			j++
		}
		credits := all[i:j]
		switch {
		case j-i == 1: // one payee, as for most programs: nothing to sort
			if revenue && !lw.res.HasRevenue(credits[0]) {
				credits = nil
			}
		default:
			lw.credits = append(lw.credits[:0], credits...)
			if revenue {
				lw.credits = slices.DeleteFunc(lw.credits, func(c calc.Credit) bool { return !lw.res.HasRevenue(c) })
			}
			if len(lw.credits) > 1 {
				slices.SortFunc(lw.credits, func(a, b calc.Credit) int { return strings.Compare(lw.res.Payee(a), lw.res.Payee(b)) })
			}
			credits = lw.credits
		}
		if len(credits) > 0 {
			if !first {
				b = append(b, ',')
			}
			first = false
			b = append(b, lw.progJSON[all[i].Program]...)
			b = append(b, ':', '{')
			for k, cr := range credits {
				if k > 0 {
					b = append(b, ',')
				}
				p := cr.PayeeIndex()
				if lw.payeeJSON[p] == nil {
					lw.payeeJSON[p] = appendJSONString(nil, lw.res.Payee(cr))
				}
				b = append(b, lw.payeeJSON[p]...)
				b = append(b, ':', '"')
				switch {
				case revenue:
					b = lw.res.AppendRevenue(b, cr)
				case cr.Whole != 0: // the sale's whole quantity: 1, or -1 for a reversal
					b = strconv.AppendInt(b, int64(cr.Whole), 10)
				default:
					b = lw.res.AppendUnits(b, cr)
				}
				b = append(b, '"')
			}
			b = append(b, '}')
		}
		i = j
	}
	return b
}

// salesOf lists the sales each payee sees, in sale order: a dealer sees
// every sale it sold and every sale credited to it; groups and salespeople
// see their credited sales. With pay set, only the payees it accepts.
//
// Each core lists ranges of chunk sales, and the ranges' lists are joined
// in order. A sale's credits name few payees, mostly its dealer over and
// over: the payees it was already added for are checked before any map,
// and the list of the dealer of the sale before is kept at hand.
func (cp *computed) salesOf(pay func(calc.Payee) bool, chunk int) map[calc.Payee][]*calc.SaleResult {
	res := cp.res
	parts := make([]map[calc.Payee]*[]*calc.SaleResult, (len(res.Sales)+chunk-1)/chunk)
	calc.Parallel(len(res.Sales), chunk, func(from, to int) {
		lists := map[calc.Payee]*[]*calc.SaleResult{}
		var added []calc.Payee // the payees the current sale was added for
		var lastPe calc.Payee
		var last *[]*calc.SaleResult
		add := func(pe calc.Payee, sr *calc.SaleResult) {
			if slices.Contains(added, pe) {
				return
			}
			if pay != nil && !pay(pe) {
				return
			}
			added = append(added, pe)
			if last == nil || pe != lastPe {
				l := lists[pe]
				if l == nil {
					l = new([]*calc.SaleResult)
					lists[pe] = l
				}
				lastPe, last = pe, l
			}
			*last = append(*last, sr)
		}
		for i := from; i < to; i++ {
			sr := &res.Sales[i]
			added = added[:0]
			dealer := calc.Payee{Type: rules.PayeeDealer, Code: sr.Sale.DealerCode.String()}
			add(dealer, sr)
			for _, cr := range sr.Credits() {
				pe := calc.Payee{Type: res.Programs[cr.Program].Payee, Code: res.Payee(cr)}
				if pe != dealer {
					add(pe, sr)
				}
			}
		}
		parts[from/chunk] = lists
	})
	salesOf := map[calc.Payee][]*calc.SaleResult{}
	for _, lists := range parts {
		for pe, l := range lists {
			salesOf[pe] = append(salesOf[pe], *l...)
		}
	}
	return salesOf
}

// summaryModel builds the analysts' summary workbook model.
func (cp *computed) summaryModel(runID string) *statements.Summary {
	s := &statements.Summary{Period: cp.opts.Period, RunID: runID, Provisional: !cp.opts.AsOf.IsZero(), Rejects: len(cp.ds.rejects),
		Rows: make([]statements.SummaryRow, 0, len(cp.res.Lines))}
	flagged := map[string]int{}
	for _, f := range cp.res.Flags {
		flagged[f.Dealer]++
	}
	for _, l := range cp.res.Lines {
		row := statements.SummaryRow{PayeeType: string(l.PayeeType), Payee: l.Payee, Name: cp.payeeName(l.PayeeType, l.Payee),
			ProgramID: l.ProgramID, ProgramVersion: l.ProgramVersion, Kind: l.Kind, Currency: l.Currency, Measure: l.Measure.Decimal(),
			Tier: l.Tier, Amount: l.Amount.Decimal()}
		if n := flagged[l.Payee]; n > 0 && l.PayeeType == rules.PayeeDealer {
			row.Flags = fmt.Sprintf("%d possible double claim(s)", n)
		}
		s.Rows = append(s.Rows, row)
	}
	for _, r := range cp.ds.recon {
		s.Inputs = append(s.Inputs, statements.InputReconciliation{File: r.File, Kind: r.Kind, Read: r.Read,
			Accepted: r.Accepted, Rejected: r.Rejected, Duplicate: r.Duplicate})
	}
	return s
}

// statements builds one statement per payee from the calculation's own
// decisions: nothing here recomputes a number.
// names names the payees of the whole run (see payeeNames), also when the
// statements of some payees only are rendered again.
func (cp *computed) statements(runID string, names payeeNames) ([]*statements.Statement, statements.Filler) {
	res := cp.res
	// Statements rendered again for some payees (opts.pay) are built for
	// those alone.
	pay := cp.opts.pay
	salesOf := cp.salesOf(pay, 1<<16)
	// The lines are sorted by payee: each payee's are one run of them.
	linesOf := map[calc.Payee][]calc.PayoutLine{}
	for i := 0; i < len(res.Lines); {
		l := &res.Lines[i]
		j := i + 1
		for j < len(res.Lines) && res.Lines[j].PayeeType == l.PayeeType && res.Lines[j].Payee == l.Payee {
			j++
		}
		pe := calc.Payee{Type: l.PayeeType, Code: l.Payee}
		if linesOf[pe] == nil {
			linesOf[pe] = res.Lines[i:j:j]
		} else {
			linesOf[pe] = append(linesOf[pe], res.Lines[i:j]...)
		}
		i = j
	}
	flagsOf := map[string][]calc.Flag{}
	for _, f := range res.Flags {
		flagsOf[f.Dealer] = append(flagsOf[f.Dealer], f)
	}

	var out []*statements.Statement
	for _, pe := range res.Payees {
		key := calc.Payee{Type: pe.Type, Code: pe.Code}
		if pay != nil && !pay(key) {
			continue
		}
		st := &statements.Statement{Period: cp.opts.Period, RunID: runID, Provisional: !cp.opts.AsOf.IsZero(), AsOf: cp.opts.AsOf,
			Payee: statements.Payee{Type: string(pe.Type), Code: pe.Code, Name: pe.Name}}
		if pe.Type == rules.PayeeDealer {
			if d := cp.dealers[pe.Code]; d != nil {
				st.Payee.Group, st.Payee.Region, st.Payee.Address = d.Group, d.Region, d.Address
			}
			for _, f := range flagsOf[pe.Code] {
				st.Flags = append(st.Flags, f.Text)
			}
		}
		totals := map[string]decimal.Decimal{}
		curs := map[string]incent.Currency{}
		st.Programs = make([]statements.ProgramLine, 0, len(linesOf[key]))
		for _, l := range linesOf[key] {
			pl := statements.ProgramLine{ProgramID: l.ProgramID, ProgramVersion: l.ProgramVersion, Currency: l.Currency,
				MeasureKind: l.MeasureKind, Measure: l.Measure.Decimal(), Tier: l.Tier, NextTier: l.NextTier, Formula: l.Formula,
				Unrounded: l.Unrounded.Decimal(), Amount: l.Amount.Decimal(), Rounding: l.Rounding.String(), CountedSales: l.Counted}
			for _, p := range res.Programs {
				if p.ID == l.ProgramID {
					pl.Name, pl.Type = p.Name, string(p.Type)
				}
			}
			st.Programs = append(st.Programs, pl)
			for _, co := range l.Claims {
				st.Claims = append(st.Claims, statements.Claim{ClaimID: co.Claim.ClaimID, ProgramID: l.ProgramID, Currency: l.Currency,
					InvoiceDate: co.Claim.InvoiceDate, SubmittedDate: co.Claim.SubmittedDate, Spend: co.Claim.SpendAmount,
					Paid: co.Paid, Outcome: co.Outcome, Reason: co.Reason})
			}
			totals[l.Currency.Code] = totals[l.Currency.Code].Add(l.Amount.Decimal())
			curs[l.Currency.Code] = l.Currency
		}
		for code, amt := range totals {
			st.Totals = append(st.Totals, statements.Total{Currency: curs[code], Amount: amt})
		}
		sort.Slice(st.Totals, func(i, j int) bool { return st.Totals[i].Currency.Code < st.Totals[j].Currency.Code })
		out = append(out, st)
	}
	// The sale lines, by far the largest part, are built by each render
	// worker just before the statement is drawn, with a reason formatter of
	// its own, and dropped after: a large run never holds every payee's sale
	// lines at once. A worker's next statement is filled only once its
	// previous one is drawn and its sale lines dropped, so each worker
	// builds them in the same arrays, statement after statement: at a
	// million sales that is tens of millions of outcomes not allocated.
	type workerLines struct {
		reasons  *calc.Reasons
		sales    []statements.SaleLine
		outcomes []statements.Outcome
		excluded map[string]int
	}
	var mu sync.Mutex
	workers := map[int]*workerLines{}
	fill := func(worker int, st *statements.Statement) {
		mu.Lock()
		wl := workers[worker]
		if wl == nil {
			wl = &workerLines{reasons: res.Reasons(cp.dealers), excluded: map[string]int{}}
			workers[worker] = wl
		}
		mu.Unlock()
		key := calc.Payee{Type: rules.PayeeKind(st.Payee.Type), Code: st.Payee.Code}
		clear(wl.excluded)
		sales := salesOf[key]
		// Every sale has one outcome per program paying this kind of
		// payee: one array holds them all.
		n := 0
		for _, p := range cp.res.Programs {
			if p.Payee == key.Type {
				n++
			}
		}
		wl.sales = slices.Grow(wl.sales[:0], len(sales))
		wl.outcomes = slices.Grow(wl.outcomes[:0], len(sales)*n)[:len(sales)*n]
		for i, sr := range sales {
			sl := cp.saleLine(sr, key, wl.reasons, wl.outcomes[i*n:i*n:(i+1)*n])
			for _, o := range sl.Outcomes {
				if !o.Counted {
					wl.excluded[o.ProgramID]++
				}
			}
			wl.sales = append(wl.sales, sl)
		}
		st.Sales = wl.sales
		for i := range st.Programs {
			st.Programs[i].ExcludedSales = wl.excluded[st.Programs[i].ProgramID]
		}
	}
	// A group or salesperson whose code is also another payee's keeps its
	// kind in its file name (group-X.pdf), so no statement overwrites another.
	for _, st := range out {
		if name := names.name(st.Payee.Type, st.Payee.Code); name != st.Payee.Code {
			st.File = name
		}
	}
	return out, fill
}

// payeeNames holds, per payee code, the kinds of payee of a run that carry
// it, compared without case as file names may be.
type payeeNames map[string]map[string]bool

// newPayeeNames collects the payees of a run: every dealer, paid or not,
// since each has a statement, and the payee of every payout line. lines
// must be all the run's lines, whatever payees are being written.
func newPayeeNames(dealers []incent.Dealer, lines []store.Line) payeeNames {
	n := payeeNames{}
	add := func(kind, code string) {
		code = strings.ToLower(code)
		if n[code] == nil {
			n[code] = map[string]bool{}
		}
		n[code][kind] = true
	}
	for _, d := range dealers {
		add(string(rules.PayeeDealer), d.Code)
	}
	for _, l := range lines {
		add(l.PayeeType, l.Payee)
	}
	return n
}

// name is how statement files and payments.csv name a payee: its code, or
// kind-code for a group or salesperson whose code another kind of payee
// of the run carries too.
func (n payeeNames) name(kind, code string) string {
	if kind != string(rules.PayeeDealer) && len(n[strings.ToLower(code)]) > 1 {
		return kind + "-" + code
	}
	return code
}

// saleLine is one sale as a payee's statement shows it: its outcome under
// every program that pays this kind of payee, appended to outcomes.
func (cp *computed) saleLine(sr *calc.SaleResult, pe calc.Payee, reasons *calc.Reasons, outcomes []statements.Outcome) statements.SaleLine {
	s, b := sr.Sale, sr.Basis
	sl := statements.SaleLine{Date: s.SaleDate, DealID: s.DealID, VIN: s.VIN, Model: b.ModelCode.String(), ModelYear: int(b.ModelYear),
		SaleType: b.SaleType.String(), Condition: b.Condition.String(), Quantity: int(s.Quantity), Amount: b.SaleAmount.Decimal(), Outcomes: outcomes}
	for pi, p := range cp.res.Programs {
		if p.Payee != pe.Type {
			continue
		}
		o := statements.Outcome{ProgramID: p.ID}
		if sr.Counted(pi) {
			var to []string
			for _, cr := range sr.Credits() {
				if int(cr.Program) != pi {
					continue
				}
				if code := cp.res.Payee(cr); code == pe.Code {
					o.Counted = true
					o.Credit = cp.res.Units(cr)
				} else {
					to = append(to, code)
				}
			}
			if !o.Counted {
				o.Reason = "credited to " + strings.Join(to, ", ")
			}
		} else {
			o.Reason = reasons.Text(sr, pi)
		}
		sl.Outcomes = append(sl.Outcomes, o)
	}
	if sr.Original >= 0 {
		sl.Flag = "reverses the sale of " + b.SaleDate.String()
	}
	return sl
}
