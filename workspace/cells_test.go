package workspace

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"unsafe"

	"github.com/incent/incent/internal/arena"
)

// TestPackCells packs rows of cells, with the bytes written out by hand
// for the small ones, and unpacks them again.
func TestPackCells(t *testing.T) {
	long := strings.Repeat("x", 200) // a length of two uvarint bytes
	for _, tc := range []struct {
		cells []string
		want  string
	}{
		{[]string{""}, "\x00"},
		{[]string{"a", "", "bc"}, "\x01a\x00\x02bc"},
		{[]string{"D001", "2024-07-03", "\"quoted\", with a comma"}, "\x04D001\x0a2024-07-03\x16\"quoted\", with a comma"},
		{[]string{"é", long}, "\x02é\xc8\x01" + long},
	} {
		got, _ := packCells(nil, tc.cells)
		if got != tc.want {
			t.Errorf("packCells(%q) = %q, want %q", tc.cells, got, tc.want)
		}
		if back := unpackCells(got); !slices.Equal(back, tc.cells) {
			t.Errorf("unpackCells(%q) = %q, want %q", got, back, tc.cells)
		}
	}
}

// FuzzPackCells round-trips any cells, split from the input at tabs, and
// checks that unpacking refuses a truncated packing rather than misreading it.
func FuzzPackCells(f *testing.F) {
	f.Add("a\t\tbc")
	f.Add("")
	f.Add(strings.Repeat("x", 300) + "\t\x00\xff")
	f.Fuzz(func(t *testing.T, s string) {
		cells := strings.Split(s, "\t")
		packed, _ := packCells(nil, cells)
		if back := unpackCells(packed); !slices.Equal(back, cells) {
			t.Fatalf("round trip of %q gave %q", cells, back)
		}
		if len(packed) > 0 && len(cells[len(cells)-1]) > 0 {
			func() {
				defer func() { _ = recover() }()
				got := unpackCells(packed[:len(packed)-1])
				t.Fatalf("truncated packing unpacked as %q", got)
			}()
		}
	})
}

// TestUnpackedCellsOwnTheirText unpacks a row packed in a block shared
// with other rows: the cells, kept with a reject for the whole run, must
// not hold the block.
func TestUnpackedCellsOwnTheirText(t *testing.T) {
	var text arena.Text
	var rows []string
	for i := range 100 {
		rows = append(rows, text.Bytes(appendCells(nil, []string{"D001", fmt.Sprint(i), "1HGCM82633A004352"})))
	}
	block := unsafe.StringData(rows[0])
	end := uintptr(unsafe.Pointer(unsafe.StringData(rows[99]))) + uintptr(len(rows[99]))
	for _, c := range unpackCells(rows[50]) {
		if p := uintptr(unsafe.Pointer(unsafe.StringData(c))); p >= uintptr(unsafe.Pointer(block)) && p < end {
			t.Fatalf("cell %q lies in the rows' block", c)
		}
	}
}
