package workspace

import (
	"testing"

	"github.com/incent/incent/store"
)

func TestFirstDifference(t *testing.T) {
	a := store.Line{PayeeType: "dealer", Payee: "D001", ProgramID: "P", ProgramVersion: 1, Kind: "calc", Currency: "USD", Measure: "10", Tier: "1", Amount: "10.00"}
	b := a
	b.Amount = "12.00"
	tests := []struct {
		name          string
		stored, again []store.Line
		want          string
	}{
		{"changed", []store.Line{a}, []store.Line{b}, "line 1 is stored as dealer D001, P v1 (calc): measure 10, tier 1, 10.00 USD but replays as dealer D001, P v1 (calc): measure 10, tier 1, 12.00 USD"},
		{"gone", []store.Line{a, b}, []store.Line{a}, "line 2 is gone: dealer D001, P v1 (calc): measure 10, tier 1, 12.00 USD"},
		{"new", nil, []store.Line{a}, "line 1 is new: dealer D001, P v1 (calc): measure 10, tier 1, 10.00 USD"},
		{"same lines", []store.Line{a}, []store.Line{a}, "the payout lines are the same but the digest differs: the stored digest was altered"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := firstDifference(tt.stored, tt.again); got != tt.want {
				t.Errorf("got  %s\nwant %s", got, tt.want)
			}
		})
	}
}
