package pages

import (
	"bytes"
	"os"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"unsafe"
)

const (
	madvHugepage   = 14 // MADV_HUGEPAGE
	madvNohugepage = 15 // MADV_NOHUGEPAGE
)

var (
	heapOnce sync.Once

	// heap is the address range asked for huge pages (none while hi is
	// 0) and whether EndHugeHeap has been called. One lock covers both and
	// the madvise calls, so that advice given after a collection cannot
	// land after EndHugeHeap's, nor see half of a range.
	heap struct {
		sync.Mutex
		lo, hi uintptr
		ended  bool
	}
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
	heap.Lock()
	heap.lo, heap.hi = heapRange(start)
	heap.ended = false
	heap.Unlock()
	adviseHeap()
	debug.FreeOSMemory() // collect the block and hand back its (untouched) pages
}

// hugeHeapWanted tells whether this process should ask for huge pages for
// its heap: in a 64-bit process (a 32-bit one may find no gigabyte of
// address space in one piece) without a limit on its address space or its
// data (ulimit -v, ulimit -d: the room counts against both, and a refused
// mapping ends the process), when this machine's settings want it (see
// wantHugeHeap).
func hugeHeapWanted() bool {
	if unsafe.Sizeof(uintptr(0)) < 8 {
		return false
	}
	for _, resource := range []int{syscall.RLIMIT_AS, syscall.RLIMIT_DATA} {
		var lim syscall.Rlimit
		if syscall.Getrlimit(resource, &lim) != nil || lim.Cur != rlimInfinity {
			return false
		}
	}
	const thp = "/sys/kernel/mm/transparent_hugepage/"
	mode, _ := os.ReadFile(thp + "enabled")
	size, _ := os.ReadFile(thp + "hpage_pmd_size")
	overcommit, _ := os.ReadFile("/proc/sys/vm/overcommit_memory")
	return wantHugeHeap(mode, size, overcommit, os.Getenv("GODEBUG"))
}

// rlimInfinity is RLIM_INFINITY, a resource without a limit.
const rlimInfinity = ^uint64(0)

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
	heap.Lock()
	defer heap.Unlock()
	if !heap.ended {
		advise(madvHugepage)
	}
}

func endHugeHeap() {
	heap.Lock()
	defer heap.Unlock()
	if !heap.ended {
		heap.ended = true
		advise(madvNohugepage)
	}
}

// advise gives the heap's range the advice, if HugeHeap prepared one. The
// caller holds heap's lock.
func advise(advice uintptr) {
	if heap.hi > heap.lo {
		// The kernel applies the advice to what is mapped in the range
		// and reports ENOMEM for the gaps.
		_, _, _ = syscall.Syscall(syscall.SYS_MADVISE, heap.lo, heap.hi-heap.lo, advice)
	}
}

// wantHugeHeap tells from the kernel's huge page mode and size
// (/sys/kernel/mm/transparent_hugepage/enabled and hpage_pmd_size), its
// overcommit policy (/proc/sys/vm/overcommit_memory) and GODEBUG whether
// the heap should ask for huge pages: only when the mode gives them to
// memory that asks, a huge page is 2 MiB (where it is larger, as on arm64
// with 64 KiB pages, a page is 512 MiB and would hold most of a heap this
// size, so incent's measurements say nothing of it), room mapped is not
// charged as memory used, and GODEBUG does not turn them off (disablethp
// set to a number other than 0, read as the runtime reads it: fields split
// at commas, the last one that parses counting).
func wantHugeHeap(mode, size, overcommit []byte, godebug string) bool {
	if !bytes.Contains(mode, []byte("[madvise]")) ||
		strings.TrimSpace(string(size)) != "2097152" ||
		strings.TrimSpace(string(overcommit)) == "2" {
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
