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
)

// A large close holds the whole quarter in memory, and the garbage
// collector lets the heap grow to twice what is live before it collects.
// incent keeps the process within a memory budget instead (memory: in
// incent.yaml, 1GiB unless set), which an analyst's laptop can spare
// beside a spreadsheet, and which a quarter of a million sales fits with
// room to work in. The budget is Go's soft memory limit, less what the
// runtime does not count; the collector works harder near it rather than
// letting the heap double.
//
// A budget must never starve the work: after every collection, the limit
// is raised to 1.3 times the heap then live when the budget is below that,
// so a quarter too big for the budget costs the collector no more than
// that headroom allows (as GOGC=30 would), rather than collecting without
// end. And it never exceeds three quarters of the memory the process may
// use (the machine's, or its cgroup's when lower), so that on a small
// machine the collector works harder instead of the process being killed.
//
// GOMEMLIMIT, when set, is left as it is and no budget applies. Results
// do not depend on any of this: it changes only when memory is collected.

// defaultMemory is the budget when memory: is not set.
const defaultMemory = "1GiB"

// memoryReserve is the part of the budget kept for what the Go runtime
// does not count, chiefly the program's own code: at a million sales the
// process's peak stayed within 20 MiB above the limit.
const memoryReserve = 48 << 20

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
)

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
// following the live heap. It does nothing when GOMEMLIMIT is set.
func budgetMemory(budget int64) {
	if os.Getenv("GOMEMLIMIT") != "" {
		return
	}
	p := &memPolicy{budget: budget}
	if old := policy.Load(); old != nil {
		p.ceiling = old.ceiling
	}
	policy.Store(p)
	debug.SetMemoryLimit(goLimit(*p, liveHeap()))
	watching.Do(watchCollections)
}

// goLimit is the soft memory limit for a policy when live bytes of heap
// were live after the last collection.
func goLimit(p memPolicy, live int64) int64 {
	limit := int64(math.MaxInt64)
	if p.budget > 0 {
		limit = max(p.budget-memoryReserve, live+live*3/10)
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
		if p := policy.Load(); p != nil {
			if limit := goLimit(*p, liveHeap()); limit != debug.SetMemoryLimit(-1) {
				debug.SetMemoryLimit(limit)
			}
		}
		watchCollections()
	}, struct{}{})
}

// liveHeap is the heap the last collection found live, in bytes.
func liveHeap() int64 {
	s := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
	metrics.Read(s)
	if s[0].Value.Kind() != metrics.KindUint64 {
		return 0
	}
	return int64(min(s[0].Value.Uint64(), math.MaxInt64))
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
