package e2e

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/goappfrontend/go-app/internal/stack"
)

// writeTree writes files (slash-separated path relative to dir: content)
// under dir, making parent directories.
func writeTree(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	for name, body := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// yamlQuote writes s as a YAML double-quoted scalar (a JSON string is one),
// so that any text reaches the spec unchanged.
func yamlQuote(s string) string {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(s); err != nil {
		panic(err)
	}
	return strings.TrimSuffix(b.String(), "\n")
}

// tinyModule is a Go module whose program does nothing: the smallest build.
var tinyModule = map[string]string{
	"go.mod":  "module example.com/app\n\ngo 1.26\n",
	"main.go": "package main\n\nfunc main() {}\n",
}

// TestWrongBinaryFailsTheBuild checks that an image whose binary could not
// run fails the build with what happened and what to change, pointing at
// the spec: a binary for another architecture ("exec format error" at run
// time) and a dynamically linked one on scratch ("no such file or
// directory"). The first is a prebuilt linux/arm64 program that
// runtime.files copies over the built binary of a linux/amd64 image; the
// second is what `-buildmode=pie` in build.env GOFLAGS makes of a static
// program. A program that does not compile must still fail with the
// compiler's error, which the check must not hide.
func TestWrongBinaryFailsTheBuild(t *testing.T) {
	needStack(t)

	// The wrong-architecture program, built here with the host's Go.
	wrongArch := t.TempDir()
	writeTree(t, wrongArch, tinyModule)
	cmd := exec.Command("go", "build", "-trimpath", "-ldflags=-s -w", "-o", "app-arm64", ".")
	cmd.Dir = wrongArch
	cmd.Env = append(os.Environ(), "GOOS=linux", "GOARCH=arm64", "CGO_ENABLED=0", "GOFLAGS=", "GOTOOLCHAIN=local")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("building the arm64 fixture: %v\n%s", err, out)
	}
	prebuilt, err := os.ReadFile(filepath.Join(wrongArch, "app-arm64"))
	if err != nil {
		t.Fatal(err)
	}

	for _, tc := range []struct {
		name    string
		spec    string
		files   map[string]string
		want    []string
		notWant []string
		lines   []int // of go-app.yaml, shown under the error
	}{
		{
			// A file copied onto the binary's path is refused by the spec;
			// a directory bin/ copied into /usr/local (which merges with
			// /usr/local/bin) only the check can see.
			name:  "architecture",
			spec:  "# syntax=goappfrontend/go-app:1\nmain: .\nruntime:\n  files:\n    - src: bin\n      dst: /usr/local\n",
			files: map[string]string{"bin/app": string(prebuilt)},
			want: []string{
				`binary /usr/local/bin/app is an ELF for AArch64 (linux/arm64) but the target platform is linux/amd64: the image would fail with "exec format error"`,
				`runtime.files.0 (src bin, dst /usr/local) replaces it`,
			},
			lines: []int{2, 5}, // main, the runtime.files entry
		},
		{
			name: "dynamic on scratch",
			spec: "# syntax=goappfrontend/go-app:1\nmain: .\nbuild:\n  env:\n    GOFLAGS: -buildmode=pie\n",
			want: []string{
				`binary /usr/local/bin/app is dynamically linked (interpreter /lib64/ld-linux-x86-64.so.2) but runtime.base is scratch, which has no libc: it would fail with "no such file or directory"`,
				"build it static",
			},
			lines: []int{2, 5}, // main, GOFLAGS
		},
		{
			// Not a wrong binary but no binary: the build's own error,
			// pointing at the binary in the spec, not a complaint about
			// the binary the check could not read.
			name:    "compile error",
			spec:    "# syntax=goappfrontend/go-app:1\nmain: .\n",
			files:   map[string]string{"main.go": "package main\n\nfunc main() { nope() }\n"},
			want:    []string{`process "go build -v `, "did not complete successfully", "undefined: nope"},
			notWant: []string{"binary /usr/local/bin/app"},
			lines:   []int{2},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			writeTree(t, dir, tinyModule)
			writeTree(t, dir, map[string]string{"go-app.yaml": tc.spec})
			for name, body := range tc.files { // executable, like a prebuilt binary
				if err := os.MkdirAll(filepath.Join(dir, filepath.Dir(name)), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o755); err != nil {
					t.Fatal(err)
				}
			}
			ctx, cancel := ctxFor(t, 10*time.Minute)
			defer cancel()
			start := time.Now()
			out, err := env.Buildx(ctx, stack.Build{Context: dir, Platforms: []string{"linux/amd64"}})
			t.Logf("build: %s", time.Since(start).Round(100*time.Millisecond))
			if err == nil {
				t.Fatalf("the build succeeded; want it to fail on the binary\n%s", stack.Tail(out, 60))
			}
			if ctx.Err() != nil {
				t.Fatalf("timed out: %v\n%s", err, stack.Tail(out, 60))
			}
			for _, w := range tc.want {
				if !strings.Contains(out, w) {
					t.Errorf("output lacks %q:\n%s", w, stack.Tail(out, 40))
				}
			}
			for _, w := range tc.notWant {
				if strings.Contains(out, w) {
					t.Errorf("output mentions %q:\n%s", w, stack.Tail(out, 40))
				}
			}
			if got := markedLines(out); !slices.Equal(got, tc.lines) {
				t.Errorf("the output marks lines %v of go-app.yaml, want %v:\n%s", got, tc.lines, stack.Tail(out, 20))
			}
		})
	}
}

// markedLine is a line of the spec that BuildKit shows under an error with
// a ">>>" marker ("   5 | >>>     GOFLAGS: ...").
var markedLine = regexp.MustCompile(`(?m)^\s*(\d+) \| >>>`)

// markedLines are the numbers of the marked lines in a build's output.
func markedLines(out string) []int {
	var lines []int
	for _, m := range markedLine.FindAllStringSubmatch(out, -1) {
		n, _ := strconv.Atoi(m[1])
		lines = append(lines, n)
	}
	return lines
}
