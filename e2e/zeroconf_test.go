package e2e

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/goappfrontend/go-app/internal/ocirun"
	"github.com/goappfrontend/go-app/internal/stack"
)

// syntaxOnly is a go-app.yaml holding nothing but the syntax line.
const syntaxOnly = "# syntax=goappfrontend/go-app:1\n"

// zeroConfigProgram is a main package that prints what it is.
func zeroConfigProgram(says string) string {
	return "package main\n\nimport \"fmt\"\n\nfunc main() { fmt.Println(" + yamlQuote(says) + ") }\n"
}

// TestZeroConfig builds modules whose go-app.yaml sets neither main nor
// binaries: go-app builds the module root's main package, or the one main
// package under ./cmd, and the image runs it under the name `go build`
// gives it.
func TestZeroConfig(t *testing.T) {
	needStack(t)
	for _, tc := range []struct {
		name   string
		files  map[string]string
		main   string // the package go-app must build
		binary string // its name in /usr/local/bin
		says   string
	}{
		{
			// The root wins over a tool under ./cmd.
			name: "root main",
			files: map[string]string{
				"go-app.yaml":     syntaxOnly,
				"go.mod":          "module example.com/zeroconf/rootapp\n\ngo 1.26\n",
				"main.go":         zeroConfigProgram("root main package"),
				"main_test.go":    "package main\n\nimport \"testing\"\n\nfunc TestX(t *testing.T) {}\n",
				"cmd/gen/main.go": zeroConfigProgram("code generator"),
			},
			main:   ".",
			binary: "rootapp",
			says:   "root main package",
		},
		{
			// A library at the root next to a `go run gen.go` generator
			// (//go:build ignore), a library under ./cmd, one program.
			name: "one cmd",
			files: map[string]string{
				"go-app.yaml":          syntaxOnly + "# go-app finds ./cmd/api\n",
				"go.mod":               "module example.com/zeroconf/lib\n\ngo 1.26\n",
				"lib.go":               "package lib\n\n// Version is the library's version.\nconst Version = \"1\"\n",
				"gen.go":               "//go:build ignore\n\npackage main\n\nfunc main() {}\n",
				"cmd/api/main.go":      zeroConfigProgram("cmd api package"),
				"cmd/internal/util.go": "package util\n",
			},
			main:   "./cmd/api",
			binary: "api",
			says:   "cmd api package",
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			writeTree(t, dir, tc.files)
			ociDir := tmpDir(t, "oci-zeroconf-")
			ctx, cancel := ctxFor(t, 10*time.Minute)
			defer cancel()
			out, err := env.Buildx(ctx, stack.Build{Context: dir, Platforms: []string{"linux/amd64"}, Output: stack.OCIOutput(ociDir)})
			if err != nil {
				t.Fatalf("build: %v\n%s", err, stack.Tail(out, 60))
			}
			for _, step := range []string{"find the main package", "[linux/amd64] go build " + tc.main + "\n"} {
				if !strings.Contains(out, step) {
					t.Errorf("the progress lacks the step %q:\n%s", step, stack.Tail(out, 60))
				}
			}
			imgs, err := openImages(ociDir)
			if err != nil {
				t.Fatal(err)
			}
			if len(imgs) != 1 {
				t.Fatalf("%d images, want 1", len(imgs))
			}
			img := imgs[0]
			if want := []string{"/usr/local/bin/" + tc.binary}; !slices.Equal(img.Config.Config.Entrypoint, want) {
				t.Errorf("entrypoint %q, want %q", img.Config.Config.Entrypoint, want)
			}
			res := runImage(t, img, ocirun.RunConfig{})
			if res.ExitCode != 0 || res.Stdout != tc.says+"\n" {
				t.Errorf("run: exit %d, stdout %q, want %q\n%s", res.ExitCode, res.Stdout, tc.says+"\n", res.Stderr)
			}
		})
	}
}

// TestZeroConfigErrors checks that a module go-app cannot pick a main
// package for fails with what go-app found and what to set, at the top of
// go-app.yaml.
func TestZeroConfigErrors(t *testing.T) {
	needStack(t)
	for _, tc := range []struct {
		name  string
		files map[string]string
		want  []string
	}{
		{
			name: "several cmd",
			files: map[string]string{
				"cmd/worker/main.go": zeroConfigProgram("worker"),
				"cmd/api/main.go":    zeroConfigProgram("api"),
				"cmd/cli/main.go":    zeroConfigProgram("cli"),
				"lib.go":             "package lib\n",
			},
			want: []string{
				"go-app.yaml:1: no main or binaries set, and the module has several main packages: ./cmd/api, ./cmd/cli, ./cmd/worker",
				"set main: in go-app.yaml to the one to build (like main: ./cmd/api), or list them under binaries:",
			},
		},
		{
			name: "none",
			files: map[string]string{
				"lib.go":          "package lib\n",
				"cmd/x/x_test.go": "package main\n",
				"cmd/y/y.go":      "//go:build ignore\n\npackage main\n",
			},
			want: []string{
				"go-app.yaml:1: no main or binaries set, and go-app found no main package to build for linux at the module root (./*.go) or in a directory of ./cmd (./cmd/*/*.go)",
				"set main: in go-app.yaml to the main package to build (like main: ./cmd/server), or list several under binaries:",
			},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			writeTree(t, dir, tc.files)
			writeTree(t, dir, map[string]string{
				"go-app.yaml": syntaxOnly,
				"go.mod":      "module example.com/zeroconf/several\n\ngo 1.26\n",
			})
			out := buildFails(t, 5*time.Minute, stack.Build{Context: dir, Platforms: []string{"linux/amd64"}}, tc.want...)
			if got := markedLines(out); !slices.Equal(got, []int{1}) {
				t.Errorf("the output marks lines %v of go-app.yaml, want [1]:\n%s", got, stack.Tail(out, 20))
			}
			if strings.Contains(out, "go build") {
				t.Errorf("go build ran:\n%s", stack.Tail(out, 40))
			}
		})
	}
}

// TestZeroConfigNotWhenSet checks that a spec naming its main package does
// not look for one: no search step, and the named package is built even
// when the root is a main package too.
func TestZeroConfigNotWhenSet(t *testing.T) {
	needStack(t)
	dir := t.TempDir()
	writeTree(t, dir, map[string]string{
		"go-app.yaml":     syntaxOnly + "main: ./cmd/api\n",
		"go.mod":          "module example.com/zeroconf/set\n\ngo 1.26\n",
		"main.go":         zeroConfigProgram("root"),
		"cmd/api/main.go": zeroConfigProgram("api"),
	})
	ctx, cancel := ctxFor(t, 10*time.Minute)
	defer cancel()
	out, err := env.Buildx(ctx, stack.Build{Context: dir, Platforms: []string{"linux/amd64"}})
	if err != nil {
		t.Fatalf("build: %v\n%s", err, stack.Tail(out, 60))
	}
	if strings.Contains(out, "find the main package") {
		t.Errorf("the build looked for the main package although main is set:\n%s", stack.Tail(out, 60))
	}
	if !strings.Contains(out, "[linux/amd64] go build ./cmd/api\n") {
		t.Errorf("the progress lacks go build ./cmd/api:\n%s", stack.Tail(out, 60))
	}
}
