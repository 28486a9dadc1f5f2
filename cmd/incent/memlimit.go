package main

import (
	"bufio"
	"bytes"
	"fmt"
	"math"
	"os"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/incent/incent/internal/offheap"
	"github.com/incent/incent/internal/pages"
)

// A large close holds the whole quarter in memory, and the garbage
// collector lets the heap grow to twice what is live before it collects.
// incent keeps the process within a memory budget instead (memory: in
// incent.yaml, 1GiB unless set), which an analyst's laptop can spare
// beside a spreadsheet, and which a quarter of a million sales fits. The
// budget is Go's soft memory limit, less what the runtime does not count
// (the text held outside the heap, and a reserve for the rest): the
// collector works harder near it rather than letting the heap double.
// The limit follows the text outside the heap as it grows.
//
// A budget must not starve the work. After every collection the limit is
// set again: to at least 1.3 times the heap then live, and higher for the
// rest of the command once holding it has cost the collector more than a
// fifth of the CPU the process used over 16 seconds. Rendering every
// payee's statements of a million-sale quarter costs it 20-30%, for as
// long as they take; a calculation of that quarter is over in about 9 s,
// and the dealers' statements cost it 10-12%. The limit never exceeds
// three quarters of the memory the process may use (the machine's, or its
// cgroup's when lower), so that on a small machine the collector works
// harder instead of the process being killed.
//
// GOMEMLIMIT, when set, is left as it is and no budget applies. Results
// do not depend on any of this: it changes only when memory is collected.

// defaultMemory is the budget when memory: is not set.
const defaultMemory = "1GiB"

// memoryReserve is the part of the budget kept for what the Go runtime
// does not count, chiefly the program's own code, and for the runtime's
// overshooting a soft limit: at a million sales the process's peak was
// 8-18 MiB above the limit in most runs, and 49 MiB above it at most.
const memoryReserve = 64 << 20

// minMemory is the smallest budget accepted: below it, a small workspace
// would be collected continually for nothing.
const minMemory = 128 << 20

// memPolicy is what the limit is worked out from.
type memPolicy struct {
	budget  int64 // the process's budget; 0: none
	ceiling int64 // three quarters of the memory the process may use; 0: not known
}

var (
	policy   atomic.Pointer[memPolicy]
	watching sync.Once
	guard    gcGuard
)

// gcGuard raises the limit above the budget when the collector spends too
// much of the CPU holding it. The lift only grows within a command: a
// lower limit would make the runtime hand memory back to the system, only
// to fault it in again at the next lift.
type gcGuard struct {
	mu             sync.Mutex
	lift           int64   // bytes added to the limit
	gc, busy, wall float64 // at the window's start: the process's CPU seconds in the collector and in all, and its seconds
}

const (
	gcWindow  = 16.0      // seconds a judgement of the collector's share covers: longer than a large calc's busy end
	gcTooMuch = 1.0 / 5   // share of the CPU above which the limit is lifted
	firstLift = 256 << 20 // the first lift; each further one doubles it
)

// judge takes the process's CPU seconds so far, in the collector and in
// all, and the seconds it has run, and returns the lift to apply: once a
// window has passed, the lift doubles when the collector's share of the
// CPU used in it was too much.
func (g *gcGuard) judge(gc, busy, wall float64) int64 {
	g.mu.Lock()
	defer g.mu.Unlock()
	if wall < g.wall || busy < g.busy || gc < g.gc { // counters begun again (tests)
		g.gc, g.busy, g.wall = gc, busy, wall
	}
	if wall-g.wall < gcWindow {
		return g.lift
	}
	if busy > g.busy && (gc-g.gc)/(busy-g.busy) > gcTooMuch {
		g.lift = max(2*g.lift, firstLift)
	}
	g.gc, g.busy, g.wall = gc, busy, wall
	return g.lift
}

// lifted is the lift applied now.
func (g *gcGuard) lifted() int64 {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.lift
}

// limitMemory sets the ceiling as the limit, for commands that never read
// the workspace's configuration; budgetMemory refines it once it is read.
func limitMemory() {
	if os.Getenv("GOMEMLIMIT") != "" {
		return
	}
	p := &memPolicy{ceiling: machineCeiling()}
	policy.Store(p)
	if p.ceiling > 0 {
		debug.SetMemoryLimit(p.ceiling)
	}
}

// machineCeiling is memoryLimit of this machine and cgroup.
func machineCeiling() int64 {
	meminfo, _ := os.ReadFile("/proc/meminfo")
	var cgroup []byte
	for _, p := range []string{"/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory/memory.limit_in_bytes"} {
		if b, err := os.ReadFile(p); err == nil {
			cgroup = b
			break
		}
	}
	return memoryLimit(meminfo, cgroup)
}

// budgetMemory applies the workspace's memory budget (0: none) and starts
// following the live heap. When GOMEMLIMIT is set it leaves the limit as
// it is.
func budgetMemory(budget int64) {
	// The collections are watched under GOMEMLIMIT too, for the heap's
	// huge pages (see prepareHeap); the limit is left alone there.
	defer watching.Do(func() {
		watchCollections()
		offheap.OnGrow(followOffheap)
	})
	if os.Getenv("GOMEMLIMIT") != "" {
		return
	}
	p := &memPolicy{budget: budget}
	if old := policy.Load(); old != nil {
		p.ceiling = old.ceiling
	}
	policy.Store(p)
	live, _, _, _ := readGC()
	debug.SetMemoryLimit(goLimit(*p, live, offheap.InUse(), 0))
}

// prepareHeap has the heap ask the kernel for huge pages (see
// pages.HugeHeap) in room for as much heap as heapRoom gives. The commands
// that read a quarter into memory call it once the workspace's budget is
// set: at a million sales first calcs took 6.95-7.86 s with it against
// 8.91-9.98 s without, four each in turn, with a quarter to a fifteenth of
// the page faults. Rendering statements gained nothing measurable (its faults
// are in memory just freed, which costs little), so the statements
// command does without.
func prepareHeap() {
	pages.HugeHeap(heapRoom(debug.SetMemoryLimit(-1), machineCeiling()))
}

// heapRoom is the room prepareHeap has mapped for the heap, from Go's
// memory limit (math.MaxInt64 for none) and three quarters of the memory
// the process may use (0 when not known): the limit, or 1 GiB without
// one, but no more than that memory (a mapping larger than the machine's
// memory may be refused, and a refusal ends the process, so a GOMEMLIMIT
// above it is not taken at its word) nor 4 GiB.
func heapRoom(limit, ceiling int64) int64 {
	n := limit
	if n == math.MaxInt64 {
		n = 1 << 30
	}
	if ceiling > 0 {
		n = min(n, ceiling)
	}
	return min(n, 4<<30)
}

// followOffheap lowers the limit as text outside the heap grows between
// collections: with no collection due for a while, the limit would
// otherwise still count memory the text has taken since.
func followOffheap() {
	if p := policy.Load(); p != nil && p.budget > 0 {
		live, _, _, _ := readGC()
		setLimit(*p, live, guard.lifted())
	}
}

// setLimit sets goLimit as the limit, with the text outside the heap now,
// unless it is the limit already.
func setLimit(p memPolicy, live, lift int64) {
	if limit := goLimit(p, live, offheap.InUse(), lift); limit != debug.SetMemoryLimit(-1) {
		debug.SetMemoryLimit(limit)
	}
}

// goLimit is the soft memory limit for a policy when live bytes of heap
// were live after the last collection, outside bytes are held outside the
// heap (see package offheap), which the runtime does not count, and the
// guard lifts the budget by lift bytes.
func goLimit(p memPolicy, live, outside, lift int64) int64 {
	limit := int64(math.MaxInt64)
	if p.budget > 0 {
		limit = max(p.budget-memoryReserve-outside, live+live*3/10) + lift
	}
	if p.ceiling > 0 {
		limit = min(limit, p.ceiling)
	}
	return limit
}

// watchCollections sets the limit again after every collection: a cleanup
// runs once the collector has found its object unreachable, and arms the
// next.
func watchCollections() {
	runtime.AddCleanup(new([64]byte), func(struct{}) {
		if p := policy.Load(); p != nil && p.budget > 0 {
			live, gc, busy, wall := readGC()
			setLimit(*p, live, guard.judge(gc, busy, wall))
		}
		pages.AdviseHeap() // the heap's room mapped since, as it grows past what prepareHeap made
		watchCollections()
	}, struct{}{})
}

// readGC returns the heap the last collection found live, in bytes; the
// process's CPU seconds so far in the collector (its idle-time marking
// left out, which takes only what nothing else wanted) and in all but
// idle; and the seconds it has run, as the runtime counts them (all its
// CPU seconds, idle too, over GOMAXPROCS).
func readGC() (live int64, gc, busy, wall float64) {
	s := []metrics.Sample{{Name: "/gc/heap/live:bytes"}, {Name: "/cpu/classes/gc/total:cpu-seconds"},
		{Name: "/cpu/classes/gc/mark/idle:cpu-seconds"}, {Name: "/cpu/classes/total:cpu-seconds"}, {Name: "/cpu/classes/idle:cpu-seconds"}}
	metrics.Read(s)
	f := func(i int) float64 {
		if s[i].Value.Kind() != metrics.KindFloat64 {
			return 0
		}
		return s[i].Value.Float64()
	}
	if s[0].Value.Kind() == metrics.KindUint64 {
		live = int64(min(s[0].Value.Uint64(), math.MaxInt64))
	}
	return live, f(1) - f(2), f(3) - f(4) - f(2), f(3) / float64(runtime.GOMAXPROCS(0))
}

// parseMemory reads a budget as GOMEMLIMIT writes one, a whole number of
// bytes with an optional unit (B, KiB, MiB, GiB, TiB), or "off" (or 0)
// for none.
func parseMemory(s string) (int64, error) {
	t := strings.TrimSpace(s)
	if strings.EqualFold(t, "off") || t == "0" {
		return 0, nil
	}
	digits := strings.TrimRightFunc(t, func(r rune) bool { return r < '0' || r > '9' })
	unit := t[len(digits):]
	shift := -1
	for i, u := range []string{"B", "KiB", "MiB", "GiB", "TiB"} {
		if unit == u || unit == "" && i == 0 {
			shift = 10 * i
		}
	}
	n, err := strconv.ParseInt(digits, 10, 64)
	if err != nil || digits == "" || shift < 0 || n > math.MaxInt64>>shift {
		return 0, fmt.Errorf("memory %q: expected a size such as 1GiB or 1500MiB (units B, KiB, MiB, GiB, TiB), or off", s)
	}
	if n <<= shift; n < minMemory {
		return 0, fmt.Errorf("memory %q: expected at least 128MiB, or off", s)
	}
	return n, nil
}

// memoryLimit is three quarters of the smaller of the machine's memory
// (MemTotal in /proc/meminfo) and the cgroup's limit ("max", or a byte
// count); 0 when neither is known.
func memoryLimit(meminfo, cgroup []byte) int64 {
	var avail uint64
	sc := bufio.NewScanner(bytes.NewReader(meminfo))
	for sc.Scan() {
		rest, ok := strings.CutPrefix(sc.Text(), "MemTotal:")
		if !ok {
			continue
		}
		kb, err := strconv.ParseUint(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 10, 64)
		if err == nil && kb < 1<<50 {
			avail = kb * 1024
		}
		break
	}
	// cgroup v1 writes an unlimited limit as a huge number; v2 as "max".
	if n, err := strconv.ParseUint(strings.TrimSpace(string(cgroup)), 10, 64); err == nil && n > 0 && n < 1<<60 {
		if avail == 0 || n < avail {
			avail = n
		}
	}
	return int64(avail / 4 * 3)
}
