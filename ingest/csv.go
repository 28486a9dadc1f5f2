package ingest

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding/unicode"
	"golang.org/x/text/transform"
)

// peekSize is how much of a CSV file is examined before reading it: enough
// for the header line and for a first check of the encoding.
const peekSize = 64 << 10

var (
	bomUTF8    = []byte{0xEF, 0xBB, 0xBF}
	bomUTF16LE = []byte{0xFF, 0xFE}
	bomUTF16BE = []byte{0xFE, 0xFF}
	zipMagic   = []byte("PK\x03\x04")
	oleMagic   = []byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1}
)

// source yields a file's data records one at a time.
type source interface {
	// next returns the next non-blank record and its row number; io.EOF at
	// the end, a *recordError for a record that can be skipped, or a
	// *FileError when the rest of the file cannot be read.
	next() (rec []string, row int, err error)
	close()
}

// recordError is a record the file format itself rejects, such as a
// malformed quote; the reader can go on after it.
type recordError struct {
	row    int
	rec    []string
	field  int // the index in the record of the field at fault, or -1
	reason string
}

func (e *recordError) Error() string { return e.reason }

// csvSource reads records exactly as encoding/csv does (ReuseRecord off,
// any number of fields, no lazy quotes), but splits a line with no quote
// itself: that is nearly every line of a DMS export, and splitting it
// takes a fraction of what encoding/csv's general parser does. A line with
// a quote goes to encoding/csv, together with any lines its quoted field
// runs on to. Each record is a slice of its own, with room for no more
// fields, so a caller may keep it (Row.Raw).
type csvSource struct {
	file  string
	br    *bufio.Reader
	comma byte
	// cr reads the lines fed to it: those with a quote, and the lines their
	// quoted fields run on to. Its line numbers count only those lines.
	cr   *csv.Reader
	feed *lineFeed
	// fast is the number of lines read here rather than by cr: the line
	// numbers cr gives are this many short.
	fast    int
	long    []byte   // a line longer than br's buffer
	slab    []string // fields of the next records, handed out in turn
	cuts    []int32  // splitQuoted's field bounds, kept for the next line
	pending *pendingRecord
	// utf8 is set when the record record returned last was split from a
	// line that is UTF-8 as a whole, and so in every field: the delimiter
	// is one ASCII byte, which no UTF-8 sequence holds.
	utf8 bool
}

// slabFields is the number of fields allocated at once for the records
// split here: one allocation for every few dozen rows rather than one a
// row, and few enough that a kept record holds little else alive. With
// the runtime's 8-byte header for objects with pointers, 511 fields take
// 8,184 bytes, within the 8 KiB size class; 512 would take 9,472.
const slabFields = 511

// pendingRecord is a record read ahead, with the error csv gave for it.
type pendingRecord struct {
	rec  []string
	row  int
	err  error
	utf8 bool
}

// openCSV prepares a CSV reader: it strips a UTF-8 byte-order mark, decodes
// UTF-16 with one, refuses binary or non-UTF-8 text, and picks the delimiter
// from the header line. It returns the header record and its line.
func openCSV(file string, br *bufio.Reader, head []byte) (*csvSource, []string, int, error) {
	switch {
	case bytes.HasPrefix(head, bomUTF8):
		_, _ = br.Discard(len(bomUTF8))
	case bytes.HasPrefix(head, bomUTF16LE), bytes.HasPrefix(head, bomUTF16BE):
		order := unicode.LittleEndian
		if head[0] == 0xFE {
			order = unicode.BigEndian
		}
		dec := unicode.UTF16(order, unicode.ExpectBOM).NewDecoder()
		br = bufio.NewReaderSize(transform.NewReader(br, dec), peekSize)
	}
	buf, err := br.Peek(peekSize)
	if err != nil && err != io.EOF && !errors.Is(err, bufio.ErrBufferFull) {
		return nil, nil, 0, &FileError{File: file, Msg: "cannot read the file: " + err.Error()}
	}
	if len(bytes.TrimSpace(buf)) == 0 {
		return nil, nil, 0, &FileError{File: file, Msg: "the file is empty; expected a header row and data rows"}
	}
	if i := bytes.IndexByte(buf, 0); i >= 0 {
		return nil, nil, 0, &FileError{File: file, Row: lineAt(buf, i), Msg: "the file holds NUL bytes, so it is not CSV text (a binary file, or UTF-16 without a byte-order mark?); expected CSV saved as UTF-8"}
	}
	check := buf
	if len(buf) == peekSize {
		check = trimPartialRune(buf)
	}
	if !utf8.Valid(check) {
		i := invalidUTF8At(check)
		return nil, nil, 0, &FileError{File: file, Row: lineAt(check, i), Msg: fmt.Sprintf("byte 0x%02X is not UTF-8 text (a Windows or Mac code page?); expected CSV saved as UTF-8", check[i])}
	}
	s := newCSVSource(file, br, byte(detectDelimiter(buf)))
	header, line, err := s.record()
	if err == io.EOF {
		return nil, nil, 0, &FileError{File: file, Msg: "the file is empty; expected a header row and data rows"}
	}
	if err != nil {
		var pe *csv.ParseError
		if errors.As(err, &pe) {
			return nil, nil, 0, &FileError{File: file, Row: pe.StartLine, Msg: fmt.Sprintf("header row, field %d: %s", len(header)+1, csvReason(pe))}
		}
		return nil, nil, 0, &FileError{File: file, Msg: "cannot read the file: " + err.Error()}
	}
	return s, header, line, nil
}

// newCSVSource reads records from br, fields separated by comma.
func newCSVSource(file string, br *bufio.Reader, comma byte) *csvSource {
	s := &csvSource{file: file, br: br, comma: comma, feed: &lineFeed{br: br}}
	s.cr = csv.NewReader(s.feed)
	s.cr.Comma = rune(comma)
	s.cr.FieldsPerRecord = -1
	s.cr.LazyQuotes = false
	return s
}

func (s *csvSource) close() {}

func (s *csvSource) next() ([]string, int, error) {
	for {
		rec, row, err := s.read()
		if err != nil {
			return rec, row, err
		}
		if isBlank(rec) {
			continue
		}
		for i, f := range rec {
			if !s.utf8 && !utf8.ValidString(f) {
				return nil, row, &recordError{row: row, rec: rec, field: i, reason: "the cell is not UTF-8 text; expected the file saved as UTF-8"}
			}
		}
		return rec, row, nil
	}
}

// read returns the next record, looking one record ahead after a parse
// error: a quote left open swallows every line to the end of the file, and
// that must stop the file rather than silently lose the rows.
func (s *csvSource) read() ([]string, int, error) {
	var (
		rec  []string
		line int
		err  error
	)
	if p := s.pending; p != nil {
		s.pending = nil
		rec, line, err, s.utf8 = p.rec, p.row, p.err, p.utf8
	} else {
		rec, line, err = s.record()
	}
	if err == nil || err == io.EOF {
		return rec, line, err
	}
	var pe *csv.ParseError
	if !errors.As(err, &pe) {
		return nil, 0, &FileError{File: s.file, Msg: "cannot read the file: " + err.Error()}
	}
	if pe.Line > pe.StartLine && errors.Is(pe.Err, csv.ErrQuote) {
		next, row, err2 := s.record()
		if err2 == io.EOF {
			return nil, 0, &FileError{File: s.file, Row: pe.StartLine, Msg: fmt.Sprintf("a quoted field opened here is never closed, so lines %d to %d cannot be read; expected every opening quote to have a closing one", pe.StartLine, pe.Line)}
		}
		s.pending = &pendingRecord{rec: next, row: row, err: err2, utf8: s.utf8}
	}
	// encoding/csv gives the fields before the one at fault.
	return nil, pe.StartLine, &recordError{row: pe.StartLine, rec: rec, field: len(rec), reason: csvReason(pe)}
}

// record returns the next record and the line it starts on, counted from
// the start of the file, with encoding/csv's errors (their lines counted
// so too): what encoding/csv's Read and FieldPos(0) would give.
func (s *csvSource) record() ([]string, int, error) {
	s.utf8 = false
	for {
		line, err := s.readLine()
		if err != nil {
			return nil, 0, err
		}
		// As encoding/csv: the line without its end ("\n" or "\r\n"), or
		// without a "\r" that ends the file; a line with nothing else is
		// skipped.
		text := line
		if n := len(text); text[n-1] == '\n' {
			text = text[:n-1]
			if n >= 2 && text[n-2] == '\r' {
				text = text[:n-2]
			}
		} else if text[n-1] == '\r' {
			text = text[:n-1]
		}
		var rec []string
		if bytes.IndexByte(text, '"') < 0 {
			if len(text) == 0 {
				s.fast++
				continue
			}
			rec = s.split(text)
		} else if rec = s.splitQuoted(text); rec == nil {
			return s.quoted(line)
		}
		s.fast++
		s.utf8 = utf8.Valid(text)
		return rec, s.lineNumber(), nil
	}
}

// lineNumber is the number of lines read so far.
func (s *csvSource) lineNumber() int { return s.fast + s.feed.lines }

// split cuts a line with no quote at its delimiters. The fields are cut
// from one string of the whole line, made at once, rather than copied
// field by field into a string of the line without its delimiters.
func (s *csvSource) split(text []byte) []string {
	n := bytes.Count(text, []byte{s.comma}) + 1
	rec := s.fields(n)
	str := string(text)
	for i := range n - 1 {
		j := strings.IndexByte(str, s.comma)
		rec[i], str = str[:j], str[j+1:]
	}
	rec[n-1] = str
	return rec
}

// fields hands out room for a record of n fields from the slab, with no
// room beyond them.
func (s *csvSource) fields(n int) []string {
	if len(s.slab) < n {
		s.slab = make([]string, max(n, slabFields))
	}
	rec := s.slab[:n:n]
	s.slab = s.slab[n:]
	return rec
}

// splitQuoted cuts a line whose quotes only enclose whole fields, none of
// which holds a quote or a carriage return: the line of an export that
// quotes every field, or every field with a delimiter in it
// ("D001","1,234.50",x). It gives what encoding/csv gives for such a
// line, and nil for any other, which encoding/csv then reads: a doubled
// quote, a quote inside an unquoted field, text after a closing quote, a
// quoted field that runs on to the next line.
func (s *csvSource) splitQuoted(text []byte) []string {
	cuts := s.cuts[:0] // each field's first byte and the byte after it
	for i := 0; ; {
		if i < len(text) && text[i] == '"' {
			end := bytes.IndexByte(text[i+1:], '"')
			if end < 0 {
				return nil // runs on to the next line, or never closes
			}
			end += i + 1
			if bytes.IndexByte(text[i+1:end], '\r') >= 0 || end+1 < len(text) && text[end+1] != s.comma {
				return nil
			}
			cuts = append(cuts, int32(i+1), int32(end))
			i = end + 1
		} else {
			end := bytes.IndexByte(text[i:], s.comma)
			if end < 0 {
				end = len(text)
			} else {
				end += i
			}
			if bytes.IndexByte(text[i:end], '"') >= 0 {
				return nil
			}
			cuts = append(cuts, int32(i), int32(end))
			i = end
		}
		if i == len(text) {
			break
		}
		i++ // the delimiter; a line that ends with one ends with an empty field
	}
	s.cuts = cuts
	rec := s.fields(len(cuts) / 2)
	str := string(text)
	for k := range rec {
		rec[k] = str[cuts[2*k]:cuts[2*k+1]]
	}
	return rec
}

// quoted reads the record that starts with line, which has a quote, with
// encoding/csv.
func (s *csvSource) quoted(line []byte) ([]string, int, error) {
	s.feed.push(line)
	rec, err := s.cr.Read()
	if err != nil {
		var pe *csv.ParseError
		if errors.As(err, &pe) {
			pe.StartLine += s.fast
			pe.Line += s.fast
		}
		return rec, 0, err
	}
	row, _ := s.cr.FieldPos(0)
	return rec, row + s.fast, nil
}

// readLine returns the next line with its end, as encoding/csv reads it:
// io.EOF once there is nothing left.
func (s *csvSource) readLine() ([]byte, error) {
	line, err := s.br.ReadSlice('\n')
	if err == bufio.ErrBufferFull {
		s.long = append(s.long[:0], line...)
		for err == bufio.ErrBufferFull {
			line, err = s.br.ReadSlice('\n')
			s.long = append(s.long, line...)
		}
		line = s.long
	}
	if len(line) > 0 && err == io.EOF {
		err = nil
	}
	return line, err
}

// lineFeed is what encoding/csv reads from: the line pushed to it, then the
// file's next lines, never more than one line at a time. encoding/csv reads
// ahead only to find the end of a line, so it takes no byte of the file
// beyond the record it was asked for.
type lineFeed struct {
	br    *bufio.Reader
	line  []byte
	lines int // lines given out
	err   error
}

// push makes line, which ends the file or ends with "\n", the next one read.
func (f *lineFeed) push(line []byte) {
	f.line = line
	f.lines++
}

func (f *lineFeed) Read(p []byte) (int, error) {
	if len(f.line) == 0 {
		if f.err != nil {
			return 0, f.err
		}
		line, err := f.br.ReadSlice('\n')
		switch {
		case err == nil:
			f.lines++
		case err == bufio.ErrBufferFull:
		case len(line) > 0:
			f.lines++ // the last line, with no end
			f.err = err
		default:
			return 0, err
		}
		f.line = line
	}
	n := copy(p, f.line)
	f.line = f.line[n:]
	return n, nil
}

// csvReason says what is wrong with the quotes of a field. Where in the
// row is said by the reject's column: encoding/csv counts its column in
// bytes, which is not where a person counting characters would look.
func csvReason(pe *csv.ParseError) string {
	msg := pe.Err.Error()
	switch {
	case errors.Is(pe.Err, csv.ErrBareQuote):
		msg = `a quote (") inside an unquoted field`
	case errors.Is(pe.Err, csv.ErrQuote):
		msg = `a stray or missing quote (") in a quoted field`
	}
	if pe.Line > pe.StartLine {
		msg += fmt.Sprintf(" that runs from line %d to line %d", pe.StartLine, pe.Line)
	}
	return msg + "; expected a field with quotes to be wholly quoted, with quotes inside it doubled"
}

// detectDelimiter counts commas, semicolons and tabs outside quotes on the
// header line and picks the most frequent (comma on a tie or when none).
func detectDelimiter(buf []byte) rune {
	var comma, semi, tab int
	inQuote := false
	for _, c := range buf {
		switch {
		case c == '"':
			inQuote = !inQuote
		case inQuote:
		case c == '\n' || c == '\r':
			goto done
		case c == ',':
			comma++
		case c == ';':
			semi++
		case c == '\t':
			tab++
		}
	}
done:
	switch {
	case semi > comma && semi >= tab:
		return ';'
	case tab > comma && tab > semi:
		return '\t'
	}
	return ','
}

func isBlank(rec []string) bool {
	for _, f := range rec {
		if strings.TrimSpace(f) != "" {
			return false
		}
	}
	return true
}

func lineAt(buf []byte, i int) int { return bytes.Count(buf[:i], []byte{'\n'}) + 1 }

// trimPartialRune drops an incomplete UTF-8 sequence cut off at the end of
// a buffer.
func trimPartialRune(b []byte) []byte {
	for i := 1; i <= utf8.UTFMax && i <= len(b); i++ {
		if utf8.RuneStart(b[len(b)-i]) {
			if !utf8.FullRune(b[len(b)-i:]) {
				return b[:len(b)-i]
			}
			return b
		}
	}
	return b
}

func invalidUTF8At(b []byte) int {
	for i := 0; i < len(b); {
		r, size := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && size <= 1 {
			return i
		}
		i += size
	}
	return 0
}
