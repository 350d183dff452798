// Package mainpkg finds the main package a spec without main and binaries
// builds (zero config): the module's one main package. It is pure: the
// frontend reads the .go files from the build context and passes their
// start to Detect. go-app looks for it in two places: the module root (./*.go) and the
// directories of ./cmd (./cmd/NAME/*.go), and decides as follows.
//
//   - A directory is a main package when one of the files `go build` would
//     compile in it for linux says "package main". Files ending in _test.go
//     and files whose names start with "_" or "." are never compiled.
//   - Build constraints are honoured as go/build honours them for
//     GOOS=linux on one of the architectures go-app builds for
//     (spec.Arches): a file counts when, for one of them, its name
//     (x_windows.go, x_linux_arm64.go) and its //go:build line (or old
//     // +build lines) allow it, as build.Context.MatchFile tells. The tags
//     linux, unix, gc and the architecture are true; the other operating
//     systems and architectures and gccgo are false; cgo is build.cgo; every
//     tag in build.tags is true. Release tags (go1.21), goexperiment.* and
//     architecture feature tags (amd64.v3) depend on the toolchain and the
//     platform variant and are taken as either. Every other tag is false,
//     as `go build` leaves it unset: a //go:build ignore file is left out,
//     as with `go build`.
//   - A main package at the module root wins: it is what `go build` and
//     `go install MODULE@VERSION` build, and a cmd directory next to it
//     usually holds development tools.
//   - Otherwise the one main package under ./cmd is built. Several are an
//     error that lists them and asks for main or binaries; so is none.
package mainpkg

import (
	"bytes"
	"errors"
	"fmt"
	"go/ast"
	"go/build"
	"go/build/constraint"
	"go/parser"
	"go/scanner"
	"go/token"
	"io"
	"maps"
	"path"
	"slices"
	"strings"

	"github.com/goappfrontend/go-app/spec"
)

// CmdDir is where go-app looks for main packages besides the module root.
const CmdDir = "cmd"

// MaxHead is how much of a .go file go-app reads to find its package
// clause and build constraints: they come before any declaration, and
// licence headers are far shorter.
const MaxHead = 64 << 10

// maxFreeTags bounds the toolchain-dependent tags of one constraint that
// compiles tries every choice of; a constraint with more counts.
const maxFreeTags = 12

// targetArches are the GOARCH values of the platforms go-app builds for.
var targetArches = spec.Architectures()

// Source is the start of a .go file of the build context.
type Source struct {
	// Path is slash-separated and relative to the context root, like
	// "main.go" or "cmd/api/main.go".
	Path string
	// Head is the file's content, or its first MaxHead bytes.
	Head []byte
}

// Config is what of the spec decides which files `go build` compiles.
type Config struct {
	Tags []string // build.tags
	Cgo  bool     // build.cgo
}

// Detect returns the main package a spec without main and binaries
// builds, "." or "./cmd/NAME", from the .go files at the root of the build
// context and in its cmd/NAME directories (other files are ignored). Its
// error says what was found and what to set in the spec file, named
// specFile.
func Detect(files []Source, cfg Config, specFile string) (string, error) {
	mains, unreadable := mainPackages(files, cfg)
	switch {
	case slices.Contains(mains, "."):
		return ".", nil
	case len(mains) == 1:
		return mains[0], nil
	case len(mains) > 1:
		return "", fmt.Errorf("no main or binaries set, and the module has several main packages: %s; "+
			"set main: in %s to the one to build (like main: %s), or list them under binaries:",
			strings.Join(mains, ", "), specFile, mains[0])
	}
	msg := fmt.Sprintf("no main or binaries set, and go-app found no main package to build for linux "+
		"at the module root (./*.go) or in a directory of ./cmd (./cmd/*/*.go); "+
		"set main: in %s to the main package to build (like main: ./cmd/server), or list several under binaries:", specFile)
	if len(unreadable) > 0 {
		msg += fmt.Sprintf(" (the package clause of %s could not be read)", strings.Join(unreadable, ", "))
	}
	return "", errors.New(msg)
}

// DetectWorkspace is Detect for the root of a go.work workspace without a
// go.mod of its own: modules maps the directory of each workspace module,
// relative to the root ("app", "services/api"), to its files, with paths
// relative to that directory. In each module the same places count, and
// its root wins over its ./cmd, as for Detect. It returns the one main
// package of all the modules, like "./app" or "./app/cmd/server".
func DetectWorkspace(modules map[string][]Source, cfg Config, specFile string) (string, error) {
	var all []string
	dirs := slices.Sorted(maps.Keys(modules))
	for _, dir := range dirs {
		mains, _ := mainPackages(modules[dir], cfg)
		if slices.Contains(mains, ".") {
			mains = []string{"."}
		}
		for _, m := range mains {
			all = append(all, "./"+path.Join(dir, m))
		}
	}
	switch {
	case len(all) == 1:
		return all[0], nil
	case len(all) > 1:
		return "", fmt.Errorf("no main or binaries set, and the workspace modules have several main packages: %s; "+
			"set main: in %s to the one to build (like main: %s), or list them under binaries:",
			strings.Join(all, ", "), specFile, all[0])
	}
	return "", fmt.Errorf("no main or binaries set, and go-app found no main package to build for linux "+
		"at the root (./*.go) or in ./cmd/*/ of the workspace modules (%s); "+
		"set main: in %s to the main package to build (like main: ./%s), or set module: to the module to build",
		strings.Join(dirs, ", "), specFile, path.Join(cmpOr(dirs), "cmd/server"))
}

// cmpOr is the first of dirs, or "app".
func cmpOr(dirs []string) string {
	if len(dirs) > 0 {
		return dirs[0]
	}
	return "app"
}

// mainPackages returns the main packages among files, "." and
// "./cmd/NAME", sorted, and the files whose package clause could not be
// read.
func mainPackages(files []Source, cfg Config) (mains, unreadable []string) {
	found := map[string]bool{}
	for _, f := range files {
		dir, ok := candidateDir(f.Path)
		if !ok || found[dir] || !WantFile(path.Base(f.Path), cfg) {
			continue
		}
		pkg, cons, err := packageClause(f.Path, f.Head)
		if err != nil {
			unreadable = append(unreadable, f.Path)
			continue
		}
		if pkg == "main" && compiles(path.Base(f.Path), f.Head, cons, cfg) {
			found[dir] = true
			mains = append(mains, dir)
		}
	}
	slices.Sort(mains)
	slices.Sort(unreadable)
	return mains, unreadable
}

// candidateDir returns the package a file of the build context belongs to
// when it is one go-app looks at: "." for a file at the root,
// "./cmd/NAME" for one in cmd/NAME.
func candidateDir(p string) (string, bool) {
	elems := strings.Split(p, "/")
	switch {
	case len(elems) == 1:
		return ".", true
	case len(elems) == 3 && elems[0] == CmdDir && elems[1] != "" && elems[2] != "":
		return "./" + CmdDir + "/" + elems[1], true
	}
	return "", false
}

// WantFile reports whether `go build` for linux may compile the file
// with this name on some target architecture: a .go file, not a test, not
// hidden, and no _GOOS or _GOARCH suffix that rules it out (go/build
// decides, as for a file without build constraints).
func WantFile(name string, cfg Config) bool {
	if !strings.HasSuffix(name, ".go") || strings.HasSuffix(name, "_test.go") ||
		strings.HasPrefix(name, "_") || strings.HasPrefix(name, ".") {
		return false
	}
	return slices.ContainsFunc(targetArches, func(arch string) bool {
		ok, _ := goBuildMatches(name, []byte("package p\n"), arch, cfg, nil)
		return ok
	})
}

// compiles reports whether `go build` for linux compiles a file named name
// (one WantFile accepts), which starts with head and has the build
// constraint cons (nil: none; see packageClause), on some target
// architecture and for some toolchain: go/build decides for each choice of
// the toolchain-dependent tags cons names (see freeTag).
func compiles(name string, head []byte, cons constraint.Expr, cfg Config) bool {
	// What go/build reads: the constraints, up to the package name.
	n := packageNameEnd(head)
	head = append(head[:n:n], '\n')
	var free []string
	if cons != nil {
		collectTags(cons, func(tag string) {
			if !slices.Contains(free, tag) && slices.ContainsFunc(targetArches, func(arch string) bool { return freeTag(tag, arch) }) {
				free = append(free, tag)
			}
		})
	}
	if len(free) > maxFreeTags {
		return true
	}
	return slices.ContainsFunc(targetArches, func(arch string) bool {
		for choice := 0; choice < 1<<len(free); choice++ {
			var set []string
			for i, tag := range free {
				if choice&(1<<i) == 0 || !freeTag(tag, arch) {
					continue
				}
				if tag == "boringcrypto" {
					tag = "goexperiment.boringcrypto" // go/build reads the old name as this tag
				}
				set = append(set, tag)
			}
			ok, err := goBuildMatches(name, head, arch, cfg, set)
			if ok || err != nil { // a constraint go/build cannot read is ignored, like a missing one
				return true
			}
		}
		return false
	})
}

// goBuildMatches reports whether go/build matches the file name, which
// starts with head, for linux/arch with cfg's tags and cgo setting and the
// toolchain-dependent tags in free set. Its context knows no release or
// tool tags of its own: those depend on the toolchain of the build.
func goBuildMatches(name string, head []byte, arch string, cfg Config, free []string) (bool, error) {
	ctx := build.Context{
		GOOS:       "linux",
		GOARCH:     arch,
		Compiler:   "gc",
		CgoEnabled: cfg.Cgo,
		BuildTags:  slices.Concat(cfg.Tags, free),
		OpenFile:   func(string) (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(head)), nil },
	}
	return ctx.MatchFile(".", name)
}

// packageClause returns the package name of a Go file and its build
// constraint (nil when it has none). head may end anywhere after the
// package name.
func packageClause(name string, head []byte) (string, constraint.Expr, error) {
	// The parser reads one token past the package name, which head may cut
	// (a long comment or string): parse up to the package name only.
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, name, head[:packageNameEnd(head)], parser.PackageClauseOnly|parser.ParseComments)
	if err != nil {
		return "", nil, err
	}
	return f.Name.Name, buildConstraint(fset, f), nil
}

// packageNameEnd returns the offset in src just after the name of its
// package clause, or len(src) when src does not start with one (comments
// aside); the parser then says what is wrong.
func packageNameEnd(src []byte) int {
	fset := token.NewFileSet()
	var s scanner.Scanner
	s.Init(fset.AddFile("", -1, len(src)), src, nil, scanner.ScanComments)
	tok := token.COMMENT
	for tok == token.COMMENT {
		_, tok, _ = s.Scan()
	}
	if tok != token.PACKAGE {
		return len(src)
	}
	pos, tok, lit := s.Scan()
	if tok != token.IDENT {
		return len(src)
	}
	return fset.Position(pos).Offset + len(lit)
}

// buildConstraint returns the build constraint of a file parsed up to its
// package clause, like go/build reads it: the //go:build line before the
// package clause, else the // +build lines of comment groups that end
// before it with a blank line in between, joined with "and". A line that
// does not parse is ignored (`go build` reports it).
func buildConstraint(fset *token.FileSet, f *ast.File) constraint.Expr {
	pkgLine := fset.Position(f.Package).Line
	var plus constraint.Expr
	for _, g := range f.Comments {
		if g.Pos() >= f.Package {
			break
		}
		blankAfter := fset.Position(g.End()).Line < pkgLine-1
		for _, c := range g.List {
			switch {
			case constraint.IsGoBuild(c.Text):
				if x, err := constraint.Parse(c.Text); err == nil {
					return x
				}
			case blankAfter && constraint.IsPlusBuild(c.Text):
				if x, err := constraint.Parse(c.Text); err == nil {
					if plus == nil {
						plus = x
					} else {
						plus = &constraint.AndExpr{X: plus, Y: x}
					}
				}
			}
		}
	}
	return plus
}

// freeTag reports whether a build tag's value depends on the toolchain or
// the platform variant rather than on the spec: release tags (go1.21),
// experiments (goexperiment.x, boringcrypto) and the feature levels of
// arch (amd64.v3). go-app takes such a tag as either.
func freeTag(tag, arch string) bool {
	if strings.HasPrefix(tag, "go1.") || strings.HasPrefix(tag, "goexperiment.") || tag == "boringcrypto" {
		return true
	}
	a, _, ok := strings.Cut(tag, ".")
	return ok && a == arch
}

// collectTags calls fn for every tag of x.
func collectTags(x constraint.Expr, fn func(string)) {
	switch x := x.(type) {
	case *constraint.TagExpr:
		fn(x.Tag)
	case *constraint.NotExpr:
		collectTags(x.X, fn)
	case *constraint.AndExpr:
		collectTags(x.X, fn)
		collectTags(x.Y, fn)
	case *constraint.OrExpr:
		collectTags(x.X, fn)
		collectTags(x.Y, fn)
	}
}
