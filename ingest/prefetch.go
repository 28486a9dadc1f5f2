package ingest

import (
	"errors"
	"io"
)

// prefetched is a source whose records are read on another goroutine, a
// batch at a time, while the caller parses the ones before: splitting a
// file into cells (and checking that they are UTF-8) then takes one core
// and turning the cells into rows another. Records come out in the order
// the source gives them, errors included, so a file reads exactly as it
// does from the source itself.
type prefetched struct {
	src     source
	batches chan []fetched
	quit    chan struct{}
	done    chan struct{}
	cur     []fetched
	i       int
}

// fetched is one result of source.next.
type fetched struct {
	rec []string
	row int
	err error
}

// prefetchBatch is the number of records handed over at a time: enough
// that handing over costs little, few enough that a reader stopped early
// has read little more than it used.
const prefetchBatch = 256

func prefetch(src source) *prefetched {
	p := &prefetched{src: src, batches: make(chan []fetched, 4), quit: make(chan struct{}), done: make(chan struct{})}
	go p.run()
	return p
}

func (p *prefetched) run() {
	defer close(p.done)
	batch := make([]fetched, 0, prefetchBatch)
	for {
		rec, row, err := p.src.next()
		batch = append(batch, fetched{rec, row, err})
		last := err != nil && !isRecordError(err) // io.EOF or a *FileError ends the file
		if len(batch) < prefetchBatch && !last {
			continue
		}
		select {
		case p.batches <- batch:
		case <-p.quit:
			return
		}
		if last {
			return
		}
		batch = make([]fetched, 0, prefetchBatch)
	}
}

func (p *prefetched) next() ([]string, int, error) {
	if p.i == len(p.cur) {
		select {
		case p.cur = <-p.batches:
		case <-p.done:
			// run has returned, and so has sent its last batch: the
			// end was read before.
			select {
			case p.cur = <-p.batches:
			default:
				return nil, 0, io.EOF
			}
		}
		p.i = 0
	}
	f := p.cur[p.i]
	p.i++
	return f.rec, f.row, f.err
}

// batch returns the next batch of records, false after the last.
func (p *prefetched) batch() ([]fetched, bool) {
	select {
	case b := <-p.batches:
		return b, true
	case <-p.done:
		// run has returned, and so has sent its last batch.
		select {
		case b := <-p.batches:
			return b, true
		default:
			return nil, false
		}
	}
}

// isRecordError reports whether err is a record the reader can go on after.
func isRecordError(err error) bool {
	var re *recordError
	return errors.As(err, &re)
}

// close stops the reading goroutine, waits for it, and closes the source.
func (p *prefetched) close() {
	close(p.quit)
	<-p.done
	p.src.close()
}
