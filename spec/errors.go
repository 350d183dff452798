package spec

import (
	"cmp"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
)

// Error is one problem found in go-app.yaml (or in go.mod), with where it is.
type Error struct {
	// Filename is the file the problem is in; empty when the problem is not
	// in a file (a missing go.mod).
	Filename string
	// Pos is where the offending value starts; zero when the problem is not
	// at one place (nothing to build) or the spec was not loaded from a file.
	Pos Position
	// Msg says what is wrong and what to change, in lower case.
	Msg string
	// Rule is the rule the problem breaks.
	Rule Rule
	// More is set on the last problem of a list cut at MaxErrors: it is
	// no problem itself but stands for the More problems left out.
	More int
}

// Error formats the problem as "go-app.yaml:3:7: msg", leaving out the column
// or the whole position when it is unknown.
func (e *Error) Error() string {
	var b strings.Builder
	if e.Filename != "" {
		b.WriteString(e.Filename)
		if e.Pos.Line > 0 {
			fmt.Fprintf(&b, ":%d", e.Pos.Line)
			if e.Pos.Column > 0 {
				fmt.Fprintf(&b, ":%d", e.Pos.Column)
			}
		}
		b.WriteString(": ")
	}
	b.WriteString(e.Msg)
	return b.String()
}

// Errors is every problem found at once. Load and FillDefaults return it as
// their error: use errors.As with a *Errors to get each problem and its
// position.
type Errors []*Error

// Error lists the problems one a line, in the order of their positions.
func (errs Errors) Error() string {
	lines := make([]string, 0, len(errs))
	for _, e := range errs.sorted() {
		lines = append(lines, e.Error())
	}
	return strings.Join(lines, "\n")
}

// Unwrap returns each problem, so that errors.As can also find a single
// *Error.
func (errs Errors) Unwrap() []error {
	list := make([]error, 0, len(errs))
	for _, e := range errs.sorted() {
		list = append(list, e)
	}
	return list
}

// Err returns errs sorted by position as an error, or nil when there are no
// problems. It keeps the first MaxErrors and counts the others in one last
// problem (see Error.More).
func (errs Errors) Err() error {
	if len(errs) == 0 {
		return nil
	}
	return errs.sorted().cut()
}

// sorted returns a copy of errs without nil entries, ordered by line and
// column; problems without a position come first, and ties keep their order.
func (errs Errors) sorted() Errors {
	s := make(Errors, 0, len(errs))
	for _, e := range errs {
		if e != nil {
			s = append(s, e)
		}
	}
	slices.SortStableFunc(s, func(a, b *Error) int {
		return cmp.Or(cmp.Compare(a.Pos.Line, b.Pos.Line), cmp.Compare(a.Pos.Column, b.Pos.Column))
	})
	return s
}

// problems collects the Errors of one file.
type problems struct {
	filename string
	list     Errors
}

// add records a problem at pos that breaks rule. Its message is formatted
// by msgf: a %q value is shortened.
func (p *problems) add(rule Rule, pos Position, format string, args ...any) {
	p.list = append(p.list, &Error{Filename: p.filename, Pos: pos, Msg: msgf(format, args...), Rule: rule})
}

// msgf is fmt.Sprintf for messages: every string argument written with %q
// is quoted by quote, which shortens a long value, so that no message
// repeats a user's value in full.
func msgf(format string, args ...any) string {
	a := make([]any, len(args))
	for i, arg := range args {
		if s, ok := arg.(string); ok {
			arg = shown(s)
		}
		a[i] = arg
	}
	return fmt.Sprintf(format, a...)
}

// errorf is fmt.Errorf with the arguments of msgf.
func errorf(format string, args ...any) error {
	return errors.New(msgf(format, args...))
}

// shown is a string in a message: %q quotes and shortens it (quote), %s
// and %v write it as it is.
type shown string

// Format implements fmt.Formatter.
func (s shown) Format(f fmt.State, verb rune) {
	if verb == 'q' {
		_, _ = io.WriteString(f, quote(string(s)))
		return
	}
	_, _ = io.WriteString(f, string(s))
}
