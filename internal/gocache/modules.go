package gocache

import (
	"bytes"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"golang.org/x/mod/module"
)

// ModulesConfig configures ExportModules.
type ModulesConfig struct {
	// Dir is the main module (go.mod and go.sum only are enough).
	Dir string
	// ModCache is the GOMODCACHE the first download fills: the long-lived
	// cache mount, shared with the go build steps.
	ModCache string
	// Out is the empty directory that becomes the layer.
	Out string
	// Private are module path patterns (GOPRIVATE syntax) whose modules stay
	// out of Out, unless KeepPrivate.
	Private     []string
	KeepPrivate bool
	// Stdout and Stderr receive the go command's output.
	Stdout, Stderr io.Writer
}

// ExportModules downloads the main module's dependencies and writes the
// module cache the build needs into cfg.Out:
//
//  1. `go mod download` with GOMODCACHE=cfg.ModCache and the environment
//     as given (GOPROXY, GOPRIVATE, credentials): what is there already is
//     not fetched again;
//  2. `go mod download` again with GOMODCACHE=cfg.Out and the first cache
//     as its only proxy (GOPROXY=file://..., no network, no credentials), so
//     that cfg.Out gets the build list and nothing else, whatever else the
//     shared mount holds;
//  3. from cfg.Out it removes the module zips (the go command builds from
//     the extracted trees and verifies go.sum against the .ziphash files),
//     the lock files, the modules' tests and other systems' sources (see
//     pruneModuleTree), and the private modules unless cfg.KeepPrivate.
//
// Then it writes the layer's id (see Seed).
func ExportModules(cfg ModulesConfig) error {
	goBin, err := exec.LookPath("go")
	if err != nil {
		return errNoGo
	}
	run := func(env []string, args ...string) error {
		cmd := exec.Command(goBin, args...)
		cmd.Dir = cfg.Dir
		cmd.Env = env
		cmd.Stdout, cmd.Stderr = cfg.Stdout, cfg.Stderr
		return cmd.Run()
	}
	if err := run(goEnv("GOMODCACHE="+cfg.ModCache), "mod", "download"); err != nil {
		return fmt.Errorf("go mod download: %w", err)
	}
	proxy := "file://" + filepath.ToSlash(filepath.Join(cfg.ModCache, "cache", "download"))
	if err := run(goEnv(
		"GOMODCACHE="+cfg.Out,
		"GOPROXY="+proxy,
		"GOPRIVATE=", "GONOPROXY=", "GONOSUMDB=", "GOINSECURE=",
		// Every module was checked against go.sum and the checksum
		// database by the first download; the copy needs no network.
		"GOSUMDB=off",
		"GOFLAGS=-modcacherw",
	), "mod", "download"); err != nil {
		return fmt.Errorf("copying the build list out of the module cache: %w", err)
	}
	if err := trimModuleCache(cfg.Out, cfg.Private, cfg.KeepPrivate); err != nil {
		return err
	}
	_, err = writeID(cfg.Out, ModulesIDFile)
	return err
}

// trimModuleCache removes from a module cache what a build does not read:
// zips, locks, the modules' tests and other systems' sources
// (pruneModuleTree), and (unless keepPrivate) every file of the modules
// matched by the private patterns, their extracted trees and their
// cache/download entries alike.
func trimModuleCache(root string, private []string, keepPrivate bool) error {
	isPrivate := func(escaped string) bool {
		if keepPrivate || len(private) == 0 {
			return false
		}
		p, err := module.UnescapePath(filepath.ToSlash(escaped))
		if err != nil {
			return true // not a module path we know how to read: keep it out
		}
		return module.MatchPrefixPatterns(strings.Join(private, ","), p)
	}
	download := filepath.Join(root, "cache", "download")
	return filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		if d.IsDir() {
			switch {
			case rel == filepath.Join("cache", "download", "sumdb"):
				return nil
			case strings.HasPrefix(p, download+string(filepath.Separator)) && d.Name() == "@v":
				mod, _ := filepath.Rel(download, filepath.Dir(p))
				if isPrivate(mod) {
					err := removeAllSkip(p)
					// and the module's directories, now empty (a nested
					// module's @v keeps its parents)
					for d := filepath.Dir(p); d != download && os.Remove(d) == nil; d = filepath.Dir(d) {
					}
					return err
				}
			case !strings.HasPrefix(rel, "cache") && strings.Contains(d.Name(), "@"):
				mod, _, _ := strings.Cut(rel, "@")
				if isPrivate(mod) {
					return removeAllSkip(p)
				}
				if err := pruneModuleTree(p); err != nil {
					return err
				}
				return fs.SkipDir // a module's tree: the rest as it is
			}
			return nil
		}
		if strings.HasSuffix(p, ".zip") || strings.HasSuffix(p, ".lock") {
			return os.Remove(p)
		}
		return nil
	})
}

// pruneModuleTree removes from a module's extracted tree its _test.go files,
// testdata directories and the sources of other systems than Linux
// (otherOSSource), which go build never reads for go-app's targets: over a
// third of the files of a typical build list, each of which a new builder
// would unpack. A directory whose package embeds files (a //go:embed line
// in a non-test .go file) keeps everything under it, since a pattern may
// name them.
func pruneModuleTree(tree string) error {
	embeds := map[string]bool{}
	err := filepath.WalkDir(tree, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(p, ".go") || strings.HasSuffix(p, "_test.go") {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		if bytes.Contains(b, []byte("//go:embed")) {
			embeds[filepath.Dir(p)] = true
		}
		return nil
	})
	if err != nil {
		return err
	}
	embedded := func(p string) bool {
		for d := p; len(d) >= len(tree); d = filepath.Dir(d) {
			if embeds[d] {
				return true
			}
		}
		return false
	}
	return filepath.WalkDir(tree, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		switch {
		case d.IsDir() && d.Name() == "testdata" && !embedded(filepath.Dir(p)):
			return removeAllSkip(p)
		case !d.IsDir() && (strings.HasSuffix(p, "_test.go") || otherOSSource(d.Name())) && !embedded(filepath.Dir(p)):
			return os.Remove(p)
		}
		return nil
	})
}

func removeAllSkip(p string) error {
	if err := os.RemoveAll(p); err != nil {
		return err
	}
	return fs.SkipDir
}
