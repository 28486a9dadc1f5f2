package main

import (
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/incent/incent/ingest"
	"github.com/spf13/cobra"
)

func newCmdProfiles(f *factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "profiles",
		Short: "List DMS column profiles, or show one to copy into incent.yaml",
		Args:  cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			for _, name := range ingest.BuiltinProfileNames() {
				fmt.Fprintln(f.ios.Out, name)
			}
			return nil
		},
	}
	cmd.AddCommand(&cobra.Command{
		Use:   "show NAME",
		Short: "Print a profile as YAML for incent.yaml's profiles: section",
		Args:  cobra.ExactArgs(1),
		RunE: func(_ *cobra.Command, args []string) error {
			p, ok := ingest.BuiltinProfile(args[0])
			if !ok {
				if cfg, err := f.config(); err == nil {
					p, ok = cfg.Profiles[args[0]]
				}
			}
			if !ok {
				return &usageErr{fmt.Errorf("no profile %q; built in: %s", args[0], strings.Join(ingest.BuiltinProfileNames(), ", "))}
			}
			fmt.Fprint(f.ios.Out, profileYAML(args[0], p))
			return nil
		},
	})
	return cmd
}

// profileYAML prints a profile in the form incent.yaml takes, keys sorted.
func profileYAML(name string, p ingest.Profile) string {
	var b strings.Builder
	fmt.Fprintf(&b, "profiles:\n  %s:\n", name)
	if len(p.Columns) > 0 {
		b.WriteString("    columns:\n")
		for _, k := range sortedKeys(p.Columns) {
			fmt.Fprintf(&b, "      %s: %s\n", k, strconv.Quote(p.Columns[k]))
		}
	}
	if len(p.Values) > 0 {
		b.WriteString("    values:\n")
		cols := make([]string, 0, len(p.Values))
		for c := range p.Values {
			cols = append(cols, c)
		}
		sort.Strings(cols)
		for _, c := range cols {
			fmt.Fprintf(&b, "      %s:\n", c)
			for _, k := range sortedKeys(p.Values[c]) {
				fmt.Fprintf(&b, "        %s: %s\n", strconv.Quote(k), p.Values[c][k])
			}
		}
	}
	if p.DateFormat != "" {
		fmt.Fprintf(&b, "    date_format: %s\n", strconv.Quote(p.DateFormat))
	}
	fmt.Fprintf(&b, "    decimal_comma: %t\n", p.DecimalComma)
	if p.Sheet != "" {
		fmt.Fprintf(&b, "    sheet: %s\n", strconv.Quote(p.Sheet))
	}
	return b.String()
}

func sortedKeys(m map[string]string) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
