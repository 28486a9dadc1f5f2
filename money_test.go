package incent_test

import (
	"testing"

	"github.com/incent/incent"
)

// TestGroupThousands checks separators against numbers written out by hand.
func TestGroupThousands(t *testing.T) {
	for in, want := range map[string]string{
		"0": "0", "12": "12", "123": "123", "1234": "1,234", "-1234": "-1,234", "-12": "-12",
		"1234567.891": "1,234,567.891", "-1234567": "-1,234,567", "100000": "100,000",
		"999.99": "999.99", "-0.5": "-0.5", "12345678901234567890": "12,345,678,901,234,567,890",
		"": "", "-": "-", ".5": ".5", "1000.": "1,000.",
	} {
		if got := incent.GroupThousands(in); got != want {
			t.Errorf("GroupThousands(%q) = %q, want %q", in, got, want)
		}
	}
}
