package main

import (
	"encoding/csv"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"
)

// TestPayoutsMatchAPlainComputation computes the payout lines of nine
// programs of a generated quarter a second time, plainly, straight from the
// CSV files: maps of decimals, the formulas of the specification written
// out again, none of incent's code but the run's rejects.csv (which rows
// it refused; ingest is checked on its own). Every line of payouts.csv
// for those programs must be the same, measure and amount. The generated
// quarter has the cases a hand-made one misses: dealer trades, split deals
// across groups and outside them, reversals, duplicates, empty model years
// and claim dates, sales without an MSRP, capped measures and amounts, co-op
// funds used up part-way through a claim.
func TestPayoutsMatchAPlainComputation(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "ws")
	if r := incentCmd(t, "gen", dir, "--dealers", "160", "--sales", "40000", "--seed", "5"); r.code != 0 {
		t.Fatalf("gen: exit %d: %s", r.code, r.stderr)
	}
	if r := incentCmd(t, "calc", "--period", "2024Q3", "--config", filepath.Join(dir, "incent.yaml"), "--statements=false"); r.code != 0 {
		t.Fatalf("calc: exit %d: %s", r.code, r.stderr)
	}
	run := filepath.Join(dir, "out", "2024Q3", "2024Q3-R001")

	// The oracle below hard-codes the generated programs' terms; a change
	// to the generator fails here, by name, rather than as odd amounts.
	for file, terms := range map[string][]string{
		"VOL-2024Q3":     {"sale_types: [retail, lease]", "conditions: [new]", `dealer.segment == "rural"`, "factor: 1.2", "threshold: 75", "per_unit: 150"},
		"SS-2024Q3-SUV":  {"models: [SUV1, SUV2, SUV3]", "model_years: [2024, 2025]", "to: delivering_dealer", "sale.model_year == 2025", "factor: 1.25", "cap: {amount: 60000}", "basis: retroactive", "{from: 15, per_unit: 100}", "{from: 38, per_unit: 200}", "{from: 75, per_unit: 300}"},
		"COMM-2024Q3-SP": {"payee: salesperson", "cap: {amount: 25000}", "basis: marginal", "{from: 0, rate: 0.0015}", "{from: 500000, rate: 0.0025}", "{from: 1000000, rate: 0.004}", "family_rates: {ev: 1.5, truck: 0.75}", "{month: 2024-09, add_rate: 0.0005}"},
		"MIX-2024Q3-EV":  {"conditions: [new]", "rates: {EV1: 750, EV2: 1000, HYB1: 250}", "qualify: {min_share: 0.08, of: [EV1, EV2]}"},
		"VOL-2024Q3-GRP": {"payee: group", "cap: {measure: 5000}", "threshold: 500", "per_unit: 40"},
		"SS-2024Q3-OBJ":  {"sale_types: [retail]", `dealer.region != "PR"`, "measure: objective_pct", "objective_key: RETAIL-2024Q3", "base: msrp", "{from: 90, rate: 0.005}", "{from: 100, rate: 0.01}", "{from: 125, rate: 0.0175}"},
		"COOP-2024Q3":    {"accrual: {per_unit: 150}", "reimburse: 0.5", "claim_deadline_days: 45"},
		"REB-2024Q3-EV":  {`models: ["EV*"]`, "rebates: {CR-EV-1000: 1000, CR-EV-500: 500}", "claim_window_days: 30"},
		"CERT-2024Q3-EV": {`models: ["EV*"]`, "certification: EV", "amount: 2500", "per_unit: 50", "require: whole_period"},
	} {
		text, err := os.ReadFile(filepath.Join(dir, "programs", file+".yaml"))
		if err != nil {
			t.Fatal(err)
		}
		for _, term := range terms {
			if !strings.Contains(string(text), term) {
				t.Fatalf("programs/%s.yaml no longer says %q: the oracle needs updating", file, term)
			}
		}
	}

	o := loadOracle(t, dir, run)
	want := o.payouts()
	got := map[oracleKey]oracleLine{}
	for _, rec := range readCSV(t, filepath.Join(run, "payouts.csv"))[1:] {
		// period,run_id,payee_type,payee,program_id,program_version,kind,currency,measure,tier,amount
		k := oracleKey{rec[3], rec[4]}
		if _, ok := oraclePrograms[k.program]; !ok || rec[6] != "calc" {
			continue
		}
		got[k] = oracleLine{measure: decimal.RequireFromString(rec[8]), amount: decimal.RequireFromString(rec[10])}
	}

	paid := map[string]int{}
	diffs := 0
	for _, k := range oracleKeys(want, got) {
		w, inWant := want[k]
		g, inGot := got[k]
		switch {
		case !inWant && inGot && g.amount.IsZero():
			// A payee whose sales were all reversed within the period:
			// incent writes the line, at 0.00, to show both.
			continue
		case !inWant || !inGot:
			diffs++
			if diffs <= 20 {
				t.Errorf("%s %s: computed %v, incent %v", k.payee, k.program, inWant, inGot)
			}
			continue
		}
		wm, gm := w.measure, g.measure
		if k.program == "SS-2024Q3-OBJ" { // a percentage, printed to 4 places
			wm, gm = wm.Round(4), gm.Round(4)
		}
		if !w.amount.Equal(g.amount) || (oraclePrograms[k.program] && !wm.Equal(gm)) {
			diffs++
			if diffs <= 20 {
				t.Errorf("%s %s: computed measure %s amount %s, incent measure %s amount %s", k.payee, k.program, w.measure, w.amount, g.measure, g.amount)
			}
		}
		if !g.amount.IsZero() {
			paid[k.program]++
		}
	}
	if diffs > 20 {
		t.Errorf("... %d lines differ in all", diffs)
	}
	// The comparison means something only if every program pays someone.
	for p := range oraclePrograms {
		if paid[p] < 10 {
			t.Errorf("%s pays %d payees; the generated quarter should exercise it more", p, paid[p])
		}
	}
	t.Logf("%d payout lines compared", len(got))
}

// oraclePrograms are the programs the oracle computes, each with whether
// its measure is compared too (for the others, amounts alone).
var oraclePrograms = map[string]bool{
	"VOL-2024Q3": true, "SS-2024Q3-SUV": true, "COMM-2024Q3-SP": true, "MIX-2024Q3-EV": true,
	"VOL-2024Q3-GRP": true, "SS-2024Q3-OBJ": true, "COOP-2024Q3": false, "REB-2024Q3-EV": false, "CERT-2024Q3-EV": false,
}

type oracleKey struct{ payee, program string }

type oracleLine struct{ measure, amount decimal.Decimal }

type oracleSale map[string]string

type oracle struct {
	t        *testing.T
	dir      string
	rejected map[string]bool // "file:row"
	dealers  map[string]map[string]string
	live     []oracleSale // accepted sales that no reversal cancelled
}

func readRaggedCSV(t *testing.T, path string) [][]string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r := csv.NewReader(f)
	r.FieldsPerRecord = -1
	var out [][]string
	for {
		rec, err := r.Read()
		if err == io.EOF {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, rec)
	}
}

// rows reads a CSV file of the workspace as maps by header, leaving out
// the rows the run rejected and rows identical to an earlier one.
func (o *oracle) rows(rel string, seen map[string]bool) []oracleSale {
	recs := readRaggedCSV(o.t, filepath.Join(o.dir, rel))
	var out []oracleSale
	for i, rec := range recs[1:] {
		if o.rejected[fmt.Sprintf("%s:%d", rel, i+2)] {
			continue
		}
		if seen != nil {
			line := strings.Join(rec, "\x00")
			if seen[line] {
				continue
			}
			seen[line] = true
		}
		row := oracleSale{}
		for j, h := range recs[0] {
			row[h] = rec[j]
		}
		out = append(out, row)
	}
	return out
}

func loadOracle(t *testing.T, dir, run string) *oracle {
	o := &oracle{t: t, dir: dir, rejected: map[string]bool{}, dealers: map[string]map[string]string{}}
	for _, rec := range readCSV(t, filepath.Join(run, "rejects.csv"))[1:] {
		o.rejected[rec[0]+":"+rec[1]] = true
	}
	for _, d := range o.rows("data/dealers.csv", nil) {
		o.dealers[d["dealer_code"]] = d
	}
	files, err := filepath.Glob(filepath.Join(dir, "data", "sales", "*.csv"))
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(files)
	seen := map[string]bool{}
	var sales []oracleSale
	for _, f := range files {
		rel, _ := filepath.Rel(dir, f)
		for _, s := range o.rows(filepath.ToSlash(rel), seen) {
			if s["condition"] == "" {
				s["condition"] = "new"
			}
			if s["model_year"] == "" { // from VIN position 10
				s["model_year"] = fmt.Sprint(2010 + strings.IndexByte("ABCDEFGHJKLMNPRSTVWXY", s["vin"][9]))
			}
			if s["claim_date"] == "" {
				s["claim_date"] = s["sale_date"]
			}
			sales = append(sales, s)
		}
	}
	// A reversal cancels the latest earlier sale of its VIN at its dealer.
	originals := map[string][]int{}
	for i, s := range sales {
		if s["quantity"] != "-1" {
			originals[s["vin"]+"/"+s["dealer_code"]] = append(originals[s["vin"]+"/"+s["dealer_code"]], i)
		}
	}
	cancelled := map[int]bool{}
	for _, s := range sales {
		if s["quantity"] != "-1" {
			continue
		}
		best := -1
		for _, i := range originals[s["vin"]+"/"+s["dealer_code"]] {
			if !cancelled[i] && sales[i]["sale_date"] <= s["sale_date"] && (best < 0 || sales[i]["sale_date"] > sales[best]["sale_date"]) {
				best = i
			}
		}
		if best < 0 {
			t.Fatalf("reversal of %s at %s has no original, yet was not rejected", s["vin"], s["dealer_code"])
		}
		cancelled[best] = true
	}
	for i, s := range sales {
		if s["quantity"] != "-1" && !cancelled[i] {
			o.live = append(o.live, s)
		}
	}
	return o
}

func orDec(s string) decimal.Decimal { return decimal.RequireFromString(s) }

// money reads a canonical money cell: 1234.5, 1,234.50, $1,234.50,
// (1,234.50); empty is zero.
func orMoney(s string) decimal.Decimal {
	neg := strings.HasPrefix(s, "(")
	s = strings.NewReplacer("(", "", ")", "", "$", "", ",", "").Replace(s)
	if s == "" {
		return decimal.Zero
	}
	if neg {
		return orDec(s).Neg()
	}
	return orDec(s)
}

func orCents(x decimal.Decimal) decimal.Decimal { return x.Round(2) } // half away from zero

type orShare struct {
	code     string
	fraction decimal.Decimal
}

// dealerShares are the dealers a sale credits: its split, else its
// selling (or delivering) dealer.
func orDealerShares(s oracleSale, delivering bool) []orShare {
	if s["split"] != "" {
		var out []orShare
		for _, part := range strings.Split(s["split"], ";") {
			code, pct, _ := strings.Cut(part, ":")
			out = append(out, orShare{strings.TrimSpace(code), orDec(pct).Div(orDec("100"))})
		}
		return out
	}
	if delivering && s["delivering_dealer"] != "" {
		return []orShare{{s["delivering_dealer"], decimal.NewFromInt(1)}}
	}
	return []orShare{{s["dealer_code"], decimal.NewFromInt(1)}}
}

// people are the salespeople of a sale with their shares, equal when none
// are given.
func orPeople(cell string) []orShare {
	var out []orShare
	parts := strings.Split(cell, ";")
	for _, p := range parts {
		if code, pct, ok := strings.Cut(p, ":"); ok {
			out = append(out, orShare{strings.TrimSpace(code), orDec(pct).Div(orDec("100"))})
		} else {
			out = append(out, orShare{strings.TrimSpace(p), decimal.NewFromInt(1).Div(decimal.NewFromInt(int64(len(parts))))})
		}
	}
	return out
}

func orQty(s oracleSale) decimal.Decimal { return orDec(s["quantity"]) }

func newRetailLease(s oracleSale) bool {
	return (s["sale_type"] == "retail" || s["sale_type"] == "lease") && s["condition"] == "new"
}

func (o *oracle) payouts() map[oracleKey]oracleLine {
	out := map[oracleKey]oracleLine{}
	add := func(program string, measures map[string]decimal.Decimal, amount func(payee string, m decimal.Decimal) (decimal.Decimal, decimal.Decimal)) {
		for payee, m := range measures {
			shown, a := amount(payee, m)
			out[oracleKey{payee, program}] = oracleLine{shown, orCents(a)}
		}
	}
	zero := decimal.Zero

	// VOL-2024Q3: 150 per unit beyond 75; a rural dealer's units count 1.2.
	m := map[string]decimal.Decimal{}
	for _, s := range o.live {
		if newRetailLease(s) {
			f := orDec("1")
			if o.dealers[s["dealer_code"]]["segment"] == "rural" {
				f = orDec("1.2")
			}
			for _, sh := range orDealerShares(s, false) {
				m[sh.code] = m[sh.code].Add(orQty(s).Mul(sh.fraction).Mul(f))
			}
		}
	}
	add("VOL-2024Q3", m, func(_ string, m decimal.Decimal) (decimal.Decimal, decimal.Decimal) {
		return m, decimal.Max(zero, m.Sub(orDec("75"))).Mul(orDec("150"))
	})

	// SS-2024Q3-SUV: retroactive units, to the delivering dealer, model
	// year 2025 at 1.25, capped at 60,000.
	m = map[string]decimal.Decimal{}
	for _, s := range o.live {
		if newRetailLease(s) && slices.Contains([]string{"SUV1", "SUV2", "SUV3"}, s["model_code"]) && (s["model_year"] == "2024" || s["model_year"] == "2025") {
			f := orDec("1")
			if s["model_year"] == "2025" {
				f = orDec("1.25")
			}
			for _, sh := range orDealerShares(s, true) {
				m[sh.code] = m[sh.code].Add(orQty(s).Mul(sh.fraction).Mul(f))
			}
		}
	}
	add("SS-2024Q3-SUV", m, func(_ string, m decimal.Decimal) (decimal.Decimal, decimal.Decimal) {
		rate := zero
		for _, t := range [][2]string{{"15", "100"}, {"38", "200"}, {"75", "300"}} {
			if m.GreaterThanOrEqual(orDec(t[0])) {
				rate = orDec(t[1])
			}
		}
		return m, decimal.Min(orDec("60000"), m.Mul(rate))
	})

	// COMM-2024Q3-SP: salespeople, marginal bands on revenue, EV revenue
	// at 1.5 and trucks' at 0.75, 0.05% more on September's, capped.
	m = map[string]decimal.Decimal{}
	september := map[string]decimal.Decimal{}
	for _, s := range o.live {
		if newRetailLease(s) && s["salesperson"] != "" {
			f := map[string]string{"ev": "1.5", "truck": "0.75"}[s["family"]]
			if f == "" {
				f = "1"
			}
			for _, p := range orPeople(s["salesperson"]) {
				v := orMoney(s["sale_amount"]).Mul(p.fraction).Mul(orDec(f))
				m[p.code] = m[p.code].Add(v)
				if strings.HasPrefix(s["sale_date"], "2024-09") {
					september[p.code] = september[p.code].Add(v)
				}
			}
		}
	}
	add("COMM-2024Q3-SP", m, func(payee string, m decimal.Decimal) (decimal.Decimal, decimal.Decimal) {
		a := decimal.Min(m, orDec("500000")).Mul(orDec("0.0015")).
			Add(decimal.Max(zero, decimal.Min(m, orDec("1000000")).Sub(orDec("500000"))).Mul(orDec("0.0025"))).
			Add(decimal.Max(zero, m.Sub(orDec("1000000"))).Mul(orDec("0.004"))).
			Add(september[payee].Mul(orDec("0.0005")))
		return m, decimal.Min(a, orDec("25000"))
	})

	// MIX-2024Q3-EV: new sales of any type; per-model rates, paid only when
	// EV1 and EV2 are at least 8% of the dealer's units.
	m = map[string]decimal.Decimal{}
	evs, pay := map[string]decimal.Decimal{}, map[string]decimal.Decimal{}
	rates := map[string]string{"EV1": "750", "EV2": "1000", "HYB1": "250"}
	for _, s := range o.live {
		if s["condition"] == "new" {
			for _, sh := range orDealerShares(s, false) {
				u := orQty(s).Mul(sh.fraction)
				m[sh.code] = m[sh.code].Add(u)
				if s["model_code"] == "EV1" || s["model_code"] == "EV2" {
					evs[sh.code] = evs[sh.code].Add(u)
				}
				if r, ok := rates[s["model_code"]]; ok {
					pay[sh.code] = pay[sh.code].Add(u.Mul(orDec(r)))
				}
			}
		}
	}
	add("MIX-2024Q3-EV", m, func(payee string, m decimal.Decimal) (decimal.Decimal, decimal.Decimal) {
		if evs[payee].LessThan(m.Mul(orDec("0.08"))) {
			return m, zero
		}
		return m, pay[payee]
	})

	// VOL-2024Q3-GRP: each dealer's share to its group; the measure counted
	// up to 5,000; 40 per unit beyond 500.
	m = map[string]decimal.Decimal{}
	for _, s := range o.live {
		if newRetailLease(s) {
			for _, sh := range orDealerShares(s, false) {
				if g := o.dealers[sh.code]["group"]; g != "" {
					m[g] = m[g].Add(orQty(s).Mul(sh.fraction))
				}
			}
		}
	}
	add("VOL-2024Q3-GRP", m, func(_ string, m decimal.Decimal) (decimal.Decimal, decimal.Decimal) {
		m = decimal.Min(m, orDec("5000"))
		return m, decimal.Max(zero, m.Sub(orDec("500"))).Mul(orDec("40"))
	})

	// SS-2024Q3-OBJ: % of the RETAIL-2024Q3 objective, retroactive rate on
	// the credited MSRP; sales without an MSRP do not count; a dealer
	// without an objective gets a 0 line.
	objective := map[string]decimal.Decimal{}
	for _, r := range o.rows("data/objectives.csv", nil) {
		if r["period"] == "2024Q3" && r["objective_key"] == "RETAIL-2024Q3" {
			objective[r["dealer_code"]] = orDec(r["units"])
		}
	}
	m = map[string]decimal.Decimal{}
	msrp := map[string]decimal.Decimal{}
	for _, s := range o.live {
		if s["sale_type"] == "retail" && s["condition"] == "new" && o.dealers[s["dealer_code"]]["region"] != "PR" && s["msrp"] != "" {
			for _, sh := range orDealerShares(s, false) {
				m[sh.code] = m[sh.code].Add(orQty(s).Mul(sh.fraction))
				msrp[sh.code] = msrp[sh.code].Add(orMoney(s["msrp"]).Mul(orQty(s)).Mul(sh.fraction))
			}
		}
	}
	add("SS-2024Q3-OBJ", m, func(payee string, units decimal.Decimal) (decimal.Decimal, decimal.Decimal) {
		obj, ok := objective[payee]
		if !ok {
			return zero, zero
		}
		pct := units.Mul(orDec("100")).DivRound(obj, 12)
		rate := zero
		for _, t := range [][2]string{{"90", "0.005"}, {"100", "0.01"}, {"125", "0.0175"}} {
			if pct.GreaterThanOrEqual(orDec(t[0])) {
				rate = orDec(t[1])
			}
		}
		return pct, msrp[payee].Mul(rate)
	})

	// COOP-2024Q3: a fund of 150 per unit; half of each preapproved claim
	// invoiced in the period and submitted within 45 days after it, in
	// submission then id order, until the fund is used up.
	m = map[string]decimal.Decimal{}
	for _, s := range o.live {
		if newRetailLease(s) {
			for _, sh := range orDealerShares(s, false) {
				m[sh.code] = m[sh.code].Add(orQty(s).Mul(sh.fraction).Mul(orDec("150")))
			}
		}
	}
	claims := map[string][]oracleSale{}
	for _, c := range o.rows("data/coop-claims.csv", map[string]bool{}) {
		if c["program_id"] == "COOP-2024Q3" {
			claims[c["dealer_code"]] = append(claims[c["dealer_code"]], c)
		}
	}
	add("COOP-2024Q3", m, func(payee string, fund decimal.Decimal) (decimal.Decimal, decimal.Decimal) {
		cs := claims[payee]
		slices.SortFunc(cs, func(a, b oracleSale) int {
			return strings.Compare(a["submitted_date"]+a["claim_id"], b["submitted_date"]+b["claim_id"])
		})
		paid := zero
		for _, c := range cs {
			if c["preapproved"] != "yes" || c["invoice_date"] < "2024-07-01" || c["invoice_date"] > "2024-09-30" || c["submitted_date"] > "2024-11-14" {
				continue
			}
			p := decimal.Min(orMoney(c["spend_amount"]).Mul(orDec("0.5")), fund.Sub(paid))
			paid = paid.Add(p)
		}
		return zero, paid
	})

	// REB-2024Q3-EV: the program's amount per EV sale with a known code
	// claimed within 30 days.
	m = map[string]decimal.Decimal{}
	for _, s := range o.live {
		amount := map[string]string{"CR-EV-1000": "1000", "CR-EV-500": "500"}[s["rebate_code"]]
		if strings.HasPrefix(s["model_code"], "EV") && amount != "" && orDays(s["sale_date"], s["claim_date"]) <= 30 {
			for _, sh := range orDealerShares(s, false) {
				m[sh.code] = m[sh.code].Add(orQty(s).Mul(sh.fraction).Mul(orDec(amount)))
			}
		}
	}
	add("REB-2024Q3-EV", m, func(_ string, v decimal.Decimal) (decimal.Decimal, decimal.Decimal) { return zero, v })

	// CERT-2024Q3-EV: 2,500 and 50 per EV unit, to dealers holding the EV
	// certification the whole period; others get a 0 line.
	held := map[string]bool{}
	for _, c := range o.rows("data/certifications.csv", nil) {
		if c["certification"] == "EV" && c["valid_from"] <= "2024-07-01" && (c["valid_to"] == "" || c["valid_to"] >= "2024-09-30") {
			held[c["dealer_code"]] = true
		}
	}
	m = map[string]decimal.Decimal{}
	for _, s := range o.live {
		if strings.HasPrefix(s["model_code"], "EV") {
			for _, sh := range orDealerShares(s, false) {
				m[sh.code] = m[sh.code].Add(orQty(s).Mul(sh.fraction))
			}
		}
	}
	add("CERT-2024Q3-EV", m, func(payee string, u decimal.Decimal) (decimal.Decimal, decimal.Decimal) {
		if !held[payee] {
			return zero, zero
		}
		return zero, orDec("2500").Add(u.Mul(orDec("50")))
	})
	return out
}

func orDays(from, to string) int {
	a, _ := time.Parse(time.DateOnly, from)
	b, _ := time.Parse(time.DateOnly, to)
	return int(b.Sub(a).Hours() / 24)
}

func oracleKeys(a, b map[oracleKey]oracleLine) []oracleKey {
	var keys []oracleKey
	for k := range a {
		keys = append(keys, k)
	}
	for k := range b {
		if _, ok := a[k]; !ok {
			keys = append(keys, k)
		}
	}
	slices.SortFunc(keys, func(x, y oracleKey) int { return strings.Compare(x.program+"/"+x.payee, y.program+"/"+y.payee) })
	return keys
}
