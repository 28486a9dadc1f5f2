package rules

import (
	"bytes"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/incent/incent"
	"github.com/shopspring/decimal"
	"go.yaml.in/yaml/v3"
)

// decoder walks one file's YAML node tree and collects every problem it finds,
// so that a user fixes a file in one pass rather than one error per run.
type decoder struct {
	file string
	src  []byte
	errs Errors
	// refusals are problems that stop a new calculation from using the
	// program but not a run already stored with it from being read again
	// (see Program.Refusals).
	refusals Errors
}

// refusef records a refusal at a node's line and column.
func (d *decoder) refusef(n *yaml.Node, format string, args ...any) {
	errs := d.errs
	d.errs = nil
	d.errorf(n, format, args...)
	d.refusals = append(d.refusals, d.errs...)
	d.errs = errs
}

// errorf records a problem at a node's line and column.
func (d *decoder) errorf(n *yaml.Node, format string, args ...any) {
	line, col := 1, 0
	if n != nil && n.Line > 0 {
		line, col = n.Line, n.Column
	}
	d.errs = append(d.errs, &LoadError{File: d.file, Line: line, Col: col, Msg: fmt.Sprintf(format, args...)})
}

// add records an error that already carries its place in the file.
func (d *decoder) add(err error) { d.errs = append(d.errs, err) }

// sortErrs orders the errors by their place in the file.
func (d *decoder) sortErrs() {
	sort.SliceStable(d.errs, func(i, j int) bool {
		a, b := loadErrorPos(d.errs[i]), loadErrorPos(d.errs[j])
		if a.Line != b.Line {
			return a.Line < b.Line
		}
		return a.Col < b.Col
	})
}

func loadErrorPos(err error) LoadError {
	var le *LoadError
	if errors.As(err, &le) {
		return *le
	}
	return LoadError{}
}

// yamlError records a YAML syntax error. The YAML parser reports only a
// line, so the column is left unknown.
func (d *decoder) yamlError(err error) {
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	line, col := 1, 0
	if rest, ok := strings.CutPrefix(msg, "line "); ok {
		if num, after, ok := strings.Cut(rest, ": "); ok {
			if n, err := strconv.Atoi(num); err == nil && n > 0 {
				line, msg = n, after
				// The parser (unlike the scanner) reports a 0-based line.
				switch msg {
				case "did not find expected ',' or ']'", "did not find expected ',' or '}'",
					"did not find expected <document start>", "did not find expected '-' indicator",
					"did not find expected key", "did not find expected node content",
					"found duplicate %YAML directive", "found incompatible YAML document",
					"found undefined tag handle", "found duplicate %TAG directive":
					line++
				}
			}
		}
	} else if name, ok := strings.CutPrefix(msg, "unknown anchor '"); ok {
		name = strings.TrimSuffix(name, "' referenced")
		if i := bytes.Index(d.src, []byte("*"+name)); i >= 0 && name != "" {
			line = bytes.Count(d.src[:i], []byte("\n")) + 1
			col = i - bytes.LastIndexByte(d.src[:i], '\n')
		}
	}
	d.errs = append(d.errs, &LoadError{File: d.file, Line: line, Col: col, Msg: "invalid YAML: " + msg})
}

// deref follows YAML aliases to the node they name.
func deref(n *yaml.Node) *yaml.Node {
	for i := 0; n != nil && n.Kind == yaml.AliasNode && n.Alias != nil && i < 64; i++ {
		n = n.Alias
	}
	return n
}

// isNull reports whether a node is an explicit or implied YAML null.
func isNull(n *yaml.Node) bool {
	return n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null"
}

// describe names a value for "got ..." in messages.
func describe(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.AliasNode:
		return "an alias"
	}
	if isNull(n) && (n.Value == "" || n.Value == "~") {
		return "nothing"
	}
	return strconv.Quote(n.Value)
}

// join appends a key to a path for messages: "effective" + "from".
func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

// index appends a list index to a path: "tiers" + 1 = "tiers[1]".
func index(path string, i int) string { return fmt.Sprintf("%s[%d]", path, i) }

// inPath is the " in tiers[1]" part of a message, empty at the top level.
func inPath(path string) string {
	if path == "" {
		return ""
	}
	return " in " + path
}

// entry is one key and its value in a YAML mapping.
type entry struct {
	key  string
	k, v *yaml.Node
}

// fields is the decoded content of a mapping, by key.
type fields struct {
	list    []entry
	byKey   map[string]entry
	unknown []string // keys reported as unknown
}

// misspelt reports whether an unknown key of the mapping looks like a
// misspelling of key, so that a missing-key error would only repeat the
// unknown-key error.
func (f fields) misspelt(key string) bool {
	for _, u := range f.unknown {
		if editDistance(u, key) <= max(1, len(key)/3) {
			return true
		}
	}
	return false
}

// editDistance is the Levenshtein distance between two short strings.
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

// get returns a key's value node, or nil when the key is absent.
func (f fields) get(key string) *yaml.Node {
	if e, ok := f.byKey[key]; ok {
		return e.v
	}
	return nil
}

// keyNode returns a key's own node, or nil when the key is absent.
func (f fields) keyNode(key string) *yaml.Node {
	if e, ok := f.byKey[key]; ok {
		return e.k
	}
	return nil
}

// mapping decodes a mapping node's keys, reporting keys that are not text,
// duplicate keys, and keys outside allowed (when allowed is not nil). ok is
// false when n is not a mapping.
func (d *decoder) mapping(n *yaml.Node, path string, allowed []string) (fields, bool) {
	f := fields{byKey: map[string]entry{}}
	n = deref(n)
	if n.Kind != yaml.MappingNode {
		if path == "" {
			d.errorf(n, "a program file must be a mapping of keys such as id, version and type, got %s", describe(n))
		} else {
			d.errorf(n, "%s must be a mapping of keys, got %s", path, describe(n))
		}
		return f, false
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := deref(n.Content[i]), deref(n.Content[i+1])
		if k.Kind != yaml.ScalarNode {
			d.errorf(k, "keys must be text, got %s%s", describe(k), inPath(path))
			continue
		}
		if k.ShortTag() == "!!merge" {
			d.errorf(k, "merge keys (<<) are not supported%s; write the keys out", inPath(path))
			continue
		}
		key := k.Value
		if first, dup := f.byKey[key]; dup {
			d.errorf(k, "duplicate key %q%s (first at line %d)", key, inPath(path), first.k.Line)
			continue
		}
		if allowed != nil && !contains(allowed, key) {
			d.errorf(k, "unknown key %q%s (expected one of %s)", key, inPath(path), strings.Join(allowed, ", "))
			f.unknown = append(f.unknown, key)
			continue
		}
		e := entry{key: key, k: k, v: v}
		f.list = append(f.list, e)
		f.byKey[key] = e
	}
	return f, true
}

// optionalMapping is mapping for a value that may be null, meaning absent.
func (d *decoder) optionalMapping(n *yaml.Node, path string, allowed []string) (fields, bool) {
	if n == nil || isNull(deref(n)) {
		return fields{byKey: map[string]entry{}}, false
	}
	return d.mapping(n, path, allowed)
}

// require reports each missing required key at the node that should hold it.
func (d *decoder) require(f fields, at *yaml.Node, path string, keys ...string) {
	for _, k := range keys {
		if _, ok := f.byKey[k]; !ok && !f.misspelt(k) {
			d.errorf(at, "missing required key %q%s", k, inPath(path))
		}
	}
}

// scalar checks that n is a non-null scalar.
func (d *decoder) scalar(n *yaml.Node, path, want string) bool {
	if n.Kind != yaml.ScalarNode || isNull(n) {
		d.errorf(n, "%s must be %s, got %s", path, want, describe(n))
		return false
	}
	return true
}

// anyText decodes a scalar as text. A YAML boolean, or a plain yes/no/on/off
// that older YAML reads as one, is rejected: the author must quote it.
func (d *decoder) anyText(n *yaml.Node, path string) (string, bool) {
	if !d.scalar(n, path, "text") {
		return "", false
	}
	switch n.ShortTag() {
	case "!!str", "!!int", "!!float", "!!timestamp":
	case "!!bool":
		d.errorf(n, "%s must be text, got the boolean %s (quote it if you mean the word)", path, n.Value)
		return "", false
	default:
		d.errorf(n, "%s must be text, got %s tagged %s", path, describe(n), n.Tag)
		return "", false
	}
	if n.Style&(yaml.SingleQuotedStyle|yaml.DoubleQuotedStyle) == 0 {
		switch strings.ToLower(n.Value) {
		case "yes", "no", "on", "off":
			d.errorf(n, "%s %q reads as a boolean in YAML 1.1; quote it if you mean the word", path, n.Value)
			return "", false
		}
	}
	return n.Value, true
}

// text decodes a text value that must not be empty or have spaces at its
// ends: codes and names are compared exactly with input data.
func (d *decoder) text(n *yaml.Node, path string) (string, bool) {
	if _, ok := d.anyText(n, path); !ok {
		return "", false
	}
	if n.Value == "" {
		d.errorf(n, "%s must not be empty", path)
		return "", false
	}
	if strings.TrimSpace(n.Value) != n.Value {
		d.errorf(n, "%s %q has spaces at its start or end", path, n.Value)
		return "", false
	}
	return n.Value, true
}

// enum decodes a text value that must be one of choices.
func (d *decoder) enum(n *yaml.Node, path string, choices []string) (string, bool) {
	s, ok := d.text(n, path)
	if !ok {
		return "", false
	}
	if !contains(choices, s) {
		d.errorf(n, "%s must be one of %s, got %q", path, strings.Join(choices, ", "), s)
		return "", false
	}
	return s, true
}

// isDecimalText reports whether s is a plain decimal number: an optional
// minus, digits without a leading zero, and an optional fraction.
func isDecimalText(s string, whole bool) bool {
	s = strings.TrimPrefix(s, "-")
	intPart, frac, hasFrac := strings.Cut(s, ".")
	if intPart == "" || (len(intPart) > 1 && intPart[0] == '0') || !allDigits(intPart) {
		return false
	}
	if hasFrac {
		return !whole && frac != "" && allDigits(frac)
	}
	return true
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// numberHint explains why a value that looks like a number is not accepted.
func numberHint(n *yaml.Node) string {
	v := n.Value
	switch {
	case n.Style&(yaml.SingleQuotedStyle|yaml.DoubleQuotedStyle) != 0 && isDecimalText(v, false):
		return " (remove the quotes)"
	case strings.Contains(v, ","):
		return " (write it without thousands separators)"
	case strings.Contains(v, "_"):
		return " (write it without underscores)"
	}
	return ""
}

// number decodes a decimal from the scalar's text, never through a float.
func (d *decoder) number(n *yaml.Node, path string) (decimal.Decimal, bool) {
	const want = "a decimal number such as 1500 or 0.015"
	if !d.scalar(n, path, want) {
		return decimal.Decimal{}, false
	}
	tag := n.ShortTag()
	if (tag != "!!int" && tag != "!!float") || !isDecimalText(n.Value, false) {
		d.errorf(n, "%s must be %s, got %s%s", path, want, describe(n), numberHint(n))
		return decimal.Decimal{}, false
	}
	v, err := decimal.NewFromString(n.Value)
	if err != nil {
		d.errorf(n, "%s must be %s, got %s", path, want, describe(n))
		return decimal.Decimal{}, false
	}
	return v, true
}

// nonNegative decodes a number that must be 0 or more.
func (d *decoder) nonNegative(n *yaml.Node, path string) (decimal.Decimal, bool) {
	v, ok := d.number(n, path)
	if ok && v.Sign() < 0 {
		d.errorf(n, "%s must not be negative, got %s", path, describe(n))
		return v, false
	}
	return v, ok
}

// positive decodes a number that must be more than 0.
func (d *decoder) positive(n *yaml.Node, path string) (decimal.Decimal, bool) {
	v, ok := d.number(n, path)
	if ok && v.Sign() <= 0 {
		d.errorf(n, "%s must be more than 0, got %s", path, describe(n))
		return v, false
	}
	return v, ok
}

// fraction decodes a share from 0 to 1 (0.02 = 2%).
func (d *decoder) fraction(n *yaml.Node, path string) (decimal.Decimal, bool) {
	v, ok := d.nonNegative(n, path)
	if ok && v.GreaterThan(decimal.NewFromInt(1)) {
		d.errorf(n, "%s must be a fraction from 0 to 1 (0.02 = 2%%), got %s", path, describe(n))
		return v, false
	}
	return v, ok
}

// whole decodes a whole number that must be at least least.
func (d *decoder) whole(n *yaml.Node, path string, least int) (int, bool) {
	const want = "a whole number"
	if !d.scalar(n, path, want) {
		return 0, false
	}
	if n.ShortTag() != "!!int" || !isDecimalText(n.Value, true) {
		d.errorf(n, "%s must be %s, got %s%s", path, want, describe(n), numberHint(n))
		return 0, false
	}
	v, err := strconv.Atoi(n.Value)
	if err != nil {
		d.errorf(n, "%s is too large, got %s", path, describe(n))
		return 0, false
	}
	if v < least {
		d.errorf(n, "%s must be %d or more, got %d", path, least, v)
		return v, false
	}
	return v, true
}

// date decodes a calendar date written YYYY-MM-DD.
func (d *decoder) date(n *yaml.Node, path string) (incent.Date, bool) {
	const want = "a date in the form YYYY-MM-DD"
	if !d.scalar(n, path, want) {
		return incent.NoDate, false
	}
	v, err := incent.ParseDate(n.Value)
	if err != nil || len(n.Value) != len("2006-01-02") {
		d.errorf(n, "%s must be %s, got %s", path, want, describe(n))
		return incent.NoDate, false
	}
	return v, true
}

// list decodes a sequence node; null is an empty list.
func (d *decoder) list(n *yaml.Node, path string) ([]*yaml.Node, bool) {
	if n == nil {
		return nil, true
	}
	n = deref(n)
	if isNull(n) {
		return nil, true
	}
	if n.Kind != yaml.SequenceNode {
		d.errorf(n, "%s must be a list such as [a, b], got %s", path, describe(n))
		return nil, false
	}
	items := make([]*yaml.Node, len(n.Content))
	for i, c := range n.Content {
		items[i] = deref(c)
	}
	return items, true
}

// textList decodes a list of text values, each checked by check when given.
func (d *decoder) textList(n *yaml.Node, path string, check func(item *yaml.Node, path, s string) bool) []string {
	items, _ := d.list(n, path)
	var out []string
	for i, item := range items {
		p := index(path, i)
		s, ok := d.text(item, p)
		if ok && (check == nil || check(item, p, s)) {
			out = append(out, s)
		}
	}
	return out
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
