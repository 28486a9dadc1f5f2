package rules

import (
	"cmp"

	"github.com/expr-lang/expr/ast"
	"github.com/incent/incent"
)

// Most program expressions are comparisons of columns with constants,
// joined by `and`, `or` and `not`: `sale.msrp >= 40000 && dealer.region !=
// "PR"`. One that reads more than the attribute columns is evaluated once
// a sale and program, and expr's machine takes about 0.4 µs for each: a
// dozen such conditions over a million sales cost seconds. So Compile also
// turns an expression of that plain kind into a tree of Go functions over
// the sale and the dealer, which Eval uses instead of the machine. Anything
// else (function calls, arithmetic, `matches`, optional chains, ...) is left
// to the machine. Both read the type-checked tree expr compiled, and must
// agree on every sale: TestNativeMatchesMachine and FuzzNativeMatchesMachine
// hold them to it.

// native is one compiled sub-expression, a function of a sale and its
// dealer (which may be nil): exactly one of its functions is set, by the
// kind of value it gives.
type native struct {
	b func(*incent.Sale, *incent.Dealer) bool
	s func(*incent.Sale, *incent.Dealer) string
	i func(*incent.Sale, *incent.Dealer) int
	m func(*incent.Sale, *incent.Dealer) incent.Amount
}

// compileNative returns the native form of an expression's tree, or nil
// when the tree holds anything it does not handle.
func compileNative(root ast.Node) func(*incent.Sale, *incent.Dealer) bool {
	n, ok := nativeOf(root)
	if !ok || n.b == nil {
		return nil
	}
	return n.b
}

func nativeOf(node ast.Node) (native, bool) {
	switch x := node.(type) {
	case *ast.BoolNode:
		v := x.Value
		return native{b: func(*incent.Sale, *incent.Dealer) bool { return v }}, true
	case *ast.StringNode:
		v := x.Value
		return native{s: func(*incent.Sale, *incent.Dealer) string { return v }}, true
	case *ast.IntegerNode:
		v := x.Value
		return native{i: func(*incent.Sale, *incent.Dealer) int { return v }}, true
	case *ast.ConstantNode:
		switch v := x.Value.(type) {
		case bool:
			return native{b: func(*incent.Sale, *incent.Dealer) bool { return v }}, true
		case string:
			return native{s: func(*incent.Sale, *incent.Dealer) string { return v }}, true
		case int:
			return native{i: func(*incent.Sale, *incent.Dealer) int { return v }}, true
		case *money:
			a := v.a
			return native{m: func(*incent.Sale, *incent.Dealer) incent.Amount { return a }}, true
		}
	case *ast.MemberNode:
		return nativeColumn(x)
	case *ast.UnaryNode:
		return nativeUnary(x)
	case *ast.BinaryNode:
		return nativeBinary(x)
	case *ast.CallNode:
		return nativeMoneyCompare(x)
	}
	return native{}, false
}

// nativeColumn reads sale.<column> or dealer.<column>, as setEnv fills
// them.
func nativeColumn(x *ast.MemberNode) (native, bool) {
	id, ok := x.Node.(*ast.IdentifierNode)
	prop, isStr := x.Property.(*ast.StringNode)
	if !ok || !isStr || x.Method {
		return native{}, false
	}
	str := func(f func(*incent.Sale, *incent.Dealer) string) (native, bool) { return native{s: f}, true }
	switch id.Value {
	case "sale":
		switch prop.Value {
		case "deal_id":
			return str(func(s *incent.Sale, d *incent.Dealer) string { return s.DealID })
		case "vin":
			return str(func(s *incent.Sale, d *incent.Dealer) string { return s.VIN })
		case "dealer_code":
			return str(func(s *incent.Sale, d *incent.Dealer) string { return s.DealerCode.String() })
		case "sale_date":
			return str(func(s *incent.Sale, d *incent.Dealer) string { return dateText(s.SaleDate) })
		case "sale_type":
			return str(func(s *incent.Sale, d *incent.Dealer) string { return s.SaleType.String() })
		case "condition":
			return str(func(s *incent.Sale, d *incent.Dealer) string { return s.Condition.String() })
		case "model_code":
			return str(func(s *incent.Sale, d *incent.Dealer) string { return s.ModelCode.String() })
		case "family":
			return str(func(s *incent.Sale, d *incent.Dealer) string { return s.Family.String() })
		case "delivering_dealer":
			return str(func(s *incent.Sale, d *incent.Dealer) string { return s.DeliveringDealer() })
		case "salesperson":
			return str(func(s *incent.Sale, d *incent.Dealer) string { return s.Salesperson })
		case "split":
			return str(func(s *incent.Sale, d *incent.Dealer) string { return s.Split() })
		case "rebate_code":
			return str(func(s *incent.Sale, d *incent.Dealer) string { return s.RebateCode() })
		case "claim_date":
			return str(func(s *incent.Sale, d *incent.Dealer) string { return dateText(s.ClaimDate()) })
		case "model_year":
			return native{i: func(s *incent.Sale, d *incent.Dealer) int { return int(s.ModelYear) }}, true
		case "quantity":
			return native{i: func(s *incent.Sale, d *incent.Dealer) int { return int(s.Quantity) }}, true
		case "msrp":
			return native{m: func(s *incent.Sale, d *incent.Dealer) incent.Amount { return s.MSRP }}, true
		case "sale_amount":
			return native{m: func(s *incent.Sale, d *incent.Dealer) incent.Amount { return s.SaleAmount }}, true
		case "rebate_amount":
			return native{m: func(s *incent.Sale, d *incent.Dealer) incent.Amount { return s.RebateAmount() }}, true
		}
	case "dealer":
		// A sale with no dealer reads every dealer column as empty.
		var get func(d *incent.Dealer) string
		switch prop.Value {
		case "code", "dealer_code":
			get = func(d *incent.Dealer) string { return d.Code }
		case "name":
			get = func(d *incent.Dealer) string { return d.Name }
		case "group":
			get = func(d *incent.Dealer) string { return d.Group }
		case "region":
			get = func(d *incent.Dealer) string { return d.Region }
		case "segment":
			get = func(d *incent.Dealer) string { return d.Segment }
		case "currency":
			get = func(d *incent.Dealer) string { return d.Currency }
		case "email":
			get = func(d *incent.Dealer) string { return d.Email }
		default:
			return native{}, false
		}
		return str(func(s *incent.Sale, d *incent.Dealer) string {
			if d == nil {
				return ""
			}
			return get(d)
		})
	}
	return native{}, false
}

func nativeUnary(x *ast.UnaryNode) (native, bool) {
	n, ok := nativeOf(x.Node)
	if !ok {
		return native{}, false
	}
	switch {
	case (x.Operator == "!" || x.Operator == "not") && n.b != nil:
		f := n.b
		return native{b: func(s *incent.Sale, d *incent.Dealer) bool { return !f(s, d) }}, true
	case x.Operator == "-" && n.i != nil:
		f := n.i
		return native{i: func(s *incent.Sale, d *incent.Dealer) int { return -f(s, d) }}, true
	}
	return native{}, false
}

func nativeBinary(x *ast.BinaryNode) (native, bool) {
	l, ok := nativeOf(x.Left)
	if !ok {
		return native{}, false
	}
	if x.Operator == "in" {
		return nativeIn(l, x.Right)
	}
	r, ok := nativeOf(x.Right)
	if !ok {
		return native{}, false
	}
	switch x.Operator {
	case "&&", "and":
		if l.b != nil && r.b != nil {
			lf, rf := l.b, r.b
			return native{b: func(s *incent.Sale, d *incent.Dealer) bool { return lf(s, d) && rf(s, d) }}, true
		}
	case "||", "or":
		if l.b != nil && r.b != nil {
			lf, rf := l.b, r.b
			return native{b: func(s *incent.Sale, d *incent.Dealer) bool { return lf(s, d) || rf(s, d) }}, true
		}
	case "==", "!=", "<", "<=", ">", ">=":
		compare, ok := nativeCompare(l, r, x.Operator == "==" || x.Operator == "!=")
		if !ok {
			return native{}, false
		}
		holds := holdsFor(x.Operator)
		return native{b: func(s *incent.Sale, d *incent.Dealer) bool { return holds(compare(s, d)) }}, true
	}
	return native{}, false
}

// nativeCompare compares two values of the same kind: texts and whole
// numbers in order, truth values for equality only. Money is compared by
// the calls expr made of its operators (nativeMoneyCompare).
func nativeCompare(l, r native, equality bool) (func(*incent.Sale, *incent.Dealer) int, bool) {
	switch {
	case l.s != nil && r.s != nil:
		return ordered(l.s, r.s), true
	case l.i != nil && r.i != nil:
		return ordered(l.i, r.i), true
	case l.b != nil && r.b != nil && equality:
		lf, rf := l.b, r.b
		return func(s *incent.Sale, d *incent.Dealer) int {
			if lf(s, d) == rf(s, d) {
				return 0
			}
			return 1
		}, true
	}
	return nil, false
}

// ordered compares the values of two functions in their natural order.
func ordered[T cmp.Ordered](lf, rf func(*incent.Sale, *incent.Dealer) T) func(*incent.Sale, *incent.Dealer) int {
	return func(s *incent.Sale, d *incent.Dealer) int { return cmp.Compare(lf(s, d), rf(s, d)) }
}

// holdsFor gives whether a comparison's result (-1, 0, +1) satisfies
// operator op; nil for another operator.
func holdsFor(op string) func(int) bool {
	switch op {
	case "==":
		return func(c int) bool { return c == 0 }
	case "!=":
		return func(c int) bool { return c != 0 }
	case "<":
		return func(c int) bool { return c < 0 }
	case "<=":
		return func(c int) bool { return c <= 0 }
	case ">":
		return func(c int) bool { return c > 0 }
	case ">=":
		return func(c int) bool { return c >= 0 }
	}
	return nil
}

// nativeIn tests a text or whole number against a list of constants, as
// written or as expr's optimiser made it (a set).
func nativeIn(l native, right ast.Node) (native, bool) {
	var texts map[string]struct{}
	var ints map[int]struct{}
	switch x := right.(type) {
	case *ast.ConstantNode:
		switch v := x.Value.(type) {
		case map[string]struct{}:
			texts = v
		case map[int]struct{}:
			ints = v
		}
	case *ast.ArrayNode:
		for _, n := range x.Nodes {
			switch c := n.(type) {
			case *ast.StringNode:
				if texts == nil {
					texts = map[string]struct{}{}
				}
				texts[c.Value] = struct{}{}
			case *ast.IntegerNode:
				if ints == nil {
					ints = map[int]struct{}{}
				}
				ints[c.Value] = struct{}{}
			default:
				return native{}, false
			}
		}
		if len(x.Nodes) == 0 {
			return native{b: func(*incent.Sale, *incent.Dealer) bool { return false }}, l.s != nil || l.i != nil
		}
	}
	switch {
	case l.s != nil && texts != nil && ints == nil:
		f := l.s
		return native{b: func(s *incent.Sale, d *incent.Dealer) bool { _, ok := texts[f(s, d)]; return ok }}, true
	case l.i != nil && ints != nil && texts == nil:
		f := l.i
		return native{b: func(s *incent.Sale, d *incent.Dealer) bool { _, ok := ints[f(s, d)]; return ok }}, true
	}
	return native{}, false
}

// nativeMoneyCompare is a money comparison, which expr compiled as a call
// of one of the operator functions compileOptions defines: an empty cell
// compares as zero, as moneyOperand has it.
func nativeMoneyCompare(x *ast.CallNode) (native, bool) {
	id, ok := x.Callee.(*ast.IdentifierNode)
	if !ok || len(x.Arguments) != 2 {
		return native{}, false
	}
	// compileOptions names the operators' functions money_eq, money_ne, ...
	op, ok := map[string]string{"money_eq": "==", "money_ne": "!=", "money_lt": "<",
		"money_le": "<=", "money_gt": ">", "money_ge": ">="}[id.Value]
	if !ok {
		return native{}, false
	}
	holds := holdsFor(op)
	l, okl := nativeOf(x.Arguments[0])
	r, okr := nativeOf(x.Arguments[1])
	if !okl || !okr || l.m == nil || r.m == nil {
		return native{}, false
	}
	lf, rf := l.m, r.m
	return native{b: func(s *incent.Sale, d *incent.Dealer) bool { return holds(lf(s, d).Cmp(rf(s, d))) }}, true
}
