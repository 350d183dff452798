package frontend

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"strings"

	"github.com/containerd/platforms"
	"github.com/goappfrontend/go-app/internal/elfcheck"
	"github.com/goappfrontend/go-app/spec"
	"github.com/moby/buildkit/client/llb"
	"github.com/moby/buildkit/frontend/gateway/client"
	ocispecs "github.com/opencontainers/image-spec/specs-go/v1"
)

// After solving each platform the frontend reads the ELF headers of every
// binary from the solved image (see package elfcheck) and turns a binary
// that would not run there into a build error.

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
// elfcheck.Check): on scratch they must be static; on a base image the
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
		fail := func(be *elfcheck.Problem) error {
			return withSpecSource(errors.New(explain(s, b, file, be)), sm, atBinary(s, b, file, be.Kind)...)
		}
		st, err := ref.StatFile(ctx, client.StatRequest{Path: file})
		if err != nil {
			return fail(&elfcheck.Problem{Kind: elfcheck.NotExecutable, Msg: fmt.Sprintf("binary %s is missing from the image (%v)", file, err)})
		}
		switch mode := os.FileMode(st.Mode); {
		case mode.IsDir():
			return fail(&elfcheck.Problem{Kind: elfcheck.NotExecutable, Msg: fmt.Sprintf("binary %s is a directory in the image", file)})
		case mode.IsRegular() && mode.Perm()&0o111 == 0:
			return fail(&elfcheck.Problem{Kind: elfcheck.NotExecutable, Msg: fmt.Sprintf(
				"binary %s is not executable (mode %04o): the image would fail with \"permission denied\"", file, mode.Perm())})
		}
		rr := newRefReader(ctx, ref, file)
		exe, err := elfcheck.Check(rr, file, target, static)
		if be := (*elfcheck.Problem)(nil); errors.As(err, &be) {
			return fail(be)
		} else if err != nil {
			return err
		}
		if msg, err := fipsProblem(rr, s, file); err != nil {
			return err
		} else if msg != "" {
			return withSpecSource(errors.New(msg), sm, b.Pos, s.Source.Pos("build.env.GOFIPS140"), s.Source.Pos("go.image"), s.Source.Pos("go.version"))
		}
		if exe.Interp == "" || static {
			continue
		}
		if _, err := ref.StatFile(ctx, client.StatRequest{Path: exe.Interp}); err != nil {
			return fail(&elfcheck.Problem{Kind: elfcheck.Dynamic, Msg: fmt.Sprintf(
				"binary %s needs the interpreter %s, which runtime.base %s does not have: "+
					"it would fail with \"no such file or directory\"; build it static (build.cgo false, or build.cgo_link static) "+
					"or use a runtime.base with the libc it was built against", file, exe.Interp, s.Runtime.Base)})
		}
		if p, err := librariesProblem(ctx, ref, rr, s, file, target); err != nil {
			return err
		} else if p != nil {
			return fail(p)
		}
	}
	return nil
}

// librariesProblem checks that every shared library a dynamic binary
// needs (DT_NEEDED, and theirs in turn) is in the image for the target's
// architecture, where the dynamic loader looks (elfcheck.LibraryDirs and
// the run paths), as the loader would find them at start.
func librariesProblem(ctx context.Context, ref client.Reference, bin *refReader, s *spec.Spec, file string, target ocispecs.Platform) (*elfcheck.Problem, error) {
	a, ok := spec.ArchOf(target.Architecture)
	if !ok {
		return nil, nil
	}
	needed, runpath, err := elfcheck.Needed(bin)
	if err != nil {
		return nil, fmt.Errorf("reading the dynamic section of binary %s: %w", file, err)
	}
	open := func(p string) (io.ReaderAt, bool, error) {
		if _, err := ref.ReadFile(ctx, client.ReadRequest{Filename: p, Range: &client.FileRange{Length: 4}}); err != nil {
			return nil, false, nil //nolint:nilerr // not there, or not a file: the loader skips it too
		}
		return newRefReader(ctx, ref, p), true, nil
	}
	_, missing, err := elfcheck.Resolve(open, a, needed, runpath, elfcheck.LibraryDirs(a))
	if err != nil || len(missing) == 0 {
		return nil, err
	}
	lib := missing[0]
	fix := "add the package that has it to build.cgo_packages (go-app copies the shared libraries of those packages that the binary needs into the image), or link statically (remove build.cgo_link: dynamic)"
	if elfcheck.GlibcLibrary(lib) {
		fix = "it is part of glibc: use a runtime.base with glibc, like gcr.io/distroless/base-debian12 or debian:12-slim, or link statically (remove build.cgo_link: dynamic)"
	}
	return &elfcheck.Problem{Kind: elfcheck.Dynamic, Msg: fmt.Sprintf(
		"binary %s needs the shared library %s, which is not in the image for %s (runtime.base %s): "+
			"it would fail with \"error while loading shared libraries: %s: cannot open shared object file: No such file or directory\"; %s",
		file, lib, platforms.Format(target), s.Runtime.Base, lib, fix)}, nil
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
func explain(s *spec.Spec, b spec.Binary, file string, be *elfcheck.Problem) string {
	msg := be.Msg
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
	if be.Kind == elfcheck.WrongArch {
		return msg + "; go-app sets GOOS and GOARCH for every target, so check build.env and build.ldflags for settings that change what " + b.Main + " is built for"
	}
	return msg
}

// atBinary are the spec positions of a binary problem: the binary, the
// runtime.files entries that overlap it, and for a dynamic binary the
// settings that can make one.
func atBinary(s *spec.Spec, b spec.Binary, file string, kind elfcheck.Kind) []spec.Position {
	at := []spec.Position{b.Pos}
	for _, i := range overlappingFiles(s, file) {
		at = append(at, s.Runtime.Files[i].Pos)
	}
	if kind == elfcheck.Dynamic {
		for _, key := range []string{"build.env.GOFLAGS", "build.ldflags", "build.flags", "build.cgo", "build.cgo_packages", "build.cgo_link", "runtime.base"} {
			if p := s.Source.Pos(key); p.Line > 0 {
				at = append(at, p)
			}
		}
	}
	return at
}
