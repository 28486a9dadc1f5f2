package statements

import (
	"bytes"
	"fmt"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/incent/incent"
)

func fixtureSummary(t testing.TB, payees, programs int) *Summary {
	t.Helper()
	usd, eur := currency(t, "USD"), currency(t, "EUR")
	s := &Summary{
		Period: period(t, "2024Q3"),
		RunID:  "2024Q3-20241004-0001",
		Inputs: []InputReconciliation{
			{File: "data/sales/july.csv", Kind: "sales", Read: 1200, Accepted: 1190, Rejected: 7, Duplicate: 3},
			{File: "data/dealers.csv", Kind: "dealers", Read: 40, Accepted: 40},
		},
		Rejects: 7,
	}
	for p := range payees {
		for g := range programs {
			cur := usd
			if g%3 == 2 {
				cur = eur
			}
			s.Rows = append(s.Rows, SummaryRow{
				PayeeType: "dealer", Payee: fmt.Sprintf("D%04d", p+1), Name: fmt.Sprintf("Dealer %d", p+1),
				ProgramID: fmt.Sprintf("P%02d", g+1), ProgramVersion: 1, Kind: "calc", Currency: cur,
				Measure: dec(t, fmt.Sprintf("%d.5", p%40)), Tier: "Tier 1 (from 10 units)",
				Amount: dec(t, fmt.Sprintf("%d.%02d", 100+p, g)),
			})
		}
	}
	return s
}

func renderSummary(t testing.TB, s *Summary) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := RenderSummary(&buf, s); err != nil {
		t.Fatalf("RenderSummary: %v", err)
	}
	return buf.Bytes()
}

func TestRenderSummary(t *testing.T) {
	s := fixtureSummary(t, 2, 3)
	s.Rows = append(s.Rows, SummaryRow{
		PayeeType: "dealer", Payee: "D0001", Name: "=cmd()", ProgramID: "P01", ProgramVersion: 1,
		Kind: "manual", Currency: currency(t, "USD"), Amount: dec(t, "-50.00"), Flags: "-variance 40% vs 2024Q2",
	})
	f := openXLSX(t, renderSummary(t, s))
	if diff := cmp.Diff([]string{"Payouts", "Totals", "Inputs", "Flags"}, f.GetSheetList()); diff != "" {
		t.Errorf("sheets (-want +got):\n%s", diff)
	}

	payouts := rawRows(t, f, "Payouts")
	wantPayouts := [][]string{
		{"Payee type", "Payee", "Name", "Program", "Version", "Kind", "Currency", "Measure", "Tier", "Amount", "Flags"},
		{"dealer", "D0001", "Dealer 1", "P01", "1", "calc", "USD", "0.5", "Tier 1 (from 10 units)", "100"},
		{"dealer", "D0001", "Dealer 1", "P02", "1", "calc", "USD", "0.5", "Tier 1 (from 10 units)", "100.01"},
		{"dealer", "D0001", "Dealer 1", "P03", "1", "calc", "EUR", "0.5", "Tier 1 (from 10 units)", "100.02"},
		{"dealer", "D0002", "Dealer 2", "P01", "1", "calc", "USD", "1.5", "Tier 1 (from 10 units)", "101"},
		{"dealer", "D0002", "Dealer 2", "P02", "1", "calc", "USD", "1.5", "Tier 1 (from 10 units)", "101.01"},
		{"dealer", "D0002", "Dealer 2", "P03", "1", "calc", "EUR", "1.5", "Tier 1 (from 10 units)", "101.02"},
		{"dealer", "D0001", "'=cmd()", "P01", "1", "manual", "USD", "0", "", "-50", "'-variance 40% vs 2024Q2"},
	}
	if diff := cmp.Diff(wantPayouts, payouts); diff != "" {
		t.Errorf("Payouts (-want +got):\n%s", diff)
	}
	checkNumber(t, f, "Payouts", "J3", dec(t, "100.01"), "#,##0.00")
	checkNumber(t, f, "Payouts", "H2", dec(t, "0.5"), "")

	totals := rawRows(t, f, "Totals")
	p01 := findRow(t, totals, "P01")
	wantP01 := []string{"P01", "USD", "2", "3", "201", "-50", "151"}
	if diff := cmp.Diff(wantP01, totals[p01-1]); diff != "" {
		t.Errorf("Totals P01 (-want +got):\n%s", diff)
	}
	checkNumber(t, f, "Totals", cellName(t, 7, p01), dec(t, "151"), "#,##0.00")
	eur := findRow(t, totals, "EUR")
	if diff := cmp.Diff([]string{"EUR", "2", "2", "201.04", "0", "201.04"}, totals[eur-1]); diff != "" {
		t.Errorf("Totals EUR (-want +got):\n%s", diff)
	}
	usd := findRow(t, totals, "USD")
	if diff := cmp.Diff([]string{"USD", "2", "5", "402.02", "-50", "352.02"}, totals[usd-1]); diff != "" {
		t.Errorf("Totals USD (-want +got):\n%s", diff)
	}

	inputs := rawRows(t, f, "Inputs")
	wantInputs := [][]string{
		{"File", "Kind", "Read", "Accepted", "Rejected", "Duplicate", "Reconciles"},
		{"data/sales/july.csv", "sales", "1200", "1190", "7", "3", "yes"},
		{"data/dealers.csv", "dealers", "40", "40", "0", "0", "yes"},
	}
	if diff := cmp.Diff(wantInputs, inputs); diff != "" {
		t.Errorf("Inputs (-want +got):\n%s", diff)
	}

	flags := rawRows(t, f, "Flags")
	if len(flags) != 2 || flags[1][5] != "'-variance 40% vs 2024Q2" {
		t.Errorf("Flags = %q, want the one flagged row", flags)
	}
}

func TestRenderSummaryReconciliationMismatch(t *testing.T) {
	s := fixtureSummary(t, 1, 1)
	s.Inputs[0].Accepted--
	f := openXLSX(t, renderSummary(t, s))
	if got, _ := f.GetCellValue("Inputs", "G2"); got != "NO" {
		t.Errorf("Inputs!G2 = %q, want NO for a file whose rows do not add up", got)
	}
}

func TestRenderSummaryEmpty(t *testing.T) {
	f := openXLSX(t, renderSummary(t, &Summary{Period: period(t, "2024"), RunID: "r0"}))
	if rows := rawRows(t, f, "Payouts"); len(rows) != 1 {
		t.Errorf("Payouts has %d rows, want just the header", len(rows))
	}
}

func TestRenderSummaryDeterministic(t *testing.T) {
	s := fixtureSummary(t, 50, 6)
	a, b := renderSummary(t, s), renderSummary(t, s)
	if !bytes.Equal(a, b) {
		t.Fatalf("two renders differ (%d and %d bytes)", len(a), len(b))
	}
}

// TestTotalsPayees counts the distinct payees of each program and currency
// by hand, for rows that come by payee (as a run's do) and for the same
// rows in another order: the count must not depend on it.
func TestTotalsPayees(t *testing.T) {
	usd, eur := currency(t, "USD"), currency(t, "EUR")
	row := func(typ, payee, program string, c incent.Currency) SummaryRow {
		return SummaryRow{PayeeType: typ, Payee: payee, ProgramID: program, Currency: c, Amount: dec(t, "1")}
	}
	byPayee := []SummaryRow{
		row("dealer", "D1", "P1", usd),
		row("dealer", "D1", "P1", usd), // an adjustment row of the same payee
		row("dealer", "D1", "P2", eur),
		row("dealer", "D2", "P1", usd),
		row("group", "D1", "P1", usd), // another kind of payee with the same code
		row("salesperson", "S1", "P2", eur),
	}
	want := map[[2]string][2]int{ // program, currency: payees, lines
		{"P1", "USD"}: {3, 4},
		{"P2", "EUR"}: {2, 2},
	}
	mixed := []SummaryRow{byPayee[3], byPayee[0], byPayee[5], byPayee[4], byPayee[2], byPayee[1]}
	for name, rows := range map[string][]SummaryRow{"by payee": byPayee, "mixed": mixed} {
		got := map[[2]string][2]int{}
		for _, tt := range totals(rows, func(r *SummaryRow) (string, string) { return r.ProgramID, r.Currency.Code }) {
			got[[2]string{tt.program, tt.currency.Code}] = [2]int{tt.payees, tt.lines}
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("%s: payees and lines per program (-want +got):\n%s", name, diff)
		}
	}
}
