package workspace

import (
	"testing"
	"unsafe"
)

// TestParsedSaleSize pins the size of a parsed row, of which a quarter
// exported as one file holds a million until the file is folded.
func TestParsedSaleSize(t *testing.T) {
	if unsafe.Sizeof(uintptr(0)) != 8 {
		t.Skip("the sizes are those of a 64-bit build")
	}
	if got := unsafe.Sizeof(parsedSale{}); got != 168 {
		t.Errorf("parsedSale is %d bytes, want 168", got)
	}
}
