package rules

import (
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/expr-lang/expr"
	"github.com/expr-lang/expr/ast"
	"github.com/expr-lang/expr/file"
	"github.com/expr-lang/expr/vm"
	"github.com/incent/incent"
	"github.com/shopspring/decimal"
)

// Expr is a compiled eligibility or multiplier expression. It is safe for
// concurrent use; use it through a pointer (it must not be copied).
type Expr struct {
	// Text is the expression as written in the program file.
	Text string

	program *vm.Program
	// dates is false when the expression reads no date column, so Eval can
	// skip formatting dates as text.
	dates bool
	// attrs is true when the expression reads nothing but the columns of
	// AttributeColumns and calls no function (see ReadsOnlyAttributes).
	attrs bool
	// states reuses evaluation machines: a vm.VM is not safe to share, and
	// allocating one per sale costs more than the evaluation itself.
	states sync.Pool
	// native is the expression as Go functions, when it is of the plain
	// kind compileNative handles; nil otherwise (see native.go).
	native func(*incent.Sale, *incent.Dealer) bool
}

// Equal reports whether two expressions have the same text, so that go-cmp
// compares programs by what their files say rather than by compiled code.
func (e *Expr) Equal(o *Expr) bool {
	if e == nil || o == nil {
		return e == o
	}
	return e.Text == o.Text
}

// money is a money column as seen by expressions. It is a distinct type so
// that the comparison operators are routed to exact decimal comparison
// instead of expr's float64 arithmetic. Expressions see it through a pointer,
// which expr passes around without allocating.
type money struct{ a incent.Amount }

// saleEnv is the `sale` variable of an expression: one field per canonical
// sales column.
type saleEnv struct {
	DealID           string `expr:"deal_id"`
	VIN              string `expr:"vin"`
	DealerCode       string `expr:"dealer_code"`
	SaleDate         string `expr:"sale_date"`
	SaleType         string `expr:"sale_type"`
	Condition        string `expr:"condition"`
	ModelCode        string `expr:"model_code"`
	ModelYear        int    `expr:"model_year"`
	Family           string `expr:"family"`
	MSRP             *money `expr:"msrp"`
	SaleAmount       *money `expr:"sale_amount"`
	Quantity         int    `expr:"quantity"`
	DeliveringDealer string `expr:"delivering_dealer"`
	Salesperson      string `expr:"salesperson"`
	Split            string `expr:"split"`
	RebateCode       string `expr:"rebate_code"`
	RebateAmount     *money `expr:"rebate_amount"`
	ClaimDate        string `expr:"claim_date"`
}

// dealerEnv is the `dealer` variable of an expression: one field per dealers
// column; code and dealer_code are the same value.
type dealerEnv struct {
	Code       string `expr:"code"`
	DealerCode string `expr:"dealer_code"`
	Name       string `expr:"name"`
	Group      string `expr:"group"`
	Region     string `expr:"region"`
	Segment    string `expr:"segment"`
	Currency   string `expr:"currency"`
	Email      string `expr:"email"`
}

// exprEnv is the whole environment of an expression.
type exprEnv struct {
	Sale   saleEnv   `expr:"sale"`
	Dealer dealerEnv `expr:"dealer"`
}

// evalState is one pooled evaluation machine with its environment; the
// environment's money fields point at msrp, saleAmount and rebateAmount.
type evalState struct {
	vm                             vm.VM
	env                            exprEnv
	msrp, saleAmount, rebateAmount money
}

// compileOptions configures expr for program expressions.
//
// Only pure builtins on strings and numbers stay enabled: everything else
// (now, date, JSON, ...) is disabled so that an expression cannot read the
// clock and stays a small predicate.
//
// Each comparison operator is overloaded for money operands, so that money
// compares as exact decimals instead of expr's float64 arithmetic.
func compileOptions() []expr.Option {
	opts := []expr.Option{
		expr.Env(exprEnv{}),
		expr.AsBool(),
		expr.DisableAllBuiltins(),
	}
	for _, name := range []string{
		"len", "lower", "upper", "trim", "trimPrefix", "trimSuffix",
		"hasPrefix", "hasSuffix", "abs",
	} {
		opts = append(opts, expr.EnableBuiltin(name))
	}
	signatures := []any{
		new(func(*money, *money) bool),
		new(func(*money, int) bool),
		new(func(*money, float64) bool),
		new(func(int, *money) bool),
		new(func(float64, *money) bool),
	}
	ops := []struct {
		op, fn string
		holds  func(cmp int) bool
	}{
		{"==", "money_eq", func(c int) bool { return c == 0 }},
		{"!=", "money_ne", func(c int) bool { return c != 0 }},
		{"<", "money_lt", func(c int) bool { return c < 0 }},
		{"<=", "money_le", func(c int) bool { return c <= 0 }},
		{">", "money_gt", func(c int) bool { return c > 0 }},
		{">=", "money_ge", func(c int) bool { return c >= 0 }},
	}
	for _, o := range ops {
		opts = append(opts, expr.Function(o.fn, moneyCompare(o.fn, o.holds), signatures...))
	}
	opts = append(opts, expr.Patch(moneyLiterals{}))
	for _, o := range ops {
		opts = append(opts, expr.Operator(o.op, o.fn))
	}
	return opts
}

// maxExprLen bounds an expression's length: rules are short predicates, and
// the bound keeps compile time small whatever a file holds.
const maxExprLen = 2000

// Compile type-checks an expression over `sale` and `dealer`; line and col
// locate the expression's first character in its file, for errors.
func Compile(text, file string, line, col int) (*Expr, error) {
	if strings.TrimSpace(text) == "" {
		return nil, &LoadError{File: file, Line: line, Col: col, Msg: "expression is empty"}
	}
	if len(text) > maxExprLen {
		return nil, &LoadError{File: file, Line: line, Col: col,
			Msg: fmt.Sprintf("expression is %d characters long; keep it under %d and move the logic into eligibility lists", len(text), maxExprLen)}
	}
	opts := compileOptions()
	prog, err := expr.Compile(text, opts...)
	if err != nil {
		return nil, compileError(err, text, file, line, col)
	}
	e := &Expr{Text: text, program: prog, dates: readsDates(prog.Node()), attrs: readsOnlyAttributes(prog.Node()),
		native: compileNative(prog.Node())}
	e.states.New = func() any { return new(evalState) }
	return e, nil
}

// compileError converts an expr error to a LoadError at its place in the
// file: expr columns are 0-based and relative to the expression.
func compileError(err error, text, fileName string, line, col int) *LoadError {
	le := &LoadError{File: fileName, Line: line, Col: col}
	msg := err.Error()
	var fe *file.Error
	if errors.As(err, &fe) {
		if fe.Line > 1 {
			le.Line += fe.Line - 1
		}
		le.Col += fe.Column
		msg = fe.Message
	}
	if got, ok := strings.CutPrefix(msg, "expected bool, but got "); ok {
		msg = "must be true or false, but it gives " + got
	}
	names := strings.NewReplacer(
		"type rules.saleEnv has no field ", "sale has no column ",
		"type rules.dealerEnv has no field ", "dealer has no column ",
		"rules.saleEnv", "sale",
		"rules.dealerEnv", "dealer",
		"*rules.money", "money",
		"rules.money", "money",
		"rules.exprEnv", "the environment",
	)
	msg = names.Replace(msg)
	if strings.Contains(msg, "money") && !strings.Contains(msg, "must be true or false") {
		msg += " (money can only be compared, with ==, !=, <, <=, > or >=)"
	}
	le.Msg = "expression " + strconv.Quote(text) + ": " + msg
	return le
}

// moneyCompare returns the implementation of one money comparison operator.
func moneyCompare(name string, holds func(int) bool) func(params ...any) (any, error) {
	return func(params ...any) (any, error) {
		if len(params) != 2 {
			return nil, fmt.Errorf("%s: want 2 operands, got %d", name, len(params))
		}
		a, err := moneyOperand(params[0])
		if err != nil {
			return nil, err
		}
		b, err := moneyOperand(params[1])
		if err != nil {
			return nil, err
		}
		return holds(a.Cmp(b)), nil
	}
}

// moneyOperand converts one side of a money comparison to an amount; an
// empty cell compares as zero. A float is a literal from the expression:
// its shortest round-trip text is the number as written, so 39999.99
// compares as exactly 39999.99.
func moneyOperand(v any) (incent.Amount, error) {
	switch x := v.(type) {
	case *money:
		if x == nil {
			return incent.Amount{}, nil
		}
		return x.a, nil
	case int:
		return incent.AmountOf(decimal.NewFromInt(int64(x))), nil
	case float64:
		d, err := floatLiteral(x)
		return incent.AmountOf(d), err
	}
	return incent.Amount{}, fmt.Errorf("cannot compare money with %T", v)
}

// floatLiteral converts a number literal to the decimal it was written as.
func floatLiteral(f float64) (decimal.Decimal, error) {
	d, err := decimal.NewFromString(strconv.FormatFloat(f, 'f', -1, 64))
	if err != nil {
		return decimal.Decimal{}, fmt.Errorf("cannot compare money with %v", f)
	}
	return d, nil
}

// moneyLiterals converts, at compile time, the number literals compared with
// money into money constants, so that evaluation converts nothing.
type moneyLiterals struct{}

// Visit implements ast.Visitor.
func (moneyLiterals) Visit(node *ast.Node) {
	b, ok := (*node).(*ast.BinaryNode)
	if !ok {
		return
	}
	switch b.Operator {
	case "==", "!=", "<", "<=", ">", ">=":
	default:
		return
	}
	moneyType := reflect.TypeOf((*money)(nil))
	if b.Left.Type() == moneyType {
		literalToMoney(&b.Right)
	}
	if b.Right.Type() == moneyType {
		literalToMoney(&b.Left)
	}
}

// literalToMoney replaces an int or float literal, possibly negated, by a
// money constant.
func literalToMoney(n *ast.Node) {
	neg := false
	lit := *n
	if u, ok := lit.(*ast.UnaryNode); ok && u.Operator == "-" {
		neg, lit = true, u.Node
	}
	var d decimal.Decimal
	switch x := lit.(type) {
	case *ast.IntegerNode:
		d = decimal.NewFromInt(int64(x.Value))
	case *ast.FloatNode:
		var err error
		if d, err = floatLiteral(x.Value); err != nil {
			return
		}
	default:
		return
	}
	if neg {
		d = d.Neg()
	}
	c := &ast.ConstantNode{Value: &money{incent.AmountOf(d)}}
	ast.Patch(n, c)
	c.SetType(reflect.TypeOf(c.Value))
}

// AttributeColumns are the columns of a sale and of its dealer that
// classify it rather than tell it apart: a quarter has a few thousand
// combinations of them over a million sales.
var AttributeColumns = map[string][]string{
	"sale":   {"sale_type", "condition", "model_code", "family", "model_year"},
	"dealer": {"region", "segment"},
}

// ReadsOnlyAttributes reports whether the expression's value depends on
// nothing but AttributeColumns: it reads no other column, names `sale` and
// `dealer` only to read such a column, and calls no function. Two sales
// equal in those columns, with dealers equal in theirs (or both unknown),
// then give the same value, which a caller may keep rather than evaluate
// the expression again.
func (e *Expr) ReadsOnlyAttributes() bool { return e.attrs }

func readsOnlyAttributes(root ast.Node) bool {
	v := &attrVisitor{ok: true}
	ast.Walk(&root, v)
	return v.ok && v.reads == v.names
}

// attrVisitor counts the reads of attribute columns and the times `sale`
// or `dealer` is named; they are equal when every naming is such a read.
type attrVisitor struct {
	ok           bool
	reads, names int
}

func (v *attrVisitor) Visit(n *ast.Node) {
	switch x := (*n).(type) {
	case *ast.MemberNode:
		id, isID := x.Node.(*ast.IdentifierNode)
		prop, isStr := x.Property.(*ast.StringNode)
		if !isID || !isStr || x.Method {
			return // a member of something else: its parts are visited
		}
		if cols, known := AttributeColumns[id.Value]; known {
			if slices.Contains(cols, prop.Value) {
				v.reads++
			} else {
				v.ok = false
			}
		}
	case *ast.IdentifierNode:
		switch x.Value {
		case "sale", "dealer":
			v.names++
		case "$env":
			v.ok = false
		}
	case *ast.CallNode, *ast.BuiltinNode, *ast.PredicateNode, *ast.PointerNode, *ast.VariableDeclaratorNode:
		v.ok = false
	}
}

// isDateColumn reports whether Eval must format a column from a date.
func isDateColumn(name string) bool { return name == "sale_date" || name == "claim_date" }

// readsDates reports whether an expression may read a date column. Any
// member access that is not a plain field name counts as reading them.
func readsDates(root ast.Node) bool {
	v := &dateVisitor{}
	ast.Walk(&root, v)
	return v.found
}

type dateVisitor struct{ found bool }

func (v *dateVisitor) Visit(n *ast.Node) {
	switch x := (*n).(type) {
	case *ast.MemberNode:
		s, ok := x.Property.(*ast.StringNode)
		if !ok || isDateColumn(s.Value) {
			v.found = true
		}
	case *ast.StringNode:
		if isDateColumn(x.Value) {
			v.found = true
		}
	case *ast.IdentifierNode:
		if x.Value == "$env" {
			v.found = true
		}
	}
}

// Eval reports whether the expression holds for the sale and its dealer. A
// nil dealer (or sale) reads as empty text and zero numbers. An absent money
// cell reads as zero. Eval is safe for concurrent use.
func (e *Expr) Eval(s *incent.Sale, d *incent.Dealer) (bool, error) {
	if e.program == nil {
		return false, fmt.Errorf("expression %q was not compiled", e.Text)
	}
	if e.native != nil && s != nil {
		return e.native(s, d), nil
	}
	return e.evalMachine(s, d)
}

// evalMachine evaluates the expression on expr's machine.
func (e *Expr) evalMachine(s *incent.Sale, d *incent.Dealer) (bool, error) {
	st := e.states.Get().(*evalState)
	defer e.states.Put(st)
	e.setEnv(st, s, d)
	out, err := st.vm.Run(e.program, &st.env)
	if err != nil {
		return false, fmt.Errorf("expression %q: %w", e.Text, err)
	}
	b, ok := out.(bool)
	if !ok {
		return false, fmt.Errorf("expression %q gave %T, not true or false", e.Text, out)
	}
	return b, nil
}

// setEnv fills a state's environment from a sale and its dealer.
func (e *Expr) setEnv(st *evalState, s *incent.Sale, d *incent.Dealer) {
	st.env.Dealer = dealerEnvOf(d)
	if s == nil {
		st.msrp, st.saleAmount, st.rebateAmount = money{}, money{}, money{}
		st.env.Sale = saleEnv{MSRP: &st.msrp, SaleAmount: &st.saleAmount, RebateAmount: &st.rebateAmount}
		return
	}
	st.msrp, st.saleAmount, st.rebateAmount = money{s.MSRP}, money{s.SaleAmount}, money{s.RebateAmount()}
	st.env.Sale = saleEnv{
		DealID:           s.DealID,
		VIN:              s.VIN,
		DealerCode:       s.DealerCode.String(),
		SaleType:         s.SaleType.String(),
		Condition:        s.Condition.String(),
		ModelCode:        s.ModelCode.String(),
		ModelYear:        int(s.ModelYear),
		Family:           s.Family.String(),
		MSRP:             &st.msrp,
		SaleAmount:       &st.saleAmount,
		Quantity:         int(s.Quantity),
		DeliveringDealer: s.DeliveringDealer(),
		Salesperson:      s.Salesperson,
		Split:            s.Split(),
		RebateCode:       s.RebateCode(),
		RebateAmount:     &st.rebateAmount,
	}
	if e.dates {
		st.env.Sale.SaleDate = dateText(s.SaleDate)
		st.env.Sale.ClaimDate = dateText(s.ClaimDate())
	}
}

// dateText formats a date as YYYY-MM-DD, or "" when absent.
func dateText(d incent.Date) string { return d.String() }

func dealerEnvOf(d *incent.Dealer) dealerEnv {
	if d == nil {
		return dealerEnv{}
	}
	return dealerEnv{
		Code:       d.Code,
		DealerCode: d.Code,
		Name:       d.Name,
		Group:      d.Group,
		Region:     d.Region,
		Segment:    d.Segment,
		Currency:   d.Currency,
		Email:      d.Email,
	}
}
