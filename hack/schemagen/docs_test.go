package main

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/goappfrontend/go-app/spec"
)

// TestDocSpecs checks that every go-app.yaml the guides show (a ```yaml
// block that starts with the # syntax= line) is a spec that spec.Load and
// the schema accept.
func TestDocSpecs(t *testing.T) {
	root := repoRoot(t)
	schs := schemas(t)
	for file, min := range map[string]int{"docs/migration.md": 5, "docs/ci.md": 0, "docs/reference.md": 2, "docs/cgo.md": 1, "docs/monorepos.md": 2} {
		n := 0
		for i, block := range yamlBlocks(readFile(t, filepath.Join(root, file))) {
			if !strings.HasPrefix(block, "# syntax=") {
				continue
			}
			n++
			if _, err := spec.Load("go-app.yaml", []byte(block)); err != nil {
				t.Errorf("%s, yaml block %d: %v\n%s", file, i+1, err, block)
				continue
			}
			for name, s := range schs {
				problems, err := s.ValidateYAML([]byte(block))
				if err != nil || len(problems) > 0 {
					t.Errorf("%s, yaml block %d: the schema (%s) rejects it: %v\n%s\n%s", file, i+1, name, err, join(problems), block)
				}
			}
		}
		if n < min {
			t.Errorf("%s shows %d go-app.yaml files, want at least %d", file, n, min)
		}
	}
}

// TestCIWorkflowIncluded checks that docs/ci.md shows the workflow file as
// it is.
func TestCIWorkflowIncluded(t *testing.T) {
	root := repoRoot(t)
	workflow := readFile(t, filepath.Join(root, "docs", "examples", "github-actions.yml"))
	for _, block := range yamlBlocks(readFile(t, filepath.Join(root, "docs", "ci.md"))) {
		if block == workflow {
			return
		}
	}
	t.Error("docs/ci.md has no ```yaml block equal to docs/examples/github-actions.yml; copy the file into it")
}
