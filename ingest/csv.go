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

// csvSource reads records with encoding/csv. Records are not reused
// (ReuseRecord is off): each becomes Row.Raw, which callers keep to reject
// the row later.
type csvSource struct {
	file    string
	cr      *csv.Reader
	pending *pendingRecord
}

// pendingRecord is a record read ahead, with the error csv gave for it.
type pendingRecord struct {
	rec []string
	row int
	err error
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
	cr := csv.NewReader(br)
	cr.Comma = detectDelimiter(buf)
	cr.FieldsPerRecord = -1
	cr.LazyQuotes = false
	s := &csvSource{file: file, cr: cr}
	header, err := cr.Read()
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
	line, _ := cr.FieldPos(0)
	return s, header, line, nil
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
			if !utf8.ValidString(f) {
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
		rec, line, err = p.rec, p.row, p.err
	} else if rec, err = s.cr.Read(); err == nil {
		line, _ = s.cr.FieldPos(0)
	}
	if err == nil || err == io.EOF {
		return rec, line, err
	}
	var pe *csv.ParseError
	if !errors.As(err, &pe) {
		return nil, 0, &FileError{File: s.file, Msg: "cannot read the file: " + err.Error()}
	}
	if pe.Line > pe.StartLine && errors.Is(pe.Err, csv.ErrQuote) {
		next, err2 := s.cr.Read()
		if err2 == io.EOF {
			return nil, 0, &FileError{File: s.file, Row: pe.StartLine, Msg: fmt.Sprintf("a quoted field opened here is never closed, so lines %d to %d cannot be read; expected every opening quote to have a closing one", pe.StartLine, pe.Line)}
		}
		p := &pendingRecord{rec: next, err: err2}
		if err2 == nil {
			p.row, _ = s.cr.FieldPos(0)
		}
		s.pending = p
	}
	// encoding/csv gives the fields before the one at fault.
	return nil, pe.StartLine, &recordError{row: pe.StartLine, rec: rec, field: len(rec), reason: csvReason(pe)}
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
