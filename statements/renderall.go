package statements

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
)

// RenderAll renders <dir>/<payee code>.pdf and .xlsx for every statement
// using a pool of workers goroutines (workers <= 0 means runtime.NumCPU())
// and returns the first error in statement order. Every payee code is
// checked with SafeFileName, and two codes naming the same file (equal, or
// equal but for case on a case-insensitive file system) are refused, before
// anything is written. Each file appears under its final name only once
// complete.
func RenderAll(dir string, sts []*Statement, workers int) error {
	return RenderAllWith(dir, sts, workers, nil)
}

// Filler completes a statement just before it is rendered, on the render
// worker numbered worker (0 ≤ worker < the pool size), and may be called
// from several workers at once. A worker's statement is written and its
// Sales dropped before the worker's next call, so a filler may build each
// worker's sale lines in the same memory, statement after statement.
type Filler func(worker int, st *Statement)

// RenderAllWith is RenderAll for statements whose bulk (such as their sale
// lines) is filled in by fill on the worker that renders them; each
// statement's Sales are dropped once its files are written, so a large run
// never holds every statement whole.
func RenderAllWith(dir string, sts []*Statement, workers int, fill Filler) error {
	return RenderAllOpts(dir, sts, Options{Workers: workers, Fill: fill})
}

// Options tune RenderAllOpts.
type Options struct {
	Workers int    // renderers; <= 0 means runtime.NumCPU()
	Fill    Filler // nil: statements arrive complete
	// Progress, when set, is told how many statements are written, at
	// every tenth of the way and at the end; calls never overlap.
	Progress func(done, total int)
}

// RenderAllOpts is RenderAllWith with progress reports.
func RenderAllOpts(dir string, sts []*Statement, opts Options) error {
	workers, fill := opts.Workers, opts.Fill
	seen := make(map[string]string, len(sts))
	for i, st := range sts {
		if st == nil {
			return fmt.Errorf("render statements: statement %d is missing", i+1)
		}
		if err := SafeFileName(st.fileName()); err != nil {
			return fmt.Errorf("render statements: %w", err)
		}
		key := strings.ToLower(st.fileName())
		if other, dup := seen[key]; dup {
			return fmt.Errorf("render statements: payee codes %q and %q name the same statement file", other, st.fileName())
		}
		seen[key] = st.fileName()
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("render statements: %w", err)
	}
	if workers <= 0 {
		workers = runtime.NumCPU()
	}
	workers = min(workers, len(sts))

	errs := make([]error, len(sts))
	var next atomic.Int64
	var progressMu sync.Mutex
	done := 0
	report := func() {
		if opts.Progress == nil {
			return
		}
		progressMu.Lock()
		defer progressMu.Unlock()
		done++
		if done == len(sts) || done*10/len(sts) != (done-1)*10/len(sts) {
			opts.Progress(done, len(sts))
		}
	}
	var failed atomic.Bool
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			// Jobs are taken in statement order, so once one fails every
			// statement before it has been taken and its error will be known:
			// the rest can be skipped without losing the first error.
			for !failed.Load() {
				i := int(next.Add(1) - 1)
				if i >= len(sts) {
					return
				}
				if fill != nil {
					fill(w, sts[i])
				}
				if err := renderFiles(dir, sts[i]); err != nil {
					errs[i] = err
					failed.Store(true)
				} else {
					report()
				}
				if fill != nil {
					sts[i].Sales = nil
				}
			}
		}()
	}
	wg.Wait()
	return firstError(errs)
}

func firstError(errs []error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// renderFiles writes one statement's PDF and workbook.
func renderFiles(dir string, st *Statement) error {
	buf := buffers.Get().(*bytes.Buffer)
	defer buffers.Put(buf)
	buf.Reset()
	if err := RenderPDF(buf, st); err != nil {
		return err
	}
	if err := writeFileAtomic(filepath.Join(dir, st.fileName()+".pdf"), buf.Bytes()); err != nil {
		return err
	}
	buf.Reset()
	if err := RenderXLSX(buf, st); err != nil {
		return err
	}
	return writeFileAtomic(filepath.Join(dir, st.fileName()+".xlsx"), buf.Bytes())
}

// writeFileAtomic writes data to a temporary file beside path and renames it
// into place, so a reader never sees half a statement.
func writeFileAtomic(path string, data []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	name := tmp.Name()
	_, err = tmp.Write(data)
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Chmod(name, 0o644)
	}
	if err == nil {
		err = os.Rename(name, path)
	}
	if err != nil {
		_ = os.Remove(name)
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}

// fileName is the statement's file name without extension.
func (st *Statement) fileName() string {
	if st.File != "" {
		return st.File
	}
	return st.Payee.Code
}
