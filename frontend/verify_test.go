package frontend

import (
	"context"
	"debug/elf"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/containerd/platforms"
	"github.com/goappfrontend/go-app/spec"
	"github.com/moby/buildkit/client/llb"
	"github.com/moby/buildkit/frontend/dockerui"
	"github.com/moby/buildkit/frontend/gateway/client"
	"github.com/moby/buildkit/solver/errdefs"
	ocispecs "github.com/opencontainers/image-spec/specs-go/v1"
	fstypes "github.com/tonistiigi/fsutil/types"
)

// fixtureArches are the GOARCH values the tests build real binaries for:
// 64- and 32-bit, little- and big-endian.
var fixtureArches = []string{"amd64", "arm64", "arm", "386", "s390x", "mips64le"}

var (
	fixturesOnce sync.Once
	fixtures     map[string][]byte // GOARCH, or "pie" (amd64 -buildmode=pie), to binary
	fixturesErr  error
)

// elfFixtures builds a tiny Go program with the host toolchain for each of
// fixtureArches, static and stripped; once more for amd64 with
// -buildmode=pie, which the Go linker makes dynamically linked (it asks for
// the system's loader); and for arm64 unstripped ("unstripped").
// The builds run concurrently and are cached by the go command.
func elfFixtures(t *testing.T) map[string][]byte {
	t.Helper()
	fixturesOnce.Do(func() {
		dir, err := os.MkdirTemp("", "go-app-elf-")
		if err != nil {
			fixturesErr = err
			return
		}
		defer os.RemoveAll(dir)
		files := map[string]string{
			"go.mod":  "module example.com/tiny\n\ngo 1.22\n",
			"main.go": "package main\n\nfunc main() {}\n",
		}
		for name, body := range files {
			if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
				fixturesErr = err
				return
			}
		}
		builds := map[string][]string{
			"pie":        {"GOARCH=amd64", "GOFLAGS=-buildmode=pie -ldflags=-s -ldflags=-w"},
			"unstripped": {"GOARCH=arm64", "GOFLAGS=-ldflags="},
		}
		for _, a := range fixtureArches {
			builds[a] = []string{"GOARCH=" + a, "GOFLAGS=-ldflags=-s -ldflags=-w"}
		}
		var mu sync.Mutex
		var wg sync.WaitGroup
		fixtures = map[string][]byte{}
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
				fixtures[name] = b
			}()
		}
		wg.Wait()
		fixturesErr = errors.Join(errs...)
	})
	if fixturesErr != nil {
		t.Fatalf("building ELF fixtures: %v", fixturesErr)
	}
	return fixtures
}

// gccFixture compiles a C program with the host's gcc: a dynamically
// linked executable that needs libc. It skips the test without gcc.
func gccFixture(t *testing.T) []byte {
	t.Helper()
	gcc, err := exec.LookPath("gcc")
	if err != nil {
		t.Skip("no gcc on this machine")
	}
	dir := t.TempDir()
	src := filepath.Join(dir, "hello.c")
	if err := os.WriteFile(src, []byte("#include <stdio.h>\nint main(void) { puts(\"hi\"); return 0; }\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "hello")
	if b, err := exec.Command(gcc, "-o", out, src).CombinedOutput(); err != nil {
		t.Fatalf("gcc: %v\n%s", err, b)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func linux(arch string) ocispecs.Platform {
	p, err := platforms.Parse("linux/" + arch)
	if err != nil {
		panic(err)
	}
	return platforms.Normalize(p)
}

type readerAt []byte

func (b readerAt) ReadAt(p []byte, off int64) (int, error) {
	if off >= int64(len(b)) {
		return 0, io.EOF
	}
	n := copy(p, b[off:])
	if n < len(p) {
		return n, io.EOF
	}
	return n, nil
}

func TestCheckExecutableArchitectures(t *testing.T) {
	bins := elfFixtures(t)
	for _, built := range fixtureArches {
		for _, target := range fixtureArches {
			t.Run(built+" on "+target, func(t *testing.T) {
				exe, err := checkExecutable(readerAt(bins[built]), "/usr/local/bin/app", linux(target), true)
				if built == target {
					if err != nil || exe.Interp != "" {
						t.Fatalf("a static %s binary for linux/%s: %+v, %v; want no problem", built, target, exe, err)
					}
					return
				}
				var be *binaryError
				if !errors.As(err, &be) || be.kind != problemArch {
					t.Fatalf("err = %v, want an architecture problem", err)
				}
				want := fmt.Sprintf("binary /usr/local/bin/app is an ELF for %s (linux/%s) but the target platform is %s: the image would fail with \"exec format error\"",
					mustArch(t, built).name, built, platforms.FormatAll(linux(target)))
				if err.Error() != want {
					t.Errorf("message\n%s\nwant\n%s", err, want)
				}
			})
		}
	}
}

func mustArch(t *testing.T, goarch string) elfArch {
	a, ok := elfArchOf(goarch)
	if !ok {
		t.Fatalf("no ELF architecture for %s", goarch)
	}
	return a
}

// TestELFArchesCoverSpecPlatforms checks that every architecture a spec
// accepts has its ELF identity.
func TestELFArchesCoverSpecPlatforms(t *testing.T) {
	for _, p := range []string{"linux/amd64", "linux/amd64/v3", "linux/arm64", "linux/arm/v7", "linux/arm/v6", "linux/386",
		"linux/ppc64le", "linux/s390x", "linux/riscv64", "linux/loong64", "linux/mips64le"} {
		pp, err := spec.ParsePlatform(p)
		if err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		if _, ok := elfArchOf(pp.Architecture); !ok {
			t.Errorf("%s: no ELF machine to check binaries against", p)
		}
	}
}

// patched returns a copy of b with the bytes at off replaced.
func patched(b []byte, off int, with ...byte) []byte {
	c := append([]byte(nil), b...)
	copy(c[off:], with)
	return c
}

func TestCheckExecutableIdentityFields(t *testing.T) {
	amd64 := elfFixtures(t)["amd64"]
	for _, tc := range []struct {
		name string
		bin  []byte
		want string
	}{
		// e_machine (offset 18, little-endian) of another 64-bit LE machine.
		{"ppc64le machine", patched(amd64, 18, 21, 0), "is an ELF for PowerPC 64 little-endian (linux/ppc64le) but the target platform is linux/amd64"},
		{"riscv64 machine", patched(amd64, 18, 243, 0), "is an ELF for RISC-V 64 (linux/riscv64)"},
		{"loong64 machine", patched(amd64, 18, 258&0xff, 258>>8), "is an ELF for LoongArch 64 (linux/loong64)"},
		{"unknown machine", patched(amd64, 18, 0x34, 0x12), "is an ELF for machine 4660, 64-bit, little-endian but"},
		// e_type (offset 16) ET_REL: an object file, not a program.
		{"object file", patched(amd64, 16, 1, 0), "is an ELF ET_REL, not an executable"},
		{"not ELF", []byte("MZ\x90\x00 a PE file"), `is not an ELF executable (it starts with "MZ\x90\x00")`},
		{"empty", nil, "is not an ELF executable (it is empty)"},
		{"truncated", amd64[:40], "is not a valid ELF file"},
		{"script", []byte("#!/bin/sh\necho hi\n"), "is a script for /bin/sh but runtime.base is scratch"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := checkExecutable(readerAt(tc.bin), "/usr/local/bin/app", linux("amd64"), true)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want one containing %q", err, tc.want)
			}
		})
	}
}

func TestCheckExecutableDynamic(t *testing.T) {
	pie := elfFixtures(t)["pie"]
	_, err := checkExecutable(readerAt(pie), "/usr/local/bin/app", linux("amd64"), true)
	want := `binary /usr/local/bin/app is dynamically linked (interpreter /lib64/ld-linux-x86-64.so.2) but runtime.base is scratch, which has no libc: it would fail with "no such file or directory"; build it static`
	var be *binaryError
	if !errors.As(err, &be) || be.kind != problemDynamic || !strings.HasPrefix(err.Error(), want) {
		t.Fatalf("-buildmode=pie binary on scratch: err = %v\nwant a dynamic problem starting\n%s", err, want)
	}
	// On a base image the interpreter is the caller's to look for.
	exe, err := checkExecutable(readerAt(pie), "/usr/local/bin/app", linux("amd64"), false)
	if err != nil || exe.Interp != "/lib64/ld-linux-x86-64.so.2" {
		t.Fatalf("on a base image: %+v, %v; want the interpreter and no error", exe, err)
	}
	exe, err = checkExecutable(readerAt("#!/usr/bin/env python3\n"), "/usr/local/bin/app", linux("amd64"), false)
	if err != nil || exe.Interp != "/usr/bin/env" {
		t.Fatalf("script on a base image: %+v, %v", exe, err)
	}
}

func TestCheckExecutableGCC(t *testing.T) {
	bin := gccFixture(t)
	exe, err := checkExecutable(readerAt(bin), "/usr/local/bin/app", linux(hostArch(t)), false)
	if err != nil || exe.Interp == "" {
		t.Fatalf("gcc binary on a base image: %+v, %v; want its interpreter", exe, err)
	}
	_, err = checkExecutable(readerAt(bin), "/usr/local/bin/app", linux(hostArch(t)), true)
	if err == nil || !strings.Contains(err.Error(), "is dynamically linked (interpreter "+exe.Interp+") but runtime.base is scratch") {
		t.Fatalf("gcc binary on scratch: %v", err)
	}

	// The same binary with its PT_INTERP header turned into PT_NULL: no
	// interpreter, but it still needs libc.
	f, err := elf.NewFile(readerAt(bin))
	if err != nil {
		t.Fatal(err)
	}
	if f.Class != elf.ELFCLASS64 || f.Data != elf.ELFDATA2LSB {
		t.Skipf("the host's gcc makes %v %v binaries; the patch below needs 64-bit little-endian", f.Class, f.Data)
	}
	phoff, phentsize := binary.LittleEndian.Uint64(bin[32:]), binary.LittleEndian.Uint16(bin[54:])
	noInterp := append([]byte(nil), bin...)
	for i, p := range f.Progs {
		if p.Type == elf.PT_INTERP {
			binary.LittleEndian.PutUint32(noInterp[phoff+uint64(i)*uint64(phentsize):], uint32(elf.PT_NULL))
		}
	}
	_, err = checkExecutable(readerAt(noInterp), "/usr/local/bin/app", linux(hostArch(t)), true)
	if err == nil || !strings.Contains(err.Error(), "needs the shared libraries libc.so.6") {
		t.Fatalf("gcc binary without PT_INTERP on scratch: %v, want one naming libc.so.6", err)
	}
}

func hostArch(t *testing.T) string {
	out, err := exec.Command("go", "env", "GOHOSTARCH").Output()
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimSpace(string(out))
}

// fakeRef is a solved reference holding files in memory. It counts the
// ReadFile calls and bytes.
type fakeRef struct {
	client.Reference
	files map[string][]byte
	modes map[string]os.FileMode
	err   error // of Evaluate: the solve failed
	mu    sync.Mutex
	calls int
	bytes int
}

func (r *fakeRef) Evaluate(context.Context) error { return r.err }

func (r *fakeRef) ReadFile(_ context.Context, req client.ReadRequest) ([]byte, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	b, ok := r.files[req.Filename]
	if !ok {
		return nil, os.ErrNotExist
	}
	r.calls++
	if req.Range != nil {
		off := min(req.Range.Offset, len(b))
		b = b[off:min(off+req.Range.Length, len(b))]
	}
	r.bytes += len(b)
	return b, nil
}

func (r *fakeRef) StatFile(_ context.Context, req client.StatRequest) (*fstypes.Stat, error) {
	b, ok := r.files[req.Path]
	if !ok {
		return nil, fmt.Errorf("stat %s: %w", req.Path, os.ErrNotExist)
	}
	mode, ok := r.modes[req.Path]
	if !ok {
		mode = 0o755
	}
	return &fstypes.Stat{Path: req.Path, Mode: uint32(mode), Size: int64(len(b))}, nil
}

func TestRefReaderReadsOnlyHeaders(t *testing.T) {
	for _, name := range []string{"arm64", "unstripped", "pie"} {
		bin := elfFixtures(t)[name]
		ref := &fakeRef{files: map[string][]byte{"/usr/local/bin/app": bin}}
		target := linux("arm64")
		if name == "pie" {
			target = linux("amd64")
		}
		start := time.Now()
		_, err := checkExecutable(newRefReader(context.Background(), ref, "/usr/local/bin/app"), "/usr/local/bin/app", target, name != "pie")
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("%s: checked a %d-byte binary with %d ReadFile calls, %d bytes, in %v", name, len(bin), ref.calls, ref.bytes, time.Since(start))
		if ref.calls > 4 || ref.bytes > 4*refReadBlock {
			t.Errorf("%s: %d ReadFile calls for %d bytes of a %d-byte binary; want at most 4 calls reading the headers only", name, ref.calls, ref.bytes, len(bin))
		}
	}
}

func TestRefReaderReadAt(t *testing.T) {
	data := make([]byte, 3*refReadBlock+100)
	for i := range data {
		data[i] = byte(i * 7)
	}
	ref := &fakeRef{files: map[string][]byte{"f": data}}
	r := newRefReader(context.Background(), ref, "f")
	for _, tc := range []struct {
		off, n int
		err    error
	}{
		{0, 10, nil},
		{refReadBlock - 5, 10, nil}, // across a block boundary
		{100, 2*refReadBlock + 7, nil},
		{len(data) - 10, 10, nil},
		{len(data) - 10, 20, io.EOF}, // short at the end
		{len(data) + 5, 1, io.EOF},
	} {
		p := make([]byte, tc.n)
		n, err := r.ReadAt(p, int64(tc.off))
		wantN := max(0, min(tc.n, len(data)-tc.off))
		if n != wantN || !errors.Is(err, tc.err) && !(err == nil && tc.err == nil) {
			t.Errorf("ReadAt(%d bytes at %d) = %d, %v; want %d, %v", tc.n, tc.off, n, err, wantN, tc.err)
			continue
		}
		if n > 0 && string(p[:n]) != string(data[tc.off:tc.off+n]) {
			t.Errorf("ReadAt(%d bytes at %d): wrong bytes", tc.n, tc.off)
		}
	}
	if ref.calls != 4 {
		t.Errorf("%d ReadFile calls for 4 blocks; want each block read once", ref.calls)
	}
}

// loadSpec loads and fills a spec for verifyBinaries tests.
func loadSpec(t *testing.T, yaml string) (*spec.Spec, *llb.SourceMap) {
	t.Helper()
	data := []byte(yaml)
	s, err := spec.Load("go-app.yaml", data)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.FillDefaults([]byte("module example.com/app\n\ngo 1.26\n")); err != nil {
		t.Fatal(err)
	}
	return s, llb.NewSourceMap(nil, "go-app.yaml", "YAML", data)
}

func binPaths(s *spec.Spec) map[string]string {
	m := map[string]string{}
	for _, b := range s.Binaries {
		m[b.Name] = spec.DefaultBinaryDir + "/" + b.Name
	}
	return m
}

// sourceLines are the spec lines an error points at.
func sourceLines(err error) []int {
	var lines []int
	for _, s := range errdefs.Sources(err) {
		for _, r := range s.Ranges {
			lines = append(lines, int(r.Start.Line))
		}
	}
	return lines
}

func TestVerifyBinaries(t *testing.T) {
	bins := elfFixtures(t)
	arm64, amd64, pie := bins["arm64"], bins["amd64"], bins["pie"]
	multi := "# syntax=x\nbinaries:\n  - name: api\n    main: ./cmd/api\n  - name: worker\n    main: ./cmd/worker\n"
	for _, tc := range []struct {
		name   string
		yaml   string
		target string
		files  map[string][]byte
		modes  map[string]os.FileMode
		want   string // "" for no error
		lines  []int
	}{
		{
			name: "good", yaml: multi, target: "arm64",
			files: map[string][]byte{"/usr/local/bin/api": arm64, "/usr/local/bin/worker": arm64},
		},
		{
			name: "second binary for another arch", yaml: multi, target: "arm64",
			files: map[string][]byte{"/usr/local/bin/api": arm64, "/usr/local/bin/worker": amd64},
			want:  `binary /usr/local/bin/worker is an ELF for x86-64 (linux/amd64) but the target platform is linux/arm64: the image would fail with "exec format error"; go-app sets GOOS and GOARCH for every target, so check build.env and build.ldflags for settings that change what ./cmd/worker is built for`,
			lines: []int{5},
		},
		{
			name:   "replaced by runtime.files",
			yaml:   "# syntax=x\nmain: ./cmd/api\nruntime:\n  files:\n    - src: prebuilt/api\n      dst: /usr/local/bin/api\n    - src: conf\n      dst: /etc/app/\n",
			target: "arm64",
			files:  map[string][]byte{"/usr/local/bin/api": amd64},
			want:   `binary /usr/local/bin/api is an ELF for x86-64 (linux/amd64) but the target platform is linux/arm64: the image would fail with "exec format error"; runtime.files.0 (src prebuilt/api, dst /usr/local/bin/api) replaces it (runtime.files are copied after the binaries): remove that entry or give it another dst`,
			lines:  []int{2, 5},
		},
		{
			name:   "dynamic on scratch",
			yaml:   "# syntax=x\nmain: ./cmd/api\nbuild:\n  env:\n    GOFLAGS: -buildmode=pie\n",
			target: "amd64",
			files:  map[string][]byte{"/usr/local/bin/api": pie},
			want:   `binary /usr/local/bin/api is dynamically linked (interpreter /lib64/ld-linux-x86-64.so.2) but runtime.base is scratch, which has no libc: it would fail with "no such file or directory"; build it static (build.cgo false, no -buildmode=pie or -linkmode=external in build.env GOFLAGS or build.ldflags) or use a runtime.base with a libc`,
			lines:  []int{2, 5},
		},
		{
			name:   "dynamic on a base that has the loader",
			yaml:   "# syntax=x\nmain: ./cmd/api\nruntime:\n  base: debian:12\n",
			target: "amd64",
			files:  map[string][]byte{"/usr/local/bin/api": pie, "/lib64/ld-linux-x86-64.so.2": {}},
		},
		{
			name:   "dynamic on a base without the loader",
			yaml:   "# syntax=x\nmain: ./cmd/api\nruntime:\n  base: alpine:3.22\n",
			target: "amd64",
			files:  map[string][]byte{"/usr/local/bin/api": pie},
			want:   `binary /usr/local/bin/api needs the interpreter /lib64/ld-linux-x86-64.so.2, which runtime.base alpine:3.22 does not have`,
			lines:  []int{2},
		},
		{
			name:   "not executable",
			yaml:   "# syntax=x\nmain: ./cmd/api\n",
			target: "amd64",
			files:  map[string][]byte{"/usr/local/bin/api": amd64},
			modes:  map[string]os.FileMode{"/usr/local/bin/api": 0o644},
			want:   `binary /usr/local/bin/api is not executable (mode 0644)`,
			lines:  []int{2},
		},
		{
			name:   "missing",
			yaml:   "# syntax=x\nmain: ./cmd/api\n",
			target: "amd64",
			files:  map[string][]byte{},
			want:   `binary /usr/local/bin/api is missing from the image`,
			lines:  []int{2},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, sm := loadSpec(t, tc.yaml)
			ref := &fakeRef{files: tc.files, modes: tc.modes}
			err := verifyBinaries(context.Background(), ref, s, sm, binPaths(s), linux(tc.target))
			if tc.want == "" {
				if err != nil {
					t.Fatalf("err = %v, want none", err)
				}
				return
			}
			if err == nil || !strings.HasPrefix(err.Error(), tc.want) {
				t.Fatalf("err = %v\nwant one starting\n%s", err, tc.want)
			}
			if got := sourceLines(err); fmt.Sprint(got) != fmt.Sprint(tc.lines) {
				t.Errorf("error points at lines %v, want %v", got, tc.lines)
			}
		})
	}
}

// TestVerifyBinariesSolveError checks that a build that fails (a compile
// error) fails with its own error, not as a missing binary.
func TestVerifyBinariesSolveError(t *testing.T) {
	s, sm := loadSpec(t, "# syntax=x\nmain: ./cmd/api\n")
	solveErr := errors.New("process \"go build\" did not complete successfully: exit code: 1")
	err := verifyBinaries(context.Background(), &fakeRef{err: solveErr}, s, sm, binPaths(s), linux("amd64"))
	if err != solveErr {
		t.Fatalf("err = %v, want the solve error unchanged", err)
	}
}

// TestRecoverBuildFunc checks that a panic in the build function of one
// platform, which dockerui runs in a goroutine of its own, becomes an error
// of the build instead of a crash of the frontend.
func TestRecoverBuildFunc(t *testing.T) {
	bc := &dockerui.Client{}
	bc.TargetPlatforms = []ocispecs.Platform{linux("amd64"), linux("arm64")}
	_, err := bc.Build(context.Background(), recoverBuildFunc(func(ctx context.Context, p *ocispecs.Platform, idx int) (*dockerui.BuildResult, error) {
		panic("boom on " + p.Architecture)
	}))
	if err == nil || !strings.Contains(err.Error(), "internal error: boom on") {
		t.Fatalf("err = %v, want the panic as an error", err)
	}
}
