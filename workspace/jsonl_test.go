package workspace

import (
	"bytes"
	"encoding/json"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/incent/incent"
	"github.com/incent/incent/calc"
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

// TestSaleHeadMatchesEncodingJSON holds the start of a hand-written sale
// line, through its quantity, to encoding/json: plain texts, and dealers,
// deals, VINs, models and sale types that JSON must escape, each written
// twice by one writer, the second time from its symbols' cache.
func TestSaleHeadMatchesEncodingJSON(t *testing.T) {
	date, _ := incent.ParseDate("2024-07-01")
	lw := &logWriter{}
	for _, s := range []incent.Sale{
		{DealerCode: incent.Intern("D001"), DealID: "D001-16929", VIN: "2NCSU2AB0PA247245", Quantity: 1,
			ModelCode: incent.Intern("SUV2"), SaleType: incent.Intern("retail")},
		{DealerCode: incent.Intern("D001"), DealID: "1042", VIN: "2NCSU2AB0PA247245", Quantity: -1,
			ModelCode: incent.Intern("EV1"), SaleType: incent.Intern("fleet")},
		{DealerCode: incent.Intern("D\"1"), DealID: "a\\b", VIN: "x\ny", Quantity: 1,
			ModelCode: incent.Intern("M<\"1\">"), SaleType: incent.Intern("re\ttail")},
		{DealerCode: incent.Intern("Dé"), DealID: "\xff\xfe", VIN: "\u2028", Quantity: -1,
			ModelCode: incent.Intern("\xffM"), SaleType: incent.Intern("\u2029")},
		{DealerCode: incent.Intern("D002"), DealID: "plain", VIN: "é\"1", Quantity: 2},
		{DealerCode: incent.Intern("D~1"), DealID: "deal 7", VIN: "\x7f", Quantity: 1},
	} {
		s.SaleDate = date
		sr := &calc.SaleResult{Sale: &s, Basis: &s}
		var want bytes.Buffer
		enc := json.NewEncoder(&want)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(logSale{Sale: SaleKey(&s), Dealer: s.DealerCode.String(), Deal: s.DealID, VIN: s.VIN,
			Date: s.SaleDate.String(), Model: s.ModelCode.String(), Type: s.SaleType.String(), Quantity: int(s.Quantity)}); err != nil {
			t.Fatal(err)
		}
		for range 2 {
			if got := string(lw.appendSaleHead([]byte(nil), sr)) + "}\n"; got != want.String() {
				t.Errorf("appendSaleHead = %s want %s", got, want.String())
			}
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

// TestWriteOrdered formats items across many chunks on every core and
// checks that they come out in order, each once; and that closing quit
// stops the writing with a whole number of chunks written, in order.
func TestWriteOrdered(t *testing.T) {
	line := func(b []byte, i int) []byte { return append(strconv.AppendInt(b, int64(i), 10), '\n') }
	for _, n := range []int{0, 1, 1023, 1024, 1025, 5000} {
		var want []byte
		for i := range n {
			want = line(want, i)
		}
		var got bytes.Buffer
		quitted, err := writeOrdered(&got, n, 8, nil, func() func(b []byte, from, to int) []byte {
			return func(b []byte, from, to int) []byte {
				for i := from; i < to; i++ {
					b = line(b, i)
				}
				return b
			}
		})
		if err != nil || quitted {
			t.Fatalf("n=%d: quitted %v, err %v", n, quitted, err)
		}
		if !bytes.Equal(got.Bytes(), want) {
			t.Errorf("n=%d: %d bytes out of order or missing, want %d", n, got.Len(), len(want))
		}
	}

	quit := make(chan struct{})
	var got bytes.Buffer
	var once sync.Once
	quitted, err := writeOrdered(&got, 100000, 8, quit, func() func(b []byte, from, to int) []byte {
		return func(b []byte, from, to int) []byte {
			once.Do(func() { close(quit) })
			for i := from; i < to; i++ {
				b = line(b, i)
			}
			return b
		}
	})
	if err != nil || !quitted {
		t.Fatalf("after quit: quitted %v, err %v", quitted, err)
	}
	lines := strings.Split(strings.TrimSuffix(got.String(), "\n"), "\n")
	if got.Len() == 0 {
		lines = nil
	}
	if len(lines)%1024 != 0 || len(lines) >= 100000 {
		t.Fatalf("after quit: %d lines written", len(lines))
	}
	for i, l := range lines {
		if l != strconv.Itoa(i) {
			t.Fatalf("after quit: line %d is %q", i, l)
		}
	}
}

// TestSaleKey spells the key of a sale and of a reversal by hand.
func TestSaleKey(t *testing.T) {
	for _, tc := range []struct {
		s    incent.Sale
		want string
	}{
		{incent.Sale{DealerCode: incent.Intern("D001"), DealID: "D001-16929", VIN: "2NCSU2AB0PA247245", Quantity: 1}, "D001/D001-16929/2NCSU2AB0PA247245/+"},
		{incent.Sale{DealerCode: incent.Intern("D001"), DealID: "1042", VIN: "2NCSU2AB0PA247245", Quantity: -1}, "D001/1042/2NCSU2AB0PA247245/-"},
		{incent.Sale{Quantity: 1}, "///+"},
	} {
		if got := SaleKey(&tc.s); got != tc.want {
			t.Errorf("SaleKey = %q, want %q", got, tc.want)
		}
		if got := string(appendSaleKeyText([]byte("x"), &tc.s)); got != "x"+tc.want {
			t.Errorf("appendSaleKeyText = %q, want %q", got, "x"+tc.want)
		}
	}
}
