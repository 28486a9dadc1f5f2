package workspace

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"io"
	"io/fs"
	"os"
	"runtime"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/incent/incent"
	"github.com/incent/incent/calc"
	"github.com/incent/incent/ingest"
	"github.com/incent/incent/internal/arena"
	"github.com/incent/incent/internal/offheap"
	"github.com/incent/incent/internal/pages"
	"github.com/incent/incent/rules"
	"github.com/incent/incent/store"
)

// Reconciliation is one input file's account of its rows in a run:
// Read = Accepted + Rejected + Duplicate.
type Reconciliation struct {
	Kind      string `json:"kind"`
	File      string `json:"file"`
	SHA256    string `json:"sha256"`
	Read      int    `json:"read"`
	Accepted  int    `json:"accepted"`
	Rejected  int    `json:"rejected"`
	Duplicate int    `json:"duplicate"`
	Replaced  int    `json:"replaced,omitempty"` // rows of files or versions ingested earlier this file replaced
	// ProfileSHA256 is the SHA-256 of the profile the version was read
	// with (stored with it), so that verify can tell it was not changed.
	ProfileSHA256 string `json:"profile_sha256,omitempty"`
	New           bool   `json:"-"` // ingested by this command
}

// Line returns the reconciliation as SPEC §3.3 prints it.
func (r Reconciliation) Line() string {
	s := fmt.Sprintf("%s: read %d = accepted %d + rejected %d + duplicate %d", r.File, r.Read, r.Accepted, r.Rejected, r.Duplicate)
	if r.Replaced > 0 {
		s += fmt.Sprintf(" (replaced %d rows ingested earlier)", r.Replaced)
	}
	return s
}

// Kinds lists the input kinds in the order they are read: dealers first,
// since sales are checked against them.
var Kinds = []ingest.Kind{ingest.KindDealers, ingest.KindObjectives, ingest.KindCertifications, ingest.KindClaims, ingest.KindSales}

// dataset is every accepted row of every stored input version, resolved
// by key: later versions win, exact repeats are duplicates.
type dataset struct {
	files      []store.InputFile
	recon      []Reconciliation
	rejects    []ingest.Reject
	warnings   []ingest.Warning // of accepted rows (vin_check: warn)
	sales      []incent.Sale
	dealers    []incent.Dealer
	objectives []incent.Objective
	certs      []incent.Certification
	claims     []incent.Claim
	log        []string                // replacements, for the calculation log
	reconOf    map[int64]int           // file version (ingest seq) -> its entry in recon
	problems   map[int64]*fileProblems // file version (ingest seq) -> its own rejects and warnings

	dealerIdx, objectiveIdx, certIdx, claimIdx keyIndex
	// saleIdx finds a sale by its key while the sales are being read: the
	// place in sales of the sale that saleKeys[place] is the key of.
	saleIdx  *hashedKeys
	saleKeys []string
	// owners is, per sale, the file version (ingest seq) that supplied it.
	owners []int64
	// reversalRaw holds the raw row of each accepted reversal, by sale key:
	// one that cancels no earlier sale is known only once calc has paired
	// the sales, and is then rejected with its row like any other reject.
	// Reversals are few; other accepted rows are not kept as text.
	reversalRaw map[string][]string
	// stale holds, per sales file name, the rejects of its versions read
	// so far, by the sale key their cells give: a later version of the
	// file that holds the same sale supersedes them (see supersede). Only
	// while the sales are read.
	stale map[string]map[string][]staleReject
	// claimSrc is, per claim (by its place in claims), the row it came
	// from: a claim naming no co-op program is rejected only once the
	// programs are known (rejectClaims).
	claimSrc []claimSource
	// codeRows and groups serve rejectUnknownCodes, until the sales are read.
	codeRows []codeRow
	groups   map[string]bool
}

// claimSource is the file version and row a co-op claim was read from.
type claimSource struct {
	Seq  int64
	File string
	Row  int
	Raw  []string
}

// staleReject is a reject of an earlier version of a sales file, at
// index i of ds.rejects and of its version's own rejects fp.
type staleReject struct {
	i, fpi int
	fp     *fileProblems
}

// saleOwner is the file version (ingest seq) that supplied sale i.
func (ds *dataset) saleOwner(i int) int64 { return ds.owners[i] }

// frozen returns a dataset that shares ds's rows but has its own copies of
// what compute changes (rejects, warnings, reconciliation), so it can be
// saved as a snapshot while ds is calculated.
func (ds *dataset) frozen() *dataset {
	f := *ds
	f.recon = slices.Clone(ds.recon)
	f.rejects = slices.Clone(ds.rejects)
	f.warnings = slices.Clone(ds.warnings)
	f.problems = make(map[int64]*fileProblems, len(ds.problems))
	for seq, fp := range ds.problems {
		f.problems[seq] = &fileProblems{rejects: slices.Clone(fp.rejects), warnings: slices.Clone(fp.warnings)}
	}
	return &f
}

// fileProblems are one file version's rejects and warnings, kept apart
// because several versions may share a name.
type fileProblems struct {
	rejects  []ingest.Reject
	warnings []ingest.Warning
}

func newKeyIndex() keyIndex { return keyIndex{m: map[string]keyEntry{}} }

// stage ingests the workspace's input files that are new or changed: each
// is archived by SHA-256 and recorded as a version. A file whose content is
// already stored is a no-op. With pa not nil, the content of new sales
// versions is only reserved, and left to pa (see pendingArchive).
func (c *Config) stage(tx *store.Tx, env Env, pa *pendingArchive) error {
	kinds := []struct {
		kind  ingest.Kind
		globs []string
	}{
		{ingest.KindDealers, c.Inputs.Dealers},
		{ingest.KindObjectives, c.Inputs.Objectives},
		{ingest.KindCertifications, c.Inputs.Certifications},
		{ingest.KindClaims, c.Inputs.Claims},
		{ingest.KindSales, c.Inputs.Sales},
	}
	type input struct {
		kind ingest.Kind
		name string
		sum  fileSum
	}
	var inputs []input
	for _, k := range kinds {
		files, err := c.glob(k.globs)
		if err != nil {
			return err
		}
		for _, name := range files {
			inputs = append(inputs, input{kind: k.kind, name: name})
		}
	}
	// Every file is hashed, changed or not, before anything is known:
	// the files are hashed side by side, a core each (a million sales'
	// exports take a tenth of a second on one core).
	calc.Parallel(len(inputs), 1, func(from, to int) {
		for i := from; i < to; i++ {
			inputs[i].sum = hashFile(c.Path(inputs[i].name))
		}
	})
	for _, in := range inputs {
		var later *pendingArchive
		if in.kind == ingest.KindSales {
			later = pa
		}
		if _, _, err := c.stageHashed(tx, env, in.kind, in.name, c.Path(in.name), in.sum, later); err != nil {
			return err
		}
	}
	return nil
}

// stageFile archives the file at path as a version of input name, unless
// that content is the name's newest version. It returns the stored version
// and whether this call added it. With pa not nil, new content is only
// reserved in the archive, and noted in pa to be archived while it is read
// (see pendingArchive).
func (c *Config) stageFile(tx *store.Tx, env Env, kind ingest.Kind, name, path string, pa *pendingArchive) (*store.InputFile, bool, error) {
	return c.stageHashed(tx, env, kind, name, path, hashFile(path), pa)
}

// stageHashed is stageFile for a file already hashed.
func (c *Config) stageHashed(tx *store.Tx, env Env, kind ingest.Kind, name, path string, sum fileSum, pa *pendingArchive) (*store.InputFile, bool, error) {
	sha, size, err := sum.sha, sum.size, sum.err
	if err != nil {
		var pe *fs.PathError
		if errors.As(err, &pe) {
			err = pe.Err // the path is already named
		}
		return nil, false, usageError("%s: %v", name, err)
	}
	// Content already stored under this name is a no-op only when it is the
	// newest version: a file put back as it was before is a new version
	// again, whose rows replace those of the version it undoes.
	if f, err := tx.LatestInput(string(kind), name); err != nil || f != nil && f.SHA256 == sha {
		return f, false, err
	}
	profile, err := c.profileFor(kind)
	if err != nil {
		return nil, false, err
	}
	pj, _ := json.Marshal(profile)
	if pa != nil {
		reserved, err := tx.ReserveBlob(sha, size)
		if err != nil {
			return nil, false, err
		}
		if reserved {
			pa.add(pendingBlob{name: name, path: path, sha: sha})
		}
	} else if err := archiveFile(tx, name, path, sha, false, nil); err != nil {
		return nil, false, err
	} else {
		env.progress("archived %s", name)
	}
	// A file that does not read is found when the rows are gathered in this
	// same transaction, which then rolls back: it is never a stored version.
	f := &store.InputFile{Kind: string(kind), Name: name, SHA256: sha, Profile: string(pj), Size: size}
	if err := tx.AddInput(f); err != nil {
		return nil, false, err
	}
	return f, true, nil
}

// archiveFile archives the content of the file at path, which hashed to
// sha, under sha: into the blob reserved for it, holding mu (when not nil)
// for each use of tx (see store.Tx.FillBlob), else as a new blob.
func archiveFile(tx *store.Tx, name, path, sha string, reserved bool, mu *sync.Mutex) error {
	fh, err := os.Open(path)
	if err != nil {
		return usageError("%s: %v", name, err)
	}
	defer fh.Close()
	r := bufio.NewReaderSize(fh, 1<<20)
	if reserved {
		err = tx.FillBlob(sha, r, mu)
	} else {
		err = tx.PutBlob(sha, r)
	}
	if err != nil {
		return fmt.Errorf("archive %s: %w", name, err)
	}
	return nil
}

// pendingArchive holds the new sales file versions of a calc, reserved in
// the archive but not yet in it. Archiving a quarter's exports (about a
// third of a second for a million sales, on one core) and then reading
// them back left the other core idle; instead each is archived on one
// core while the others parse it from the workspace. The reader checks
// that what it parsed hashes to the version's SHA-256, and the archive
// that what it stored does: what was read is what is archived, so a
// replay from the archive alone reads the same rows. A file changed
// meanwhile fails the run, which stores nothing.
type pendingArchive struct {
	env   Env // for progress, from the goroutine that archives
	blobs []pendingBlob
	paths map[string]string // sha -> path, to read it from
}

type pendingBlob struct{ name, path, sha string }

func (pa *pendingArchive) add(b pendingBlob) {
	if pa.paths == nil {
		pa.paths = map[string]string{}
	}
	pa.blobs = append(pa.blobs, b)
	pa.paths[b.sha] = b.path
}

// path returns the workspace file to read content sha from, or "" when it
// is read from the archive.
func (pa *pendingArchive) path(sha string) string {
	if pa == nil {
		return ""
	}
	return pa.paths[sha]
}

// archive fills every reserved blob, holding mu (when not nil) for each
// use of tx. It stops early, with errStopped, once stop is set.
func (pa *pendingArchive) archive(tx *store.Tx, mu *sync.Mutex, stop *atomic.Bool) error {
	if pa == nil {
		return nil
	}
	for _, b := range pa.blobs {
		if stop != nil && stop.Load() {
			return errStopped
		}
		if err := archiveFile(tx, b.name, b.path, b.sha, true, mu); err != nil {
			return err
		}
		pa.env.progress("archived %s", b.name)
	}
	return nil
}

// openPending opens the workspace file a pending version is read from:
// its reader fails at the end when the content read does not hash to sha.
func openPending(name, path, sha string) (*checkedFile, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, usageError("%s: %v", name, err)
	}
	return &checkedFile{f: f, h: sha256.New(), name: name, sha: sha}, nil
}

// checkedFile reads a file, hashing what it reads; at the end of the
// file it is an error when that is not the content expected.
type checkedFile struct {
	f         *os.File
	h         hash.Hash
	name, sha string
	err       error // the content read was not the content expected
}

func (c *checkedFile) Read(p []byte) (int, error) {
	if c.err != nil {
		return 0, c.err
	}
	n, err := c.f.Read(p)
	c.h.Write(p[:n])
	if err == io.EOF {
		if got := hex.EncodeToString(c.h.Sum(nil)); got != c.sha {
			c.err = usageError("%s changed while it was read (expected SHA-256 %s, read %s): run the command again", c.name, c.sha, got)
			return n, c.err
		}
	}
	return n, err
}

// check reads what r has left of the file, so that all of it is hashed,
// and returns the error of content that is not the one expected.
func (c *checkedFile) check(r io.Reader) error {
	if _, err := io.Copy(io.Discard, r); err != nil && c.err == nil {
		return err
	}
	return c.err
}

func (c *checkedFile) Close() error { return c.f.Close() }

// profileFor returns the profile a new file version of a kind is read
// with; it is archived with the version.
func (c *Config) profileFor(kind ingest.Kind) (ingest.Profile, error) {
	if kind != ingest.KindSales {
		p, _ := ingest.BuiltinProfile("canonical")
		return p, nil
	}
	p, err := c.salesProfile()
	if err != nil {
		return p, err
	}
	if c.VINCheck == ingest.VINCheckWarn {
		p.VINCheck = ingest.VINCheckWarn
	}
	return p, nil
}

func (c *Config) salesProfile() (ingest.Profile, error) {
	if c.Profile == "" || c.Profile == "canonical" {
		p, _ := ingest.BuiltinProfile("canonical")
		return p, nil
	}
	if p, ok := c.Profiles[c.Profile]; ok {
		p.Name = c.Profile
		return p, nil
	}
	if p, ok := ingest.BuiltinProfile(c.Profile); ok {
		return p, nil
	}
	return ingest.Profile{}, usageError("profile %q is neither built in (%s) nor defined under profiles: in incent.yaml",
		c.Profile, strings.Join(ingest.BuiltinProfileNames(), ", "))
}

func hashFile(path string) fileSum {
	f, err := os.Open(path)
	if err != nil {
		return fileSum{err: err}
	}
	defer f.Close()
	h := sha256.New()
	n, err := io.Copy(h, f)
	if err != nil {
		return fileSum{err: err}
	}
	return fileSum{sha: hex.EncodeToString(h.Sum(nil)), size: n}
}

// fileSum is a file's SHA-256 and size, or why it could not be read.
type fileSum struct {
	sha  string
	size int64
	err  error
}

// gather reads every stored input version from the archive and resolves
// rows by key. Reading from the archive, not the workspace, is what makes a
// run replayable from the database alone. The versions pa holds (nil:
// none) are read from the workspace while they are archived; gather
// returns once they are archived.
func gather(tx *store.Tx, files []store.InputFile, pa *pendingArchive) (*dataset, error) {
	ds := &dataset{files: files, dealerIdx: newKeyIndex(), objectiveIdx: newKeyIndex(),
		certIdx: newKeyIndex(), claimIdx: newKeyIndex(), reconOf: map[int64]int{}, problems: map[int64]*fileProblems{}}
	byKind := map[string][]store.InputFile{}
	var salesRows int
	var estimates []int // of each sales version, in byKind order
	for _, f := range files {
		byKind[f.Kind] = append(byKind[f.Kind], f)
		if f.Kind == string(ingest.KindSales) {
			n, err := estimateRows(tx, f, pa.path(f.SHA256))
			if err != nil {
				return nil, err
			}
			salesRows += n
			estimates = append(estimates, n)
		}
	}
	// Room for the sales up front, so that a million of them are not
	// copied again and again as the slice grows, nor held with room for a
	// third as many again.
	ds.sales = make([]incent.Sale, 0, salesRows)
	ds.owners, ds.saleKeys = make([]int64, 0, salesRows), make([]string, 0, salesRows)
	// The index of sale keys is made on another core while the other
	// kinds and the first sales files are read: the first fold is the
	// first to need it. The same core has the kernel back the room for
	// the sales with memory (see package pages): filled a page fault at a
	// time, the sales' 100 MB at a million took a third of a second of the
	// folding core.
	index := make(chan *hashedKeys, 1)
	go func() {
		pages.Back(ds.sales)
		pages.Back(ds.owners)
		pages.Back(ds.saleKeys)
		index <- newHashedKeys(salesRows, func(pos int32) string { return ds.saleKeys[pos] })
	}()
	// Dealers first: sales are checked against them.
	for _, kind := range Kinds {
		if kind == ingest.KindSales {
			if err := ds.readSales(tx, byKind[string(kind)], estimates, index, pa); err != nil {
				return nil, err
			}
			// The index, a key string and an entry per sale, need not be
			// held through the passes.
			owners := ds.owners
			ds.saleIdx, ds.saleKeys, ds.stale = nil, nil, nil
			// Held in the order the passes read them, the sales are read
			// in sequence by each pass, and by the snapshot's next calc.
			from := calc.SortSales(ds.sales)
			ds.owners = make([]int64, len(ds.sales))
			for k, i := range from {
				ds.owners[k] = owners[i]
			}
			// Each core packs the text of a range of sales, as the
			// snapshot's decoding does: 0.047 s rather than 0.076-0.085 s
			// at a million sales (progress marks, three runs each).
			calc.Parallel(len(ds.sales), 1<<15, func(lo, hi int) { packText(ds.sales[lo:hi]) })
			continue
		}
		for _, f := range byKind[string(kind)] {
			if err := ds.readVersion(tx, kind, f); err != nil {
				return nil, err
			}
		}
	}
	ds.rejectUnknownCodes()
	return ds, nil
}

// packText copies the text that is each sale's own (deal, VIN,
// salespeople) into long strings, in the order of the sales: a
// string per sale, made as its row was read, lies wherever the row's turn
// came, and the passes read the sales in another order. The strings lie
// outside the heap (see package offheap), so that the collector has three
// million fewer pointers to follow on each cycle at a million sales; they
// live as long as the process.
func packText(sales []incent.Sale) {
	const block = 64 << 10
	for i := 0; i < len(sales); {
		n := 0
		j := i
		for ; j < len(sales) && n < block; j++ {
			s := &sales[j]
			n += len(s.DealID) + len(s.VIN) + len(s.Salesperson)
		}
		all := offheap.String(n, func(b []byte) {
			b = b[:0]
			for k := i; k < j; k++ {
				s := &sales[k]
				b = append(append(append(b, s.DealID...), s.VIN...), s.Salesperson...)
			}
		})
		p := 0
		next := func(n int) string {
			p += n
			return all[p-n : p]
		}
		for k := i; k < j; k++ {
			s := &sales[k]
			s.DealID, s.VIN = next(len(s.DealID)), next(len(s.VIN))
			s.Salesperson = next(len(s.Salesperson))
		}
		i = j
	}
}

// estimateRows estimates the rows of a sales file version from the line
// lengths of its first 256 KiB, a little over rather than under; a workbook
// is reckoned at 80 bytes a row. The version is read from the archive, or
// when path is not "", from the workspace file at path.
func estimateRows(tx *store.Tx, f store.InputFile, path string) (int, error) {
	const sample = 256 << 10
	var r io.Reader
	if path != "" {
		fh, err := os.Open(path)
		if err != nil {
			return 0, usageError("%s: %v", f.Name, err)
		}
		defer fh.Close()
		r = fh
	} else {
		var err error
		if r, err = tx.OpenBlob(f.SHA256); err != nil {
			return 0, err
		}
	}
	head := make([]byte, min(f.Size, sample))
	n, err := io.ReadFull(r, head)
	if err != nil && err != io.ErrUnexpectedEOF && err != io.EOF {
		return 0, err
	}
	head = head[:n]
	lines := bytes.Count(head, []byte{'\n'})
	if lines == 0 || bytes.HasPrefix(head, []byte("PK")) {
		return int(f.Size / 80), nil
	}
	if int64(n) >= f.Size {
		return lines, nil // the header's line break makes up for a last row without one
	}
	return int(f.Size*int64(lines)/int64(n)*51/50) + 64, nil
}

// parsedSales is one sales file version read and checked, waiting to be
// folded into the dataset.
type parsedSales struct {
	rows      [][]parsedSale  // in chunks of saleChunk, so they are never copied to grow
	rejects   []ingest.Reject // rows the reader rejected
	conflicts map[string]conflict
	counts    ingest.Counts
	err       error
	done      chan struct{}
}

const saleChunk = 8192

// parsedSale is one row of a sales file read and checked. A file's rows
// are held until it is folded, a million for a quarter exported as one
// file, so a row is its sale (whose Line is the row's), its cells packed
// in one string, its key, and only for the few rows that have any, its
// warnings or why it names an unknown dealer: 168 bytes.
type parsedSale struct {
	sale incent.Sale
	raw  string
	key  string // SaleKey(&sale)
	note *saleNote
}

// saleNote is what few rows have: warnings that did not stop the row, or
// the column and reason of a dealer the dealers input does not have.
type saleNote struct {
	warnings []ingest.Warning
	col, why string
}

func (r *parsedSale) line() int { return int(r.sale.Line) }

// rejected returns the column and reason of a row that names an unknown
// dealer; why is "" for any other row.
func (r *parsedSale) rejected() (col, why string) {
	if r.note == nil {
		return "", ""
	}
	return r.note.col, r.note.why
}

func (r *parsedSale) warnings() []ingest.Warning {
	if r.note == nil {
		return nil
	}
	return r.note.warnings
}

func (ps *parsedSales) at(i int) *parsedSale { return &ps.rows[i/saleChunk][i%saleChunk] }

// fullRow returns the row with its cells, for a reject or a reversal.
func (r *parsedSale) fullRow(file string) ingest.Row {
	return ingest.Row{File: file, Line: r.line(), Raw: unpackCells(r.raw), Warnings: r.warnings()}
}

// packCells packs a row's cells into one string, each as the snapshot
// writes text (appendRaw: its length as a uvarint, then its bytes). A
// parsed row is held until its file is folded, and its cells as the CSV
// reader gives them (a string and a slice of 18 string headers, about 500
// bytes) were most of what two files being read side by side held; packed
// they take the cells' length and a few bytes. buf is scratch space,
// returned for the next row.
func packCells(buf []byte, cells []string) (string, []byte) {
	buf = appendCells(buf[:0], cells)
	return string(buf), buf
}

// appendCells appends cells to b packed as packCells packs them.
func appendCells(b []byte, cells []string) []byte {
	for _, c := range cells {
		b = appendRaw(b, c)
	}
	return b
}

// unpackCells returns the cells packCells packed into s, in a copy of
// their own: s may lie in a block of many rows (see package arena). It
// panics on a packing that is not one.
func unpackCells(s string) []string {
	s = strings.Clone(s)
	d := &snapDecoder{b: []byte(s), s: s}
	var cells []string
	for d.p < len(d.b) {
		cells = append(cells, d.raw())
	}
	return cells
}

var errStopped = errors.New("stopped")

// readSales reads the sales file versions side by side, as many at once
// as there are cores, and folds their rows in version order: the dataset
// is exactly the one reading them one after another gives. Parsing and
// checking rows is most of a large calc's reading; folding them is quick.
// rows estimates each version's rows; index gives the map of sale keys
// the folds fill. The versions pa holds are archived meanwhile, on a core
// of their own (see pendingArchive).
func (ds *dataset) readSales(tx *store.Tx, files []store.InputFile, rows []int, index <-chan *hashedKeys, pa *pendingArchive) error {
	dealers := indexBy(ds.dealers, func(d incent.Dealer) string { return d.Code })
	parsed := make([]*parsedSales, len(files))
	for i := range parsed {
		parsed[i] = &parsedSales{done: make(chan struct{})}
	}
	var stop atomic.Bool
	var dbMu sync.Mutex // the transaction serves one reader at a time
	// A slot is taken when a version starts to be read and given back once
	// it is folded, so no more versions than cores are held parsed at once.
	slots := make(chan struct{}, runtime.GOMAXPROCS(0))
	quit := make(chan struct{})
	var readers sync.WaitGroup
	archived := make(chan error, 1)
	if pa != nil && len(pa.blobs) > 0 {
		go func() { archived <- pa.archive(tx, &dbMu, &stop) }()
	} else {
		archived <- nil
	}
	waitArchived := sync.OnceValue(func() error { return <-archived })
	readers.Go(func() {
		for i, f := range files {
			select {
			case slots <- struct{}{}:
			case <-quit:
				return
			}
			readers.Go(func() {
				defer close(parsed[i].done)
				parsed[i].read(tx, &dbMu, f, pa.path(f.SHA256), rows[i], dealers, &stop)
			})
		}
	})
	// On an error, readers still at work stop at their next chunk of rows,
	// the archive at its next file, and are waited for: none outlives the
	// transaction.
	defer func() {
		stop.Store(true)
		close(quit)
		readers.Wait()
		waitArchived()
	}()
	for i, f := range files {
		ps := parsed[i]
		<-ps.done
		if ps.err != nil {
			return ps.err
		}
		if ds.saleIdx == nil {
			ds.saleIdx = <-index
		}
		ds.foldSales(f, ps)
		parsed[i] = nil // its rows are in the dataset now
		<-slots
	}
	return waitArchived()
}

// read parses one sales file version of about rows rows from the archive,
// or when path is not "", from the workspace file at path (see
// pendingArchive).
func (ps *parsedSales) read(tx *store.Tx, dbMu *sync.Mutex, f store.InputFile, path string, rows int, dealers map[string]int, stop *atomic.Bool) {
	var p ingest.Profile
	if err := json.Unmarshal([]byte(f.Profile), &p); err != nil {
		ps.err = fmt.Errorf("input %s: stored profile: %w", f.Name, err)
		return
	}
	var r io.Reader
	var checked *checkedFile
	if path != "" {
		fh, err := openPending(f.Name, path, f.SHA256)
		if err != nil {
			ps.err = err
			return
		}
		defer fh.Close()
		r, checked = fh, fh
	} else {
		dbMu.Lock()
		blob, err := tx.OpenBlob(f.SHA256)
		dbMu.Unlock()
		if err != nil {
			ps.err = err
			return
		}
		r = lockedReader{r: blob, mu: dbMu}
	}
	br := bufio.NewReaderSize(r, 1<<20)
	// Rows of this file that share a key but differ are found here, on
	// the reading core, while the rows are fresh in its cache. Its table
	// of keys is made at the file's size, rather than grown a dozen times.
	scan := conflictScan{first: newHashedKeys(rows, func(i int32) string { return ps.at(int(i)).key })}
	total, scanned := 0, 0
	scanRows := func(to int) {
		scan.addRows(scanned, to, func(i int) string { return ps.at(i).key },
			func(i, j int) bool { return saleEqual(ps.at(j).sale, ps.at(i).sale) })
		scanned = to
	}
	var cellBuf []byte
	// Each row's packed cells live until the file is folded, and the keys
	// of accepted rows until every file is: each goes in blocks of its own
	// kind (see package arena), so that a file's cells go once it is folded.
	var cells, keys arena.Text
	known := map[incent.Sym]bool{} // dealer codes met so far, and whether dealers has them
	ps.counts, ps.err = ingest.ReadSales(f.Name, br, p, func(row ingest.Row, s incent.Sale) error {
		n := len(ps.rows)
		if n == 0 || len(ps.rows[n-1]) == cap(ps.rows[n-1]) {
			if stop.Load() {
				return errStopped
			}
			chunk := make([]parsedSale, 0, saleChunk)
			pages.Back(chunk) // see package pages: written through at once
			ps.rows = append(ps.rows, chunk)
			n++
		}
		var note *saleNote
		if col, why := unknownDealer(s, dealers, known); why != "" || len(row.Warnings) > 0 {
			note = &saleNote{warnings: row.Warnings, col: col, why: why}
		}
		cellBuf = appendCells(cellBuf[:0], row.Raw)
		ps.rows[n-1] = append(ps.rows[n-1], parsedSale{raw: cells.Bytes(cellBuf), sale: s, note: note})
		// A row naming an unknown dealer is rejected for that, but still
		// disagrees with the rows of its key: they are rejected too.
		r := &ps.rows[n-1][len(ps.rows[n-1])-1]
		cellBuf = appendSaleKeyText(cellBuf[:0], &r.sale)
		r.key = keys.Bytes(cellBuf)
		if total++; total%aheadRows == 0 {
			scanRows(total)
		}
		return nil
	}, func(rj ingest.Reject) { ps.rejects = append(ps.rejects, rj) })
	scanRows(total)
	// The rows a conflicting row is told against are kept apart: chunks are
	// let go as they are folded.
	for k, c := range scan.conflicts {
		first, other := *ps.at(c.first), *ps.at(c.other)
		c.firstRow, c.otherRow = &first, &other
		scan.conflicts[k] = c
	}
	ps.conflicts = scan.conflicts
	// Rows read from the workspace count only when they were the content
	// archived, whatever the reader made of them.
	switch {
	case checked == nil:
	case ps.err == nil:
		ps.err = checked.check(br)
	case checked.err != nil:
		ps.err = checked.err
	}
}

// conflictScan finds the keys that rows of one file version give
// different values: which of them to trust is for the person who made the
// file, and taking the first (or the last) would make the result depend on
// the order of the rows.
type conflictScan struct {
	first     *hashedKeys // key -> its first row
	conflicts map[string]conflict
}

// conflict is a key that rows of one file version disagree on: its first
// row and the first row that differs from it.
type conflict struct {
	first, other int
	// For sales: copies of the two rows.
	firstRow, otherRow *parsedSale
}

// addRows notes rows from to to-1, whose keys key gives; equal tells
// whether row i equals row j. The rows are hashed aheadRows at a time.
func (c *conflictScan) addRows(from, to int, key func(i int) string, equal func(i, j int) bool) {
	var hs [aheadRows]uint64
	for from < to {
		n := min(to-from, len(hs))
		base := from
		c.first.ahead(hs[:n], func(i int) string { return key(base + i) })
		for i, h := range hs[:n] {
			c.add(key(base+i), h, base+i, equal)
		}
		from += n
	}
}

// add notes row i with key k, whose hash is h.
func (c *conflictScan) add(k string, h uint64, i int, equal func(i, j int) bool) {
	first, ok := c.first.findHashed(k, h)
	if !ok {
		c.first.add(k, h, int32(i))
		return
	}
	j := int(first)
	if _, done := c.conflicts[k]; done || equal(i, j) {
		return
	}
	if c.conflicts == nil {
		c.conflicts = map[string]conflict{}
	}
	c.conflicts[k] = conflict{first: j, other: i}
}

// conflictReject is the reject of row (at line) of a file version whose key
// k is in conflict; otherLine is the row it disagrees with and col the
// first column in which they differ.
func conflictReject(file string, row ingest.Row, k string, otherLine int, col string) ingest.Reject {
	return ingest.Reject{File: file, Row: row.Line, Column: col, Raw: row.Raw,
		Reason: fmt.Sprintf("same key %s as row %d of this file but different values; no row of this key in this file is used", k, otherLine)}
}

// lockedReader reads from r holding mu.
type lockedReader struct {
	r  io.Reader
	mu *sync.Mutex
}

func (l lockedReader) Read(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.r.Read(p)
}

// foldSales folds one parsed sales file version into the dataset, as
// readVersion does for the other kinds.
func (ds *dataset) foldSales(f store.InputFile, ps *parsedSales) {
	rec := Reconciliation{Kind: f.Kind, File: f.Name, SHA256: f.SHA256, ProfileSHA256: store.ProfileSHA256(f.Profile)}
	fp := &fileProblems{}
	rejects := ps.rejects
	ds.supersede(f.Name, rejects, ps.rows...)
	var hs [aheadRows]uint64
	for ci, chunk := range ps.rows {
		for i := range chunk {
			if i%aheadRows == 0 {
				n := min(len(chunk)-i, aheadRows)
				ds.saleIdx.ahead(hs[:n], func(j int) string { return chunk[i+j].key })
			}
			r := &chunk[i]
			if col, why := r.rejected(); why != "" {
				rec.Rejected++
				rejects = append(rejects, ingest.Reject{File: f.Name, Row: r.line(), Column: col, Reason: why, Raw: unpackCells(r.raw), Key: r.key})
				continue
			}
			s := &r.sale
			key := r.key
			if c, ok := ps.conflicts[key]; ok {
				o := c.firstRow // told against a row it differs from
				if c.first == ci*saleChunk+i || saleEqual(o.sale, *s) {
					o = c.otherRow
				}
				rec.Rejected++
				rj := conflictReject(f.Name, r.fullRow(f.Name), key, o.line(), saleDiff(o.sale, *s))
				rj.Key = key
				rejects = append(rejects, rj)
				continue
			}
			accepted := rec.Accepted
			ds.foldSale(f.Seq, key, hs[i%aheadRows], s, &rec)
			if rec.Accepted > accepted {
				fp.warnings = append(fp.warnings, r.warnings()...)
				if s.Quantity < 0 {
					if ds.reversalRaw == nil {
						ds.reversalRaw = map[string][]string{}
					}
					ds.reversalRaw[strings.Clone(key)] = unpackCells(r.raw)
				}
			}
		}
		ps.rows[ci] = nil // folded: the chunk can go
	}
	start := len(ds.rejects)
	ds.finishVersion(f, rec, ps.counts, rejects, fp)
	ds.noteStale(f.Name, start, fp)
}

// supersede marks the rejects of earlier versions of file name whose sale
// the version being folded holds, in any row of it (rows, the keys of its
// rows; rejects, its own rejects): the file was exported again with that
// sale, corrected or not, and the old reject no longer counts against
// max_rejects. It stays in rejects.csv, saying so.
func (ds *dataset) supersede(name string, rejects []ingest.Reject, rows ...[]parsedSale) {
	old := ds.stale[name]
	if len(old) == 0 {
		return
	}
	mark := func(key string) {
		for _, sr := range old[key] {
			for _, r := range []*ingest.Reject{&ds.rejects[sr.i], &sr.fp.rejects[sr.fpi]} {
				if !r.Superseded {
					r.Superseded = true
					r.Reason += "; superseded: a later version of " + name + " holds this sale"
				}
			}
		}
		delete(old, key)
	}
	for _, rj := range rejects {
		if rj.Key != "" {
			mark(rj.Key)
		}
	}
	for _, chunk := range rows {
		for i := range chunk {
			mark(chunk[i].key)
		}
	}
}

// noteStale keeps the rejects of a sales version, from index start of
// ds.rejects on, for later versions of the same file to supersede.
func (ds *dataset) noteStale(name string, start int, fp *fileProblems) {
	for fpi := range fp.rejects {
		key := fp.rejects[fpi].Key
		if key == "" {
			continue
		}
		if ds.stale == nil {
			ds.stale = map[string]map[string][]staleReject{}
		}
		if ds.stale[name] == nil {
			ds.stale[name] = map[string][]staleReject{}
		}
		ds.stale[name][key] = append(ds.stale[name][key], staleReject{i: start + fpi, fpi: fpi, fp: fp})
	}
}

// foldSale is fold for a sale, with its key in saleIdx and its version
// in owners.
func (ds *dataset) foldSale(seq int64, key string, h uint64, s *incent.Sale, rec *Reconciliation) {
	pos, ok := ds.saleIdx.findHashed(key, h)
	switch {
	case !ok:
		ds.saleIdx.add(key, h, int32(len(ds.sales)))
		ds.saleKeys = append(ds.saleKeys, key)
		ds.owners = append(ds.owners, seq)
		ds.sales = append(ds.sales, *s)
		rec.Accepted++
	case saleEqual(ds.sales[pos], *s):
		rec.Duplicate++
	default:
		ds.log = append(ds.log, fmt.Sprintf("%s replaces sale %s (%s)", s.Source(), key, ds.sales[pos].Source()))
		ds.sales[pos] = *s
		ds.owners[pos] = seq
		rec.Accepted++
		rec.Replaced++
	}
}

// readVersion reads one stored file version and folds its rows into the
// dataset: a row whose key is new is accepted; one identical to a row
// already loaded is a duplicate; one that differs replaces the row of an
// earlier file version (logged) or, within the same file, is rejected.
func (ds *dataset) readVersion(tx *store.Tx, kind ingest.Kind, f store.InputFile) error {
	var p ingest.Profile
	if err := json.Unmarshal([]byte(f.Profile), &p); err != nil {
		return fmt.Errorf("input %s: stored profile: %w", f.Name, err)
	}
	r, err := tx.OpenBlob(f.SHA256)
	if err != nil {
		return err
	}
	rec := Reconciliation{Kind: f.Kind, File: f.Name, SHA256: f.SHA256, ProfileSHA256: store.ProfileSHA256(f.Profile)}
	fp := &fileProblems{}
	var rejects []ingest.Reject
	reject := func(rj ingest.Reject) { rejects = append(rejects, rj) }
	br := bufio.NewReaderSize(r, 1<<20)
	// A file's rows are read first and then folded in, so that rows sharing
	// a key but not their values are known before any is taken. These
	// kinds are a few thousand rows; sales are read apart.
	var counts ingest.Counts
	switch kind {
	case ingest.KindDealers:
		var rows []keyedRow[incent.Dealer]
		counts, err = ingest.ReadDealers(f.Name, br, p, func(row ingest.Row, d incent.Dealer) error {
			rows = append(rows, keyedRow[incent.Dealer]{row, d.Code, d})
			return nil
		}, reject)
		ds.dealers = foldRows(ds.dealers, ds.dealerIdx, f, rows, &rec, &rejects, column[incent.Dealer]("dealer_code"), dealerEqual, func(row ingest.Row, old incent.Dealer) {
			ds.log = append(ds.log, fmt.Sprintf("%s:%d replaces dealer %s of an earlier version", f.Name, row.Line, old.Code))
		})
	case ingest.KindObjectives:
		var rows []keyedRow[incent.Objective]
		counts, err = ingest.ReadObjectives(f.Name, br, p, func(row ingest.Row, o incent.Objective) error {
			rows = append(rows, keyedRow[incent.Objective]{row, objectiveKey(o), o})
			return nil
		}, reject)
		ds.objectives = foldRows(ds.objectives, ds.objectiveIdx, f, rows, &rec, &rejects, column[incent.Objective]("units"), func(a, b incent.Objective) bool {
			return a.Units.Equal(b.Units)
		}, nil)
		noteCodes(ds, ingest.KindObjectives, f, ds.objectiveIdx, rows, func(o incent.Objective) string { return o.DealerCode })
	case ingest.KindCertifications:
		var rows []keyedRow[incent.Certification]
		counts, err = ingest.ReadCertifications(f.Name, br, p, func(row ingest.Row, ce incent.Certification) error {
			rows = append(rows, keyedRow[incent.Certification]{row, ce.DealerCode + "|" + ce.Certification + "|" + ce.ValidFrom.String(), ce})
			return nil
		}, reject)
		ds.certs = foldRows(ds.certs, ds.certIdx, f, rows, &rec, &rejects, column[incent.Certification]("valid_to"), func(a, b incent.Certification) bool { return a == b }, nil)
		noteCodes(ds, ingest.KindCertifications, f, ds.certIdx, rows, func(ce incent.Certification) string { return ce.DealerCode })
	case ingest.KindClaims:
		var rows []keyedRow[incent.Claim]
		counts, err = ingest.ReadClaims(f.Name, br, p, func(row ingest.Row, cl incent.Claim) error {
			rows = append(rows, keyedRow[incent.Claim]{row, cl.ClaimID, cl})
			return nil
		}, reject)
		ds.claims = foldRows(ds.claims, ds.claimIdx, f, rows, &rec, &rejects, column[incent.Claim]("claim_id"), func(a, b incent.Claim) bool {
			return a.ClaimID == b.ClaimID && a.DealerCode == b.DealerCode && a.ProgramID == b.ProgramID && a.SpendAmount.Equal(b.SpendAmount) &&
				a.InvoiceDate == b.InvoiceDate && a.SubmittedDate == b.SubmittedDate && a.Preapproved == b.Preapproved
		}, nil)
		for _, r := range rows {
			e, ok := ds.claimIdx.m[r.key]
			if !ok || e.owner != f.Seq {
				continue // rejected, or a duplicate of an earlier version's row
			}
			for len(ds.claimSrc) <= e.pos {
				ds.claimSrc = append(ds.claimSrc, claimSource{})
			}
			if ds.claimSrc[e.pos].Seq != f.Seq { // the first of identical rows
				ds.claimSrc[e.pos] = claimSource{Seq: f.Seq, File: f.Name, Row: r.row.Line, Raw: r.row.Raw}
			}
		}
		noteCodes(ds, ingest.KindClaims, f, ds.claimIdx, rows, func(cl incent.Claim) string { return cl.DealerCode })
	default:
		return fmt.Errorf("input %s: %s versions are read by readSales", f.Name, kind)
	}
	if err != nil {
		return err
	}
	ds.finishVersion(f, rec, counts, rejects, fp)
	return nil
}

// finishVersion records a folded file version: its reconciliation, its
// rejects (the reader's and the fold's, interleaved by row) and warnings.
func (ds *dataset) finishVersion(f store.InputFile, rec Reconciliation, counts ingest.Counts, rejects []ingest.Reject, fp *fileProblems) {
	rec.Read = counts.Read
	rec.Rejected += counts.Rejected
	sortRejects(rejects)
	ds.rejects = append(ds.rejects, rejects...)
	ds.warnings = append(ds.warnings, fp.warnings...)
	fp.rejects = rejects
	ds.problems[f.Seq] = fp
	ds.reconOf[f.Seq] = len(ds.recon)
	ds.recon = append(ds.recon, rec)
}

// codeRow is a row of an objectives, certifications or claims version
// whose dealer_code is neither a dealer nor a group of the dealers input:
// a salesperson's, or no one's, which is known once the sales are read.
type codeRow struct {
	kind ingest.Kind
	seq  int64
	key  string
	code string
	row  ingest.Row
}

// noteCodes notes the rows of version f, folded into idx, whose code is
// neither a dealer's nor a group's and which hold their key's value (the
// first of identical rows).
func noteCodes[T any](ds *dataset, kind ingest.Kind, f store.InputFile, idx keyIndex, rows []keyedRow[T], code func(T) string) {
	if ds.groups == nil {
		ds.groups = map[string]bool{}
		for _, d := range ds.dealers {
			if d.Group != "" {
				ds.groups[d.Group] = true
			}
		}
	}
	noted := map[string]bool{}
	for _, r := range rows {
		c := code(r.v)
		if _, ok := ds.dealerIdx.m[c]; ok || ds.groups[c] || noted[r.key] {
			continue
		}
		if e, ok := idx.m[r.key]; !ok || e.owner != f.Seq {
			continue // rejected, or a duplicate of an earlier version's row
		}
		noted[r.key] = true
		ds.codeRows = append(ds.codeRows, codeRow{kind: kind, seq: f.Seq, key: r.key, code: c, row: r.row})
	}
}

// rejectUnknownCodes rejects, once the sales are read, the rows noteCodes
// noted whose code is no salesperson's either, as a sales row naming an
// unknown dealer is: an objective, certification or co-op claim of no one
// would otherwise count for no one, and say so nowhere. A row a later
// version replaced is left alone. Each moves from accepted to rejected in
// its version's reconciliation.
func (ds *dataset) rejectUnknownCodes() {
	defer func() { ds.codeRows, ds.groups = nil, nil }()
	if len(ds.codeRows) == 0 {
		return
	}
	people := map[string]bool{}
	for i := range ds.sales {
		for _, part := range strings.Split(ds.sales[i].Salesperson, ";") {
			if id, _, _ := strings.Cut(part, ":"); id != "" {
				people[id] = true
			}
		}
	}
	indexes := map[ingest.Kind]keyIndex{ingest.KindObjectives: ds.objectiveIdx, ingest.KindCertifications: ds.certIdx, ingest.KindClaims: ds.claimIdx}
	for _, u := range ds.codeRows {
		e, ok := indexes[u.kind].m[u.key]
		if !ok || e.owner != u.seq || people[u.code] {
			continue
		}
		if u.kind == ingest.KindClaims && e.pos < len(ds.claimSrc) {
			ds.claimSrc[e.pos] = claimSource{} // rejected here, not again by rejectClaims
		}
		ds.rejectAccepted(u.seq, ingest.Reject{File: u.row.File, Row: u.row.Line, Column: "dealer_code", Raw: u.row.Raw,
			Reason: fmt.Sprintf("unknown dealer %q, expected a dealer_code from the dealers input, or a group or salesperson code", u.code)})
	}
}

// keyedRow is a row of a file version with its key and value.
type keyedRow[T any] struct {
	row ingest.Row
	key string
	v   T
}

// foldRows folds a file version's rows into list in row order. Rows whose
// key other rows of the version give different values are all rejected.
// replaced, when not nil, is told of each row that replaces an earlier
// version's value.
func foldRows[T any](list []T, idx keyIndex, f store.InputFile, rows []keyedRow[T], rec *Reconciliation, rejects *[]ingest.Reject,
	col func(old, v T) string, equal func(a, b T) bool, replaced func(row ingest.Row, old T)) []T {
	scan := conflictScan{first: newHashedKeys(len(rows), func(i int32) string { return rows[i].key })}
	scan.addRows(0, len(rows), func(i int) string { return rows[i].key }, func(i, j int) bool { return equal(rows[j].v, rows[i].v) })
	for i := range rows {
		r := &rows[i]
		if c, ok := scan.conflicts[r.key]; ok {
			o := c.first // told against a row it differs from
			if o == i || equal(rows[o].v, r.v) {
				o = c.other
			}
			rec.Rejected++
			*rejects = append(*rejects, conflictReject(f.Name, r.row, r.key, rows[o].row.Line, col(rows[o].v, r.v)))
			continue
		}
		list = fold(list, idx, f.Seq, r.key, r.v, rec, equal, func(old T) {
			if replaced != nil {
				replaced(r.row, old)
			}
		})
	}
	return list
}

// keyIndex maps a row key to its position in a list and to the file
// version (by ingest sequence) that set its value.
type keyIndex struct{ m map[string]keyEntry }

type keyEntry struct {
	pos   int
	owner int64 // the version whose row is the value
}

// fold adds row v under key k, counting it into rec: new, a duplicate of
// the value held, or a replacement of an earlier version's value. Rows of
// one version that disagree on a key never reach it (conflictScan).
func fold[T any](list []T, idx keyIndex, seq int64, k string, v T, rec *Reconciliation, equal func(a, b T) bool, replaced func(old T)) []T {
	e, ok := idx.m[k]
	switch {
	case !ok:
		idx.m[k] = keyEntry{pos: len(list), owner: seq}
		rec.Accepted++
		return append(list, v)
	case equal(list[e.pos], v):
		rec.Duplicate++
	default:
		replaced(list[e.pos])
		list[e.pos] = v
		idx.m[k] = keyEntry{pos: e.pos, owner: seq}
		rec.Accepted++
		rec.Replaced++
	}
	return list
}

// column blames one fixed column.
func column[T any](name string) func(old, v T) string {
	return func(T, T) string { return name }
}

func indexBy[T any](list []T, key func(T) string) map[string]int {
	m := make(map[string]int, len(list))
	for i, v := range list {
		m[key(v)] = i
	}
	return m
}

// SaleKey identifies a sale event: dealer, deal, VIN and direction (a
// reversal is its own event).
func SaleKey(s *incent.Sale) string {
	return string(appendSaleKeyText(make([]byte, 0, 64), s))
}

// appendSaleKeyText appends SaleKey(s) to b.
func appendSaleKeyText(b []byte, s *incent.Sale) []byte {
	b = append(append(append(append(b, s.DealerCode.String()...), '/'), s.DealID...), '/')
	b = append(append(b, s.VIN...), '/')
	if s.Quantity < 0 {
		return append(b, '-')
	}
	return append(b, '+')
}

func objectiveKey(o incent.Objective) string { return o.DealerCode + "|" + o.Period + "|" + o.Key }

func saleEqual(a, b incent.Sale) bool {
	return a.SaleDate == b.SaleDate && a.SaleType == b.SaleType && a.Condition == b.Condition &&
		a.ModelCode == b.ModelCode && a.ModelYear == b.ModelYear && a.Family == b.Family &&
		a.MSRP.Equal(b.MSRP) && a.SaleAmount.Equal(b.SaleAmount) &&
		a.Quantity == b.Quantity && a.DeliveringDealer() == b.DeliveringDealer() && a.Salesperson == b.Salesperson &&
		a.Split() == b.Split() && a.RebateCode() == b.RebateCode() && a.RebateAmount().Equal(b.RebateAmount()) &&
		a.ClaimDate() == b.ClaimDate()
}

// saleDiff names the first column in which two sales with the same key
// differ, in the canonical column order.
func saleDiff(a, b incent.Sale) string {
	switch {
	case a.SaleDate != b.SaleDate:
		return "sale_date"
	case a.SaleType != b.SaleType:
		return "sale_type"
	case a.Condition != b.Condition:
		return "condition"
	case a.ModelCode != b.ModelCode:
		return "model_code"
	case a.ModelYear != b.ModelYear:
		return "model_year"
	case a.Family != b.Family:
		return "family"
	case !a.MSRP.Equal(b.MSRP):
		return "msrp"
	case !a.SaleAmount.Equal(b.SaleAmount):
		return "sale_amount"
	case a.Quantity != b.Quantity:
		return "quantity"
	case a.DeliveringDealer() != b.DeliveringDealer():
		return "delivering_dealer"
	case a.Salesperson != b.Salesperson:
		return "salesperson"
	case a.Split() != b.Split():
		return "split"
	case a.RebateCode() != b.RebateCode():
		return "rebate_code"
	case !a.RebateAmount().Equal(b.RebateAmount()):
		return "rebate_amount"
	case a.ClaimDate() != b.ClaimDate():
		return "claim_date"
	}
	return "deal_id"
}

func dealerEqual(a, b incent.Dealer) bool {
	return a.Code == b.Code && a.Name == b.Name && a.Group == b.Group && a.Region == b.Region && a.Segment == b.Segment &&
		a.Currency == b.Currency && a.Email == b.Email && strings.Join(a.Address, "\x00") == strings.Join(b.Address, "\x00")
}

// unknownDealer checks every dealer code a sale names against the dealers
// input. known holds the sale dealer codes looked up so far, by symbol:
// a 4-byte key is found faster than the code's text.
func unknownDealer(s incent.Sale, dealers map[string]int, known map[incent.Sym]bool) (col, reason string) {
	ok, met := known[s.DealerCode]
	if !met {
		_, ok = dealers[s.DealerCode.String()]
		known[s.DealerCode] = ok
	}
	if !ok {
		return "dealer_code", fmt.Sprintf("unknown dealer %q, expected a dealer_code from the dealers input", s.DealerCode.String())
	}
	if s.DeliveringDealer() != "" {
		if _, ok := dealers[s.DeliveringDealer()]; !ok {
			return "delivering_dealer", fmt.Sprintf("unknown dealer %q, expected a dealer_code from the dealers input", s.DeliveringDealer())
		}
	}
	if s.Split() != "" {
		shares, err := incent.ParseShares(s.Split())
		if err != nil {
			return "split", err.Error()
		}
		for _, sh := range shares {
			if _, ok := dealers[sh.Code]; !ok {
				return "split", fmt.Sprintf("unknown dealer %q in split, expected dealer_codes from the dealers input", sh.Code)
			}
		}
	}
	return "", ""
}

// rejectUnmatched turns reversals that cancel no earlier sale (indices
// into ds.sales, as calc reports them) into rejects of the file they came
// from, moving them from accepted to rejected in its reconciliation.
func (ds *dataset) rejectUnmatched(unmatched []int) {
	for _, i := range unmatched {
		s := ds.sales[i]
		file, row := s.File.String(), int(s.Line)
		unwarned := func(w ingest.Warning) bool { return w.File == file && w.Row == row }
		ds.warnings = slices.DeleteFunc(ds.warnings, unwarned)
		// The version that supplied the row: another version of the same
		// file name keeps its own count.
		seq := ds.saleOwner(i)
		ds.rejectAccepted(seq, ingest.Reject{File: file, Row: row, Column: "quantity", Reason: calc.UnmatchedReason, Raw: ds.reversalRaw[SaleKey(&s)]})
		if fp := ds.problems[seq]; fp != nil {
			fp.warnings = slices.DeleteFunc(fp.warnings, unwarned)
		}
	}
}

// rejectAccepted rejects a row that file version seq had accepted, found
// bad only once the other inputs or the programs are known: it joins the
// rejects, the version's own among them, and moves from accepted to
// rejected in the version's reconciliation.
func (ds *dataset) rejectAccepted(seq int64, rj ingest.Reject) {
	ds.rejects = append(ds.rejects, rj)
	if j, ok := ds.reconOf[seq]; ok {
		ds.recon[j].Accepted--
		ds.recon[j].Rejected++
	}
	if fp := ds.problems[seq]; fp != nil {
		fp.rejects = append(fp.rejects, rj)
	}
}

// rejectClaims rejects the co-op claims that name no co-op program among
// progs (every program file, in effect in the period or not): a program
// no file defines, or one of another type. Such a claim would be paid by
// nothing and shown nowhere. Each moves from accepted to rejected in the
// reconciliation of the version it came from, as rejectUnmatched does.
func (ds *dataset) rejectClaims(progs []*rules.Program) {
	types := make(map[string]rules.Type, len(progs))
	for _, p := range progs {
		types[p.ID] = p.Type
	}
	for i, cl := range ds.claims {
		var why string
		switch t, ok := types[cl.ProgramID]; {
		case !ok:
			why = fmt.Sprintf("program %q is in no program file; expected the id of a co-op program", cl.ProgramID)
		case t != rules.Coop:
			why = fmt.Sprintf("program %s is a %s program, not a co-op one; expected the id of a co-op program", cl.ProgramID, t)
		default:
			continue
		}
		if i >= len(ds.claimSrc) || ds.claimSrc[i].Seq == 0 {
			continue // a dataset made without its sources (a test's)
		}
		src := ds.claimSrc[i]
		ds.rejectAccepted(src.Seq, ingest.Reject{File: src.File, Row: src.Row, Column: "program_id", Reason: why, Raw: src.Raw})
	}
}

// sortRejects orders rejects by file, then row.
func sortRejects(rs []ingest.Reject) {
	sort.SliceStable(rs, func(i, j int) bool {
		if rs[i].File != rs[j].File {
			return rs[i].File < rs[j].File
		}
		return rs[i].Row < rs[j].Row
	})
}
