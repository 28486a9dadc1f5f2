package workspace

import (
	"testing"

	"github.com/incent/incent/store"
)

func TestDiffLines(t *testing.T) {
	line := func(payee, program string, version int, kind, cur, measure, tier, amount string) store.Line {
		return store.Line{PayeeType: "dealer", Payee: payee, ProgramID: program, ProgramVersion: version, Kind: kind, Currency: cur,
			Measure: measure, Tier: tier, Amount: amount}
	}
	a := []store.Line{
		line("D001", "VOL", 1, "calc", "USD", "90", "", "10500.00"), // same in B
		line("D002", "VOL", 1, "calc", "USD", "70", "", "7500.00"),  // more units in B
		line("D003", "SS", 1, "calc", "USD", "30", "T1", "1500.00"), // only in A
		line("D004", "VOL", 1, "calc", "USD", "19", "", "0.00"),     // new version in B, same amount
		line("D005", "CA", 1, "calc", "CAD", "4", "", "400.00"),     // same in B
		line("D001", "VOL", 1, "manual", "USD", "0", "", "-250.00"), // two adjustments of one key:
		line("D001", "VOL", 1, "manual", "USD", "0", "", "100.00"),  // the second is gone in B
	}
	b := []store.Line{
		line("D001", "VOL", 1, "calc", "USD", "90", "", "10500.00"),
		line("D002", "VOL", 1, "calc", "USD", "71", "", "7650.00"),
		line("D004", "VOL", 2, "calc", "USD", "19", "", "0.00"),
		line("D005", "CA", 1, "calc", "CAD", "4", "", "400.00"),
		line("D006", "VOL", 1, "calc", "USD", "25", "", "750.00"), // only in B
		line("D001", "VOL", 1, "manual", "USD", "0", "", "-250.00"),
	}
	diffs, totals, err := DiffLines(a, b)
	if err != nil {
		t.Fatal(err)
	}
	type row struct{ payee, program, kind, a, b, diff string }
	var got []row
	for _, d := range diffs {
		r := row{d.Payee, d.ProgramID, d.Kind, "-", "-", d.Difference.StringFixed(2)}
		if d.A != nil {
			r.a = d.A.Amount
		}
		if d.B != nil {
			r.b = d.B.Amount
		}
		got = append(got, r)
	}
	want := []row{
		{"D001", "VOL", "manual", "100.00", "-", "-100.00"},
		{"D002", "VOL", "calc", "7500.00", "7650.00", "150.00"},
		{"D003", "SS", "calc", "1500.00", "-", "-1500.00"},
		{"D004", "VOL", "calc", "0.00", "0.00", "0.00"},
		{"D006", "VOL", "calc", "-", "750.00", "750.00"},
	}
	if len(got) != len(want) {
		t.Fatalf("got %d differences %v, want %v", len(got), got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("difference %d: %v, want %v", i, got[i], want[i])
		}
	}
	// USD: A 10,500 + 7,500 + 1,500 + 0 − 250 + 100 = 19,350.00;
	// B 10,500 + 7,650 + 0 + 750 − 250 = 18,650.00; B − A = −700.00.
	// CAD: 400.00 both.
	if len(totals) != 2 || totals[0].Currency != "CAD" || !totals[0].Difference.IsZero() ||
		totals[1].A.StringFixed(2) != "19350.00" || totals[1].B.StringFixed(2) != "18650.00" || totals[1].Difference.StringFixed(2) != "-700.00" {
		t.Errorf("totals %+v", totals)
	}
}
