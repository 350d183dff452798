package elfcheck

import (
	"bytes"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"testing"

	"github.com/goappfrontend/go-app/internal/elfcheck/elftest"
	"github.com/goappfrontend/go-app/spec"
)

// cgoBinary builds a small cgo program for the host that needs libm and
// libc, with the host's gcc.
func cgoBinary(t *testing.T) []byte {
	t.Helper()
	if _, err := exec.LookPath("gcc"); err != nil {
		t.Skip("no gcc on this machine")
	}
	dir := t.TempDir()
	files := map[string]string{
		"go.mod":  "module example.com/c\n\ngo 1.22\n",
		"main.go": "package main\n\n// #cgo LDFLAGS: -lm\n// #include <math.h>\nimport \"C\"\n\nfunc main() { println(C.sqrt(2)) }\n",
	}
	for name, body := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	cmd := exec.Command("go", "build", "-o", "bin", ".")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "CGO_ENABLED=1", "GOFLAGS=", "GOTOOLCHAIN=local")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	b, err := os.ReadFile(filepath.Join(dir, "bin"))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestNeededAndResolve(t *testing.T) {
	bin := cgoBinary(t)
	host, ok := spec.ArchOf(runtime.GOARCH)
	if !ok {
		t.Skip("unknown host architecture")
	}
	needed, _, err := Needed(bytes.NewReader(bin))
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(needed, "libm.so.6") || !slices.Contains(needed, "libc.so.6") {
		t.Fatalf("needed = %q, want libm.so.6 and libc.so.6", needed)
	}
	// An image with the host's libc and libm where the loader looks.
	image := map[string][]byte{}
	for _, name := range []string{"libc.so.6", "libm.so.6", "ld-linux-x86-64.so.2", "ld-linux-aarch64.so.1"} {
		for _, d := range LibraryDirs(host) {
			if b, err := os.ReadFile(filepath.Join(d, name)); err == nil {
				image["/usr/lib/"+host.Triplet+"/"+name] = b
				break
			}
		}
	}
	open := func(file string) (io.ReaderAt, bool, error) {
		b, ok := image[file]
		return bytes.NewReader(b), ok, nil
	}
	found, missing, err := Resolve(open, host, needed, nil, LibraryDirs(host))
	if err != nil || len(missing) > 0 || found["libm.so.6"] != "/usr/lib/"+host.Triplet+"/libm.so.6" {
		t.Fatalf("found %v, missing %q, err %v", found, missing, err)
	}
	// A library of another machine is skipped, as the loader skips it.
	other := "arm64"
	if host.GOARCH == "arm64" {
		other = "amd64"
	}
	image["/usr/lib/"+host.Triplet+"/libm.so.6"] = elftest.Binaries(t)[other]
	if _, missing, err := Resolve(open, host, needed, nil, LibraryDirs(host)); err != nil || !slices.Equal(missing, []string{"libm.so.6"}) {
		t.Errorf("with libm.so.6 of %s: missing %q, err %v; want libm.so.6", other, missing, err)
	}
	delete(image, "/usr/lib/"+host.Triplet+"/libm.so.6")
	if _, missing, _ := Resolve(open, host, needed, nil, LibraryDirs(host)); !slices.Equal(missing, []string{"libm.so.6"}) {
		t.Errorf("without libm.so.6: missing %q", missing)
	}
	// A run path comes first.
	image["/opt/lib/libm.so.6"] = image["/usr/lib/"+host.Triplet+"/libc.so.6"]
	if found, _, _ := Resolve(open, host, []string{"libm.so.6"}, []string{"/opt/lib"}, LibraryDirs(host)); found["libm.so.6"] != "/opt/lib/libm.so.6" {
		t.Errorf("run path: found %v", found)
	}
}

func TestGlibcLibrary(t *testing.T) {
	for name, want := range map[string]bool{
		"libc.so.6": true, "libm.so.6": true, "ld-linux-aarch64.so.1": true, "libpthread.so.0": true,
		"libsqlite3.so.0": false, "libstdc++.so.6": false, "libcrypto.so.3": false,
	} {
		if got := GlibcLibrary(name); got != want {
			t.Errorf("GlibcLibrary(%q) = %v", name, got)
		}
	}
}
