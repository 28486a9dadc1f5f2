// Command incent calculates period-end channel incentive payouts: it loads
// program rules and dealer sales exports into an embedded SQLite file, runs
// the eligibility, crediting, tier and payout passes, and writes statements,
// payout files and a calculation log per run.
package main

import (
	"fmt"
	"os"
	"runtime/pprof"
	"time"

	"golang.org/x/term"
)

func main() {
	ios := &IOStreams{In: os.Stdin, Out: os.Stdout, ErrOut: os.Stderr,
		OutTTY: term.IsTerminal(int(os.Stdout.Fd())), ErrTTY: term.IsTerminal(int(os.Stderr.Fd()))}
	limitMemory()
	stop := profile(os.Getenv("INCENT_CPUPROFILE"))
	code := run(os.Args[1:], ios, time.Now)
	stop()
	os.Exit(code)
}

// profile writes a CPU profile of the whole command to path when it is set,
// for measuring where a large run spends its time (go tool pprof).
func profile(path string) (stop func()) {
	if path == "" {
		return func() {}
	}
	f, err := os.Create(path)
	if err == nil {
		err = pprof.StartCPUProfile(f)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "incent: cpu profile:", err)
		return func() {}
	}
	return func() { pprof.StopCPUProfile(); f.Close() }
}
