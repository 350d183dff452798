package main

// The Go cache subcommands move Go's module and build caches between cache
// mounts and the layers BuildKit exports (package internal/gocache):
//
//	GOPRIVATE=PATTERNS go-app-frontend modules -out /out [-keep-private]
//	go-app-frontend deps -out /out [-mount GOCACHE] [-flag -trimpath]... -- PKG...
//	go-app-frontend cacheprog -mount GOCACHE -out /out   (GOCACHEPROG of deps)
//	go-app-frontend gobuild -modules DIR -- go build ...
//	go-app-frontend toolchain -out /out   (GOROOT without its tests)
//
// The frontend runs them from its own image inside the module download, the
// dependency compile, the go build and the toolchain layer steps, with
// argument vectors only.

import (
	"flag"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"syscall"

	"github.com/goappfrontend/go-app/internal/gocache"
)

// multiFlag collects a repeated string flag.
type multiFlag []string

func (m *multiFlag) String() string     { return strings.Join(*m, " ") }
func (m *multiFlag) Set(v string) error { *m = append(*m, v); return nil }

// modules is `go-app-frontend modules`: the module download step.
func modules(args []string) error {
	fs := flag.NewFlagSet("modules", flag.ContinueOnError)
	out := fs.String("out", "", "the directory that becomes the module layer")
	keep := fs.Bool("keep-private", false, "put private modules (GOPRIVATE) in the layer too")
	if err := fs.Parse(args); err != nil {
		return err
	}
	modCache := os.Getenv("GOMODCACHE")
	if *out == "" || modCache == "" {
		return fmt.Errorf("usage: GOMODCACHE=DIR go-app-frontend modules -out DIR")
	}
	// GOPRIVATE says which modules are private: build.private, or
	// build.env's GOPRIVATE.
	var patterns []string
	if p := os.Getenv("GOPRIVATE"); p != "" {
		patterns = strings.Split(p, ",")
	}
	return gocache.ExportModules(gocache.ModulesConfig{
		Dir: ".", ModCache: modCache, Out: *out,
		Private: patterns, KeepPrivate: *keep,
		Stdout: os.Stdout, Stderr: os.Stderr,
	})
}

// deps is `go-app-frontend deps`: compiles the dependencies ahead into a
// build cache layer. It never fails the build (see gocache.CompileDeps).
func deps(args []string) error {
	fs := flag.NewFlagSet("deps", flag.ContinueOnError)
	out := fs.String("out", "", "the directory that becomes the build cache layer")
	mount := fs.String("mount", "", "the builder's GOCACHE cache mount, read and written through (Go 1.24+)")
	var flags multiFlag
	fs.Var(&flags, "flag", "a go build flag (repeatable)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *out == "" {
		return fmt.Errorf("usage: go-app-frontend deps -out DIR [-mount DIR] [-flag F]... -- PKG...")
	}
	var prog string
	if *mount != "" {
		self, err := os.Executable()
		if err != nil {
			return err
		}
		prog = strings.Join([]string{self, "cacheprog", "-mount", *mount, "-out", *out}, " ")
	}
	n := gocache.CompileDeps(gocache.DepsConfig{
		Dir: ".", Out: *out, Flags: flags, Packages: fs.Args(), CacheProg: prog,
		Stdout: os.Stdout, Stderr: os.Stderr,
	})
	fmt.Printf("go-app: %d packages compiled ahead for %s/%s\n", n, os.Getenv("GOOS"), os.Getenv("GOARCH"))
	return nil
}

// cacheprog is `go-app-frontend cacheprog`: the GOCACHEPROG program of
// deps (see gocache.ServeCacheProg), on stdin and stdout.
func cacheprog(args []string) error {
	fs := flag.NewFlagSet("cacheprog", flag.ContinueOnError)
	mount := fs.String("mount", "", "the builder's GOCACHE, read and written through")
	out := fs.String("out", "", "the build cache layer")
	if err := fs.Parse(args); err != nil {
		return err
	}
	st, err := gocache.ServeCacheProg(os.Stdin, os.Stdout, *mount, *out)
	fmt.Fprintf(os.Stderr, "go-app: %s\n", st)
	return err
}

// gobuild is `go-app-frontend gobuild`: the go build step of a build whose
// private modules are kept out of the module layer. It seeds the GOMODCACHE
// cache mount from the module layer, then replaces itself with the command
// after "--". (Every other go build step mounts the module layer at
// GOMODCACHE itself.)
func gobuild(args []string) error {
	fs := flag.NewFlagSet("gobuild", flag.ContinueOnError)
	modLayer := fs.String("modules", "", "the module layer (from modules)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	cmd := fs.Args()
	if len(cmd) == 0 || *modLayer == "" {
		return fmt.Errorf("usage: go-app-frontend gobuild -modules DIR -- go build ...")
	}
	if mount := os.Getenv("GOMODCACHE"); mount != "" {
		st, err := gocache.Seed(*modLayer, mount)
		switch {
		case err != nil:
			// The go command fetches what is missing.
			fmt.Fprintf(os.Stderr, "go-app: seeding GOMODCACHE from its layer: %v\n", err)
		case st.Files > 0:
			fmt.Fprintf(os.Stderr, "go-app: GOMODCACHE: %d files (%.1f MB) restored from the cache layer\n", st.Files, float64(st.Bytes)/1e6)
		}
	}
	bin, err := exec.LookPath(cmd[0])
	if err != nil {
		return err
	}
	return syscall.Exec(bin, cmd, os.Environ())
}

// toolchain is `go-app-frontend toolchain`: the toolchain layer step (see
// gocache.ExportToolchain).
func toolchain(args []string) error {
	fs := flag.NewFlagSet("toolchain", flag.ContinueOnError)
	out := fs.String("out", "", "the directory that becomes the toolchain layer")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *out == "" {
		return fmt.Errorf("usage: go-app-frontend toolchain -out DIR")
	}
	st, err := gocache.ExportToolchain(*out)
	fmt.Printf("go-app: %s\n", st)
	return err
}
