// Package elftest builds real Go binaries for the tests of the binary
// checks, with the host's Go toolchain.
package elftest

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"

	"github.com/containerd/platforms"
	ocispecs "github.com/opencontainers/image-spec/specs-go/v1"
)

// Arches are the GOARCH values Binaries builds for: 64- and 32-bit,
// little- and big-endian.
var Arches = []string{"amd64", "arm64", "arm", "386", "s390x", "mips64le"}

var (
	once     sync.Once
	binaries map[string][]byte // GOARCH, or "pie" or "unstripped", to binary
	buildErr error
)

// Binaries builds a tiny Go program with the host toolchain for each of
// Arches, static and stripped; once more for amd64 with -buildmode=pie,
// which the Go linker makes dynamically linked (it asks for the system's
// loader) ("pie"); for arm64 unstripped ("unstripped"); and for amd64 in
// FIPS 140-3 mode, GOFIPS140=latest ("fips"). The builds run
// once per test binary, concurrently, and are cached by the go command.
func Binaries(t testing.TB) map[string][]byte {
	t.Helper()
	once.Do(func() { binaries, buildErr = build() })
	if buildErr != nil {
		t.Fatalf("building ELF fixtures: %v", buildErr)
	}
	return binaries
}

func build() (map[string][]byte, error) {
	dir, err := os.MkdirTemp("", "go-app-elf-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	files := map[string]string{
		"go.mod":  "module example.com/tiny\n\ngo 1.22\n",
		"main.go": "package main\n\nfunc main() {}\n",
	}
	for name, body := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			return nil, err
		}
	}
	builds := map[string][]string{
		"pie":        {"GOARCH=amd64", "GOFLAGS=-buildmode=pie -ldflags=-s -ldflags=-w"},
		"unstripped": {"GOARCH=arm64", "GOFLAGS=-ldflags="},
		"fips":       {"GOARCH=amd64", "GOFIPS140=latest", "GOFLAGS=-ldflags=-s -ldflags=-w"},
	}
	for _, a := range Arches {
		builds[a] = []string{"GOARCH=" + a, "GOFLAGS=-ldflags=-s -ldflags=-w"}
	}
	var mu sync.Mutex
	var wg sync.WaitGroup
	bins := map[string][]byte{}
	var errs []error
	for name, env := range builds {
		wg.Add(1)
		go func() {
			defer wg.Done()
			out := filepath.Join(dir, "bin-"+name)
			cmd := exec.Command("go", "build", "-trimpath", "-o", out, ".")
			cmd.Dir = dir
			cmd.Env = append(os.Environ(), append([]string{"CGO_ENABLED=0", "GOOS=linux", "GOTOOLCHAIN=local"}, env...)...)
			b, err := cmd.CombinedOutput()
			if err == nil {
				b, err = os.ReadFile(out)
			}
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				errs = append(errs, fmt.Errorf("%s: %v\n%s", name, err, b))
				return
			}
			bins[name] = b
		}()
	}
	wg.Wait()
	return bins, errors.Join(errs...)
}

// Linux is the normalized platform linux/<arch>, like "linux/arm/v7" for
// "arm".
func Linux(arch string) ocispecs.Platform {
	p, err := platforms.Parse("linux/" + arch)
	if err != nil {
		panic(err)
	}
	return platforms.Normalize(p)
}
