// Command incent calculates period-end channel incentive payouts: it loads
// program rules and dealer sales exports into an embedded SQLite file, runs
// the eligibility, crediting, tier and payout passes, and writes statements,
// payout files and a calculation log per run.
package main

import (
	"os"
	"time"

	"golang.org/x/term"
)

func main() {
	ios := &IOStreams{In: os.Stdin, Out: os.Stdout, ErrOut: os.Stderr,
		OutTTY: term.IsTerminal(int(os.Stdout.Fd())), ErrTTY: term.IsTerminal(int(os.Stderr.Fd()))}
	os.Exit(run(os.Args[1:], ios, time.Now))
}
