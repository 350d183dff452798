package e2e

import (
	"bytes"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/goappfrontend/go-app/internal/ocirun"
	"github.com/goappfrontend/go-app/internal/stack"
)

// TestTargetBinaries builds examples/multi's binaries target for amd64 and
// arm64 into a local directory, after its image: one directory per
// platform (named as BuildKit's local exporter names them), holding only
// the binaries, each an ELF file for its platform, byte for byte the
// binary of the image, whose go build steps the binaries build takes from
// the cache.
func TestTargetBinaries(t *testing.T) {
	needStack(t)
	b := buildExample(t, "multi")
	dest := tmpDir(t, "binaries-multi-")
	ctx, cancel := ctxFor(t, 25*time.Minute)
	defer cancel()
	progress, err := env.Buildx(ctx, stack.Build{
		Context:   exampleDir("multi"),
		Platforms: bothPlatforms,
		Output:    "type=local,dest=" + dest,
		Extra:     []string{"--target", "binaries"},
	})
	if err != nil {
		t.Fatalf("%v\n%s", err, stack.Tail(progress, 100))
	}

	entries, err := os.ReadDir(dest)
	if err != nil {
		t.Fatal(err)
	}
	var dirs []string
	for _, e := range entries {
		dirs = append(dirs, e.Name())
	}
	if want := []string{"linux_amd64", "linux_arm64"}; !slices.Equal(dirs, want) {
		t.Fatalf("output holds %q, want one directory per platform %q", dirs, want)
	}
	for _, p := range bothPlatforms {
		arch := strings.TrimPrefix(p, "linux/")
		dir := filepath.Join(dest, "linux_"+arch)
		t.Run(arch, func(t *testing.T) {
			files, err := os.ReadDir(dir)
			if err != nil {
				t.Fatal(err)
			}
			var names []string
			for _, f := range files {
				names = append(names, f.Name())
			}
			if want := []string{"api", "worker"}; !slices.Equal(names, want) {
				t.Fatalf("%s holds %q, want only the binaries %q", dir, names, want)
			}
			img, err := ocirun.ImageFor(b.images, p)
			if err != nil {
				t.Fatal(err)
			}
			for _, name := range names {
				path := filepath.Join(dir, name)
				data, err := os.ReadFile(path)
				if err != nil {
					t.Fatal(err)
				}
				if st, err := os.Stat(path); err != nil || st.Mode().Perm()&0o111 == 0 {
					t.Errorf("%s is not executable (%v, %v)", path, st.Mode(), err)
				}
				if _, err := ocirun.CheckStaticELF(bytes.NewReader(data), arch); err != nil {
					t.Errorf("%s: %v", path, err)
				}
				inImage, err := img.ReadFile("/usr/local/bin/" + name)
				if err != nil {
					t.Fatal(err)
				}
				if !bytes.Equal(data, inImage) {
					t.Errorf("%s differs from /usr/local/bin/%s of the %s image", path, name, p)
				}
			}
		})
	}

	// The image build compiled them; the binaries build did not again.
	steps := stack.ParseProgress(progress)
	for _, p := range bothPlatforms {
		for _, main := range []string{"./cmd/api", "./cmd/worker"} {
			name := "[" + p + "] go build " + main
			found := stack.Find(steps, name)
			if len(found) != 1 || !found[0].Cached {
				t.Errorf("step %q: %d found, want one, cached from the image build; steps:\n%s", name, len(found), strings.Join(stack.Names(steps), "\n"))
			}
		}
		if len(stack.Find(steps, "["+p+"] binaries target: api, worker")) != 1 {
			t.Errorf("no binaries target step for %s; steps:\n%s", p, strings.Join(stack.Names(steps), "\n"))
		}
	}
	if found := stack.Find(steps, "runtime files"); len(found) != 0 {
		t.Errorf("the binaries target ran %q", found[0].Name)
	}
}

// testModule is a module with a package under test, a main package and a
// package without tests; the test of calc passes when calcWant is 3.
func testModule(calcWant string) map[string]string {
	return map[string]string{
		"go.mod":          "module example.com/tmod\n\ngo 1.26\n",
		"cmd/app/main.go": "package main\n\nimport \"example.com/tmod/calc\"\n\nfunc main() { println(calc.Add(1, 2)) }\n",
		"calc/calc.go":    "package calc\n\n// Add adds.\nfunc Add(a, b int) int { return a + b }\n",
		"calc/calc_test.go": "package calc\n\nimport \"testing\"\n\nfunc TestAdd(t *testing.T) {\n" +
			"\tif got := Add(1, 2); got != " + calcWant + " {\n\t\tt.Fatalf(\"Add(1, 2) = %d, want " + calcWant + "\", got)\n\t}\n}\n",
		"other/other.go": "package other\n",
		"go-app.yaml":    "# syntax=goappfrontend/go-app:1\nmain: ./cmd/app\ntest:\n  flags: [-v]\n",
	}
}

// TestTargetTest runs the test target of a small module: once, on the
// build platform, even when --platform names another; a passing run
// returns go test's output as test.log, a failing one fails the build with
// the test's output, the package that failed and the spec's test section.
func TestTargetTest(t *testing.T) {
	needStack(t)
	buildPlatform := "linux/" + runtime.GOARCH // buildkitd runs on this machine

	t.Run("pass", func(t *testing.T) {
		dir := tmpDir(t, "test-pass-")
		writeTree(t, dir, testModule("3"))
		dest := tmpDir(t, "test-pass-out-")
		ctx, cancel := ctxFor(t, 15*time.Minute)
		defer cancel()
		progress, err := env.Buildx(ctx, stack.Build{
			Context:   dir,
			Platforms: []string{"linux/arm64", "linux/amd64"},
			Output:    "type=local,dest=" + dest,
			Extra:     []string{"--target", "test"},
		})
		if err != nil {
			t.Fatalf("%v\n%s", err, stack.Tail(progress, 100))
		}
		files, err := os.ReadDir(dest)
		if err != nil {
			t.Fatal(err)
		}
		if len(files) != 1 || files[0].Name() != "test.log" {
			t.Fatalf("output holds %v, want test.log alone", files)
		}
		log, err := os.ReadFile(filepath.Join(dest, "test.log"))
		if err != nil {
			t.Fatal(err)
		}
		for _, w := range []string{"--- PASS: TestAdd", "ok  \texample.com/tmod/calc", "?   \texample.com/tmod/other\t[no test files]"} {
			if !strings.Contains(string(log), w) {
				t.Errorf("test.log lacks %q:\n%s", w, log)
			}
		}
		steps := stack.ParseProgress(progress)
		if found := stack.Find(steps, "] go test ./..."); len(found) != 1 || found[0].Name != "["+buildPlatform+"] go test ./..." {
			t.Errorf("go test steps %q, want one, on %s; steps:\n%s", stack.Names(steps), buildPlatform, strings.Join(stack.Names(steps), "\n"))
		}
		if found := stack.Find(steps, "go build"); len(found) != 0 {
			t.Errorf("the test target built binaries: %q", found[0].Name)
		}
		if !strings.Contains(progress, "--platform linux/arm64 is ignored") {
			t.Errorf("no warning that --platform linux/arm64 is ignored:\n%s", stack.Tail(progress, 30))
		}
	})

	t.Run("library", func(t *testing.T) {
		// A module without a main package has a test target too, with a
		// syntax-line-only spec.
		dir := tmpDir(t, "test-lib-")
		mod := testModule("3")
		delete(mod, "cmd/app/main.go")
		mod["go-app.yaml"] = "# syntax=goappfrontend/go-app:1\n"
		writeTree(t, dir, mod)
		dest := tmpDir(t, "test-lib-out-")
		ctx, cancel := ctxFor(t, 15*time.Minute)
		defer cancel()
		progress, err := env.Buildx(ctx, stack.Build{Context: dir, Output: "type=local,dest=" + dest, Extra: []string{"--target", "test"}})
		if err != nil {
			t.Fatalf("the test target of a library failed: %v\n%s", err, stack.Tail(progress, 60))
		}
		if log, err := os.ReadFile(filepath.Join(dest, "test.log")); err != nil || !strings.Contains(string(log), "ok  \texample.com/tmod/calc") {
			t.Errorf("test.log (%v):\n%s", err, log)
		}
	})

	t.Run("fail", func(t *testing.T) {
		dir := tmpDir(t, "test-fail-")
		writeTree(t, dir, testModule("4"))
		ctx, cancel := ctxFor(t, 15*time.Minute)
		defer cancel()
		progress, err := env.Buildx(ctx, stack.Build{Context: dir, Extra: []string{"--target", "test"}})
		if err == nil {
			t.Fatalf("a failing test did not fail the build\n%s", stack.Tail(progress, 60))
		}
		if ctx.Err() != nil {
			t.Fatalf("timed out: %v\n%s", err, stack.Tail(progress, 60))
		}
		steps := stack.ParseProgress(progress)
		found := stack.Find(steps, "["+buildPlatform+"] go test ./...")
		if len(found) != 1 || found[0].Error == "" {
			t.Fatalf("no failed go test step; steps:\n%s", strings.Join(stack.Names(steps), "\n"))
		}
		out := strings.Join(found[0].Lines, "\n")
		for _, w := range []string{"calc_test.go:7: Add(1, 2) = 3, want 4", "--- FAIL: TestAdd", "FAIL\texample.com/tmod/calc"} {
			if !strings.Contains(out, w) {
				t.Errorf("the step's output lacks %q:\n%s", w, out)
			}
		}
		last := progress[strings.LastIndex(progress, "ERROR: "):]
		if !strings.Contains(last, "go test failed in example.com/tmod/calc") {
			t.Errorf("the error does not name the failed package:\n%s", last)
		}
		for _, w := range []string{"go-app.yaml:3", ">>> test:", ">>>   flags: [-v]"} {
			if !strings.Contains(progress, w) {
				t.Errorf("the output does not point at the test section (%q):\n%s", w, stack.Tail(progress, 30))
			}
		}
	})
}

// call runs `docker buildx build --call` on a context and returns the
// output and the error.
func call(t *testing.T, dir, what string, extra ...string) (string, error) {
	t.Helper()
	ctx, cancel := ctxFor(t, 5*time.Minute)
	defer cancel()
	out, err := env.Buildx(ctx, stack.Build{Context: dir, Extra: append([]string{"--call", what}, extra...)})
	if ctx.Err() != nil {
		t.Fatalf("--call %s timed out: %v\n%s", what, err, out)
	}
	return out, err
}

// TestCall checks the subrequests buildx sends for --call: targets,
// outline and check, and the description of the subrequests.
func TestCall(t *testing.T) {
	needStack(t)
	t.Run("targets", func(t *testing.T) {
		out, err := call(t, exampleDir("multi"), "targets")
		if err != nil {
			t.Fatalf("%v\n%s", err, out)
		}
		for _, w := range []string{"TARGET", "image (default)", "\nbinaries ", "\ntest "} {
			if !strings.Contains(out, w) {
				t.Errorf("--call targets output lacks %q:\n%s", w, out)
			}
		}
	})

	t.Run("outline", func(t *testing.T) {
		dir := tmpDir(t, "outline-")
		mod := testModule("3")
		mod["go-app.yaml"] = "# syntax=goappfrontend/go-app:1\nmain: ./cmd/app\nbuild:\n  private: [example.com/private]\n"
		writeTree(t, dir, mod)
		out, err := call(t, dir, "outline", "--build-arg", "VERSION=9.8.7")
		if err != nil {
			t.Fatalf("%v\n%s", err, out)
		}
		for _, w := range []string{"TARGET:      image", "VERSION", "9.8.7", "SOURCE_DATE_EPOCH", "BUILDKIT_CACHE_MOUNT_NS", "SECRET", "netrc", "SSH", "default"} {
			if !strings.Contains(out, w) {
				t.Errorf("--call outline output lacks %q:\n%s", w, out)
			}
		}
		out, err = call(t, dir, "outline", "--target", "test")
		if err != nil {
			t.Fatalf("%v\n%s", err, out)
		}
		if !strings.Contains(out, "TARGET:      test") || strings.Contains(out, "VERSION") {
			t.Errorf("--call outline --target test: want the test target without VERSION:\n%s", out)
		}
	})

	t.Run("check ok", func(t *testing.T) {
		out, err := call(t, exampleDir("hello"), "check")
		if err != nil {
			t.Fatalf("--call check on a good spec failed: %v\n%s", err, out)
		}
		if !strings.Contains(out, "Check complete, no warnings found.") {
			t.Errorf("output lacks the all-clear:\n%s", out)
		}
		// Answered by go-app from the spec and go.mod, not by a build (a
		// frontend that ignores the request builds, and buildx prints the
		// same all-clear for a result without findings).
		if found := stack.Find(stack.ParseProgress(out), "go build"); len(found) > 0 {
			t.Errorf("--call check ran %q", found[0].Name)
		}
	})

	t.Run("check problems", func(t *testing.T) {
		dir := tmpDir(t, "check-")
		mod := testModule("3")
		mod["go-app.yaml"] = "# syntax=goappfrontend/go-app:1\nmain: ./cmd/app\nruntme:\n  ports: [8080]\nbuild:\n  cgo: maybe\n"
		writeTree(t, dir, mod)
		out, err := call(t, dir, "check")
		if err == nil {
			t.Fatalf("--call check on a bad spec exited 0:\n%s", out)
		}
		for _, w := range []string{
			"Check complete, 2 warnings have been found!",
			`go-app.yaml:3:1: unknown key "runtme"; did you mean "runtime"?`, ">>> runtme:",
			`go-app.yaml:6:8: build.cgo must be true or false, not "maybe"`, ">>>   cgo: maybe",
			"go-app.yaml has 2 problems",
		} {
			if !strings.Contains(out, w) {
				t.Errorf("--call check output lacks %q:\n%s", w, out)
			}
		}
	})

	t.Run("check accepted but wrong", func(t *testing.T) {
		// Specs that would build a broken image (issue 15): reported at
		// their lines by --call check as by a build.
		dir := tmpDir(t, "check-wrong-")
		mod := testModule("3")
		mod["README.md"] = "readme\n"
		mod["go-app.yaml"] = "# syntax=goappfrontend/go-app:1\nmain: ./cmd/app\nbuild:\n  env:\n    PATH: /src/bin\n" +
			"runtime:\n  files:\n    - src: README.md\n      dst: /usr/local/bin/app\n"
		writeTree(t, dir, mod)
		out, err := call(t, dir, "check")
		if err == nil {
			t.Fatalf("--call check on a wrong spec exited 0:\n%s", out)
		}
		for _, w := range []string{
			"Check complete, 2 warnings have been found!",
			"go-app.yaml:5:11: build.env.PATH is the toolchain image's", ">>>     PATH: /src/bin",
			`go-app.yaml:9:12: runtime.files.0 copies "README.md" to "/usr/local/bin/app", the path of the binary app`,
		} {
			if !strings.Contains(out, w) {
				t.Errorf("--call check output lacks %q:\n%s", w, out)
			}
		}
		// A second YAML document would be ignored: the build refuses it.
		writeTree(t, dir, map[string]string{"go-app.yaml": "# syntax=goappfrontend/go-app:1\nmain: ./cmd/app\n---\nmain: ./cmd/other\n"})
		buildFails(t, 5*time.Minute, stack.Build{Context: dir}, "go-app.yaml:3", "second YAML document")
	})

	t.Run("check zero config", func(t *testing.T) {
		// A syntax-line-only spec is fine when the module has one main
		// package, and a problem when it has several, as in a build.
		dir := tmpDir(t, "check-zero-")
		mod := testModule("3")
		mod["go-app.yaml"] = "# syntax=goappfrontend/go-app:1\n"
		writeTree(t, dir, mod)
		if out, err := call(t, dir, "check"); err != nil || !strings.Contains(out, "Check complete, no warnings found.") {
			t.Errorf("--call check on a zero-config spec with one main package: %v\n%s", err, out)
		}
		writeTree(t, dir, map[string]string{"cmd/tool/main.go": "package main\n\nfunc main() {}\n"})
		out, err := call(t, dir, "check")
		if err == nil || !strings.Contains(out, "./cmd/app, ./cmd/tool") {
			t.Errorf("--call check on a zero-config spec with two main packages: %v, want a non-zero exit naming both:\n%s", err, out)
		}
	})

	t.Run("check test target of a library", func(t *testing.T) {
		// The test target needs no main package, in a check as in a build.
		dir := tmpDir(t, "check-lib-")
		mod := testModule("3")
		delete(mod, "cmd/app/main.go")
		mod["go-app.yaml"] = "# syntax=goappfrontend/go-app:1\n"
		writeTree(t, dir, mod)
		if out, err := call(t, dir, "check", "--target", "test"); err != nil || !strings.Contains(out, "Check complete, no warnings found.") {
			t.Errorf("--call check --target test on a library: %v\n%s", err, out)
		}
		if out, err := call(t, dir, "check"); err == nil || !strings.Contains(out, "found no main package") {
			t.Errorf("--call check (image) on a library: %v, want a non-zero exit, no main package:\n%s", err, out)
		}
	})

	t.Run("check go.mod", func(t *testing.T) {
		dir := tmpDir(t, "check-gomod-")
		mod := testModule("3")
		mod["go.mod"] = "module example.com/tmod\n\ngo 1.26\nrequire nothing\n"
		writeTree(t, dir, mod)
		out, err := call(t, dir, "check")
		if err == nil || !strings.Contains(out, "go.mod:4: usage: require module/path v1.2.3") {
			t.Errorf("--call check with a bad go.mod: %v, want a non-zero exit and go.mod's line:\n%s", err, out)
		}
	})

	t.Run("describe", func(t *testing.T) {
		out, err := call(t, exampleDir("hello"), "subrequests.describe")
		if err != nil {
			t.Fatalf("%v\n%s", err, out)
		}
		for _, w := range []string{"outline", "targets", "subrequests.describe"} {
			if !strings.Contains(out, w) {
				t.Errorf("--call subrequests.describe output lacks %q:\n%s", w, out)
			}
		}
	})

	t.Run("unknown target", func(t *testing.T) {
		out, err := call(t, exampleDir("hello"), "outline", "--target", "release")
		if err == nil || !strings.Contains(out, `unknown target "release": go-app builds the targets image, binaries, test`) {
			t.Errorf("--target release: %v, want an error listing the targets:\n%s", err, out)
		}
	})
}
