// Package elfcheck tells whether a file can run as a program on a target
// platform, from its first bytes and its ELF headers only.
//
// An image whose binary is for another architecture, or needs a dynamic
// loader its base does not have, builds fine and fails only at `docker run`
// ("exec format error", "no such file or directory"). The frontend checks
// every binary of a solved image with [Check] and turns those failures into
// build errors; the e2e tests read binaries with [Headers] and [Interp].
//
//	exe, err := elfcheck.Check(r, "/usr/local/bin/server", target, true)
//	var p *elfcheck.Problem
//	if errors.As(err, &p) && p.Kind == elfcheck.WrongArch { ... }
package elfcheck

import (
	"bytes"
	"debug/elf"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/containerd/platforms"
	"github.com/goappfrontend/go-app/spec"
	ocispecs "github.com/opencontainers/image-spec/specs-go/v1"
)

// Kind is a kind of problem, which decides where in the spec to point.
type Kind int

// The kinds of Problem.
const (
	NotExecutable Kind = iota // not an executable for any machine
	WrongArch                 // an executable for another platform
	Dynamic                   // needs a loader or libraries the image has not
)

// Problem is a binary that would not run in the image. Its message says
// why, and what the image would fail with.
type Problem struct {
	Kind Kind
	Msg  string
}

func (p *Problem) Error() string { return p.Msg }

// Executable is what Check learned about a binary that passed.
type Executable struct {
	// Interp is the program interpreter the kernel loads first (PT_INTERP,
	// or the #! line of a script); "" for a static binary.
	Interp string
}

// Check checks that the file r, at file in the image, can run on target:
// an ELF executable of target's machine, class and byte order (see
// spec.Arches) and, when static is true (the runtime base is scratch,
// which has no libc), with neither a program interpreter nor shared
// libraries. A #! script passes only when static is false; its interpreter
// is returned for the caller to look for. It reads only the headers it
// needs through r. Its errors are a *Problem, or an error reading r.
func Check(r io.ReaderAt, file string, target ocispecs.Platform, static bool) (Executable, error) {
	plat := platforms.FormatAll(target)
	var magic [4]byte
	n, err := r.ReadAt(magic[:], 0)
	if err != nil && !errors.Is(err, io.EOF) {
		return Executable{}, fmt.Errorf("reading binary %s: %w", file, err)
	}
	head := magic[:n]
	if bytes.HasPrefix(head, []byte("#!")) {
		interp := scriptInterpreter(r)
		if static {
			return Executable{}, &Problem{NotExecutable, fmt.Sprintf(
				"binary %s is a script for %s but runtime.base is scratch, which has no interpreter for it: "+
					"it would fail with \"no such file or directory\"; ship a Go binary there or use a runtime.base that has %s",
				file, interp, interp)}
		}
		return Executable{Interp: interp}, nil
	}
	if !bytes.Equal(head, []byte(elf.ELFMAG)) {
		what := "it is empty"
		if n > 0 {
			what = fmt.Sprintf("it starts with %q", head)
		}
		return Executable{}, &Problem{NotExecutable, fmt.Sprintf(
			"binary %s is not an ELF executable (%s): the image would fail with \"exec format error\"; "+
				"make sure nothing replaces the output of go build there", file, what)}
	}
	f, err := Headers(r)
	if err != nil {
		return Executable{}, &Problem{NotExecutable, fmt.Sprintf(
			"binary %s is not a valid ELF file (%v): the image would fail with \"exec format error\"; "+
				"make sure nothing replaces the output of go build there", file, err)}
	}
	defer f.Close()

	want, known := spec.ArchOf(target.Architecture)
	if !known {
		return Executable{}, fmt.Errorf("go-app does not know the ELF machine of %s to check binary %s", plat, file)
	}
	if identOf(f) != want.ELF {
		return Executable{}, &Problem{WrongArch, fmt.Sprintf(
			"binary %s is an ELF for %s but the target platform is %s: the image would fail with \"exec format error\"",
			file, Describe(f), plat)}
	}
	if f.Type != elf.ET_EXEC && f.Type != elf.ET_DYN {
		return Executable{}, &Problem{NotExecutable, fmt.Sprintf(
			"binary %s is an ELF %v, not an executable: the image would fail with \"exec format error\"", file, f.Type)}
	}

	interp, err := Interp(f)
	if err != nil {
		return Executable{}, fmt.Errorf("reading the program interpreter of binary %s: %w", file, err)
	}
	if static {
		if err := staticProblem(r, f, file, interp); err != nil {
			return Executable{}, err
		}
	}
	return Executable{Interp: interp}, nil
}

// staticProblem is the problem of the ELF executable f (read from r, at
// file in the image) on scratch, which has no libc: a program interpreter,
// or shared libraries it needs; nil when it has neither.
func staticProblem(r io.ReaderAt, f *elf.File, file, interp string) error {
	if interp != "" {
		return &Problem{Dynamic, fmt.Sprintf(
			"binary %s is dynamically linked (interpreter %s) but runtime.base is scratch, which has no libc: "+
				"it would fail with \"no such file or directory\"; build it static (build.cgo false, "+
				"no -buildmode=pie or -linkmode=external in build.env GOFLAGS or build.ldflags) "+
				"or use a runtime.base with a libc", file, interp)}
	}
	if !slices.ContainsFunc(f.Progs, func(p *elf.Prog) bool { return p.Type == elf.PT_DYNAMIC }) {
		return nil // no dynamic section, so no shared libraries
	}
	// Rare: a dynamic section without an interpreter (a static PIE). Read
	// the sections to list the libraries it needs, if any.
	full, err := elf.NewFile(r)
	if err != nil {
		return &Problem{NotExecutable, fmt.Sprintf(
			"binary %s is not a valid ELF file (%v): the image would fail with \"exec format error\"", file, err)}
	}
	defer full.Close()
	needed, err := full.DynString(elf.DT_NEEDED)
	if err != nil {
		return &Problem{NotExecutable, fmt.Sprintf(
			"binary %s has an unreadable dynamic section (%v): the image would fail to run it", file, err)}
	}
	if len(needed) > 0 {
		return &Problem{Dynamic, fmt.Sprintf(
			"binary %s needs the shared libraries %s but runtime.base is scratch, which has none: "+
				"it would fail to start; build it static (build.cgo false) or use a runtime.base that has them",
			file, strings.Join(needed, ", "))}
	}
	return nil
}

// Headers opens the ELF file r as the kernel reads it to run it: the ELF
// header and the program headers, not the section headers. (With them
// debug/elf would also read the header of every compressed debug section,
// one more read each.) The sections of the file it returns are empty.
func Headers(r io.ReaderAt) (*elf.File, error) {
	return elf.NewFile(withoutSections(r))
}

// Interp returns the program interpreter an ELF file asks the kernel to
// load first (PT_INTERP): "" for a static binary, "(empty)" for an empty
// one.
func Interp(f *elf.File) (string, error) {
	interp := ""
	for _, p := range f.Progs {
		if p.Type != elf.PT_INTERP {
			continue
		}
		b := make([]byte, min(p.Filesz, 4096))
		if _, err := p.ReadAt(b, 0); err != nil && !errors.Is(err, io.EOF) {
			return "", err
		}
		interp = string(bytes.TrimRight(b, "\x00"))
		if interp == "" {
			interp = "(empty)"
		}
	}
	return interp, nil
}

// identOf is the ELF identity of f.
func identOf(f *elf.File) spec.ELFIdent {
	return spec.ELFIdent{Machine: f.Machine, Class: f.Class, Data: f.Data}
}

// otherArches are architectures Go builds for and go-app does not, so that
// a binary built for one of them is named.
var otherArches = []spec.Arch{
	{GOARCH: "ppc64", ELF: spec.ELFIdent{Machine: elf.EM_PPC64, Class: elf.ELFCLASS64, Data: elf.ELFDATA2MSB}, Name: "PowerPC 64 big-endian"},
	{GOARCH: "mips64", ELF: spec.ELFIdent{Machine: elf.EM_MIPS, Class: elf.ELFCLASS64, Data: elf.ELFDATA2MSB}, Name: "MIPS64 big-endian"},
	{GOARCH: "mipsle", ELF: spec.ELFIdent{Machine: elf.EM_MIPS, Class: elf.ELFCLASS32, Data: elf.ELFDATA2LSB}, Name: "MIPS little-endian"},
	{GOARCH: "mips", ELF: spec.ELFIdent{Machine: elf.EM_MIPS, Class: elf.ELFCLASS32, Data: elf.ELFDATA2MSB}, Name: "MIPS big-endian"},
}

// Describe names what an ELF file runs on: "x86-64 (linux/amd64)", or its
// raw machine, class and byte order when no GOARCH matches.
func Describe(f *elf.File) string {
	for _, a := range slices.Concat(spec.Arches, otherArches) {
		if a.ELF == identOf(f) {
			return fmt.Sprintf("%s (linux/%s)", a.Name, a.GOARCH)
		}
	}
	machine := f.Machine.String()
	if strings.Contains(machine, "+") { // not a machine debug/elf knows
		machine = fmt.Sprintf("machine %d", uint16(f.Machine))
	}
	bits, order := "64-bit", "little-endian"
	if f.Class == elf.ELFCLASS32 {
		bits = "32-bit"
	}
	if f.Data == elf.ELFDATA2MSB {
		order = "big-endian"
	}
	return fmt.Sprintf("%s, %s, %s", machine, bits, order)
}

// withoutSections shows debug/elf an ELF file without its section headers.
func withoutSections(r io.ReaderAt) io.ReaderAt {
	var ident [elf.EI_NIDENT]byte
	if _, err := r.ReadAt(ident[:], 0); err != nil {
		return r // let debug/elf report it
	}
	switch elf.Class(ident[elf.EI_CLASS]) {
	case elf.ELFCLASS64: // e_shoff; e_shentsize, e_shnum, e_shstrndx
		return &zeroedRanges{r, [][2]int64{{40, 48}, {58, 64}}}
	case elf.ELFCLASS32:
		return &zeroedRanges{r, [][2]int64{{32, 36}, {46, 52}}}
	}
	return r
}

// zeroedRanges reads as r with the bytes of some ranges [from, to) zero.
type zeroedRanges struct {
	r      io.ReaderAt
	ranges [][2]int64
}

func (z *zeroedRanges) ReadAt(p []byte, off int64) (int, error) {
	n, err := z.r.ReadAt(p, off)
	for _, rg := range z.ranges {
		for i := max(rg[0], off); i < min(rg[1], off+int64(n)); i++ {
			p[i-off] = 0
		}
	}
	return n, err
}

// scriptInterpreter is the interpreter named on a script's #! line.
func scriptInterpreter(r io.ReaderAt) string {
	b := make([]byte, 256)
	n, _ := r.ReadAt(b, 0)
	line, _, _ := bytes.Cut(b[2:max(n, 2)], []byte("\n"))
	if f := strings.Fields(string(line)); len(f) > 0 {
		return f[0]
	}
	return "(none)"
}
