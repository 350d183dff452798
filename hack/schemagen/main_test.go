package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/goappfrontend/go-app/internal/schemacheck"
	"github.com/goappfrontend/go-app/spec"
)

// generated returns what schemagen writes for this repository.
func generated(t *testing.T) map[string][]byte {
	t.Helper()
	outs, err := generate(filepath.Join(repoRoot(t), specDir))
	if err != nil {
		t.Fatal(err)
	}
	m := map[string][]byte{}
	for _, o := range outs {
		m[o.path] = o.data
	}
	return m
}

// schemas compiles the generated schema as the draft it declares and as
// draft-07.
func schemas(t *testing.T) map[string]*schemacheck.Schema {
	t.Helper()
	data := generated(t)[schemaFile]
	out := map[string]*schemacheck.Schema{}
	for name, d := range map[string]schemacheck.Draft{"2020-12": schemacheck.Declared, "draft-07": schemacheck.Draft7} {
		s, err := schemacheck.Compile(data, d)
		if err != nil {
			t.Fatalf("%s does not compile as %s: %v", schemaFile, name, err)
		}
		out[name] = s
	}
	return out
}

func TestCommittedFilesAreCurrent(t *testing.T) {
	root := repoRoot(t)
	outs, err := generate(filepath.Join(root, specDir))
	if err != nil {
		t.Fatal(err)
	}
	if err := checkFiles(root, outs); err != nil {
		t.Fatal(err)
	}
	again, err := generate(filepath.Join(root, specDir))
	if err != nil {
		t.Fatal(err)
	}
	for i := range outs {
		if !bytes.Equal(outs[i].data, again[i].data) {
			t.Errorf("%s differs between two runs", outs[i].path)
		}
	}
}

func TestCheckReportsStaleFiles(t *testing.T) {
	dir := t.TempDir()
	outs := []output{{path: schemaFile, data: []byte("{}\n")}, {path: referenceFile, data: []byte("# x\n")}}
	for _, o := range outs {
		if err := os.MkdirAll(filepath.Join(dir, filepath.Dir(o.path)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, o.path), o.data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := checkFiles(dir, outs); err != nil {
		t.Fatalf("same files: %v", err)
	}
	outs[0].data = []byte("{\"a\": 1}\n")
	err := checkFiles(dir, outs)
	if err == nil || !strings.Contains(err.Error(), "spec/schema.json is stale: run make schema") {
		t.Fatalf("changed schema: error %v, want spec/schema.json is stale: run make schema", err)
	}
	if strings.Contains(err.Error(), referenceFile) {
		t.Errorf("names the unchanged %s too: %v", referenceFile, err)
	}
	if err := os.Remove(filepath.Join(dir, referenceFile)); err != nil {
		t.Fatal(err)
	}
	if err := checkFiles(dir, outs); err == nil || !strings.Contains(err.Error(), "docs/reference.md is stale") {
		t.Errorf("missing reference: error %v, want docs/reference.md is stale", err)
	}
}

func TestSchemaCompiles(t *testing.T) {
	schemas(t) // the compiler checks the schema against the meta-schema of each draft
}

// TestSchemaAcceptsWhatLoadAccepts checks the promise of rules.go: every
// spec that spec.Load accepts, among the repository's examples, docs and
// test literals and the probes, matches the schema, as 2020-12 and as
// draft-07.
func TestSchemaAcceptsWhatLoadAccepts(t *testing.T) {
	schs := schemas(t)
	cands := corpus(t)
	for i, p := range probes {
		cands = append(cands, specText{from: fmt.Sprintf("probe %d", i+1), data: p})
	}
	accepted := 0
	for _, c := range cands {
		if _, err := spec.Load("go-app.yaml", []byte(c.data)); err != nil {
			continue
		}
		accepted++
		for name, s := range schs {
			problems, err := s.ValidateYAML([]byte(c.data))
			if err != nil {
				t.Errorf("%s: spec.Load accepts it, but it does not convert to JSON: %v\n%s", c.from, err, c.data)
				continue
			}
			if len(problems) > 0 {
				t.Errorf("%s: spec.Load accepts it, the schema (%s) rejects it:\n%s\n%s", c.from, name, join(problems), c.data)
			}
		}
	}
	t.Logf("%d candidates, %d accepted by spec.Load and checked", len(cands), accepted)
	// The repository's examples and docs alone give more than this; fewer
	// means the corpus lost its sources.
	if accepted < 30 {
		t.Errorf("only %d specs accepted by spec.Load in the corpus; the corpus is missing sources", accepted)
	}
}

// TestSchemaRejects checks that the schema rejects what it should, for the
// reason it should, and that spec.Load rejects the same files.
func TestSchemaRejects(t *testing.T) {
	schs := schemas(t)
	tests := []struct {
		name     string
		yaml     string
		instance string // where the problem is; "kw:..." names the schema keyword instead
	}{
		{"unknown top-level key", "mian: ./cmd/server\n", ""},
		{"unknown nested key", "main: .\nbuild:\n  ldflag: -s\n", "/build"},
		{"unknown key in a list item", "binaries: [{main: ./a, nmae: a}]\n", "/binaries/0"},
		{"main and binaries", "main: ./a\nbinaries:\n  - main: ./b\n", "/binaries"},
		{"list where a string is expected", "main: [./a]\n", "/main"},
		{"map where a list is expected", "main: .\nruntime: {args: {a: b}}\n", "/runtime/args"},
		{"scalar where a list is expected", "main: .\nplatforms: linux/amd64\n", "/platforms"},
		{"scalar where a map is expected", "main: .\nbuild: fast\n", "/build"},
		{"word for a boolean", "main: .\nbuild: {cgo: \"yes\"}\n", "/build/cgo"},
		{"number for a boolean", "main: .\nbuild: {trimpath: 1}\n", "/build/trimpath"},
		{"map as an env value", "main: .\nlabels: {team: {name: web}}\n", "/labels/team"},
		{"main not starting with ./", "main: cmd/server\n", "/main"},
		{"binary without main", "binaries: [{name: api}]\n", "/binaries/0"},
		{"empty binary", "binaries: [~]\n", "/binaries/0"},
		{"binary name with a slash", "binaries: [{name: a/b, main: ./a}]\n", "/binaries/0/name"},
		{"go version", "main: .\ngo: {version: \"1.26.x\"}\n", "/go/version"},
		{"go version word", "main: .\ngo: {version: true}\n", "/go/version"},
		{"tag with a comma", "main: .\nbuild: {tags: [\"a,b\"]}\n", "/build/tags/0"},
		{"empty tag", "main: .\nbuild: {tags: [~]}\n", "/build/tags/0"},
		{"build.env GOOS", "main: .\nbuild: {env: {GOOS: windows}}\n", "kw:/build/properties/env/propertyNames"},
		{"build.env CGO_ENABLED", "main: .\nbuild: {env: {CGO_ENABLED: \"1\"}}\n", "kw:/build/properties/env/propertyNames"},
		{"build.env bad name", "main: .\nbuild: {env: {MY-VAR: x}}\n", "kw:/build/properties/env/propertyNames"},
		{"runtime.env bad name", "main: .\nruntime: {env: {1BAD: x}}\n", "kw:/runtime/properties/env/propertyNames"},
		{"private with a scheme root", "main: .\nbuild: {private: [/corp/x]}\n", "/build/private/0"},
		{"private with a space", "main: .\nbuild: {private: [\"a b\"]}\n", "/build/private/0"},
		{"windows platform", "main: .\nplatforms: [windows/amd64]\n", "/platforms/0"},
		{"platform without os", "main: .\nplatforms: [arm64]\n", "/platforms/0"},
		{"same platform twice", "main: .\nplatforms: [linux/amd64, linux/amd64]\n", "/platforms"},
		{"user with three parts", "main: .\nruntime: {base: debian:12, user: \"1:2:3\"}\n", "/runtime/user"},
		{"relative workdir", "main: .\nruntime: {workdir: app}\n", "/runtime/workdir"},
		{"port 0", "main: .\nruntime: {ports: [0]}\n", "/runtime/ports/0"},
		{"port too big", "main: .\nruntime: {ports: [\"70000/tcp\"]}\n", "/runtime/ports/0"},
		{"port protocol", "main: .\nruntime: {ports: [80/http]}\n", "/runtime/ports/0"},
		{"port as a float", "main: .\nruntime: {ports: [80.5]}\n", "/runtime/ports/0"},
		{"absolute src", "main: .\nruntime: {files: [{src: /etc/passwd, dst: /x}]}\n", "/runtime/files/0/src"},
		{"relative dst", "main: .\nruntime: {files: [{src: a, dst: b}]}\n", "/runtime/files/0/dst"},
		{"file without dst", "main: .\nruntime: {files: [{src: a}]}\n", "/runtime/files/0"},
		{"label key with a space", "main: .\nlabels: {\"a b\": x}\n", "kw:/labels/propertyNames"},
		{"empty label key", "main: .\nlabels: {\"\": x}\n", "kw:/labels/propertyNames"},
		{"the file is a list", "- main: .\n", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := spec.Load("go-app.yaml", []byte(tt.yaml)); err == nil {
				t.Errorf("spec.Load accepts it; the schema must not reject it:\n%s", tt.yaml)
			}
			for name, s := range schs {
				problems, err := s.ValidateYAML([]byte(tt.yaml))
				if err != nil {
					t.Fatal(err)
				}
				if len(problems) == 0 {
					t.Errorf("the schema (%s) accepts it:\n%s", name, tt.yaml)
					continue
				}
				// The validator's instance location of a propertyNames
				// problem is not the map's, so those cases name the keyword.
				at := func(p schemacheck.Problem) bool {
					if kw, ok := strings.CutPrefix(tt.instance, "kw:"); ok {
						return strings.Contains(p.Keyword, kw)
					}
					return p.Instance == tt.instance
				}
				if !slices.ContainsFunc(problems, at) {
					t.Errorf("the schema (%s) rejects it, but not at %q:\n%s", name, tt.instance, join(problems))
				}
			}
		})
	}
}

func join(ps []schemacheck.Problem) string {
	var lines []string
	for _, p := range ps {
		lines = append(lines, "  "+p.String())
	}
	return strings.Join(lines, "\n")
}

// TestDefaultsMatchFillDefaults checks the defaults the doc comments state
// (the reference's Default column, the schema's "default") against
// spec.FillDefaults: a key FillDefaults sets must have a stated default,
// and a literal one must be the value it sets.
func TestDefaultsMatchFillDefaults(t *testing.T) {
	docs, err := parseDocs(filepath.Join(repoRoot(t), specDir))
	if err != nil {
		t.Fatal(err)
	}
	tree, err := buildTree(specType, docs)
	if err != nil {
		t.Fatal(err)
	}
	loaded, err := spec.Load("go-app.yaml", []byte("main: ./cmd/app\n"))
	if err != nil {
		t.Fatal(err)
	}
	filled, err := spec.Load("go-app.yaml", []byte("main: ./cmd/app\n"))
	if err != nil {
		t.Fatal(err)
	}
	if err := filled.FillDefaults([]byte("module example.com/app\n\ngo 1.26.2\n")); err != nil {
		t.Fatal(err)
	}
	checked := 0
	var walk func(n *node, before, after reflect.Value)
	walk = func(n *node, before, after reflect.Value) {
		for _, c := range n.fields {
			f, _ := n.t.FieldByName(strings.TrimPrefix(c.goName, n.t.Name()+"."))
			b, a := deep(before.FieldByIndex(f.Index)), deep(after.FieldByIndex(f.Index))
			switch c.t.Kind() {
			case reflect.Struct:
				walk(c, b, a)
			case reflect.String, reflect.Bool:
				checked++
				checkDefault(t, c, b, a)
			}
		}
	}
	walk(tree, reflect.ValueOf(loaded).Elem(), reflect.ValueOf(filled).Elem())
	if checked < 10 {
		t.Errorf("checked %d keys; the walk lost its way", checked)
	}
}

// deep removes pointers; a nil pointer becomes an invalid Value.
func deep(v reflect.Value) reflect.Value {
	for v.Kind() == reflect.Pointer {
		if v.IsNil() {
			return reflect.Value{}
		}
		v = v.Elem()
	}
	return v
}

func checkDefault(t *testing.T, n *node, before, after reflect.Value) {
	t.Helper()
	set := func(v reflect.Value) bool { return v.IsValid() && !v.IsZero() }
	if set(before) {
		return // the file sets it
	}
	if set(after) && n.def == nil {
		t.Errorf("spec.FillDefaults sets %s to %v, but the doc comment of spec.%s states no default; say (default ...) or Default: ...", n.path, after.Interface(), n.goName)
		return
	}
	if n.def == nil || n.def.literal == nil {
		return
	}
	var got any
	if after.IsValid() {
		got = after.Interface()
	} else {
		got = reflect.Zero(n.t).Interface()
	}
	if !reflect.DeepEqual(got, n.def.literal) {
		t.Errorf("the doc comment of spec.%s says the default of %s is %#v, spec.FillDefaults sets %#v", n.goName, n.path, n.def.literal, got)
	}
}

// TestDescriptions spot-checks what the doc comments become.
func TestDescriptions(t *testing.T) {
	docs, err := parseDocs(filepath.Join(repoRoot(t), specDir))
	if err != nil {
		t.Fatal(err)
	}
	tree, err := buildTree(specType, docs)
	if err != nil {
		t.Fatal(err)
	}
	byPath := map[string]*node{}
	for _, k := range tree.keys() {
		byPath[k.path] = k
	}
	for path, want := range map[string]string{
		"main":               "Use `binaries` instead",            // a sibling's Go name
		"binaries":           "unless `runtime.entrypoint` names", // a dotted Go name
		"binaries[].name":    "the last path element of `main`",   // a sibling in a list item
		"go":                 "`go` selects the Go toolchain",     // the subject, not the word Go
		"go.version":         "is the Go version",                 // Go is no key here
		"go.image":           "golang:<go.version>",               // a placeholder
		"runtime.entrypoint": "(one of `binaries`' names)",        // a top-level key from runtime
		"build.ldflags":      "`ldflags` is passed as -ldflags",   // the subject
	} {
		n, ok := byPath[path]
		if !ok {
			t.Errorf("no key %s", path)
			continue
		}
		if got := n.doc.plain(); !strings.Contains(got, want) {
			t.Errorf("%s: description %q does not contain %q", path, got, want)
		}
	}
	for path, want := range map[string]string{
		"runtime.user":    `"65532:65532"`,
		"runtime.base":    `"scratch"`,
		"build.trimpath":  "true",
		"runtime.workdir": `"/"`,
		"go.image":        "docker.io/library/golang:<go.version>",
	} {
		n := byPath[path]
		if n == nil || n.def == nil {
			t.Errorf("%s has no default", path)
			continue
		}
		got := n.def.text
		if n.def.literal != nil {
			got = fmt.Sprintf("%#v", n.def.literal)
		}
		if got != want {
			t.Errorf("%s: default %s, want %s", path, got, want)
		}
	}
}

// FuzzSchemaAcceptsWhatLoadAccepts looks for a file that spec.Load accepts
// and the schema rejects, starting from the corpus and the probes.
func FuzzSchemaAcceptsWhatLoadAccepts(f *testing.F) {
	for _, c := range corpus(f) {
		f.Add([]byte(c.data))
	}
	for _, p := range probes {
		f.Add([]byte(p))
	}
	outs, err := generate(filepath.Join(repoRoot(f), specDir))
	if err != nil {
		f.Fatal(err)
	}
	var schs []*schemacheck.Schema
	for _, d := range []schemacheck.Draft{schemacheck.Declared, schemacheck.Draft7} {
		s, err := schemacheck.Compile(outs[0].data, d)
		if err != nil {
			f.Fatal(err)
		}
		schs = append(schs, s)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if _, err := spec.Load("go-app.yaml", data); err != nil {
			return
		}
		for _, s := range schs {
			problems, err := s.ValidateYAML(data)
			if err != nil {
				t.Fatalf("spec.Load accepts it, but it does not convert to JSON: %v\n%q", err, data)
			}
			if len(problems) > 0 {
				t.Fatalf("spec.Load accepts it, the schema rejects it:\n%s\n%q", join(problems), data)
			}
		}
	})
}
