package frontend

import (
	"bytes"
	"context"
	"errors"
	"io"
	"io/fs"
	"os"
	"path"
	"sync"
	"time"

	"github.com/goappfrontend/go-app/internal/imports"
	"github.com/goappfrontend/go-app/spec"
	"github.com/moby/buildkit/client/llb"
	"github.com/moby/buildkit/frontend/gateway/client"
	ocispecs "github.com/opencontainers/image-spec/specs-go/v1"
	fstypes "github.com/tonistiigi/fsutil/types"
)

// maxSourceRead is how much of one .go file the import scan reads: the
// package clause and imports come first.
const maxSourceRead = 256 << 10

// dependencyScan finds, per target platform, the packages the binaries
// import from outside the main module (llb.Options.Dependencies). It reads
// the build context the build copies anyway. A scan that fails leaves the
// list empty: go build then compiles everything itself, as it always could.
type dependencyScan struct {
	fsys fs.FS
	mods []imports.Module
	spec *spec.Spec
}

// newDependencyScan returns nil when there is nothing to scan: a vendored
// build, or no module in source.
func newDependencyScan(ctx context.Context, c client.Client, buildCtx llb.State, mod *module, s *spec.Spec) *dependencyScan {
	if mod.Vendor || len(mod.Modules) == 0 {
		return nil
	}
	fsys, err := solveContext(ctx, c, buildCtx)
	if err != nil {
		return nil
	}
	return &dependencyScan{fsys: fsys, mods: mod.sources(), spec: s}
}

// solveContext solves the build context and returns it as a file system
// read through the gateway.
func solveContext(ctx context.Context, c client.Client, buildCtx llb.State) (*refFS, error) {
	def, err := buildCtx.Marshal(ctx)
	if err != nil {
		return nil, err
	}
	res, err := c.Solve(ctx, client.SolveRequest{Definition: def.ToPB()})
	if err != nil {
		return nil, err
	}
	ref, err := res.SingleRef()
	if err != nil {
		return nil, err
	}
	if ref == nil {
		return nil, errors.New("the build context is empty")
	}
	return &refFS{ctx: ctx, ref: ref, files: map[string][]byte{}, dirs: map[string][]fs.DirEntry{}, stats: map[string]fs.FileInfo{}}, nil
}

// forPlatform returns the dependencies of the binaries on p.
func (d *dependencyScan) forPlatform(p ocispecs.Platform) []string {
	if d == nil {
		return nil
	}
	mains := make([]string, 0, len(d.spec.Binaries))
	for _, b := range d.spec.Binaries {
		mains = append(mains, path.Join(d.spec.ModuleDir(), b.Main))
	}
	deps, err := imports.ExternalOf(d.fsys, d.mods, mains, imports.Config{
		GOOS: p.OS, GOARCH: p.Architecture, Tags: d.spec.Build.Tags, Cgo: d.spec.Build.Cgo,
	})
	if err != nil {
		return nil
	}
	return deps
}

// refFS is a gateway reference as an fs.FS (read-only, what go/build needs).
// It keeps what it read, so that the scans of the other target platforms
// read nothing again through the gateway.
type refFS struct {
	ctx   context.Context
	ref   client.Reference
	mu    sync.Mutex
	files map[string][]byte
	dirs  map[string][]fs.DirEntry
	stats map[string]fs.FileInfo
}

// refPath is an fs.FS name as a path in the reference.
func refPath(name string) string {
	if name == "." {
		return "/"
	}
	return name
}

func (f *refFS) Stat(name string) (fs.FileInfo, error) {
	if !fs.ValidPath(name) {
		return nil, &fs.PathError{Op: "stat", Path: name, Err: fs.ErrInvalid}
	}
	f.mu.Lock()
	fi, ok := f.stats[name]
	f.mu.Unlock()
	if ok {
		return fi, nil
	}
	st, err := f.ref.StatFile(f.ctx, client.StatRequest{Path: refPath(name)})
	if err != nil {
		return nil, &fs.PathError{Op: "stat", Path: name, Err: fs.ErrNotExist}
	}
	fi = statInfo{st}
	f.mu.Lock()
	f.stats[name] = fi
	f.mu.Unlock()
	return fi, nil
}

func (f *refFS) ReadDir(name string) ([]fs.DirEntry, error) {
	if !fs.ValidPath(name) {
		return nil, &fs.PathError{Op: "readdir", Path: name, Err: fs.ErrInvalid}
	}
	f.mu.Lock()
	out, ok := f.dirs[name]
	f.mu.Unlock()
	if ok {
		return out, nil
	}
	sts, err := f.ref.ReadDir(f.ctx, client.ReadDirRequest{Path: refPath(name)})
	if err != nil {
		return nil, &fs.PathError{Op: "readdir", Path: name, Err: fs.ErrNotExist}
	}
	out = make([]fs.DirEntry, 0, len(sts))
	for _, st := range sts {
		out = append(out, fs.FileInfoToDirEntry(statInfo{st}))
	}
	f.mu.Lock()
	f.dirs[name] = out
	f.mu.Unlock()
	return out, nil
}

func (f *refFS) Open(name string) (fs.File, error) {
	fi, err := f.Stat(name)
	if err != nil {
		return nil, err
	}
	if !fi.Mode().IsRegular() {
		return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrInvalid}
	}
	f.mu.Lock()
	dt, ok := f.files[name]
	f.mu.Unlock()
	if !ok {
		if dt, err = f.ref.ReadFile(f.ctx, client.ReadRequest{Filename: name, Range: &client.FileRange{Length: maxSourceRead}}); err != nil {
			return nil, &fs.PathError{Op: "open", Path: name, Err: err}
		}
		f.mu.Lock()
		f.files[name] = dt
		f.mu.Unlock()
	}
	return &memFile{Reader: bytes.NewReader(dt), info: fi}, nil
}

// memFile is a file read whole.
type memFile struct {
	*bytes.Reader
	info fs.FileInfo
}

func (m *memFile) Stat() (fs.FileInfo, error) { return m.info, nil }
func (m *memFile) Close() error               { return nil }

var _ io.Reader = (*memFile)(nil)

// statInfo is an fsutil stat as an fs.FileInfo.
type statInfo struct{ st *fstypes.Stat }

func (s statInfo) Name() string       { return path.Base(s.st.Path) }
func (s statInfo) Size() int64        { return s.st.Size }
func (s statInfo) Mode() fs.FileMode  { return os.FileMode(s.st.Mode) }
func (s statInfo) ModTime() time.Time { return time.Unix(0, s.st.ModTime) }
func (s statInfo) IsDir() bool        { return s.Mode().IsDir() }
func (s statInfo) Sys() any           { return s.st }
