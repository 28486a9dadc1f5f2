package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestGenFlags(t *testing.T) {
	var got *GenOptions
	f := &factory{ios: &IOStreams{}, now: fixedNow, v: newViper()}
	cmd := newCmdGen(f, func(o *GenOptions) error { got = o; return nil })
	cmd.SetArgs([]string{"ws", "--dealers", "4000", "--sales", "1000000", "--seed", "7", "--period", "2024Q4"})
	if err := cmd.Execute(); err != nil {
		t.Fatal(err)
	}
	want := GenOptions{Dir: "ws", Dealers: 4000, Sales: 1000000, Seed: 7, Period: "2024Q4"}
	if *got != want {
		t.Errorf("options %+v, want %+v", *got, want)
	}
}

// TestGenThenCalc generates a small workspace and closes its quarter.
func TestGenThenCalc(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "ws")
	r := incentCmd(t, "gen", dir, "--dealers", "20", "--sales", "2000", "--seed", "5")
	if r.code != 0 {
		t.Fatalf("gen: exit %d: %s", r.code, r.stderr)
	}
	if !strings.Contains(r.stdout, "20 dealers") || !strings.Contains(r.stdout, "2,000 sales rows") {
		t.Errorf("gen summary:\n%s", r.stdout)
	}
	if r := incentCmd(t, "gen", dir); r.code != 2 || !strings.Contains(r.stderr, "already holds a workspace") {
		t.Errorf("gen over a workspace: exit %d, %s", r.code, r.stderr)
	}
	for _, args := range [][]string{{"--dealers", "0"}, {"--sales", "-1"}, {"--period", "2024Q5"}} {
		if r := incentCmd(t, append([]string{"gen", filepath.Join(t.TempDir(), "x")}, args...)...); r.code != 2 {
			t.Errorf("gen %v: exit %d, want 2", args, r.code)
		}
	}
	r = incentCmd(t, "calc", "--period", "2024Q3", "--config", filepath.Join(dir, "incent.yaml"), "--statements=false")
	if r.code != 0 {
		t.Fatalf("calc: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	for _, name := range []string{"payouts.csv", "calc-log.jsonl", "rejects.csv"} {
		if _, err := os.Stat(filepath.Join(dir, "out", "2024Q3", "2024Q3-R001", name)); err != nil {
			t.Error(err)
		}
	}
}

// TestQuarterWithoutSales closes a quarter whose sales exports hold only
// their header: a new maker's first quarter, or a month not yet sold. It
// pays nothing, writes every run file and each dealer's statement, and
// replays and verifies as any other run.
func TestQuarterWithoutSales(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "ws")
	if r := incentCmd(t, "gen", dir, "--dealers", "3", "--sales", "0"); r.code != 0 {
		t.Fatalf("gen: exit %d: %s", r.code, r.stderr)
	}
	cfg := filepath.Join(dir, "incent.yaml")
	r := incentCmd(t, "calc", "--period", "2024Q3", "--config", cfg)
	if r.code != 0 {
		t.Fatalf("calc: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	if !strings.Contains(r.stdout, "data/sales/2024-08.csv: read 0 = accepted 0 + rejected 0 + duplicate 0") ||
		!strings.Contains(r.stdout, "0 payout lines, 0 rejected rows") {
		t.Errorf("calc summary:\n%s", r.stdout)
	}
	run := filepath.Join(dir, "out", "2024Q3", "2024Q3-R001")
	payouts, err := os.ReadFile(filepath.Join(run, "payouts.csv"))
	if err != nil {
		t.Fatal(err)
	}
	if want := "period,run_id,payee_type,payee,program_id,program_version,kind,currency,measure,tier,amount\n"; string(payouts) != want {
		t.Errorf("payouts.csv:\n%s\nwant only the header", payouts)
	}
	for _, name := range []string{"calc-log.jsonl", "payments.csv", "rejects.csv", "summary.xlsx", "manifest.json",
		"statements/D001.pdf", "statements/D003.xlsx"} {
		if _, err := os.Stat(filepath.Join(run, name)); err != nil {
			t.Error(err)
		}
	}
	if r := incentCmd(t, "replay", "2024Q3-R001", "--config", cfg); r.code != 0 || !strings.Contains(r.stdout, "identical") {
		t.Errorf("replay: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	if r := incentCmd(t, "verify", "--config", cfg); r.code != 0 {
		t.Errorf("verify: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
}
