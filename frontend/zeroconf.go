package frontend

import (
	"cmp"
	"context"
	"os"
	"path"
	"slices"
	"strings"

	"github.com/goappfrontend/go-app/internal/mainpkg"
	"github.com/goappfrontend/go-app/spec"
	"github.com/moby/buildkit/client/llb"
	"github.com/moby/buildkit/frontend/gateway/client"
	"github.com/pkg/errors"
	fstypes "github.com/tonistiigi/fsutil/types"
)

// findMain sets the main package of a spec that has neither main nor
// binaries (zero config) to the one mainpkg.Detect finds in the module
// directory, or, at the root of a workspace without a go.mod, the one
// mainpkg.DetectWorkspace finds in the workspace's modules; a spec with
// either is left alone and costs nothing. Its error is spec.Errors at the
// top of the spec file, with the file attached for BuildKit to show.
func findMain(ctx context.Context, c client.Client, buildCtx llb.State, s *spec.Spec, mod *module, sm *llb.SourceMap) error {
	if s.Main != "" || len(s.Binaries) > 0 {
		return nil
	}
	roots := mainRoots(s.ModuleDir(), mod)
	ref, err := solveGoSources(ctx, c, buildCtx, roots)
	if err != nil {
		return err
	}
	cfg := mainpkg.Config{Tags: s.Build.Tags, Cgo: s.Build.Cgo}
	filename := cmp.Or(s.Source.Filename, spec.DefaultFilename)
	perRoot := map[string][]mainpkg.Source{}
	for _, r := range roots {
		var files []mainpkg.Source
		if ref != nil {
			if files, err = readGoSources(ctx, ref, cfg, r); err != nil {
				return errors.Wrap(err, "reading the build context to find the main package")
			}
		}
		perRoot[relTo(s.ModuleDir(), r)] = files
	}
	var main string
	if mod.GoMod != nil {
		main, err = mainpkg.Detect(perRoot["."], cfg, filename)
	} else {
		main, err = mainpkg.DetectWorkspace(perRoot, cfg, filename)
	}
	if err != nil {
		e := &spec.Error{Filename: filename, Msg: err.Error(), Rule: spec.RuleInvalidValue}
		if len(s.Source.Data) > 0 {
			e.Pos = spec.Position{Line: 1} // nowhere better: the spec has no such key
		}
		return withSpecSource(spec.Errors{e}.Err(), sm)
	}
	s.Main = main
	return nil
}

// mainRoots are the directories of the context zero config looks in: the
// module directory, or, for a workspace root without a go.mod, the
// workspace's modules under it.
func mainRoots(dir string, mod *module) []string {
	if mod.GoMod != nil {
		return []string{dir}
	}
	var roots []string
	for _, w := range mod.goFiles().WorkspaceModules {
		roots = append(roots, path.Join(dir, w))
	}
	return roots
}

// relTo is p, a directory of the context under dir, relative to dir.
func relTo(dir, p string) string {
	switch {
	case p == dir:
		return "."
	case dir == ".":
		return p
	}
	return strings.TrimPrefix(p, dir+"/")
}

// solveGoSources solves a copy of the .go files of each root directory of
// the build context and of its cmd/NAME directories, and returns it (nil
// when there are none). The context is the one the build copies anyway.
func solveGoSources(ctx context.Context, c client.Client, buildCtx llb.State, roots []string) (client.Reference, error) {
	var patterns, shown []string
	for _, r := range roots {
		for _, p := range []string{"*.go", mainpkg.CmdDir + "/*/*.go"} {
			patterns = append(patterns, path.Join(r, p))
			shown = append(shown, "./"+path.Join(r, p))
		}
	}
	st := llb.Scratch().File(llb.Copy(buildCtx, "/", "/", &llb.CopyInfo{
		IncludePatterns:     patterns,
		CopyDirContentsOnly: true,
		AllowEmptyWildcard:  true,
		AllowWildcard:       true,
	}), llb.WithCustomName("find the main package: "+strings.Join(shown, ", ")+" (no main or binaries in the spec)"))
	def, err := st.Marshal(ctx)
	if err != nil {
		return nil, err
	}
	res, err := c.Solve(ctx, client.SolveRequest{Definition: def.ToPB()})
	if err != nil {
		return nil, errors.Wrap(err, "reading the .go files of the build context")
	}
	return res.SingleRef()
}

// fileReader is the part of a client.Reference readGoSources uses.
type fileReader interface {
	ReadFile(ctx context.Context, req client.ReadRequest) ([]byte, error)
	ReadDir(ctx context.Context, req client.ReadDirRequest) ([]*fstypes.Stat, error)
}

// readGoSources reads the start of every .go file in directory base of ref
// ("." for its root) and in base's cmd/NAME directories whose name does
// not rule it out (see mainpkg.WantFile; the build constraints inside are
// left to mainpkg.Detect), with paths relative to base. A file is read
// only up to mainpkg.MaxHead.
func readGoSources(ctx context.Context, ref fileReader, cfg mainpkg.Config, base string) ([]mainpkg.Source, error) {
	root, err := ref.ReadDir(ctx, client.ReadDirRequest{Path: refPath(base)})
	if err != nil {
		if base != "." {
			return nil, nil // the directory holds no .go file
		}
		return nil, err
	}
	dirs := []string{""}
	if slices.ContainsFunc(root, func(st *fstypes.Stat) bool { return st.Path == mainpkg.CmdDir && isDir(st) }) {
		cmds, err := ref.ReadDir(ctx, client.ReadDirRequest{Path: path.Join(base, mainpkg.CmdDir)})
		if err != nil {
			return nil, err
		}
		for _, st := range cmds {
			if isDir(st) {
				dirs = append(dirs, path.Join(mainpkg.CmdDir, st.Path))
			}
		}
	}
	var files []mainpkg.Source
	for _, dir := range dirs {
		entries := root
		if dir != "" {
			if entries, err = ref.ReadDir(ctx, client.ReadDirRequest{Path: path.Join(base, dir), IncludePattern: "*.go"}); err != nil {
				return nil, err
			}
		}
		for _, st := range entries {
			name := path.Base(st.Path)
			if !os.FileMode(st.Mode).IsRegular() || !mainpkg.WantFile(name, cfg) {
				continue
			}
			p := path.Join(dir, name)
			head, err := ref.ReadFile(ctx, client.ReadRequest{Filename: path.Join(base, p), Range: &client.FileRange{Length: mainpkg.MaxHead}})
			if err != nil {
				return nil, err
			}
			files = append(files, mainpkg.Source{Path: p, Head: head})
		}
	}
	return files, nil
}

// isDir reports whether a stat is a directory's.
func isDir(st *fstypes.Stat) bool {
	return os.FileMode(st.Mode).IsDir()
}
