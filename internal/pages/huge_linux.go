package pages

import (
	"bytes"
	"os"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"unsafe"
)

const (
	madvHugepage   = 14 // MADV_HUGEPAGE
	madvNohugepage = 15 // MADV_NOHUGEPAGE
)

var (
	heapOnce sync.Once
	heapLo   atomic.Uintptr // the address range asked for huge pages; 0 when none
	heapHi   atomic.Uintptr
	heapEnd  atomic.Bool // EndHugeHeap was called
)

func hugeHeap(n int64) {
	if n < 64<<20 {
		return
	}
	heapOnce.Do(func() {
		if hugeHeapWanted() {
			prepareHuge(n)
		}
	})
}

// prepareHuge has the runtime map room for n bytes of heap, asks for huge
// pages in the heap's range, and gives the room back to the heap.
func prepareHuge(n int64) {
	// A fresh process's heap is a few megabytes: a block of n bytes is
	// mapped for it, untouched (fresh memory needs no zeroing), and its
	// room stays the heap's once the block is collected.
	start := uintptr(unsafe.Pointer(unsafe.SliceData(make([]byte, n))))
	lo, hi := heapRange(start)
	heapLo.Store(lo)
	heapHi.Store(hi)
	heapEnd.Store(false)
	adviseHeap()
	debug.FreeOSMemory() // collect the block and hand back its (untouched) pages
}

// hugeHeapWanted tells whether this process should ask for huge pages for
// its heap: in a 64-bit process (a 32-bit one may find no gigabyte of
// address space in one piece) without a limit on its address space (the
// room is address space, and a refused mapping ends the process), when
// this machine's settings want it (see wantHugeHeap).
func hugeHeapWanted() bool {
	if unsafe.Sizeof(uintptr(0)) < 8 {
		return false
	}
	var as syscall.Rlimit
	if syscall.Getrlimit(syscall.RLIMIT_AS, &as) != nil || as.Cur != ^uint64(0) {
		return false
	}
	mode, _ := os.ReadFile("/sys/kernel/mm/transparent_hugepage/enabled")
	overcommit, _ := os.ReadFile("/proc/sys/vm/overcommit_memory")
	return wantHugeHeap(mode, overcommit, os.Getenv("GODEBUG"))
}

// heapRange is the address range asked for huge pages around a heap block
// at start. The Go runtime begins its heap at an address of its choosing
// (a random one since Go 1.26) and grows it upward a few megabytes at a
// time, so the range runs from a gigabyte below the block to 64 GiB above
// it. The parts of it nothing maps are left as they are.
func heapRange(start uintptr) (lo, hi uintptr) {
	lo = start &^ (1<<30 - 1)
	if lo >= 1<<30 {
		lo -= 1 << 30
	}
	return lo, start + uintptr(heapAbove)
}

// heapAbove is how far above its first block the heap's range runs; a
// variable, since a 32-bit uintptr cannot hold it (and such a process
// asks for nothing, see hugeHeapWanted).
var heapAbove uint64 = 64 << 30

func adviseHeap() {
	if !heapEnd.Load() {
		advise(madvHugepage)
	}
}

func endHugeHeap() {
	if !heapEnd.Swap(true) {
		advise(madvNohugepage)
	}
}

// advise gives the heap's range the advice, if HugeHeap prepared one.
func advise(advice uintptr) {
	if lo, hi := heapLo.Load(), heapHi.Load(); hi > lo {
		// The kernel applies the advice to what is mapped in the range
		// and reports ENOMEM for the gaps.
		_, _, _ = syscall.Syscall(syscall.SYS_MADVISE, lo, hi-lo, advice)
	}
}

// wantHugeHeap tells from the kernel's huge page mode
// (/sys/kernel/mm/transparent_hugepage/enabled), its overcommit policy
// (/proc/sys/vm/overcommit_memory) and GODEBUG whether the heap should ask
// for huge pages: only when the mode gives them to memory that asks, room
// mapped is not charged as memory used, and GODEBUG does not turn them off
// (disablethp set to a number other than 0, read as the runtime reads it:
// fields split at commas, the last one that parses counting).
func wantHugeHeap(mode, overcommit []byte, godebug string) bool {
	if !bytes.Contains(mode, []byte("[madvise]")) || strings.TrimSpace(string(overcommit)) == "2" {
		return false
	}
	var disable int64
	for _, field := range strings.Split(godebug, ",") {
		if k, v, ok := strings.Cut(field, "="); ok && k == "disablethp" {
			if n, err := strconv.ParseInt(v, 10, 32); err == nil {
				disable = n
			}
		}
	}
	return disable == 0
}
