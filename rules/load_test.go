package rules

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/incent/incent"
	"github.com/shopspring/decimal"
)

// programOpts compares programs by value: decimals by Equal, expressions by
// their text, and not the raw source bytes.
var programOpts = cmp.Options{
	cmp.Comparer(func(a, b decimal.Decimal) bool { return a.Equal(b) }),
	cmpopts.IgnoreFields(Program{}, "Source"),
}

func dec(s string) decimal.Decimal { return decimal.RequireFromString(s) }

// amt is a filled amount cell.
func amt(s string) incent.Amount { return incent.AmountOf(dec(s)) }

func decp(s string) *decimal.Decimal {
	d := dec(s)
	return &d
}

func readTestdata(t testing.TB, name string) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", "programs", name))
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func TestParseValid(t *testing.T) {
	usd, _ := incent.LookupCurrency("USD")
	eur, _ := incent.LookupCurrency("EUR")
	q3From, q3To := incent.DateOf(2024, 7, 1), incent.DateOf(2024, 9, 30)
	tests := []struct {
		file string
		want Program
	}{
		{
			file: "ss-2024q3-suv.yaml",
			want: Program{
				ID:       "SS-2024Q3-SUV",
				Version:  2,
				Name:     "Q3 SUV stair-step",
				Type:     StairStep,
				Currency: usd,
				From:     q3From,
				To:       q3To,
				Payee:    PayeeDealer,
				Elig: Eligibility{
					SaleTypes:      []string{"retail", "lease"},
					Conditions:     []string{"new"},
					Models:         []string{"SUV1", "SUV2", "EV*"},
					ModelYears:     []int{2024, 2025},
					Certifications: []string{"EV"},
					When:           &Expr{Text: `sale.msrp >= 40000 && dealer.region != "PR"`},
				},
				Cap:      Cap{Measure: decp("100000"), Amount: decp("25000")},
				CreditTo: "delivering_dealer",
				Multipliers: []Multiplier{
					{When: &Expr{Text: `sale.sale_type == "fleet"`}, Factor: dec("0.5")},
					{When: &Expr{Text: `sale.model_year == 2025`}, Factor: dec("1.25")},
				},
				Measure: "units",
				Basis:   "retroactive",
				Base:    "sale_amount",
				Tiers: []Tier{
					{From: dec("0"), Kind: TierPerUnit, Value: dec("0")},
					{From: dec("10"), Kind: TierPerUnit, Value: dec("150")},
					{From: dec("25"), Kind: TierPerUnit, Value: dec("300.5")},
				},
			},
		},
		{
			file: "vol-2024q3.yaml",
			want: Program{
				ID:        "VOL-2024Q3",
				Version:   1,
				Type:      Volume,
				Currency:  eur,
				From:      q3From,
				To:        q3To,
				Payee:     PayeeDealer,
				CreditTo:  "selling_dealer",
				Threshold: dec("20"),
				PerUnit:   dec("0.015"),
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			data := readTestdata(t, tt.file)
			got, err := Parse("programs/"+tt.file, data)
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			want := tt.want
			want.File = "programs/" + tt.file
			want.SHA256 = sha256Hex(data)
			if diff := cmp.Diff(&want, got, programOpts); diff != "" {
				t.Errorf("Parse mismatch (-want +got):\n%s", diff)
			}
			if string(got.Source) != string(data) {
				t.Errorf("Source is not the file's bytes")
			}
		})
	}
}

// TestParseTypes checks the type-specific fields of the other program types.
func TestParseTypes(t *testing.T) {
	tests := []struct {
		file  string
		check func(t *testing.T, p *Program)
	}{
		{"comm-2024.yaml", func(t *testing.T, p *Program) {
			want := struct {
				Measure, Basis, Base string
				Tiers                []Tier
				FamilyRates          []FamilyRate
				Kickers              []Kicker
			}{
				"revenue", "marginal", "sale_amount",
				[]Tier{
					{From: dec("0"), Kind: TierRate, Value: dec("0.02")},
					{From: dec("50000"), Kind: TierRate, Value: dec("0.04")},
					{From: dec("75000"), Kind: TierRate, Value: dec("0.06")},
				},
				[]FamilyRate{{"ev", dec("1.5")}, {"service", dec("0.5")}},
				[]Kicker{{"2024-03", dec("0.01")}, {"2024-06", dec("0.005")}},
			}
			got := want
			got.Measure, got.Basis, got.Base, got.Tiers, got.FamilyRates, got.Kickers = p.Measure, p.Basis, p.Base, p.Tiers, p.FamilyRates, p.Kickers
			if diff := cmp.Diff(want, got, programOpts); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
			if p.Payee != PayeeSalesperson {
				t.Errorf("Payee = %q", p.Payee)
			}
		}},
		{"mix-ev.yaml", func(t *testing.T, p *Program) {
			if diff := cmp.Diff([]ModelRate{{"EV1", dec("1000")}, {"SUV2", dec("400")}}, p.Rates, programOpts); diff != "" {
				t.Errorf("Rates (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(&Qualify{MinShare: dec("0.1"), Of: []string{"EV1"}}, p.Qualify, programOpts); diff != "" {
				t.Errorf("Qualify (-want +got):\n%s", diff)
			}
			if p.Payee != PayeeGroup {
				t.Errorf("Payee = %q", p.Payee)
			}
		}},
		{"coop-2024q3.yaml", func(t *testing.T, p *Program) {
			if p.AccrualPerUnit == nil || !p.AccrualPerUnit.Equal(dec("150")) || p.AccrualRate != nil {
				t.Errorf("accrual = %v, %v", p.AccrualPerUnit, p.AccrualRate)
			}
			if !p.Reimburse.Equal(dec("0.5")) || p.ClaimDeadlineDays != 45 {
				t.Errorf("reimburse %s, deadline %d", p.Reimburse, p.ClaimDeadlineDays)
			}
		}},
		{"rebate-ev.yaml", func(t *testing.T, p *Program) {
			want := []Rebate{{"CR-EV-1000", dec("1000")}, {"CR-EV-500", dec("500")}}
			if diff := cmp.Diff(want, p.Rebates, programOpts); diff != "" {
				t.Errorf("Rebates (-want +got):\n%s", diff)
			}
			if p.ClaimWindowDays != 30 {
				t.Errorf("ClaimWindowDays = %d, want the default 30", p.ClaimWindowDays)
			}
		}},
		{"cert-ev.yaml", func(t *testing.T, p *Program) {
			if p.Certification != "EV" || p.Require != "whole_period" || p.Currency.Minor != 0 {
				t.Errorf("certification %q require %q currency %v", p.Certification, p.Require, p.Currency)
			}
			if p.Amount == nil || !p.Amount.Equal(dec("50000")) || !p.PerUnit.Equal(dec("2000")) {
				t.Errorf("amount %v per_unit %s", p.Amount, p.PerUnit)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			p, err := Parse(tt.file, readTestdata(t, tt.file))
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			tt.check(t, p)
		})
	}
}

// header is the first five lines of a valid program of type typ.
func header(typ string) string {
	return "id: P1\nversion: 1\ntype: " + typ + "\ncurrency: USD\neffective: {from: 2024-07-01, to: 2024-09-30}\n"
}

func TestParseErrors(t *testing.T) {
	ss := header("stair_step")
	tests := []struct {
		name string
		yaml string
		want []string
	}{
		{"misspelt key", ss + "tiers:\n  - {from: 0, per_unit: 10}\n  - from: 10\n    ammount: 20\n", []string{
			`p.yaml:9:5: unknown key "ammount" in tiers[1] (expected one of from, per_unit, rate, amount)`,
		}},
		{"cap finer than the currency", header("volume") + "per_unit: 5\ncap: {amount: 100.005}\n", []string{
			`p.yaml:7:15: cap.amount 100.005 is finer than USD's minor unit (2 decimals); a rounded payout could pass it`,
		}},
		{"misspelt top-level key", header("volume") + "per_unit: 5\nthreshhold: 3\n", []string{
			`p.yaml:7:1: unknown key "threshhold" (expected one of id, version, name, type, currency, effective, payee, eligibility, cap, credit, threshold, per_unit)`,
		}},
		{"wrong type", "id: P1\nversion: one\ntype: volume\ncurrency: USD\neffective: {from: 2024-07-01, to: 2024-09-30}\nper_unit: 5\n", []string{
			`p.yaml:2:10: version must be a whole number, got "one"`,
		}},
		{"version zero", "id: P1\nversion: 0\ntype: volume\ncurrency: USD\neffective: {from: 2024-07-01, to: 2024-09-30}\nper_unit: 5\n", []string{
			`p.yaml:2:10: version must be 1 or more, got 0`,
		}},
		{"missing id", "version: 1\ntype: volume\ncurrency: USD\neffective: {from: 2024-07-01, to: 2024-09-30}\nper_unit: 5\n", []string{
			`p.yaml:1:1: missing required key "id"`,
		}},
		{"bad id", strings.Replace(header("volume"), "P1", "P 1", 1) + "per_unit: 5\n", []string{
			`p.yaml:1:5: id must use only letters, digits, '-' and '_', got "P 1"`,
		}},
		{"missing type-specific key", header("volume") + "threshold: 5\n", []string{
			`p.yaml:3:7: missing required key "per_unit" for type volume`,
		}},
		{"unsorted tiers", ss + "tiers:\n  - {from: 0, per_unit: 10}\n  - {from: 20, per_unit: 20}\n  - {from: 10, per_unit: 30}\n", []string{
			`p.yaml:9:12: tiers[2].from (10) is below tiers[1].from (20); tiers must be in ascending order of from`,
		}},
		{"duplicate from", ss + "tiers:\n  - {from: 0, per_unit: 10}\n  - {from: 10, per_unit: 20}\n  - {from: 10, per_unit: 30}\n", []string{
			`p.yaml:9:12: tiers[2] has the same from (10) as tiers[1]; each tier must start above the one before`,
		}},
		{"mixed tier kinds", ss + "tiers:\n  - {from: 0, per_unit: 10}\n  - {from: 10, amount: 500}\n", []string{
			`p.yaml:8:16: tiers mix per_unit and amount; use one kind per program`,
		}},
		{"two kinds in one tier", ss + "tiers:\n  - {from: 0, per_unit: 10, amount: 5}\n", []string{
			`p.yaml:7:29: tiers[0] has both per_unit and amount; a tier pays in one way`,
		}},
		{"negative rate", ss + "measure: revenue\ntiers:\n  - {from: 0, rate: -0.01}\n", []string{
			`p.yaml:8:21: tiers[0].rate must not be negative, got "-0.01"`,
		}},
		{"rate above one", ss + "measure: revenue\ntiers:\n  - {from: 0, rate: 2}\n", []string{
			`p.yaml:8:21: tiers[0].rate must be a fraction from 0 to 1 (0.02 = 2%), got "2"`,
		}},
		{"marginal objective_pct", ss + "measure: objective_pct\nbasis: marginal\ntiers:\n  - {from: 100, per_unit: 50}\n", []string{
			`p.yaml:7:8: measure objective_pct is retroactive only; remove basis: marginal`,
		}},
		{"marginal amount", ss + "basis: marginal\ntiers:\n  - {from: 10, amount: 500}\n", []string{
			`p.yaml:6:8: amount tiers cannot be marginal: an amount is a flat sum for reaching a tier; use basis: retroactive`,
		}},
		{"marginal rate on units", ss + "basis: marginal\ntiers:\n  - {from: 10, rate: 0.01}\n", []string{
			`p.yaml:6:8: marginal rate tiers need measure: revenue`,
		}},
		{"commission per_unit tier", header("commission") + "tiers:\n  - {from: 0, per_unit: 10}\n", []string{
			`p.yaml:7:15: commission tiers pay a rate: use rate instead of per_unit in tiers[0]`,
		}},
		{"objective_key without objective_pct", ss + "objective_key: SUV\ntiers:\n  - {from: 0, per_unit: 10}\n", []string{
			`p.yaml:6:1: objective_key is used only with measure: objective_pct`,
		}},
		{"key of another type", ss + "threshold: 5\ntiers:\n  - {from: 0, per_unit: 10}\n", []string{
			`p.yaml:6:1: key "threshold" is not used by type stair_step (it is a volume key)`,
		}},
		{"unknown currency", "id: P1\nversion: 1\ntype: volume\ncurrency: XYZ\neffective: {from: 2024-07-01, to: 2024-09-30}\nper_unit: 5\n", []string{
			`p.yaml:4:11: unknown currency "XYZ" (expected an ISO 4217 code such as USD, EUR, JPY)`,
		}},
		{"bad date", "id: P1\nversion: 1\ntype: volume\ncurrency: USD\neffective: {from: 2024-13-01, to: 2024-09-30}\nper_unit: 5\n", []string{
			`p.yaml:5:19: effective.from must be a date in the form YYYY-MM-DD, got "2024-13-01"`,
		}},
		{"effective to before from", "id: P1\nversion: 1\ntype: volume\ncurrency: USD\neffective: {from: 2024-07-01, to: 2024-06-30}\nper_unit: 5\n", []string{
			`p.yaml:5:35: effective.to 2024-06-30 is before effective.from 2024-07-01`,
		}},
		{"expression does not compile", header("volume") + "per_unit: 5\neligibility:\n  when: 'sale.msrpp > 1'\n", []string{
			`p.yaml:8:15: expression "sale.msrpp > 1": sale has no column msrpp`,
		}},
		{"expression is not boolean", header("volume") + "per_unit: 5\neligibility:\n  when: sale.model_year\n", []string{
			`p.yaml:8:9: expression "sale.model_year": must be true or false, but it gives int`,
		}},
		{"expression in a block scalar", header("volume") + "per_unit: 5\neligibility:\n  when: |\n    sale.vin == \"x\" &&\n      sale.msrpp > 1\n", []string{
			`p.yaml:10:12: expression "sale.vin == \"x\" &&\n  sale.msrpp > 1": sale has no column msrpp`,
		}},
		{"multiplier expression", header("volume") + "per_unit: 5\ncredit:\n  multipliers:\n    - {when: 'now() > 1', factor: 2}\n", []string{
			`p.yaml:9:15: expression "now() > 1": unknown name now`,
		}},
		{"negative factor", header("volume") + "per_unit: 5\ncredit:\n  multipliers:\n    - {when: 'sale.quantity > 0', factor: -1}\n", []string{
			`p.yaml:9:43: credit.multipliers[0].factor must not be negative, got "-1"`,
		}},
		{"thousands separator", header("volume") + "per_unit: 1,500\n", []string{
			`p.yaml:6:11: per_unit must be a decimal number such as 1500 or 0.015, got "1,500" (write it without thousands separators)`,
		}},
		{"underscore", header("volume") + "per_unit: 1_500\n", []string{
			`p.yaml:6:11: per_unit must be a decimal number such as 1500 or 0.015, got "1_500" (write it without underscores)`,
		}},
		{"quoted number", header("volume") + "per_unit: \"150\"\n", []string{
			`p.yaml:6:11: per_unit must be a decimal number such as 1500 or 0.015, got "150" (remove the quotes)`,
		}},
		{"yes where text is expected", header("volume") + "per_unit: 5\neligibility:\n  regions: [yes]\n", []string{
			`p.yaml:8:13: eligibility.regions[0] "yes" reads as a boolean in YAML 1.1; quote it if you mean the word`,
		}},
		{"boolean where an enum is expected", header("volume") + "per_unit: 5\npayee: true\n", []string{
			`p.yaml:7:8: payee must be text, got the boolean true (quote it if you mean the word)`,
		}},
		{"bad enum", header("volume") + "per_unit: 5\neligibility:\n  sale_types: [retail, rental]\n", []string{
			`p.yaml:8:24: eligibility.sale_types[1] must be one of retail, lease, fleet, demo, loaner, employee, got "rental"`,
		}},
		{"scalar instead of list", header("volume") + "per_unit: 5\neligibility:\n  models: SUV1\n", []string{
			`p.yaml:8:11: eligibility.models must be a list such as [a, b], got "SUV1"`,
		}},
		{"duplicate key", header("volume") + "per_unit: 5\nper_unit: 6\n", []string{
			`p.yaml:7:1: duplicate key "per_unit" (first at line 6)`,
		}},
		{"coop accrual with both", header("coop") + "accrual: {per_unit: 1, rate: 0.01}\nreimburse: 0.5\nclaim_deadline_days: 30\n", []string{
			`p.yaml:6:24: accrual has both per_unit and rate; use one`,
		}},
		{"certification without amount", header("certification") + "certification: EV\n", []string{
			`p.yaml:3:7: type certification needs amount, per_unit or both`,
		}},
		{"kicker outside effective window", header("commission") + "tiers:\n  - {from: 0, rate: 0.02}\nkickers:\n  - {month: 2025-03, add_rate: 0.01}\n", []string{
			`p.yaml:9:13: kickers[0].month 2025-03 is outside the effective window 2024-07-01 to 2024-09-30`,
		}},
		{"unknown type", "id: P1\nversion: 1\ntype: stairstep\ncurrency: USD\neffective: {from: 2024-07-01, to: 2024-09-30}\ntiers: []\n", []string{
			`p.yaml:3:7: type must be one of volume, stair_step, model_mix, commission, coop, rebate_passthrough, certification, got "stairstep"`,
		}},
		{"YAML syntax error", "id: P1\nversion: [1\n", []string{
			`p.yaml:2: invalid YAML: did not find expected ',' or ']'`,
		}},
		{"YAML syntax error in a block", "id: P1\nversion: 1\n- x\n", []string{
			`p.yaml:3: invalid YAML: did not find expected key`,
		}},
		{"unknown anchor", "id: P1\nversion: *v\n", []string{
			`p.yaml:2:10: invalid YAML: unknown anchor 'v' referenced`,
		}},
		{"empty file", "", []string{
			`p.yaml:1:1: the file is empty; a program needs at least id, version, type, currency and effective`,
		}},
		{"two documents", header("volume") + "per_unit: 5\n---\nid: P2\n", []string{
			`p.yaml:7:1: a second YAML document starts here; put one program per file`,
		}},
		{"three errors", "id: P1\nversion: one\ntype: stair_step\ncurrency: USD\neffective: {from: 2024-07-01, to: 2024-09-30}\ntiers:\n  - {from: 5, rate: 0.01}\n  - {from: 0, rate: -0.02}\n", []string{
			`p.yaml:2:10: version must be a whole number, got "one"`,
			`p.yaml:8:12: tiers[1].from (0) is below tiers[0].from (5); tiers must be in ascending order of from`,
			`p.yaml:8:21: tiers[1].rate must not be negative, got "-0.02"`,
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := Parse("p.yaml", []byte(tt.yaml))
			if err == nil {
				t.Fatalf("Parse succeeded with %+v, want errors", p)
			}
			if p != nil {
				t.Errorf("Parse returned a program with errors")
			}
			var errs Errors
			if !errors.As(err, &errs) {
				t.Fatalf("error is %T, want Errors", err)
			}
			var got []string
			for _, e := range errs {
				got = append(got, e.Error())
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("errors (-want +got):\n%s", diff)
			}
		})
	}
}

func TestLoadDir(t *testing.T) {
	t.Run("valid", func(t *testing.T) {
		progs, err := LoadDir(filepath.Join("testdata", "programs"))
		if err != nil {
			t.Fatal(err)
		}
		var ids []string
		for _, p := range progs {
			ids = append(ids, p.ID)
		}
		want := []string{"CERT-EV", "COMM-2024", "COOP-2024Q3", "MIX-EV", "REBATE-EV", "SS-2024Q3-SUV", "VOL-2024Q3"}
		if diff := cmp.Diff(want, ids); diff != "" {
			t.Errorf("ids (-want +got):\n%s", diff)
		}
	})

	tests := []struct {
		name  string
		files map[string]string
		want  []string
	}{
		{
			name: "errors from every file",
			files: map[string]string{
				"a.yaml":    header("volume") + "per_unit: -5\n",
				"b.yml":     header("volume") + "per_unit: 5\nthreshhold: 1\n",
				"c.yaml":    header("volume") + "per_unit: 5\n",
				"notes.txt": "not a program",
				".x.yaml":   "ignored: true",
			},
			want: []string{
				`a.yaml:6:11: per_unit must not be negative, got "-5"`,
				`b.yml:7:1: unknown key "threshhold" (expected one of id, version, name, type, currency, effective, payee, eligibility, cap, credit, threshold, per_unit)`,
			},
		},
		{
			name: "duplicate id",
			files: map[string]string{
				"a.yaml": header("volume") + "per_unit: 5\n",
				"b.yaml": header("volume") + "per_unit: 6\n",
			},
			want: []string{
				`b.yaml:1:5: program id P1 is defined in both a.yaml and b.yaml`,
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			for name, body := range tt.files {
				if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			_, err := LoadDir(dir)
			var errs Errors
			if !errors.As(err, &errs) {
				t.Fatalf("LoadDir error %v, want Errors", err)
			}
			var got []string
			for _, e := range errs {
				got = append(got, strings.TrimPrefix(e.Error(), dir+string(filepath.Separator)))
			}
			for i := range tt.want {
				tt.want[i] = strings.ReplaceAll(tt.want[i], " a.yaml", " "+filepath.Join(dir, "a.yaml"))
				tt.want[i] = strings.ReplaceAll(tt.want[i], " b.yaml", " "+filepath.Join(dir, "b.yaml"))
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("errors (-want +got):\n%s", diff)
			}
		})
	}
}

func TestLoadFilesSortsByID(t *testing.T) {
	progs, err := LoadFiles([]File{
		{Name: "z.yaml", Data: []byte(strings.Replace(header("volume"), "P1", "A", 1) + "per_unit: 1\n")},
		{Name: "a.yaml", Data: []byte(strings.Replace(header("volume"), "P1", "B", 1) + "per_unit: 1\n")},
	})
	if err != nil {
		t.Fatal(err)
	}
	if progs[0].ID != "A" || progs[0].File != "z.yaml" || progs[1].ID != "B" {
		t.Errorf("got %s from %s, %s", progs[0].ID, progs[0].File, progs[1].ID)
	}
}

func TestErrorsFormat(t *testing.T) {
	errs := Errors{
		&LoadError{File: "a.yaml", Line: 3, Col: 7, Msg: "first"},
		&LoadError{File: "a.yaml", Line: 4, Msg: "second"},
	}
	if got, want := errs.Error(), "a.yaml:3:7: first\na.yaml:4: second"; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
	var le *LoadError
	if !errors.As(errs, &le) || le.Line != 3 {
		t.Errorf("errors.As does not find the first LoadError")
	}
}

// FuzzParse checks that Parse never panics and that every failure is a list
// of LoadErrors that point into the file.
func FuzzParse(f *testing.F) {
	entries, err := os.ReadDir(filepath.Join("testdata", "programs"))
	if err != nil {
		f.Fatal(err)
	}
	for _, e := range entries {
		f.Add(readTestdata(f, e.Name()))
	}
	f.Add([]byte(header("stair_step") + "tiers:\n  - {from: 0, per_unit: 10}\n  - from: 10\n    ammount: 20\n"))
	f.Add([]byte("a: &x [*x]\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := Parse("fuzz.yaml", data)
		if err == nil {
			if p == nil || p.ID == "" || p.Version < 1 {
				t.Fatalf("Parse succeeded with an incomplete program %+v", p)
			}
			return
		}
		var errs Errors
		if !errors.As(err, &errs) || len(errs) == 0 {
			t.Fatalf("error %T %v is not a non-empty Errors", err, err)
		}
		for _, e := range errs {
			var le *LoadError
			if !errors.As(e, &le) {
				t.Fatalf("error %T %v is not a LoadError", e, e)
			}
			if le.Line < 1 || le.Col < 0 || le.File != "fuzz.yaml" {
				t.Fatalf("bad position in %q", le.Error())
			}
		}
	})
}

func sha256Hex(data []byte) string {
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:])
}

// TestRefusalsOnlyStopNewCalcs checks that a rule a program breaks only
// since it was added (a cap finer than the currency's minor unit) stops
// LoadDir, which loads the programs of a new calculation, but not
// LoadFiles, which reloads those a stored run archived, so that the run
// still replays.
func TestRefusalsOnlyStopNewCalcs(t *testing.T) {
	data := []byte(header("volume") + "per_unit: 5\ncap: {amount: 100.005}\n")
	want := "cap.amount 100.005 is finer than USD's minor unit (2 decimals)"
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "p.yaml"), data, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadDir(dir); err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("LoadDir: %v, want %q", err, want)
	}
	progs, err := LoadFiles([]File{{Name: "p.yaml", Data: data}})
	if err != nil || len(progs) != 1 || progs[0].Cap.Amount == nil || progs[0].Cap.Amount.String() != "100.005" {
		t.Fatalf("LoadFiles: %v, %v; want the archived program as it was", progs, err)
	}
	if len(progs[0].Refusals) != 1 || !strings.Contains(progs[0].Refusals[0].Error(), want) {
		t.Errorf("refusals %v, want %q", progs[0].Refusals, want)
	}
}
