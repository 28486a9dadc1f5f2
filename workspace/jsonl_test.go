package workspace

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/incent/incent"
)

// TestAppendJSONStringMatchesEncodingJSON checks the hand-written encoder
// against encoding/json with HTML escaping off.
func TestAppendJSONStringMatchesEncodingJSON(t *testing.T) {
	for _, s := range []string{"", "D001", `say "hi"`, `back\slash`, "tab\tnew\nline\r", "\x00\x1f", "<&>", "Müller & Söhne",
		"line\u2028sep\u2029", "bad \xff utf8", "€ 1.234,50", "model SUV3 not in [SUV1 SUV2]"} {
		var want bytes.Buffer
		enc := json.NewEncoder(&want)
		enc.SetEscapeHTML(false)
		enc.Encode(s)
		got := appendJSONString(nil, s)
		if string(got)+"\n" != want.String() {
			t.Errorf("%q: got %s, want %s", s, got, want.String())
		}
	}
}

func FuzzAppendJSONString(f *testing.F) {
	f.Add("D001")
	f.Add("bad \xff")
	f.Fuzz(func(t *testing.T, s string) {
		var want bytes.Buffer
		enc := json.NewEncoder(&want)
		enc.SetEscapeHTML(false)
		enc.Encode(s)
		if got := string(appendJSONString(nil, s)) + "\n"; got != want.String() {
			t.Errorf("%q: got %s, want %s", s, got, want.String())
		}
	})
}

func TestAppendDateMatchesString(t *testing.T) {
	for _, d := range []incent.Date{incent.NoDate, incent.DateOf(2024, 7, 1), incent.DateOf(2024, 12, 31), incent.DateOf(1999, 1, 9),
		incent.DateOf(2000, 2, 29), incent.DateOf(1970, 1, 1), incent.DateOf(1969, 12, 31), incent.DateOf(10000, 1, 1)} {
		if got := string(appendDate(nil, d)); got != d.String() {
			t.Errorf("%d: got %q, want %q", d, got, d.String())
		}
	}
}

// TestAppendSaleKeyMatchesSaleKey checks the part-by-part key against the
// key built whole, for plain parts and for parts that need escaping.
func TestAppendSaleKeyMatchesSaleKey(t *testing.T) {
	for _, s := range []incent.Sale{
		{DealerCode: "D001", DealID: "D001-16929", VIN: "2NCSU2AB0PA247245", Quantity: 1},
		{DealerCode: "D001", DealID: "1042", VIN: "2NCSU2AB0PA247245", Quantity: -1},
		{DealerCode: "D\"1", DealID: "a\\b", VIN: "x\ny", Quantity: 1},
		{DealerCode: "Dé", DealID: "\xff\xfe", VIN: "\u2028", Quantity: -1},
		{DealerCode: "", DealID: "", VIN: "", Quantity: 1},
		{DealerCode: "D~1", DealID: "deal 7", VIN: "\x7f", Quantity: 1},
	} {
		want := string(appendJSONString([]byte("x"), SaleKey(&s)))
		if got := string(appendSaleKey([]byte("x"), &s)); got != want {
			t.Errorf("appendSaleKey(%q, %q, %q) = %s, want %s", s.DealerCode, s.DealID, s.VIN, got, want)
		}
	}
}
