package offheap

import (
	"bytes"
	"fmt"
	"runtime"
	"sync"
	"testing"
)

// TestBytesKeep hands out blocks of many sizes, a region's worth and more
// among them, writes each with its own pattern and checks, after a
// collection, that every block is zeroed when handed out, is as long as
// asked, shares no byte with another, and still holds what was written.
func TestBytesKeep(t *testing.T) {
	sizes := []int{1, 7, 4096, 65536, 1 << 20, regionSize - 100, 200, regionSize + 1, 3, backStep + 5}
	before := InUse()
	var blocks [][]byte
	total := 0
	for i, n := range sizes {
		b := Bytes(n)
		if len(b) != n || cap(b) != n {
			t.Fatalf("Bytes(%d): len %d, cap %d", n, len(b), cap(b))
		}
		if bytes.IndexFunc(b, func(r rune) bool { return r != 0 }) >= 0 {
			t.Fatalf("Bytes(%d): not zeroed", n)
		}
		for j := range b {
			b[j] = byte(i*31 + j)
		}
		blocks = append(blocks, b)
		total += n
	}
	runtime.GC()
	for i, b := range blocks {
		for j := range b {
			if b[j] != byte(i*31+j) {
				t.Fatalf("block %d (%d bytes): byte %d is %d, want %d", i, len(b), j, b[j], byte(i*31+j))
			}
		}
	}
	if got := InUse() - before; got != int64(total) {
		t.Errorf("InUse grew by %d, want %d", got, total)
	}
	if Bytes(0) != nil || String(0, func([]byte) { t.Error("fill called for no bytes") }) != "" {
		t.Error("no bytes asked for, some given")
	}
}

// TestStringConcurrent fills strings from several goroutines at once (run
// with -race) and checks each afterwards.
func TestStringConcurrent(t *testing.T) {
	const workers, each = 4, 2000
	got := make([][]string, workers)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for i := range each {
				want := fmt.Sprintf("D%04d-%d/1NCTK1AB0RA%06d", w, i, i)
				got[w] = append(got[w], String(len(want), func(b []byte) { copy(b, want) }))
			}
		})
	}
	wg.Wait()
	runtime.GC()
	for w := range workers {
		for i, s := range got[w] {
			if want := fmt.Sprintf("D%04d-%d/1NCTK1AB0RA%06d", w, i, i); s != want {
				t.Fatalf("worker %d, string %d: %q, want %q", w, i, s, want)
			}
		}
	}
}

// TestOnGrow checks that the function set is called after each taking
// that passes a 16 MiB boundary of InUse, whatever its size, and no more
// once unset.
func TestOnGrow(t *testing.T) {
	calls := 0
	OnGrow(func() { calls++ })
	t.Cleanup(func() { OnGrow(nil) })
	want := 0
	for _, n := range []int{1 << 20, 100, 20 << 20, 3, 5 << 20, regionSize + 7, 1 << 10} {
		for range 8 {
			before := InUse()
			Bytes(n)
			if InUse()/growStep != before/growStep {
				want++
			}
		}
	}
	if calls != want || want < 10 {
		t.Errorf("%d calls, want %d", calls, want)
	}
	OnGrow(nil)
	Bytes(growStep)
	if calls != want {
		t.Errorf("called %d times, want %d: called once unset", calls, want)
	}
}
