package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/incent/incent/ingest"
)

// TestProfileShowRoundTrip prints a built-in profile, pastes it into an
// incent.yaml under a new name, and checks the loaded copy maps the same.
func TestProfileShowRoundTrip(t *testing.T) {
	for _, name := range []string{"cdk", "reynolds", "tekion"} {
		t.Run(name, func(t *testing.T) {
			r := incentCmd(t, "profiles", "show", name)
			if r.code != 0 {
				t.Fatalf("exit %d: %s", r.code, r.stderr)
			}
			dir := t.TempDir()
			yaml := strings.Replace(r.stdout, "  "+name+":", "  mine:", 1)
			cfgPath := filepath.Join(dir, "incent.yaml")
			if err := os.WriteFile(cfgPath, []byte(yaml), 0o644); err != nil {
				t.Fatal(err)
			}
			f := &factory{ios: &IOStreams{}, now: fixedNow, cfgPath: &cfgPath}
			f.v = newViper()
			cfg, err := f.config()
			if err != nil {
				t.Fatal(err)
			}
			got := cfg.Profiles["mine"]
			want := mustBuiltin(t, name)
			if len(got.Columns) != len(want.Columns) {
				t.Fatalf("columns: got %d, want %d", len(got.Columns), len(want.Columns))
			}
			for k, v := range want.Columns {
				if got.Columns[k] != v {
					t.Errorf("column %s = %q, want %q", k, got.Columns[k], v)
				}
			}
			for col, words := range want.Values {
				for word, canon := range words {
					// incent.yaml keys are case-insensitive: words match ignoring case.
					if got.Values[col][strings.ToLower(word)] != canon {
						t.Errorf("value %s/%s = %q, want %q", col, word, got.Values[col][strings.ToLower(word)], canon)
					}
				}
			}
			if got.DateFormat != want.DateFormat {
				t.Errorf("date_format = %q, want %q", got.DateFormat, want.DateFormat)
			}
		})
	}
	if r := incentCmd(t, "profiles", "show", "nosuch"); r.code != 2 {
		t.Errorf("unknown profile: exit %d, want 2", r.code)
	}
}

func mustBuiltin(t *testing.T, name string) ingest.Profile {
	t.Helper()
	p, ok := ingest.BuiltinProfile(name)
	if !ok {
		t.Fatalf("no built-in profile %s", name)
	}
	return p
}
