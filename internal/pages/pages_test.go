package pages

import (
	"bytes"
	"testing"
)

// TestBackKeepsContents backs slices of every size around the threshold,
// empty and partly written ones too, and finds what they held unchanged.
func TestBackKeepsContents(t *testing.T) {
	for _, n := range []int{0, 1, 4096, 1<<20 - 1, 1 << 20, 3<<20 + 7} {
		b := make([]byte, n/2, n)
		for i := range b {
			b[i] = byte(i*31 + 7)
		}
		want := bytes.Clone(b)
		Back(b)
		if !bytes.Equal(b, want) {
			t.Fatalf("%d bytes: contents changed", n)
		}
		b = b[:n]
		for i := n / 2; i < n; i++ {
			if b[i] != 0 {
				t.Fatalf("%d bytes: byte %d of the unwritten part is %d", n, i, b[i])
			}
		}
	}
	type rec struct {
		a, b int64
		s    string
	}
	rs := make([]rec, 100_000)
	rs[99_999] = rec{1, 2, "x"}
	Back(rs)
	if rs[99_999] != (rec{1, 2, "x"}) || rs[0] != (rec{}) {
		t.Fatal("records changed")
	}
}
