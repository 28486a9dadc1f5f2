package workspace

import (
	"fmt"
	"hash/maphash"
	"testing"
)

// TestHashedKeys maps keys with the real hash and with one that gives
// many keys the same hash: every key finds its own number, and keys never
// added are not found.
func TestHashedKeys(t *testing.T) {
	for _, tc := range []struct {
		name string
		hash func(maphash.Seed, string) uint64
	}{
		{"maphash", maphash.String},
		{"length only", func(_ maphash.Seed, k string) uint64 { return uint64(len(k)) }},
		{"one hash", func(maphash.Seed, string) uint64 { return 7 }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var keys []string
			ix := newHashedKeys(0, func(v int32) string { return keys[v] })
			ix.hash = tc.hash
			find := func(k string) (uint64, int32, bool) {
				h := ix.hash(ix.seed, k)
				v, ok := ix.findHashed(k, h)
				return h, v, ok
			}
			for i := range 500 {
				k := fmt.Sprintf("D%03d/%d/VIN%d/+", i%7, i, i*31)
				if _, _, ok := find(k); ok {
					t.Fatalf("%q found before it was added", k)
				}
				h, _, _ := find(k)
				ix.add(k, h, int32(len(keys)))
				keys = append(keys, k)
			}
			for i, k := range keys {
				if _, v, ok := find(k); !ok || v != int32(i) {
					t.Errorf("%q: found %d, %v; want %d", k, v, ok, i)
				}
			}
			// Hashed ahead, a block at a time, keys find the same.
			hs := make([]uint64, aheadRows)
			for from := 0; from < len(keys); from += aheadRows {
				n := min(aheadRows, len(keys)-from)
				ix.ahead(hs[:n], func(i int) string { return keys[from+i] })
				for i, h := range hs[:n] {
					if v, ok := ix.findHashed(keys[from+i], h); !ok || v != int32(from+i) {
						t.Errorf("%q hashed ahead: found %d, %v; want %d", keys[from+i], v, ok, from+i)
					}
				}
			}
			if ix.n != len(keys) || len(ix.slots)*3 < ix.n*5 {
				t.Errorf("%d keys in %d slots; want %d keys, at most three slots in five taken", ix.n, len(ix.slots), len(keys))
			}
			for _, k := range []string{"", "D000/0/VIN0/-", "D999/1/VIN1/+"} {
				if _, v, ok := find(k); ok {
					t.Errorf("%q, never added, found as %d", k, v)
				}
			}
		})
	}
}

// BenchmarkHashedKeys folds a million sale keys into a table made for
// them, a block of keys hashed ahead at a time, as foldSales does.
func BenchmarkHashedKeys(b *testing.B) {
	const n = 1_000_000
	keys := make([]string, n)
	for i := range keys {
		keys[i] = fmt.Sprintf("D%04d/D%04d-%d/1NCTK1AB0RA%06d/+", i%4000, i%4000, i, i)
	}
	hs := make([]uint64, aheadRows)
	for b.Loop() {
		ix := newHashedKeys(n, func(v int32) string { return keys[v] })
		for from := 0; from < n; from += aheadRows {
			ix.ahead(hs, func(i int) string { return keys[from+i] })
			for i, h := range hs {
				if _, ok := ix.findHashed(keys[from+i], h); !ok {
					ix.add(keys[from+i], h, int32(from+i))
				}
			}
		}
	}
}
