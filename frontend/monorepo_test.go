package frontend

import (
	"context"
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/goappfrontend/go-app/internal/mainpkg"
	"github.com/goappfrontend/go-app/spec"
	"github.com/moby/buildkit/client/llb"
	"github.com/moby/buildkit/frontend/gateway/client"
	"github.com/moby/buildkit/solver/pb"
	fstypes "github.com/tonistiigi/fsutil/types"
)

// contextClient is a gateway client whose Solve answers the file copies
// of the frontend (read go.mod, find the main package) from a file tree:
// the result holds the files of the tree the copy's include patterns
// select.
type contextClient struct {
	client.Client
	files  map[string][]byte
	solves [][]string // the include patterns of each solve
}

func (c *contextClient) Solve(_ context.Context, req client.SolveRequest) (*client.Result, error) {
	var patterns []string
	for _, dt := range req.Definition.Def {
		var op pb.Op
		if err := op.UnmarshalVT(dt); err != nil {
			return nil, err
		}
		for _, a := range op.GetFile().GetActions() {
			if cp := a.GetCopy(); cp != nil {
				patterns = append(patterns, cp.IncludePatterns...)
			}
		}
	}
	c.solves = append(c.solves, patterns)
	ref := &ctxRef{treeRef: &treeRef{files: map[string]string{}}}
	for p, dt := range c.files {
		for _, pat := range patterns {
			if ok, _ := pathMatch(pat, p); ok {
				ref.files[p] = string(dt)
			}
		}
	}
	res := client.NewResult()
	res.SetRef(ref)
	return res, nil
}

// ctxRef is a treeRef that is a client.Reference.
type ctxRef struct {
	client.Reference
	*treeRef
}

func (r *ctxRef) ReadFile(ctx context.Context, req client.ReadRequest) ([]byte, error) {
	return r.treeRef.ReadFile(ctx, req)
}

func (r *ctxRef) ReadDir(ctx context.Context, req client.ReadDirRequest) ([]*fstypes.Stat, error) {
	return r.treeRef.ReadDir(ctx, req)
}

func (r *ctxRef) StatFile(_ context.Context, req client.StatRequest) (*fstypes.Stat, error) {
	if _, ok := r.files[req.Path]; !ok {
		return nil, os.ErrNotExist
	}
	return &fstypes.Stat{Path: req.Path, Mode: 0o644}, nil
}

// pathMatch is the include pattern matching the frontend's copies need:
// path.Match element by element.
func pathMatch(pattern, name string) (bool, error) {
	pe, ne := strings.Split(pattern, "/"), strings.Split(name, "/")
	if len(pe) != len(ne) {
		return false, nil
	}
	for i := range pe {
		if ok, err := matchElem(pe[i], ne[i]); !ok || err != nil {
			return false, err
		}
	}
	return true, nil
}

func matchElem(p, n string) (bool, error) {
	if p == "*" {
		return true, nil
	}
	if strings.HasPrefix(p, "*") {
		return strings.HasSuffix(n, p[1:]), nil
	}
	return p == n, nil
}

// monorepo is a repository with a service module in a subdirectory that
// replaces a library with a sibling directory.
func monorepo() map[string][]byte {
	return map[string][]byte{
		"services/api/go.mod":        []byte("module example.com/api\n\ngo 1.26\n\nrequire example.com/lib v0.0.0\n\nreplace example.com/lib => ../../lib\n"),
		"services/api/main.go":       []byte(mainGo),
		"services/api/cmd/tool/t.go": []byte(mainGo),
		"lib/go.mod":                 []byte("module example.com/lib\n\ngo 1.26\n"),
		"lib/lib.go":                 []byte(libGo),
	}
}

func TestFillSpecModuleInSubdirectory(t *testing.T) {
	c := &contextClient{files: monorepo()}
	s, sm := loadRaw(t, "module: services/api\n")
	mod, err := fillSpec(context.Background(), c, llb.Scratch(), wholeContext(llb.Scratch()), s, sm, targetImage)
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Binaries) != 1 || s.Binaries[0].Main != "." || s.Binaries[0].Name != "api" || s.Go.Version != "1.26" {
		t.Errorf("binaries %+v, go %q; want the root of services/api, named api", s.Binaries, s.Go.Version)
	}
	if got := mod.sources(); len(got) != 2 || got[0].Dir != "services/api" || got[1].Dir != "lib" || got[1].Path != "example.com/lib" {
		t.Errorf("modules in source %+v", got)
	}
	if first := c.solves[0]; !slices.Contains(first, "services/api/go.mod") || !slices.Contains(first, "services/go.work") || !slices.Contains(first, "go.work") {
		t.Errorf("the first read is %q, want the module's go.mod and the go.work files above it", first)
	}
	if !slices.Contains(c.solves[1], "lib/go.mod") {
		t.Errorf("the second read is %q, want the replacement's go.mod", c.solves[1])
	}
	if want := []string{"services/api/*.go", "services/api/cmd/*/*.go"}; !slices.Equal(c.solves[2], want) {
		t.Errorf("zero config read %q, want %q", c.solves[2], want)
	}
}

// A replace target missing from the context, and a workspace module
// missing: reported with the spec's problems, at their lines, the way
// --call check prints them.
func TestFillSpecMissingModules(t *testing.T) {
	files := monorepo()
	delete(files, "lib/go.mod")
	c := &contextClient{files: files}
	s, sm := loadRaw(t, "module: services/api\nmain: .\nruntime:\n  entrypoint: nope\n")
	_, err := fillSpec(context.Background(), c, llb.Scratch(), wholeContext(llb.Scratch()), s, sm, targetImage)
	res, lerr := lintResults(sm, err)
	if lerr != nil {
		t.Fatal(lerr)
	}
	var details []string
	for _, w := range res.Warnings {
		details = append(details, w.RuleName+" "+w.Detail)
	}
	want := []string{
		`InvalidValue go-app.yaml:4:15: runtime.entrypoint "nope" is not a binary of this spec; use one of: api`,
		"MissingModule services/api/go.mod:7:1: replace example.com/lib => ../../lib: no go.mod in lib in the build context; add the directory to the context (and keep it out of .dockerignore), or fix the path",
	}
	if !slices.Equal(details, want) {
		t.Errorf("check reports\n%s\nwant\n%s", strings.Join(details, "\n"), strings.Join(want, "\n"))
	}

	c = &contextClient{files: map[string][]byte{
		"go.work":    []byte("go 1.26\n\nuse (\n\t./app\n\t./lib\n)\n"),
		"app/go.mod": []byte("module example.com/app\n\ngo 1.26\n"),
	}}
	s, sm = loadRaw(t, "main: ./app\n")
	_, err = fillSpec(context.Background(), c, llb.Scratch(), wholeContext(llb.Scratch()), s, sm, targetImage)
	if err == nil || !strings.Contains(err.Error(), "go.work:5:2: use ./lib: no go.mod in lib in the build context") {
		t.Errorf("err = %v, want the use line of go.work", err)
	}
}

// Zero config at the root of a workspace: the one main package of its
// modules; the workspace's modules are all in source.
func TestFillSpecWorkspace(t *testing.T) {
	c := &contextClient{files: map[string][]byte{
		"go.work":               []byte("go 1.26.1\n\nuse (\n\t./app\n\t./lib\n)\n"),
		"app/go.mod":            []byte("module example.com/app\n\ngo 1.26\n"),
		"app/cmd/server/s.go":   []byte(mainGo),
		"lib/go.mod":            []byte("module example.com/lib\n\ngo 1.26\n"),
		"lib/lib.go":            []byte(libGo),
		"vendor/modules.txt":    []byte("# example.com/x v1.0.0\n"),
		"lib/cmd/internal/x.go": []byte(libGo),
	}}
	s, sm := loadRaw(t, "")
	mod, err := fillSpec(context.Background(), c, llb.Scratch(), wholeContext(llb.Scratch()), s, sm, targetImage)
	if err != nil {
		t.Fatal(err)
	}
	if s.Binaries[0].Main != "./app/cmd/server" || s.Binaries[0].Name != "server" || s.Go.Version != "1.26" {
		t.Errorf("binaries %+v, go %q", s.Binaries, s.Go.Version)
	}
	if !mod.Vendor || len(mod.Modules) != 2 {
		t.Errorf("vendor %v, modules %+v; want a vendored workspace of two modules", mod.Vendor, mod.Modules)
	}
	// ./... matches no package at a workspace root: the test target tests
	// every workspace module.
	if want := []string{"./app/...", "./lib/..."}; !slices.Equal(s.Test.Packages, want) {
		t.Errorf("test.packages %q, want %q", s.Test.Packages, want)
	}
}

func TestDetectWorkspace(t *testing.T) {
	src := func(p string) mainpkg.Source { return mainpkg.Source{Path: p, Head: []byte(mainGo)} }
	mods := map[string][]mainpkg.Source{
		"app": {src("main.go"), src("cmd/dev/main.go")}, // the root wins
		"lib": {{Path: "lib.go", Head: []byte(libGo)}},
	}
	if m, err := mainpkg.DetectWorkspace(mods, mainpkg.Config{}, "go-app.yaml"); err != nil || m != "./app" {
		t.Errorf("DetectWorkspace = %q, %v; want ./app", m, err)
	}
	mods["tools/gen"] = []mainpkg.Source{src("cmd/gen/main.go")}
	_, err := mainpkg.DetectWorkspace(mods, mainpkg.Config{}, "go-app.yaml")
	if err == nil || !strings.Contains(err.Error(), "several main packages: ./app, ./tools/gen/cmd/gen") {
		t.Errorf("err = %v, want both listed", err)
	}
	_, err = mainpkg.DetectWorkspace(map[string][]mainpkg.Source{"lib": nil}, mainpkg.Config{}, "go-app.yaml")
	if err == nil || !strings.Contains(err.Error(), "of the workspace modules (lib)") {
		t.Errorf("err = %v, want no main package", err)
	}
}

// loadRaw loads a spec without filling its defaults: fillSpec does.
func loadRaw(t *testing.T, yaml string) (*spec.Spec, *llb.SourceMap) {
	t.Helper()
	s, err := spec.Load("go-app.yaml", []byte(yaml))
	if err != nil {
		t.Fatal(err)
	}
	return s, llb.NewSourceMap(nil, "go-app.yaml", "YAML", []byte(yaml))
}

func TestOutlineGoAuthSecrets(t *testing.T) {
	s, _ := loadRaw(t, "main: .\nbuild:\n  goauth:\n    - url: https://proxy.corp.example.com/\n    - url: https://a.corp.example.com/\n      secret: a_token\n    - url: https://b.corp.example.com/\n")
	o := outlineOf(targetImage, s, nil, "")
	var got []string
	for _, sec := range o.Secrets {
		line := int32(0)
		if sec.Location != nil {
			line = sec.Location.Ranges[0].Start.Line
		}
		got = append(got, fmt.Sprintf("%s@%d", sec.Name, line))
	}
	if want := []string{"netrc@0", "goauth@4", "a_token@5"}; !slices.Equal(got, want) {
		t.Errorf("secrets %q, want %q", got, want)
	}
}
