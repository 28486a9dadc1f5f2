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
