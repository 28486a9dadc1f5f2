package statements

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"sync"

	"github.com/klauspost/compress/zlib"
)

// fpdf compresses each page with a zlib writer of its own, and a writer
// costs about a megabyte of fresh memory before it compresses a byte: for
// tens of thousands of statements that allocation, not the layout, was the
// larger part of rendering. Statements are therefore laid out uncompressed
// and their page streams compressed here, with writers that are reused.
// The streams are deflated with klauspost/compress at its fastest level:
// two and a half times as fast as the standard library's fastest, and
// smaller. Inflated again, the document is byte for byte what fpdf writes
// uncompressed, which a test checks.

var zlibWriters = sync.Pool{New: func() any {
	w, _ := zlib.NewWriterLevel(nil, zlib.BestSpeed)
	return w
}}

var errPDFLayout = errors.New("unexpected PDF layout")

// buffers are reused for statements' bytes: a large dealer's PDF is
// megabytes, grown again for every statement otherwise.
var buffers = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// marks is what the marks in a document's page streams stand for.
type marks struct {
	pages  string // the page count, for each pageCountMark; "" leaves them
	ops    []byte // the runs of cell operators, for each runMark
	runEnd []int
}

// compressStreams appends to out an uncompressed fpdf document with every
// plain stream ("<</Length n>>") deflated, and its cross-reference table
// and startxref moved to match. On the way, the marks in a plain stream
// become what m says they stand for (m may be nil). On error out holds
// part of a document.
func compressStreams(raw []byte, out *bytes.Buffer, m *marks) error {
	if m == nil {
		m = &marks{}
	}
	xrefAt, err := startXref(raw)
	if err != nil {
		return err
	}
	offsets, tableEnd, err := xrefTable(raw, xrefAt)
	if err != nil {
		return err
	}
	type object struct{ num, at int }
	objects := make([]object, 0, len(offsets))
	for num, at := range offsets {
		if num > 0 {
			objects = append(objects, object{num, at})
		}
	}
	slices.SortFunc(objects, func(a, b object) int { return a.at - b.at })

	zw := zlibWriters.Get().(*zlib.Writer)
	defer zlibWriters.Put(zw)
	z := buffers.Get().(*bytes.Buffer)
	defer buffers.Put(z)
	base := out.Len() // offsets are from the document's start
	out.Grow(len(raw) / 2)
	moved := make([]int, len(offsets))
	pos := 0
	for _, o := range objects {
		if o.at < pos || o.at >= xrefAt {
			return fmt.Errorf("%w: object %d at %d", errPDFLayout, o.num, o.at)
		}
		out.Write(raw[pos:o.at])
		moved[o.num] = out.Len() - base
		pos = o.at
		eol := bytes.IndexByte(raw[o.at:xrefAt], '\n')
		if eol < 0 {
			return fmt.Errorf("%w: object %d has no header line", errPDFLayout, o.num)
		}
		head := o.at + eol + 1
		const dictStart, dictEnd, streamEnd = "<</Length ", ">>\nstream\n", "\nendstream\n"
		if !bytes.HasPrefix(raw[head:], []byte(dictStart)) {
			continue // not a plain stream: copied as it is
		}
		digits := head + len(dictStart)
		end := digits
		for end < xrefAt && raw[end] >= '0' && raw[end] <= '9' {
			end++
		}
		n, err := strconv.Atoi(string(raw[digits:end]))
		if err != nil || !bytes.HasPrefix(raw[end:], []byte(dictEnd)) {
			continue // a dictionary with more in it: copied as it is
		}
		data := end + len(dictEnd)
		if n > xrefAt-data || !bytes.HasPrefix(raw[data+n:], []byte(streamEnd)) {
			return fmt.Errorf("%w: stream of object %d", errPDFLayout, o.num)
		}
		z.Reset()
		zw.Reset(z)
		if err := m.write(zw, raw[data:data+n]); err != nil {
			return fmt.Errorf("%w: stream of object %d: %w", errPDFLayout, o.num, err)
		}
		if err := zw.Close(); err != nil {
			return err
		}
		out.Write(raw[o.at:head])
		fmt.Fprintf(out, "<</Filter /FlateDecode /Length %d>>\nstream\n", z.Len())
		out.Write(z.Bytes())
		out.WriteString(streamEnd)
		pos = data + n + len(streamEnd)
	}
	out.Write(raw[pos:xrefAt])
	newXref := out.Len() - base
	fmt.Fprintf(out, "xref\n0 %d\n0000000000 65535 f \n", len(offsets))
	for num := 1; num < len(offsets); num++ {
		fmt.Fprintf(out, "%010d 00000 n \n", moved[num])
	}
	trailer := raw[tableEnd:]
	sx := bytes.LastIndex(trailer, []byte("startxref\n"))
	out.Write(trailer[:sx])
	fmt.Fprintf(out, "startxref\n%d\n%%%%EOF\n", newXref)
	return nil
}

// writeMarked writes b with every pageCountMark replaced by pages, or as it
// is when pages is "".
// write writes b with its marks replaced.
func (m *marks) write(w io.Writer, b []byte) error { return m.expand(w, b, true) }

// expand writes b with its page-count marks replaced, and its run marks
// too when runs is set: a run holds a footer's page count, never a run.
func (m *marks) expand(w io.Writer, b []byte, runs bool) error {
	// The next \x01 and \x02 from pos, each found with IndexByte and found
	// again only once passed: a page stream is mostly text between marks.
	pos := 0
	next := func(c byte) int {
		if i := bytes.IndexByte(b[pos:], c); i >= 0 {
			return pos + i
		}
		return len(b)
	}
	n1, n2 := next(1), next(runMark)
	for {
		i := min(n1, n2)
		w.Write(b[pos:i])
		if i == len(b) {
			return nil
		}
		rest := b[i:]
		switch {
		case m.pages != "" && bytes.HasPrefix(rest, []byte(pageCountMark)):
			io.WriteString(w, m.pages)
			pos = i + len(pageCountMark)
		case rest[0] == runMark && runs && m.runEnd != nil:
			if len(rest) < runMarkLen {
				return errors.New("a cut run mark")
			}
			n, err := strconv.ParseUint(string(rest[1:runMarkLen]), 16, 32)
			if err != nil || n >= uint64(len(m.runEnd)) {
				return fmt.Errorf("run mark %q", rest[1:runMarkLen])
			}
			from := 0
			if n > 0 {
				from = m.runEnd[n-1]
			}
			m.expand(w, m.ops[from:m.runEnd[n]], false)
			pos = i + runMarkLen
		default:
			w.Write(rest[:1])
			pos = i + 1
		}
		if n1 < pos {
			n1 = next(1)
		}
		if n2 < pos {
			n2 = next(runMark)
		}
	}
}

// startXref reads the offset after the last "startxref".
func startXref(raw []byte) (int, error) {
	i := bytes.LastIndex(raw, []byte("startxref\n"))
	if i < 0 {
		return 0, fmt.Errorf("%w: no startxref", errPDFLayout)
	}
	rest := raw[i+len("startxref\n"):]
	j := bytes.IndexByte(rest, '\n')
	if j < 0 {
		return 0, fmt.Errorf("%w: startxref", errPDFLayout)
	}
	at, err := strconv.Atoi(string(rest[:j]))
	if err != nil || at <= 0 || at >= i {
		return 0, fmt.Errorf("%w: startxref %q", errPDFLayout, rest[:j])
	}
	return at, nil
}

// xrefTable reads a one-section cross-reference table of fixed 20-byte
// entries at xrefAt: the offset of every object (index 0 is the free
// entry) and where the table ends.
func xrefTable(raw []byte, xrefAt int) ([]int, int, error) {
	p := raw[xrefAt:]
	if !bytes.HasPrefix(p, []byte("xref\n0 ")) {
		return nil, 0, fmt.Errorf("%w: xref", errPDFLayout)
	}
	p = p[len("xref\n0 "):]
	j := bytes.IndexByte(p, '\n')
	count, err := strconv.Atoi(string(p[:max(j, 0)]))
	if j < 0 || err != nil || count < 1 {
		return nil, 0, fmt.Errorf("%w: xref size", errPDFLayout)
	}
	start := xrefAt + len("xref\n0 ") + j + 1
	const entry = 20
	if start+count*entry > len(raw) {
		return nil, 0, fmt.Errorf("%w: xref entries", errPDFLayout)
	}
	offsets := make([]int, count)
	for k := 1; k < count; k++ {
		e := raw[start+k*entry : start+(k+1)*entry]
		if !bytes.HasSuffix(e, []byte(" 00000 n \n")) {
			return nil, 0, fmt.Errorf("%w: xref entry %d", errPDFLayout, k)
		}
		if offsets[k], err = strconv.Atoi(string(e[:10])); err != nil {
			return nil, 0, fmt.Errorf("%w: xref entry %d", errPDFLayout, k)
		}
	}
	return offsets, start + count*entry, nil
}
