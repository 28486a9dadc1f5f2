package rules

import (
	"sync"
	"testing"

	"github.com/expr-lang/expr"
	"github.com/incent/incent"
)

func TestExprEval(t *testing.T) {
	sale := func(msrp string) *incent.Sale {
		return &incent.Sale{
			DealID: "42", VIN: "1HGCM82633A004352", DealerCode: incent.Intern("D001"),
			SaleDate: incent.DateOf(2024, 7, 15),
			SaleType: incent.Intern("retail"), Condition: incent.Intern("new"), ModelCode: incent.Intern("SUV1"), ModelYear: 2024,
			Family: incent.Intern("suv"), MSRP: amt(msrp),
			SaleAmount: amt("38500.50"), Quantity: 1,
		}
	}
	d001 := &incent.Dealer{Code: "D001", Name: "North Motors", Group: "G1", Region: "NE", Segment: "metro", Currency: "USD"}
	pr := &incent.Dealer{Code: "D009", Region: "PR"}
	tests := []struct {
		expr   string
		sale   *incent.Sale
		dealer *incent.Dealer
		want   bool
	}{
		{"sale.msrp >= 40000", sale("40000.00"), d001, true},
		{"sale.msrp >= 40000", sale("39999.99"), d001, false},
		{"40000 <= sale.msrp", sale("40000.00"), d001, true},
		{"sale.msrp == 39999.99", sale("39999.99"), d001, true},
		{"sale.msrp != 39999.99", sale("39999.99"), d001, false},
		{"39999.99 == sale.msrp", sale("39999.990"), d001, true},
		{"sale.msrp == 40000", sale("40000.00"), d001, true},
		{"sale.msrp > 0.1", sale("0.1"), d001, false},
		{"sale.msrp >= 0.1", sale("0.1"), d001, true},
		{"sale.msrp < 0.30000000000000004", sale("0.3"), d001, true},
		{"sale.msrp > 9007199254740992", sale("9007199254740993"), d001, true}, // 2^53+1: equal as floats
		{"sale.msrp > sale.sale_amount", sale("40000"), d001, true},
		{"sale.msrp > -1.5 && -2 < sale.msrp && sale.msrp < 1e5", sale("0"), d001, true},
		{"sale.rebate_amount == 0", sale("1"), d001, true},
		{"sale.sale_amount == 38500.5", sale("1"), d001, true},
		{"sale.msrp >= 40000 && dealer.region != \"PR\"", sale("45000"), d001, true},
		{"sale.msrp >= 40000 && dealer.region != \"PR\"", sale("45000"), pr, false},
		{"dealer.region != \"PR\"", sale("1"), nil, true},
		{"dealer.code == dealer.dealer_code && dealer.group == \"G1\"", sale("1"), d001, true},
		{"sale.model_year == 2024", sale("1"), d001, true},
		{"sale.model_year in [2025, 2026]", sale("1"), d001, false},
		{"sale.model_year >= 2024.5", sale("1"), d001, false},
		{"sale.quantity == 1 && sale.sale_type in [\"retail\", \"lease\"]", sale("1"), d001, true},
		{"sale.sale_date >= \"2024-07-01\" && sale.sale_date <= \"2024-09-30\"", sale("1"), d001, true},
		{"sale.claim_date == \"\"", sale("1"), d001, true},
		{"hasPrefix(sale.model_code, \"SUV\") && len(sale.vin) == 17", sale("1"), d001, true},
		{"upper(sale.family) == \"SUV\"", sale("1"), d001, true},
		{"sale.msrp == 0 && sale.model_code == \"\"", nil, nil, true},
	}
	for _, tt := range tests {
		t.Run(tt.expr, func(t *testing.T) {
			e, err := Compile(tt.expr, "p.yaml", 1, 1)
			if err != nil {
				t.Fatalf("Compile: %v", err)
			}
			got, err := e.Eval(tt.sale, tt.dealer)
			if err != nil {
				t.Fatalf("Eval: %v", err)
			}
			if got != tt.want {
				t.Errorf("Eval = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestCompileErrors(t *testing.T) {
	tests := []struct {
		expr string
		want string
	}{
		{"sale.msrpp > 1", `p.yaml:4:16: expression "sale.msrpp > 1": sale has no column msrpp`},
		{"dealer.zone == \"x\"", `p.yaml:4:18: expression "dealer.zone == \"x\"": dealer has no column zone`},
		{"sale.model_year", `p.yaml:4:11: expression "sale.model_year": must be true or false, but it gives int`},
		{"sale.msrp * 2 > 1", `p.yaml:4:21: expression "sale.msrp * 2 > 1": invalid operation: * (mismatched types money and int) (money can only be compared, with ==, !=, <, <=, > or >=)`},
		{"sale.msrp == \"40000\"", `p.yaml:4:21: expression "sale.msrp == \"40000\"": invalid operation: == (mismatched types money and string) (money can only be compared, with ==, !=, <, <=, > or >=)`},
		{"sale.msrp in [1, 2]", `p.yaml:4:21: expression "sale.msrp in [1, 2]": cannot use money as type int in array (money can only be compared, with ==, !=, <, <=, > or >=)`},
		{"now() > 1", `p.yaml:4:11: expression "now() > 1": unknown name now`},
		{"sale.vin ==", `p.yaml:4:21: expression "sale.vin ==": unexpected token EOF`},
		{"sale.vin == \"x\" &&\nsale.msrp > ", `p.yaml:5:22: expression "sale.vin == \"x\" &&\nsale.msrp > ": unexpected token EOF`},
		{"  ", `p.yaml:4:11: expression is empty`},
	}
	for _, tt := range tests {
		t.Run(tt.expr, func(t *testing.T) {
			_, err := Compile(tt.expr, "p.yaml", 4, 11)
			if err == nil {
				t.Fatal("Compile succeeded")
			}
			le, ok := err.(*LoadError)
			if !ok {
				t.Fatalf("error is %T, want *LoadError", err)
			}
			if le.Error() != tt.want {
				t.Errorf("error\n got %s\nwant %s", le.Error(), tt.want)
			}
		})
	}
}

func TestExprConcurrent(t *testing.T) {
	e, err := Compile(`sale.msrp >= 40000 && sale.sale_date >= "2024-07-01"`, "p.yaml", 1, 1)
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			for i := 0; i < 500; i++ {
				msrp := "39999.99"
				if (g+i)%2 == 0 {
					msrp = "40000"
				}
				s := &incent.Sale{MSRP: incent.AmountOf(dec(msrp)), SaleDate: incent.DateOf(2024, 8, 1)}
				got, err := e.Eval(s, nil)
				if err != nil || got != ((g+i)%2 == 0) {
					t.Errorf("Eval(%s) = %v, %v", msrp, got, err)
					return
				}
			}
		}(g)
	}
	wg.Wait()
}

// BenchmarkExprEval measures one evaluation as Eval does it (natively, for
// this plain expression), on a pooled VM, and on a new VM per evaluation
// (what expr.Run does), which Eval does not use.
func BenchmarkExprEval(b *testing.B) {
	e, err := Compile(`sale.msrp >= 40000 && dealer.region != "PR" && sale.model_year in [2024, 2025]`, "p.yaml", 1, 1)
	if err != nil {
		b.Fatal(err)
	}
	s := &incent.Sale{MSRP: incent.AmountOf(dec("41250.00")), ModelYear: 2024, SaleDate: incent.DateOf(2024, 8, 1), ModelCode: incent.Intern("SUV1")}
	d := &incent.Dealer{Code: "D001", Region: "NE"}
	if e.native == nil {
		b.Fatal("the expression did not compile natively")
	}
	b.Run("eval", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if ok, err := e.Eval(s, d); !ok || err != nil {
				b.Fatal(ok, err)
			}
		}
	})
	b.Run("pooled-vm", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if ok, err := e.evalMachine(s, d); !ok || err != nil {
				b.Fatal(ok, err)
			}
		}
	})
	b.Run("new-vm", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			st := new(evalState)
			e.setEnv(st, s, d)
			if out, err := expr.Run(e.program, &st.env); out != true || err != nil {
				b.Fatal(out, err)
			}
		}
	})
	b.Run("pooled-vm-parallel", func(b *testing.B) {
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if ok, err := e.evalMachine(s, d); !ok || err != nil {
					b.Error(ok, err)
					return
				}
			}
		})
	})
}

// TestReadsOnlyAttributes tells expressions whose value follows from a
// sale's and its dealer's attribute columns from those that read anything
// else, name a whole variable or call a function.
func TestReadsOnlyAttributes(t *testing.T) {
	for _, tc := range []struct {
		text string
		want bool
	}{
		{`dealer.region != "PR"`, true},
		{`dealer.segment == "rural"`, true},
		{`sale.model_year == 2025`, true},
		{`sale.sale_type in ["retail", "lease"] && sale.family == "truck"`, true},
		{`sale.condition == "new" || (dealer.region == "CA" and sale.model_code startsWith "EV")`, true},
		{`sale["model_year"] >= 2024`, true},
		{`true`, true},
		{`sale.msrp >= 30000 && dealer.region != "PR"`, false},
		{`sale.vin startsWith "1N"`, false},
		{`sale.deal_id != ""`, false},
		{`sale.salesperson == "S1"`, false},
		{`sale.sale_date >= "2024-09-01"`, false},
		{`dealer.code == "D001"`, false},
		{`dealer.name contains "Motors"`, false},
		{`sale == nil`, false},
		{`len(sale.model_code) > 3`, false},
		{`upper(dealer.region) == "CA"`, false},
		{`$env.sale.family == "truck"`, false},
		{`let f = sale.family; f == "truck"`, false},
	} {
		e, err := Compile(tc.text, "p.yaml", 1, 1)
		if err != nil {
			t.Fatalf("%s: %v", tc.text, err)
		}
		if got := e.ReadsOnlyAttributes(); got != tc.want {
			t.Errorf("%s: ReadsOnlyAttributes = %v, want %v", tc.text, got, tc.want)
		}
	}
}

// FuzzCompileExpr compiles any text as a condition: it never panics, and an
// expression said to read only attribute columns gives the same value for
// two sales (and dealers) that differ in every other column.
func FuzzCompileExpr(f *testing.F) {
	for _, s := range []string{
		`dealer.region != "PR"`, `sale.msrp >= 30000 && dealer.region != "PR"`,
		`sale.model_year == 2025`, `sale.family in ["truck", "suv"] or dealer.segment == "rural"`,
		`sale.vin startsWith "1N"`, `len(sale.deal_id) > 3`, `sale == nil`, `$env.sale.family == "truck"`,
		`let f = sale.family; f == "truck"`, `sale.sale_date >= "2024-09-01"`, `dealer?.region == "CA"`,
	} {
		f.Add(s)
	}
	a := &incent.Sale{DealID: "42", VIN: "1HGCM82633A004352", DealerCode: incent.Intern("D001"),
		SaleDate: incent.DateOf(2024, 7, 15), SaleType: incent.Intern("retail"), Condition: incent.Intern("new"),
		ModelCode: incent.Intern("SUV1"), ModelYear: 2024, Family: incent.Intern("suv"), MSRP: amt("40000"),
		SaleAmount: amt("38500.50"), Quantity: 1}
	b := *a
	b.DealID, b.VIN, b.DealerCode, b.SaleDate = "43", "2T1BURHE0JC000001", incent.Intern("D002"), incent.DateOf(2024, 9, 30)
	b.MSRP, b.SaleAmount, b.Quantity, b.Salesperson = amt("61000"), amt("59000"), -1, "S1:60;S2:40"
	da := &incent.Dealer{Code: "D001", Name: "North Motors", Group: "G1", Region: "NE", Segment: "metro", Currency: "USD"}
	db := &incent.Dealer{Code: "D002", Name: "South Auto", Group: "G2", Region: "NE", Segment: "metro", Currency: "CAD"}
	f.Fuzz(func(t *testing.T, text string) {
		e, err := Compile(text, "fuzz.yaml", 1, 1)
		if err != nil {
			return
		}
		va, erra := e.Eval(a, da)
		vb, errb := e.Eval(&b, db)
		if e.ReadsOnlyAttributes() && (va != vb || (erra == nil) != (errb == nil)) {
			t.Fatalf("%q reads only attributes, but gives %v (%v) and %v (%v) for sales alike in them", text, va, erra, vb, errb)
		}
	})
}
