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
		{DealerCode: incent.Intern("D001"), DealID: "D001-16929", VIN: "2NCSU2AB0PA247245", Quantity: 1},
		{DealerCode: incent.Intern("D001"), DealID: "1042", VIN: "2NCSU2AB0PA247245", Quantity: -1},
		{DealerCode: incent.Intern("D\"1"), DealID: "a\\b", VIN: "x\ny", Quantity: 1},
		{DealerCode: incent.Intern("Dé"), DealID: "\xff\xfe", VIN: "\u2028", Quantity: -1},
		{DealerCode: incent.Intern(""), DealID: "", VIN: "", Quantity: 1},
		{DealerCode: incent.Intern("D~1"), DealID: "deal 7", VIN: "\x7f", Quantity: 1},
	} {
		want := string(appendJSONString([]byte("x"), SaleKey(&s)))
		if got := string(appendSaleKey([]byte("x"), &s)); got != want {
			t.Errorf("appendSaleKey(%q, %q, %q) = %s, want %s", s.DealerCode, s.DealID, s.VIN, got, want)
		}
	}
}

// TestLogPayoutMatchesEncodingJSON holds the hand-written payout lines to
// encoding/json: every optional field present and absent, a nil and an
// empty formula, and text that JSON must escape.
func TestLogPayoutMatchesEncodingJSON(t *testing.T) {
	full := logPayout{Payout: "dealer/D001/VOL", PayeeType: "dealer", Payee: "D001", Program: "VOL", Version: 3, Measure: "12.5",
		MeasureOf: "revenue", Tier: "2", NextTier: `3 more units to reach "tier 3" <worth> 1,500.00 & more`,
		Formula: []string{"12 × 150.00 = 1,800.00", "tab\tand é and \u2028"}, Unrounded: "1800", Rounding: "half_up", Amount: "1800.00", Currency: "USD"}
	for _, lp := range []logPayout{
		full,
		{Payout: "group/G1/GRP", PayeeType: "group", Payee: "G1", Program: "GRP", Version: 1, Measure: "0", Unrounded: "0", Rounding: "half_even", Amount: "0", Currency: "JPY"},
		{Payout: "x", Formula: []string{}},
		{Payout: "bad \xff utf-8", Formula: []string{"\x00"}},
	} {
		var want bytes.Buffer
		enc := json.NewEncoder(&want)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(lp); err != nil {
			t.Fatal(err)
		}
		if got := lp.append(nil); string(got) != want.String() {
			t.Errorf("got  %swant %s", got, want.String())
		}
	}
}
