package frontend

import (
	"errors"

	"github.com/moby/buildkit/client/llb"
	"github.com/moby/buildkit/solver/errdefs"
	"strings"
	"testing"
	"time"

	"github.com/goappfrontend/go-app/spec"
	"github.com/moby/buildkit/frontend/dockerui"
	ocispecs "github.com/opencontainers/image-spec/specs-go/v1"
)

func TestSetTargetPlatforms(t *testing.T) {
	s := &spec.Spec{Platforms: []string{"linux/amd64", "linux/arm"}}

	bc := &dockerui.Client{}
	if err := setTargetPlatforms(bc, s); err != nil {
		t.Fatal(err)
	}
	want := []ocispecs.Platform{{OS: "linux", Architecture: "amd64"}, {OS: "linux", Architecture: "arm", Variant: "v7"}}
	if len(bc.TargetPlatforms) != 2 || bc.TargetPlatforms[0].Architecture != want[0].Architecture ||
		bc.TargetPlatforms[1].Variant != "v7" || !bc.MultiPlatformRequested {
		t.Errorf("targets = %v, multi = %v; want %v, true", bc.TargetPlatforms, bc.MultiPlatformRequested, want)
	}

	// The caller's --platform wins over the spec.
	bc = &dockerui.Client{}
	bc.TargetPlatforms = []ocispecs.Platform{{OS: "linux", Architecture: "arm64"}}
	if err := setTargetPlatforms(bc, s); err != nil {
		t.Fatal(err)
	}
	if len(bc.TargetPlatforms) != 1 || bc.TargetPlatforms[0].Architecture != "arm64" || bc.MultiPlatformRequested {
		t.Errorf("targets = %v, multi = %v; want the caller's linux/arm64 only", bc.TargetPlatforms, bc.MultiPlatformRequested)
	}

	// A platform go-app cannot build for is an error that names the flag.
	bc = &dockerui.Client{}
	bc.TargetPlatforms = []ocispecs.Platform{{OS: "windows", Architecture: "amd64"}}
	err := setTargetPlatforms(bc, s)
	if err == nil || !strings.Contains(err.Error(), "--platform") || !strings.Contains(err.Error(), "windows/amd64") {
		t.Errorf("err = %v, want a --platform error naming windows/amd64", err)
	}
}

func TestParseEpoch(t *testing.T) {
	if e, err := parseEpoch(""); e != nil || err != nil {
		t.Errorf("empty: %v, %v", e, err)
	}
	e, err := parseEpoch("1700000000")
	if err != nil || !e.Equal(time.Unix(1700000000, 0)) {
		t.Errorf("1700000000: %v, %v", e, err)
	}
	if _, err := parseEpoch("yesterday"); err == nil || !strings.Contains(err.Error(), "SOURCE_DATE_EPOCH") {
		t.Errorf("bad value: %v", err)
	}
}

func TestRecoverPanic(t *testing.T) {
	f := func() (err error) {
		defer recoverPanic(&err)
		var m map[string]int
		m["x"] = 1 //nolint:staticcheck // the panic is the point
		return nil
	}
	if err := f(); err == nil || !strings.Contains(err.Error(), "internal error") {
		t.Fatalf("err = %v, want the panic as an error", err)
	}
}

func TestWithSpecSource(t *testing.T) {
	data := []byte("# syntax=x\nmain: ./cmd/a\nruntime:\n  prots: [1]\n")
	_, err := spec.Load("go-app.yaml", data)
	if err == nil {
		t.Fatal("want a spec error")
	}
	sm := llb.NewSourceMap(nil, "go-app.yaml", "YAML", data)
	srcs := errdefs.Sources(withSpecSource(err, sm))
	if len(srcs) != 1 || srcs[0].Info.Filename != "go-app.yaml" || string(srcs[0].Info.Data) != string(data) {
		t.Fatalf("sources = %v", srcs)
	}
	r := srcs[0].Ranges
	if len(r) != 1 || r[0].Start.Line != 4 || r[0].Start.Character != 3 {
		t.Errorf("ranges = %v, want line 4 column 3", r)
	}
	// Other errors point where the caller says, or stay as they are.
	plain := errors.New("boom")
	if got := errdefs.Sources(withSpecSource(plain, sm, spec.Position{Line: 2, Column: 7})); len(got) != 1 || got[0].Ranges[0].Start.Line != 2 {
		t.Errorf("explicit position: %v", got)
	}
	if got := withSpecSource(plain, sm); got != plain {
		t.Errorf("no position: got %v, want the error unchanged", got)
	}
}
