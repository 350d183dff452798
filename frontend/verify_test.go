package frontend

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/goappfrontend/go-app/internal/elfcheck"
	"github.com/goappfrontend/go-app/internal/elfcheck/elftest"
	"github.com/goappfrontend/go-app/spec"
	"github.com/moby/buildkit/client/llb"
	"github.com/moby/buildkit/frontend/dockerui"
	"github.com/moby/buildkit/frontend/gateway/client"
	"github.com/moby/buildkit/solver/errdefs"
	ocispecs "github.com/opencontainers/image-spec/specs-go/v1"
	fstypes "github.com/tonistiigi/fsutil/types"
)

// fakeRef is a solved reference holding files in memory. It counts the
// ReadFile calls and bytes.
type fakeRef struct {
	client.Reference
	files map[string][]byte
	modes map[string]os.FileMode
	// xattrs are the extended attributes of files.
	xattrs map[string]map[string][]byte
	err    error // of Evaluate: the solve failed
	mu     sync.Mutex
	calls  int
	bytes  int
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
	return &fstypes.Stat{Path: req.Path, Mode: uint32(mode), Size: int64(len(b)), Xattrs: r.xattrs[req.Path]}, nil
}

func TestRefReaderReadsOnlyHeaders(t *testing.T) {
	for _, name := range []string{"arm64", "unstripped", "pie"} {
		bin := elftest.Binaries(t)[name]
		ref := &fakeRef{files: map[string][]byte{"/usr/local/bin/app": bin}}
		target := elftest.Linux("arm64")
		if name == "pie" {
			target = elftest.Linux("amd64")
		}
		start := time.Now()
		_, err := elfcheck.Check(newRefReader(context.Background(), ref, "/usr/local/bin/app"), "/usr/local/bin/app", target, name != "pie")
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
		errOK := errors.Is(err, tc.err) || err == nil && tc.err == nil
		if n != wantN || !errOK {
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
	bins := elftest.Binaries(t)
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
			// A directory copied over /usr/local/bin: the spec cannot know
			// what it holds (a file copied to a binary's path is refused
			// when the spec is loaded).
			name:   "replaced by runtime.files",
			yaml:   "# syntax=x\nmain: ./cmd/api\nruntime:\n  files:\n    - src: bin\n      dst: /usr/local\n    - src: conf\n      dst: /etc/app/\n",
			target: "arm64",
			files:  map[string][]byte{"/usr/local/bin/api": amd64},
			want:   `binary /usr/local/bin/api is an ELF for x86-64 (linux/amd64) but the target platform is linux/arm64: the image would fail with "exec format error"; runtime.files.0 (src bin, dst /usr/local) replaces it (runtime.files are copied after the binaries): remove that entry or give it another dst`,
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
			lines:  []int{2, 4},
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
			err := verifyBinaries(context.Background(), ref, s, sm, binPaths(s), elftest.Linux(tc.target))
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
	err := verifyBinaries(context.Background(), &fakeRef{err: solveErr}, s, sm, binPaths(s), elftest.Linux("amd64"))
	if err != solveErr {
		t.Fatalf("err = %v, want the solve error unchanged", err)
	}
}

// TestRecoverBuildFunc checks that a panic in the build function of one
// platform, which dockerui runs in a goroutine of its own, becomes an error
// of the build instead of a crash of the frontend.
func TestRecoverBuildFunc(t *testing.T) {
	bc := &dockerui.Client{}
	bc.TargetPlatforms = []ocispecs.Platform{elftest.Linux("amd64"), elftest.Linux("arm64")}
	_, err := bc.Build(context.Background(), recoverBuildFunc(func(ctx context.Context, p *ocispecs.Platform, idx int) (*dockerui.BuildResult, error) {
		panic("boom on " + p.Architecture)
	}))
	if err == nil || !strings.Contains(err.Error(), "internal error: boom on") {
		t.Fatalf("err = %v, want the panic as an error", err)
	}
}
