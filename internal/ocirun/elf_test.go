package ocirun

import (
	"bytes"
	"debug/elf"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"testing"

	"github.com/goappfrontend/go-app/internal/ocirun/ocitest"
)

// fakeELF builds a minimal ELF file (see ocitest.ELF).
func fakeELF(t *testing.T, class elf.Class, machine elf.Machine, interp string, needed ...string) []byte {
	t.Helper()
	b, err := ocitest.ELF(class, machine, interp, needed...)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestCheckStaticELF(t *testing.T) {
	for _, tc := range []struct {
		name    string
		bin     []byte
		goarch  string
		wantErr string // "" for none
	}{
		{"amd64 static", fakeELF(t, elf.ELFCLASS64, elf.EM_X86_64, ""), "amd64", ""},
		{"arm64 static", fakeELF(t, elf.ELFCLASS64, elf.EM_AARCH64, ""), "arm64", ""},
		{"arm static", fakeELF(t, elf.ELFCLASS32, elf.EM_ARM, ""), "arm", ""},
		{"amd64 binary for arm64", fakeELF(t, elf.ELFCLASS64, elf.EM_X86_64, ""), "arm64", "machine EM_X86_64, want EM_AARCH64"},
		{"32-bit for arm64", fakeELF(t, elf.ELFCLASS32, elf.EM_AARCH64, ""), "arm64", "class ELFCLASS32, want ELFCLASS64"},
		{"interpreter", fakeELF(t, elf.ELFCLASS64, elf.EM_X86_64, "/lib64/ld-linux-x86-64.so.2"), "amd64", `program interpreter "/lib64/ld-linux-x86-64.so.2"`},
		{"needed", fakeELF(t, elf.ELFCLASS64, elf.EM_AARCH64, "", "libc.so.6", "libm.so.6"), "arm64", "shared libraries [libc.so.6 libm.so.6]"},
		{"not elf", []byte("#!/bin/sh\necho hi\n"), "amd64", "not an ELF file"},
		{"unknown goarch", fakeELF(t, elf.ELFCLASS64, elf.EM_X86_64, ""), "pdp11", "unknown GOARCH"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := CheckStaticELF(bytes.NewReader(tc.bin), tc.goarch)
			switch {
			case tc.wantErr == "" && err != nil:
				t.Fatalf("unexpected error: %v", err)
			case tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)):
				t.Fatalf("error %v, want one containing %q", err, tc.wantErr)
			}
		})
	}
}

func TestInspectELFNeeded(t *testing.T) {
	info, err := InspectELF(bytes.NewReader(fakeELF(t, elf.ELFCLASS64, elf.EM_X86_64, "/lib/ld.so", "libc.so.6")))
	if err != nil {
		t.Fatal(err)
	}
	if info.Interp != "/lib/ld.so" || len(info.Needed) != 1 || info.Needed[0] != "libc.so.6" {
		t.Fatalf("info %+v", info)
	}
}

func TestCheckStaticELFRealBinaries(t *testing.T) {
	// Other GOARCHes are covered by fakeELF above and by the arm64 probe
	// of TestRunProbeEmulated; compiling a second standard library here
	// would only cost time.
	static, err := os.Open(ocitest.BuildProbe(t, runtime.GOARCH, false))
	if err != nil {
		t.Fatal(err)
	}
	info, err := CheckStaticELF(static, runtime.GOARCH)
	static.Close()
	if err != nil {
		t.Errorf("static %s probe: %v (%+v)", runtime.GOARCH, err, info)
	}

	if _, err := exec.LookPath("gcc"); err != nil {
		t.Skip("no gcc: cannot build a dynamically linked probe")
	}
	f, err := os.Open(ocitest.BuildProbe(t, runtime.GOARCH, true))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if info, err := CheckStaticELF(f, runtime.GOARCH); err == nil {
		t.Errorf("cgo probe passed as static: %+v", info)
	}
}
