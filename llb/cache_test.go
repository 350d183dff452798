package llb

import (
	"slices"
	"strings"
	"testing"

	"github.com/goappfrontend/go-app/spec"
	"github.com/moby/buildkit/solver/pb"
	digest "github.com/opencontainers/go-digest"
)

// testFrontendBin is where steps find testFrontend's binary.
const testFrontendBin = "/go-app/bin/go-app-frontend"

var testDeps = []string{"fmt", "github.com/prometheus/client_golang/prometheus", "google.golang.org/grpc"}

func TestDependencyLayer(t *testing.T) {
	opt := testOptions(testSpec(), arm64)
	opt.Dependencies = testDeps
	_, g := convert(t, opt)
	depsDgst, op := g.named(t, "[linux/arm64] go build dependencies (3 imports)")
	e := op.GetExec()
	want := append([]string{testFrontendBin, "deps", "-out", "/go-app-cache/build", "-mount", "/root/.cache/go-build",
		"-flag", "-trimpath", "-flag", "-tags=netgo,osusergo", "--"}, testDeps...)
	if !slices.Equal(e.Meta.Args, want) {
		t.Errorf("args = %q\nwant   %q", e.Meta.Args, want)
	}
	if op.Platform.Architecture != "amd64" {
		t.Errorf("the dependency step runs on %v, want the build platform", op.Platform)
	}
	for _, w := range []string{"GOOS=linux", "GOARCH=arm64", "CGO_ENABLED=0", "GOEXPERIMENT=greenteagc", "GOMODCACHE=/go/pkg/mod"} {
		if !slices.Contains(e.Meta.Env, w) {
			t.Errorf("env %q lacks %q", e.Meta.Env, w)
		}
	}
	// Keyed on go.mod/go.sum and the module layer, never on the source,
	// with no credentials (its output is exported) and the builder's
	// GOCACHE mount, read and written through by the cache program.
	if m := mountAt(e, "/root/.cache/go-build"); m == nil || m.MountType != pb.MountType_CACHE || m.Readonly || m.Input != -1 || m.CacheOpt.ID != "ns/go-app-gocache" {
		t.Errorf("GOCACHE mount of the dependency step = %v, want the gocache mount, writable", m)
	}
	for _, m := range e.Mounts {
		if m.MountType == pb.MountType_CACHE && m.Dest != "/root/.cache/go-build" || m.MountType == pb.MountType_SECRET || m.MountType == pb.MountType_SSH {
			t.Errorf("the dependency step has a %v mount at %s", m.MountType, m.Dest)
		}
		if m.Input < 0 {
			continue
		}
		if src := g.input(t, op, m.Input).GetSource(); src != nil && src.Identifier == "local://context" {
			t.Errorf("%s is the whole build context", m.Dest)
		}
	}
	if m := mountAt(e, "/go/pkg/mod"); m == nil || g.names[digest.Digest(op.Inputs[m.Input].Digest)] != "go mod download" {
		t.Errorf("GOMODCACHE of the dependency step is not the module layer: %v", m)
	}
	if m := mountAt(e, "/go-app-cache/build"); m == nil || m.Output < 0 || m.Input != -1 {
		t.Errorf("the dependency layer is not an output mount on scratch: %v", m)
	}

	// go build mounts the module layer as GOMODCACHE, its writes dropped,
	// and as GOCACHE the gocache mount based on the dependency layer: the
	// go command alone runs, nothing is copied.
	_, build := g.named(t, "[linux/arm64] go build ./cmd/server")
	be := build.GetExec()
	if !slices.Equal(be.Meta.Args[:3], []string{"go", "build", "-v"}) {
		t.Errorf("go build args = %q", be.Meta.Args)
	}
	gocacheOnDeps := func(be *pb.ExecOp, build *pb.Op) {
		t.Helper()
		m := mountAt(be, "/root/.cache/go-build")
		if m == nil || m.MountType != pb.MountType_CACHE || m.CacheOpt.ID != "ns/go-app-gocache" || m.CacheOpt.Sharing != pb.CacheSharingOpt_SHARED ||
			m.Readonly || m.Input < 0 || digest.Digest(build.Inputs[m.Input].Digest) != depsDgst {
			t.Errorf("go build's GOCACHE = %v, want the shared gocache mount based on %q", m, g.names[depsDgst])
		}
	}
	gocacheOnDeps(be, build)
	if m := mountAt(be, "/go/pkg/mod"); m == nil || m.Readonly || m.Output != int64(pb.SkipOutput) || g.names[digest.Digest(build.Inputs[m.Input].Digest)] != "go mod download" {
		t.Errorf("go build's GOMODCACHE = %v, want the module layer, writable, no output", m)
	}
	for _, dir := range []string{"/go-app-cache/mod", "/go-app-cache/build", "/go-app"} {
		if m := mountAt(be, dir); m != nil {
			t.Errorf("go build mounts %s: %v", dir, m)
		}
	}

	// Private modules kept out of the module layer: go build may fetch
	// them, so GOMODCACHE is the cache mount, seeded from the layer.
	opt.Spec.Build.Private = []string{"example.com/p"}
	_, g = convert(t, opt)
	depsDgst, _ = g.named(t, "[linux/arm64] go build dependencies (3 imports)")
	_, build = g.named(t, "[linux/arm64] go build ./cmd/server")
	be = build.GetExec()
	if !slices.Equal(be.Meta.Args[:5], []string{testFrontendBin, "gobuild", "-modules", "/go-app-cache/mod", "--"}) {
		t.Errorf("go build args with private modules = %q", be.Meta.Args)
	}
	gocacheOnDeps(be, build)
	if m := mountAt(be, "/go-app-cache/mod"); m == nil || !m.Readonly || g.names[digest.Digest(build.Inputs[m.Input].Digest)] != "go mod download" {
		t.Errorf("go build's module layer with private modules = %v, want it read-only", m)
	}
	if m := mountAt(be, "/go/pkg/mod"); m == nil || m.MountType != pb.MountType_CACHE || m.CacheOpt.ID != "ns/go-app-gomodcache" {
		t.Errorf("go build's GOMODCACHE with private modules = %v, want the gomodcache mount", m)
	}
}

// The dependency layer depends on what changes compilation, not on the
// ldflags (version stamps) or the source.
func TestDependencyLayerKey(t *testing.T) {
	key := func(mod func(o *Options)) digest.Digest {
		opt := testOptions(testSpec(), arm64)
		opt.Dependencies = testDeps
		mod(&opt)
		_, g := convert(t, opt)
		for d, n := range g.names {
			if n == "[linux/arm64] go build dependencies (3 imports)" {
				return d
			}
		}
		t.Fatal("no dependency step")
		return ""
	}
	base := key(func(*Options) {})
	if key(func(o *Options) { o.Spec.Build.Ldflags = "-X main.v=2" }) != base {
		t.Error("ldflags change the dependency step")
	}
	if key(func(o *Options) { o.Metadata.Version = "9" }) != base {
		t.Error("the version changes the dependency step")
	}
	if key(func(o *Options) { o.Spec.Build.Tags = []string{"netgo"} }) == base {
		t.Error("tags do not change the dependency step")
	}
	if key(func(o *Options) { o.Dependencies = append([]string{"os"}, testDeps[1:]...) }) == base {
		t.Error("the imports do not change the dependency step")
	}
}

// With --cache-to ...,mode=max, the Go caches' layers and the image's
// layers are exported, not the new binary of every go build.
func TestCacheExportSkipsBinaries(t *testing.T) {
	opt := testOptions(testSpec(), arm64)
	opt.Dependencies = testDeps
	_, g := convert(t, opt)
	for _, name := range []string{"[linux/arm64] go build ./cmd/server"} {
		if d, _ := g.named(t, name); !g.noExport[d] {
			t.Errorf("%q is exported with the cache", name)
		}
	}
	for _, name := range []string{"go mod download", "[linux/arm64] go build dependencies (3 imports)",
		"go toolchain layer: GOROOT without tests and docs", "[linux/arm64] binaries layer", "runtime files layer"} {
		if d, _ := g.named(t, name); g.noExport[d] {
			t.Errorf("%q stays out of an exported cache", name)
		}
	}
	// Several binaries: the collected tree stays out too, its dated copy is
	// the layer.
	opt.Spec.Runtime.Files = []spec.File{{Src: "config/app.yaml", Dst: "/etc/app/app.yaml"}}
	_, g = convert(t, opt)
	if d, _ := g.named(t, "[linux/arm64] collect binaries"); !g.noExport[d] {
		t.Error("the collected binaries are exported with the cache")
	}
	if d, _ := g.named(t, "[linux/arm64] binaries layer"); g.noExport[d] {
		t.Error("the binaries layer stays out of an exported cache")
	}
}

func TestNoDependencyLayer(t *testing.T) {
	// No dependencies found: go build has the module layer only.
	_, g := convert(t, testOptions(testSpec(), arm64))
	for _, n := range g.names {
		if strings.Contains(n, "dependencies") {
			t.Errorf("a dependency step without dependencies: %q", n)
		}
	}
	_, build := g.named(t, "[linux/arm64] go build ./cmd/server")
	if args := build.GetExec().Meta.Args; args[0] != "go" {
		t.Errorf("go build args = %q", args)
	}
	if m := mountAt(build.GetExec(), "/root/.cache/go-build"); m == nil || m.MountType != pb.MountType_CACHE || m.Input != -1 {
		t.Errorf("go build's GOCACHE without a dependency layer = %v, want the plain gocache mount", m)
	}
	// Vendored: neither layer, the go command as it is.
	opt := testOptions(testSpec(), arm64)
	opt.Vendor, opt.Dependencies = true, testDeps
	_, g = convert(t, opt)
	_, build = g.named(t, "[linux/arm64] go build ./cmd/server")
	if args := build.GetExec().Meta.Args; args[0] != "go" {
		t.Errorf("vendored go build args = %q", args)
	}
	if g.has("[linux/arm64] go build dependencies (3 imports)") {
		t.Error("a dependency step for a vendored module")
	}
}

func TestCachePrivate(t *testing.T) {
	s := testSpec()
	s.Build.Private = []string{"example.com/private"}
	s.Build.CachePrivate = true
	_, g := convert(t, testOptions(s, arm64))
	_, op := g.named(t, "go mod download")
	if args := op.GetExec().Meta.Args; !slices.Equal(args, []string{testFrontendBin, "modules", "-out", "/go-app-cache/mod", "-keep-private"}) {
		t.Errorf("args = %q", args)
	}
}

// toolchainLayerName names the toolchain layer step.
const toolchainLayerName = "go toolchain layer: GOROOT without tests and docs"

func TestToolchainLayer(t *testing.T) {
	// rootOf names the op whose output is go build's root.
	rootOf := func(t *testing.T, opt Options) (string, *graph) {
		t.Helper()
		_, g := convert(t, opt)
		_, build := g.named(t, "[linux/arm64] go build ./cmd/server")
		root := mountAt(build.GetExec(), "/")
		return g.names[digest.Digest(build.Inputs[root.Input].Digest)], g
	}
	opt := testOptions(testSpec(), arm64)
	opt.Dependencies = testDeps
	name, g := rootOf(t, opt)
	if name != toolchainLayerName {
		t.Fatalf("go build runs on %q, want the toolchain layer", name)
	}
	_, deps := g.named(t, "[linux/arm64] go build dependencies (3 imports)")
	if root := mountAt(deps.GetExec(), "/"); g.names[digest.Digest(deps.Inputs[root.Input].Digest)] != toolchainLayerName {
		t.Error("the dependency step does not run on the toolchain layer")
	}
	_, op := g.named(t, toolchainLayerName)
	e := op.GetExec()
	if !slices.Equal(e.Meta.Args, []string{testFrontendBin, "toolchain", "-out", "/go-app-toolchain"}) {
		t.Errorf("args = %q", e.Meta.Args)
	}
	if m := mountAt(e, "/go-app-toolchain"); m == nil || m.Input != -1 || m.Output < 0 {
		t.Errorf("the toolchain layer is not an output mount on scratch: %v", m)
	}
	// Keyed on the toolchain and frontend images only: no source, no
	// cache mounts, no secrets, the build platform.
	if src := g.input(t, op, mountAt(e, "/").Input).GetSource(); src == nil || !strings.HasPrefix(src.Identifier, "docker-image://docker.io/library/golang:1.26@") {
		t.Errorf("the toolchain layer step runs on %v, want the toolchain image", src)
	}
	for _, m := range e.Mounts {
		if m.Dest != "/" && m.Dest != "/go-app-toolchain" && m.Dest != frontendDir {
			t.Errorf("the toolchain layer step mounts %s", m.Dest)
		}
	}
	if op.Platform.Architecture != "amd64" {
		t.Errorf("toolchain layer step on %v, want the build platform", op.Platform)
	}

	// The toolchain image itself, after the download, where more than Go
	// may be needed.
	for _, c := range []struct {
		name string
		edit func(o *Options)
		want string
	}{
		{"cgo", func(o *Options) { o.Spec.Build.Cgo = true }, "[linux/arm64] apt-get install gcc-aarch64-linux-gnu g++-aarch64-linux-gnu libc6-dev:arm64 (cgo)"},
		{"private modules", func(o *Options) { o.Spec.Build.Private = []string{"example.com/p"} }, "go mod download"},
		{"GOPRIVATE", func(o *Options) { o.Spec.Build.Env["GOPRIVATE"] = "example.com/p" }, "go mod download"},
		{"private modules in the layer", func(o *Options) {
			o.Spec.Build.Private, o.Spec.Build.CachePrivate = []string{"example.com/p"}, true
		}, toolchainLayerName},
		{"vendored", func(o *Options) { o.Vendor = true }, toolchainLayerName},
		{"vendored, private", func(o *Options) { o.Vendor, o.Spec.Build.Private = true, []string{"example.com/p"} }, toolchainLayerName},
	} {
		opt := testOptions(testSpec(), arm64)
		c.edit(&opt)
		if name, _ := rootOf(t, opt); name != c.want {
			t.Errorf("%s: go build runs on %q, want %q", c.name, name, c.want)
		}
	}
}

// TestBuildFlagsReachDependencyStep checks that build.flags go to the go
// build step and to the dependency step alike, after -trimpath and -tags,
// so that the dependency layer holds what go build looks up.
func TestBuildFlagsReachDependencyStep(t *testing.T) {
	s := testSpec()
	s.Build.Cgo = true
	s.Build.Flags = []string{"-race", "-covermode=atomic"}
	opt := testOptions(s, arm64)
	opt.Dependencies = testDeps
	_, g := convert(t, opt)
	_, deps := g.named(t, "[linux/arm64] go build dependencies (3 imports)")
	want := []string{"-flag", "-trimpath", "-flag", "-tags=netgo,osusergo", "-flag", "-race", "-flag", "-covermode=atomic", "--"}
	if args := deps.GetExec().Meta.Args; !slices.Equal(args[6:15], want) {
		t.Errorf("dependency step args = %q, want %q after -mount", args, want)
	}
	_, build := g.named(t, "[linux/arm64] go build ./cmd/server")
	args := build.GetExec().Meta.Args
	i := slices.Index(args, "build")
	if i < 0 || !slices.Equal(args[i+1:i+6], []string{"-v", "-trimpath", "-tags=netgo,osusergo", "-race", "-covermode=atomic"}) {
		t.Errorf("go build args = %q, want build.flags after -tags", args)
	}
}

// TestFIPSReachesDependencyStep checks that GOFIPS140, which changes how
// crypto compiles, is in the environment of the dependency step as in the
// go build step's.
func TestFIPSReachesDependencyStep(t *testing.T) {
	s := testSpec()
	s.Build.Env["GOFIPS140"] = "v1.0.0"
	opt := testOptions(s, arm64)
	opt.Dependencies = testDeps
	_, g := convert(t, opt)
	for _, name := range []string{"[linux/arm64] go build dependencies (3 imports)", "[linux/arm64] go build ./cmd/server"} {
		_, op := g.named(t, name)
		if v, _ := envOf(op.GetExec(), "GOFIPS140"); v != "v1.0.0" {
			t.Errorf("%s: GOFIPS140 = %q, want v1.0.0", name, v)
		}
	}
}
