package ingest

import (
	"errors"
	"io"
	"runtime"
	"strconv"
	"testing"
	"time"
)

// parseNumber is a parse function for listSource's records: the number
// in the only cell, rejected when it is a multiple of 7, with a warning
// when it is a multiple of 5. It fills a cache of its context, as the
// real parsers do with amounts and codes, which -race checks no two
// workers share.
func parseNumber(c *rowCtx) (int, bool) {
	n, err := strconv.Atoi(c.rec[0])
	if err != nil {
		return 0, c.fail(0, "not a number")
	}
	if c.codes == nil {
		c.codes = []map[string]string{{}}
	}
	c.codes[0][c.rec[0]] = c.rec[0]
	if n%7 == 0 {
		return 0, c.fail(0, "a multiple of 7")
	}
	if n%5 == 0 {
		c.warn(0, "a multiple of 5")
	}
	return n * 10, true
}

// TestParseAllKeepsOrder parses sources of sizes around the batch size on
// every core and gets, in the source's order, exactly what parsing one
// record after another gives: values, rejects with their reasons, record
// errors where they were, and the end.
func TestParseAllKeepsOrder(t *testing.T) {
	fileErr := &FileError{File: "f.csv", Msg: "a quote is never closed"}
	sc := &schema{cols: []colSpec{{name: "n"}}}
	for _, n := range []int{0, 1, prefetchBatch - 1, prefetchBatch, prefetchBatch + 1, 40*prefetchBatch + 7} {
		for _, end := range []error{io.EOF, fileErr} {
			src := &listSource{n: n, end: end, bad: map[int]bool{1: true, prefetchBatch: true, n: true}}
			p := prefetch(src)
			c := &rowCtx{file: "f.csv", lay: &layout{idx: []int{0}, header: []string{"n"}}, p: &Profile{}, sc: sc}
			rows := parseAll(p, c, parseNumber)
			for i := 1; i <= n; i++ {
				r, err := rows.next()
				var re *recordError
				if src.bad[i] {
					if !errors.As(err, &re) || re.row != i+1 {
						t.Fatalf("n=%d: record %d: got %v, want its record error", n, i, err)
					}
					continue
				}
				if err != nil {
					t.Fatalf("n=%d: record %d: %v", n, i, err)
				}
				if r.row != i+1 || len(r.rec) != 1 || r.rec[0] != strconv.Itoa(i) {
					t.Fatalf("n=%d: record %d is row %d %q", n, i, r.row, r.rec)
				}
				switch {
				case i%7 == 0:
					if r.ok || r.reason != "a multiple of 7" || r.badCol != 0 {
						t.Fatalf("n=%d: record %d: ok %v, reason %q, column %d", n, i, r.ok, r.reason, r.badCol)
					}
				case !r.ok || r.v != i*10:
					t.Fatalf("n=%d: record %d: %d, %v, want %d", n, i, r.v, r.ok, i*10)
				case (i%5 == 0) != (len(r.warnings) == 1):
					t.Fatalf("n=%d: record %d: warnings %v", n, i, r.warnings)
				case r.badCol != -1 || r.reason != "":
					t.Fatalf("n=%d: accepted record %d has column %d, reason %q", n, i, r.badCol, r.reason)
				}
			}
			if _, err := rows.next(); err != end {
				t.Fatalf("n=%d: end %v, want %v", n, err, end)
			}
			rows.close()
			p.close()
			if !src.closed || src.calls != 1 {
				t.Fatalf("n=%d: source closed %v, read %d times past its end", n, src.closed, src.calls)
			}
		}
	}
}

// TestParseAllStopsEarly stops reading before the end, as a reader does
// when its caller refuses a row: every goroutine stops, and the source
// is closed without being read to its end.
func TestParseAllStopsEarly(t *testing.T) {
	before := runtime.NumGoroutine()
	sc := &schema{cols: []colSpec{{name: "n"}}}
	for _, read := range []int{0, 1, prefetchBatch, 5*prefetchBatch + 1} {
		src := &listSource{n: 1000 * prefetchBatch, end: io.EOF}
		p := prefetch(src)
		rows := parseAll(p, &rowCtx{file: "f.csv", lay: &layout{idx: []int{0}, header: []string{"n"}}, p: &Profile{}, sc: sc}, parseNumber)
		for range read {
			if _, err := rows.next(); err != nil {
				t.Fatal(err)
			}
		}
		rows.close()
		p.close()
		if !src.closed || src.i >= src.n {
			t.Fatalf("after %d records: source closed %v, read %d of %d", read, src.closed, src.i, src.n)
		}
	}
	// The goroutines are gone once close returns; give the runtime a
	// moment to count them out.
	for range 100 {
		if runtime.NumGoroutine() <= before {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Errorf("%d goroutines left running, %d before", runtime.NumGoroutine(), before)
}
