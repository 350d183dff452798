package e2e

import (
	"crypto/rand"
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/goappfrontend/go-app/internal/stack"
)

// copyTree copies the directory tree src to dst.
func copyTree(t *testing.T, src, dst string) {
	t.Helper()
	if err := os.CopyFS(dst, os.DirFS(src)); err != nil {
		t.Fatal(err)
	}
}

func nonce() string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

func appendFile(t *testing.T, p, text string) {
	t.Helper()
	f, err := os.OpenFile(p, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteString(text); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
}

// TestCache checks which steps BuildKit takes from its cache: a change to
// the Go source re-runs `go build` but neither `go mod download` nor the
// dependency compile; a change to go.mod re-runs both. It builds a copy of examples/deps (a
// module with dependencies) for amd64 only, without exporting.
func TestCache(t *testing.T) {
	needStack(t)
	src := filepath.Join(t.TempDir(), "deps")
	copyTree(t, exampleDir("deps"), src)

	build := func(what string) []*stack.Step {
		t.Helper()
		ctx, cancel := ctxFor(t, 15*time.Minute)
		defer cancel()
		start := time.Now()
		out, err := env.Buildx(ctx, stack.Build{Context: src, Platforms: []string{"linux/amd64"}})
		if err != nil {
			t.Fatalf("build %s: %v\n%s", what, err, stack.Tail(out, 150))
		}
		steps := stack.ParseProgress(out)
		t.Logf("build %s: %s\n%s", what, time.Since(start).Round(100*time.Millisecond), strings.Join(stack.Names(steps), "\n"))
		return steps
	}
	oneStep := func(steps []*stack.Step, name string) *stack.Step {
		t.Helper()
		found := stack.Find(steps, name)
		if len(found) != 1 {
			t.Fatalf("%d steps named like %q, want 1; steps:\n%s", len(found), name, strings.Join(stack.Names(steps), "\n"))
		}
		return found[0]
	}

	build("1 (as in examples/deps)")

	// A change to the source only.
	appendFile(t, filepath.Join(src, "main.go"), "\n// cache test "+nonce()+"\n")
	steps := build("2 (main.go changed)")
	if dl := oneStep(steps, "go mod download"); dl.Ran() {
		t.Errorf("`go mod download` ran again after only main.go changed (step #%d not CACHED)", dl.N)
	}
	if b := oneStep(steps, "[linux/amd64] go build ."); !b.Ran() {
		t.Errorf("step %q was CACHED although main.go changed", b.Name)
	}
	// The dependencies are compiled ahead in a step keyed on go.mod and
	// go.sum and the imports, not on the source.
	if d := oneStep(steps, "[linux/amd64] go build dependencies"); d.Ran() {
		t.Errorf("step %q ran again after only main.go changed", d.Name)
	}

	// A change to go.mod: a new requirement (plus a comment that makes this
	// go.mod new to the cache on every run).
	for _, f := range []string{"go.mod", "go.sum"} {
		b, err := os.ReadFile(filepath.Join("testdata", "cache", f+".variant"))
		if err != nil {
			t.Fatal(err)
		}
		if f == "go.mod" {
			b = append(b, []byte("\n// cache test "+nonce()+"\n")...)
		}
		if err := os.WriteFile(filepath.Join(src, f), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	steps = build("3 (go.mod changed)")
	for _, name := range []string{"go mod download", "[linux/amd64] go build dependencies"} {
		if s := oneStep(steps, name); !s.Ran() {
			t.Errorf("%q was CACHED although go.mod changed (step #%d)", s.Name, s.N)
		}
	}
	// The imports are the same: the new dependency layer takes every
	// package from this builder's GOCACHE mount, where the first dependency
	// step put what it compiled.
	deps := oneStep(steps, "[linux/amd64] go build dependencies")
	if logs := strings.Join(deps.Lines, "\n"); !strings.Contains(logs, "go-app: 0 packages compiled, ") {
		t.Errorf("the dependency step compiled again what the builder compiled before:\n%s", logs)
	}
}
