// Package arena copies short strings into large shared blocks.
//
// A million-sale quarter makes several short strings for each row it
// reads (the row's own texts, its key, its cells packed for a reject),
// which live until the files are folded, among the few small values that
// live for the whole run. Made one by one, they fill the heap's blocks of
// small objects, and once they are let go, each block still holding one
// long-lived value stays in use: as the passes of a million-sale first
// calc began, 129 MB of the heap's small-object blocks were in use but
// empty. Copied into 64 KiB blocks instead, the strings share a block with
// nothing else, and a block goes back whole once no string of it is held:
// 24 MB were left so.
//
// A string from a Text holds its whole block, so a string that outlives
// the rest (a key kept in a long-lived map, a reject's cells) must be
// copied out with strings.Clone.
package arena

import "unsafe"

// blockSize is the size of a Text's blocks.
const blockSize = 64 << 10

// Text hands out strings copied into its current block. Its zero value is
// ready to use. It is not safe for concurrent use: each goroutine keeps
// its own.
type Text struct {
	block []byte // the current block; its length is what has been handed out
}

// Bytes returns a string holding a copy of b.
func (t *Text) Bytes(b []byte) string {
	n := len(b)
	switch {
	case n == 0:
		return ""
	case cap(t.block)-len(t.block) >= n:
	case n > blockSize/4:
		// A long string would leave much of a block unused: it gets its own.
		return string(b)
	default:
		t.block = make([]byte, 0, blockSize)
	}
	start := len(t.block)
	t.block = append(t.block, b...)
	return unsafe.String(&t.block[start], n)
}

// Reserve makes room for n bytes of strings: when the current block lacks
// it, the next is made exactly n bytes long, so that strings whose total
// is known fill one block of their size.
func (t *Text) Reserve(n int) {
	if cap(t.block)-len(t.block) < n {
		t.block = make([]byte, 0, n)
	}
}

// String returns a copy of s.
func (t *Text) String(s string) string {
	return t.Bytes(unsafe.Slice(unsafe.StringData(s), len(s)))
}
