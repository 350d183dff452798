package frontend

import (
	"context"
	"path"
	"strings"

	"github.com/goappfrontend/go-app/internal/imports"
	"github.com/goappfrontend/go-app/internal/localmods"
	"github.com/goappfrontend/go-app/spec"
	"github.com/moby/buildkit/client/llb"
	"github.com/moby/buildkit/frontend/dockerui"
	"github.com/moby/buildkit/frontend/gateway/client"
	"github.com/pkg/errors"
)

// module is what the frontend needs to know about the Go modules before
// it can convert: the module directory's go.mod (Go version, module
// path), the go.work the go command uses there, whether the build
// vendors, and the modules compiled from source (see package localmods).
type module struct {
	*localmods.Layout
}

// goFiles are the files the spec's defaults come from.
func (m *module) goFiles() spec.GoFiles {
	f := spec.GoFiles{GoMod: m.GoMod, GoWork: m.GoWork, GoWorkPath: m.GoWorkPath}
	for _, w := range m.Workspace {
		if w == m.Dir || m.Dir == "." || strings.HasPrefix(w, m.Dir+"/") {
			f.WorkspaceModules = append(f.WorkspaceModules, relTo(m.Dir, w))
		}
	}
	return f
}

// sources are the modules in source for the import scan.
func (m *module) sources() []imports.Module {
	mods := make([]imports.Module, 0, len(m.Modules))
	for _, l := range m.Modules {
		mods = append(mods, imports.Module{Path: l.Path, Dir: l.Dir})
	}
	return mods
}

// contextFiles returns the build context to read the given paths from:
// the whole context for a build (which sends it anyway), only those paths
// for --call check.
type contextFiles func(ctx context.Context, paths []string) (llb.State, error)

// wholeContext is the contextFiles of a build.
func wholeContext(buildCtx llb.State) contextFiles {
	return func(context.Context, []string) (llb.State, error) { return buildCtx, nil }
}

// readModule reads the module files of the spec's module directory:
// go.mod, go.work in it or above, vendor/modules.txt, then the go.mod of
// every directory go.work or a replace directive names (localmods.Find).
// Each read solves only the files it names, so it adds no transfer of its
// own to a build, and --call check sends only them.
func readModule(ctx context.Context, c client.Client, files contextFiles, s *spec.Spec) (*module, error) {
	read := func(paths []string) (map[string][]byte, error) {
		return readContextFiles(ctx, c, files, paths)
	}
	l, err := localmods.Find(s.ModuleDir(), s.Build.Env["GOWORK"] == "off", read)
	if err != nil {
		return nil, err
	}
	return &module{l}, nil
}

// readContextFiles returns the content of those of paths that exist in the
// build context.
func readContextFiles(ctx context.Context, c client.Client, files contextFiles, paths []string) (map[string][]byte, error) {
	buildCtx, err := files(ctx, paths)
	if err != nil {
		return nil, err
	}
	st := llb.Scratch().File(llb.Copy(buildCtx, "/", "/", &llb.CopyInfo{
		IncludePatterns:     paths,
		CopyDirContentsOnly: true,
		AllowEmptyWildcard:  true,
		AllowWildcard:       true,
	}), llb.WithCustomName("read "+readName(paths)))
	def, err := st.Marshal(ctx)
	if err != nil {
		return nil, err
	}
	res, err := c.Solve(ctx, client.SolveRequest{Definition: def.ToPB()})
	if err != nil {
		return nil, errors.Wrap(err, "reading go.mod from the build context")
	}
	ref, err := res.SingleRef()
	if err != nil {
		return nil, err
	}
	out := map[string][]byte{}
	if ref == nil { // nothing matched: an empty result
		return out, nil
	}
	for _, p := range paths {
		if _, err := ref.StatFile(ctx, client.StatRequest{Path: p}); err != nil {
			continue
		}
		if path.Base(p) == "modules.txt" {
			out[p] = []byte{} // its presence is what counts
			continue
		}
		if out[p], err = dockerui.ReadFile(ctx, ref, p); err != nil {
			return nil, errors.Wrapf(err, "reading %s", p)
		}
	}
	return out, nil
}

// readName names a read of the module files in progress output: "go.mod"
// for the usual first read of a module at the root.
func readName(paths []string) string {
	if len(paths) > 0 && paths[0] == "go.mod" {
		return "go.mod"
	}
	if len(paths) == 1 {
		return paths[0]
	}
	return "go.mod and go.work files"
}
