package gocache

import (
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

func TestToolchainSkip(t *testing.T) {
	for _, c := range []struct {
		rel  string
		dir  bool
		skip bool
	}{
		{"test", true, true},
		{"api", true, true},
		{"doc", true, true},
		{"misc", true, true},
		{"src/cmd", true, true},
		{"src/net/http/testdata", true, true},
		{"src/net/http/server_test.go", false, true},
		{"src/os/file_windows.go", false, true},
		{"src/syscall/zerrors_darwin_arm64.go", false, true},
		{"src/runtime/rt0_android_arm64.s", false, true},
		{"src/os/exec_plan9_test.go", false, true},
		{"bin/gofmt", false, true},
		{"pkg/tool/linux_amd64/vet", false, true},
		{"pkg/tool/linux_amd64/fix", false, true},
		// What a go build reads stays.
		{"src", true, false},
		{"src/net/http", true, false},
		{"src/net/http/server.go", false, false},
		{"src/os/file_linux.go", false, false},
		{"src/syscall/zerrors_linux_arm64.go", false, false},
		{"src/runtime/asm_arm64.s", false, false},
		{"src/os/file_unix.go", false, false},
		{"src/runtime/os_windows_stub.go", false, false},
		{"src/runtime/windows.go", false, false},
		{"pkg/tool/linux_amd64/link", false, false},
		{"pkg/tool/linux_amd64/cover", false, false},
		{"pkg/tool/linux_amd64/preprofile", false, false},
		{"src/go.mod", false, false},
		{"src/cmdline", true, false},
		{"pkg/tool/linux_amd64/compile", false, false},
		{"pkg/include/textflag.h", false, false},
		{"bin/go", false, false},
		{"go.env", false, false},
		{"VERSION", false, false},
		{"lib/time/zoneinfo.zip", false, false},
		// Only GOROOT/src holds Go packages: nothing else matches by name.
		{"lib/testdata", true, false},
		{"pkg/tool/x_test.go", false, false},
		{"test.go", false, false},
	} {
		if got := toolchainSkip(c.rel, c.dir); got != c.skip {
			t.Errorf("toolchainSkip(%q, dir=%v) = %v, want %v", c.rel, c.dir, got, c.skip)
		}
	}
}

// TestExportToolchain copies the Go installation the tests run with and
// builds a program with the copy: nothing a go build reads may be missing.
func TestExportToolchain(t *testing.T) {
	if _, err := exec.LookPath("go"); err != nil {
		t.Fatal("the go command is not on PATH")
	}
	out := t.TempDir()
	st, err := ExportToolchain(out)
	if err != nil {
		t.Fatal(err)
	}
	t.Log(st)
	goroot, err := filepath.EvalSymlinks(st.GOROOT)
	if err != nil {
		t.Fatal(err)
	}
	copied := filepath.Join(out, goroot)
	for _, p := range []string{"bin/go", "src/go.mod", "src/net/http/server.go", "pkg/include/textflag.h", "go.env"} {
		if _, err := os.Stat(filepath.Join(copied, p)); err != nil {
			t.Errorf("the layer lacks GOROOT/%s: %v", p, err)
		}
	}
	for _, p := range []string{"test", "src/cmd", "src/net/http/server_test.go", "src/net/http/testdata",
		"src/os/file_windows.go", "bin/gofmt"} {
		if _, err := os.Lstat(filepath.Join(copied, p)); err == nil {
			t.Errorf("the layer holds GOROOT/%s", p)
		}
	}
	if st.Files == 0 || st.SkippedFiles == 0 || st.SkippedBytes == 0 {
		t.Errorf("stats %+v: nothing copied or nothing left out", st)
	}
	if fi, err := os.Stat(filepath.Join(out, "tmp")); err != nil || fi.Mode()&fs.ModeSticky == 0 || fi.Mode().Perm() != 0o777 {
		t.Errorf("/tmp of the layer: %v %v, want drwxrwxrwt", fi, err)
	}
	want, err := os.Stat(filepath.Join(goroot, "bin/go"))
	if err != nil {
		t.Fatal(err)
	}
	got, err := os.Stat(filepath.Join(copied, "bin/go"))
	if err != nil {
		t.Fatal(err)
	}
	if got.Mode() != want.Mode() || !got.ModTime().Equal(want.ModTime()) {
		t.Errorf("bin/go copied as %v %v, want %v %v", got.Mode(), got.ModTime(), want.Mode(), want.ModTime())
	}

	// The copy's go command finds its GOROOT from its own path and builds a
	// program that needs packages with assembly, embedded files and vendored
	// code of the standard library.
	mod := t.TempDir()
	writeFiles(t, mod, map[string]string{
		"go.mod": "module example.com/tc\n\ngo 1.21\n",
		"main.go": `package main

import (
	"crypto/sha256"
	"fmt"
	"net/http"
)

func main() { fmt.Println(sha256.Sum256(nil), http.StatusOK) }
`,
	})
	// For the build platform and a target of another architecture: the
	// layer is Linux-only, not amd64-only.
	var cmd *exec.Cmd
	bin := filepath.Join(t.TempDir(), "tc")
	for _, arch := range []string{"arm64", runtime.GOARCH} {
		cmd = exec.Command(filepath.Join(copied, "bin/go"), "build", "-trimpath", "-o", bin, ".")
		cmd.Dir = mod
		cmd.Env = goEnv("GOTOOLCHAIN=local", "GOFLAGS=", "CGO_ENABLED=0", "GOROOT=", "GOPROXY=off", "GOOS=linux", "GOARCH="+arch)
		if b, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("go build for linux/%s with the toolchain layer: %v\n%s", arch, err, b)
		}
	}
	// The last build, for the build platform, runs here.
	env := exec.Command(filepath.Join(copied, "bin/go"), "env", "GOROOT")
	env.Env = cmd.Env
	b, err := env.Output()
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.TrimSpace(string(b)); got != copied {
		t.Errorf("the copy's go env GOROOT = %s, want %s", got, copied)
	}
	if b, err := exec.Command(bin).Output(); err != nil || !strings.HasSuffix(strings.TrimSpace(string(b)), " 200") {
		t.Errorf("the program built with the toolchain layer printed %q (%v)", b, err)
	}
}
