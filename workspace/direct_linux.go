package workspace

import (
	"errors"
	"io"
	"os"
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
	d := &directFile{f: f, written: make(chan error, 1)}
	for i := range d.bufs {
		d.bufs[i] = alignedBuffer(directChunk)
	}
	d.cur = d.bufs[0][:0]
	d.written <- nil // the other buffer is free
	return d, nil
}

const (
	directChunk = 4 << 20 // bytes handed to the disk at once
	directAlign = 4096    // O_DIRECT buffers, offsets and lengths are multiples of this
)

// directFile writes through two aligned buffers: one fills while the
// other is on its way to the disk.
type directFile struct {
	f       *os.File
	bufs    [2][]byte
	which   int        // the buffer cur is
	cur     []byte     // filling
	written chan error // the other buffer's write has ended, with its error
	size    int64      // bytes handed to the disk so far
	err     error
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
		if d.err != nil {
			return n, d.err
		}
		k := copy(d.cur[len(d.cur):cap(d.cur)], p)
		d.cur = d.cur[:len(d.cur)+k]
		n += k
		p = p[k:]
		if len(d.cur) == cap(d.cur) {
			d.flip()
		}
	}
	return n, nil
}

// flip sends the full buffer to the disk and goes on in the other one
// once its own write has ended.
func (d *directFile) flip() {
	if err := <-d.written; err != nil {
		d.err = err
		d.written <- err
		return
	}
	full, at := d.cur, d.size
	d.size += int64(len(full))
	go func() { d.written <- d.writeAt(full, at) }()
	d.which = 1 - d.which
	d.cur = d.bufs[d.which][:0]
}

// writeAt writes b at offset at. A file system that takes O_DIRECT at open
// but refuses the writes (EINVAL) gets this one and every later write
// through the page cache instead. It is called by one goroutine at a time.
func (d *directFile) writeAt(b []byte, at int64) error {
	_, err := d.f.WriteAt(b, at)
	if errors.Is(err, syscall.EINVAL) {
		fd := d.f.Fd()
		flags, _, errno := syscall.Syscall(syscall.SYS_FCNTL, fd, syscall.F_GETFL, 0)
		if errno == 0 {
			_, _, errno = syscall.Syscall(syscall.SYS_FCNTL, fd, syscall.F_SETFL, flags&^syscall.O_DIRECT)
		}
		if errno == 0 {
			_, err = d.f.WriteAt(b, at)
		}
	}
	return err
}

// Close writes what is left, the last block padded with zeros and the file
// then cut to its length, and closes the file.
func (d *directFile) Close() error {
	err := <-d.written
	if err == nil {
		err = d.err
	}
	if err == nil && len(d.cur) > 0 {
		n := len(d.cur)
		padded := (n + directAlign - 1) &^ (directAlign - 1)
		tail := d.cur[:padded]
		clear(tail[n:])
		if err = d.writeAt(tail, d.size); err == nil {
			err = d.f.Truncate(d.size + int64(n))
		}
	}
	if cerr := d.f.Close(); err == nil {
		err = cerr
	}
	return err
}
