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
			for i := range 500 {
				k := fmt.Sprintf("D%03d/%d/VIN%d/+", i%7, i, i*31)
				if _, _, ok := ix.find(k); ok {
					t.Fatalf("%q found before it was added", k)
				}
				h, _, _ := ix.find(k)
				ix.add(k, h, int32(len(keys)))
				keys = append(keys, k)
			}
			for i, k := range keys {
				if _, v, ok := ix.find(k); !ok || v != int32(i) {
					t.Errorf("%q: found %d, %v; want %d", k, v, ok, i)
				}
			}
			for _, k := range []string{"", "D000/0/VIN0/-", "D999/1/VIN1/+"} {
				if _, v, ok := ix.find(k); ok {
					t.Errorf("%q, never added, found as %d", k, v)
				}
			}
		})
	}
}
