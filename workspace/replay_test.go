package workspace

import (
	"testing"

	"github.com/incent/incent/store"
)

func TestFirstDifference(t *testing.T) {
	a := store.Line{Payee: "D001", ProgramID: "P", Amount: "10.00"}
	b := store.Line{Payee: "D001", ProgramID: "P", Amount: "12.00"}
	tests := []struct {
		name          string
		stored, again []store.Line
		want          string
	}{
		{"changed", []store.Line{a}, []store.Line{b}, "line 1 was {PayeeType: Payee:D001 ProgramID:P ProgramVersion:0 Kind: Currency: Measure: Tier: Amount:10.00}, is now {PayeeType: Payee:D001 ProgramID:P ProgramVersion:0 Kind: Currency: Measure: Tier: Amount:12.00}"},
		{"gone", []store.Line{a, b}, []store.Line{a}, "line 2 is gone: {PayeeType: Payee:D001 ProgramID:P ProgramVersion:0 Kind: Currency: Measure: Tier: Amount:12.00}"},
		{"new", nil, []store.Line{a}, "line 1 is new: {PayeeType: Payee:D001 ProgramID:P ProgramVersion:0 Kind: Currency: Measure: Tier: Amount:10.00}"},
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
