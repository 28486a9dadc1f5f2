package ingest

import (
	"errors"
	"io"
	"strconv"
	"testing"
)

// listSource gives n records, a *recordError at every row in bad, then end
// (io.EOF or a *FileError) for ever after.
type listSource struct {
	n      int
	bad    map[int]bool
	end    error
	i      int
	calls  int // of next after the end
	closed bool
}

func (s *listSource) next() ([]string, int, error) {
	if s.i == s.n {
		s.calls++
		return nil, s.n + 2, s.end
	}
	s.i++
	row := s.i + 1
	rec := []string{strconv.Itoa(s.i)}
	if s.bad[s.i] {
		return nil, row, &recordError{row: row, rec: rec, reason: "bad"}
	}
	return rec, row, nil
}

func (s *listSource) close() { s.closed = true }

// TestPrefetchKeepsOrder reads sources of sizes around the batch size
// through prefetch, and gets what the source gives, in its order: every
// record, the record errors where they were, and the end.
func TestPrefetchKeepsOrder(t *testing.T) {
	fileErr := &FileError{File: "f.csv", Msg: "a quote is never closed"}
	for _, n := range []int{0, 1, prefetchBatch - 1, prefetchBatch, prefetchBatch + 1, 3*prefetchBatch + 7} {
		for _, end := range []error{io.EOF, fileErr} {
			src := &listSource{n: n, end: end, bad: map[int]bool{1: true, prefetchBatch: true, n: true}}
			p := prefetch(src)
			for i := 1; i <= n; i++ {
				rec, row, err := p.next()
				if row != i+1 {
					t.Fatalf("n=%d: record %d has row %d", n, i, row)
				}
				var re *recordError
				if src.bad[i] != errors.As(err, &re) {
					t.Fatalf("n=%d: record %d: error %v", n, i, err)
				}
				if err == nil && (len(rec) != 1 || rec[0] != strconv.Itoa(i)) {
					t.Fatalf("n=%d: record %d is %q", n, i, rec)
				}
			}
			if _, _, err := p.next(); err != end {
				t.Fatalf("n=%d: end %v, want %v", n, err, end)
			}
			p.close()
			if !src.closed || src.calls != 1 {
				t.Fatalf("n=%d: source closed %v, read %d times past its end", n, src.closed, src.calls)
			}
		}
	}
}

// TestPrefetchStopsEarly closes a prefetched source before its end, as a
// reader does when its caller refuses a row: the goroutine stops and the
// source is closed.
func TestPrefetchStopsEarly(t *testing.T) {
	for _, read := range []int{0, 1, prefetchBatch, 2*prefetchBatch + 1} {
		src := &listSource{n: 100 * prefetchBatch, end: io.EOF}
		p := prefetch(src)
		for range read {
			if _, _, err := p.next(); err != nil {
				t.Fatal(err)
			}
		}
		p.close()
		if !src.closed {
			t.Fatalf("after %d records: source not closed", read)
		}
		if src.i >= src.n {
			t.Fatalf("after %d records: the whole source was read", read)
		}
	}
}
