package rules

import (
	"fmt"
	"strings"
)

// LoadError is one problem in a program file, at file:line:col.
type LoadError struct {
	File string
	Line int // 1-based
	Col  int // 1-based; 0 when only the line is known (YAML syntax errors)
	Msg  string
}

// Error formats the problem as "file:line:col: msg" ("file:line: msg" when
// the column is unknown).
func (e *LoadError) Error() string {
	if e.Col <= 0 {
		return fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.Msg)
	}
	return fmt.Sprintf("%s:%d:%d: %s", e.File, e.Line, e.Col, e.Msg)
}

// Errors is a list of load errors, reported together so that one run shows
// every problem of every program file.
type Errors []error

// Error joins the errors one per line.
func (es Errors) Error() string {
	var b strings.Builder
	for i, e := range es {
		if i > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(e.Error())
	}
	return b.String()
}

// Unwrap returns the errors, for errors.Is and errors.As.
func (es Errors) Unwrap() []error { return es }
