package e2e

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/goappfrontend/go-app/internal/schemacheck"
	"github.com/goappfrontend/go-app/spec"
	"github.com/moby/buildkit/frontend/dockerfile/parser"
)

// These tests need no BuildKit: they check the examples and bad specs
// against the JSON schema of go-app.yaml (spec/schema.json) with a JSON
// Schema validator, and the examples' first lines with BuildKit's own
// directive parser.

// schemaLine is the second line of every example: the YAML language
// server's modeline, pointing at the schema in this repository.
const schemaLine = "# yaml-language-server: $schema=../../spec/schema.json"

// loadSchema compiles spec/schema.json (the compiler checks it against the
// meta-schema of its draft).
func loadSchema(t *testing.T) *schemacheck.Schema {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(repoRoot, "spec", "schema.json"))
	if err != nil {
		t.Fatal(err)
	}
	s, err := schemacheck.Compile(data, schemacheck.Declared)
	if err != nil {
		t.Fatalf("spec/schema.json: %v", err)
	}
	return s
}

func exampleSpecs(t *testing.T) []string {
	t.Helper()
	paths, err := filepath.Glob(filepath.Join(repoRoot, "examples", "*", "go-app.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if len(paths) < 4 {
		t.Fatalf("%d examples/*/go-app.yaml, want at least hello, deps, multi and grpc", len(paths))
	}
	return paths
}

func TestSchemaExamples(t *testing.T) {
	schema := loadSchema(t)
	for _, p := range exampleSpecs(t) {
		name := filepath.Base(filepath.Dir(p))
		t.Run(name, func(t *testing.T) {
			data, err := os.ReadFile(p)
			if err != nil {
				t.Fatal(err)
			}
			lines := strings.SplitN(string(data), "\n", 3)
			if len(lines) < 3 {
				t.Fatalf("%d lines", len(lines))
			}
			syntax, ok := strings.CutPrefix(lines[0], "# syntax=")
			if !ok {
				t.Fatalf("line 1 is %q, want the # syntax= line", lines[0])
			}
			if lines[1] != schemaLine {
				t.Errorf("line 2 is %q, want %q", lines[1], schemaLine)
			}
			target := strings.TrimPrefix(lines[1], "# yaml-language-server: $schema=")
			if got, want := filepath.Join(filepath.Dir(p), target), filepath.Join(repoRoot, "spec", "schema.json"); got != want {
				t.Errorf("the $schema path leads to %s, want %s", got, want)
			}

			// BuildKit still finds the frontend on line 1: its directive
			// parser reads "# key=value" lines from the top and stops at the
			// first other line, which the modeline is ("yaml-language-server:"
			// is no directive name).
			ref, _, loc, ok := parser.DetectSyntax(data)
			if !ok || ref != syntax {
				t.Errorf("BuildKit's DetectSyntax finds %q (found: %v), want %q", ref, ok, syntax)
			} else if len(loc) != 1 || loc[0].Start.Line != 1 {
				t.Errorf("BuildKit finds the syntax directive at %+v, want line 1", loc)
			}

			if _, err := spec.Load("go-app.yaml", data); err != nil {
				t.Errorf("spec.Load: %v", err)
			}
			problems, err := schema.ValidateYAML(data)
			if err != nil {
				t.Fatal(err)
			}
			for _, pr := range problems {
				t.Errorf("the schema rejects it: %s", pr)
			}
		})
	}
}

// TestSchemaLineOrder shows why the modeline comes second: above the
// syntax line, it hides the frontend from BuildKit.
func TestSchemaLineOrder(t *testing.T) {
	good := "# syntax=goappfrontend/go-app:1\n" + schemaLine + "\nmain: .\n"
	if ref, _, _, ok := parser.DetectSyntax([]byte(good)); !ok || ref != "goappfrontend/go-app:1" {
		t.Errorf("syntax line first: DetectSyntax finds %q, %v", ref, ok)
	}
	bad := schemaLine + "\n# syntax=goappfrontend/go-app:1\nmain: .\n"
	if ref, _, _, ok := parser.DetectSyntax([]byte(bad)); ok {
		t.Errorf("modeline first: DetectSyntax finds %q; the order would not matter", ref)
	}
}

// TestSchemaRejectsBadSpecs checks that the schema rejects a few bad specs,
// each for its own reason, as spec.Load does.
func TestSchemaRejectsBadSpecs(t *testing.T) {
	schema := loadSchema(t)
	base := "# syntax=goappfrontend/go-app:1\n" + schemaLine + "\nmain: ./cmd/hello\nruntime:\n  ports: [8080]\n"
	if problems, err := schema.ValidateYAML([]byte(base)); err != nil || len(problems) > 0 {
		t.Fatalf("the schema rejects the good spec: %v %v", err, problems)
	}
	for _, tc := range []struct {
		name     string
		add      string
		instance string // where the schema sees the problem
	}{
		{"unknown top-level key", "mian: ./cmd/x\n", ""},
		{"unknown key in runtime", "runtime:\n  entrypiont: hello\n", "/runtime"},
		{"list where a string goes", "build:\n  ldflags: [-s, -w]\n", "/build/ldflags"},
		{"word where a boolean goes", "build:\n  cgo: maybe\n", "/build/cgo"},
		{"scalar where a list goes", "platforms: linux/amd64\n", "/platforms"},
		{"main and binaries", "binaries:\n  - main: ./cmd/other\n", "/binaries"},
		{"port out of range", "runtime:\n  ports: [70000]\n", "/runtime/ports/0"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			data := base + tc.add
			if strings.Contains(tc.add, "runtime:") {
				// Replace the runtime section rather than repeat the key.
				data = strings.Replace(base, "runtime:\n  ports: [8080]\n", "", 1) + tc.add
			}
			if _, err := spec.Load("go-app.yaml", []byte(data)); err == nil {
				t.Errorf("spec.Load accepts it:\n%s", data)
			}
			problems, err := schema.ValidateYAML([]byte(data))
			if err != nil {
				t.Fatal(err)
			}
			if len(problems) == 0 {
				t.Fatalf("the schema accepts it:\n%s", data)
			}
			if !slices.ContainsFunc(problems, func(p schemacheck.Problem) bool { return p.Instance == tc.instance }) {
				var got []string
				for _, p := range problems {
					got = append(got, p.String())
				}
				t.Errorf("the schema rejects it, but not at %q:\n%s", tc.instance, strings.Join(got, "\n"))
			}
		})
	}
}
