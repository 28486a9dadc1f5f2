package pages

import (
	"bytes"
	"os"
	"runtime/debug"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"unsafe"
)

const madvHugepage = 14 // MADV_HUGEPAGE

var (
	heapOnce sync.Once
	heapLo   atomic.Uintptr // the address range asked for huge pages; 0 when none
	heapHi   atomic.Uintptr
)

func hugeHeap(n int64) {
	if n < 64<<20 {
		return
	}
	heapOnce.Do(func() {
		if !hugeHeapWanted() {
			return
		}
		// A fresh process's heap is a few megabytes: a block of n bytes
		// is mapped for it, untouched (fresh memory needs no zeroing),
		// and its room stays the heap's once the block is collected.
		start := uintptr(unsafe.Pointer(unsafe.SliceData(make([]byte, n))))
		lo, hi := heapRange(start)
		heapLo.Store(lo)
		heapHi.Store(hi)
		adviseHeap()
		debug.FreeOSMemory() // collect the block and hand back its (untouched) pages
	})
}

// hugeHeapWanted tells whether this process should ask for huge pages for
// its heap: in a 64-bit process (a 32-bit one may find no gigabyte of
// address space in one piece) when this machine's settings want it (see
// wantHugeHeap).
func hugeHeapWanted() bool {
	if unsafe.Sizeof(uintptr(0)) < 8 {
		return false
	}
	mode, _ := os.ReadFile("/sys/kernel/mm/transparent_hugepage/enabled")
	overcommit, _ := os.ReadFile("/proc/sys/vm/overcommit_memory")
	return wantHugeHeap(mode, overcommit, os.Getenv("GODEBUG"))
}

// heapRange is the address range asked for huge pages around a heap
// block at start: the Go runtime grows its heap upward from where it began,
// in 64 MiB pieces, so the range runs from a gigabyte below the block to
// 64 GiB above it. Parts of it that nothing maps are left as they are.
func heapRange(start uintptr) (lo, hi uintptr) {
	lo = start &^ (1<<30 - 1)
	if lo >= 1<<30 {
		lo -= 1 << 30
	}
	return lo, start + uintptr(heapAbove)
}

// heapAbove is how far above its first block the heap's range runs; a
// variable, since a 32-bit uintptr cannot hold it (and such a process
// asks for nothing, see hugeHeap).
var heapAbove uint64 = 64 << 30

func adviseHeap() {
	if lo, hi := heapLo.Load(), heapHi.Load(); hi > lo {
		// The kernel applies the advice to what is mapped in the range
		// and reports ENOMEM for the gaps.
		_, _, _ = syscall.Syscall(syscall.SYS_MADVISE, lo, hi-lo, madvHugepage)
	}
}

// wantHugeHeap tells from the kernel's huge page mode
// (/sys/kernel/mm/transparent_hugepage/enabled), its overcommit policy
// (/proc/sys/vm/overcommit_memory) and GODEBUG whether the heap should ask
// for huge pages: only when the mode gives them to memory that asks, room
// mapped is not charged as memory used, and GODEBUG does not turn them off.
func wantHugeHeap(mode, overcommit []byte, godebug string) bool {
	if !bytes.Contains(mode, []byte("[madvise]")) || strings.TrimSpace(string(overcommit)) == "2" {
		return false
	}
	disabled := false
	for _, kv := range strings.Split(godebug, ",") { // the last setting wins, as the runtime reads it
		if k, v, ok := strings.Cut(strings.TrimSpace(kv), "="); ok && k == "disablethp" {
			disabled = v == "1"
		}
	}
	return !disabled
}
