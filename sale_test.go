package incent

import (
	"testing"
	"unsafe"
)

// TestSaleSize pins the size of a sale, of which a large quarter holds a
// million for the whole run.
func TestSaleSize(t *testing.T) {
	if unsafe.Sizeof(uintptr(0)) != 8 {
		t.Skip("the sizes are those of a 64-bit build")
	}
	if got := unsafe.Sizeof(Sale{}); got != 128 {
		t.Errorf("Sale is %d bytes, want 128", got)
	}
}

// TestSaleExtra checks the accessors of a sale with and without extra
// columns, and that EditExtra neither changes a shared SaleExtra nor keeps
// one with every column empty.
func TestSaleExtra(t *testing.T) {
	var s Sale
	if s.DeliveringDealer() != "" || s.Split() != "" || s.RebateCode() != "" || s.RebateAmount().Has() ||
		!s.RebateAmount().Decimal().IsZero() || s.ClaimDate() != NoDate {
		t.Errorf("a sale without extras reads %+v", s.Extras())
	}
	shared := &SaleExtra{RebateCode: "EV", ClaimDate: DateOf(2024, 7, 9)}
	s.Extra = shared
	other := s
	other.EditExtra(func(e *SaleExtra) { e.RebateCode = "LOYAL" })
	if shared.RebateCode != "EV" || s.RebateCode() != "EV" || other.RebateCode() != "LOYAL" {
		t.Errorf("EditExtra changed the shared extras: %q, %q, %q", shared.RebateCode, s.RebateCode(), other.RebateCode())
	}
	other.EditExtra(func(e *SaleExtra) { *e = NoExtra() })
	if other.Extra != nil {
		t.Errorf("emptied extras kept: %+v", *other.Extra)
	}
	s.Line, s.File = 12, Intern("data/sales/july.csv")
	if got := s.Source(); got != "data/sales/july.csv:12" {
		t.Errorf("Source() = %q", got)
	}
}
