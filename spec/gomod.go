package spec

import (
	"errors"
	"path"
	"regexp"
	"strings"

	"golang.org/x/mod/modfile"
)

// goModName is the name of go.mod in messages.
const goModName = "go.mod"

// majorMinor matches the major.minor part of a Go version.
var majorMinor = regexp.MustCompile(`^1\.\d+`)

// Module is what go-app reads from go.mod.
type Module struct {
	// Path is the module path, like "example.com/app".
	Path string
	// Go is the version of the go line, like "1.26.2"; "" without one.
	Go string
	// Toolchain is the toolchain line, like "go1.26.3"; "" without one.
	Toolchain string
}

// ParseGoMod parses go.mod; data is nil when the build context has none,
// which is an error: go-app builds Go modules. Its errors are Errors, in
// go.mod and at the line of the problem.
func ParseGoMod(data []byte) (Module, error) {
	return parseGoMod(goModName, data)
}

// parseGoMod is ParseGoMod of the go.mod at name (its path in the build
// context, for messages).
func parseGoMod(name string, data []byte) (Module, error) {
	if data == nil {
		msg := "no go.mod at the root of the build context; go-app builds Go modules (set module: to the directory of one in a subdirectory)"
		if dir := path.Dir(name); dir != "." {
			msg = "no go.mod in " + dir + " (module), and no go.work there or above it; go-app builds Go modules: set module: to the directory of one"
		}
		return Module{}, Errors{{Msg: msg, Rule: RuleInvalidValue}}
	}
	f, err := modfile.Parse(name, data, nil)
	if err != nil {
		return Module{}, goModErrors(name, err)
	}
	if f.Module == nil {
		return Module{}, Errors{{Filename: name, Msg: "no module line; add one, like module example.com/app", Rule: RuleInvalidGoMod}}
	}
	m := Module{Path: f.Module.Mod.Path}
	if f.Go != nil {
		m.Go = f.Go.Version
	}
	if f.Toolchain != nil {
		m.Toolchain = f.Toolchain.Name
	}
	return m, nil
}

// ParseGoWork parses a go.work at name (its path in the build context)
// into the Go version it asks for: a Module without a Path. Its errors are
// Errors in that file.
func ParseGoWork(name string, data []byte) (Module, error) {
	f, err := modfile.ParseWork(name, data, nil)
	if err != nil {
		return Module{}, goModErrors(name, err)
	}
	var m Module
	if f.Go != nil {
		m.Go = f.Go.Version
	}
	if f.Toolchain != nil {
		m.Toolchain = f.Toolchain.Name
	}
	return m, nil
}

// goModErrors turns the errors of modfile.Parse of the file name into
// Errors.
func goModErrors(name string, err error) Errors {
	var list modfile.ErrorList
	if !errors.As(err, &list) || len(list) == 0 {
		return Errors{{Filename: name, Msg: err.Error(), Rule: RuleInvalidGoMod}}
	}
	errs := make(Errors, 0, len(list))
	for _, e := range list {
		msg := "invalid go.mod"
		if e.Err != nil {
			msg = e.Err.Error()
		}
		if e.ModPath != "" {
			msg = e.Verb + " " + e.ModPath + ": " + msg
		} else if e.Verb != "" {
			msg = e.Verb + ": " + msg
		}
		at := Position{Line: e.Pos.Line}
		if e.Pos.LineRune > 1 {
			at.Column = e.Pos.LineRune
		}
		errs = append(errs, &Error{Filename: name, Pos: at, Msg: msg, Rule: RuleInvalidGoMod})
	}
	return errs
}

// GoVersion is the Go version the module asks for: the version of its
// toolchain line ("go1.26.3" is "1.26.3") when it names one, else the
// major.minor of its go line ("1.26.2" is "1.26"), else "".
func (m Module) GoVersion() string {
	if v, ok := strings.CutPrefix(m.Toolchain, "go"); ok {
		if i := strings.IndexAny(v, "-+"); i >= 0 {
			v = v[:i] // a custom toolchain suffix, like go1.26.3-fips
		}
		if goVersion.MatchString(v) {
			return v
		}
	}
	return majorMinor.FindString(m.Go)
}
