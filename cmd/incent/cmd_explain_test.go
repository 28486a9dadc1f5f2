package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestExplain checks that explain tells the same facts as the run: counted
// and excluded sales with reasons, measure, tier, distance, formula, the
// rounding and a total equal to the payee's payment.
func TestExplain(t *testing.T) {
	dir := demoWorkspace(t)
	cfg := filepath.Join(dir, "incent.yaml")
	if r := incentCmd(t, "calc", "--period", "2024Q3", "--config", cfg, "--statements=false"); r.code != 0 {
		t.Fatalf("calc: exit %d: %s", r.code, r.stderr)
	}
	r := incentCmd(t, "explain", "--period", "2024Q3", "--payee", "D002", "--config", cfg)
	if r.code != 0 {
		t.Fatalf("explain: exit %d: %s", r.code, r.stderr)
	}
	for _, want := range []string{
		"How run 2024Q3-R001 paid dealer D002 for 2024Q3.",
		"SS-2024Q3-SUV v1, Q3 SUV stair-step (stair step)",
		"  39 sales counted:",
		": model SUV3 not in [SUV1 SUV2]",
		": sale type fleet not in [retail lease]",
		": model year 2023 not in [2024 2025]",
		"Measure: 39 credited units. Tier reached: Tier 2 (from 25 units). Next: 1 more unit to reach Tier 3 (from 40 units), worth 4,200.00 USD more.",
		"Tier 2 (from 25 units) reached: 39 credited units × 200.00 USD per unit, back to the first unit = 7,800",
		"Unrounded 7800, rounded half_up once to 7,800.00 USD.",
		"claim CL-201: declined, not pre-approved",
		": rebate code CR-EV-500 not in [CR-EV-1000]",
		"2024-08-08 deal D002-5246 VIN 1NCSU3AB4RA100246 SUV3 retail: credit 1, revenue 58752\n", // COM-2024Q3-LUX
		"Total USD: 25,650.08, the sum of the rounded lines above.",                              // = payments.csv for D002
	} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("explain lacks %q", want)
		}
	}

	// A run and a period that disagree are a usage error, not the run's
	// period explained in silence.
	r = incentCmd(t, "explain", "--period", "2024Q4", "--run", "2024Q3-R001", "--payee", "D002", "--config", cfg)
	if want := "run 2024Q3-R001 is of period 2024Q3, not 2024Q4"; r.code != 2 || !strings.Contains(r.stderr, want) {
		t.Errorf("explain with another period's run: exit %d, %q; want 2 and %q", r.code, r.stderr, want)
	}

	// One VIN: its one sale is "1 sale", under every program.
	r = incentCmd(t, "explain", "--period", "2024Q3", "--payee", "D002", "--vin", "1NCSU1AB3RA100095", "--program", "SS-2024Q3-SUV", "--config", cfg)
	if r.code != 0 || !strings.Contains(r.stdout, "  1 sale counted:\n") || !strings.Contains(r.stdout, "  0 sales did not count.\n") {
		t.Errorf("one VIN's explain: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}

	// A program or VIN that selects nothing is a usage error naming it,
	// not a header over nothing.
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--payee", "D002", "--program", "NOPE"}, `run 2024Q3-R001 has no program "NOPE"`},
		{[]string{"--payee", "D002", "--program", "SP-2024Q3-EV"}, "program SP-2024Q3-EV pays salespeople, not dealers"},
		{[]string{"--payee", "S-D001-1", "--program", "VOL-2024Q3"}, "program VOL-2024Q3 pays dealers, not salespeople"},
		{[]string{"--payee", "S-D001-1", "--program", "GRP-2024Q3"}, "program GRP-2024Q3 pays groups, not salespeople"},
		{[]string{"--payee", "D002", "--vin", "NOTAVIN"}, "run 2024Q3-R001 has no sale of VIN NOTAVIN for dealer D002"},
		{[]string{"--payee", "D002", "--vin", "1NCSU1ABXRA100160"}, "run 2024Q3-R001 has no sale of VIN 1NCSU1ABXRA100160 for dealer D002"}, // D003's
	} {
		r = incentCmd(t, append([]string{"explain", "--period", "2024Q3", "--config", cfg}, c.args...)...)
		if r.code != 2 || !strings.Contains(r.stderr, c.want) {
			t.Errorf("explain %v: exit %d, %q; want 2 and %q", c.args, r.code, r.stderr, c.want)
		}
	}

	r = incentCmd(t, "explain", "--period", "2024Q3", "--payee", "S-D001-1", "--program", "SP-2024Q3-EV", "--config", cfg)
	if r.code != 0 || !strings.Contains(r.stdout, "salesperson S-D001-1") || !strings.Contains(r.stdout, ": credit 0.5") ||
		!strings.Contains(r.stdout, "5.5 units") {
		t.Errorf("salesperson explain: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}

	// A sale without a sale amount counts for a revenue program, and
	// explain says it added no revenue.
	t.Run("no sale amount", func(t *testing.T) {
		dir := demoWorkspace(t)
		cfg := filepath.Join(dir, "incent.yaml")
		sales := filepath.Join(dir, "data", "sales", "2024-07-08.csv")
		data, err := os.ReadFile(sales)
		if err != nil {
			t.Fatal(err)
		}
		row := "D002-5246,1NCSU3AB4RA100246,D002,2024-08-08,retail,new,SUV3,2024,suv,61200.00,58752.00,1,"
		if !strings.Contains(string(data), row) {
			t.Fatalf("the demo's sales no longer hold %q", row)
		}
		data = []byte(strings.Replace(string(data), row, strings.Replace(row, ",58752.00,", ",,", 1), 1))
		if err := os.WriteFile(sales, data, 0o644); err != nil {
			t.Fatal(err)
		}
		if r := incentCmd(t, "calc", "--period", "2024Q3", "--config", cfg, "--statements=false"); r.code != 0 {
			t.Fatalf("calc: exit %d: %s", r.code, r.stderr)
		}
		r := incentCmd(t, "explain", "--period", "2024Q3", "--payee", "D002", "--program", "COM-2024Q3-LUX", "--config", cfg)
		if r.code != 0 || !strings.Contains(r.stdout, "VIN 1NCSU3AB4RA100246 SUV3 retail: credit 1, revenue 0\n") {
			t.Errorf("explain: exit %d\n%s%s", r.code, r.stdout, r.stderr)
		}
	})

	if r := incentCmd(t, "explain", "--period", "2024Q3", "--payee", "D999", "--config", cfg); r.code != 2 {
		t.Errorf("unknown payee: exit %d, want 2", r.code)
	}

	// A calculation log edited after the run is detected, not explained.
	logPath := filepath.Join(dir, "out", "2024Q3", "2024Q3-R001", "calc-log.jsonl")
	data, err := os.ReadFile(logPath)
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(logPath, []byte(strings.Replace(string(data), `"amount":"7800.00"`, `"amount":"9800.00"`, 1)), 0o644)
	if r := incentCmd(t, "explain", "--period", "2024Q3", "--payee", "D002", "--config", cfg); r.code != 4 {
		t.Errorf("tampered log: exit %d, want 4: %s", r.code, r.stderr)
	}
}
