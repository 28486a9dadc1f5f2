package statements

import (
	"strings"
	"testing"
)

func TestNeutraliseCell(t *testing.T) {
	tests := []struct {
		in, want string
	}{
		{"", ""},
		{"Müller & Söhne", "Müller & Söhne"},
		{"=HYPERLINK(\"http://evil\",\"x\")", "'=HYPERLINK(\"http://evil\",\"x\")"},
		{"+1+1", "'+1+1"},
		{"-250.00", "'-250.00"},
		{"@SUM(A1)", "'@SUM(A1)"},
		{"\t=1", "'\t=1"},
		{"\r=1", "'\r=1"},
		{"a=1", "a=1"},
		{"'already", "'already"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			if got := NeutraliseCell(tt.in); got != tt.want {
				t.Errorf("NeutraliseCell(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestSafeFileName(t *testing.T) {
	tests := []struct {
		code string
		ok   bool
	}{
		{"D001", true},
		{"S-17_b", true},
		{"Müller", true},
		{"a.b", true},
		{"", false},
		{"../x", false},
		{"..", false},
		{"a..b", false},
		{"a/b", false},
		{`a\b`, false},
		{".hidden", false},
		{".", false},
		{"a\x00b", false},
		{"a\nb", false},
		{"C:x", false},
		{strings.Repeat("x", 251), false},
	}
	for _, tt := range tests {
		t.Run(tt.code, func(t *testing.T) {
			err := SafeFileName(tt.code)
			if (err == nil) != tt.ok {
				t.Errorf("SafeFileName(%q) = %v, want ok=%v", tt.code, err, tt.ok)
			}
		})
	}
}
