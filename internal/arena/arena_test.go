package arena

import (
	"bytes"
	"strings"
	"testing"
	"unsafe"
)

// TestTextCopies hands out strings of every length around the block's
// edges: each is what was given, stays so when the source is written
// again, and shares no byte with another.
func TestTextCopies(t *testing.T) {
	var a Text
	src := make([]byte, 0, blockSize)
	var got []string
	var want []string
	for i := 0; i < 3000; i++ {
		n := (i * 37) % 200
		if i%500 == 499 {
			n = blockSize/4 + 1 // its own allocation
		}
		src = src[:0]
		for j := 0; j < n; j++ {
			src = append(src, byte('a'+(i+j)%26))
		}
		want = append(want, string(src))
		got = append(got, a.Bytes(src))
		clear(src) // the copy must not see this
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("string %d = %q, want %q", i, got[i], want[i])
		}
	}
	type span struct{ lo, hi uintptr }
	var spans []span
	for _, s := range got {
		if s != "" {
			p := uintptr(unsafe.Pointer(unsafe.StringData(s)))
			spans = append(spans, span{p, p + uintptr(len(s))})
		}
	}
	for i := 1; i < len(spans); i++ {
		if prev, cur := spans[i-1], spans[i]; cur.lo < prev.hi && prev.lo < cur.hi {
			t.Fatalf("strings %d and %d share bytes", i-1, i)
		}
	}
}

// TestTextEmpty gives the empty string for nothing, and takes no block.
func TestTextEmpty(t *testing.T) {
	var a Text
	if s := a.Bytes(nil); s != "" {
		t.Errorf("Bytes(nil) = %q", s)
	}
	if s := a.String(""); s != "" {
		t.Errorf(`String("") = %q`, s)
	}
	if a.block != nil {
		t.Error("an empty string took a block")
	}
}

// TestTextString copies a string as Bytes copies its bytes.
func TestTextString(t *testing.T) {
	var a Text
	s := strings.Repeat("VIN", 10)
	got := a.String(s)
	if got != s || unsafe.StringData(got) == unsafe.StringData(s) {
		t.Errorf("String(%q) = %q, at the same address: %v", s, got, unsafe.StringData(got) == unsafe.StringData(s))
	}
	if b := []byte(got); !bytes.Equal(b, []byte(s)) {
		t.Errorf("bytes %q", b)
	}
}

// TestTextReserve fills a reserved block exactly, long strings included,
// then goes on in a new block.
func TestTextReserve(t *testing.T) {
	var a Text
	parts := []string{"Tier 2 (from 20 units)", strings.Repeat("x", blockSize/2), "", "none"}
	total := 0
	for _, p := range parts {
		total += len(p)
	}
	a.Reserve(total)
	block := a.block
	var got []string
	for _, p := range parts {
		got = append(got, a.String(p))
	}
	if cap(a.block) != total || len(a.block) != total || &block[:1][0] != &a.block[:1][0] {
		t.Fatalf("reserved %d: block of %d, %d used", total, cap(a.block), len(a.block))
	}
	for i := range parts {
		if got[i] != parts[i] {
			t.Errorf("string %d = %q, want %q", i, got[i], parts[i])
		}
	}
	if s := a.String("more"); s != "more" || cap(a.block) != blockSize {
		t.Errorf("after the reserved block: %q in a block of %d", s, cap(a.block))
	}
	a.Reserve(0)
	if cap(a.block) != blockSize {
		t.Error("reserving nothing changed the block")
	}
}
