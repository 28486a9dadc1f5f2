package main

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"
)

// TestPayoutsMatchAPlainComputation computes the payout lines of every
// program of a generated quarter a second time, plainly, straight from the
// CSV files: maps of decimals, the formulas of the specification written
// out again, none of incent's code but the run's rejects.csv (which rows
// it refused; ingest is checked on its own). Every line of payouts.csv
// must be the same, measure and amount. The generated quarter has the
// cases a hand-made one misses: dealer trades, split deals across groups
// and outside them, reversals, duplicates, empty model years and claim
// dates, sales without an MSRP or a sale amount (counted, at no revenue), capped amounts, co-op
// funds used up part-way through a claim, certifications held on some
// dates only.
func TestPayoutsMatchAPlainComputation(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "ws")
	if r := incentCmd(t, "gen", dir, "--dealers", "160", "--sales", "40000", "--seed", "3"); r.code != 0 {
		t.Fatalf("gen: exit %d: %s", r.code, r.stderr)
	}
	if r := incentCmd(t, "calc", "--period", "2024Q3", "--config", filepath.Join(dir, "incent.yaml"), "--statements=false"); r.code != 0 {
		t.Fatalf("calc: exit %d: %s", r.code, r.stderr)
	}
	run := filepath.Join(dir, "out", "2024Q3", "2024Q3-R001")

	// The oracle below writes out the terms of the generated programs. A
	// change to them fails here, by name, rather than as odd amounts.
	h := sha256.New()
	files, err := filepath.Glob(filepath.Join(dir, "programs", "*.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(files)
	for _, f := range files {
		text, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(h, "%s\x00%s\x00", filepath.Base(f), text)
	}
	if sum := hex.EncodeToString(h.Sum(nil)); sum != generatedProgramsSHA256 {
		t.Fatalf("the generated programs changed (SHA-256 %s): write their new terms into the oracle, then this sum", sum)
	}

	o := loadOracle(t, dir, run)
	want := o.payouts()
	got := map[oracleKey]oracleLine{}
	for _, rec := range readCSV(t, filepath.Join(run, "payouts.csv"))[1:] {
		// period,run_id,payee_type,payee,program_id,program_version,kind,currency,measure,tier,amount
		if rec[6] != "calc" {
			continue
		}
		m := decimal.RequireFromString(rec[8])
		got[oracleKey{rec[3], rec[4]}] = oracleLine{measure: &m, amount: decimal.RequireFromString(rec[10])}
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
		if !w.amount.Equal(g.amount) || (w.measure != nil && !w.measure.Equal(*g.measure)) {
			diffs++
			if diffs <= 20 {
				t.Errorf("%s %s: computed measure %v amount %s, incent measure %s amount %s", k.payee, k.program, w.measure, w.amount, g.measure, g.amount)
			}
		}
		if !g.amount.IsZero() {
			paid[k.program]++
		}
	}
	if diffs > 20 {
		t.Errorf("... %d lines differ in all", diffs)
	}
	// The comparison means something only if every program pays someone:
	// the 30 of the quarter (the 31st is of the next one).
	if len(paid) != 30 {
		t.Errorf("%d programs pay anyone, want 30: %v", len(paid), paid)
	}
	for p, n := range paid {
		if n < 3 {
			t.Errorf("%s pays %d payees; the generated quarter should exercise it more", p, n)
		}
	}
	t.Logf("%d payout lines compared", len(got))
}

// generatedProgramsSHA256 is the hash of the program files that incent gen
// writes for 250 sales a dealer, whose terms the oracle writes out.
const generatedProgramsSHA256 = "f24e3fe5b385ce72a71ac5e34f923480ab1f79c0c05494167b01d8a4008a7d0a"

type oracleKey struct{ payee, program string }

type oracleLine struct {
	measure *decimal.Decimal // nil: not compared
	amount  decimal.Decimal
}

type oracleSale map[string]string

type oracle struct {
	t        *testing.T
	dir      string
	rejected map[string]bool // "file:row"
	dealers  map[string]map[string]string
	live     []oracleSale // accepted sales that no reversal cancelled
}

// rows reads a CSV file of the workspace as maps by header, leaving out
// the rows the run rejected and rows identical to an earlier one.
func (o *oracle) rows(rel string, seen map[string]bool) []oracleSale {
	recs := readCSVFields(o.t, filepath.Join(o.dir, rel), -1)
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

// credit sums val over the live sales that pred admits, by payee: the
// sale's dealers (its split, else its selling or, with delivering, its
// delivering dealer), their groups with group, or its salespeople with
// people.
type creditOpts struct {
	delivering, group, people bool
}

func (o *oracle) credit(pred func(oracleSale) bool, opts creditOpts, val func(s oracleSale, fraction decimal.Decimal) decimal.Decimal) map[string]decimal.Decimal {
	m := map[string]decimal.Decimal{}
	for _, s := range o.live {
		if !pred(s) {
			continue
		}
		shares := orDealerShares(s, opts.delivering)
		if opts.people {
			if s["salesperson"] == "" {
				continue
			}
			shares = orPeople(s["salesperson"])
		}
		for _, sh := range shares {
			code := sh.code
			if opts.group {
				if code = o.dealers[code]["group"]; code == "" {
					continue
				}
			}
			m[code] = m[code].Add(val(s, sh.fraction))
		}
	}
	return m
}

// units is a sale's credited units; units times a factor, scaled.
func units(s oracleSale, fraction decimal.Decimal) decimal.Decimal {
	return orQty(s).Mul(fraction)
}

func scaled(f func(oracleSale) string) func(oracleSale, decimal.Decimal) decimal.Decimal {
	return func(s oracleSale, fraction decimal.Decimal) decimal.Decimal {
		return units(s, fraction).Mul(orDec(f(s)))
	}
}

// revenue is a sale's credited sale amount.
func revenue(s oracleSale, fraction decimal.Decimal) decimal.Decimal {
	return orMoney(s["sale_amount"]).Mul(fraction)
}

// reached is the value of the highest tier whose from is at most m, or 0.
func reached(m decimal.Decimal, tiers ...string) decimal.Decimal {
	v := decimal.Zero
	for i := 0; i < len(tiers); i += 2 {
		if m.GreaterThanOrEqual(orDec(tiers[i])) {
			v = orDec(tiers[i+1])
		}
	}
	return v
}

// bands pays each band [from_i, from_i+1) of m at its own rate.
func bands(m decimal.Decimal, tiers ...string) decimal.Decimal {
	a := decimal.Zero
	for i := 0; i < len(tiers); i += 2 {
		part := m.Sub(orDec(tiers[i]))
		if i+2 < len(tiers) {
			part = decimal.Min(m, orDec(tiers[i+2])).Sub(orDec(tiers[i]))
		}
		if part.IsPositive() {
			a = a.Add(part.Mul(orDec(tiers[i+1])))
		}
	}
	return a
}

func newRetailLease(s oracleSale) bool {
	return (s["sale_type"] == "retail" || s["sale_type"] == "lease") && s["condition"] == "new"
}

func (o *oracle) payouts() map[oracleKey]oracleLine {
	out := map[oracleKey]oracleLine{}
	zero := decimal.Zero
	// add writes a program's lines: amount gives, from a payee's measure,
	// the measure shown (nil: not compared) and the unrounded amount.
	add := func(program string, measures map[string]decimal.Decimal, amount func(payee string, m decimal.Decimal) (*decimal.Decimal, decimal.Decimal)) {
		for payee, m := range measures {
			shown, a := amount(payee, m)
			out[oracleKey{payee, program}] = oracleLine{shown, orCents(a)}
		}
	}
	dealer, delivering, group, people := creditOpts{}, creditOpts{delivering: true}, creditOpts{group: true}, creditOpts{people: true}
	volume := func(threshold, perUnit, capAmount string) func(string, decimal.Decimal) (*decimal.Decimal, decimal.Decimal) {
		return func(_ string, m decimal.Decimal) (*decimal.Decimal, decimal.Decimal) {
			a := decimal.Max(zero, m.Sub(orDec(threshold))).Mul(orDec(perUnit))
			if capAmount != "" {
				a = decimal.Min(a, orDec(capAmount))
			}
			return &m, a
		}
	}
	region := func(s oracleSale) string { return o.dealers[s["dealer_code"]]["region"] }
	segment := func(s oracleSale) string { return o.dealers[s["dealer_code"]]["segment"] }

	// Volume bonuses.
	add("VOL-2024Q3", o.credit(newRetailLease, dealer, scaled(func(s oracleSale) string {
		if segment(s) == "rural" {
			return "1.2"
		}
		return "1"
	})), volume("75", "150", ""))
	add("VOL-2024Q3-CA", o.credit(func(s oracleSale) bool {
		return region(s) == "CA" && (s["sale_type"] == "retail" || s["sale_type"] == "lease")
	}, dealer, units), volume("50", "120", ""))
	add("VOL-2024Q3-CPO", o.credit(func(s oracleSale) bool { return s["condition"] == "cpo" }, dealer, units), volume("3", "100", ""))
	add("VOL-2024Q3-FLEET", o.credit(func(s oracleSale) bool {
		return s["sale_type"] == "fleet" && s["condition"] == "new" && (segment(s) == "metro" || segment(s) == "suburban")
	}, delivering, scaled(func(s oracleSale) string {
		if orMoney(s["msrp"]).GreaterThanOrEqual(orDec("50000")) {
			return "1.5"
		}
		return "1"
	})), volume("5", "75", ""))
	add("VOL-2024Q3-TRK", o.credit(func(s oracleSale) bool { return s["condition"] == "new" && s["family"] == "truck" }, dealer, units),
		volume("8", "200", "40000"))
	// The group's measure is counted up to 5,000.
	add("VOL-2024Q3-GRP", o.credit(newRetailLease, group, units), func(p string, m decimal.Decimal) (*decimal.Decimal, decimal.Decimal) {
		return volume("500", "40", "")(p, decimal.Min(m, orDec("5000")))
	})

	// Stair-steps.
	retroUnits := func(capAmount string, tiers ...string) func(string, decimal.Decimal) (*decimal.Decimal, decimal.Decimal) {
		return func(_ string, m decimal.Decimal) (*decimal.Decimal, decimal.Decimal) {
			a := m.Mul(reached(m, tiers...))
			if capAmount != "" {
				a = decimal.Min(a, orDec(capAmount))
			}
			return &m, a
		}
	}
	add("SS-2024Q3-SUV", o.credit(func(s oracleSale) bool {
		return newRetailLease(s) && slices.Contains([]string{"SUV1", "SUV2", "SUV3"}, s["model_code"]) && (s["model_year"] == "2024" || s["model_year"] == "2025")
	}, delivering, scaled(func(s oracleSale) string {
		if s["model_year"] == "2025" {
			return "1.25"
		}
		return "1"
	})), retroUnits("60000", "15", "100", "38", "200", "75", "300"))
	add("SS-2024Q3-PUSH", o.credit(func(s oracleSale) bool {
		return s["sale_type"] == "retail" && s["condition"] == "new" && s["sale_date"] >= "2024-09-01" &&
			orMoney(s["msrp"]).GreaterThanOrEqual(orDec("30000")) && region(s) != "PR"
	}, dealer, units), retroUnits("", "13", "75", "30", "150"))
	add("SS-2024Q3-GRP-SUV", o.credit(func(s oracleSale) bool { return s["condition"] == "new" && strings.HasPrefix(s["model_code"], "SUV") }, group, units),
		retroUnits("", "150", "50", "375", "100", "750", "150"))
	add("SS-2024Q3-EV", o.credit(func(s oracleSale) bool {
		return (s["sale_type"] == "retail" || s["sale_type"] == "lease") && strings.HasPrefix(s["model_code"], "EV")
	}, dealer, units), func(_ string, m decimal.Decimal) (*decimal.Decimal, decimal.Decimal) {
		return &m, bands(m, "0", "250", "15", "400")
	})
	// amount tiers: a flat sum for the tier reached.
	add("SS-2024Q3-SED", o.credit(func(s oracleSale) bool { return newRetailLease(s) && s["family"] == "sedan" }, dealer, units),
		func(_ string, m decimal.Decimal) (*decimal.Decimal, decimal.Decimal) {
			return &m, reached(m, "10", "1000", "25", "2500", "50", "5000")
		})
	// Revenue measures: a sale without a sale amount counts for nothing.
	add("SS-2024Q3-REV", o.credit(func(s oracleSale) bool { return newRetailLease(s) }, dealer, revenue),
		func(_ string, m decimal.Decimal) (*decimal.Decimal, decimal.Decimal) {
			return &m, m.Mul(reached(m, "2100000", "0.002", "5600000", "0.0035", "11200000", "0.005"))
		})
	add("SS-2024Q3-CAR", o.credit(func(s oracleSale) bool {
		return s["condition"] == "new" && (s["family"] == "sedan" || s["family"] == "hybrid")
	}, dealer, revenue), func(_ string, m decimal.Decimal) (*decimal.Decimal, decimal.Decimal) {
		return &m, bands(m, "0", "0.001", "700000", "0.002", "1750000", "0.003")
	})

	// Objective stair-steps: % of the dealer's objective for the key; a
	// dealer without one gets a 0 line. SS-2024Q3-OBJ pays a rate on the
	// credited MSRP: a sale without one counts toward the objective and
	// adds nothing to the MSRP paid on.
	objectives := map[string]map[string]decimal.Decimal{}
	for _, r := range o.rows("data/objectives.csv", nil) {
		if r["period"] == "2024Q3" {
			if objectives[r["objective_key"]] == nil {
				objectives[r["objective_key"]] = map[string]decimal.Decimal{}
			}
			objectives[r["objective_key"]][r["dealer_code"]] = orDec(r["units"])
		}
	}
	objective := func(key string, pay func(payee string, pct, units decimal.Decimal) decimal.Decimal) func(string, decimal.Decimal) (*decimal.Decimal, decimal.Decimal) {
		return func(payee string, u decimal.Decimal) (*decimal.Decimal, decimal.Decimal) {
			obj, ok := objectives[key][payee]
			if !ok {
				return &zero, zero
			}
			pct := u.Mul(orDec("100")).DivRound(obj, 12).Round(4)
			return &pct, pay(payee, u.Mul(orDec("100")).DivRound(obj, 12), u)
		}
	}
	objRetail := func(s oracleSale) bool {
		return s["sale_type"] == "retail" && s["condition"] == "new" && region(s) != "PR"
	}
	msrp := o.credit(objRetail, dealer, func(s oracleSale, fraction decimal.Decimal) decimal.Decimal {
		return orMoney(s["msrp"]).Mul(orQty(s)).Mul(fraction)
	})
	add("SS-2024Q3-OBJ", o.credit(objRetail, dealer, units), objective("RETAIL-2024Q3", func(payee string, pct, _ decimal.Decimal) decimal.Decimal {
		return msrp[payee].Mul(reached(pct, "90", "0.005", "100", "0.01", "125", "0.0175"))
	}))
	add("SS-2024Q3-OBJ-SUV", o.credit(func(s oracleSale) bool { return newRetailLease(s) && s["family"] == "suv" }, dealer, units),
		objective("SS-2024Q3-OBJ-SUV", func(_ string, pct, u decimal.Decimal) decimal.Decimal {
			return u.Mul(reached(pct, "80", "50", "100", "125", "120", "200"))
		}))

	// Commissions.
	commission := func(program string, pred func(oracleSale) bool, kickerMonth string, factor func(oracleSale) string, opts creditOpts,
		pay func(m, kicker decimal.Decimal) decimal.Decimal) {
		val := func(s oracleSale, fraction decimal.Decimal) decimal.Decimal {
			return revenue(s, fraction).Mul(orDec(factor(s)))
		}
		kicker := o.credit(func(s oracleSale) bool { return pred(s) && strings.HasPrefix(s["sale_date"], kickerMonth) }, opts, val)
		add(program, o.credit(pred, opts, val), func(payee string, m decimal.Decimal) (*decimal.Decimal, decimal.Decimal) {
			return &m, pay(m, kicker[payee])
		})
	}
	commission("COMM-2024Q3-SP", func(s oracleSale) bool { return newRetailLease(s) }, "2024-09", func(s oracleSale) string {
		if f, ok := map[string]string{"ev": "1.5", "truck": "0.75"}[s["family"]]; ok {
			return f
		}
		return "1"
	}, people, func(m, kicker decimal.Decimal) decimal.Decimal {
		return decimal.Min(orDec("25000"), bands(m, "0", "0.0015", "500000", "0.0025", "1000000", "0.004").Add(kicker.Mul(orDec("0.0005"))))
	})
	commission("COMM-2024Q3-FI", func(s oracleSale) bool { return newRetailLease(s) }, "2024-07", func(oracleSale) string { return "1" }, dealer,
		func(m, kicker decimal.Decimal) decimal.Decimal {
			return m.Mul(reached(m, "0", "0.0005", "3500000", "0.001", "7000000", "0.0015")).Add(kicker.Mul(orDec("0.00025")))
		})
	// Measured in units, paid a rate on revenue: a sale without a sale
	// amount counts a unit and no revenue.
	used := func(s oracleSale) bool { return s["condition"] == "used" || s["condition"] == "cpo" }
	usedRevenue := o.credit(used, people, revenue)
	add("COMM-2024Q3-USED", o.credit(used, people, units), func(payee string, m decimal.Decimal) (*decimal.Decimal, decimal.Decimal) {
		return &m, usedRevenue[payee].Mul(reached(m, "0", "0.004", "4", "0.006", "8", "0.008"))
	})

	// Model mixes: per-model rates, paid only when the qualifying models
	// are at least their share of the payee's units.
	mix := func(program string, pred func(oracleSale) bool, opts creditOpts, rates map[string]string, minShare string, of ...string) {
		u := o.credit(pred, opts, units)
		qualifying := o.credit(func(s oracleSale) bool { return pred(s) && slices.Contains(of, s["model_code"]) }, opts, units)
		pay := o.credit(func(s oracleSale) bool { return pred(s) && rates[s["model_code"]] != "" }, opts, scaled(func(s oracleSale) string { return rates[s["model_code"]] }))
		add(program, u, func(payee string, m decimal.Decimal) (*decimal.Decimal, decimal.Decimal) {
			if qualifying[payee].LessThan(m.Mul(orDec(minShare))) {
				return &m, zero
			}
			return &m, pay[payee]
		})
	}
	mix("MIX-2024Q3-EV", func(s oracleSale) bool { return s["condition"] == "new" }, dealer, map[string]string{"EV1": "750", "EV2": "1000", "HYB1": "250"}, "0.08", "EV1", "EV2")
	mix("MIX-2024Q3-GRP", newRetailLease, group, map[string]string{"SUV3": "300", "TRK2": "300", "EV2": "500"}, "0.04", "EV2")
	mix("MIX-2024Q3-TRK", func(s oracleSale) bool {
		return (s["sale_type"] == "retail" || s["sale_type"] == "fleet") && s["condition"] == "new" && s["family"] == "truck"
	}, dealer, map[string]string{"TRK1": "250", "TRK2": "400"}, "0")

	// Co-op: a fund per dealer; a share of each preapproved claim invoiced
	// in the period and submitted by the deadline, in submission then id
	// order, until the fund is used up.
	claims := map[string][]oracleSale{}
	for _, c := range o.rows("data/coop-claims.csv", map[string]bool{}) {
		k := c["program_id"] + "/" + c["dealer_code"]
		claims[k] = append(claims[k], c)
	}
	coop := func(program string, fund map[string]decimal.Decimal, reimburse, deadline string) {
		add(program, fund, func(payee string, fund decimal.Decimal) (*decimal.Decimal, decimal.Decimal) {
			cs := claims[program+"/"+payee]
			slices.SortFunc(cs, func(a, b oracleSale) int {
				return strings.Compare(a["submitted_date"]+a["claim_id"], b["submitted_date"]+b["claim_id"])
			})
			paid := zero
			for _, c := range cs {
				if c["preapproved"] != "yes" || c["invoice_date"] < "2024-07-01" || c["invoice_date"] > "2024-09-30" || c["submitted_date"] > deadline {
					continue
				}
				paid = paid.Add(decimal.Min(orMoney(c["spend_amount"]).Mul(orDec(reimburse)), fund.Sub(paid)))
			}
			return nil, paid
		})
	}
	coop("COOP-2024Q3", o.credit(newRetailLease, dealer, scaled(func(oracleSale) string { return "150" })), "0.5", "2024-11-14")
	coop("COOP-2024Q3-CA", o.credit(func(s oracleSale) bool { return region(s) == "CA" }, dealer, scaled(func(oracleSale) string { return "120" })), "0.5", "2024-11-29")
	coop("COOP-2024Q3-EV", o.credit(func(s oracleSale) bool { return s["condition"] == "new" && strings.HasPrefix(s["model_code"], "EV") }, dealer,
		func(s oracleSale, fraction decimal.Decimal) decimal.Decimal {
			return revenue(s, fraction).Mul(orDec("0.005"))
		}), "0.75", "2024-10-30")

	// Rebate pass-through: the program's amount per sale with a known code
	// claimed within the window (an empty claim date is the sale date).
	rebate := func(program string, pred func(oracleSale) bool, window int, amounts map[string]string) {
		add(program, o.credit(func(s oracleSale) bool {
			return pred(s) && amounts[s["rebate_code"]] != "" && orDays(s["sale_date"], s["claim_date"]) <= window
		}, dealer, scaled(func(s oracleSale) string { return amounts[s["rebate_code"]] })), func(_ string, v decimal.Decimal) (*decimal.Decimal, decimal.Decimal) {
			return nil, v
		})
	}
	rebate("REB-2024Q3-EV", func(s oracleSale) bool { return strings.HasPrefix(s["model_code"], "EV") }, 30, map[string]string{"CR-EV-1000": "1000", "CR-EV-500": "500"})
	rebate("REB-2024Q3-LOYAL", newRetailLease, 45, map[string]string{"CR-LOYAL-750": "750", "CR-CONQ-1000": "1000"})
	rebate("REB-2024Q3-TRK", func(s oracleSale) bool { return s["family"] == "truck" }, 30, map[string]string{"CR-TRK-1500": "1500"})

	// Certifications: paid to dealers holding the certification on the
	// period's last day, or over the whole period; others get a 0 line.
	certs := map[string][]oracleSale{}
	for _, c := range o.rows("data/certifications.csv", nil) {
		certs[c["certification"]+"/"+c["dealer_code"]] = append(certs[c["certification"]+"/"+c["dealer_code"]], c)
	}
	holds := func(cert, dealer, from, to string) bool {
		for _, c := range certs[cert+"/"+dealer] {
			if c["valid_from"] <= from && (c["valid_to"] == "" || c["valid_to"] >= to) {
				return true
			}
		}
		return false
	}
	certification := func(program string, pred func(oracleSale) bool, cert, from, amount, perUnit string) {
		add(program, o.credit(pred, dealer, units), func(payee string, u decimal.Decimal) (*decimal.Decimal, decimal.Decimal) {
			if !holds(cert, payee, from, "2024-09-30") {
				return nil, zero
			}
			return nil, orDec(amount).Add(u.Mul(orDec(perUnit)))
		})
	}
	certification("CERT-2024Q3-EV", func(s oracleSale) bool { return strings.HasPrefix(s["model_code"], "EV") }, "EV", "2024-07-01", "2500", "50")
	certification("CERT-2024Q3-CX", func(s oracleSale) bool { return s["sale_type"] == "retail" || s["sale_type"] == "lease" }, "CX", "2024-09-30", "1000", "0")
	// TRUCK-PRO is also an eligibility condition: held on the sale's date.
	certification("CERT-2024Q3-TRK", func(s oracleSale) bool {
		return s["family"] == "truck" && holds("TRUCK-PRO", s["dealer_code"], s["sale_date"], s["sale_date"])
	}, "TRUCK-PRO", "2024-09-30", "0", "75")
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
