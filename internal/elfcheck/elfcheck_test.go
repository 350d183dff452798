package elfcheck

import (
	"bytes"
	"debug/elf"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/containerd/platforms"
	"github.com/goappfrontend/go-app/internal/elfcheck/elftest"
	"github.com/goappfrontend/go-app/spec"
)

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

func TestCheckArchitectures(t *testing.T) {
	bins := elftest.Binaries(t)
	for _, built := range elftest.Arches {
		for _, target := range elftest.Arches {
			t.Run(built+" on "+target, func(t *testing.T) {
				exe, err := Check(bytes.NewReader(bins[built]), "/usr/local/bin/app", elftest.Linux(target), true)
				if built == target {
					if err != nil || exe.Interp != "" {
						t.Fatalf("a static %s binary for linux/%s: %+v, %v; want no problem", built, target, exe, err)
					}
					return
				}
				var be *Problem
				if !errors.As(err, &be) || be.Kind != WrongArch {
					t.Fatalf("err = %v, want an architecture problem", err)
				}
				want := fmt.Sprintf("binary /usr/local/bin/app is an ELF for %s (linux/%s) but the target platform is %s: the image would fail with \"exec format error\"",
					mustArch(t, built).Name, built, platforms.FormatAll(elftest.Linux(target)))
				if err.Error() != want {
					t.Errorf("message\n%s\nwant\n%s", err, want)
				}
			})
		}
	}
}

func mustArch(t *testing.T, goarch string) spec.Arch {
	a, ok := spec.ArchOf(goarch)
	if !ok {
		t.Fatalf("no ELF architecture for %s", goarch)
	}
	return a
}

// TestArchesHaveELF checks that every architecture a spec
// accepts has its ELF identity.
func TestArchesHaveELF(t *testing.T) {
	for _, p := range []string{"linux/amd64", "linux/amd64/v3", "linux/arm64", "linux/arm/v7", "linux/arm/v6", "linux/386",
		"linux/ppc64le", "linux/s390x", "linux/riscv64", "linux/loong64", "linux/mips64le"} {
		pp, err := spec.ParsePlatform(p)
		if err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		if _, ok := spec.ArchOf(pp.Architecture); !ok {
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

func TestCheckIdentityFields(t *testing.T) {
	amd64 := elftest.Binaries(t)["amd64"]
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
			_, err := Check(bytes.NewReader(tc.bin), "/usr/local/bin/app", elftest.Linux("amd64"), true)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want one containing %q", err, tc.want)
			}
		})
	}
}

func TestCheckDynamic(t *testing.T) {
	pie := elftest.Binaries(t)["pie"]
	_, err := Check(bytes.NewReader(pie), "/usr/local/bin/app", elftest.Linux("amd64"), true)
	want := `binary /usr/local/bin/app is dynamically linked (interpreter /lib64/ld-linux-x86-64.so.2) but runtime.base is scratch, which has no libc: it would fail with "no such file or directory"; build it static`
	var be *Problem
	if !errors.As(err, &be) || be.Kind != Dynamic || !strings.HasPrefix(err.Error(), want) {
		t.Fatalf("-buildmode=pie binary on scratch: err = %v\nwant a dynamic problem starting\n%s", err, want)
	}
	// On a base image the interpreter is the caller's to look for.
	exe, err := Check(bytes.NewReader(pie), "/usr/local/bin/app", elftest.Linux("amd64"), false)
	if err != nil || exe.Interp != "/lib64/ld-linux-x86-64.so.2" {
		t.Fatalf("on a base image: %+v, %v; want the interpreter and no error", exe, err)
	}
	exe, err = Check(bytes.NewReader([]byte("#!/usr/bin/env python3\n")), "/usr/local/bin/app", elftest.Linux("amd64"), false)
	if err != nil || exe.Interp != "/usr/bin/env" {
		t.Fatalf("script on a base image: %+v, %v", exe, err)
	}
}

func TestCheckGCC(t *testing.T) {
	bin := gccFixture(t)
	exe, err := Check(bytes.NewReader(bin), "/usr/local/bin/app", elftest.Linux(hostArch(t)), false)
	if err != nil || exe.Interp == "" {
		t.Fatalf("gcc binary on a base image: %+v, %v; want its interpreter", exe, err)
	}
	_, err = Check(bytes.NewReader(bin), "/usr/local/bin/app", elftest.Linux(hostArch(t)), true)
	if err == nil || !strings.Contains(err.Error(), "is dynamically linked (interpreter "+exe.Interp+") but runtime.base is scratch") {
		t.Fatalf("gcc binary on scratch: %v", err)
	}

	// The same binary with its PT_INTERP header turned into PT_NULL: no
	// interpreter, but it still needs libc.
	f, err := elf.NewFile(bytes.NewReader(bin))
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
	_, err = Check(bytes.NewReader(noInterp), "/usr/local/bin/app", elftest.Linux(hostArch(t)), true)
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
