package workspace

import (
	"bytes"
	"encoding/json"
	"testing"
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
