package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/incent/incent"
	"github.com/incent/incent/ingest"
	"github.com/incent/incent/store"
	"github.com/incent/incent/workspace"
	"github.com/shopspring/decimal"
	"github.com/spf13/cobra"
	"github.com/spf13/viper"
)

// version is the tool version recorded in every run's manifest; release
// builds set it with -ldflags "-X main.version=...".
var version = "0.4.0-dev"

// IOStreams are the command's standard streams and whether each is a terminal.
type IOStreams struct {
	In     io.Reader
	Out    io.Writer
	ErrOut io.Writer
	OutTTY bool
	ErrTTY bool
}

// factory carries what every command needs: streams, clock and the
// configuration loader.
type factory struct {
	ios     *IOStreams
	now     func() time.Time
	cfgPath *string
	v       *viper.Viper
}

// run executes the command line and returns the process exit code.
func run(args []string, ios *IOStreams, now func() time.Time) int {
	f := &factory{ios: ios, now: now, v: newViper()}
	root := newRootCmd(f)
	root.SetArgs(args)
	root.SetOut(ios.Out)
	root.SetErr(ios.ErrOut)
	err := root.Execute()
	if err == nil {
		return 0
	}
	fmt.Fprintln(ios.ErrOut, "incent: "+strings.TrimSpace(err.Error()))
	return exitCode(err)
}

// newViper returns the configuration reader. The key delimiter is "::" so
// that a DMS header such as "Deal No." is never split into nested keys.
func newViper() *viper.Viper { return viper.NewWithOptions(viper.KeyDelimiter("::")) }

// exitCode maps an error to the exit codes of SPEC §9, in one place.
func exitCode(err error) int {
	var coded interface{ ExitCode() int }
	if errors.As(err, &coded) {
		return coded.ExitCode()
	}
	var usage *usageErr
	if errors.As(err, &usage) {
		return workspace.ExitUsage
	}
	// A word that names no command: cobra says so in a plain error.
	if strings.HasPrefix(err.Error(), "unknown command ") {
		return workspace.ExitUsage
	}
	return 1
}

// usageErr is a bad flag or argument.
type usageErr struct{ err error }

func (e *usageErr) Error() string { return e.err.Error() }

func newRootCmd(f *factory) *cobra.Command {
	root := &cobra.Command{
		Use:           "incent",
		Short:         "Calculate channel incentive payouts, exact and explained",
		SilenceErrors: true,
		SilenceUsage:  true,
		Version:       version,
	}
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return &usageErr{err} })
	f.cfgPath = root.PersistentFlags().String("config", "", "workspace configuration file (default ./incent.yaml)")
	pf := root.PersistentFlags()
	pf.String("db", "", "database file (overrides db:)")
	pf.String("out", "", "output folder (overrides out:)")
	pf.String("rounding", "", "half_up or half_even (overrides rounding:)")
	pf.String("profile", "", "sales column profile (overrides profile:)")
	pf.String("max-rejects", "", "share of sales rows that may be rejected (overrides max_rejects:)")
	pf.String("memory", "", "memory budget, such as 1GiB, or off (overrides memory:)")
	for key, flag := range map[string]string{"db": "db", "out": "out", "rounding": "rounding", "profile": "profile", "max_rejects": "max-rejects",
		"memory": "memory"} {
		_ = f.v.BindPFlag(key, pf.Lookup(flag))
	}
	root.AddCommand(newCmdInit(f), newCmdGen(f, nil), newCmdCalc(f, nil), newCmdRuns(f), newCmdProfiles(f), newCmdExplain(f), newCmdIngest(f, nil),
		newCmdReplay(f), newCmdStatements(f), newCmdVerify(f), newCmdDiff(f))
	// cobra adds these when the command runs; added now, their arguments
	// are checked as every other command's are. Help for a topic that is
	// no command is a usage error, not the root's help and exit 0.
	root.InitDefaultHelpCmd()
	for _, c := range root.Commands() {
		if c.Name() != "help" || c.Run == nil {
			continue
		}
		show := c.Run
		c.Run = nil
		c.RunE = func(c *cobra.Command, args []string) error {
			if _, rest, err := root.Find(args); err != nil || len(rest) > 0 {
				return &usageErr{fmt.Errorf("no help topic %q; see incent --help", strings.Join(args, " "))}
			}
			show(c, args)
			return nil
		}
	}
	root.InitDefaultCompletionCmd()
	usageArgs(root)
	return root
}

// usageArgs makes a wrong number of arguments a usage error (exit 2) in
// cmd and every command under it.
func usageArgs(cmd *cobra.Command) {
	// A command that only groups others (completion) shows its help; given
	// a word that names none of them, that is a usage error.
	if cmd.HasParent() && !cmd.Runnable() && cmd.HasSubCommands() {
		cmd.Args = cobra.ArbitraryArgs
		cmd.RunE = func(c *cobra.Command, args []string) error {
			if len(args) > 0 {
				return &usageErr{fmt.Errorf("unknown command %q for %q", args[0], c.CommandPath())}
			}
			return c.Help()
		}
	}
	if check := cmd.Args; check != nil {
		cmd.Args = func(c *cobra.Command, args []string) error {
			if err := check(c, args); err != nil {
				var u *usageErr
				if errors.As(err, &u) {
					return err
				}
				return &usageErr{err}
			}
			return nil
		}
	}
	for _, sub := range cmd.Commands() {
		usageArgs(sub)
	}
}

// openDB reads the configuration and opens the workspace's existing
// database, for the commands that only read what calc stored.
func (f *factory) openDB() (*workspace.Config, *store.DB, error) {
	cfg, err := f.config()
	if err != nil {
		return nil, nil, err
	}
	db, err := cfg.OpenExisting(f.now)
	if err != nil {
		return nil, nil, err
	}
	return cfg, db, nil
}

// config loads the workspace configuration: incent.yaml (or --config), then
// INCENT_* variables, then flags. Program files never pass through here.
func (f *factory) config() (*workspace.Config, error) {
	v := f.v
	v.SetDefault("db", "incent.db")
	v.SetDefault("programs", "programs")
	v.SetDefault("out", "out")
	v.SetDefault("inputs::sales", []string{"data/sales/*.csv", "data/sales/*.xlsx"})
	v.SetDefault("inputs::dealers", "data/dealers.csv")
	v.SetDefault("inputs::objectives", "data/objectives.csv")
	v.SetDefault("inputs::certifications", "data/certifications.csv")
	v.SetDefault("inputs::claims", "data/coop-claims.csv")
	v.SetDefault("profile", "canonical")
	v.SetDefault("rounding", "half_up")
	v.SetDefault("max_rejects", "0.01")
	v.SetDefault("vin_check", ingest.VINCheckReject)
	v.SetDefault("maker", "")
	v.SetDefault("memory", defaultMemory)
	v.SetEnvPrefix("INCENT")
	v.SetEnvKeyReplacer(strings.NewReplacer("::", "_"))
	v.AutomaticEnv()

	dir := "."
	if *f.cfgPath != "" {
		v.SetConfigFile(*f.cfgPath)
		dir = filepath.Dir(*f.cfgPath)
		if err := v.ReadInConfig(); err != nil {
			return nil, &usageErr{fmt.Errorf("read %s: %v", *f.cfgPath, err)}
		}
	} else if _, err := os.Stat("incent.yaml"); err == nil {
		v.SetConfigFile("incent.yaml")
		if err := v.ReadInConfig(); err != nil {
			return nil, &usageErr{fmt.Errorf("read incent.yaml: %v", err)}
		}
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, err
	}
	cfg := &workspace.Config{Dir: abs, DB: v.GetString("db"), Programs: v.GetString("programs"), Out: v.GetString("out"),
		Profile: v.GetString("profile"), MaxRejects: v.GetString("max_rejects"), Maker: v.GetString("maker"), VINCheck: v.GetString("vin_check")}
	// Checked here, not once the whole quarter has been calculated.
	if d, err := decimal.NewFromString(cfg.MaxRejects); err != nil || d.IsNegative() || d.GreaterThan(decimal.NewFromInt(1)) {
		return nil, &usageErr{fmt.Errorf("max_rejects %q: expected a share of the sales rows from 0 to 1, such as 0.01", cfg.MaxRejects)}
	}
	if cfg.VINCheck != ingest.VINCheckReject && cfg.VINCheck != ingest.VINCheckWarn {
		return nil, &usageErr{fmt.Errorf("vin_check %q: expected reject or warn", cfg.VINCheck)}
	}
	budget, err := parseMemory(v.GetString("memory"))
	if err != nil {
		return nil, &usageErr{err}
	}
	budgetMemory(budget)
	cfg.Memory = budget
	cfg.Inputs = workspace.Inputs{Sales: list(v.Get("inputs::sales")), Dealers: list(v.Get("inputs::dealers")),
		Objectives: list(v.Get("inputs::objectives")), Certifications: list(v.Get("inputs::certifications")),
		Claims: list(v.Get("inputs::claims"))}
	if cfg.Rounding, err = incent.ParseRounding(v.GetString("rounding")); err != nil {
		return nil, &usageErr{err}
	}
	if cfg.Profiles, err = profiles(v); err != nil {
		return nil, &usageErr{err}
	}
	return cfg, nil
}

// list reads a configuration value written as one string or a list.
func list(x any) []string {
	switch t := x.(type) {
	case string:
		if t == "" {
			return nil
		}
		return []string{t}
	case []string:
		return t
	case []any:
		out := make([]string, 0, len(t))
		for _, e := range t {
			out = append(out, fmt.Sprint(e))
		}
		return out
	}
	return nil
}

// profiles reads the user-defined DMS profiles under profiles:.
func profiles(v *viper.Viper) (map[string]ingest.Profile, error) {
	raw := v.GetStringMap("profiles")
	out := make(map[string]ingest.Profile, len(raw))
	for name := range raw {
		sub := v.Sub("profiles::" + name)
		if sub == nil {
			continue
		}
		p := ingest.Profile{Name: name, DateFormat: sub.GetString("date_format"), DecimalComma: sub.GetBool("decimal_comma"),
			Sheet: sub.GetString("sheet"), Columns: sub.GetStringMapString("columns"), Values: map[string]map[string]string{}}
		for col := range sub.GetStringMap("values") {
			p.Values[col] = sub.GetStringMapString("values::" + col)
		}
		for k := range sub.AllSettings() {
			switch k {
			case "columns", "values", "date_format", "decimal_comma", "sheet":
			default:
				return nil, fmt.Errorf("profiles.%s: unknown key %q (expected columns, values, date_format, decimal_comma, sheet)", name, k)
			}
		}
		out[name] = p
	}
	return out, nil
}

// env is the outside world a workspace command sees.
func (f *factory) env() workspace.Env {
	user := os.Getenv("INCENT_USER")
	if user == "" {
		user = os.Getenv("USER")
	}
	if user == "" {
		user = "unknown"
	}
	e := workspace.Env{Now: f.now, User: user, ToolVersion: version}
	if f.ios.ErrTTY {
		// Progress lines carry the time since the command started, so a
		// long close shows where it is and how long each step took.
		start := time.Now()
		e.Progress = func(format string, args ...any) {
			fmt.Fprintf(f.ios.ErrOut, "… %5.1fs "+format+"\n", append([]any{time.Since(start).Seconds()}, args...)...)
		}
	}
	return e
}
