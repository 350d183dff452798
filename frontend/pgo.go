package frontend

import (
	"context"
	"io/fs"
	"path"
	"strings"

	"github.com/goappfrontend/go-app/spec"
	"github.com/moby/buildkit/client/llb"
	"github.com/moby/buildkit/frontend/dockerui"
	"github.com/moby/buildkit/frontend/gateway/client"
)

// profilePath is the file `go build -pgo=auto` (go-app's go build) takes
// as the PGO profile of main package pkg of the module in directory
// moduleDir, relative to the build context.
func profilePath(moduleDir, pkg string) string {
	return path.Join(moduleDir, path.Clean(pkg), "default.pgo")
}

// findProfiles maps the name of each binary whose main package has a
// default.pgo (a regular file) to its path in fsys, the build context.
func findProfiles(fsys fs.FS, moduleDir string, bins []spec.Binary) map[string]string {
	var found map[string]string
	for _, b := range bins {
		p := profilePath(moduleDir, b.Main)
		if fi, err := fs.Stat(fsys, p); err != nil || !fi.Mode().IsRegular() {
			continue
		}
		if found == nil {
			found = map[string]string{}
		}
		found[b.Name] = p
	}
	return found
}

// profiles returns the PGO profiles of the binaries (llb.Options.Profiles),
// read from the context the scan has solved; nil without a scan.
func (d *dependencyScan) profiles() map[string]string {
	if d == nil {
		return nil
	}
	return findProfiles(d.fsys, d.spec.ModuleDir(), d.spec.Binaries)
}

// outlineProfiles says, for --call outline, which main packages of the
// spec have a default.pgo that go build uses. It reads only those files
// from the build context (and, for a spec without main and binaries, the
// .go files that say which package is the main one). A context it cannot
// read gives "".
func outlineProfiles(ctx context.Context, c client.Client, bc *dockerui.Client, sm *llb.SourceMap, s *spec.Spec) string {
	var opts []llb.LocalOption
	if s.Main != "" || len(s.Binaries) > 0 {
		var paths []string
		for _, pkg := range mainPackages(s) {
			paths = append(paths, profilePath(s.ModuleDir(), pkg))
		}
		opts = append(opts, llb.FollowPaths(paths), llb.SharedKeyHint("go-app outline: default.pgo"))
	}
	buildCtx, err := bc.MainContext(ctx, opts...)
	if err != nil || buildCtx == nil {
		return ""
	}
	if s.Main == "" && len(s.Binaries) == 0 {
		mod, err := readModule(ctx, c, wholeContext(*buildCtx), s)
		if err != nil || findMain(ctx, c, *buildCtx, s, mod, sm) != nil {
			return ""
		}
	}
	fsys, err := solveContext(ctx, c, *buildCtx)
	if err != nil {
		return ""
	}
	return profileNote(fsys, s.ModuleDir(), mainPackages(s))
}

// profileNote says which of the main packages pkgs of the module in
// moduleDir have a default.pgo in fsys, the build context.
func profileNote(fsys fs.FS, moduleDir string, pkgs []string) string {
	var with, without []string
	for _, pkg := range pkgs {
		if p := profilePath(moduleDir, pkg); isRegular(fsys, p) {
			with = append(with, pkg+" uses "+p)
		} else {
			without = append(without, pkg)
		}
	}
	switch {
	case len(with) == 0:
		return "PGO: no default.pgo in " + strings.Join(without, ", ") + " (go build -pgo=auto uses the default.pgo of a main package's directory)"
	case len(without) == 0:
		return "PGO: " + strings.Join(with, "; ")
	}
	return "PGO: " + strings.Join(with, "; ") + "; no default.pgo in " + strings.Join(without, ", ")
}

// mainPackages are the main packages the spec names, in order.
func mainPackages(s *spec.Spec) []string {
	var pkgs []string
	if s.Main != "" {
		pkgs = append(pkgs, s.Main)
	}
	for _, b := range s.Binaries {
		pkgs = append(pkgs, b.Main)
	}
	return pkgs
}

// isRegular says whether name is a regular file of fsys.
func isRegular(fsys fs.FS, name string) bool {
	fi, err := fs.Stat(fsys, name)
	return err == nil && fi.Mode().IsRegular()
}
