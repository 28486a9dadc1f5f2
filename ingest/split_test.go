package ingest

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"reflect"
	"strings"
	"testing"
	"testing/iotest"
)

// csvRecords is what encoding/csv itself gives for data: every record (or
// error) in turn, with the line it starts on, up to the end of the file.
func csvRecords(data []byte, comma byte) []string {
	cr := csv.NewReader(bytes.NewReader(data))
	cr.Comma = rune(comma)
	cr.FieldsPerRecord = -1
	var out []string
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			return out
		}
		line := 0
		if err == nil {
			line, _ = cr.FieldPos(0)
		}
		out = append(out, describeRecord(rec, line, err))
		if err != nil && !isParseError(err) {
			return out
		}
	}
}

// splitRecords is the same from csvSource.record, reading through a
// buffer of size bytes (16 at the least).
func splitRecords(data []byte, comma byte, size int) []string {
	s := newCSVSource("t.csv", bufio.NewReaderSize(bytes.NewReader(data), size), comma)
	var out []string
	for {
		rec, line, err := s.record()
		if err == io.EOF {
			return out
		}
		out = append(out, describeRecord(rec, line, err))
		if err != nil && !isParseError(err) {
			return out
		}
	}
}

func isParseError(err error) bool {
	var pe *csv.ParseError
	return errors.As(err, &pe)
}

func describeRecord(rec []string, line int, err error) string {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return fmt.Sprintf("%q error start %d line %d column %d: %v", rec, pe.StartLine, pe.Line, pe.Column, pe.Err)
	}
	if err != nil {
		return fmt.Sprintf("%q error %v", rec, err)
	}
	return fmt.Sprintf("%q line %d", rec, line)
}

var splitCases = []struct {
	name string
	data string
}{
	{"plain", "a,b,c\n1,2,3\n"},
	{"no final newline", "a,b\n1,2"},
	{"crlf", "a,b\r\n1,2\r\n"},
	{"cr before the end of the file", "a,b\n1,2\r"},
	{"lone cr inside a field", "a,b\n1\r2,3\n"},
	{"cr cr lf", "a,b\n1,2\r\r\n"},
	{"blank lines", "\n\na,b\n\n\r\n1,2\n\n"},
	{"empty fields", ",,\n,\n"},
	{"quoted delimiter", "a,b\n\"1,5\",2\n3,4\n"},
	{"quoted field over lines", "a,b\n\"x\ny\r\nz\",2\n3,4\n"},
	{"doubled quote", "a,b\n\"say \"\"hi\"\"\",2\n"},
	{"bare quote", "a,b\n1,2\"3\n4,5\n"},
	{"stray quote after a quoted field", "a,b\n\"1\"x,2\n4,5\n"},
	{"quote never closed", "a,b\n1,\"2\n3,4\n5,6\n"},
	{"quote never closed, last line", "a,b\n1,\"2"},
	{"quoted line then plain lines", "\"a\",b\n1,2\n\n3,4\n"},
	{"quoted field ends the file", "a,b\n1,\"2\""},
	{"long line", "a,b\n" + strings.Repeat("x", 100) + "," + strings.Repeat("y", 70) + "\n1,2\n"},
	{"long quoted line", "a,b\n\"" + strings.Repeat("x", 100) + "\"," + strings.Repeat("y", 70) + "\n1,2\n"},
	{"long line over lines", "a,b\n\"" + strings.Repeat("x", 40) + "\n" + strings.Repeat("z", 40) + "\",2\n1,2\n"},
	{"only a header", "a,b"},
	{"nothing", ""},
	{"only newlines", "\n\r\n\n"},
	{"invalid utf-8", "a,b\n\xff,\xfe\"\n1,2\n"},
	{"every field quoted", "\"a\",\"b\"\r\n\"1\",\"2,5\"\r\n\"\",\"4\"\r\n"},
	{"quoted and plain fields", "a,b,c\n1,\"2\",3\n\"1\",,\"3\"\n"},
	{"quoted field then a delimiter at the end", "a,b\n\"1\",\n\"1\",\"\"\n"},
	{"quoted field with a cr", "a,b\n\"1\r2\",3\n"},
	{"quoted field then a cr", "a,b\n\"1\"\r\r\n2,3\n"},
	{"space before a quote", "a,b\n \"1\",2\n"},
	{"quote inside a plain field after a quoted one", "a,b\n\"1\",2\"\n"},
	{"quoted delimiter only", "a\n\",\"\n"},
	{"quoted invalid utf-8", "a,b\n\"\xff\",1\n"},
}

// TestSplitLikeEncodingCSV checks that csvSource reads every record, error
// and line number exactly as encoding/csv does, for each delimiter and with
// buffers that cut lines in pieces.
func TestSplitLikeEncodingCSV(t *testing.T) {
	for _, tc := range splitCases {
		for _, comma := range []byte{',', ';', '\t'} {
			data := []byte(tc.data)
			if comma != ',' {
				data = bytes.ReplaceAll(data, []byte(","), []byte{comma})
			}
			want := csvRecords(data, comma)
			for _, size := range []int{16, 64, 4096} {
				got := splitRecords(data, comma, size)
				if !reflect.DeepEqual(got, want) {
					t.Errorf("%s, delimiter %q, buffer %d:\n got %q\nwant %q", tc.name, comma, size, got, want)
				}
			}
		}
	}
}

// TestSplitRecordsOwnSlices checks that a record split here has no room
// beyond its fields: a caller that appends to one cannot write into the
// next.
func TestSplitRecordsOwnSlices(t *testing.T) {
	s := newCSVSource("t.csv", bufio.NewReader(strings.NewReader("a,b\nc,d\n")), ',')
	first, _, err := s.record()
	if err != nil {
		t.Fatal(err)
	}
	second, _, err := s.record()
	if err != nil {
		t.Fatal(err)
	}
	_ = append(first, "x")
	if cap(first) != 2 || second[0] != "c" || second[1] != "d" {
		t.Fatalf("first %q (cap %d), second %q", first, cap(first), second)
	}
}

func FuzzSplitLikeEncodingCSV(f *testing.F) {
	for _, tc := range splitCases {
		f.Add([]byte(tc.data), byte(','), uint8(0))
	}
	f.Add([]byte("a;b\n\"1;2\";3\n"), byte(';'), uint8(3))
	f.Fuzz(func(t *testing.T, data []byte, comma byte, size uint8) {
		switch comma {
		case ',', ';', '\t':
		default:
			comma = ','
		}
		want := csvRecords(data, comma)
		got := splitRecords(data, comma, 16+int(size))
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("delimiter %q, buffer %d:\n got %q\nwant %q", comma, 16+int(size), got, want)
		}
	})
}

// TestSplitReadError checks that a file that cannot be read to its end
// gives its whole records, then one FileError, whether the failure falls
// in a plain line or in a quoted field fed to encoding/csv.
func TestSplitReadError(t *testing.T) {
	boom := errors.New("boom")
	for _, tc := range []struct {
		name string
		data string
		want []string // records before the error
	}{
		{"plain line", "a,b\n1,2\n3,", []string{"a|b", "1|2"}},
		{"quoted field", "a,b\n1,2\n\"3\n4", []string{"a|b", "1|2"}},
	} {
		r := io.MultiReader(strings.NewReader(tc.data), iotest.ErrReader(boom))
		s := newCSVSource("t.csv", bufio.NewReaderSize(r, 16), ',')
		var got []string
		var err error
		for {
			var rec []string
			if rec, _, err = s.read(); err != nil {
				break
			}
			got = append(got, strings.Join(rec, "|"))
		}
		var fe *FileError
		if !errors.As(err, &fe) || fe.Msg != "cannot read the file: boom" {
			t.Errorf("%s: error %v, want a FileError that says the file cannot be read", tc.name, err)
		}
		if !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%s: records %q, want %q", tc.name, got, tc.want)
		}
	}
}
