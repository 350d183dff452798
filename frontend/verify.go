package frontend

import (
	"bytes"
	"context"
	"debug/elf"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"slices"
	"strings"

	"github.com/containerd/platforms"
	"github.com/goappfrontend/go-app/spec"
	"github.com/moby/buildkit/client/llb"
	"github.com/moby/buildkit/frontend/gateway/client"
	ocispecs "github.com/opencontainers/image-spec/specs-go/v1"
)

// An image whose binary is for another architecture, or needs a dynamic
// loader its base does not have, builds fine and fails only at `docker run`
// ("exec format error", "no such file or directory"). After solving each
// platform the frontend reads the ELF headers of every binary from the
// solved image and turns those failures into build errors.

// elfArch is the ELF identity of the executables of one GOARCH.
type elfArch struct {
	goarch  string
	machine elf.Machine
	class   elf.Class
	data    elf.Data
	name    string // the machine as people call it
}

// elfArches are the architectures go-app builds for (and a few Go knows
// besides), as the kernel checks them before running a file.
var elfArches = []elfArch{
	{"amd64", elf.EM_X86_64, elf.ELFCLASS64, elf.ELFDATA2LSB, "x86-64"},
	{"arm64", elf.EM_AARCH64, elf.ELFCLASS64, elf.ELFDATA2LSB, "AArch64"},
	{"arm", elf.EM_ARM, elf.ELFCLASS32, elf.ELFDATA2LSB, "32-bit ARM"},
	{"386", elf.EM_386, elf.ELFCLASS32, elf.ELFDATA2LSB, "x86 (32-bit)"},
	{"ppc64le", elf.EM_PPC64, elf.ELFCLASS64, elf.ELFDATA2LSB, "PowerPC 64 little-endian"},
	{"ppc64", elf.EM_PPC64, elf.ELFCLASS64, elf.ELFDATA2MSB, "PowerPC 64 big-endian"},
	{"s390x", elf.EM_S390, elf.ELFCLASS64, elf.ELFDATA2MSB, "IBM Z (s390x)"},
	{"riscv64", elf.EM_RISCV, elf.ELFCLASS64, elf.ELFDATA2LSB, "RISC-V 64"},
	{"loong64", elf.EM_LOONGARCH, elf.ELFCLASS64, elf.ELFDATA2LSB, "LoongArch 64"},
	{"mips64le", elf.EM_MIPS, elf.ELFCLASS64, elf.ELFDATA2LSB, "MIPS64 little-endian"},
	{"mips64", elf.EM_MIPS, elf.ELFCLASS64, elf.ELFDATA2MSB, "MIPS64 big-endian"},
	{"mipsle", elf.EM_MIPS, elf.ELFCLASS32, elf.ELFDATA2LSB, "MIPS little-endian"},
	{"mips", elf.EM_MIPS, elf.ELFCLASS32, elf.ELFDATA2MSB, "MIPS big-endian"},
}

// elfArchOf returns the architecture of a GOARCH.
func elfArchOf(goarch string) (elfArch, bool) {
	i := slices.IndexFunc(elfArches, func(a elfArch) bool { return a.goarch == goarch })
	if i < 0 {
		return elfArch{}, false
	}
	return elfArches[i], true
}

// describeELF names what an ELF file runs on: "x86-64 (linux/amd64)", or
// its raw machine, class and byte order when no GOARCH matches.
func describeELF(f *elf.File) string {
	for _, a := range elfArches {
		if a.machine == f.Machine && a.class == f.Class && a.data == f.Data {
			return fmt.Sprintf("%s (linux/%s)", a.name, a.goarch)
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

// Kinds of binary problems, which decide where in the spec to point.
const (
	problemNotExecutable = iota // not an executable for any machine
	problemArch                 // an executable for another platform
	problemDynamic              // needs a loader or libraries the image has not
)

// binaryError is a binary that would not run in the image.
type binaryError struct {
	kind int
	msg  string
}

func (e *binaryError) Error() string { return e.msg }

// executable is what checkExecutable learned about a binary that passed.
type executable struct {
	// Interp is the program interpreter the kernel loads first (PT_INTERP,
	// or the #! line of a script); "" for a static binary.
	Interp string
}

// checkExecutable checks that the file r, at file in the image, can run on
// target: an ELF executable of target's machine, class and byte order and,
// when static is true (the runtime base is scratch, which has no libc), with
// neither a program interpreter nor shared libraries. A #! script passes
// only when static is false; its interpreter is returned for the caller to
// look for. It reads only the headers it needs through r.
func checkExecutable(r io.ReaderAt, file string, target ocispecs.Platform, static bool) (executable, error) {
	plat := platforms.FormatAll(target)
	var magic [4]byte
	n, err := r.ReadAt(magic[:], 0)
	if err != nil && !errors.Is(err, io.EOF) {
		return executable{}, fmt.Errorf("reading binary %s: %w", file, err)
	}
	head := magic[:n]
	if bytes.HasPrefix(head, []byte("#!")) {
		interp := scriptInterpreter(r)
		if static {
			return executable{}, &binaryError{problemNotExecutable, fmt.Sprintf(
				"binary %s is a script for %s but runtime.base is scratch, which has no interpreter for it: "+
					"it would fail with \"no such file or directory\"; ship a Go binary there or use a runtime.base that has %s",
				file, interp, interp)}
		}
		return executable{Interp: interp}, nil
	}
	if !bytes.Equal(head, []byte(elf.ELFMAG)) {
		what := "it is empty"
		if n > 0 {
			what = fmt.Sprintf("it starts with %q", head)
		}
		return executable{}, &binaryError{problemNotExecutable, fmt.Sprintf(
			"binary %s is not an ELF executable (%s): the image would fail with \"exec format error\"; "+
				"make sure nothing replaces the output of go build there", file, what)}
	}
	f, err := elf.NewFile(withoutSections(r))
	if err != nil {
		return executable{}, &binaryError{problemNotExecutable, fmt.Sprintf(
			"binary %s is not a valid ELF file (%v): the image would fail with \"exec format error\"; "+
				"make sure nothing replaces the output of go build there", file, err)}
	}
	defer f.Close()

	want, known := elfArchOf(target.Architecture)
	if !known {
		return executable{}, fmt.Errorf("go-app does not know the ELF machine of %s to check binary %s", plat, file)
	}
	if f.Machine != want.machine || f.Class != want.class || f.Data != want.data {
		return executable{}, &binaryError{problemArch, fmt.Sprintf(
			"binary %s is an ELF for %s but the target platform is %s: the image would fail with \"exec format error\"",
			file, describeELF(f), plat)}
	}
	if f.Type != elf.ET_EXEC && f.Type != elf.ET_DYN {
		return executable{}, &binaryError{problemNotExecutable, fmt.Sprintf(
			"binary %s is an ELF %v, not an executable: the image would fail with \"exec format error\"", file, f.Type)}
	}

	var exe executable
	for _, p := range f.Progs {
		if p.Type != elf.PT_INTERP {
			continue
		}
		b := make([]byte, min(p.Filesz, 4096))
		if _, err := p.ReadAt(b, 0); err != nil && !errors.Is(err, io.EOF) {
			return executable{}, fmt.Errorf("reading the program interpreter of binary %s: %w", file, err)
		}
		exe.Interp = string(bytes.TrimRight(b, "\x00"))
		if exe.Interp == "" {
			exe.Interp = "(empty)"
		}
	}
	if !static {
		return exe, nil
	}
	if exe.Interp != "" {
		return executable{}, &binaryError{problemDynamic, fmt.Sprintf(
			"binary %s is dynamically linked (interpreter %s) but runtime.base is scratch, which has no libc: "+
				"it would fail with \"no such file or directory\"; build it static (build.cgo false, "+
				"no -buildmode=pie or -linkmode=external in build.env GOFLAGS or build.ldflags) "+
				"or use a runtime.base with a libc", file, exe.Interp)}
	}
	if !slices.ContainsFunc(f.Progs, func(p *elf.Prog) bool { return p.Type == elf.PT_DYNAMIC }) {
		return exe, nil // no dynamic section, so no shared libraries
	}
	// Rare: a dynamic section without an interpreter (a static PIE). Read
	// the sections to list the libraries it needs, if any.
	full, err := elf.NewFile(r)
	if err != nil {
		return executable{}, &binaryError{problemNotExecutable, fmt.Sprintf(
			"binary %s is not a valid ELF file (%v): the image would fail with \"exec format error\"", file, err)}
	}
	defer full.Close()
	needed, err := full.DynString(elf.DT_NEEDED)
	if err != nil {
		return executable{}, &binaryError{problemNotExecutable, fmt.Sprintf(
			"binary %s has an unreadable dynamic section (%v): the image would fail to run it", file, err)}
	}
	if len(needed) > 0 {
		return executable{}, &binaryError{problemDynamic, fmt.Sprintf(
			"binary %s needs the shared libraries %s but runtime.base is scratch, which has none: "+
				"it would fail to start; build it static (build.cgo false) or use a runtime.base that has them",
			file, strings.Join(needed, ", "))}
	}
	return exe, nil
}

// withoutSections shows debug/elf an ELF file without its section headers,
// so that it reads only what the kernel reads to run the file: the ELF
// header and the program headers. (With the section headers it would also
// read the header of every compressed debug section, one more read each.)
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

// refReader reads a file of a solved reference through ranged ReadFile
// calls, so that debug/elf fetches only the headers it looks at, not the
// whole binary. Reads are served from blocks of refReadBlock bytes, each
// fetched once.
type refReader struct {
	ctx    context.Context
	ref    client.Reference
	file   string
	blocks map[int64][]byte
	reads  int // ReadFile calls made
}

const refReadBlock = 16 << 10

func newRefReader(ctx context.Context, ref client.Reference, file string) *refReader {
	return &refReader{ctx: ctx, ref: ref, file: file, blocks: map[int64][]byte{}}
}

// ReadAt implements io.ReaderAt.
func (r *refReader) ReadAt(p []byte, off int64) (int, error) {
	if off < 0 {
		return 0, fmt.Errorf("read %s at negative offset %d", r.file, off)
	}
	n := 0
	for n < len(p) {
		pos := off + int64(n)
		b, err := r.block(pos / refReadBlock)
		if err != nil {
			return n, err
		}
		i := pos % refReadBlock
		if i >= int64(len(b)) {
			return n, io.EOF
		}
		n += copy(p[n:], b[i:])
	}
	return n, nil
}

func (r *refReader) block(i int64) ([]byte, error) {
	if b, ok := r.blocks[i]; ok {
		return b, nil
	}
	r.reads++
	b, err := r.ref.ReadFile(r.ctx, client.ReadRequest{
		Filename: r.file,
		Range:    &client.FileRange{Offset: int(i * refReadBlock), Length: refReadBlock},
	})
	if err != nil {
		return nil, err
	}
	r.blocks[i] = b
	return b, nil
}

// verifyBinaries checks every binary of a solved image for target (see
// checkExecutable): on scratch they must be static; on a base image the
// interpreter they need must be in the image. Its errors say what to change
// and point at the binary's place in the spec and at the spec values that
// may have caused the problem.
func verifyBinaries(ctx context.Context, ref client.Reference, s *spec.Spec, sm *llb.SourceMap, bins map[string]string, target ocispecs.Platform) error {
	if ref == nil {
		return nil
	}
	// Solve first: a failing step (a compile error) must fail the build
	// with its own error, not as a binary that cannot be read.
	if err := ref.Evaluate(ctx); err != nil {
		return err
	}
	static := s.Runtime.Base == spec.DefaultBase
	for _, b := range s.Binaries {
		file, ok := bins[b.Name]
		if !ok {
			continue
		}
		fail := func(be *binaryError) error {
			return withSpecSource(errors.New(explain(s, b, file, be)), sm, atBinary(s, b, file, be.kind)...)
		}
		st, err := ref.StatFile(ctx, client.StatRequest{Path: file})
		if err != nil {
			return fail(&binaryError{problemNotExecutable, fmt.Sprintf("binary %s is missing from the image (%v)", file, err)})
		}
		switch mode := os.FileMode(st.Mode); {
		case mode.IsDir():
			return fail(&binaryError{problemNotExecutable, fmt.Sprintf("binary %s is a directory in the image", file)})
		case mode.IsRegular() && mode.Perm()&0o111 == 0:
			return fail(&binaryError{problemNotExecutable, fmt.Sprintf(
				"binary %s is not executable (mode %04o): the image would fail with \"permission denied\"", file, mode.Perm())})
		}
		exe, err := checkExecutable(newRefReader(ctx, ref, file), file, target, static)
		if be := (*binaryError)(nil); errors.As(err, &be) {
			return fail(be)
		} else if err != nil {
			return err
		}
		if exe.Interp == "" || static {
			continue
		}
		if _, err := ref.StatFile(ctx, client.StatRequest{Path: exe.Interp}); err != nil {
			return fail(&binaryError{problemDynamic, fmt.Sprintf(
				"binary %s needs the interpreter %s, which runtime.base %s does not have: "+
					"it would fail with \"no such file or directory\"; build it static (build.cgo false) "+
					"or use a runtime.base with the libc it was built against", file, exe.Interp, s.Runtime.Base)})
		}
	}
	return nil
}

// overlappingFiles are the runtime.files entries whose destination is file
// or a directory above it: they are copied after the binaries and may have
// replaced it.
func overlappingFiles(s *spec.Spec, file string) []int {
	var idx []int
	for i, f := range s.Runtime.Files {
		dst := path.Clean(f.Dst)
		if dst == file || strings.HasPrefix(file, strings.TrimSuffix(dst, "/")+"/") {
			idx = append(idx, i)
		}
	}
	return idx
}

// explain adds to a binary problem what in the spec to change.
func explain(s *spec.Spec, b spec.Binary, file string, be *binaryError) string {
	msg := be.msg
	if files := overlappingFiles(s, file); len(files) > 0 {
		var names []string
		for _, i := range files {
			names = append(names, fmt.Sprintf("runtime.files.%d (src %s, dst %s)", i, s.Runtime.Files[i].Src, s.Runtime.Files[i].Dst))
		}
		verb, what := " replaces", "that entry"
		if len(names) > 1 {
			verb, what = " replace", "those entries"
		}
		return msg + "; " + strings.Join(names, " and ") + verb + " it (runtime.files are copied after the binaries): remove " + what + " or give it another dst"
	}
	if be.kind == problemArch {
		return msg + "; go-app sets GOOS and GOARCH for every target, so check build.env and build.ldflags for settings that change what " + b.Main + " is built for"
	}
	return msg
}

// atBinary are the spec positions of a binary problem: the binary, the
// runtime.files entries that overlap it, and for a dynamic binary the
// settings that can make one.
func atBinary(s *spec.Spec, b spec.Binary, file string, kind int) []spec.Position {
	at := []spec.Position{b.Pos}
	for _, i := range overlappingFiles(s, file) {
		at = append(at, s.Runtime.Files[i].Pos)
	}
	if kind == problemDynamic {
		for _, key := range []string{"build.env.GOFLAGS", "build.ldflags", "build.cgo"} {
			if p := s.Source.Pos(key); p.Line > 0 {
				at = append(at, p)
			}
		}
	}
	return at
}
