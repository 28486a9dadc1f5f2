package ingest

import (
	"strconv"
	"testing"
)

// TestSharedAmounts reads amounts through one row context, as a file's rows
// are: a cell seen before gives the value it gave then, other spellings of
// the same amount parse on their own, and past the bound on shared amounts
// every cell still parses.
func TestSharedAmounts(t *testing.T) {
	c := &rowCtx{lay: &layout{idx: []int{0}}, p: &Profile{}}
	read := func(cell string) string {
		t.Helper()
		c.rec = []string{cell}
		d, has, ok := c.money(0)
		if !ok || !has {
			t.Fatalf("%q: has %v ok %v (%s)", cell, has, ok, c.reason)
		}
		return d.String()
	}
	tests := []struct{ cell, want string }{
		{"44500.00", "44500"},
		{"1,234.50", "1234.5"},
		{"44500.00", "44500"},
		{" 44500.00 ", "44500"},
		{"$1,234.50", "1234.5"},
		{"1,234.50", "1234.5"},
		{"(12.30)", "-12.3"},
		{"(12.30)", "-12.3"},
	}
	for _, tt := range tests {
		if got := read(tt.cell); got != tt.want {
			t.Errorf("%q = %s, want %s", tt.cell, got, tt.want)
		}
	}
	for i := range maxSharedAmounts + 10 {
		cell := strconv.Itoa(i) + ".25"
		if got, want := read(cell), strconv.Itoa(i)+".25"; got != want {
			t.Fatalf("%q = %s, want %s", cell, got, want)
		}
	}
	if len(c.amounts) != maxSharedAmounts {
		t.Errorf("%d shared amounts, want the bound %d", len(c.amounts), maxSharedAmounts)
	}
	if got := read("65540.25"); got != "65540.25" {
		t.Errorf("a cell past the bound read again = %s", got)
	}
}
