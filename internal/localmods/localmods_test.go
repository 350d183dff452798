package localmods

import (
	"slices"
	"strings"
	"testing"
)

// contextOf is a ReadFunc over a map of files, counting its calls.
func contextOf(files map[string]string, calls *int) ReadFunc {
	return func(paths []string) (map[string][]byte, error) {
		*calls++
		out := map[string][]byte{}
		for _, p := range paths {
			if d, ok := files[p]; ok {
				out[p] = []byte(d)
			}
		}
		return out, nil
	}
}

func problems(l *Layout) []string {
	var out []string
	for _, e := range l.Problems {
		out = append(out, e.Error())
	}
	return out
}

func TestReplaceToSiblings(t *testing.T) {
	files := map[string]string{
		"services/api/go.mod": "module example.com/api\n\ngo 1.26\n\nrequire example.com/lib v0.0.0\n\nreplace example.com/lib => ../../lib\n\nreplace (\n\texample.com/gone => ../../gone\n\texample.com/far => ../../../far\n\texample.com/v => example.com/v2 v2.0.0\n)\n",
		"lib/go.mod":          "module example.com/lib\n\ngo 1.26\n",
		"go.work":             "go 1.26\nuse ./lib\n", // not above services/api's ... it is: GOWORK=off below
	}
	var calls int
	l, err := Find("services/api", true, contextOf(files, &calls))
	if err != nil {
		t.Fatal(err)
	}
	if l.GoWork != nil || l.Vendor || string(l.GoMod) != files["services/api/go.mod"] {
		t.Errorf("layout %+v", l)
	}
	want := []Module{{"example.com/api", "services/api"}, {"example.com/lib", "lib"}}
	if !slices.Equal(l.Modules, want) {
		t.Errorf("modules %v, want %v", l.Modules, want)
	}
	got := problems(l)
	wantProblems := []string{
		"services/api/go.mod:11:2: replace example.com/far => ../../../far: the directory is outside the build context; build from a context that holds it (the repository root, with module: set to services/api), or replace with a module version",
		"services/api/go.mod:10:2: replace example.com/gone => ../../gone: no go.mod in gone in the build context; add the directory to the context (and keep it out of .dockerignore), or fix the path",
	}
	if !slices.Equal(got, wantProblems) {
		t.Errorf("problems\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(wantProblems, "\n"))
	}
	if calls != 2 {
		t.Errorf("%d reads, want 2 (the module's files, then the replacement directories)", calls)
	}
}

func TestWorkspace(t *testing.T) {
	files := map[string]string{
		"go.work":                "go 1.26\n\nuse (\n\t./app\n\t./lib\n\t./missing\n\t../outside\n)\n\nreplace example.com/tool => ./tools/tool\n",
		"app/go.mod":             "module example.com/app\n\ngo 1.26\n\nreplace example.com/util => ../util\n",
		"lib/go.mod":             "module example.com/lib\n\ngo 1.26\n",
		"tools/tool/go.mod":      "module example.com/tool\n",
		"util/go.mod":            "module example.com/util\n",
		"vendor/modules.txt":     "# vendored workspace\n",
		"app/vendor/modules.txt": "# ignored in a workspace\n",
	}
	var calls int
	// From a workspace module: go.work above it is used.
	l, err := Find("app", false, contextOf(files, &calls))
	if err != nil {
		t.Fatal(err)
	}
	if l.GoWorkPath != "go.work" || !l.Vendor {
		t.Errorf("go.work %q, vendor %v; want go.work, the workspace's vendor", l.GoWorkPath, l.Vendor)
	}
	want := []Module{{"example.com/tool", "tools/tool"}, {"example.com/app", "app"}, {"example.com/lib", "lib"}, {"example.com/util", "util"}}
	slices.SortFunc(want, func(a, b Module) int { return strings.Compare(a.Dir, b.Dir) })
	got := slices.Clone(l.Modules)
	slices.SortFunc(got, func(a, b Module) int { return strings.Compare(a.Dir, b.Dir) })
	if !slices.Equal(got, want) {
		t.Errorf("modules %v, want %v", got, want)
	}
	wantProblems := []string{
		"go.work:6:2: use ./missing: no go.mod in missing in the build context; add the directory to the context (and keep it out of .dockerignore), or fix the path",
		"go.work:7:2: use ../outside: the directory is outside the build context; build from a context that holds every module of the workspace (set module: to the module's directory in it)",
	}
	if gp := problems(l); !slices.Equal(sorted(gp), sorted(wantProblems)) {
		t.Errorf("problems\n%s\nwant\n%s", strings.Join(gp, "\n"), strings.Join(wantProblems, "\n"))
	}

	// GOWORK=off: app alone, its own vendor directory.
	l, err = Find("app", true, contextOf(files, &calls))
	if err != nil {
		t.Fatal(err)
	}
	if l.GoWork != nil || !l.Vendor || len(l.Problems) != 0 {
		t.Errorf("GOWORK=off: %+v", l)
	}
}

func sorted(s []string) []string {
	s = slices.Clone(s)
	slices.Sort(s)
	return s
}

func TestSingleModuleReadsOnce(t *testing.T) {
	var calls int
	l, err := Find(".", false, contextOf(map[string]string{"go.mod": "module example.com/app\n\ngo 1.26\n"}, &calls))
	if err != nil {
		t.Fatal(err)
	}
	if calls != 1 || !slices.Equal(l.Modules, []Module{{"example.com/app", "."}}) || len(l.Problems) != 0 {
		t.Errorf("%d reads, layout %+v", calls, l)
	}
}

// A module under a go.work that does not use it: the go command refuses
// to build there.
func TestModuleOutsideWorkspace(t *testing.T) {
	var calls int
	l, err := Find("tools/gen", false, contextOf(map[string]string{
		"go.work":          "go 1.26\n\nuse ./app\n",
		"app/go.mod":       "module example.com/app\n",
		"tools/gen/go.mod": "module example.com/gen\n",
	}, &calls))
	if err != nil {
		t.Fatal(err)
	}
	want := []string{`go.work:1: the module in tools/gen (module) is not one of this workspace's modules, and the go command builds only those; add use ./tools/gen to go.work, or set build.env GOWORK: "off" in the spec`}
	if got := problems(l); !slices.Equal(got, want) {
		t.Errorf("problems %q\nwant %q", got, want)
	}
}
