package workspace

import (
	"errors"
	"io"
	"os"
	"sync/atomic"
	"syscall"
	"unsafe"

	"github.com/incent/incent/internal/pages"
)

// readWhole reads the file at path into memory the kernel backs all at
// once before the read (see package pages): a hundred megabytes read into fresh
// memory would otherwise take a page fault for each 4 KiB of it, and on a
// virtual machine those faults cost more than the read (0.37 s for the
// 105 MB snapshot of a million sales, against 0.14 s).
func readWhole(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, err
	}
	b := make([]byte, fi.Size())
	pages.Back(b)
	if _, err := io.ReadFull(f, b); err != nil {
		return nil, err
	}
	// A file that grew since Stat: read it all, as os.ReadFile would.
	rest, err := io.ReadAll(f)
	if err != nil {
		return nil, err
	}
	return append(b, rest...), nil
}

// createDirect creates path for one long sequential write that nothing
// reads back while it is written: the calculation log, over a gigabyte at
// a million sales. It is written with O_DIRECT, from the process's own
// buffers straight to the disk, rather than through a gigabyte of page
// cache the kernel must find fresh memory for. On a virtual machine that
// backs a guest's memory only when it is first touched, that fresh memory
// costs more than the disk write. Where the file system refuses O_DIRECT
// the file is written as any other.
func createDirect(path string) (io.WriteCloser, error) {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC|syscall.O_DIRECT, 0o644)
	if errors.Is(err, syscall.EINVAL) {
		return os.Create(path)
	}
	if err != nil {
		return nil, err
	}
	return newDirectFile(f), nil
}

const (
	directChunk   = 4 << 20 // bytes handed to the disk at once
	directBuffers = 4       // chunks: one fills while the others wait for or are on their way to the disk
	directAlign   = 4096    // O_DIRECT buffers, offsets and lengths are multiples of this
)

// directFile writes through a few aligned buffers: one fills while the
// others are written, in order, by a goroutine of their own. The writer
// of a calculation log hashes what it writes as well, and with one buffer
// on its way to the disk and one filling, it waited for the previous
// write about 1.3 s of the 3 s the log took in a million-sale second
// calc, not hashing meanwhile: a write's goroutine waits its turn for a
// core while the passes keep both busy.
type directFile struct {
	f    *os.File
	free chan []byte     // buffers to fill
	full chan directPart // filled buffers, in file order
	done chan struct{}   // closed once the writes have ended, after full is closed

	err      atomic.Pointer[error] // the first error of a write, once there is one
	cur      []byte                // filling
	size     int64                 // bytes handed to the disk so far
	closed   bool
	closeErr error // what Close returned
}

// directPart is a buffer to write at an offset.
type directPart struct {
	b  []byte
	at int64
}

func newDirectFile(f *os.File) *directFile {
	d := &directFile{f: f, free: make(chan []byte, directBuffers), full: make(chan directPart, directBuffers), done: make(chan struct{})}
	for range directBuffers - 1 {
		d.free <- alignedBuffer(directChunk)[:0]
	}
	d.cur = alignedBuffer(directChunk)[:0]
	go func() {
		defer close(d.done)
		for p := range d.full {
			if d.err.Load() == nil {
				if err := d.writeAt(p.b, p.at); err != nil {
					d.err.Store(&err)
				}
			}
			d.free <- p.b[:0]
		}
	}()
	return d
}

// writeErr is the first error of a write, or nil.
func (d *directFile) writeErr() error {
	if err := d.err.Load(); err != nil {
		return *err
	}
	return nil
}

func alignedBuffer(n int) []byte {
	b := make([]byte, n+directAlign)
	off := int(uintptr(unsafe.Pointer(&b[0])) & (directAlign - 1))
	if off != 0 {
		off = directAlign - off
	}
	return b[off : off+n : off+n]
}

func (d *directFile) Write(p []byte) (int, error) {
	n := 0
	for len(p) > 0 {
		if err := d.writeErr(); err != nil {
			return n, err
		}
		k := copy(d.cur[len(d.cur):cap(d.cur)], p)
		d.cur = d.cur[:len(d.cur)+k]
		n += k
		p = p[k:]
		if len(d.cur) == cap(d.cur) {
			d.full <- directPart{d.cur, d.size}
			d.size += int64(len(d.cur))
			d.cur = <-d.free
		}
	}
	return n, nil
}

// writeAt writes b at offset at. A file system that takes O_DIRECT at open
// but refuses the writes (EINVAL) gets this one and every later write
// through the page cache instead. It is called by one goroutine at a time.
func (d *directFile) writeAt(b []byte, at int64) error {
	_, err := d.f.WriteAt(b, at)
	if errors.Is(err, syscall.EINVAL) && clearDirect(d.f) == nil {
		_, err = d.f.WriteAt(b, at)
	}
	return err
}

// clearDirect turns O_DIRECT off for f.
func clearDirect(f *os.File) error {
	fd := f.Fd()
	flags, _, errno := syscall.Syscall(syscall.SYS_FCNTL, fd, syscall.F_GETFL, 0)
	if errno == 0 {
		_, _, errno = syscall.Syscall(syscall.SYS_FCNTL, fd, syscall.F_SETFL, flags&^syscall.O_DIRECT)
	}
	if errno != 0 {
		return errno
	}
	return nil
}

// openSequential opens path for one long sequential read into buffers
// from alignedBuffer, each of them filled: an earlier run's calculation
// log, read to be checked. It is read with O_DIRECT, straight from the
// disk into the buffers, rather than through a gigabyte of page cache (see
// createDirect): 1.4 GB read so in 1.45 s here, against 2.5 s. Where the
// file system refuses O_DIRECT, at the open or at a read, the file is
// read as any other.
func openSequential(path string) (io.ReadCloser, error) {
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_DIRECT, 0)
	if errors.Is(err, syscall.EINVAL) {
		return os.Open(path)
	}
	if err != nil {
		return nil, err
	}
	return directReader{f}, nil
}

// directReader reads a file opened with O_DIRECT, and without it from the
// first read the file system refuses.
type directReader struct{ *os.File }

func (r directReader) Read(b []byte) (int, error) {
	n, err := r.File.Read(b)
	if n == 0 && errors.Is(err, syscall.EINVAL) && clearDirect(r.File) == nil {
		return r.File.Read(b)
	}
	return n, err
}

// Close writes what is left, the last block padded with zeros and the file
// then cut to its length, and closes the file. It returns the first error
// of any write; called again, what it returned.
func (d *directFile) Close() error {
	if d.closed {
		return d.closeErr
	}
	d.closed = true
	n := len(d.cur)
	if n > 0 && d.writeErr() == nil {
		padded := (n + directAlign - 1) &^ (directAlign - 1)
		tail := d.cur[:padded]
		clear(tail[n:])
		d.full <- directPart{tail, d.size}
	}
	close(d.full)
	<-d.done
	err := d.writeErr()
	if err == nil && n > 0 {
		err = d.f.Truncate(d.size + int64(n))
	}
	if cerr := d.f.Close(); err == nil {
		err = cerr
	}
	d.closeErr = err
	return err
}
