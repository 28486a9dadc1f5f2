package workspace

import (
	"bufio"
	"bytes"
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/incent/incent"
	"github.com/incent/incent/store"
	"github.com/shopspring/decimal"
)

// ExplainOptions select what explain tells.
type ExplainOptions struct {
	Period  string
	RunID   string // "" = the period's newest run
	Payee   string
	Type    string // "" = whichever kind of payee Payee names; needed when it names two
	Program string // "" = every program
	VIN     string // "" = every sale
}

// Explain writes, in plain words, how a run paid one payee: which sales
// counted and with what credit, which did not and why, the measure, the
// tier, the formula and the rounding. It reads the run's own calculation
// log, checked against the SHA-256 its manifest recorded, so it tells what
// the run decided and never recomputes.
func (c *Config) Explain(ctx context.Context, env Env, w io.Writer, opts ExplainOptions) error {
	db, err := c.OpenExisting(env.Now)
	if err != nil {
		return err
	}
	defer db.Close()
	var run *store.Run
	err = db.Read(ctx, func(tx *store.Tx) error {
		id := opts.RunID
		if id == "" {
			runs, err := tx.Runs(opts.Period)
			if err != nil {
				return err
			}
			if len(runs) == 0 {
				return usageError("no run for period %s yet: incent calc --period %s writes one", opts.Period, opts.Period)
			}
			id = runs[0].ID
		}
		run, err = tx.GetRun(id)
		if err != nil {
			return NoRun(err)
		}
		if opts.Period != "" && run.Period != opts.Period {
			return usageError("run %s is of period %s, not %s: give one of --run and --period, or both alike", run.ID, run.Period, opts.Period)
		}
		return nil
	})
	if err != nil {
		return err
	}
	var m Manifest
	if err := json.Unmarshal([]byte(run.Manifest), &m); err != nil {
		return fmt.Errorf("run %s: manifest: %w", run.ID, err)
	}
	logPath := filepath.Join(c.Path(c.Out), run.Period, run.ID, "calc-log.jsonl")
	sales, payouts, err := readLog(logPath, m.Files["calc-log.jsonl"], opts)
	if err != nil {
		return err
	}
	if len(payouts) == 0 && len(sales) == 0 {
		return usageError("run %s has no payout line and no sale for payee %q", run.ID, opts.Payee)
	}
	// A program asked for must be the run's.
	var prog *ManifestProgram
	if opts.Program != "" {
		i := slices.IndexFunc(m.Programs, func(p ManifestProgram) bool { return p.ID == opts.Program })
		if i < 0 {
			return usageError("run %s has no program %q (incent runs show %s lists its programs)", run.ID, opts.Program, run.ID)
		}
		prog = &m.Programs[i]
	}
	// A salesperson may carry a dealer's code: the two are different payees.
	var types []string
	for _, p := range payouts {
		if !slices.Contains(types, p.PayeeType) {
			types = append(types, p.PayeeType)
		}
	}
	if opts.Type == "" && prog != nil && slices.Contains(types, prog.Payee) {
		opts.Type = prog.Payee // the program says which
	}
	if opts.Type == "" && len(types) > 1 {
		slices.Sort(types)
		return usageError("run %s pays %s as a %s; give --type to say which to explain", run.ID, opts.Payee, strings.Join(types, " and as a "))
	}
	if opts.Type == "" && len(types) == 1 {
		opts.Type = types[0]
	}
	payouts = slices.DeleteFunc(payouts, func(p logPayout) bool {
		return p.PayeeType != opts.Type || opts.Program != "" && p.Program != opts.Program
	})
	// A program or VIN that selects nothing is a typo more often than not:
	// say so rather than explain nothing.
	kind := cmp.Or(opts.Type, "dealer")
	if prog != nil && prog.Payee != kind {
		return usageError("program %s pays %s, not %s: give --payee one of those", prog.ID, payeesWord(prog.Payee), payeesWord(kind))
	}
	if opts.VIN != "" && len(sales) == 0 {
		return usageError("run %s has no sale of VIN %s for %s %s", run.ID, opts.VIN, kind, opts.Payee)
	}
	return writeExplanation(w, run, m, opts, sales, payouts)
}

// payeesWord is the plural of a kind of payee.
func payeesWord(kind string) string {
	if kind == "salesperson" {
		return "salespeople"
	}
	return kind + "s"
}

// readLog reads the payee's lines from a run's calculation log, checking
// the whole file against the hash the manifest recorded.
func readLog(path, wantSHA string, opts ExplainOptions) ([]logSale, []logPayout, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, usageError("the run's calculation log is missing (%v); it is written under out/ by calc", err)
	}
	defer f.Close()
	h := sha256.New()
	sc := bufio.NewScanner(io.TeeReader(f, h))
	sc.Buffer(make([]byte, 1<<20), 64<<20)
	var sales []logSale
	var payouts []logPayout
	// A line that concerns the payee names it as a JSON string; the others,
	// nearly all of a large run's million, are skipped without decoding.
	quoted := appendJSONString(nil, opts.Payee)
	for sc.Scan() {
		line := sc.Bytes()
		if !bytes.Contains(line, quoted) {
			continue
		}
		switch {
		case strings.HasPrefix(string(line[:min(len(line), 10)]), `{"sale":`):
			var s logSale
			if err := json.Unmarshal(line, &s); err != nil {
				return nil, nil, fmt.Errorf("%s: %w", path, err)
			}
			if opts.VIN != "" && s.VIN != opts.VIN {
				continue
			}
			if s.Dealer == opts.Payee || creditedTo(s, opts.Payee) {
				sales = append(sales, s)
			}
		default:
			var p logPayout
			if err := json.Unmarshal(line, &p); err != nil {
				return nil, nil, fmt.Errorf("%s: %w", path, err)
			}
			// Every program's line: the kind of payee is told by them all
			// (Explain keeps the one program asked for).
			if p.Payee == opts.Payee && (opts.Type == "" || p.PayeeType == opts.Type) {
				payouts = append(payouts, p)
			}
		}
	}
	if err := sc.Err(); err != nil {
		return nil, nil, err
	}
	if got := hex.EncodeToString(h.Sum(nil)); wantSHA != "" && got != wantSHA {
		return nil, nil, &Error{Code: ExitDiffers, Err: fmt.Errorf("%s does not match the SHA-256 its run recorded: the file was changed after the run", path)}
	}
	return sales, payouts, nil
}

func creditedTo(s logSale, payee string) bool {
	for _, credits := range s.Counts {
		if _, ok := credits[payee]; ok {
			return true
		}
	}
	return false
}

func writeExplanation(w io.Writer, run *store.Run, m Manifest, opts ExplainOptions, sales []logSale, payouts []logPayout) error {
	bw := bufio.NewWriter(w)
	progs := map[string]ManifestProgram{}
	for _, p := range m.Programs {
		progs[p.ID] = p
	}
	payeeType := "dealer"
	if opts.Type != "" {
		payeeType = opts.Type
	}
	fmt.Fprintf(bw, "How run %s paid %s %s for %s", run.ID, payeeType, opts.Payee, run.Period)
	if m.Provisional {
		fmt.Fprintf(bw, " (PROVISIONAL, sales up to %s)", m.AsOf)
	}
	fmt.Fprintln(bw, ".")
	if opts.VIN != "" {
		fmt.Fprintf(bw, "Only the sales of VIN %s are listed.\n", opts.VIN)
	}

	// Programs: those that paid the payee a line, then those of the same
	// payee kind under which none of the payee's sales counted.
	ids := []string{}
	paid := map[string]logPayout{}
	for _, p := range payouts {
		paid[p.Program] = p
		ids = append(ids, p.Program)
	}
	for _, p := range m.Programs {
		if _, ok := paid[p.ID]; !ok && p.Payee == payeeType && (opts.Program == "" || opts.Program == p.ID) {
			ids = append(ids, p.ID)
		}
	}
	sort.Strings(ids)
	totals := map[string]decimal.Decimal{}
	for _, id := range ids {
		p := progs[id]
		fmt.Fprintf(bw, "\n%s v%d, %s (%s)\n", id, p.Version, p.Name, strings.ReplaceAll(p.Type, "_", " "))
		var counted, excluded []string
		// For a program that pays on revenue, each counted sale's revenue is
		// told too; the log has it only where it is not zero.
		l, ok := paid[id]
		onRevenue := ok && l.MeasureOf == "revenue"
		for _, f := range l.Formula {
			onRevenue = onRevenue || strings.Contains(f, "revenue")
		}
		for _, s := range sales {
			onRevenue = onRevenue || len(s.Revenue[id]) > 0
		}
		for _, s := range sales {
			desc := fmt.Sprintf("%s deal %s VIN %s %s %s", s.Date, s.Deal, s.VIN, s.Model, s.Type)
			if s.Quantity < 0 {
				desc += " (reversal of " + s.Reverses + ")"
			}
			if reason, ok := s.reasonFor(id); ok {
				excluded = append(excluded, desc+": "+reason)
				continue
			}
			credits := s.Counts[id]
			for _, payee := range slices.Sorted(maps.Keys(credits)) {
				if payee == opts.Payee {
					line := desc + ": credit " + credits[payee]
					if rev, ok := s.Revenue[id][payee]; ok {
						line += ", revenue " + rev
					} else if onRevenue {
						line += ", revenue 0"
					}
					counted = append(counted, line)
				} else if s.Dealer == opts.Payee && payeeType == "dealer" {
					excluded = append(excluded, desc+": credited to "+payee)
				}
			}
		}
		fmt.Fprintf(bw, "  %s counted%s\n", salesCount(len(counted)), colon(counted))
		for _, s := range counted {
			fmt.Fprintln(bw, "    "+s)
		}
		fmt.Fprintf(bw, "  %s did not count%s\n", salesCount(len(excluded)), colon(excluded))
		for _, s := range excluded {
			fmt.Fprintln(bw, "    "+s)
		}
		if !ok {
			fmt.Fprintln(bw, "  No sale counted, so this program has no payout line.")
			continue
		}
		fmt.Fprintf(bw, "  Measure: %s.", measureWords(l))
		if l.Tier != "" {
			fmt.Fprintf(bw, " Tier reached: %s.", l.Tier)
		}
		if l.NextTier != "" {
			fmt.Fprintf(bw, " Next: %s.", l.NextTier)
		}
		fmt.Fprintln(bw)
		fmt.Fprintln(bw, "  How the amount was calculated:")
		for _, f := range l.Formula {
			fmt.Fprintln(bw, "    "+f)
		}
		cur, err := incent.LookupCurrency(l.Currency)
		if err != nil {
			return err
		}
		amt, err := decimal.NewFromString(l.Amount)
		if err != nil {
			return fmt.Errorf("run %s: amount %q: %w", run.ID, l.Amount, err)
		}
		fmt.Fprintf(bw, "  Unrounded %s, rounded %s once to %s %s.\n", l.Unrounded, l.Rounding, incent.FormatMoney(amt, cur), cur.Code)
		totals[cur.Code] = totals[cur.Code].Add(amt)
	}
	if opts.Program == "" && opts.VIN == "" {
		curs := make([]string, 0, len(totals))
		for code := range totals {
			curs = append(curs, code)
		}
		sort.Strings(curs)
		for _, code := range curs {
			cur, _ := incent.LookupCurrency(code)
			fmt.Fprintf(bw, "\nTotal %s: %s, the sum of the rounded lines above.\n", code, incent.FormatMoney(totals[code], cur))
		}
	}
	return bw.Flush()
}

// salesCount is "1 sale" or "n sales".
func salesCount(n int) string {
	if n == 1 {
		return "1 sale"
	}
	return strconv.Itoa(n) + " sales"
}

func colon(xs []string) string {
	if len(xs) == 0 {
		return "."
	}
	return ":"
}

// measureWords prints a logged measure with its unit.
func measureWords(l logPayout) string {
	switch l.MeasureOf {
	case "revenue":
		if d, err := decimal.NewFromString(l.Measure); err == nil {
			if cur, err := incent.LookupCurrency(l.Currency); err == nil {
				return incent.FormatMoney(d, cur) + " " + cur.Code + " credited revenue"
			}
		}
	case "objective_pct":
		return l.Measure + "% of objective"
	case "units":
		return incent.GroupThousands(l.Measure) + " credited units"
	}
	return l.Measure
}
