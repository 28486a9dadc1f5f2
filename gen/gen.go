// Package gen writes a synthetic workspace at any scale: dealers in groups
// and regions with a long-tailed size distribution, a period of sales with
// dealer trades, split deals, reversals, rebate claims and a small share of
// bad rows, objectives, certifications, co-op claims, and about thirty
// programs covering every program type. The same options give the same
// bytes: every number comes from a PCG seeded with Options.Seed, money is
// computed in integer cents, and nothing reads the clock or iterates a map.
//
// It serves two purposes: a realistic workspace a new user can try, and the
// input of the benchmarks at quarter-close scale (4,000 dealers, a million
// sales). Sales are streamed to disk, so the size of a workspace is bounded
// by the disk, not by memory.
package gen

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"

	"github.com/incent/incent"
)

// Options say what to generate.
type Options struct {
	Dealers int    // dealers in dealers.csv
	Sales   int    // data rows across the sales files, reversals and bad rows included
	Seed    uint64 // the same seed gives the same bytes
	Period  incent.Period
}

// Report counts what Write wrote.
type Report struct {
	Files       []FileCount
	Dealers     int
	Groups      int
	Salespeople int
	Programs    int
	Sales       SalesCount
}

// FileCount is one written file and its data rows (0 for non-CSV files).
type FileCount struct {
	Path string // relative to the workspace, with forward slashes
	Rows int
}

// SalesCount breaks the sales rows down by what they exercise.
type SalesCount struct {
	Rows         int // every data row
	Reversals    int // quantity -1 rows cancelling an earlier sale
	Trades       int // rows with a delivering dealer
	Splits       int // rows with a dealer split
	Rebates      int // rows with a rebate code
	Duplicates   int // exact repeats of an earlier row
	DoubleClaims int // a VIN sold again by another dealer
	Bad          int // rows the reader or the calculation rejects
}

// Header is the first line of a generated incent.yaml; it names the options,
// so a script can tell whether a workspace matches them.
func Header(o Options) string {
	return fmt.Sprintf("# incent gen --dealers %d --sales %d --seed %d --period %s", o.Dealers, o.Sales, o.Seed, o.Period.Code)
}

// ErrExists is returned when the folder already holds a workspace.
var ErrExists = errors.New("the folder already holds a workspace (incent.yaml exists)")

// Write generates a workspace in dir, which must not hold an incent.yaml.
func Write(dir string, o Options) (*Report, error) {
	if o.Dealers < 1 {
		return nil, fmt.Errorf("dealers must be at least 1, got %d", o.Dealers)
	}
	if o.Sales < 0 {
		return nil, fmt.Errorf("sales must be 0 or more, got %d", o.Sales)
	}
	if o.Dealers > 999999 {
		return nil, fmt.Errorf("dealers must be at most 999999, got %d", o.Dealers)
	}
	if o.Period.Code == "" {
		return nil, errors.New("a period is required")
	}
	if _, err := os.Stat(filepath.Join(dir, "incent.yaml")); err == nil {
		return nil, ErrExists
	}
	for _, sub := range []string{"programs", "data/sales"} {
		if err := os.MkdirAll(filepath.Join(dir, filepath.FromSlash(sub)), 0o755); err != nil {
			return nil, err
		}
	}
	w := &writer{dir: dir, o: o, rep: &Report{}}
	w.ds = newDealers(o)
	w.rep.Dealers, w.rep.Groups, w.rep.Salespeople = len(w.ds.list), w.ds.groups, w.ds.salespeople()
	steps := []func() error{w.programs, w.dealers, w.objectives, w.certifications, w.claims, w.sales, w.config}
	for _, step := range steps {
		if err := step(); err != nil {
			return nil, err
		}
	}
	return w.rep, nil
}

// writer holds what the steps of Write share.
type writer struct {
	dir string
	o   Options
	ds  *dealerSet
	rep *Report
}

// csvFile is one output file written through a buffer.
type csvFile struct {
	rel  string
	f    *os.File
	w    *bufio.Writer
	rows int
}

func (w *writer) create(rel string) (*csvFile, error) {
	f, err := os.Create(filepath.Join(w.dir, filepath.FromSlash(rel)))
	if err != nil {
		return nil, err
	}
	return &csvFile{rel: rel, f: f, w: bufio.NewWriterSize(f, 256<<10)}, nil
}

// line writes one row; the buffer is taken from the writer's free space,
// so a row costs no allocation.
func (c *csvFile) line(build func([]byte) []byte) {
	c.w.Write(append(build(c.w.AvailableBuffer()), '\n'))
}

func (c *csvFile) header(s string) { c.w.WriteString(s + "\n") }

// close flushes and closes the file and records it in the report.
func (w *writer) close(c *csvFile, isData bool) error {
	err := c.w.Flush()
	if cerr := c.f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("write %s: %w", c.rel, err)
	}
	rows := 0
	if isData {
		rows = c.rows
	}
	w.rep.Files = append(w.rep.Files, FileCount{Path: c.rel, Rows: rows})
	return nil
}

// writeText writes a small text file.
func (w *writer) writeText(rel, text string) error {
	if err := os.WriteFile(filepath.Join(w.dir, filepath.FromSlash(rel)), []byte(text), 0o644); err != nil {
		return fmt.Errorf("write %s: %w", rel, err)
	}
	w.rep.Files = append(w.rep.Files, FileCount{Path: rel})
	return nil
}

func (w *writer) config() error {
	return w.writeText("incent.yaml", Header(w.o)+`
# A generated workspace: `+strconv.Itoa(w.o.Dealers)+` dealers, `+strconv.Itoa(w.o.Sales)+` sales rows, `+
		strconv.Itoa(w.rep.Programs)+` programs for `+w.o.Period.Code+`.
# Run it with:  incent calc --period `+w.o.Period.Code+`
#
# Every key is optional; the values shown are the defaults. INCENT_* environment
# variables override this file (INCENT_ROUNDING=half_even), and flags override both.

db: incent.db                 # embedded SQLite file, relative to this folder
programs: programs            # one YAML file per incentive program
out: out                      # runs are written to out/<period>/<run-id>/

inputs:                       # files calc picks up; a file already ingested with the same content is skipped
  sales: [data/sales/*.csv, data/sales/*.xlsx]   # one DMS export per month
  dealers: data/dealers.csv
  objectives: data/objectives.csv               # unit objectives per dealer, period and objective key
  certifications: data/certifications.csv       # dealer certifications and their validity
  claims: data/coop-claims.csv                  # co-op marketing claims

profile: canonical            # sales column mapping: canonical | cdk | reynolds | tekion | a name under profiles:
rounding: half_up             # half_up | half_even, applied once per payout line
max_rejects: 0.01             # share of sales rows that may be rejected before calc refuses (exit 3)
maker: Northwind Vehicles     # printed as the issuer on statements
memory: 1GiB                  # memory budget of a command (B, KiB, MiB, GiB, TiB), or off; GOMEMLIMIT overrides it
`)
}

// appendField appends a CSV field, quoted when it must be.
func appendField(b []byte, s string) []byte {
	need := false
	for i := 0; i < len(s); i++ {
		if c := s[i]; c == ',' || c == '"' || c == '\n' || c == '\r' {
			need = true
			break
		}
	}
	if !need {
		return append(b, s...)
	}
	b = append(b, '"')
	for i := 0; i < len(s); i++ {
		if s[i] == '"' {
			b = append(b, '"')
		}
		b = append(b, s[i])
	}
	return append(b, '"')
}

// appendCents appends an amount in cents as plain decimal text: 4525000 ->
// 45250.00. Money never passes through a float.
func appendCents(b []byte, cents int64) []byte {
	if cents < 0 {
		b = append(b, '-')
		cents = -cents
	}
	b = strconv.AppendInt(b, cents/100, 10)
	b = append(b, '.')
	c := cents % 100
	return append(b, byte('0'+c/10), byte('0'+c%10))
}

// appendGroupedCents appends an amount as a DMS often prints it,
// "$45,250.00", quoted because of the comma.
func appendGroupedCents(b []byte, cents int64) []byte {
	var tmp [32]byte
	digits := strconv.AppendInt(tmp[:0], cents/100, 10)
	b = append(b, '"', '$')
	for i, d := range digits {
		if i > 0 && (len(digits)-i)%3 == 0 {
			b = append(b, ',')
		}
		b = append(b, d)
	}
	b = append(b, '.')
	c := cents % 100
	return append(b, byte('0'+c/10), byte('0'+c%10), '"')
}

// dateTexts formats dates quickly around the period; other dates fall back
// to Date.String.
type dateTexts struct {
	from incent.Date
	text []string
}

func newDateTexts(p incent.Period) *dateTexts {
	from := p.From - 800
	n := int(p.To-from) + 400
	dt := &dateTexts{from: from, text: make([]string, n)}
	for i := range dt.text {
		dt.text[i] = (from + incent.Date(i)).String()
	}
	return dt
}

func (dt *dateTexts) of(d incent.Date) string {
	if i := int(d - dt.from); i >= 0 && i < len(dt.text) {
		return dt.text[i]
	}
	return d.String()
}

// months lists the first day of every month of the period.
func months(p incent.Period) []incent.Date {
	var out []incent.Date
	for d := p.From; d <= p.To; {
		out = append(out, d)
		t := d.Time()
		d = incent.DateOf(t.Year(), t.Month()+1, 1)
	}
	return out
}

// monthCode returns a date's month as 2024-07.
func monthCode(d incent.Date) string { return d.Month() }
