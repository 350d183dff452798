// Package imports finds what a Go module's main packages import from
// outside the module: the packages of other modules and of the standard
// library that `go build` compiles before the module's own. go-app compiles
// them ahead, in a step keyed on go.mod and go.sum instead of the source.
//
// It reads the source through an fs.FS (the frontend's is the build
// context) and matches files with the standard library's go/build, as
// `go build` would for the target platform.
package imports

import (
	"errors"
	"go/build"
	"io"
	"io/fs"
	"path"
	"slices"
	"strings"
	"sync"
)

// Limits bound the work of one scan, whatever the context holds.
const (
	// MaxPackages is the most main-module packages a scan reads.
	MaxPackages = 5000
	// parallel is how many package directories are read at once.
	parallel = 16
)

// ErrTooMany is returned when the main packages import more than
// MaxPackages packages of their module.
var ErrTooMany = errors.New("imports: too many packages in the module")

// Config is what decides which files `go build` compiles.
type Config struct {
	GOOS, GOARCH string
	// Tags are the build tags (-tags).
	Tags []string
	// Cgo is CGO_ENABLED.
	Cgo bool
}

// External returns, sorted, the import paths that the packages in mains
// (directories relative to the module root, "." or "cmd/api") and the
// module packages they import, transitively, import from outside the
// module: other modules' packages and the standard library's, without "C".
// modPath is the module path from go.mod. Test files do not count.
func External(fsys fs.FS, modPath string, mains []string, cfg Config) ([]string, error) {
	return ExternalOf(fsys, []Module{{Path: modPath, Dir: "."}}, mains, cfg)
}

// Module is a module whose source is in fsys.
type Module struct {
	Path string // module path
	Dir  string // its directory in fsys, "." for the root
}

// ExternalOf is External for several modules in source, like the modules
// of a go.work workspace and the directories replace directives point at:
// mains are directories of fsys, and a package of any of mods is walked as
// source, never returned. An import belongs to the module with the
// longest path that is a prefix of it, as the go command resolves it.
func ExternalOf(fsys fs.FS, mods []Module, mains []string, cfg Config) ([]string, error) {
	local := resolver(mods)
	ctxt := buildContext(fsys, cfg)
	var (
		mu       sync.Mutex
		seen     = map[string]bool{}
		external = map[string]bool{}
		firstErr error
		wg       sync.WaitGroup
		sem      = make(chan struct{}, parallel)
	)
	var visit func(dir string)
	visit = func(dir string) {
		mu.Lock()
		if seen[dir] || firstErr != nil {
			mu.Unlock()
			return
		}
		if len(seen) >= MaxPackages {
			firstErr = ErrTooMany
			mu.Unlock()
			return
		}
		seen[dir] = true
		mu.Unlock()
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			// An error (no Go files, a syntax error, two package names)
			// is go build's to report; what could be read still counts.
			p, _ := ctxt.ImportDir(dir, 0)
			<-sem
			if p == nil {
				return
			}
			for _, imp := range p.Imports {
				if imp == "C" {
					continue
				}
				if dir, ok := local(imp); ok {
					visit(dir)
					continue
				}
				mu.Lock()
				external[imp] = true
				mu.Unlock()
			}
		}()
	}
	for _, m := range mains {
		visit(path.Clean(strings.TrimPrefix(m, "./")))
	}
	wg.Wait()
	if firstErr != nil {
		return nil, firstErr
	}
	out := make([]string, 0, len(external))
	for imp := range external {
		out = append(out, imp)
	}
	slices.Sort(out)
	return out, nil
}

// resolver returns the function that maps an import path to its
// directory in fsys when one of mods holds it.
func resolver(mods []Module) func(imp string) (string, bool) {
	mods = slices.Clone(mods)
	slices.SortStableFunc(mods, func(a, b Module) int { return len(b.Path) - len(a.Path) })
	return func(imp string) (string, bool) {
		for _, m := range mods {
			if imp == m.Path {
				return path.Clean(m.Dir), true
			}
			if rest, ok := strings.CutPrefix(imp, m.Path+"/"); ok {
				return path.Join(m.Dir, rest), true
			}
		}
		return "", false
	}
}

// buildContext is go/build's context for the target, reading fsys.
func buildContext(fsys fs.FS, cfg Config) *build.Context {
	ctxt := build.Default
	ctxt.GOOS, ctxt.GOARCH = cfg.GOOS, cfg.GOARCH
	ctxt.CgoEnabled = cfg.Cgo
	ctxt.BuildTags = slices.Clone(cfg.Tags)
	ctxt.GOROOT, ctxt.GOPATH, ctxt.Dir = "", "", ""
	ctxt.JoinPath = path.Join
	ctxt.IsAbsPath = path.IsAbs
	ctxt.SplitPathList = func(string) []string { return nil }
	ctxt.HasSubdir = func(root, dir string) (string, bool) { return "", false }
	ctxt.IsDir = func(p string) bool {
		fi, err := fs.Stat(fsys, p)
		return err == nil && fi.IsDir()
	}
	ctxt.ReadDir = func(dir string) ([]fs.FileInfo, error) {
		ents, err := fs.ReadDir(fsys, dir)
		if err != nil {
			return nil, err
		}
		infos := make([]fs.FileInfo, 0, len(ents))
		for _, e := range ents {
			fi, err := e.Info()
			if err != nil {
				return nil, err
			}
			infos = append(infos, fi)
		}
		return infos, nil
	}
	ctxt.OpenFile = func(p string) (io.ReadCloser, error) { return fsys.Open(p) }
	return &ctxt
}
