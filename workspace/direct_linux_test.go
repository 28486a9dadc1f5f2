package workspace

import (
	"bytes"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"
	"unsafe"
)

// TestDirectFile writes files of every length around a block and a chunk,
// in writes of assorted sizes, and reads back exactly what was written.
func TestDirectFile(t *testing.T) {
	dir := t.TempDir()
	rng := rand.New(rand.NewPCG(1, 2))
	for _, n := range []int{0, 1, directAlign - 1, directAlign, directAlign + 1, directChunk - 1, directChunk, directChunk + 1, 2*directChunk + 12345} {
		want := make([]byte, n)
		for i := range want {
			want[i] = byte(rng.IntN(256))
		}
		path := filepath.Join(dir, "log")
		f, err := createDirect(path)
		if err != nil {
			t.Fatal(err)
		}
		if _, ok := f.(*directFile); !ok && n == 0 {
			t.Logf("%s refuses O_DIRECT: the files are written as any other", dir)
		}
		for p := want; len(p) > 0; {
			k := min(len(p), 1+rng.IntN(3*directAlign))
			if rng.IntN(50) == 0 {
				k = min(len(p), directChunk+rng.IntN(directChunk))
			}
			if m, err := f.Write(p[:k]); err != nil || m != k {
				t.Fatalf("%d bytes: wrote %d of %d: %v", n, m, k, err)
			}
			p = p[k:]
		}
		if err := f.Close(); err != nil {
			t.Fatalf("%d bytes: close: %v", n, err)
		}
		got, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%d bytes written, %d read back, or different bytes", n, len(got))
		}
	}
}

// TestDirectFileError reports a failed write, from Write or from Close.
func TestDirectFileError(t *testing.T) {
	path := filepath.Join(t.TempDir(), "log")
	if err := os.WriteFile(path, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	ro, err := os.Open(path) // a write to it fails
	if err != nil {
		t.Fatal(err)
	}
	d := newDirectFile(ro)
	data := make([]byte, 3*directChunk)
	_, werr := d.Write(data)
	cerr := d.Close()
	if werr == nil && cerr == nil {
		t.Fatal("writing to a read-only file reported no error")
	}
	if again := d.Close(); again != cerr {
		t.Errorf("Close again: %v, want %v as the first time", again, cerr)
	}
	// Past the first failed write, Write reports it.
	if ro, err = os.Open(path); err != nil {
		t.Fatal(err)
	}
	d = newDirectFile(ro)
	for range 4 * directBuffers {
		if _, err = d.Write(data); err != nil {
			break
		}
	}
	if err == nil {
		t.Errorf("%d chunks written to a read-only file without an error from Write", 12*directBuffers)
	}
	d.Close()
}

func TestAlignedBuffer(t *testing.T) {
	for range 20 {
		b := alignedBuffer(directAlign * 3)
		if p := uintptr(unsafe.Pointer(&b[0])); p%directAlign != 0 || len(b) != 3*directAlign || cap(b) != 3*directAlign {
			t.Fatalf("buffer at %#x, length %d, capacity %d", p, len(b), cap(b))
		}
		_ = make([]byte, 1+len(b)%7) // move the allocator along
	}
}

// TestReadWhole reads files small and large as os.ReadFile does.
func TestReadWhole(t *testing.T) {
	dir := t.TempDir()
	for _, n := range []int{0, 1, 4097, 1 << 20, 3<<20 + 5} {
		want := bytes.Repeat([]byte{byte(n)}, n)
		for i := range want {
			want[i] += byte(i * 7)
		}
		path := filepath.Join(dir, "f")
		if err := os.WriteFile(path, want, 0o644); err != nil {
			t.Fatal(err)
		}
		got, err := readWhole(path)
		if err != nil || !bytes.Equal(got, want) {
			t.Errorf("%d bytes: read %d, %v", n, len(got), err)
		}
	}
	if _, err := readWhole(filepath.Join(dir, "missing")); err == nil {
		t.Error("a missing file read without error")
	}
}

// TestDirectFileRefused goes on through the page cache when a write with
// O_DIRECT is refused: here, from a buffer that is not aligned.
func TestDirectFileRefused(t *testing.T) {
	path := filepath.Join(t.TempDir(), "log")
	f, err := createDirect(path)
	if err != nil {
		t.Fatal(err)
	}
	d, ok := f.(*directFile)
	if !ok {
		f.Close()
		t.Skip("the file system refuses O_DIRECT at open")
	}
	buf := alignedBuffer(2 * directAlign)
	want := buf[1 : 1+directAlign] // misaligned: O_DIRECT refuses it
	for i := range want {
		want[i] = byte(i)
	}
	if err := d.writeAt(want, 0); err != nil {
		t.Fatalf("misaligned write: %v", err)
	}
	if err := d.Close(); err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(path)
	if err != nil || !bytes.Equal(got, want) {
		t.Errorf("read back %d bytes, %v; want the %d written", len(got), err, len(want))
	}
}
