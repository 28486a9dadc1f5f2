package workspace

import (
	"hash/maphash"
	"math/bits"

	"github.com/incent/incent/internal/pages"
)

// hashedKeys maps the keys of a million sales to numbers (a row, a place in
// a list) by each key's 64-bit hash, in a flat table of 16-byte slots with
// linear probing. A Go map of the hashes costs a lookup two or three
// cache misses (its directory, its group's control word, then the slot);
// a slot here holds the hash and the number side by side, so that a
// lookup in a table far larger than the processor's caches usually
// misses once. The numbers give back their keys (keyOf), so two keys with
// one hash are told apart. What a key maps to never depends on the hash,
// which is seeded afresh each run.
type hashedKeys struct {
	seed    maphash.Seed
	slots   []keySlot
	n       int   // keys held
	touched int32 // what ahead read, so that its reads are kept
	keyOf   func(int32) string
	hash    func(seed maphash.Seed, k string) uint64 // maphash.String; a test may collide keys
}

// keySlot is one key's hash and its number plus one; 0 marks a free slot.
type keySlot struct {
	h uint64
	v int32
}

// newHashedKeys makes a table for about size keys; it grows past that.
func newHashedKeys(size int, keyOf func(int32) string) *hashedKeys {
	slots := make([]keySlot, tableSlots(size))
	pages.Back(slots) // see package pages: the table is written all over at once
	return &hashedKeys{seed: maphash.MakeSeed(), slots: slots, keyOf: keyOf, hash: maphash.String}
}

// tableSlots is the number of slots for size keys: at most three in five
// taken, where linear probing stays within a cache line or two.
func tableSlots(size int) int {
	return max(size, 8)*5/3 + 1
}

// home is the first slot to probe for hash h: the high bits of h scaled
// to the table, which needs no power-of-two size.
func (t *hashedKeys) home(h uint64) int {
	hi, _ := bits.Mul64(h, uint64(len(t.slots)))
	return int(hi)
}

// aheadRows is how many keys ahead hashes at a time: enough reads for the
// processor to wait on at once, few enough to stay in its first caches.
const aheadRows = 32

// ahead sets hs[i] to the hash of key(i) and reads the first slot of each,
// for lookups (findHashed) that follow. A lookup in a large table waits
// on main memory; these reads do not depend on one another, so the
// processor waits on them all at once rather than one lookup at a time.
func (t *hashedKeys) ahead(hs []uint64, key func(i int) string) {
	for i := range hs {
		hs[i] = t.hash(t.seed, key(i))
	}
	// A loop of nothing but the reads, so that many are under way at once.
	var x int32
	for _, h := range hs {
		x |= t.slots[t.home(h)].v
	}
	t.touched = x
}

// findHashed returns the number k, whose hash is h (see ahead), maps to,
// if any.
func (t *hashedKeys) findHashed(k string, h uint64) (v int32, ok bool) {
	for i := t.home(h); ; {
		s := &t.slots[i]
		switch {
		case s.v == 0:
			return 0, false
		case s.h == h && t.keyOf(s.v-1) == k:
			return s.v - 1, true
		}
		if i++; i == len(t.slots) {
			i = 0
		}
	}
}

// add maps k, which findHashed did not find and whose hash is h, to v.
func (t *hashedKeys) add(k string, h uint64, v int32) {
	if (t.n+1)*5 > len(t.slots)*3 {
		t.grow()
	}
	t.put(h, v)
	t.n++
}

// put takes h and v into the first free slot from h's home.
func (t *hashedKeys) put(h uint64, v int32) {
	for i := t.home(h); ; {
		if t.slots[i].v == 0 {
			t.slots[i] = keySlot{h: h, v: v + 1}
			return
		}
		if i++; i == len(t.slots) {
			i = 0
		}
	}
}

// grow doubles the table, for more keys than it was made for.
func (t *hashedKeys) grow() {
	old := t.slots
	t.slots = make([]keySlot, 2*len(old))
	for _, s := range old {
		if s.v != 0 {
			t.put(s.h, s.v-1)
		}
	}
}
