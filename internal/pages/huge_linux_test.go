package pages

import (
	"bufio"
	"os"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"unsafe"
)

func TestWantHugeHeap(t *testing.T) {
	const (
		madvise = "always [madvise] never\n"
		always  = "[always] madvise never\n"
		never   = "always madvise [never]\n"
		pmd     = "2097152\n"
	)
	for _, c := range []struct {
		mode, size, overcommit, godebug string
		want                            bool
	}{
		{madvise, pmd, "0\n", "", true},
		{madvise, "2097152", "0\n", "", true},
		{madvise, pmd, "1\n", "", true},
		{madvise, "536870912\n", "0\n", "", false}, // arm64 with 64 KiB pages
		{madvise, "", "0\n", "", false},            // no such file: a kernel older than 4.13
		{madvise, pmd, "0\n", "gctrace=1", true},
		{always, pmd, "0\n", "", false}, // the kernel gives them already
		{never, pmd, "0\n", "", false},
		{"", pmd, "0\n", "", false}, // no huge pages in this kernel
		{madvise, pmd, "2\n", "", false},
		{madvise, pmd, "0\n", "disablethp=1", false},
		{madvise, pmd, "0\n", "disablethp=2", false}, // any number but 0
		{madvise, pmd, "0\n", "gctrace=1,disablethp=1", false},
		{madvise, pmd, "0\n", "gctrace=1, disablethp=1", true},    // the runtime reads " disablethp" as another name
		{madvise, pmd, "0\n", "disablethp=1,disablethp=0", true},  // the last one counts
		{madvise, pmd, "0\n", "disablethp=1,disablethp=x", false}, // unless it is no number
		{madvise, pmd, "0\n", "disablethp=0", true},
	} {
		if got := wantHugeHeap([]byte(c.mode), []byte(c.size), []byte(c.overcommit), c.godebug); got != c.want {
			t.Errorf("wantHugeHeap(%q, %q, %q, %q) = %v, want %v", c.mode, c.size, c.overcommit, c.godebug, got, c.want)
		}
	}
}

// TestHugeHeapLimits finds that a process under a limit on its address
// space or its data (ulimit -v, ulimit -d) asks for no huge pages: the
// room prepared would count against the limit, and a mapping refused ends
// the process. It sets each soft limit in turn to a large finite value,
// then back.
func TestHugeHeapLimits(t *testing.T) {
	if !hugeHeapWanted() {
		t.Skip("this machine's settings want no huge pages for the heap")
	}
	for _, c := range []struct {
		name     string
		resource int
	}{{"ulimit -v", syscall.RLIMIT_AS}, {"ulimit -d", syscall.RLIMIT_DATA}} {
		var old syscall.Rlimit
		if err := syscall.Getrlimit(c.resource, &old); err != nil {
			t.Fatal(err)
		}
		lim := old
		lim.Cur = 1 << 44 // 16 TiB: far above what the test uses
		if lim.Max != rlimInfinity && lim.Cur > lim.Max {
			lim.Cur = lim.Max
		}
		if wantedUnder(t, c.resource, lim, old) {
			t.Errorf("under %s the heap asks for huge pages", c.name)
		}
	}
}

// wantedUnder is hugeHeapWanted with the resource limited to lim, and
// the limit put back to old however the call ends.
func wantedUnder(t *testing.T, resource int, lim, old syscall.Rlimit) bool {
	t.Helper()
	if err := syscall.Setrlimit(resource, &lim); err != nil {
		t.Fatal(err)
	}
	defer func() {
		if err := syscall.Setrlimit(resource, &old); err != nil {
			t.Error(err)
		}
	}()
	return hugeHeapWanted()
}

func TestHeapRange(t *testing.T) {
	if unsafe.Sizeof(uintptr(0)) < 8 {
		t.Skip("a 32-bit process asks for no huge pages, and its addresses cannot hold these")
	}
	for _, c := range []struct{ start, lo, hi uint64 }{
		{0x2b2087654320, 0x2b2040000000, 0x2b3087654320},
		{0x2b2040000000, 0x2b2000000000, 0x2b3040000000},
		{0x000040001000, 0x000000000000, 0x001040001000}, // no room below
		{0x00c000000000, 0x00bfc0000000, 0x00d000000000},
	} {
		if lo, hi := heapRange(uintptr(c.start)); uint64(lo) != c.lo || uint64(hi) != c.hi {
			t.Errorf("heapRange(%#x) = %#x, %#x, want %#x, %#x", c.start, lo, hi, c.lo, c.hi)
		}
	}
}

// TestHugeHeap prepares a small heap for huge pages, then allocates one
// block within the room prepared and one far larger, which the runtime
// maps anew, and finds each block's memory asking for huge pages (VmFlags
// "hg" in /proc/self/smaps): the first at once, the second once AdviseHeap
// has been called; and neither once EndHugeHeap has been. The kernel
// marks memory so whatever its mode; whether a process asks at all is
// TestWantHugeHeap's.
func TestHugeHeap(t *testing.T) {
	if _, err := os.Stat("/sys/kernel/mm/transparent_hugepage/enabled"); err != nil {
		t.Skip("this kernel has no transparent huge pages:", err)
	}
	prepareHuge(64 << 20)
	inside := make([]byte, 16<<20)
	if !asksHuge(t, inside[len(inside)-1:]) {
		t.Error("a block in the room prepared does not ask for huge pages")
	}
	beyond := make([]byte, 256<<20) // past the room prepared: mapped anew, not yet advised
	AdviseHeap()
	if !asksHuge(t, beyond[len(beyond)-1:]) { // its end lies past the room prepared
		t.Error("a block mapped later does not ask for huge pages after AdviseHeap")
	}

	EndHugeHeap()
	AdviseHeap() // as after a collection: asks no more
	for _, b := range [][]byte{inside, beyond} {
		if asksHuge(t, b[len(b)-1:]) {
			t.Error("a block still asks for huge pages after EndHugeHeap")
		}
	}
}

// asksHuge tells whether the mapping that holds b's first byte has the
// "hg" flag (MADV_HUGEPAGE) in /proc/self/smaps. It skips the test where
// smaps tells no flags.
func asksHuge(t *testing.T, b []byte) bool {
	t.Helper()
	addr := uint64(uintptr(unsafe.Pointer(unsafe.SliceData(b))))
	f, err := os.Open("/proc/self/smaps")
	if err != nil {
		t.Skip("no /proc/self/smaps:", err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	in, flags := false, false
	for sc.Scan() {
		line := sc.Text()
		if span, _, ok := strings.Cut(line, " "); ok && strings.Contains(span, "-") && !strings.HasSuffix(span, ":") {
			lo, hi, _ := strings.Cut(span, "-")
			l, err1 := strconv.ParseUint(lo, 16, 64)
			h, err2 := strconv.ParseUint(hi, 16, 64)
			in = err1 == nil && err2 == nil && l <= addr && addr < h
			continue
		}
		if fl, ok := strings.CutPrefix(line, "VmFlags:"); ok {
			flags = true
			if in {
				return strings.Contains(" "+fl+" ", " hg ")
			}
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if !flags {
		t.Skip("/proc/self/smaps tells no VmFlags")
	}
	t.Fatalf("no mapping in /proc/self/smaps holds %#x", addr)
	return false
}
