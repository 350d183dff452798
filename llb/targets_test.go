package llb

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/goappfrontend/go-app/spec"
	"github.com/moby/buildkit/client/llb"
	"github.com/moby/buildkit/solver/pb"
	dockerspec "github.com/moby/docker-image-spec/specs-go/v1"
	digest "github.com/opencontainers/go-digest"
	ocispecs "github.com/opencontainers/image-spec/specs-go/v1"
)

func binariesTarget(t *testing.T, opt Options) (*Result, *graph) {
	t.Helper()
	res, err := Binaries(opt)
	if err != nil {
		t.Fatal(err)
	}
	return res, marshal(t, res.State, opt.TargetPlatform)
}

func TestBinariesTargetSharesGoBuild(t *testing.T) {
	s := testSpec()
	s.Build.Ldflags = "-X main.version={{.Version}} -X main.date={{.Date}}"
	s.Binaries = []spec.Binary{{Name: "api", Main: "./cmd/api"}, {Name: "worker", Main: "./cmd/worker"}}
	s.Runtime.Entrypoint = "api"
	opt := testOptions(s, arm64)
	epoch := time.Unix(1700000000, 0).UTC()
	opt.Epoch = &epoch
	_, img := convert(t, opt)
	res, g := binariesTarget(t, opt)

	// The same go build ops as the image: BuildKit runs them once.
	for _, name := range []string{"[linux/arm64] go build ./cmd/api", "[linux/arm64] go build ./cmd/worker", "go mod download"} {
		di, _ := img.named(t, name)
		db, _ := g.named(t, name)
		if di != db {
			t.Errorf("%q differs between the image and binaries targets", name)
		}
	}
	// With build.ldflags expanded, as in the image.
	_, build := g.named(t, "[linux/arm64] go build ./cmd/api")
	if !slices.Contains(build.GetExec().Meta.Args, "-ldflags=-s -w -X main.version=1.2.3 -X main.date=2023-11-14T22:13:20Z") {
		t.Errorf("binaries target go build args %q: ldflags not expanded", build.GetExec().Meta.Args)
	}
	// Only the binaries: no runtime files, no layers of the image.
	for _, name := range []string{"runtime files: CA certificates, zoneinfo, passwd, group, /tmp", "[linux/arm64] image", "[linux/arm64] binaries layer"} {
		if g.has(name) {
			t.Errorf("the binaries target has the step %q", name)
		}
	}
	_, op := g.named(t, "[linux/arm64] binaries target: api, worker")
	acts := op.GetFile().Actions
	if len(acts) != 2 {
		t.Fatalf("%d actions, want a copy per binary", len(acts))
	}
	for i, want := range []string{"api", "worker"} {
		cp := acts[i].GetCopy()
		if cp.Src != "/"+want || cp.Dest != "/"+want || cp.Timestamp != epoch.UnixNano() || cp.Owner.User.GetByID() != 0 {
			t.Errorf("copy %d = %v, want /%s to /%s dated SOURCE_DATE_EPOCH, owned by root", i, cp, want, want)
		}
		// From the output of its go build.
		from := digest.Digest(op.Inputs[acts[i].SecondaryInput].Digest)
		if g.names[from] != "[linux/arm64] go build ./cmd/"+want || g.ops[from].GetExec() == nil {
			t.Errorf("copy %d reads from %q, want the go build of %s", i, g.names[from], want)
		}
	}
	if res.Binaries["api"] != "/api" || res.Binaries["worker"] != "/worker" || len(res.Binaries) != 2 {
		t.Errorf("binaries = %v", res.Binaries)
	}
	// A minimal config: platform and time, nothing to run.
	c := res.Image
	if c.OS != "linux" || c.Architecture != "arm64" || c.Created == nil || !c.Created.Equal(epoch) || c.RootFS.Type != "layers" {
		t.Errorf("config = %+v", c)
	}
	if c.Config.Entrypoint != nil || c.Config.Env != nil || c.Config.Labels != nil || c.Config.User != "" || c.Config.ExposedPorts != nil {
		t.Errorf("config has more than the minimum: %+v", c.Config)
	}
}

func TestBinariesTargetWithoutEpoch(t *testing.T) {
	_, g := binariesTarget(t, testOptions(testSpec(), amd64))
	_, op := g.named(t, "[linux/amd64] binaries target: server")
	if cp := op.GetFile().Actions[0].GetCopy(); cp.Timestamp != 0 {
		t.Errorf("file time %d, want 1970-01-01 like the image's files", cp.Timestamp)
	}
	if _, err := Binaries(Options{Spec: &spec.Spec{}}); err == nil {
		t.Error("a spec without binaries: want an error")
	}
}

func testTarget(t *testing.T, opt Options) (*graph, *pb.Definition) {
	t.Helper()
	res, err := Test(opt)
	if err != nil {
		t.Fatal(err)
	}
	if p := res.Image.Platform; p.OS != opt.BuildPlatform.OS || p.Architecture != opt.BuildPlatform.Architecture || res.Image.Config.Entrypoint != nil {
		t.Errorf("test result config %+v, want the build platform and nothing to run", res.Image)
	}
	def, err := res.State.Marshal(context.Background(), llb.Platform(opt.BuildPlatform))
	if err != nil {
		t.Fatal(err)
	}
	return marshal(t, res.State, opt.BuildPlatform), def.ToPB()
}

func TestTestTarget(t *testing.T) {
	s := privateSpec()
	s.Test = spec.Test{Packages: []string{"./...", "./internal/x"}, Flags: []string{"-count=1", "-run=$(id); touch /x"}, Env: map[string]string{"APP_ENV": "test", "GOEXPERIMENT": "none"}}
	s.Source.Data = []byte("# syntax=x\nmain: ./cmd/server\nbuild:\n  private: [x]\n\ntest:\n  flags: [-count=1]\n  race: false\n\nlabels: {a: b}\n")
	s.Source.Positions["test"] = spec.Position{Line: 7, Column: 3}
	opt := testOptions(s, arm64) // the target platform does not matter
	opt.SourceMap = llb.NewSourceMap(nil, "go-app.yaml", "YAML", s.Source.Data)
	g, def := testTarget(t, opt)

	dgst, op := g.named(t, "[linux/amd64] go test ./... ./internal/x")
	e := op.GetExec()
	if op.Platform.Architecture != "amd64" {
		t.Errorf("go test runs on %v, want the build platform", op.Platform)
	}
	wantArgs := []string{"/go-app/bin/go-app-frontend", "gotest", "-log", "/out/test.log", "--",
		"go", "test", "-trimpath", "-tags=netgo,osusergo", "-count=1", "-run=$(id); touch /x", "./...", "./internal/x"}
	if !slices.Equal(e.Meta.Args, wantArgs) {
		t.Errorf("args = %q\nwant   %q", e.Meta.Args, wantArgs)
	}
	if e.Meta.Cwd != "/src" {
		t.Errorf("cwd = %q, want /src", e.Meta.Cwd)
	}
	want := map[string]string{
		"CGO_ENABLED": "0", "GOEXPERIMENT": "none", "APP_ENV": "test", "GONOPROXY": "none",
		"GOPRIVATE": "example.com/private,*.corp.example.com", "GOTOOLCHAIN": "local", "GOFLAGS": "",
		"GOMODCACHE": "/go/pkg/mod", "GOCACHE": "/root/.cache/go-build", "GOPATH": "/go",
	}
	for k, w := range want {
		if v, ok := envOf(e, k); !ok || v != w {
			t.Errorf("%s=%q (set %v), want %q", k, v, ok, w)
		}
	}
	for _, k := range []string{"GOOS", "GOARCH", "GOARM", "NETRC", "SSH_AUTH_SOCK"} {
		if v, ok := envOf(e, k); ok {
			t.Errorf("go test has %s=%s", k, v)
		}
	}
	if secrets, ssh := credentialMounts(e); len(secrets)+len(ssh) > 0 {
		t.Errorf("go test has credential mounts: %v %v", secrets, ssh)
	}
	// The build's cache mounts.
	for dest, id := range map[string]string{"/go/pkg/mod": "ns/go-app-gomodcache", "/root/.cache/go-build": "ns/go-app-gocache"} {
		m := mountAt(e, dest)
		if m == nil || m.MountType != pb.MountType_CACHE || m.CacheOpt.ID != id || m.CacheOpt.Sharing != pb.CacheSharingOpt_SHARED {
			t.Errorf("mount %s = %v, want shared cache %s", dest, m, id)
		}
	}
	// After the build's module download.
	if root := mountAt(e, "/"); g.names[digest.Digest(op.Inputs[root.Input].Digest)] != "go mod download" {
		t.Errorf("go test runs on %q, want the output of go mod download", g.names[digest.Digest(op.Inputs[root.Input].Digest)])
	}
	// The source, writable, changes dropped.
	if m := mountAt(e, "/src"); m == nil || m.Readonly || m.Output != int64(pb.SkipOutput) {
		t.Errorf("/src = %v, want a writable mount without output", m)
	} else if src := g.input(t, op, m.Input).GetSource(); src == nil || src.Identifier != "local://context" {
		t.Errorf("/src comes from %v, want the build context", src)
	}
	if m := mountAt(e, "/out"); m == nil || m.Output < 0 {
		t.Errorf("no /out output mount: %v", m)
	}
	runner := mountAt(e, "/go-app")
	if runner == nil || !runner.Readonly {
		t.Fatalf("/go-app = %v, want the frontend image, read-only", runner)
	}
	if src := g.input(t, op, runner.Input).GetSource(); src == nil || !strings.HasPrefix(src.Identifier, "docker-image://docker.io/goappfrontend/go-app:1@sha256:") {
		t.Errorf("/go-app comes from %v, want the pinned frontend image", src)
	}
	// The step points at the lines of the test section.
	loc := def.Source.Locations[string(dgst)]
	if loc == nil || len(loc.Locations) != 1 || len(loc.Locations[0].Ranges) != 1 ||
		loc.Locations[0].Ranges[0].Start.Line != 6 || loc.Locations[0].Ranges[0].End.Line != 8 {
		t.Errorf("go test points at %v, want lines 6 to 8", loc)
	}

}

func TestTestTargetRace(t *testing.T) {
	s := testSpec()
	s.Build.Tags = nil
	f := false
	s.Build.Trimpath = &f
	s.Test.Race = true
	g, def := testTarget(t, testOptions(s, amd64))
	dgst, op := g.named(t, "[linux/amd64] go test -race ./...")
	e := op.GetExec()
	if !slices.Equal(e.Meta.Args[5:], []string{"go", "test", "-race", "./..."}) {
		t.Errorf("args = %q", e.Meta.Args)
	}
	if v, _ := envOf(e, "CGO_ENABLED"); v != "1" {
		t.Errorf("CGO_ENABLED=%q, want 1 for -race", v)
	}
	if v, ok := envOf(e, "GOPRIVATE"); ok {
		t.Errorf("GOPRIVATE=%q without build.private", v)
	}
	if def.Source != nil && len(def.Source.Locations[string(dgst)].GetLocations()) > 0 {
		t.Error("go test points at the spec, which has no test section")
	}
}

func TestTestTargetIsOnePerBuild(t *testing.T) {
	// Whatever the target platform, the test step is the same op.
	a, _ := testTarget(t, testOptions(testSpec(), amd64))
	b, _ := testTarget(t, testOptions(testSpec(), ocispecs.Platform{OS: "linux", Architecture: "arm", Variant: "v7"}))
	da, _ := a.named(t, "[linux/amd64] go test ./...")
	db, _ := b.named(t, "[linux/amd64] go test ./...")
	if da != db {
		t.Error("the test step depends on the target platform")
	}
	// A vendored module tests without a download.
	opt := testOptions(testSpec(), amd64)
	opt.Vendor = true
	g, _ := testTarget(t, opt)
	if g.has("go mod download") {
		t.Error("a vendored module must not run go mod download")
	}
}

func TestGoTestArgsAndEnv(t *testing.T) {
	s := &spec.Spec{Build: spec.Build{Cgo: true, Env: map[string]string{"A": "build", "B": "build"}},
		Test: spec.Test{Env: map[string]string{"B": "test"}}}
	if got := GoTestArgs(s); !slices.Equal(got, []string{"go", "test", "-trimpath", "./..."}) {
		t.Errorf("args = %q", got)
	}
	if got := TestEnv(s); !slices.Equal(got, []string{"A=build", "B=test", "CGO_ENABLED=1"}) {
		t.Errorf("env = %q: want build.env, test.env over it, CGO_ENABLED=1 for build.cgo", got)
	}
}

// TestTargetsOfSeeds runs every fuzz seed that is a valid spec through the
// binaries and test targets: both must convert and marshal.
func TestTargetsOfSeeds(t *testing.T) {
	gomod := []byte("module example.com/app\n\ngo 1.26.2\n")
	for _, seed := range fuzzSeeds(t) {
		s, err := spec.Load("go-app.yaml", []byte(seed))
		if err != nil || s.FillDefaults(gomod) != nil {
			continue
		}
		opt := Options{
			Spec: s, BuildPlatform: amd64, TargetPlatform: arm64,
			Toolchain: Image{Ref: s.Go.Image, State: llb.Image(s.Go.Image), Config: &dockerspec.DockerOCIImage{}},
			Frontend:  testFrontend(),
			Context:   llb.Local("context"),
			SourceMap: llb.NewSourceMap(nil, "go-app.yaml", "YAML", []byte(seed)),
		}
		res, err := Binaries(opt)
		if err != nil {
			t.Fatalf("binaries target: %v\n%s", err, seed)
		}
		if _, err := res.State.Marshal(context.Background(), llb.Platform(arm64)); err != nil {
			t.Fatalf("binaries target: %v\n%s", err, seed)
		}
		tr, err := Test(opt)
		if err != nil {
			t.Fatalf("test target: %v\n%s", err, seed)
		}
		if _, err := tr.State.Marshal(context.Background(), llb.Platform(amd64)); err != nil {
			t.Fatalf("test target: %v\n%s", err, seed)
		}
	}
}
