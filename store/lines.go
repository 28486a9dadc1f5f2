package store

import (
	"fmt"
	"strconv"
	"unicode/utf16"
	"unicode/utf8"
)

// LinesError is the error of a run whose stored payout lines cannot be
// read back: a text of them edited into something that is not what
// appendLinesJSON writes.
type LinesError struct {
	RunID string
	First int // number of the text's first line
	Why   string
}

func (e *LinesError) Error() string {
	return fmt.Sprintf("run %s: its stored payout lines from line %d are not readable (%s)", e.RunID, e.First, e.Why)
}

// runLines reads a run's payout lines back in order: from its JSON texts
// (see insertLines), or from the rows of payout_lines for a run stored
// before those.
func (t *Tx) runLines(id string) ([]Line, error) {
	// Room for every line up front, a full text's worth for each text: a
	// large run has a hundred thousand lines and more, and the list would
	// otherwise be copied as it grew.
	var texts int
	if err := t.tx.QueryRowContext(t.ctx, `SELECT count(*) FROM run_lines WHERE run_id = ?`, id).Scan(&texts); err != nil {
		return nil, err
	}
	if texts == 0 {
		return t.rowLines(id)
	}
	rows, err := t.tx.QueryContext(t.ctx, `SELECT first, lines FROM run_lines WHERE run_id = ? ORDER BY first`, id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	lines := make([]Line, 0, texts*linesPerText)
	for rows.Next() {
		var first int
		var text string
		if err := rows.Scan(&first, &text); err != nil {
			return nil, err
		}
		if first != len(lines)+1 {
			return nil, &LinesError{RunID: id, First: first, Why: fmt.Sprintf("it follows line %d", len(lines))}
		}
		if lines, err = decodeLines(lines, text); err != nil {
			return nil, &LinesError{RunID: id, First: first, Why: err.Error()}
		}
	}
	return lines, rows.Err()
}

// rowLines reads the payout lines of a run stored one row per line.
func (t *Tx) rowLines(id string) ([]Line, error) {
	// Room for every line up front: a large run has a hundred thousand
	// and more, and the list would otherwise be copied as it grew. The
	// largest line number is read from the key's index, not counted.
	var last int
	if err := t.tx.QueryRowContext(t.ctx, `SELECT coalesce(max(n), 0) FROM payout_lines WHERE run_id = ?`, id).Scan(&last); err != nil {
		return nil, err
	}
	lines := make([]Line, 0, last)
	rows, err := t.tx.QueryContext(t.ctx, `SELECT payee_type, payee, program_id, program_version, kind, currency, measure, tier, amount
		FROM payout_lines WHERE run_id = ? ORDER BY n`, id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var l Line
		if err := rows.Scan(&l.PayeeType, &l.Payee, &l.ProgramID, &l.ProgramVersion, &l.Kind, &l.Currency, &l.Measure, &l.Tier, &l.Amount); err != nil {
			return nil, err
		}
		lines = append(lines, l)
	}
	return lines, rows.Err()
}

// appendLinesJSON appends lines as a JSON array with one array per line:
// payee type, payee, program, version, kind, currency, measure, tier and
// amount, each a string but the version.
func appendLinesJSON(b []byte, lines []Line) []byte {
	b = append(b, '[')
	for i := range lines {
		l := &lines[i]
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, '[')
		b = appendJSONString(b, l.PayeeType)
		b = append(b, ',')
		b = appendJSONString(b, l.Payee)
		b = append(b, ',')
		b = appendJSONString(b, l.ProgramID)
		b = append(b, ',')
		b = strconv.AppendInt(b, int64(l.ProgramVersion), 10)
		for _, s := range [...]string{l.Kind, l.Currency, l.Measure, l.Tier, l.Amount} {
			b = append(b, ',')
			b = appendJSONString(b, s)
		}
		b = append(b, ']')
	}
	return append(b, ']')
}

// appendJSONString appends s as a JSON string that SQLite's ->> reads back
// as exactly s: quote, backslash and control bytes escaped, every other
// byte, valid UTF-8 or not, as it is.
func appendJSONString(b []byte, s string) []byte {
	const hexDigits = "0123456789abcdef"
	b = append(b, '"')
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '"' || c == '\\':
			b = append(b, '\\', c)
		case c < 0x20:
			b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
		default:
			b = append(b, c)
		}
	}
	return append(b, '"')
}

// decodeLines appends the lines of a text appendLinesJSON wrote to lines.
// It reads JSON as SQLite's ->> does, whitespace and every escape
// included, and takes a string with no escape as a part of text rather
// than a copy: a large run's texts are its lines' strings.
func decodeLines(lines []Line, text string) ([]Line, error) {
	d := linesDecoder{s: text}
	if err := d.expect('['); err != nil {
		return lines, err
	}
	if d.peek() == ']' {
		d.i++
		return lines, d.end()
	}
	for {
		var l Line
		var err error
		if err = d.expect('['); err != nil {
			return lines, err
		}
		for k, f := range [...]*string{&l.PayeeType, &l.Payee, &l.ProgramID, nil, &l.Kind, &l.Currency, &l.Measure, &l.Tier, &l.Amount} {
			if k > 0 {
				if err = d.expect(','); err != nil {
					return lines, err
				}
			}
			if f == nil {
				l.ProgramVersion, err = d.integer()
			} else {
				*f, err = d.str()
			}
			if err != nil {
				return lines, err
			}
		}
		if err = d.expect(']'); err != nil {
			return lines, err
		}
		lines = append(lines, l)
		switch d.peek() {
		case ',':
			d.i++
		case ']':
			d.i++
			return lines, d.end()
		default:
			return lines, d.fail("',' or ']'")
		}
	}
}

type linesDecoder struct {
	s string
	i int
}

func (d *linesDecoder) space() {
	for d.i < len(d.s) {
		switch d.s[d.i] {
		case ' ', '\t', '\n', '\r':
			d.i++
		default:
			return
		}
	}
}

// peek returns the next byte after any whitespace, 0 at the end.
func (d *linesDecoder) peek() byte {
	d.space()
	if d.i == len(d.s) {
		return 0
	}
	return d.s[d.i]
}

func (d *linesDecoder) fail(want string) error {
	if d.i >= len(d.s) {
		return fmt.Errorf("the text ends where %s was expected", want)
	}
	return fmt.Errorf("byte %d is %q where %s was expected", d.i, d.s[d.i], want)
}

func (d *linesDecoder) expect(c byte) error {
	if d.peek() != c {
		return d.fail(strconv.QuoteRune(rune(c)))
	}
	d.i++
	return nil
}

func (d *linesDecoder) end() error {
	if d.peek() != 0 {
		return d.fail("the end of the text")
	}
	return nil
}

func (d *linesDecoder) integer() (int, error) {
	d.space()
	start := d.i
	if d.i < len(d.s) && d.s[d.i] == '-' {
		d.i++
	}
	for d.i < len(d.s) && d.s[d.i] >= '0' && d.s[d.i] <= '9' {
		d.i++
	}
	n, err := strconv.Atoi(d.s[start:d.i])
	if err != nil {
		d.i = start
		return 0, d.fail("a version number")
	}
	return n, nil
}

func (d *linesDecoder) str() (string, error) {
	if err := d.expect('"'); err != nil {
		return "", err
	}
	start := d.i
	for d.i < len(d.s) {
		switch d.s[d.i] {
		case '"':
			d.i++
			return d.s[start : d.i-1], nil
		case '\\':
			return d.escaped(start)
		}
		d.i++
	}
	return "", d.fail(`'"'`)
}

// escaped reads the rest of a string begun at start that has an escape at
// d.i, into a copy.
func (d *linesDecoder) escaped(start int) (string, error) {
	b := []byte(d.s[start:d.i])
	for d.i < len(d.s) {
		c := d.s[d.i]
		switch {
		case c == '"':
			d.i++
			return string(b), nil
		case c != '\\':
			b = append(b, c)
			d.i++
			continue
		}
		if d.i+1 >= len(d.s) {
			break
		}
		d.i += 2
		switch e := d.s[d.i-1]; e {
		case '"', '\\', '/':
			b = append(b, e)
		case 'b':
			b = append(b, '\b')
		case 'f':
			b = append(b, '\f')
		case 'n':
			b = append(b, '\n')
		case 'r':
			b = append(b, '\r')
		case 't':
			b = append(b, '\t')
		case 'u':
			r, ok := d.hex4()
			if !ok {
				return "", d.fail("four hexadecimal digits")
			}
			if utf16.IsSurrogate(r) {
				if r2, ok := d.lowSurrogate(); ok {
					r = utf16.DecodeRune(r, r2)
				} else {
					r = utf8.RuneError
				}
			}
			b = utf8.AppendRune(b, r)
		default:
			d.i--
			return "", d.fail("an escape")
		}
	}
	return "", d.fail(`'"'`)
}

func (d *linesDecoder) hex4() (rune, bool) {
	if d.i+4 > len(d.s) {
		return 0, false
	}
	n, err := strconv.ParseUint(d.s[d.i:d.i+4], 16, 16)
	if err != nil {
		return 0, false
	}
	d.i += 4
	return rune(n), true
}

// lowSurrogate reads a \u escape of the second half of a surrogate pair,
// if one follows.
func (d *linesDecoder) lowSurrogate() (rune, bool) {
	if d.i+6 > len(d.s) || d.s[d.i] != '\\' || d.s[d.i+1] != 'u' {
		return 0, false
	}
	save := d.i
	d.i += 2
	r, ok := d.hex4()
	if !ok || r < 0xdc00 || r > 0xdfff {
		d.i = save
		return 0, false
	}
	return r, true
}
