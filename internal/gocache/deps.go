package gocache

import (
	"bytes"
	"fmt"
	"io"
	"os/exec"
	"strings"
)

// DepsConfig configures CompileDeps.
type DepsConfig struct {
	// Dir is the main module (go.mod and go.sum are enough).
	Dir string
	// Out is the empty directory that becomes the GOCACHE layer.
	Out string
	// Flags are the go build flags that change what the compiler produces
	// (-trimpath, -tags=...); the go build steps use the same.
	Flags []string
	// Packages are import paths from outside the main module.
	Packages []string
	// CacheProg, when set, is the GOCACHEPROG command line (Go 1.24 and
	// later; older go commands ignore it) that reads through to the
	// builder's GOCACHE cache mount (ServeCacheProg), so that a long-lived
	// builder copies what it compiled before instead of compiling it
	// again. Without it, or on an older Go, everything is compiled into Out.
	CacheProg string
	// Stdout and Stderr receive the go command's output.
	Stdout, Stderr io.Writer
}

// CompileDeps compiles cfg.Packages and everything they import into a fresh
// build cache, cfg.Out, for the platform the environment names (GOOS,
// GOARCH, ...), with the network off (GOPROXY=off): the module cache must
// hold the modules already. Packages that `go list` cannot load (a private
// module left out of the module layer, a package whose files all need
// another system) are dropped first.
//
// It reports failure without returning an error: compiling ahead is an
// optimisation, and the go build step that follows compiles whatever is
// missing and reports the real error at the spec line. It returns how many
// packages it compiled.
func CompileDeps(cfg DepsConfig) int {
	if len(cfg.Packages) == 0 {
		return 0
	}
	goBin, err := exec.LookPath("go")
	if err != nil {
		fmt.Fprintln(cfg.Stderr, "go-app:", errNoGo)
		return 0
	}
	env := goEnv("GOCACHE="+cfg.Out, "GOPROXY=off", "GOFLAGS=-mod=readonly", "GOCACHEPROG="+cfg.CacheProg)
	list := exec.Command(goBin, append(append([]string{"list", "-e",
		"-f", "{{if and (not .Error) (not .DepsErrors)}}{{.ImportPath}}{{end}}"},
		cfg.Flags...), cfg.Packages...)...)
	list.Dir, list.Env = cfg.Dir, env
	var out bytes.Buffer
	list.Stdout, list.Stderr = &out, cfg.Stderr
	if err := list.Run(); err != nil {
		fmt.Fprintf(cfg.Stderr, "go-app: go list of the dependencies failed (%v); go build compiles them instead\n", err)
		return 0
	}
	pkgs := strings.Fields(out.String())
	if dropped := len(cfg.Packages) - len(pkgs); dropped > 0 {
		fmt.Fprintf(cfg.Stderr, "go-app: %d of %d imported packages cannot be compiled ahead (private, or not for this platform); go build compiles them\n", dropped, len(cfg.Packages))
	}
	if len(pkgs) == 0 {
		return 0
	}
	build := exec.Command(goBin, append(append([]string{"build"}, cfg.Flags...), pkgs...)...)
	build.Dir, build.Env = cfg.Dir, env
	build.Stdout, build.Stderr = cfg.Stdout, cfg.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintf(cfg.Stderr, "go-app: compiling the dependencies ahead failed (%v); go build compiles the rest\n", err)
	}
	return len(pkgs)
}
