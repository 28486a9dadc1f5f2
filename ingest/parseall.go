package ingest

import (
	"fmt"
	"io"
	"runtime"
	"sync"
)

// parsedRow is one record of a file turned into a row: the value and
// whether it was valid, or why not, with the record's position and
// cells. err is the source's own error for the record, if any.
type parsedRow[T any] struct {
	v        T
	ok       bool
	row      int
	rec      []string
	err      error
	badCol   int
	reason   string
	warnings []Warning
}

// parsedRows parses a prefetched source's records on every core, a batch
// at a time, and gives the rows back in the source's order: the rows,
// their errors and their order are exactly those of parsing them one
// after another, which the callbacks of readFile then see in turn. A
// large sales file was otherwise split on one core and parsed on
// another, the one file of a quarter taking a core and a half.
//
// Each worker parses with a rowCtx of its own, copied from the file's
// before any row: a context's caches (amounts, codes, symbols, blocks of
// extra columns) only share equal values, so which worker parses a row
// changes nothing in it.
type parsedRows[T any] struct {
	order chan chan []parsedRow[T] // each batch's result, in source order
	free  chan []parsedRow[T]      // results read, for the workers to fill again
	quit  chan struct{}
	done  chan struct{} // closed when the dispatcher and workers are gone
	cur   []parsedRow[T]
	i     int
}

type parseJob[T any] struct {
	batch []fetched
	out   chan []parsedRow[T]
}

// parseAll starts parsing src's records with parse, on contexts copied
// from c; the caller reads the rows with next and must call close.
func parseAll[T any](src *prefetched, c *rowCtx, parse func(*rowCtx) (T, bool)) *parsedRows[T] {
	workers := runtime.GOMAXPROCS(0)
	pr := &parsedRows[T]{order: make(chan chan []parsedRow[T], 2*workers), free: make(chan []parsedRow[T], 2*workers+2),
		quit: make(chan struct{}), done: make(chan struct{})}
	jobs := make(chan parseJob[T])
	var running sync.WaitGroup
	running.Go(func() { // the dispatcher: hands out batches, noting their order
		defer close(pr.order)
		defer close(jobs)
		for {
			batch, ok := src.batch()
			if !ok {
				return
			}
			out := make(chan []parsedRow[T], 1)
			select {
			case pr.order <- out:
			case <-pr.quit:
				return
			}
			select {
			case jobs <- parseJob[T]{batch, out}:
			case <-pr.quit:
				return
			}
		}
	})
	for range workers {
		wc := *c // caches are still empty: each worker fills its own
		running.Go(func() {
			for job := range jobs {
				var out []parsedRow[T]
				select {
				case out = <-pr.free:
				default:
				}
				job.out <- parseBatch(&wc, job.batch, parse, out)
			}
		})
	}
	go func() {
		running.Wait()
		close(pr.done)
	}()
	return pr
}

// parseBatch parses the records of one batch with c, into out when it
// has room.
func parseBatch[T any](c *rowCtx, batch []fetched, parse func(*rowCtx) (T, bool), out []parsedRow[T]) []parsedRow[T] {
	if cap(out) < len(batch) {
		out = make([]parsedRow[T], len(batch))
	}
	out = out[:len(batch)]
	for i, f := range batch {
		r := &out[i]
		*r = parsedRow[T]{row: f.row, rec: f.rec, err: f.err}
		if f.err != nil {
			continue
		}
		if why := fieldCountProblem(c, f.rec); why != "" {
			r.badCol, r.reason = -1, why
			continue
		}
		c.row, c.rec, c.badCol, c.reason, c.warnings = f.row, f.rec, -1, "", nil
		r.v, r.ok = parse(c)
		r.badCol, r.reason, r.warnings = c.badCol, c.reason, c.warnings
	}
	return out
}

// next returns the next row, with the source's error for it; io.EOF
// after the last.
func (p *parsedRows[T]) next() (*parsedRow[T], error) {
	for p.i == len(p.cur) {
		if p.cur != nil {
			// Its rows have been handed on: the caller keeps none of it.
			select {
			case p.free <- p.cur:
			default:
			}
		}
		out, ok := <-p.order
		if !ok {
			p.cur, p.i = nil, 0
			return nil, io.EOF
		}
		p.cur, p.i = <-out, 0
	}
	r := &p.cur[p.i]
	p.i++
	if r.err != nil {
		return nil, r.err
	}
	return r, nil
}

// close stops the dispatcher and workers, when the rows are not all read,
// and waits for them.
func (p *parsedRows[T]) close() {
	close(p.quit)
	// A worker may be sending a batch nobody reads: each out has room
	// for it. The jobs channel closes when the dispatcher returns.
	<-p.done
}

// fieldCountProblem says why a CSV record does not line up with the
// header, or "" when it does. A row with fewer or more fields than the
// header puts values under the wrong columns: an unquoted 45,000.00 makes
// two fields of one amount and shifts every field after it, and since the
// last columns of a sales row are often empty, the shifted row may even
// end in an empty field. A sheet's row leaves out its empty cells at the
// end, and is not checked.
func fieldCountProblem(c *rowCtx, rec []string) string {
	n, want := len(rec), len(c.lay.header)
	switch {
	case c.sheet || n == want:
		return ""
	case n > want:
		return fmt.Sprintf("the row has %d fields where the header has %d; a value holding the delimiter (such as 45,000.00) must be quoted", n, want)
	}
	return fmt.Sprintf("the row has %d fields where the header has %d", n, want)
}
