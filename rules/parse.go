package rules

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"sort"
	"strings"

	"github.com/incent/incent"
	"github.com/shopspring/decimal"
	"go.yaml.in/yaml/v3"
)

// Parse decodes one program file's bytes strictly; file is the name used in
// error messages. Every problem in the file is reported, as an Errors list
// of *LoadError sorted by line and column.
func Parse(file string, data []byte) (*Program, error) {
	p, _, err := parse(file, data)
	if err == nil && len(p.Refusals) > 0 {
		return nil, p.Refusals
	}
	return p, err
}

// parse is Parse that also returns the node of the id, so that LoadFiles can
// point at a duplicate id.
func parse(file string, data []byte) (*Program, *yaml.Node, error) {
	d := &decoder{file: file, src: data}
	var p *Program
	var idNode *yaml.Node
	if root := d.document(data); root != nil {
		p, idNode = d.program(root)
	}
	if len(d.errs) > 0 {
		d.sortErrs()
		return nil, nil, d.errs
	}
	sum := sha256.Sum256(data)
	d.errs, d.refusals = d.refusals, nil
	d.sortErrs()
	p.Refusals = d.errs
	p.File = file
	p.SHA256 = hex.EncodeToString(sum[:])
	p.Source = bytes.Clone(data)
	return p, idNode, nil
}

// document parses the YAML and returns the single document's root node.
func (d *decoder) document(data []byte) *yaml.Node {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			d.errs = append(d.errs, &LoadError{File: d.file, Line: 1, Col: 1,
				Msg: "the file is empty; a program needs at least id, version, type, currency and effective"})
			return nil
		}
		d.yamlError(err)
		return nil
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); err == nil {
		d.errorf(&extra, "a second YAML document starts here; put one program per file")
	} else if !errors.Is(err, io.EOF) {
		d.yamlError(err)
		return nil
	}
	if doc.Kind != yaml.DocumentNode || len(doc.Content) == 0 || isNull(deref(doc.Content[0])) {
		d.errs = append(d.errs, &LoadError{File: d.file, Line: max(doc.Line, 1), Col: max(doc.Column, 1),
			Msg: "the file has no program; a program needs at least id, version, type, currency and effective"})
		return nil
	}
	return doc.Content[0]
}

// typeNames lists the program types in the order of SPEC §4.1.
func typeNames() []string {
	return []string{
		string(Volume), string(StairStep), string(ModelMix), string(Commission),
		string(Coop), string(RebatePassthrough), string(Certification),
	}
}

// commonKeys are the keys every program type may use.
func commonKeys() []string {
	return []string{"id", "version", "name", "type", "currency", "effective", "payee", "eligibility", "cap", "credit"}
}

// typeKeys are the keys only programs of type t may use.
func typeKeys(t Type) []string {
	switch t {
	case Volume:
		return []string{"threshold", "per_unit"}
	case StairStep:
		return []string{"measure", "basis", "base", "objective_key", "tiers"}
	case Commission:
		return []string{"measure", "basis", "base", "tiers", "family_rates", "kickers"}
	case ModelMix:
		return []string{"rates", "qualify"}
	case Coop:
		return []string{"accrual", "reimburse", "claim_deadline_days"}
	case RebatePassthrough:
		return []string{"rebates", "claim_window_days"}
	case Certification:
		return []string{"certification", "amount", "per_unit", "require"}
	}
	return nil
}

// typesUsing lists the types that use a type-specific key.
func typesUsing(key string) []string {
	var out []string
	for _, t := range typeNames() {
		if contains(typeKeys(Type(t)), key) {
			out = append(out, t)
		}
	}
	return out
}

// program decodes the top-level mapping.
func (d *decoder) program(root *yaml.Node) (*Program, *yaml.Node) {
	f, ok := d.mapping(root, "", nil)
	if !ok {
		return nil, nil
	}
	root = deref(root)
	p := &Program{Payee: PayeeDealer, CreditTo: "selling_dealer"}

	// The type decides which other keys are allowed, so it comes first.
	typeNode := f.get("type")
	typeOK := false
	if typeNode != nil {
		var s string
		s, typeOK = d.enum(typeNode, "type", typeNames())
		p.Type = Type(s)
	}
	allowed := commonKeys()
	if typeOK {
		allowed = append(allowed, typeKeys(p.Type)...)
	}
	for _, e := range f.list {
		switch {
		case contains(allowed, e.key):
		case len(typesUsing(e.key)) > 0:
			// With an unknown type the type's own error says enough.
			if typeOK {
				d.errorf(e.k, "key %q is not used by type %s (it is a %s key)", e.key, p.Type, strings.Join(typesUsing(e.key), " and "))
			}
		default:
			d.errorf(e.k, "unknown key %q (expected one of %s)", e.key, strings.Join(allowed, ", "))
			f.unknown = append(f.unknown, e.key)
		}
	}
	d.require(f, root, "", "id", "version", "type", "currency", "effective")

	if n := f.get("id"); n != nil {
		if s, ok := d.text(n, "id"); ok {
			if validID(s) {
				p.ID = s
			} else {
				d.errorf(n, "id must use only letters, digits, '-' and '_', got %q", s)
			}
		}
	}
	if n := f.get("version"); n != nil {
		p.Version, _ = d.whole(n, "version", 1)
	}
	if n := f.get("name"); n != nil {
		p.Name, _ = d.text(n, "name")
	}
	if n := f.get("currency"); n != nil {
		if s, ok := d.text(n, "currency"); ok {
			c, err := incent.LookupCurrency(s)
			if err != nil {
				d.errorf(n, "%v", err)
			}
			p.Currency = c
		}
	}
	effectiveOK := false
	if n := f.get("effective"); n != nil {
		effectiveOK = d.effective(p, n)
	}
	if n := f.get("payee"); n != nil {
		s, _ := d.enum(n, "payee", []string{string(PayeeDealer), string(PayeeGroup), string(PayeeSalesperson)})
		p.Payee = PayeeKind(s)
	}
	if n := f.get("eligibility"); n != nil {
		d.eligibility(p, n)
	}
	if n := f.get("cap"); n != nil {
		d.cap(p, n)
	}
	if n := f.get("credit"); n != nil {
		d.credit(p, n)
	}
	if !typeOK {
		return p, f.get("id")
	}
	t := typed{d: d, p: p, f: f, at: typeNode, effectiveOK: effectiveOK}
	switch p.Type {
	case Volume:
		t.volume()
	case StairStep:
		t.stairStep()
	case Commission:
		t.commission()
	case ModelMix:
		t.modelMix()
	case Coop:
		t.coop()
	case RebatePassthrough:
		t.rebatePassthrough()
	case Certification:
		t.certification()
	}
	return p, f.get("id")
}

// validID reports whether s uses only ASCII letters, digits, '-' and '_': ids
// name output files and CSV cells, so they stay plain.
func validID(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return s != ""
}

func (d *decoder) effective(p *Program, n *yaml.Node) bool {
	f, ok := d.mapping(n, "effective", []string{"from", "to"})
	if !ok {
		return false
	}
	d.require(f, deref(n), "effective", "from", "to")
	var fromOK, toOK bool
	if v := f.get("from"); v != nil {
		p.From, fromOK = d.date(v, "effective.from")
	}
	if v := f.get("to"); v != nil {
		p.To, toOK = d.date(v, "effective.to")
	}
	if fromOK && toOK && p.To < p.From {
		d.errorf(f.get("to"), "effective.to %s is before effective.from %s", p.To, p.From)
		return false
	}
	return fromOK && toOK
}

func (d *decoder) eligibility(p *Program, n *yaml.Node) {
	const path = "eligibility"
	f, ok := d.optionalMapping(n, path, []string{
		"sale_types", "conditions", "models", "families", "model_years",
		"regions", "segments", "certifications", "when",
	})
	if !ok {
		return
	}
	oneOf := func(choices []string) func(*yaml.Node, string, string) bool {
		return func(item *yaml.Node, path, s string) bool {
			if !contains(choices, s) {
				d.errorf(item, "%s must be one of %s, got %q", path, strings.Join(choices, ", "), s)
				return false
			}
			return true
		}
	}
	e := &p.Elig
	e.SaleTypes = d.textList(f.get("sale_types"), join(path, "sale_types"), oneOf(incent.SaleTypes))
	e.Conditions = d.textList(f.get("conditions"), join(path, "conditions"), oneOf(incent.Conditions))
	e.Models = d.textList(f.get("models"), join(path, "models"), d.modelPattern)
	e.Families = d.textList(f.get("families"), join(path, "families"), nil)
	e.Regions = d.textList(f.get("regions"), join(path, "regions"), nil)
	e.Segments = d.textList(f.get("segments"), join(path, "segments"), nil)
	e.Certifications = d.textList(f.get("certifications"), join(path, "certifications"), nil)
	years, _ := d.list(f.get("model_years"), join(path, "model_years"))
	for i, item := range years {
		ip := index(join(path, "model_years"), i)
		if y, ok := d.whole(item, ip, 0); ok {
			if y < 1900 || y > 9999 {
				d.errorf(item, "%s must be a four-digit year, got %d", ip, y)
				continue
			}
			e.ModelYears = append(e.ModelYears, y)
		}
	}
	if v := f.get("when"); v != nil {
		e.When = d.expression(v, join(path, "when"))
	}
}

// modelPattern checks a model code or prefix pattern ("SUV*").
func (d *decoder) modelPattern(item *yaml.Node, path, s string) bool {
	if i := strings.IndexByte(s, '*'); i >= 0 && i != len(s)-1 {
		d.errorf(item, "%s may have * only at its end (a prefix match such as SUV*), got %q", path, s)
		return false
	}
	return true
}

// expression compiles a when: value, locating errors at the expression text.
func (d *decoder) expression(n *yaml.Node, path string) *Expr {
	s, ok := d.anyText(n, path)
	if !ok {
		return nil
	}
	// A block scalar ends with a newline; trailing space means nothing here.
	s = strings.TrimRight(s, " \t\r\n")
	line, col := d.textStart(n)
	e, err := Compile(s, d.file, line, col)
	if err != nil {
		d.add(err)
		return nil
	}
	return e
}

// textStart returns the line and column of a scalar's first character of
// text: after the opening quote, or on the first line of a block scalar.
func (d *decoder) textStart(n *yaml.Node) (int, int) {
	switch {
	case n.Style&(yaml.SingleQuotedStyle|yaml.DoubleQuotedStyle) != 0:
		return n.Line, n.Column + 1
	case n.Style&(yaml.LiteralStyle|yaml.FoldedStyle) != 0:
		lines := bytes.Split(d.src, []byte("\n"))
		for l := n.Line; l < len(lines); l++ { // lines[l] is file line l+1
			text := bytes.TrimRight(lines[l], "\r")
			trimmed := bytes.TrimLeft(text, " ")
			if len(trimmed) > 0 {
				return l + 1, len(text) - len(trimmed) + 1
			}
		}
	}
	return n.Line, n.Column
}

func (d *decoder) cap(p *Program, n *yaml.Node) {
	f, ok := d.optionalMapping(n, "cap", []string{"measure", "amount"})
	if !ok {
		return
	}
	if v := f.get("measure"); v != nil {
		if x, ok := d.positive(v, "cap.measure"); ok {
			p.Cap.Measure = &x
		}
	}
	if v := f.get("amount"); v != nil {
		if x, ok := d.positive(v, "cap.amount"); ok {
			// A payout is rounded to the currency's minor unit, which
			// could take it past a cap finer than that.
			if cur := p.Currency; cur.Code != "" && !x.Equal(x.Round(int32(cur.Minor))) {
				d.refusef(v, "cap.amount %s is finer than %s's minor unit (%d decimals); a rounded payout could pass it", x.String(), cur.Code, cur.Minor)
			}
			p.Cap.Amount = &x
		}
	}
}

func (d *decoder) credit(p *Program, n *yaml.Node) {
	f, ok := d.optionalMapping(n, "credit", []string{"to", "multipliers"})
	if !ok {
		return
	}
	if v := f.get("to"); v != nil {
		p.CreditTo, _ = d.enum(v, "credit.to", []string{"selling_dealer", "delivering_dealer"})
	}
	items, _ := d.list(f.get("multipliers"), "credit.multipliers")
	for i, item := range items {
		path := index("credit.multipliers", i)
		mf, ok := d.mapping(item, path, []string{"when", "factor"})
		if !ok {
			continue
		}
		d.require(mf, item, path, "when", "factor")
		var m Multiplier
		good := true
		if v := mf.get("when"); v != nil {
			m.When = d.expression(v, join(path, "when"))
			good = good && m.When != nil
		}
		if v := mf.get("factor"); v != nil {
			var ok bool
			m.Factor, ok = d.nonNegative(v, join(path, "factor"))
			good = good && ok
		}
		if good && m.When != nil {
			p.Multipliers = append(p.Multipliers, m)
		}
	}
}

// typed decodes the keys of one program type.
type typed struct {
	d           *decoder
	p           *Program
	f           fields
	at          *yaml.Node // the type's value, where missing keys are reported
	effectiveOK bool
}

// need reports a missing key that the program's type requires.
func (t typed) need(keys ...string) {
	for _, k := range keys {
		if t.f.get(k) == nil && !t.f.misspelt(k) {
			t.d.errorf(t.at, "missing required key %q for type %s", k, t.p.Type)
		}
	}
}

func (t typed) volume() {
	t.need("per_unit")
	if v := t.f.get("threshold"); v != nil {
		t.p.Threshold, _ = t.d.nonNegative(v, "threshold")
	}
	if v := t.f.get("per_unit"); v != nil {
		t.p.PerUnit, _ = t.d.nonNegative(v, "per_unit")
	}
}

// measureBasis decodes measure, basis and base with the type's defaults.
func (t typed) measureBasis(measures []string, defMeasure, defBasis string) {
	t.p.Measure, t.p.Basis, t.p.Base = defMeasure, defBasis, "sale_amount"
	if v := t.f.get("measure"); v != nil {
		t.p.Measure, _ = t.d.enum(v, "measure", measures)
	}
	if v := t.f.get("basis"); v != nil {
		t.p.Basis, _ = t.d.enum(v, "basis", []string{"retroactive", "marginal"})
	}
	if v := t.f.get("base"); v != nil {
		t.p.Base, _ = t.d.enum(v, "base", []string{"sale_amount", "msrp"})
	}
}

func (t typed) stairStep() {
	t.need("tiers")
	t.measureBasis([]string{"units", "revenue", "objective_pct"}, "units", "retroactive")
	if v := t.f.get("objective_key"); v != nil {
		key, ok := t.d.text(v, "objective_key")
		switch {
		case t.p.Measure != "objective_pct" && t.p.Measure != "":
			t.d.errorf(t.f.keyNode("objective_key"), "objective_key is used only with measure: objective_pct")
		case ok:
			t.p.ObjectiveKey = key
		}
	}
	if t.p.Measure == "objective_pct" && t.p.ObjectiveKey == "" {
		t.p.ObjectiveKey = t.p.ID
	}
	t.checkBasis(t.tiers())
}

func (t typed) commission() {
	t.need("tiers")
	t.measureBasis([]string{"revenue", "units"}, "revenue", "marginal")
	t.checkBasis(t.tiers())

	if v := t.f.get("family_rates"); v != nil {
		for _, e := range t.decimalMap(v, "family_rates", t.d.nonNegative) {
			t.p.FamilyRates = append(t.p.FamilyRates, FamilyRate{Family: e.key, Factor: e.value})
		}
	}
	items, _ := t.d.list(t.f.get("kickers"), "kickers")
	months := map[string]int{}
	for i, item := range items {
		path := index("kickers", i)
		f, ok := t.d.mapping(item, path, []string{"month", "add_rate"})
		if !ok {
			continue
		}
		t.d.require(f, item, path, "month", "add_rate")
		var k Kicker
		good := true
		if v := f.get("month"); v != nil {
			k.Month, good = t.month(v, join(path, "month"))
			if j, dup := months[k.Month]; good && dup {
				t.d.errorf(v, "%s repeats the month %s of kickers[%d]", join(path, "month"), k.Month, j)
				good = false
			} else if good {
				months[k.Month] = i
			}
		}
		if v := f.get("add_rate"); v != nil {
			var ok bool
			k.AddRate, ok = t.d.fraction(v, join(path, "add_rate"))
			good = good && ok
		}
		if good && k.Month != "" && f.get("add_rate") != nil {
			t.p.Kickers = append(t.p.Kickers, k)
		}
	}
	sort.SliceStable(t.p.Kickers, func(i, j int) bool { return t.p.Kickers[i].Month < t.p.Kickers[j].Month })
}

// month decodes a kicker month (2024-03), which must overlap the effective window.
func (t typed) month(n *yaml.Node, path string) (string, bool) {
	const want = "a month in the form YYYY-MM"
	if !t.d.scalar(n, path, want) {
		return "", false
	}
	s := n.Value
	per, err := incent.ParsePeriod(s)
	if err != nil || len(s) != len("2006-01") || s[4] != '-' {
		t.d.errorf(n, "%s must be %s, got %s", path, want, describe(n))
		return "", false
	}
	if t.effectiveOK && (per.To < t.p.From || per.From > t.p.To) {
		t.d.errorf(n, "%s %s is outside the effective window %s to %s", path, s, t.p.From, t.p.To)
		return "", false
	}
	return s, true
}

// tiers decodes the tiers list. It returns the kind shared by the tiers, or
// "" when the tiers have no single kind.
func (t typed) tiers() TierKind {
	n := t.f.get("tiers")
	if n == nil {
		return ""
	}
	items, ok := t.d.list(n, "tiers")
	if !ok {
		return ""
	}
	if len(items) == 0 {
		t.d.errorf(n, "tiers must have at least one tier")
		return ""
	}
	var (
		kind      TierKind
		mixed     bool
		prev      *decimal.Decimal
		prevIndex int
	)
	kinds := []string{string(TierPerUnit), string(TierRate), string(TierAmount)}
	for i, item := range items {
		path := index("tiers", i)
		f, ok := t.d.mapping(item, path, []string{"from", "per_unit", "rate", "amount"})
		if !ok {
			continue
		}
		var tier Tier
		good := true
		if v := f.get("from"); v == nil {
			t.d.require(f, item, path, "from")
			good = false
		} else if from, ok := t.d.nonNegative(v, join(path, "from")); !ok {
			good = false
		} else {
			tier.From = from
			if prev != nil {
				switch from.Cmp(*prev) {
				case 0:
					t.d.errorf(v, "%s has the same from (%s) as tiers[%d]; each tier must start above the one before", path, from, prevIndex)
					good = false
				case -1:
					t.d.errorf(v, "%s.from (%s) is below tiers[%d].from (%s); tiers must be in ascending order of from", path, from, prevIndex, prev)
					good = false
				}
			}
			if good || from.GreaterThan(*prev) {
				prev, prevIndex = &from, i
			}
		}

		var present []entry
		for _, e := range f.list {
			if contains(kinds, e.key) {
				present = append(present, e)
			}
		}
		switch len(present) {
		case 0:
			if !f.misspelt("per_unit") && !f.misspelt("rate") && !f.misspelt("amount") {
				t.d.errorf(item, "%s needs one of per_unit, rate or amount", path)
			}
			continue
		case 1:
		default:
			t.d.errorf(present[1].k, "%s has both %s and %s; a tier pays in one way", path, present[0].key, present[1].key)
			continue
		}
		e := present[0]
		tier.Kind = TierKind(e.key)
		vpath := join(path, e.key)
		if tier.Kind == TierRate {
			tier.Value, ok = t.d.fraction(e.v, vpath)
		} else {
			tier.Value, ok = t.d.nonNegative(e.v, vpath)
		}
		good = good && ok

		switch {
		case t.p.Type == Commission && tier.Kind != TierRate:
			t.d.errorf(e.k, "commission tiers pay a rate: use rate instead of %s in %s", tier.Kind, path)
			good = false
		case kind == "":
			kind = tier.Kind
		case tier.Kind != kind && !mixed:
			t.d.errorf(e.k, "tiers mix %s and %s; use one kind per program", kind, tier.Kind)
			mixed, good = true, false
		case tier.Kind != kind:
			good = false
		}
		if good {
			t.p.Tiers = append(t.p.Tiers, tier)
		}
	}
	if mixed {
		return ""
	}
	return kind
}

// checkBasis applies the rules that tie the tier kind to measure and basis.
func (t typed) checkBasis(kind TierKind) {
	p := t.p
	// where points at the key that decided a setting, explicit or defaulted.
	where := func(keys ...string) *yaml.Node {
		for _, k := range keys {
			if n := t.f.get(k); n != nil {
				return n
			}
		}
		return t.f.keyNode("tiers")
	}
	if p.Measure == "" || p.Basis == "" {
		return // already reported as invalid
	}
	switch {
	case p.Basis != "marginal":
	case p.Measure == "objective_pct":
		t.d.errorf(where("basis"), "measure objective_pct is retroactive only; remove basis: marginal")
	case kind == TierAmount:
		t.d.errorf(where("basis"), "amount tiers cannot be marginal: an amount is a flat sum for reaching a tier; use basis: retroactive")
	case kind == TierRate && p.Measure != "revenue":
		t.d.errorf(where("basis", "measure"), "marginal rate tiers need measure: revenue")
	}
	if n := t.f.get("base"); n != nil && kind != "" && kind != TierRate {
		t.d.errorf(t.f.keyNode("base"), "base is used only with rate tiers; these tiers pay %s", kind)
	}
}

// decimalEntry is one key of a mapping of amounts, such as rates: {EV1: 1000}.
type decimalEntry struct {
	key   string
	value decimal.Decimal
}

// decimalMap decodes a non-empty mapping of text keys to numbers, sorted by key.
func (t typed) decimalMap(n *yaml.Node, path string, num func(*yaml.Node, string) (decimal.Decimal, bool)) []decimalEntry {
	f, ok := t.d.mapping(n, path, nil)
	if !ok {
		return nil
	}
	if len(f.list) == 0 {
		t.d.errorf(deref(n), "%s must list at least one entry", path)
		return nil
	}
	var out []decimalEntry
	for _, e := range f.list {
		key, ok := t.d.text(e.k, path+" key")
		if !ok {
			continue
		}
		if v, ok := num(e.v, join(path, key)); ok {
			out = append(out, decimalEntry{key, v})
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].key < out[j].key })
	return out
}

func (t typed) modelMix() {
	t.need("rates")
	if v := t.f.get("rates"); v != nil {
		for _, e := range t.decimalMap(v, "rates", t.d.nonNegative) {
			t.p.Rates = append(t.p.Rates, ModelRate{Model: e.key, Rate: e.value})
		}
	}
	if v := t.f.get("qualify"); v != nil {
		f, ok := t.d.optionalMapping(v, "qualify", []string{"min_share", "of"})
		if !ok {
			return
		}
		t.d.require(f, deref(v), "qualify", "min_share", "of")
		q := &Qualify{}
		good := true
		if n := f.get("min_share"); n != nil {
			var ok bool
			q.MinShare, ok = t.d.fraction(n, "qualify.min_share")
			good = good && ok
		}
		if n := f.get("of"); n != nil {
			q.Of = t.d.textList(n, "qualify.of", nil)
			if len(q.Of) == 0 {
				if items, ok := t.d.list(n, "qualify.of"); ok && len(items) == 0 {
					t.d.errorf(deref(n), "qualify.of must list at least one model")
				}
				good = false
			}
		}
		if good && f.get("min_share") != nil && f.get("of") != nil {
			t.p.Qualify = q
		}
	}
}

func (t typed) coop() {
	t.need("accrual", "reimburse", "claim_deadline_days")
	if v := t.f.get("accrual"); v != nil {
		if f, ok := t.d.mapping(v, "accrual", []string{"per_unit", "rate"}); ok {
			pu, rate := f.get("per_unit"), f.get("rate")
			switch {
			case pu == nil && rate == nil:
				t.d.errorf(deref(v), "accrual needs per_unit or rate")
			case pu != nil && rate != nil:
				t.d.errorf(f.keyNode("rate"), "accrual has both per_unit and rate; use one")
			case pu != nil:
				if x, ok := t.d.nonNegative(pu, "accrual.per_unit"); ok {
					t.p.AccrualPerUnit = &x
				}
			default:
				if x, ok := t.d.fraction(rate, "accrual.rate"); ok {
					t.p.AccrualRate = &x
				}
			}
		}
	}
	if v := t.f.get("reimburse"); v != nil {
		t.p.Reimburse, _ = t.d.fraction(v, "reimburse")
	}
	if v := t.f.get("claim_deadline_days"); v != nil {
		t.p.ClaimDeadlineDays, _ = t.d.whole(v, "claim_deadline_days", 0)
	}
}

func (t typed) rebatePassthrough() {
	t.need("rebates")
	if v := t.f.get("rebates"); v != nil {
		for _, e := range t.decimalMap(v, "rebates", t.d.nonNegative) {
			t.p.Rebates = append(t.p.Rebates, Rebate{Code: e.key, Amount: e.value})
		}
	}
	t.p.ClaimWindowDays = 30
	if v := t.f.get("claim_window_days"); v != nil {
		t.p.ClaimWindowDays, _ = t.d.whole(v, "claim_window_days", 0)
	}
}

func (t typed) certification() {
	t.need("certification")
	if v := t.f.get("certification"); v != nil {
		t.p.Certification, _ = t.d.text(v, "certification")
	}
	if t.f.get("amount") == nil && t.f.get("per_unit") == nil {
		t.d.errorf(t.at, "type certification needs amount, per_unit or both")
	}
	if v := t.f.get("amount"); v != nil {
		if x, ok := t.d.nonNegative(v, "amount"); ok {
			t.p.Amount = &x
		}
	}
	if v := t.f.get("per_unit"); v != nil {
		t.p.PerUnit, _ = t.d.nonNegative(v, "per_unit")
	}
	t.p.Require = "period_end"
	if v := t.f.get("require"); v != nil {
		t.p.Require, _ = t.d.enum(v, "require", []string{"period_end", "whole_period"})
	}
}
