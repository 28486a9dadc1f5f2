// Package offheap hands out memory outside the garbage-collected heap,
// for text that lives as long as the process.
//
// The collector reads every pointer of every live object on every cycle.
// A million-sale quarter's sales hold three strings each (deal, VIN,
// salespeople), and the calculation's collections ran about 30 ms of CPU
// a cycle longer for those three million pointers into the heap than for
// none: at a million sales, a first calc's collector took 0.8-0.9 s of CPU
// with the strings' bytes outside the heap and 1.1-1.2 s with them in it.
// A string whose bytes lie outside the heap is an ordinary string; the
// collector only finds nothing behind it to mark.
//
// Memory from Bytes is never given back. It is for the text of the data a
// command reads once and holds to its end, as the sales of the quarter it
// calculates; a process that reads many quarters (a test binary) keeps the
// text of each. InUse tells the memory budget how much there is, since
// the Go runtime does not count it.
package offheap

import (
	"sync"
	"sync/atomic"
	"unsafe"
)

// regionSize is the memory mapped at a time; a larger request gets a
// region of its own size. Pages not yet handed out are not backed, so a
// region costs address space, not memory.
const regionSize = 32 << 20

// backStep is how much of a region is backed with memory at a time, ahead
// of what is handed out.
const backStep = 4 << 20

// growStep is how much InUse grows between calls of the OnGrow function.
const growStep = 16 << 20

var (
	mu     sync.Mutex
	region []byte // the current region; its length is what has been handed out
	backed int    // how much of region is backed
	inUse  atomic.Int64
	grown  atomic.Pointer[func()] // see OnGrow
)

// Bytes returns n zeroed bytes that live as long as the process.
func Bytes(n int) []byte {
	if n <= 0 {
		return nil
	}
	b, total := take(n)
	if f := grown.Load(); f != nil && (total-int64(n))/growStep != total/growStep {
		(*f)()
	}
	return b
}

// take hands out n bytes and returns them with InUse after them.
func take(n int) ([]byte, int64) {
	mu.Lock()
	defer mu.Unlock()
	if cap(region)-len(region) < n {
		region, backed = mapRegion(max(n, regionSize))[:0], 0
	}
	start := len(region)
	region = region[:start+n]
	if end := start + n; end > backed {
		to := min(cap(region), (end+backStep-1)/backStep*backStep)
		back(region[backed:to:to])
		backed = to
	}
	return region[start : start+n : start+n], inUse.Add(int64(n))
}

// OnGrow has f called (nil: no longer) after each taking of memory that
// takes InUse past another multiple of 16 MiB, on the goroutine that took
// it, which waits for f.
// A memory budget set from InUse uses it to follow the text that comes
// between collections: a quarter's sales text arrives all at once, as the
// sales have been read.
func OnGrow(f func()) {
	if f == nil {
		grown.Store(nil)
		return
	}
	grown.Store(&f)
}

// String returns a string of n bytes that fill writes, which lives as
// long as the process.
func String(n int, fill func(b []byte)) string {
	if n <= 0 {
		return ""
	}
	b := Bytes(n)
	fill(b)
	return unsafe.String(unsafe.SliceData(b), n)
}

// InUse is how many bytes Bytes has handed out.
func InUse() int64 { return inUse.Load() }
