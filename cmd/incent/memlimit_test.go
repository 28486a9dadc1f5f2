package main

import (
	"math"
	"os"
	"runtime"
	"runtime/debug"
	"testing"
	"time"

	"github.com/incent/incent/internal/offheap"
)

func TestMemoryLimit(t *testing.T) {
	const meminfo = "MemTotal:        8000000 kB\nMemFree:         1000000 kB\n"
	for _, tc := range []struct {
		name            string
		meminfo, cgroup string
		want            int64
	}{
		{"machine only", meminfo, "", 6_144_000_000},
		{"cgroup v2 unlimited", meminfo, "max\n", 6_144_000_000},
		{"cgroup v1 unlimited", meminfo, "9223372036854771712\n", 6_144_000_000},
		{"cgroup below the machine", meminfo, "2147483648\n", 1_610_612_736},
		{"cgroup above the machine", meminfo, "17179869184\n", 6_144_000_000},
		{"cgroup only", "", "4000000000", 3_000_000_000},
		{"nothing known", "", "", 0},
		{"unreadable meminfo", "MemTotal: lots\n", "", 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := memoryLimit([]byte(tc.meminfo), []byte(tc.cgroup)); got != tc.want {
				t.Errorf("memoryLimit = %d, want %d", got, tc.want)
			}
		})
	}
}

func TestParseMemory(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want int64
		err  bool
	}{
		{"1GiB", 1 << 30, false},
		{"1500MiB", 1500 << 20, false},
		{"131072KiB", 128 << 20, false},
		{"2TiB", 2 << 40, false},
		{"134217728", 128 << 20, false},
		{"134217728B", 128 << 20, false},
		{" 2GiB ", 2 << 30, false},
		{"off", 0, false},
		{"OFF", 0, false},
		{"0", 0, false},
		{"127MiB", 0, true}, // below the smallest budget
		{"0MiB", 0, true},
		{"1.5GiB", 0, true},
		{"1gib", 0, true},
		{"1GB", 0, true},
		{"GiB", 0, true},
		{"", 0, true},
		{"-1GiB", 0, true},
		{"lots", 0, true},
		{"9999999TiB", 0, true}, // overflows
	} {
		got, err := parseMemory(tc.in)
		if (err != nil) != tc.err || got != tc.want {
			t.Errorf("parseMemory(%q) = %d, %v; want %d, error %v", tc.in, got, err, tc.want, tc.err)
		}
	}
}

func TestGoLimit(t *testing.T) {
	const mib = 1 << 20
	for _, tc := range []struct {
		name                string
		p                   memPolicy
		live, outside, lift int64
		want                int64
	}{
		{"budget less the reserve", memPolicy{budget: 1024 * mib}, 500 * mib, 0, 0, 960 * mib},
		{"live heap too big for the budget", memPolicy{budget: 1024 * mib}, 1000 * mib, 0, 0, 1300 * mib},
		{"live heap just fits", memPolicy{budget: 1024 * mib}, 730 * mib, 0, 0, 960 * mib},
		{"lifted", memPolicy{budget: 1024 * mib}, 500 * mib, 0, 256 * mib, 1216 * mib},
		{"lifted, live heap too big", memPolicy{budget: 1024 * mib}, 1000 * mib, 0, 256 * mib, 1556 * mib},
		{"ceiling below the budget", memPolicy{budget: 1024 * mib, ceiling: 600 * mib}, 100 * mib, 0, 0, 600 * mib},
		{"ceiling caps the live heap's room", memPolicy{budget: 1024 * mib, ceiling: 1200 * mib}, 1000 * mib, 0, 0, 1200 * mib},
		{"ceiling caps the lift", memPolicy{budget: 1024 * mib, ceiling: 1200 * mib}, 500 * mib, 0, 512 * mib, 1200 * mib},
		{"no budget: the ceiling", memPolicy{ceiling: 6000 * mib}, 1000 * mib, 0, 0, 6000 * mib},
		{"nothing known", memPolicy{}, 1000 * mib, 0, 0, math.MaxInt64},
		{"text outside the heap", memPolicy{budget: 1024 * mib}, 500 * mib, 50 * mib, 0, 910 * mib},
		{"text outside the heap, live heap too big", memPolicy{budget: 1024 * mib}, 800 * mib, 50 * mib, 0, 1040 * mib},
		{"text outside the heap, lifted", memPolicy{budget: 1024 * mib}, 500 * mib, 50 * mib, 256 * mib, 1166 * mib},
	} {
		if got := goLimit(tc.p, tc.live, tc.outside, tc.lift); got != tc.want {
			t.Errorf("%s: goLimit = %d MiB, want %d MiB", tc.name, got/mib, tc.want/mib)
		}
	}
}

func TestHeapRoom(t *testing.T) {
	const mib = 1 << 20
	for _, tc := range []struct {
		name           string
		limit, ceiling int64
		want           int64
	}{
		{"the budget's limit", 960 * mib, 18000 * mib, 960 * mib},
		{"no limit: 1 GiB", math.MaxInt64, 18000 * mib, 1024 * mib},
		{"no limit, small machine", math.MaxInt64, 700 * mib, 700 * mib},
		{"GOMEMLIMIT above the machine", 8192 * mib, 1500 * mib, 1500 * mib},
		{"a large budget: 4 GiB at most", 12000 * mib, 18000 * mib, 4096 * mib},
		{"machine not known", 6000 * mib, 0, 4096 * mib},
		{"nothing known", math.MaxInt64, 0, 1024 * mib},
	} {
		if got := heapRoom(tc.limit, tc.ceiling); got != tc.want {
			t.Errorf("%s: heapRoom = %d MiB, want %d MiB", tc.name, got/mib, tc.want/mib)
		}
	}
}

// TestGCGuard feeds the guard the process's CPU seconds, in the collector
// and in all, and the seconds it has run, as collections would, and checks
// the lift after each.
func TestGCGuard(t *testing.T) {
	const mib = 1 << 20
	var g gcGuard
	for i, step := range []struct {
		gc, busy, wall float64 // totals so far
		want           int64
	}{
		{0, 0, 0, 0},
		{4, 6, 10, 0},             // less than a window: not judged yet
		{6, 10, 16, 256 * mib},    // 6 of 10 CPU seconds in the collector
		{8.5, 20, 32, 512 * mib},  // 2.5 of 10: 25%
		{10.4, 30, 48, 512 * mib}, // 19%: held
		{11.2, 40, 64, 512 * mib}, // 8%: held, never lowered
		{15.2, 46, 76, 512 * mib}, // 12 s since the last judgement: not judged
		{16, 48, 80, 1024 * mib},  // 4.8 of 8
		{0.4, 0.8, 1, 1024 * mib}, // counters begun again: a new window
		{2, 8.8, 17, 1024 * mib},  // 1.6 of 8, a fifth: not more
		{6, 16.8, 33, 2048 * mib}, // 4 of 8
		{6, 16.8, 49, 2048 * mib}, // an idle window
	} {
		if got := g.judge(step.gc, step.busy, step.wall); got != step.want {
			t.Errorf("step %d (%.1f of %.1f CPU s at %.0f s): lift %d MiB, want %d MiB", i, step.gc, step.busy, step.wall, got/mib, step.want/mib)
		}
	}
}

// TestBudgetFollowsLiveHeap keeps more live than a small budget allows
// and checks that a collection lifts the limit above it, then lowers it
// again once that memory is let go.
func TestBudgetFollowsLiveHeap(t *testing.T) {
	if os.Getenv("GOMEMLIMIT") != "" {
		t.Skip("GOMEMLIMIT is set: no budget applies")
	}
	restoreMemory(t)
	guard.mu.Lock()
	guard.lift = 0 // no lift left from earlier work of this process
	guard.mu.Unlock()
	const budget = 128 << 20
	budgetMemory(budget)
	// The limit is set again a little after each collection, by the
	// collector's cleanup goroutine: wait for it, a few collections long.
	waitLimit := func(ok func(int64) bool) int64 {
		var got int64
		for range 200 {
			runtime.GC()
			if got = debug.SetMemoryLimit(-1); ok(got) {
				break
			}
			time.Sleep(10 * time.Millisecond)
		}
		return got
	}
	held := make([][]byte, 256) // 256 MiB live, twice the budget
	for i := range held {
		held[i] = make([]byte, 1<<20)
	}
	if got := waitLimit(func(l int64) bool { return l >= 256<<20*13/10 }); got < 256<<20*13/10 {
		t.Errorf("with 256 MiB live, limit %d MiB, want at least 1.3 times that", got>>20)
	}
	runtime.KeepAlive(held)
	held = nil
	// Less what other tests of this process left outside the heap.
	want := budget - memoryReserve - offheap.InUse()
	if got := waitLimit(func(l int64) bool { return l == want }); got != want {
		t.Errorf("once let go, limit %d MiB, want the budget less the reserve and the text outside the heap, %d MiB", got>>20, want>>20)
	}
}

// restoreMemory has the memory policy, limit and collector setting as they
// are now set again when the test ends.
func restoreMemory(t *testing.T) {
	old, oldLimit := policy.Load(), debug.SetMemoryLimit(-1)
	t.Cleanup(func() {
		policy.Store(old)
		debug.SetMemoryLimit(oldLimit)
	})
}

// TestLimitFollowsOffheap takes memory outside the heap and checks that
// the limit drops by as much at once, with no collection in between.
func TestLimitFollowsOffheap(t *testing.T) {
	if os.Getenv("GOMEMLIMIT") != "" {
		t.Skip("GOMEMLIMIT is set: no budget applies")
	}
	restoreMemory(t)
	budgetMemory(1 << 30)
	before := debug.SetMemoryLimit(-1)
	const took = 40 << 20 // past two 16 MiB steps
	offheap.Bytes(took)
	if got := debug.SetMemoryLimit(-1); got != before-took {
		t.Errorf("limit %d MiB once %d MiB more lies outside the heap, want %d MiB", got>>20, took>>20, (before-took)>>20)
	}
}
