package e2e

import (
	"debug/elf"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/goappfrontend/go-app/internal/ocirun"
	"github.com/goappfrontend/go-app/internal/stack"
)

// copyExample copies an example's files into a fresh directory, for tests
// that change them.
func copyExample(t *testing.T, name string) string {
	t.Helper()
	dir := t.TempDir()
	entries, err := os.ReadDir(exampleDir(name))
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if e.IsDir() {
			continue
		}
		b, err := os.ReadFile(filepath.Join(exampleDir(name), e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, e.Name()), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// buildBoth builds the go-app.yaml of dir for bothPlatforms into an OCI
// layout and returns the progress and the images, one per platform.
func buildBoth(t *testing.T, dir string) (string, []*ocirun.Image) {
	t.Helper()
	out := tmpDir(t, "oci-"+filepath.Base(dir)+"-")
	ctx, cancel := ctxFor(t, 30*time.Minute)
	defer cancel()
	start := time.Now()
	progress, err := env.Buildx(ctx, stack.Build{Context: dir, Platforms: bothPlatforms, Output: stack.OCIOutput(out)})
	if err != nil {
		t.Fatalf("%v\n%s", err, stack.Tail(progress, 150))
	}
	t.Logf("build (amd64+arm64): %s", time.Since(start).Round(100*time.Millisecond))
	imgs, err := openImages(out)
	if err != nil {
		t.Fatal(err)
	}
	checkPlatforms(t, imgs, bothPlatforms)
	return progress, imgs
}

// TestCgoSQLite builds examples/sqlite (mattn/go-sqlite3 against Debian's
// libsqlite3-dev) for linux/amd64 and linux/arm64 on the build platform,
// with the cross gcc and the arm64 packages installed by apt, and runs
// both images (arm64 under QEMU, at run time only): each creates a table,
// inserts and queries. The binaries are static, on scratch. Then a change
// of a .go file builds again without installing the packages again.
func TestCgoSQLite(t *testing.T) {
	needStack(t)
	dir := copyExample(t, "sqlite")
	progress, imgs := buildBoth(t, dir)
	steps := stack.ParseProgress(progress)
	for _, name := range []string{
		"[linux/amd64] apt-get install gcc g++ libc6-dev libsqlite3-dev (cgo)",
		"[linux/arm64] apt-get install gcc-aarch64-linux-gnu g++-aarch64-linux-gnu libc6-dev:arm64 libsqlite3-dev:arm64 (cgo)",
		"[linux/arm64] go build .",
	} {
		if len(stack.Find(steps, name)) == 0 {
			t.Errorf("no step %q; steps:\n%s", name, strings.Join(stack.Names(steps), "\n"))
		}
	}
	for _, img := range imgs {
		arch := img.Platform.Architecture
		t.Run(arch, func(t *testing.T) {
			root := rootfs(t, img)
			bin := filepath.Join(root, "usr/local/bin/sqlite")
			f, err := elf.Open(bin)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			for _, p := range f.Progs {
				if p.Type == elf.PT_INTERP {
					t.Errorf("the binary has an interpreter: it is not static")
				}
			}
			if libs, _ := f.ImportedLibraries(); len(libs) > 0 {
				t.Errorf("the binary needs shared libraries %q: it is not static", libs)
			}
			for _, dir := range []string{"lib", "usr/lib", "lib64"} {
				if _, err := os.Stat(filepath.Join(root, dir)); err == nil {
					t.Errorf("the image has /%s: want scratch with the runtime files only", dir)
				}
			}
			res := runImage(t, img, ocirun.RunConfig{})
			// 3.40 is bookworm's SQLite: the library of libsqlite3-dev,
			// not the copy go-sqlite3 bundles.
			want := "on linux/" + arch + ": banana, cherry\n"
			if res.ExitCode != 0 || !strings.HasPrefix(res.Stdout, "sqlite 3.40.") || !strings.HasSuffix(res.Stdout, want) {
				t.Errorf("exit %d, output %q, want \"sqlite 3.40.x %s\"\n%s", res.ExitCode, res.Stdout, want, res.Stderr)
			}
		})
	}

	t.Run("go change", func(t *testing.T) {
		// A change no earlier run made, so that BuildKit cannot have
		// built it before.
		appendFile(t, filepath.Join(dir, "main.go"), "\n// change "+nonce()+"\n")
		ctx, cancel := ctxFor(t, 15*time.Minute)
		defer cancel()
		start := time.Now()
		progress, err := env.Buildx(ctx, stack.Build{Context: dir, Platforms: []string{"linux/arm64"}})
		if err != nil {
			t.Fatalf("%v\n%s", err, stack.Tail(progress, 100))
		}
		t.Logf("rebuild after a .go change (arm64): %s", time.Since(start).Round(100*time.Millisecond))
		steps := stack.ParseProgress(progress)
		install := stack.Find(steps, "[linux/arm64] apt-get install gcc-aarch64-linux-gnu g++-aarch64-linux-gnu libc6-dev:arm64 libsqlite3-dev:arm64 (cgo)")
		if len(install) == 0 || slices.ContainsFunc(install, func(s *stack.Step) bool { return !s.Cached }) {
			t.Errorf("the install step ran again after a .go change: %+v\n%s", install, strings.Join(stack.Names(steps), "\n"))
		}
		if b := stack.Find(steps, "[linux/arm64] go build ."); len(b) == 0 || b[0].Cached {
			t.Errorf("go build did not run after a .go change: %+v", b)
		}
	})
}

// TestCgoErrors checks the errors of a cgo build: each names the problem
// and what to do, and points at the spec line.
func TestCgoErrors(t *testing.T) {
	needStack(t)
	for _, tc := range []struct {
		name  string
		spec  string
		files map[string]string
		want  []string
		lines []int
	}{
		{
			name:  "toolchain image without apt",
			spec:  "# syntax=goappfrontend/go-app:1\nmain: .\ngo:\n  image: golang:1.26\nbuild:\n  cgo: true\n",
			files: map[string]string{"main.go": "package main\n\n// int one(void) { return 1; }\nimport \"C\"\n\nfunc main() { _ = C.one() }\n"},
			want: []string{"apt-get install gcc g++ libc6-dev (cgo)",
				"the toolchain image golang:1.26 has no apt-get: set go.image to a Debian-based Go image, like golang:1.26-bookworm"},
			lines: []int{6},
		},
		{
			name:  "unknown package",
			spec:  "# syntax=goappfrontend/go-app:1\nmain: .\nbuild:\n  cgo: true\n  cgo_packages: [libzstd-dev, libnosuchlib-dev]\n",
			files: map[string]string{"main.go": "package main\n\nfunc main() {}\n"},
			want:  []string{"libnosuchlib-dev: no such package in Debian GNU/Linux 12 (bookworm) for amd64; check the names in build.cgo_packages"},
			lines: []int{5},
		},
		{
			name:  "missing C header",
			spec:  "# syntax=goappfrontend/go-app:1\nmain: .\nbuild:\n  cgo: true\n",
			files: map[string]string{"main.go": "package main\n\n// #include <zstd.h>\nimport \"C\"\n\nfunc main() { println(C.ZSTD_versionNumber()) }\n"},
			want:  []string{"zstd.h: No such file or directory"},
			lines: []int{2, 4},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			writeTree(t, dir, tinyModule)
			writeTree(t, dir, tc.files)
			writeTree(t, dir, map[string]string{"go-app.yaml": tc.spec})
			start := time.Now()
			out := buildFails(t, 15*time.Minute, stack.Build{Context: dir, Platforms: []string{"linux/amd64"}}, tc.want...)
			t.Logf("build: %s", time.Since(start).Round(100*time.Millisecond))
			if got := slices.Sorted(slices.Values(markedLines(out))); !slices.Equal(got, tc.lines) {
				t.Errorf("the output marks lines %v of go-app.yaml, want %v:\n%s", got, tc.lines, stack.Tail(out, 30))
			}
		})
	}
}

// glibcBase pushes a glibc runtime base for amd64 and arm64, like
// gcr.io/distroless/base-debian12: Debian's libc6 and libgcc-s1 of each
// architecture, unpacked on the build platform (multiarch apt-get
// download, dpkg-deb -x), and /tmp; without the file remove of
// /lib/<triplet> when it is set.
func glibcBase(t *testing.T, name, remove string) string {
	t.Helper()
	ctx, cancel := ctxFor(t, 15*time.Minute)
	defer cancel()
	ref := env.Registry + "/go-app-e2e/" + name + ":" + strings.ReplaceAll(t.Name(), "/", "-")
	dir := t.TempDir()
	rm := ""
	if remove != "" {
		rm = " && rm -f /rootfs/lib/*/" + remove
	}
	writeTree(t, dir, map[string]string{"Dockerfile": `FROM --platform=$BUILDPLATFORM golang:1.26-bookworm AS debs
ARG TARGETARCH
RUN dpkg --add-architecture $TARGETARCH && apt-get -q update && mkdir /debs /rootfs && cd /debs && \
    apt-get -q download libc6:$TARGETARCH libgcc-s1:$TARGETARCH && \
    for d in *.deb; do dpkg-deb -x $d /rootfs; done && mkdir -m 1777 /rootfs/tmp` + rm + `
FROM scratch
COPY --from=debs /rootfs/ /
`})
	out, err := stack.Cmd(ctx, "", nil, "buildctl", "--addr", env.BuildkitHost, "build", "--progress=plain",
		"--frontend", "dockerfile.v0", "--local", "context="+dir, "--local", "dockerfile="+dir,
		"--opt", "platform="+strings.Join(bothPlatforms, ","),
		"--output", "type=image,name="+ref+",push=true,registry.insecure=true")
	if err != nil {
		t.Fatalf("pushing the glibc base: %v\n%s", err, stack.Tail(out, 40))
	}
	return ref
}

// TestCgoDynamic builds examples/sqlite linked dynamically
// (build.cgo_link: dynamic) on a glibc base for amd64 and arm64: go-app
// copies libsqlite3.so.0 of each architecture into the image, found from
// the binary's DT_NEEDED without running it, and both images run. On a
// base without glibc's libc.so.6 the build fails with what the dynamic
// loader would say.
func TestCgoDynamic(t *testing.T) {
	needStack(t)
	start := time.Now()
	base := glibcBase(t, "glibc", "")
	t.Logf("glibc base: %s", time.Since(start).Round(100*time.Millisecond))
	dir := copyExample(t, "sqlite")
	spec := "# syntax=goappfrontend/go-app:1\nmain: .\nbuild:\n  cgo: true\n  cgo_link: dynamic\n  cgo_packages: [libsqlite3-dev]\n  tags: [libsqlite3]\nruntime:\n  base: " + base + "\n"
	writeTree(t, dir, map[string]string{"go-app.yaml": spec})
	_, imgs := buildBoth(t, dir)
	triplets := map[string]string{"amd64": "x86_64-linux-gnu", "arm64": "aarch64-linux-gnu"}
	for _, img := range imgs {
		arch := img.Platform.Architecture
		t.Run(arch, func(t *testing.T) {
			root := rootfs(t, img)
			f, err := elf.Open(filepath.Join(root, "usr/local/bin/sqlite"))
			if err != nil {
				t.Fatal(err)
			}
			libs, _ := f.ImportedLibraries()
			f.Close()
			if !slices.Contains(libs, "libsqlite3.so.0") {
				t.Errorf("the binary needs %q, want libsqlite3.so.0: not linked dynamically", libs)
			}
			lib, err := elf.Open(filepath.Join(root, "usr/lib", triplets[arch], "libsqlite3.so.0"))
			if err != nil {
				t.Fatalf("libsqlite3.so.0 is not in the image: %v", err)
			}
			if m := lib.Machine; (arch == "arm64") != (m == elf.EM_AARCH64) {
				t.Errorf("libsqlite3.so.0 is for %v on %s", m, arch)
			}
			lib.Close()
			res := runImage(t, img, ocirun.RunConfig{})
			want := "on linux/" + arch + ": banana, cherry\n"
			if res.ExitCode != 0 || !strings.HasPrefix(res.Stdout, "sqlite 3.40.") || !strings.HasSuffix(res.Stdout, want) {
				t.Errorf("exit %d, output %q, want \"sqlite 3.40.x %s\"\n%s", res.ExitCode, res.Stdout, want, res.Stderr)
			}
		})
	}

	t.Run("base without libc", func(t *testing.T) {
		nolibc := glibcBase(t, "nolibc", "libc.so.6")
		writeTree(t, dir, map[string]string{"go-app.yaml": strings.Replace(spec, base, nolibc, 1)})
		got := buildFails(t, 15*time.Minute, stack.Build{Context: dir, Platforms: []string{"linux/amd64"}},
			"binary /usr/local/bin/sqlite needs the shared library libc.so.6, which is not in the image for linux/amd64",
			`it would fail with "error while loading shared libraries: libc.so.6: cannot open shared object file: No such file or directory"`,
			"it is part of glibc: use a runtime.base with glibc")
		if lines := slices.Sorted(slices.Values(markedLines(got))); !slices.Equal(lines, []int{2, 4, 5, 6, 9}) {
			t.Errorf("the output marks lines %v of go-app.yaml, want 2, 4, 5, 6, 9 (main, build.cgo, cgo_link, cgo_packages, runtime.base):\n%s", lines, stack.Tail(got, 30))
		}
	})
}

// TestCgoRocksDB builds the RocksDB case (examples/rocksdb): grocksdb
// against Debian's librocksdb-dev with the service's CGO_LDFLAGS and tags,
// static on scratch, for amd64 and arm64, and runs both: each opens a
// database, writes and reads back.
func TestCgoRocksDB(t *testing.T) {
	needStack(t)
	_, imgs := buildBoth(t, exampleDir("rocksdb"))
	for _, img := range imgs {
		arch := img.Platform.Architecture
		t.Run(arch, func(t *testing.T) {
			f, err := elf.Open(filepath.Join(rootfs(t, img), "usr/local/bin/rocksdb"))
			if err != nil {
				t.Fatal(err)
			}
			if libs, _ := f.ImportedLibraries(); len(libs) > 0 {
				t.Errorf("the binary needs shared libraries %q: it is not static", libs)
			}
			f.Close()
			res := runImage(t, img, ocirun.RunConfig{})
			want := "rocksdb on linux/" + arch + ": a=apple b=banana c=cherry\n"
			if res.ExitCode != 0 || res.Stdout != want {
				t.Errorf("exit %d, output %q, want %q\n%s", res.ExitCode, res.Stdout, want, res.Stderr)
			}
		})
	}
}

// TestCgoRaceTests runs the test target of the sqlite example with
// test.race: go test -race on the build platform, with its C toolchain and
// libsqlite3-dev installed for it.
func TestCgoRaceTests(t *testing.T) {
	needStack(t)
	dir := copyExample(t, "sqlite")
	writeTree(t, dir, map[string]string{
		"main_test.go": "package main\n\nimport \"testing\"\n\nfunc TestRun(t *testing.T) {\n\tif err := run(); err != nil {\n\t\tt.Fatal(err)\n\t}\n}\n",
	})
	spec, err := os.ReadFile(filepath.Join(dir, "go-app.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	writeTree(t, dir, map[string]string{"go-app.yaml": string(spec) + "test:\n  race: true\n  flags: [-v]\n"})
	dest := tmpDir(t, "test-race-out-")
	ctx, cancel := ctxFor(t, 20*time.Minute)
	defer cancel()
	start := time.Now()
	progress, err := env.Buildx(ctx, stack.Build{Context: dir, Output: "type=local,dest=" + dest, Extra: []string{"--target", "test"}})
	if err != nil {
		t.Fatalf("%v\n%s", err, stack.Tail(progress, 80))
	}
	t.Logf("go test -race: %s", time.Since(start).Round(100*time.Millisecond))
	log, err := os.ReadFile(filepath.Join(dest, "test.log"))
	if err != nil || !strings.Contains(string(log), "--- PASS: TestRun") || !strings.Contains(string(log), "ok  \texample.com/sqlite") {
		t.Errorf("test.log (%v):\n%s", err, log)
	}
	if len(stack.Find(stack.ParseProgress(progress), "[linux/amd64] apt-get install gcc g++ libc6-dev libsqlite3-dev (cgo)")) == 0 {
		t.Errorf("no install step for the build platform:\n%s", strings.Join(stack.Names(stack.ParseProgress(progress)), "\n"))
	}
}
