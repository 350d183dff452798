package frontend

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/goappfrontend/go-app/spec"
	"github.com/moby/buildkit/client/llb"
	"github.com/moby/buildkit/frontend/subrequests/lint"
	"github.com/moby/buildkit/frontend/subrequests/outline"
	"github.com/moby/buildkit/frontend/subrequests/targets"
	ocispecs "github.com/opencontainers/image-spec/specs-go/v1"
)

func TestListTargets(t *testing.T) {
	data := []byte("# syntax=x\nmain: ./cmd/a\ngo:\n  image: golang:1.26\nruntime:\n  base: alpine:3\ntest:\n  race: true\n")
	s, _ := spec.Load("go-app.yaml", data)
	l := listTargets(s, []ocispecs.Platform{{OS: "linux", Architecture: "arm64"}})
	if len(l.Targets) != 4 || len(l.Sources) != 1 || !bytes.Equal(l.Sources[0], data) {
		t.Fatalf("list = %+v", l)
	}
	want := []struct {
		name, base, platform string
		def                  bool
		line                 int32
	}{
		{"image", "alpine:3", "", true, 5},
		{"binaries", "scratch", "", false, 2},
		{"test", "golang:1.26", "linux/arm64", false, 7},
		{"debug", "alpine:3", "", false, 5},
	}
	for i, w := range want {
		tt := l.Targets[i]
		if tt.Name != w.name || tt.Base != w.base || tt.Platform != w.platform || tt.Default != w.def || tt.Description == "" {
			t.Errorf("target %d = %+v, want %+v", i, tt, w)
		}
		if tt.Location == nil || tt.Location.SourceIndex != 0 || tt.Location.Ranges[0].Start.Line != w.line {
			t.Errorf("%s at %v, want line %d", tt.Name, tt.Location, w.line)
		}
	}
	// What buildx prints.
	res, err := l.ToResult()
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if err := targets.PrintTargets(res.Metadata["result.json"], &out); err != nil {
		t.Fatal(err)
	}
	for _, w := range []string{"image (default)", "binaries ", "test ", "debug "} {
		if !strings.Contains(out.String(), w) {
			t.Errorf("printed targets lack %q:\n%s", w, out.String())
		}
	}
	// A spec with problems is listed as far as it goes.
	s, _ = spec.Load("go-app.yaml", []byte("mian: x\n"))
	if l := listTargets(s, nil); len(l.Targets) != 4 || l.Targets[0].Base != "scratch" || l.Targets[2].Location != nil {
		t.Errorf("list of a bad spec = %+v", l)
	}
}

func TestOutline(t *testing.T) {
	data := []byte("main: ./cmd/a\nbuild:\n  private: [example.com/private]\n")
	s, _ := spec.Load("go-app.yaml", data)
	opts := map[string]string{"build-arg:VERSION": "1.2.3", "build-arg:OTHER": "x"}
	for _, tc := range []struct {
		t    target
		args []string
	}{
		{targetImage, []string{"VERSION", "SOURCE_DATE_EPOCH", "BUILDKIT_CACHE_MOUNT_NS", "BUILDKIT_MULTI_PLATFORM"}},
		{targetBinaries, []string{"VERSION", "SOURCE_DATE_EPOCH", "BUILDKIT_CACHE_MOUNT_NS", "BUILDKIT_MULTI_PLATFORM"}},
		{targetTest, []string{"BUILDKIT_CACHE_MOUNT_NS"}},
	} {
		o := outlineOf(tc.t, s, opts, "ns")
		var names []string
		for _, a := range o.Args {
			names = append(names, a.Name)
			if a.Description == "" {
				t.Errorf("%s: %s has no description", tc.t.name, a.Name)
			}
			if want := opts["build-arg:"+a.Name]; a.Value != want {
				t.Errorf("%s: %s = %q, want %q", tc.t.name, a.Name, a.Value, want)
			}
		}
		if strings.Join(names, " ") != strings.Join(tc.args, " ") {
			t.Errorf("%s: args %q, want %q", tc.t.name, names, tc.args)
		}
		if o.Name != tc.t.name || o.Description != tc.t.description {
			t.Errorf("outline names %q %q", o.Name, o.Description)
		}
		if len(o.Secrets) != 1 || o.Secrets[0].Name != "netrc" || o.Secrets[0].Required || o.Secrets[0].Location.Ranges[0].Start.Line != 3 {
			t.Errorf("%s: secrets %+v, want netrc, optional, at build.private (line 3)", tc.t.name, o.Secrets)
		}
		if len(o.SSH) != 1 || o.SSH[0].Name != "default" || o.SSH[0].Required {
			t.Errorf("%s: ssh %+v, want default, optional", tc.t.name, o.SSH)
		}
		if len(o.Cache) != 2 || o.Cache[0].ID != "ns/go-app-gomodcache" || o.Cache[1].ID != "ns/go-app-gocache" {
			t.Errorf("%s: cache %+v", tc.t.name, o.Cache)
		}
	}
	// Without build.private the credentials are listed, nowhere in the
	// file.
	s, _ = spec.Load("go-app.yaml", []byte("main: ./cmd/a\n"))
	o := outlineOf(targetImage, s, nil, "")
	if len(o.Secrets) != 1 || o.Secrets[0].Location != nil || o.Cache[0].ID != "go-app-gomodcache" {
		t.Errorf("outline without build.private: %+v", o)
	}
	res, err := o.ToResult()
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if err := outline.PrintOutline(res.Metadata["result.json"], &out); err != nil {
		t.Fatal(err)
	}
	for _, w := range []string{"TARGET:      image", "SOURCE_DATE_EPOCH", "netrc", "default"} {
		if !strings.Contains(out.String(), w) {
			t.Errorf("printed outline lacks %q:\n%s", w, out.String())
		}
	}
}

// printCheck prints lint results the way buildx does, and returns them
// with the exit status buildx would use.
func printCheck(t *testing.T, res *lint.LintResults) (string, string) {
	t.Helper()
	r, err := res.ToResult(nil)
	if err != nil {
		t.Fatal(err)
	}
	var back lint.LintResults
	if err := json.Unmarshal(r.Metadata["result.json"], &back); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if err := back.PrintTo(&out, nil); err != nil {
		t.Fatal(err)
	}
	back.PrintErrorTo(&out, nil)
	return out.String(), string(r.Metadata["result.statuscode"])
}

func TestLintResults(t *testing.T) {
	data := []byte("# syntax=x\nmain: ./cmd/a\nruntme:\n  ports: [80]\nbuild:\n  cgo: maybe\n")
	sm := llb.NewSourceMap(nil, "go-app.yaml", "YAML", data)
	_, err := spec.Load("go-app.yaml", data)
	res, lerr := lintResults(sm, err)
	if lerr != nil {
		t.Fatal(lerr)
	}
	if len(res.Warnings) != 2 {
		t.Fatalf("%d warnings, want 2: %+v", len(res.Warnings), res.Warnings)
	}
	for i, w := range []struct {
		rule string
		line int32
		text string
	}{
		{"UnknownKey", 3, `go-app.yaml:3:1: unknown key "runtme"; did you mean "runtime"?`},
		{"WrongType", 6, `go-app.yaml:6:8: build.cgo must be true or false, not "maybe"`},
	} {
		got := res.Warnings[i]
		if got.RuleName != w.rule || got.Detail != w.text || got.Description == "" ||
			got.Location.SourceIndex != 0 || got.Location.Ranges[0].Start.Line != w.line {
			t.Errorf("warning %d = %+v at %v, want %s at line %d: %s", i, got, got.Location, w.rule, w.line, w.text)
		}
	}
	if res.Warnings[0].URL != spec.RuleUnknownKey.URL {
		t.Errorf("warning 0 links to %q, want the reference's section of its rule", res.Warnings[0].URL)
	}
	out, status := printCheck(t, res)
	if status != "1" {
		t.Errorf("status %q, want 1", status)
	}
	for _, w := range []string{"WARNING: UnknownKey", ">>> runtme:", "WARNING: WrongType", ">>>   cgo: maybe", "go-app.yaml has 2 problems; a build would fail until they are fixed"} {
		if !strings.Contains(out, w) {
			t.Errorf("printed check lacks %q:\n%s", w, out)
		}
	}

	// go.mod problems and problems without a place show no lines.
	gomod := spec.Errors{
		{Filename: "go.mod", Pos: spec.Position{Line: 4}, Msg: "usage: require module/path v1.2.3", Rule: spec.RuleInvalidGoMod},
		{Msg: "no go.mod at the root of the build context; go-app builds Go modules"},
	}
	res, lerr = lintResults(sm, gomod)
	if lerr != nil {
		t.Fatal(lerr)
	}
	if len(res.Warnings) != 2 || res.Warnings[0].Location.SourceIndex != -1 || res.Warnings[0].Detail != "go.mod:4: usage: require module/path v1.2.3" ||
		res.Warnings[0].RuleName != "InvalidGoMod" || res.Warnings[1].Location.SourceIndex != -1 {
		t.Errorf("go.mod problems = %+v", res.Warnings)
	}
	out, _ = printCheck(t, res)
	if strings.Contains(out, ">>>") {
		t.Errorf("go.mod problems print spec lines:\n%s", out)
	}

	// A valid spec: nothing to report, status 0.
	res, lerr = lintResults(sm, nil)
	if lerr != nil || len(res.Warnings) != 0 || res.Error != nil {
		t.Fatalf("valid spec: %+v, %v", res, lerr)
	}
	if out, status := printCheck(t, res); out != "" || status != "0" {
		t.Errorf("valid spec prints %q, status %q", out, status)
	}

	// Other errors are not problems of the spec.
	if _, lerr := lintResults(sm, errors.New("context canceled")); lerr == nil {
		t.Error("an error that is no spec problem: want it returned")
	}
}

// A spec with more problems than spec.MaxErrors: check shows the first
// ones and the one that counts the rest, and its summary counts them all.
func TestLintResultsCut(t *testing.T) {
	var b strings.Builder
	for i := range 1000 {
		fmt.Fprintf(&b, "k%d: v\n", i)
	}
	sm := llb.NewSourceMap(nil, "go-app.yaml", "YAML", []byte(b.String()))
	_, err := spec.Load("go-app.yaml", sm.Data)
	res, lerr := lintResults(sm, err)
	if lerr != nil {
		t.Fatal(lerr)
	}
	if len(res.Warnings) != spec.MaxErrors+1 || !strings.Contains(res.Warnings[spec.MaxErrors].Detail, "and 950 more problems") {
		t.Fatalf("%d warnings, the last %+v; want %d, the last counting 950 more", len(res.Warnings), res.Warnings[len(res.Warnings)-1], spec.MaxErrors+1)
	}
	if want := "go-app.yaml has 1000 problems; a build would fail until they are fixed"; res.Error.Message != want {
		t.Errorf("summary %q, want %q", res.Error.Message, want)
	}
}
