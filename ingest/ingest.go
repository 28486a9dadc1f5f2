// Package ingest reads one input file (CSV or XLSX) into typed rows or
// reject reasons, so that a bad row never stops a run and no row is lost:
// every data row is either accepted or rejected with a reason naming the
// file, row and column.
//
// CSV is streamed: UTF-8 with or without a byte-order mark, or UTF-16 with
// one; comma, semicolon or tab, whichever the header line uses most. Row
// numbers are the physical line where a record starts. XLSX is read from
// the first sheet (or the profile's), with title rows allowed above the
// header; row numbers are the sheet's. A workbook is unzipped in memory and
// its rows parsed one at a time, which is far slower than CSV for big
// exports.
//
// Columns are found by header name (see NormHeader) through a Profile, which
// also maps a DMS's words (deal types, conditions) to canonical ones.
package ingest

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"slices"
	"strconv"
	"strings"

	"github.com/incent/incent"
	"github.com/incent/incent/internal/arena"
	"github.com/shopspring/decimal"
)

// Kind is an input kind.
type Kind string

// The input kinds a workspace holds.
const (
	KindSales          Kind = "sales"
	KindDealers        Kind = "dealers"
	KindObjectives     Kind = "objectives"
	KindCertifications Kind = "certifications"
	KindClaims         Kind = "claims"
)

// Reject is an input row that was not accepted, with its reason.
type Reject struct {
	File   string
	Row    int    // 1-based line/row number as a person sees it
	Column string // canonical column name, "" when the whole row is at fault
	Reason string // what is wrong, what was expected
	Raw    []string
	// Key is, for a sales row, its sale key (dealer/deal/VIN/direction, as
	// the cells give them), so that a later version of the file holding
	// the same sale can be told to supersede the reject; "" for other
	// kinds, or when a key cell is empty or the quantity unreadable.
	Key string
	// Superseded is set on the reject of a sales row once a later version
	// of its file holds the same sale: it no longer counts against
	// max_rejects.
	Superseded bool
}

// Error formats the reject as "file:row: column: reason".
func (r Reject) Error() string {
	return joinPos(r.File, r.Row, r.Column, r.Reason)
}

// FileError is a problem that makes a whole file unreadable: empty file, not
// CSV or XLSX, missing required column or bad encoding.
type FileError struct {
	File   string
	Row    int
	Column string
	Msg    string
}

// Error formats the problem as "file:row: column: msg", omitting zero parts.
func (e *FileError) Error() string {
	return joinPos(e.File, e.Row, e.Column, e.Msg)
}

func joinPos(file string, row int, column, msg string) string {
	var b strings.Builder
	if file != "" {
		b.WriteString(file)
		if row > 0 {
			b.WriteByte(':')
			b.WriteString(strconv.Itoa(row))
		}
		b.WriteString(": ")
	} else if row > 0 {
		b.WriteString("row ")
		b.WriteString(strconv.Itoa(row))
		b.WriteString(": ")
	}
	if column != "" {
		b.WriteString(column)
		b.WriteString(": ")
	}
	b.WriteString(msg)
	return b.String()
}

// Warning is a problem in a row that was accepted anyway, such as a wrong
// VIN check digit under vin_check: warn.
type Warning struct {
	File   string
	Row    int
	Column string
	Reason string
}

// Error formats the warning as "file:row: column: reason".
func (w Warning) Error() string {
	return joinPos(w.File, w.Row, w.Column, w.Reason)
}

// Counts is one file's reconciliation: Read = Accepted + Rejected, plus
// Duplicate, which the caller fills in.
type Counts struct {
	Read, Accepted, Rejected, Duplicate int
}

// Row is one data row's position, for callers that need to reject it later
// (an unknown dealer, say). Raw is the row's own slice: the reader never
// reuses it, so a caller may keep it.
type Row struct {
	File     string
	Line     int
	Raw      []string
	Warnings []Warning // problems that did not stop the row; nil for most rows
}

// readFile is the one loop behind every reader: open the file, resolve the
// header, then turn each data row into exactly one accept or reject.
//
// Rows are streamed, so accept may already have run for earlier rows when a
// *FileError stops the file (an unreadable byte sequence, a quote never
// closed); callers keep a file's rows provisional until readFile returns nil.
func readFile[T any](file string, r io.Reader, p Profile, sc *schema, parse func(*rowCtx) (T, bool), accept func(Row, T) error, reject func(Reject)) (Counts, error) {
	var n Counts
	opened, lay, err := open(file, r, &p, sc)
	if err != nil {
		return n, err
	}
	c := rowCtx{file: file, lay: lay, p: &p, sc: sc}
	if xs, ok := opened.(*xlsxSource); ok {
		c.sheet, c.date1904 = true, xs.date1904
	}
	src := prefetch(opened)
	defer src.close()
	rows := parseAll(src, &c, parse)
	defer rows.close()
	for {
		pr, err := rows.next()
		if err == io.EOF {
			return n, nil
		}
		if err != nil {
			var re *recordError
			if !errors.As(err, &re) {
				return n, err
			}
			n.Read++
			n.Rejected++
			if reject != nil {
				reject(Reject{File: file, Row: re.row, Column: lay.column(sc, re.field), Reason: re.reason, Raw: slices.Clone(re.rec)})
			}
			continue
		}
		if !pr.ok {
			n.Read++
			n.Rejected++
			if reject != nil {
				col := ""
				if pr.badCol >= 0 {
					col = sc.cols[pr.badCol].name
				}
				// A kept reject holds a copy of its cells, not the block
				// of fields its neighbours were split into.
				rj := Reject{File: file, Row: pr.row, Column: col, Reason: pr.reason, Raw: slices.Clone(pr.rec)}
				if sc.rejectKey != nil {
					rj.Key = sc.rejectKey(lay, pr.rec)
				}
				reject(rj)
			}
			continue
		}
		if accept != nil {
			if err := accept(Row{File: file, Line: pr.row, Raw: pr.rec, Warnings: pr.warnings}, pr.v); err != nil {
				return n, err
			}
		}
		n.Read++
		n.Accepted++
	}
}

// open detects the format from the content (a zip is XLSX) or the name,
// and returns a source positioned after the header row.
func open(file string, r io.Reader, p *Profile, sc *schema) (source, *layout, error) {
	br := bufio.NewReaderSize(r, peekSize)
	head, err := br.Peek(len(oleMagic))
	if err != nil && err != io.EOF {
		return nil, nil, &FileError{File: file, Msg: "cannot read the file: " + err.Error()}
	}
	switch {
	case len(head) == 0:
		return nil, nil, &FileError{File: file, Msg: "the file is empty; expected a header row and data rows"}
	case bytes.HasPrefix(head, oleMagic):
		return nil, nil, &FileError{File: file, Msg: "this is a legacy .xls or a password-protected workbook; expected .xlsx without a password, or CSV saved as UTF-8"}
	case bytes.HasPrefix(head, zipMagic) || strings.HasSuffix(strings.ToLower(file), ".xlsx"):
		src, lay, err := openXLSX(file, br, sc, p)
		if err != nil {
			return nil, nil, err
		}
		return src, lay, nil
	}
	src, header, line, err := openCSV(file, br, head)
	if err != nil {
		return nil, nil, err
	}
	lay, missing, err := resolveHeader(sc, p, header)
	if err != nil {
		return nil, nil, &FileError{File: file, Row: line, Msg: err.Error()}
	}
	if len(missing) > 0 {
		return nil, nil, missingColumnsError(file, line, sc, p, header, missing)
	}
	return src, lay, nil
}

// rowCtx is the reader's view of the current row; parse functions read
// cells through it and record the first problem they find.
type rowCtx struct {
	file     string
	lay      *layout
	p        *Profile
	sc       *schema
	sheet    bool // cells come from XLSX: numbers are raw spreadsheet numbers
	date1904 bool
	row      int
	rec      []string
	badCol   int
	reason   string
	warnings []Warning // of the current row; a fresh slice per row that has any

	// amounts holds the amounts parsed so far by their cell text. A
	// quarter's prices and rebates repeat (a few hundred MSRPs over a
	// million sales), and every decimal parsed anew is two allocations
	// that stay live all through the calculation; equal cells share one.
	amounts map[string]decimal.Decimal
	// codes holds the codes kept so far, by column and text; see share.
	codes []map[string]string
	// extras is the block the next sale's extra columns go in, and text
	// the block of their own texts; see compact.
	extras []incent.SaleExtra
	text   arena.Text
	// syms holds the file's symbols (dealers, models and the like), and
	// fileSym the file's own name as one.
	syms    incent.Symbols
	fileSym incent.Sym
}

// maxSharedCodes bounds rowCtx.codes, as maxSharedAmounts does amounts.
const maxSharedCodes = 1 << 16

// maxSharedAmounts bounds rowCtx.amounts: a file of distinct amounts
// stops adding to it rather than hold a second copy of its column.
const maxSharedAmounts = 1 << 16

// cell returns column c's trimmed text, "" when the column or cell is absent.
func (c *rowCtx) cell(col int) string { return cellAt(c.lay, c.rec, col) }

// word returns column c's text mapped through the profile's value words.
func (c *rowCtx) word(col int) string {
	s := c.cell(col)
	if m := c.lay.values[col]; m != nil && s != "" {
		if v, ok := m[strings.ToLower(s)]; ok {
			return v
		}
	}
	return s
}

// fail records the row's problem and reports false, for "return v, c.fail(...)".
func (c *rowCtx) fail(col int, reason string) bool {
	c.badCol, c.reason = col, reason
	return false
}

// warn records a problem that does not stop the row.
func (c *rowCtx) warn(col int, reason string) {
	c.warnings = append(c.warnings, Warning{File: c.file, Row: c.row, Column: c.sc.cols[col].name, Reason: reason})
}

// required returns a required column's text, or records that it is empty.
func (c *rowCtx) required(col int) (string, bool) {
	s := c.cell(col)
	if s == "" {
		return "", c.fail(col, "the cell is empty; a value is required")
	}
	return s, true
}

// code returns a required dealer or payee code, checked to be safe as a
// file name.
func (c *rowCtx) code(col int, required bool) (string, bool) {
	s := c.cell(col)
	if s == "" {
		if required {
			return "", c.fail(col, "the cell is empty; a value is required")
		}
		return "", true
	}
	if p := codeProblem(s); p != "" {
		return "", c.fail(col, strconv.Quote(s)+" "+p)
	}
	return s, true
}

// money parses column c as an amount; has is false when the cell is empty.
func (c *rowCtx) money(col int) (d decimal.Decimal, has, ok bool) {
	s := c.cell(col)
	if s == "" {
		return decimal.Zero, false, true
	}
	if d, ok := c.amounts[s]; ok {
		return d, true, true
	}
	d, ok = c.parseMoney(s)
	if !ok {
		return decimal.Zero, false, c.fail(col, moneyReason(s, c.p.DecimalComma))
	}
	if c.amounts == nil {
		c.amounts = map[string]decimal.Decimal{}
	}
	if len(c.amounts) < maxSharedAmounts {
		// A copy of the text: the cell's own shares its whole row.
		c.amounts[strings.Clone(s)] = d
	}
	return d, true, true
}

// amount parses column col as an amount, empty when the cell is.
func (c *rowCtx) amount(col int) (incent.Amount, bool) {
	s := c.cell(col)
	if s == "" {
		return incent.Amount{}, true
	}
	// A sheet's numeric cell is dot-decimal whatever the profile says, and
	// is rounded to a spreadsheet's 15 digits.
	comma, digits := c.p.DecimalComma, 18
	if c.sheet {
		comma, digits = false, sheetDigits
	}
	if a, ok := plainAmount(s, comma, digits); ok {
		return a, true
	}
	if !c.sheet {
		if a, ok := moneyAmount(s, comma); ok {
			return a, true
		}
	}
	d, _, ok := c.money(col)
	if !ok {
		return incent.Amount{}, false
	}
	return incent.AmountOf(d), true
}

func (c *rowCtx) parseMoney(s string) (decimal.Decimal, bool) {
	if c.sheet {
		// A numeric cell's raw text is always dot-decimal, whatever the
		// profile says about text cells.
		if d, ok := parseSheetNumber(s); ok {
			return d, true
		}
	}
	return parseMoney(s, c.p.DecimalComma)
}

// date parses column c as a date; it is incent.NoDate when the cell is
// empty and the column optional. Sensible dates are 1990 to 2100.
func (c *rowCtx) date(col int, required, sensible bool) (incent.Date, bool) {
	s := c.cell(col)
	if s == "" {
		if required {
			return incent.NoDate, c.fail(col, "the cell is empty; a date is required")
		}
		return incent.NoDate, true
	}
	d, ok := parseDate(s, c.p.DateFormat, c.date1904)
	if !ok {
		return incent.NoDate, c.fail(col, dateReason(s, c.p.DateFormat))
	}
	if sensible {
		if d < incent.Date(daysFromCivil(minYear, 1, 1)) || d > incent.Date(daysFromCivil(maxYear, 12, 31)) {
			return incent.NoDate, c.fail(col, strconv.Quote(s)+" is "+d.String()+", outside any sensible range (1990 to 2100)")
		}
	}
	return d, true
}

// The range of sensible sale and claim dates.
const (
	minYear = 1990
	maxYear = 2100
)
