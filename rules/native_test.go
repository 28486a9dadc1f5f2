package rules

import (
	"testing"

	"github.com/incent/incent"
)

// nativeSales are sales and dealers that tell the expressions below apart:
// empty and negative money, a reversal, a split, dates, a rebate, a sale
// with every optional cell empty, and a missing dealer.
func nativeSales() (sales []*incent.Sale, dealers []*incent.Dealer) {
	a := &incent.Sale{DealID: "42", VIN: "1HGCM82633A004352", DealerCode: incent.Intern("D001"),
		SaleDate: incent.DateOf(2024, 7, 15), SaleType: incent.Intern("retail"), Condition: incent.Intern("new"),
		ModelCode: incent.Intern("SUV1"), ModelYear: 2024, Family: incent.Intern("suv"), MSRP: amt("40000"),
		SaleAmount: amt("38500.50"), Quantity: 1, Salesperson: "S1"}
	b := *a
	b.DealID, b.VIN, b.DealerCode, b.SaleDate = "43", "2T1BURHE0JC000001", incent.Intern("D002"), incent.DateOf(2024, 9, 30)
	b.MSRP, b.SaleAmount, b.Quantity, b.Salesperson = amt("61000"), amt("-59000"), -1, "S1:60;S2:40"
	b.ModelYear, b.SaleType, b.Family, b.ModelCode = 2025, incent.Intern("fleet"), incent.Intern("truck"), incent.Intern("TRK2")
	b.EditExtra(func(x *incent.SaleExtra) {
		x.Split, x.DeliveringDealer, x.RebateCode = "D002:50;D003:50", "D003", "CR-EV-1000"
		x.RebateAmount, x.ClaimDate = amt("1000"), incent.DateOf(2024, 10, 2)
	})
	c := &incent.Sale{DealID: "44", VIN: "3N1AB7AP5KY000002", DealerCode: incent.Intern("D009"),
		SaleDate: incent.DateOf(2024, 8, 1), SaleType: incent.Intern("lease"), ModelCode: incent.Intern("EV1"), Quantity: 2}
	da := &incent.Dealer{Code: "D001", Name: "North Motors", Group: "G1", Region: "NE", Segment: "metro", Currency: "USD", Email: "a@x.example"}
	db := &incent.Dealer{Code: "D002", Name: "South Auto", Region: "PR", Segment: "rural", Currency: "CAD"}
	return []*incent.Sale{a, &b, c}, []*incent.Dealer{da, db, nil}
}

// TestNativeMatchesMachine checks that the expressions of the plain kind
// are compiled to Go functions, that the others are not, and that both
// ways give what expr's machine gives, on every sale and dealer.
func TestNativeMatchesMachine(t *testing.T) {
	tests := []struct {
		expr   string
		native bool
	}{
		{`sale.msrp >= 40000 && dealer.region != "PR"`, true},
		{`sale.msrp > 39999.99 or sale.sale_amount < -1`, true},
		{`40000 <= sale.msrp`, true},
		{`sale.msrp == sale.sale_amount`, true},
		{`sale.rebate_amount != 0 && sale.msrp > -1.5`, true},
		{`sale.model_year == 2025`, true},
		{`sale.model_year in [2024, 2025]`, true},
		{`sale.model_year not in [2024]`, true},
		{`sale.quantity < 0 || sale.quantity == -1`, true},
		{`sale.family in ["truck", "suv"] or dealer.segment == "rural"`, true},
		{`sale.sale_type in ["retail"] and not (sale.condition == "used")`, true},
		{`!(dealer.region == "PR") && dealer.group != ""`, true},
		{`sale.sale_date >= "2024-08-01" && sale.claim_date <= "2024-10-01"`, true},
		{`sale.claim_date == ""`, true},
		{`dealer.code == dealer.dealer_code && dealer.name != "" && dealer.currency == "USD" && dealer.email != ""`, true},
		{`sale.deal_id == "42" || sale.vin > "3" || sale.dealer_code == "D008"`, true},
		{`sale.delivering_dealer == "D003" || sale.split == "x" || sale.salesperson == "S9" || sale.rebate_code == "CR-EV-1000"`, true},
		{`sale.model_code in ["SUV1", "EV1"] && sale.model_year >= 2024`, true},
		{`(sale.model_year > 2024) == (sale.quantity > 1)`, true},
		{`true && sale.model_year != 0`, true},
		{`sale["family"] == "suv"`, true},
		{`sale.model_year in 2024..2025`, true}, // the optimiser writes it as two comparisons
		// Left to the machine.
		{`hasPrefix(sale.model_code, "SUV")`, false},
		{`len(sale.vin) == 17 && sale.quantity > 0`, false},
		{`sale.model_year >= 2024.5`, false},
		{`sale.model_year + 1 > 2025`, false},
		{`sale.vin startsWith "1H"`, false},
		{`sale.family matches "^s"`, false},
		{`dealer?.region == "NE"`, false},
		{`$env.sale.family == "suv"`, false},
		{`let f = sale.family; f == "suv"`, false},
		{`sale.family in ["suv", sale.condition]`, false},
		{`sale.model_year > 2024 ? true : false`, false},
	}
	sales, dealers := nativeSales()
	for _, tt := range tests {
		t.Run(tt.expr, func(t *testing.T) {
			e, err := Compile(tt.expr, "p.yaml", 1, 1)
			if err != nil {
				t.Fatal(err)
			}
			if (e.native != nil) != tt.native {
				t.Errorf("compiled natively: %v, want %v", e.native != nil, tt.native)
			}
			trues := 0
			for _, s := range sales {
				for _, d := range dealers {
					want, werr := e.evalMachine(s, d)
					got, err := e.Eval(s, d)
					if got != want || (err == nil) != (werr == nil) {
						t.Errorf("sale %s, dealer %v: Eval = %v, %v; machine %v, %v", s.DealID, d, got, err, want, werr)
					}
					if want {
						trues++
					}
				}
			}
			if trues == 0 || trues == len(sales)*len(dealers) {
				t.Errorf("true for %d of %d sale and dealer pairs: the case tells nothing apart", trues, len(sales)*len(dealers))
			}
		})
	}
}

// FuzzNativeMatchesMachine compiles any text; when it compiles natively,
// the native form must give what the machine gives on every sale and
// dealer.
func FuzzNativeMatchesMachine(f *testing.F) {
	for _, s := range []string{
		`sale.msrp >= 40000 && dealer.region != "PR"`, `sale.model_year in [2024, 2025]`,
		`not (sale.family in ["truck"]) or sale.quantity < 0`, `sale.sale_date >= "2024-09-01"`,
		`sale.msrp == sale.rebate_amount`, `dealer.group == "" and sale.model_year != 2024`,
		`(sale.quantity == 1) != (dealer.segment == "rural")`, `-sale.quantity == 1`,
	} {
		f.Add(s)
	}
	sales, dealers := nativeSales()
	f.Fuzz(func(t *testing.T, text string) {
		e, err := Compile(text, "fuzz.yaml", 1, 1)
		if err != nil || e.native == nil {
			return
		}
		for _, s := range sales {
			for _, d := range dealers {
				want, werr := e.evalMachine(s, d)
				if got := e.native(s, d); werr != nil || got != want {
					t.Fatalf("%q on sale %s, dealer %v: native %v, machine %v (%v)", text, s.DealID, d, got, want, werr)
				}
			}
		}
	})
}
