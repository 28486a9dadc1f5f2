package gen

import (
	"math/bits"
	"math/rand/v2"
)

// source is the generator's random stream. It draws only raw 64-bit words
// from a PCG and derives every bounded number itself, so the bytes written
// depend on the seed and this file alone, not on how a library maps words
// to ranges.
type source struct{ pcg *rand.PCG }

// The stream numbers: each input is drawn from its own stream, so that,
// say, changing the number of sales leaves dealers.csv as it was.
const (
	streamDealers uint64 = iota + 1
	streamSales
	streamObjectives
	streamCertifications
	streamClaims
)

func newSource(seed, stream uint64) *source {
	return &source{pcg: rand.NewPCG(seed, 0x9e3779b97f4a7c15^stream)}
}

// intn returns a number in [0, n); n must be positive.
func (s *source) intn(n int) int {
	hi, _ := bits.Mul64(s.pcg.Uint64(), uint64(n))
	return int(hi)
}

// int64n returns a number in [0, n); n must be positive.
func (s *source) int64n(n int64) int64 {
	hi, _ := bits.Mul64(s.pcg.Uint64(), uint64(n))
	return int64(hi)
}

// between returns a number in [lo, hi].
func (s *source) between(lo, hi int) int { return lo + s.intn(hi-lo+1) }

// permille reports true with probability p/1000.
func (s *source) permille(p int) bool { return s.intn(1000) < p }

// pick returns an index drawn with the given integer weights.
func (s *source) pick(cum []int64) int {
	x := s.int64n(cum[len(cum)-1])
	lo, hi := 0, len(cum)-1
	for lo < hi {
		m := (lo + hi) / 2
		if cum[m] > x {
			hi = m
		} else {
			lo = m + 1
		}
	}
	return lo
}

// cumulative turns weights into running totals for pick.
func cumulative(weights []int64) []int64 {
	out := make([]int64, len(weights))
	var t int64
	for i, w := range weights {
		t += w
		out[i] = t
	}
	return out
}
