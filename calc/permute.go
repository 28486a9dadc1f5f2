package calc

import (
	"math"
	"runtime"
	"sort"
	"sync"
)

// permute reorders s in place so that s[i] is what s[idx[i]] was, for a
// permutation idx, which it uses up. Following each cycle moves every
// element once, without a second slice of them.
func permute[T any](s []T, idx []int) {
	for i := range idx {
		if idx[i] == i {
			continue
		}
		held := s[i]
		j := i
		for {
			k := idx[j]
			idx[j] = j
			if k == i {
				s[j] = held
				break
			}
			s[j] = s[k]
			j = k
		}
	}
}

// permuteParallel is permute on every core, still in place. Moving an
// element along a cycle waits on main memory for it, and the next place
// depends on the last, so permute moves a million sales one cache miss
// at a time. Here the cycles are first listed (a walk over idx alone,
// whose eight megabytes the caches take better than the sales' hundred
// and more), and then the list is cut into ranges that the cores move at
// once, the moves of a range not waiting on one another. A cycle cut by a
// range's end has the values at the cut, and its first value, saved
// beforehand, since another core overwrites them. At the end of a
// million-sale read this took 0.045-0.106 s rather than 0.077-0.183 s
// (progress marks, three runs each; BenchmarkPermute: 66-104 ms against
// 134-146 ms). Gathering into a second slice was faster still, but held a
// second copy of the sales at the read's peak: 30 MB more at the peak of
// a first calc.
func permuteParallel[T any](s []T, idx []int, ranges int) {
	n := len(idx)
	if n > math.MaxInt32 { // places are listed as int32
		permute(s, idx)
		return
	}
	// seq lists the places of each cycle in order: place seq[t] takes
	// the value of place seq[t+1], and a cycle's last place its first
	// place's value. starts holds where each cycle begins in seq, and n.
	seq := make([]int32, 0, n)
	var starts []int32
	for i := range idx {
		if idx[i] == i {
			continue
		}
		starts = append(starts, int32(len(seq)))
		j := i
		for {
			seq = append(seq, int32(j))
			k := idx[j]
			idx[j] = j
			if k == i {
				break
			}
			j = k
		}
	}
	m := len(seq)
	starts = append(starts, int32(m))
	if m == 0 {
		return
	}
	ranges = max(1, min(ranges, m))
	// cycleAt is the cycle that place t of seq belongs to.
	cycleAt := func(t int) int {
		return sort.Search(len(starts)-1, func(c int) bool { return int(starts[c+1]) > t })
	}
	bound := func(r int) int { return r * m / ranges }
	// Saved before any move: the value at each cut within a cycle, for
	// the place before it, and the first value of each cycle cut.
	cut := make([]T, ranges+1)
	first := map[int]T{}
	for r := 1; r < ranges; r++ {
		t := bound(r)
		c := cycleAt(t)
		if int(starts[c]) == t {
			continue // a cycle begins here: nothing is cut
		}
		cut[r] = s[seq[t]]
		if _, ok := first[c]; !ok {
			first[c] = s[seq[starts[c]]]
		}
	}
	var wg sync.WaitGroup
	for r := range ranges {
		wg.Go(func() {
			lo, hi := bound(r), bound(r+1)
			for c := cycleAt(lo); c < len(starts)-1 && int(starts[c]) < hi; c++ {
				a, b := int(starts[c]), int(starts[c+1])
				from, to := max(a, lo), min(b, hi)
				var held T
				if from == a && to == b {
					held = s[seq[a]]
				}
				for t := from; t < to-1; t++ {
					s[seq[t]] = s[seq[t+1]]
				}
				switch {
				case to < b:
					s[seq[to-1]] = cut[r+1] // the cycle goes on in the next range
				case from > a:
					s[seq[to-1]] = first[c] // a cut cycle ends here
				default:
					s[seq[to-1]] = held
				}
			}
		})
	}
	wg.Wait()
}

// permuteRanges is the number of ranges permuteParallel cuts its moves
// into: a few per core, so that a core that is given less time than the
// others holds up the end less.
func permuteRanges() int { return 4 * runtime.GOMAXPROCS(0) }
