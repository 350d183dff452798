package frontend

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path"
	"slices"
	"strings"
	"testing"

	"github.com/goappfrontend/go-app/internal/localmods"
	"github.com/goappfrontend/go-app/internal/mainpkg"
	"github.com/goappfrontend/go-app/spec"
	"github.com/moby/buildkit/client/llb"
	"github.com/moby/buildkit/frontend/gateway/client"
	fstypes "github.com/tonistiigi/fsutil/types"
)

// Go files of the tests.
const (
	mainGo = "package main\n\nfunc main() {}\n"
	libGo  = "package lib\n\nfunc F() {}\n"
	testGo = "package main\n\nimport \"testing\"\n\nfunc TestX(t *testing.T) {}\n"
)

// treeRef is a file tree served like a client.Reference: files by path,
// directories implied by them, and a record of what was read.
type treeRef struct {
	files map[string]string
	links []string // paths that are symbolic links
	reads []client.ReadRequest
}

func (r *treeRef) ReadFile(_ context.Context, req client.ReadRequest) ([]byte, error) {
	r.reads = append(r.reads, req)
	body, ok := r.files[req.Filename]
	if !ok {
		return nil, os.ErrNotExist
	}
	if req.Range != nil && req.Range.Length < len(body) {
		body = body[:req.Range.Length]
	}
	return []byte(body), nil
}

func (r *treeRef) ReadDir(_ context.Context, req client.ReadDirRequest) ([]*fstypes.Stat, error) {
	dir := strings.Trim(req.Path, "/")
	seen := map[string]bool{}
	var list []*fstypes.Stat
	for p := range r.files {
		rel := p
		if dir != "" {
			var ok bool
			if rel, ok = strings.CutPrefix(p, dir+"/"); !ok {
				continue
			}
		}
		name, _, isDir := strings.Cut(rel, "/")
		if seen[name] {
			continue
		}
		if req.IncludePattern != "" && !isDir {
			if ok, _ := path.Match(req.IncludePattern, name); !ok {
				continue
			}
		}
		seen[name] = true
		mode := uint32(0o644)
		switch {
		case isDir:
			mode = uint32(os.ModeDir | 0o755)
		case slices.Contains(r.links, p):
			mode = uint32(os.ModeSymlink | 0o777)
		}
		list = append(list, &fstypes.Stat{Path: name, Mode: mode})
	}
	if len(list) == 0 && dir != "" {
		return nil, errors.New("no such directory: " + dir)
	}
	slices.SortFunc(list, func(a, b *fstypes.Stat) int { return strings.Compare(a.Path, b.Path) })
	return list, nil
}

func TestReadGoSources(t *testing.T) {
	big := "package main\n\n// " + strings.Repeat("x", 2*mainpkg.MaxHead) + "\n"
	ref := &treeRef{
		files: map[string]string{
			"main.go":                mainGo,
			"main_test.go":           testGo,
			"main_windows.go":        mainGo,
			"big.go":                 big,
			"link.go":                mainGo,
			"cmd/api/main.go":        mainGo,
			"cmd/api/main_test.go":   testGo,
			"cmd/worker/worker.go":   mainGo,
			"cmd/README.md":          "read me\n",
			"internal/x/x.go":        libGo,
			"cmd/api/v2/main.go":     mainGo,
			"cmd/worker/_scratch.go": mainGo,
		},
		links: []string{"link.go"},
	}
	files, err := readGoSources(context.Background(), ref, mainpkg.Config{}, ".")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, f := range files {
		got = append(got, f.Path)
		if want := ref.files[f.Path]; len(want) > mainpkg.MaxHead && string(f.Head) != want[:mainpkg.MaxHead] || len(want) <= mainpkg.MaxHead && string(f.Head) != want {
			t.Errorf("%s: read %d bytes, want its first %d", f.Path, len(f.Head), min(len(want), mainpkg.MaxHead))
		}
	}
	slices.Sort(got)
	if want := []string{"big.go", "cmd/api/main.go", "cmd/worker/worker.go", "main.go"}; !slices.Equal(got, want) {
		t.Errorf("read %q, want %q", got, want)
	}
	if len(ref.reads) != len(got) {
		t.Errorf("%d reads for %d files: files go build never compiles are read too", len(ref.reads), len(got))
	}
	for _, req := range ref.reads {
		if req.Range == nil || req.Range.Offset != 0 || req.Range.Length != mainpkg.MaxHead {
			t.Errorf("read %s with range %+v, want the first %d bytes", req.Filename, req.Range, mainpkg.MaxHead)
		}
	}
	if main, err := mainpkg.Detect(files, mainpkg.Config{}, "go-app.yaml"); err != nil || main != "." {
		t.Errorf("mainpkg.Detect = %q, %v; want .", main, err)
	}

	// Without cmd, the root alone is listed and read.
	ref = &treeRef{files: map[string]string{"server.go": mainGo, "go.mod": "module x\n"}}
	files, err = readGoSources(context.Background(), ref, mainpkg.Config{}, ".")
	if err != nil || len(files) != 1 || files[0].Path != "server.go" {
		t.Errorf("readGoSources = %v, %v; want server.go", files, err)
	}
}

// TestFindMainLeavesSetSpecsAlone checks that a spec with main or binaries
// reads nothing: findMain must not touch the (here nil) client.
func TestFindMainLeavesSetSpecsAlone(t *testing.T) {
	for _, s := range []*spec.Spec{{Main: "./cmd/x"}, {Binaries: []spec.Binary{{Main: "."}}}} {
		before := fmt.Sprint(*s)
		if err := findMain(context.Background(), nil, llb.Scratch(), s, &module{&localmods.Layout{}}, nil); err != nil {
			t.Errorf("findMain(%s): %v", before, err)
		}
		if after := fmt.Sprint(*s); after != before {
			t.Errorf("findMain changed the spec: %s, was %s", after, before)
		}
	}
}
