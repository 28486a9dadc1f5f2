package workspace

import "hash/maphash"

// hashedKeys maps the keys of a million sales to numbers (a row, a place in
// a list) by each key's 64-bit hash: a map of 12-byte entries, where one
// keyed by the strings themselves holds 32 bytes an entry, hashes and
// compares every key's bytes in it, and took a third of a second of a
// first calc in lookups that missed the processor's caches. The numbers
// give back their keys (keyOf), so two keys with one hash are told apart;
// the later of two such keys is kept by its text. What a key maps to never
// depends on the hash, which is seeded afresh each run.
type hashedKeys struct {
	seed   maphash.Seed
	byHash map[uint64]int32
	spill  map[string]int32 // keys whose hash an earlier key has
	keyOf  func(int32) string
	hash   func(seed maphash.Seed, k string) uint64 // maphash.String; a test may collide keys
}

func newHashedKeys(size int, keyOf func(int32) string) *hashedKeys {
	return &hashedKeys{seed: maphash.MakeSeed(), byHash: make(map[uint64]int32, size), keyOf: keyOf, hash: maphash.String}
}

// find returns the number k maps to, if any, and k's hash for add.
func (t *hashedKeys) find(k string) (h uint64, v int32, ok bool) {
	h = t.hash(t.seed, k)
	v, ok = t.byHash[h]
	if !ok || t.keyOf(v) == k {
		return h, v, ok
	}
	v, ok = t.spill[k]
	return h, v, ok
}

// add maps k, which find did not find and whose hash is h, to v.
func (t *hashedKeys) add(k string, h uint64, v int32) {
	if _, taken := t.byHash[h]; !taken {
		t.byHash[h] = v
		return
	}
	if t.spill == nil {
		t.spill = map[string]int32{}
	}
	t.spill[k] = v
}
