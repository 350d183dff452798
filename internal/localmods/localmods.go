// Package localmods finds the Go modules of a build whose source is in the
// build context: the main module in its directory, the modules of the
// go.work the go command uses there, and the directories replace
// directives point at. The import scan walks their packages as source,
// and `--call check` reports a directory that is no module of the
// context, at its line of go.mod or go.work.
//
// It is pure: the caller reads the files of the context (the frontend,
// through the gateway) and passes them in.
package localmods

import (
	"cmp"
	"fmt"
	"path"
	"slices"
	"strings"

	"github.com/goappfrontend/go-app/spec"
	"golang.org/x/mod/modfile"
)

// Module is a module whose source is in the build context.
type Module struct {
	// Path is its module path: the path its packages are imported by.
	Path string
	// Dir is its directory, slash-separated and relative to the context
	// root ("." for the root).
	Dir string
}

// ReadFunc returns the content of those of paths (relative to the context
// root) that exist in the build context.
type ReadFunc func(paths []string) (map[string][]byte, error)

// Layout is what the build reads from the context about its modules.
type Layout struct {
	// Dir is the module directory (spec.Spec.ModuleDir).
	Dir string
	// GoMod is Dir/go.mod, nil when there is none.
	GoMod []byte
	// GoWork is the go.work the go command uses in Dir, nil without one
	// (or with GOWORK=off); GoWorkPath is its path.
	GoWork     []byte
	GoWorkPath string
	// Vendor is true when the build vendors: vendor/modules.txt next to
	// go.work in a workspace, else in Dir.
	Vendor bool
	// Modules are the modules compiled from source: the main module or
	// the workspace's modules, then the replacement directories, each
	// once, by directory.
	Modules []Module
	// Workspace are the directories of the workspace's modules (its use
	// directives that name one), in go.work's order; nil without go.work.
	Workspace []string
	// Problems are the replace and use directives that name no module of
	// the context, each at its line (rule spec.RuleMissingModule), and
	// the parse errors of the go.mod and go.work files read.
	Problems spec.Errors
}

// maxRounds bounds the reads: the module's files, then the workspace's
// go.mod files and the replacement directories, then those of the
// workspace modules.
const maxRounds = 3

// Find reads the module files of the build whose module directory is dir
// (cleaned, "." for the root). goworkOff is GOWORK=off in build.env.
func Find(dir string, goworkOff bool, read ReadFunc) (*Layout, error) {
	l := &Layout{Dir: dir}
	first := []string{path.Join(dir, "go.mod"), path.Join(dir, "vendor/modules.txt")}
	for _, d := range ancestors(dir) {
		for _, p := range []string{path.Join(d, "go.work"), path.Join(d, "vendor/modules.txt")} {
			if !slices.Contains(first, p) {
				first = append(first, p)
			}
		}
	}
	files, err := read(first)
	if err != nil {
		return nil, err
	}
	l.GoMod = files[path.Join(dir, "go.mod")]
	if !goworkOff {
		for _, d := range ancestors(dir) {
			if w, ok := files[path.Join(d, "go.work")]; ok {
				l.GoWork, l.GoWorkPath = w, path.Join(d, "go.work")
				break
			}
		}
	}
	vendorDir := dir
	if l.GoWork != nil {
		vendorDir = path.Dir(l.GoWorkPath)
	}
	_, l.Vendor = files[path.Join(vendorDir, "vendor/modules.txt")]
	if err := l.resolve(read); err != nil {
		return nil, err
	}
	l.outsideWorkspace()
	return l, nil
}

// outsideWorkspace reports a module directory with a go.mod under a
// go.work that does not use it: the go command refuses to build there.
func (l *Layout) outsideWorkspace() {
	if l.GoWork == nil || l.GoMod == nil || slices.Contains(l.Workspace, l.Dir) {
		return
	}
	rel := l.Dir
	if base := path.Dir(l.GoWorkPath); base != "." {
		rel = strings.TrimPrefix(l.Dir, base+"/")
	}
	l.Problems = append(l.Problems, &spec.Error{Filename: l.GoWorkPath, Pos: spec.Position{Line: 1},
		Msg:  fmt.Sprintf("the module in %s (module) is not one of this workspace's modules, and the go command builds only those; add use ./%s to %s, or set build.env GOWORK: \"off\" in the spec", l.Dir, rel, l.GoWorkPath),
		Rule: spec.RuleMissingModule})
}

// ancestors are dir and the directories above it up to the root, nearest
// first.
func ancestors(dir string) []string {
	var ds []string
	for d := dir; ; d = path.Dir(d) {
		ds = append(ds, d)
		if d == "." {
			return ds
		}
	}
}

// wanted is a directory that a directive says holds a module.
type wanted struct {
	dir     string // in the context
	modPath string // the module path it is imported by; "" for a use directive: its go.mod says
	file    string // the go.mod or go.work of the directive
	line    int
	col     int
	what    string // the directive, for messages: "replace example.com/lib => ../lib"
	main    bool   // a workspace module: its own replace directives count
}

// resolve reads the go.mod of every directory the main module or the
// workspace names, round by round, and records the modules and problems.
func (l *Layout) resolve(read ReadFunc) error {
	var todo []wanted
	if l.GoWork != nil {
		todo = l.workDirectives()
	} else if l.GoMod != nil {
		name := path.Join(l.Dir, "go.mod")
		f, err := modfile.Parse(name, l.GoMod, nil)
		if err != nil {
			return nil // the defaults report it, with its lines
		}
		if f.Module != nil {
			l.add(Module{Path: f.Module.Mod.Path, Dir: l.Dir})
		}
		todo = l.replaces(name, f.Replace)
	}
	for round := 1; len(todo) > 0 && round < maxRounds; round++ {
		paths := make([]string, 0, len(todo))
		for _, w := range todo {
			paths = append(paths, path.Join(w.dir, "go.mod"))
		}
		files, err := read(paths)
		if err != nil {
			return err
		}
		var next []wanted
		for _, w := range todo {
			next = append(next, l.found(w, files[path.Join(w.dir, "go.mod")])...)
		}
		todo = next
	}
	return nil
}

// found records the module w names, whose go.mod is data (nil: missing),
// and returns what its own replace directives name, for a workspace
// module.
func (l *Layout) found(w wanted, data []byte) []wanted {
	name := path.Join(w.dir, "go.mod")
	if data == nil {
		l.problem(w, fmt.Sprintf("%s: no go.mod in %s in the build context; add the directory to the context (and keep it out of .dockerignore), or fix the path", w.what, w.dir))
		return nil
	}
	f, err := modfile.Parse(name, data, nil)
	if err != nil || f.Module == nil {
		l.problem(w, fmt.Sprintf("%s: %s is no valid go.mod with a module line; fix it", w.what, name))
		return nil
	}
	l.add(Module{Path: cmp.Or(w.modPath, f.Module.Mod.Path), Dir: w.dir})
	if !w.main {
		return nil
	}
	l.Workspace = append(l.Workspace, w.dir)
	return l.replaces(name, f.Replace)
}

// workDirectives are the use and replace directives of go.work.
func (l *Layout) workDirectives() []wanted {
	f, err := modfile.ParseWork(l.GoWorkPath, l.GoWork, nil)
	if err != nil {
		return nil // the defaults report it
	}
	base := path.Dir(l.GoWorkPath)
	var todo []wanted
	for _, u := range f.Use {
		w := wanted{file: l.GoWorkPath, line: u.Syntax.Start.Line, col: u.Syntax.Start.LineRune, what: "use " + u.Path, main: true}
		if w.dir = inContext(base, u.Path); w.dir == "" {
			l.problem(w, fmt.Sprintf("%s: the directory is outside the build context; build from a context that holds every module of the workspace (set module: to the module's directory in it)", w.what))
			continue
		}
		todo = append(todo, w)
	}
	return append(todo, l.replaces(l.GoWorkPath, f.Replace)...)
}

// replaces are the replace directives of file (a go.mod or go.work) that
// point at directories.
func (l *Layout) replaces(file string, rs []*modfile.Replace) []wanted {
	var todo []wanted
	for _, r := range rs {
		if r.New.Version != "" || !modfile.IsDirectoryPath(r.New.Path) {
			continue // a module version: the download fetches it
		}
		w := wanted{modPath: r.Old.Path, file: file, line: r.Syntax.Start.Line, col: r.Syntax.Start.LineRune, what: "replace " + r.Old.Path + " => " + r.New.Path}
		if w.dir = inContext(path.Dir(file), r.New.Path); w.dir == "" {
			l.problem(w, fmt.Sprintf("%s: the directory is outside the build context; build from a context that holds it (the repository root, with module: set to %s), or replace with a module version", w.what, cmp.Or(l.Dir, ".")))
			continue
		}
		todo = append(todo, w)
	}
	return todo
}

// inContext is dir (a directive's path, relative to base) as a path in
// the context, or "" when it is absolute or leads out of the context.
func inContext(base, dir string) string {
	if path.IsAbs(dir) || strings.Contains(dir, "\\") {
		return ""
	}
	p := path.Join(base, dir)
	if p == ".." || strings.HasPrefix(p, "../") {
		return ""
	}
	return p
}

// add records m unless its directory is known already.
func (l *Layout) add(m Module) {
	if !slices.ContainsFunc(l.Modules, func(o Module) bool { return o.Dir == m.Dir }) {
		l.Modules = append(l.Modules, m)
	}
}

// problem records a problem of directive w.
func (l *Layout) problem(w wanted, msg string) {
	l.Problems = append(l.Problems, &spec.Error{Filename: w.file, Pos: spec.Position{Line: w.line, Column: w.col}, Msg: msg, Rule: spec.RuleMissingModule})
}
