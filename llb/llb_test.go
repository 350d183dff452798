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

// graph is a marshaled LLB definition, indexed for assertions.
type graph struct {
	ops   map[digest.Digest]*pb.Op
	names map[digest.Digest]string
	locs  map[digest.Digest]bool // ops that point back at the spec
	// noExport are the ops whose results stay out of an exported cache.
	noExport map[digest.Digest]bool
}

func marshal(t *testing.T, st llb.State, p ocispecs.Platform) *graph {
	t.Helper()
	def, err := st.Marshal(context.Background(), llb.Platform(p))
	if err != nil {
		t.Fatal(err)
	}
	g := &graph{ops: map[digest.Digest]*pb.Op{}, names: map[digest.Digest]string{}, locs: map[digest.Digest]bool{}, noExport: map[digest.Digest]bool{}}
	for _, dt := range def.Def {
		var op pb.Op
		if err := op.UnmarshalVT(dt); err != nil {
			t.Fatal(err)
		}
		dgst := digest.FromBytes(dt)
		g.ops[dgst] = &op
		g.names[dgst] = def.Metadata[dgst].Description["llb.customname"]
		if ec := def.Metadata[dgst].ExportCache; ec != nil && !ec.Value {
			g.noExport[dgst] = true
		}
	}
	if def.Source != nil {
		for d := range def.Source.Locations {
			g.locs[digest.Digest(d)] = true
		}
	}
	return g
}

// named returns the op with exactly this custom name.
func (g *graph) named(t *testing.T, name string) (digest.Digest, *pb.Op) {
	t.Helper()
	for d, n := range g.names {
		if n == name {
			return d, g.ops[d]
		}
	}
	var all []string
	for _, n := range g.names {
		all = append(all, n)
	}
	slices.Sort(all)
	t.Fatalf("no op named %q; ops: %q", name, all)
	return "", nil
}

func (g *graph) has(name string) bool {
	for _, n := range g.names {
		if n == name {
			return true
		}
	}
	return false
}

// input returns the op that feeds input i of op.
func (g *graph) input(t *testing.T, op *pb.Op, i int64) *pb.Op {
	t.Helper()
	in := g.ops[digest.Digest(op.Inputs[i].Digest)]
	if in == nil {
		t.Fatalf("input %d not in definition", i)
	}
	return in
}

func mountAt(e *pb.ExecOp, dest string) *pb.Mount {
	for _, m := range e.Mounts {
		if m.Dest == dest {
			return m
		}
	}
	return nil
}

var (
	// buildContext is shared like the frontend shares its one context state
	// (llb.Local picks a random unique id per call).
	buildContext = llb.Local("context", llb.SessionID("session"))
	amd64        = ocispecs.Platform{OS: "linux", Architecture: "amd64"}
	arm64        = ocispecs.Platform{OS: "linux", Architecture: "arm64"}
)

func testSpec() *spec.Spec {
	return &spec.Spec{
		Binaries: []spec.Binary{{Name: "server", Main: "./cmd/server", Pos: spec.Position{Line: 2, Column: 7}}},
		Build:    spec.Build{Ldflags: "-X main.version=$(id); touch /x", Tags: []string{"netgo", "osusergo"}, Env: map[string]string{"GOEXPERIMENT": "greenteagc"}},
		Runtime: spec.Runtime{
			Base: spec.DefaultBase, User: spec.DefaultUser, Workdir: "/", Entrypoint: "server",
			Args: []string{"--addr", ":8080"}, Env: map[string]string{"APP_MODE": "prod"}, Ports: []string{"8080", "53/udp"},
		},
		Labels: map[string]string{"org.example.team": "core"},
	}
}

func testOptions(s *spec.Spec, target ocispecs.Platform) Options {
	return Options{
		Spec:           s,
		BuildPlatform:  amd64,
		TargetPlatform: target,
		Toolchain: Image{
			Ref:    "golang:1.26",
			State:  llb.Image("docker.io/library/golang:1.26@sha256:"+strings.Repeat("a", 64), llb.Platform(amd64)),
			Config: &dockerspec.DockerOCIImage{Config: dockerspec.DockerOCIImageConfig{ImageConfig: ocispecs.ImageConfig{Env: []string{"PATH=/usr/local/go/bin:/usr/bin", "GOPATH=/go", "GOFLAGS=-mod=vendor"}}}},
		},
		Frontend: testFrontend(),
		Context:  buildContext,
		CacheNS:  "ns",
		Now:      time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC),
		Metadata: Metadata{Version: "1.2.3", Revision: "abc123", Source: "https://example.com/repo.git"},
		Labels:   map[string]string{"org.example.team": "caller-wins"},
	}
}

// testFrontend is a frontend image like the published one: a static binary
// as its entrypoint.
func testFrontend() *Image {
	return &Image{
		Ref:    "goappfrontend/go-app:1",
		State:  llb.Image("docker.io/goappfrontend/go-app:1@sha256:"+strings.Repeat("b", 64), llb.Platform(amd64)),
		Config: &dockerspec.DockerOCIImage{Config: dockerspec.DockerOCIImageConfig{ImageConfig: ocispecs.ImageConfig{Entrypoint: []string{"/bin/go-app-frontend"}}}},
	}
}

func convert(t *testing.T, opt Options) (*Result, *graph) {
	t.Helper()
	res, err := Convert(opt)
	if err != nil {
		t.Fatal(err)
	}
	return res, marshal(t, res.State, opt.TargetPlatform)
}

func TestGoEnv(t *testing.T) {
	for _, tc := range []struct {
		platform string
		want     []string
		err      bool
	}{
		{"linux/amd64", []string{"GOOS=linux", "GOARCH=amd64"}, false},
		{"linux/amd64/v1", []string{"GOOS=linux", "GOARCH=amd64"}, false},
		{"linux/amd64/v3", []string{"GOOS=linux", "GOARCH=amd64", "GOAMD64=v3"}, false},
		{"linux/arm64", []string{"GOOS=linux", "GOARCH=arm64"}, false},
		{"linux/arm64/v8", []string{"GOOS=linux", "GOARCH=arm64"}, false},
		{"linux/arm/v7", []string{"GOOS=linux", "GOARCH=arm", "GOARM=7"}, false},
		{"linux/arm/v6", []string{"GOOS=linux", "GOARCH=arm", "GOARM=6"}, false},
		{"linux/arm", []string{"GOOS=linux", "GOARCH=arm", "GOARM=7"}, false},
		{"linux/riscv64", []string{"GOOS=linux", "GOARCH=riscv64"}, false},
		{"linux/amd64/v9", nil, true},
		{"linux/arm/v8", nil, true},
	} {
		p := mustParsePlatform(t, tc.platform)
		got, err := GoEnv(p)
		if tc.err {
			if err == nil {
				t.Errorf("%s: want an error, got %q", tc.platform, got)
			}
			continue
		}
		if err != nil || !slices.Equal(got, tc.want) {
			t.Errorf("%s: got %q, %v; want %q", tc.platform, got, err, tc.want)
		}
	}
}

func mustParsePlatform(t *testing.T, s string) ocispecs.Platform {
	t.Helper()
	parts := strings.Split(s, "/")
	p := ocispecs.Platform{OS: parts[0], Architecture: parts[1]}
	if len(parts) > 2 {
		p.Variant = parts[2]
	}
	return p
}

func TestGoBuildStep(t *testing.T) {
	for _, tc := range []struct {
		target  ocispecs.Platform
		name    string
		wantEnv []string
		noEnv   []string
	}{
		{arm64, "[linux/arm64] go build ./cmd/server", []string{"GOOS=linux", "GOARCH=arm64"}, []string{"GOARM=", "GOAMD64="}},
		{ocispecs.Platform{OS: "linux", Architecture: "arm", Variant: "v7"}, "[linux/arm/v7] go build ./cmd/server", []string{"GOARCH=arm", "GOARM=7"}, nil},
		{ocispecs.Platform{OS: "linux", Architecture: "amd64", Variant: "v3"}, "[linux/amd64/v3] go build ./cmd/server", []string{"GOARCH=amd64", "GOAMD64=v3"}, []string{"GOARM="}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			opt := testOptions(testSpec(), tc.target)
			opt.SourceMap = llb.NewSourceMap(nil, "go-app.yaml", "YAML", []byte("# syntax=x\nmain: ./cmd/server\n"))
			_, g := convert(t, opt)
			dgst, op := g.named(t, tc.name)
			e := op.GetExec()
			if e == nil {
				t.Fatalf("%s is not an exec op", tc.name)
			}
			// The builder runs on the build platform, never the target.
			if op.Platform.Architecture != "amd64" || op.Platform.OS != "linux" {
				t.Errorf("go build runs on %v, want the build platform linux/amd64", op.Platform)
			}
			wantArgs := []string{"go", "build", "-v", "-trimpath", "-tags=netgo,osusergo", "-buildvcs=false",
				"-ldflags=-s -w -X main.version=$(id); touch /x", "-o", "/out/server", "./cmd/server"}
			if !slices.Equal(e.Meta.Args, wantArgs) {
				t.Errorf("args = %q\nwant   %q", e.Meta.Args, wantArgs)
			}
			env := e.Meta.Env
			for _, w := range append(tc.wantEnv, "CGO_ENABLED=0", "GOEXPERIMENT=greenteagc", "GOTOOLCHAIN=local",
				"GOMODCACHE=/go/pkg/mod", "GOCACHE=/root/.cache/go-build", "GOPATH=/go", "GOFLAGS=") {
				if !slices.Contains(env, w) {
					t.Errorf("env %q lacks %q", env, w)
				}
			}
			for _, n := range tc.noEnv {
				for _, kv := range env {
					if strings.HasPrefix(kv, n) {
						t.Errorf("env has %q", kv)
					}
				}
			}
			if m := mountAt(e, "/root/.cache/go-build"); m == nil || m.MountType != pb.MountType_CACHE || m.CacheOpt.ID != "ns/go-app-gocache" || m.CacheOpt.Sharing != pb.CacheSharingOpt_SHARED {
				t.Errorf("GOCACHE mount = %v, want shared cache ns/go-app-gocache", m)
			}
			if m := mountAt(e, "/src"); m == nil || !m.Readonly {
				t.Errorf("source mount = %v, want read-only /src", m)
			} else if in := g.input(t, op, m.Input); in.GetSource() == nil || in.GetSource().Identifier != "local://context" {
				t.Errorf("/src comes from %v, want the build context", in)
			}
			if m := mountAt(e, "/out"); m == nil || m.Output < 0 {
				t.Errorf("no /out output mount: %v", m)
			}
			if !g.locs[dgst] {
				t.Errorf("go build op has no source location pointing at the spec")
			}
		})
	}
}

func TestModuleDownloadDependsOnlyOnModFiles(t *testing.T) {
	_, g := convert(t, testOptions(testSpec(), arm64))
	_, op := g.named(t, "go mod download")
	e := op.GetExec()
	if !slices.Equal(e.Meta.Args, []string{testFrontendBin, "modules", "-out", "/go-app-cache/mod"}) {
		t.Fatalf("args = %q", e.Meta.Args)
	}
	if m := mountAt(e, "/go-app-cache/mod"); m == nil || m.Output < 0 || m.Input != -1 {
		t.Errorf("the module layer is not an output mount on scratch: %v", m)
	}
	if op.Platform.Architecture != "amd64" {
		t.Errorf("download runs on %v, want the build platform", op.Platform)
	}
	m := mountAt(e, "/src")
	if m == nil || !m.Readonly {
		t.Fatalf("no read-only /src mount: %v", m)
	}
	in := g.input(t, op, m.Input)
	f := in.GetFile()
	if f == nil || len(f.Actions) != 1 || f.Actions[0].GetCopy() == nil {
		t.Fatalf("/src of the download is %v, want one copy action", in)
	}
	cp := f.Actions[0].GetCopy()
	if !slices.Equal(cp.IncludePatterns, ModFilePatterns) || !cp.DirCopyContents {
		t.Errorf("copy includes %q, want %q", cp.IncludePatterns, ModFilePatterns)
	}
	if src := g.input(t, in, 0).GetSource(); src == nil || src.Identifier != "local://context" {
		t.Errorf("module files come from %v, want the build context", src)
	}
	for _, id := range []string{"ns/go-app-gomodcache", "ns/go-app-gocache"} {
		found := false
		for _, m := range e.Mounts {
			found = found || (m.CacheOpt != nil && m.CacheOpt.ID == id)
		}
		if !found {
			t.Errorf("download has no cache mount %s", id)
		}
	}
	// The build runs after the download: it mounts the module layer.
	_, build := g.named(t, "[linux/arm64] go build ./cmd/server")
	layer := mountAt(build.GetExec(), "/go/pkg/mod")
	if layer == nil || g.names[digest.Digest(build.Inputs[layer.Input].Digest)] != "go mod download" {
		t.Errorf("go build does not mount the download's module layer: %v", layer)
	}
}

func TestVendoredModuleSkipsDownload(t *testing.T) {
	opt := testOptions(testSpec(), amd64)
	opt.Vendor = true
	_, g := convert(t, opt)
	if g.has("go mod download") {
		t.Fatal("a vendored module must not run go mod download")
	}
	g.named(t, "[linux/amd64] go build ./cmd/server")
}

func TestRuntimeOnScratch(t *testing.T) {
	res, g := convert(t, testOptions(testSpec(), arm64))
	_, op := g.named(t, "runtime files: CA certificates, zoneinfo, passwd, group, /tmp")
	e := op.GetExec()
	wantArgs := []string{"/go-app/bin/go-app-frontend", "mkrootfs", "-out", "/out", "-uid", "65532", "-gid", "65532"}
	if !slices.Equal(e.Meta.Args, wantArgs) {
		t.Errorf("args = %q, want %q", e.Meta.Args, wantArgs)
	}
	// The toolchain's env (PATH finds `go env GOROOT`) and nothing of the
	// build: no build.env, no Go cache mounts, no credentials.
	if v, _ := envOf(e, "PATH"); v != "/usr/local/go/bin:/usr/bin" {
		t.Errorf("PATH = %q, want the toolchain image's", v)
	}
	if _, ok := envOf(e, "GOEXPERIMENT"); ok {
		t.Errorf("build.env reaches the runtime files step")
	}
	for _, m := range e.Mounts {
		if m.MountType != pb.MountType_BIND {
			t.Errorf("runtime files step has a %v mount at %s", m.MountType, m.Dest)
		}
	}
	// Independent of the source: it runs on the plain toolchain image, with
	// the frontend image mounted read-only.
	root := g.input(t, op, mountAt(e, "/").Input)
	if root.GetSource() == nil || !strings.HasPrefix(root.GetSource().Identifier, "docker-image://docker.io/library/golang:1.26@sha256:") {
		t.Errorf("runtime files run on %v, want the pinned toolchain image", root)
	}
	hm := mountAt(e, "/go-app")
	img := g.input(t, op, hm.Input)
	if img.GetSource() == nil || !strings.HasPrefix(img.GetSource().Identifier, "docker-image://docker.io/goappfrontend/go-app:1@sha256:") || !hm.Readonly {
		t.Errorf("/go-app is %v (readonly %v), want the pinned frontend image, read-only", img, hm.Readonly)
	}

	_, merge := g.named(t, "[linux/arm64] image")
	if merge.GetMerge() == nil || len(merge.Inputs) != 2 {
		t.Fatalf("image is %v, want a merge of 2 layers", merge)
	}
	layers := []string{"runtime files layer", "[linux/arm64] binaries layer"}
	for i, want := range layers {
		d := digest.Digest(merge.Inputs[i].Digest)
		if g.names[d] != want {
			t.Errorf("layer %d is %q, want %q", i, g.names[d], want)
		}
		cp := g.ops[d].GetFile().Actions[0].GetCopy()
		if cp == nil || cp.Timestamp != 0 {
			t.Errorf("layer %q is not a stamped copy: %v", want, cp)
		}
	}
	// One binary: the binaries layer is its one copy, owned by root, with
	// the directories it needs (BuildKit dates them too); no second op.
	_, top := g.named(t, "[linux/arm64] binaries layer")
	if acts := top.GetFile().Actions; len(acts) != 1 || acts[0].GetCopy() == nil || g.names[digest.Digest(top.Inputs[acts[0].GetSecondaryInput()].Digest)] != "[linux/arm64] go build ./cmd/server" {
		t.Fatalf("binaries layer = %v, want one copy from go build", top)
	}
	cp := top.GetFile().Actions[0].GetCopy()
	if cp.Src != "/server" || cp.Dest != "/usr/local/bin/server" || cp.Owner.User.GetByID() != 0 || !cp.CreateDestPath {
		t.Errorf("binary copy = %v", cp)
	}
	if g.has("[linux/arm64] collect binaries") {
		t.Error("one binary is collected in an op of its own")
	}
	if res.Binaries["server"] != "/usr/local/bin/server" {
		t.Errorf("binaries = %v", res.Binaries)
	}
	// The check after the build reads the binaries from the image's top
	// layer: BinariesLayer is that layer, at the same paths.
	def, err := res.BinariesLayer.Marshal(context.Background(), llb.Platform(arm64))
	if err != nil {
		t.Fatal(err)
	}
	var out pb.Op // the definition's last op points at its result
	if err := out.UnmarshalVT(def.Def[len(def.Def)-1]); err != nil || len(out.Inputs) != 1 {
		t.Fatalf("BinariesLayer's definition ends in %v (%v)", &out, err)
	}
	if got, want := out.Inputs[0].Digest, merge.Inputs[1].Digest; got != want {
		t.Errorf("BinariesLayer is op %s (%q), want the image's top layer %s", got, g.names[digest.Digest(got)], want)
	}
}

func TestRuntimeOnBaseImage(t *testing.T) {
	s := testSpec()
	s.Runtime.Base = "alpine:3"
	s.Runtime.Files = []spec.File{{Src: "config/app.yaml", Dst: "/etc/app/app.yaml"}}
	opt := testOptions(s, arm64)
	opt.Base = &Image{Ref: "alpine:3", State: llb.Image("docker.io/library/alpine:3"),
		Config: &dockerspec.DockerOCIImage{Config: dockerspec.DockerOCIImageConfig{ImageConfig: ocispecs.ImageConfig{
			Env: []string{"PATH=/usr/bin:/bin"}, Labels: map[string]string{"base": "yes"}}}}}
	res, g := convert(t, opt)
	if g.has("runtime files: CA certificates, zoneinfo, passwd, group, /tmp") {
		t.Error("a base image gets no runtime files")
	}
	_, merge := g.named(t, "[linux/arm64] image on alpine:3")
	if in := g.input(t, merge, 0).GetSource(); in == nil || in.Identifier != "docker-image://docker.io/library/alpine:3" {
		t.Errorf("first layer is %v, want the base image", in)
	}
	_, collect := g.named(t, "[linux/arm64] collect binaries")
	acts := collect.GetFile().Actions
	if len(acts) != 2 || acts[1].GetCopy().Src != "/config/app.yaml" || acts[1].GetCopy().Dest != "/etc/app/app.yaml" {
		t.Errorf("extra file copy = %v", acts)
	}
	env := res.Image.Config.Env
	if !slices.Contains(env, "PATH=/usr/bin:/bin") || slices.ContainsFunc(env, func(s string) bool { return strings.HasPrefix(s, "SSL_CERT_FILE=") }) {
		t.Errorf("env on a base image = %q: want the base's PATH and no SSL_CERT_FILE", env)
	}
	if res.Image.Config.Labels["base"] != "yes" {
		t.Errorf("base labels lost: %v", res.Image.Config.Labels)
	}
}

func TestImageConfig(t *testing.T) {
	target := ocispecs.Platform{OS: "linux", Architecture: "arm", Variant: "v7"}
	res, _ := convert(t, testOptions(testSpec(), target))
	img := res.Image
	if img.OS != "linux" || img.Architecture != "arm" || img.Variant != "v7" {
		t.Errorf("platform = %s/%s/%s", img.OS, img.Architecture, img.Variant)
	}
	c := img.Config
	if !slices.Equal(c.Entrypoint, []string{"/usr/local/bin/server"}) || !slices.Equal(c.Cmd, []string{"--addr", ":8080"}) {
		t.Errorf("entrypoint %q cmd %q", c.Entrypoint, c.Cmd)
	}
	if c.User != "65532:65532" || c.WorkingDir != "/" {
		t.Errorf("user %q workdir %q", c.User, c.WorkingDir)
	}
	wantEnv := []string{"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt", "APP_MODE=prod"}
	if !slices.Equal(c.Env, wantEnv) {
		t.Errorf("env = %q, want %q", c.Env, wantEnv)
	}
	if _, ok := c.ExposedPorts["8080/tcp"]; !ok || len(c.ExposedPorts) != 2 {
		t.Errorf("ports = %v", c.ExposedPorts)
	}
	if _, ok := c.ExposedPorts["53/udp"]; !ok {
		t.Errorf("ports = %v", c.ExposedPorts)
	}
	want := map[string]string{
		"org.opencontainers.image.title":    "server",
		"org.opencontainers.image.created":  "2026-01-02T03:04:05Z",
		"org.opencontainers.image.version":  "1.2.3",
		"org.opencontainers.image.revision": "abc123",
		"org.opencontainers.image.source":   "https://example.com/repo.git",
		"org.example.team":                  "caller-wins",
	}
	for k, v := range want {
		if c.Labels[k] != v {
			t.Errorf("label %s = %q, want %q", k, c.Labels[k], v)
		}
	}
	if img.Created == nil || !img.Created.Equal(time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)) {
		t.Errorf("created = %v", img.Created)
	}
}

func TestEpochSetsCreatedAndFileTimes(t *testing.T) {
	opt := testOptions(testSpec(), amd64)
	epoch := time.Unix(1700000000, 0).UTC()
	opt.Epoch = &epoch
	res, g := convert(t, opt)
	if !res.Image.Created.Equal(epoch) || res.Image.Config.Labels["org.opencontainers.image.created"] != "2023-11-14T22:13:20Z" {
		t.Errorf("created = %v, label %q", res.Image.Created, res.Image.Config.Labels["org.opencontainers.image.created"])
	}
	_, layer := g.named(t, "[linux/amd64] binaries layer")
	if ts := layer.GetFile().Actions[0].GetCopy().Timestamp; ts != epoch.UnixNano() {
		t.Errorf("file time = %d, want %d", ts, epoch.UnixNano())
	}
}

func TestSeveralBinaries(t *testing.T) {
	s := testSpec()
	s.Binaries = []spec.Binary{{Name: "api", Main: "./cmd/api"}, {Name: "worker", Main: "./cmd/worker"}}
	s.Runtime.Entrypoint = "worker"
	res, g := convert(t, testOptions(s, arm64))
	g.named(t, "[linux/arm64] go build ./cmd/api")
	g.named(t, "[linux/arm64] go build ./cmd/worker")
	_, collect := g.named(t, "[linux/arm64] collect binaries")
	var dests []string
	for _, a := range collect.GetFile().Actions {
		dests = append(dests, a.GetCopy().Dest)
	}
	if !slices.Equal(dests, []string{"/usr/local/bin/api", "/usr/local/bin/worker"}) {
		t.Errorf("binaries copied to %q", dests)
	}
	if res.Image.Config.Entrypoint[0] != "/usr/local/bin/worker" || res.Image.Config.Labels["org.opencontainers.image.title"] != "worker" {
		t.Errorf("entrypoint %q", res.Image.Config.Entrypoint)
	}
}

func TestSameInputsSameDefinition(t *testing.T) {
	// Ops shared by all platforms (download, runtime files) must be
	// identical so BuildKit runs them once.
	_, a := convert(t, testOptions(testSpec(), amd64))
	_, b := convert(t, testOptions(testSpec(), arm64))
	for _, name := range []string{"go mod download", "runtime files: CA certificates, zoneinfo, passwd, group, /tmp", "runtime files layer"} {
		da, _ := a.named(t, name)
		db, _ := b.named(t, name)
		if da != db {
			t.Errorf("%q differs between platforms", name)
		}
	}
}

func TestUserIDs(t *testing.T) {
	for in, want := range map[string][2]int{"65532:65532": {65532, 65532}, "1000": {1000, 1000}, "0:10": {0, 10}} {
		uid, gid, err := UserIDs(in)
		if err != nil || uid != want[0] || gid != want[1] {
			t.Errorf("UserIDs(%q) = %d, %d, %v", in, uid, gid, err)
		}
	}
	if _, _, err := UserIDs("nonroot"); err == nil {
		t.Error("UserIDs(nonroot): want an error")
	}
}

// credentialMounts returns the secret and SSH mounts of an exec op.
func credentialMounts(e *pb.ExecOp) (secrets, ssh []*pb.Mount) {
	for _, m := range e.Mounts {
		switch m.MountType {
		case pb.MountType_SECRET:
			secrets = append(secrets, m)
		case pb.MountType_SSH:
			ssh = append(ssh, m)
		}
	}
	return secrets, ssh
}

// envOf returns the value of key in an exec op's environment and whether
// it is set.
func envOf(e *pb.ExecOp, key string) (string, bool) {
	val, ok := "", false
	for _, kv := range e.Meta.Env {
		if k, v, _ := strings.Cut(kv, "="); k == key {
			val, ok = v, true
		}
	}
	return val, ok
}

func privateSpec() *spec.Spec {
	s := testSpec()
	s.Build.Private = []string{"example.com/private", "*.corp.example.com"}
	s.Build.Env["GONOPROXY"] = "none"
	s.Source = spec.SourceInfo{Positions: map[string]spec.Position{"build.private": {Line: 4, Column: 12}}}
	return s
}

func TestPrivateModuleCredentials(t *testing.T) {
	for _, tc := range []struct {
		name      string
		spec      *spec.Spec
		home      string // HOME of the toolchain image
		netrc     string
		goprivate string
	}{
		{"private", privateSpec(), "", "/root/.netrc", "example.com/private,*.corp.example.com"},
		{"public", testSpec(), "", "/root/.netrc", ""},
		{"toolchain HOME", privateSpec(), "/home/gopher", "/home/gopher/.netrc", "example.com/private,*.corp.example.com"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			opt := testOptions(tc.spec, arm64)
			if tc.home != "" {
				opt.Toolchain.Config.Config.Env = append(opt.Toolchain.Config.Config.Env, "HOME="+tc.home)
			}
			_, g := convert(t, opt)
			steps := []string{"go mod download", "[linux/arm64] go build ./cmd/server"}
			for _, name := range steps {
				_, op := g.named(t, name)
				e := op.GetExec()
				secrets, ssh := credentialMounts(e)
				if len(secrets) != 1 {
					t.Fatalf("%s: %d secret mounts, want 1: %v", name, len(secrets), secrets)
				}
				s := secrets[0]
				if s.Dest != tc.netrc || s.SecretOpt == nil || s.SecretOpt.ID != NetrcSecret || !s.SecretOpt.Optional ||
					s.SecretOpt.Mode != 0o400 || s.SecretOpt.Uid != 0 || s.SecretOpt.Gid != 0 {
					t.Errorf("%s: secret mount %v at %s, want optional secret %q at %s, mode 0400, owned by root", name, s.SecretOpt, s.Dest, NetrcSecret, tc.netrc)
				}
				if len(ssh) != 1 {
					t.Fatalf("%s: %d SSH mounts, want 1: %v", name, len(ssh), ssh)
				}
				if m := ssh[0]; m.Dest != SSHAgentSocket || m.SSHOpt == nil || m.SSHOpt.ID != SSHAgentID || !m.SSHOpt.Optional {
					t.Errorf("%s: SSH mount %v at %s, want optional agent %q at %s", name, m.SSHOpt, m.Dest, SSHAgentID, SSHAgentSocket)
				}
				want := map[string]string{"NETRC": tc.netrc, "SSH_AUTH_SOCK": SSHAgentSocket, "GOPRIVATE": tc.goprivate}
				for k, w := range want {
					v, ok := envOf(e, k)
					if w == "" && ok {
						t.Errorf("%s: %s=%s, want it unset", name, k, v)
					} else if w != "" && v != w {
						t.Errorf("%s: %s=%q, want %q", name, k, v, w)
					}
				}
				if v, ok := envOf(e, "GONOSUMDB"); ok {
					t.Errorf("%s: GONOSUMDB=%s; GOPRIVATE alone sets its default", name, v)
				}
				if tc.spec.Build.Env["GONOPROXY"] != "" {
					if v, _ := envOf(e, "GONOPROXY"); v != "none" {
						t.Errorf("%s: GONOPROXY=%q, want build.env's none", name, v)
					}
				}
			}
			// No other step sees a credential.
			for d, op := range g.ops {
				e := op.GetExec()
				if e == nil || slices.Contains(steps, g.names[d]) {
					continue
				}
				if secrets, ssh := credentialMounts(e); len(secrets)+len(ssh) > 0 {
					t.Errorf("step %q has credential mounts: %v %v", g.names[d], secrets, ssh)
				}
				for _, k := range []string{"NETRC", "SSH_AUTH_SOCK", "GOPRIVATE"} {
					if v, ok := envOf(e, k); ok {
						t.Errorf("step %q has %s=%s", g.names[d], k, v)
					}
				}
			}
			g.named(t, "runtime files: CA certificates, zoneinfo, passwd, group, /tmp") // is checked above
		})
	}
}

func TestPrivateModuleDownloadIsShared(t *testing.T) {
	// With credentials mounted the download is still one op for every
	// platform: the mounts and env do not depend on the target.
	_, a := convert(t, testOptions(privateSpec(), amd64))
	_, b := convert(t, testOptions(privateSpec(), arm64))
	da, _ := a.named(t, "go mod download")
	db, _ := b.named(t, "go mod download")
	if da != db {
		t.Error("go mod download differs between platforms")
	}
	// The patterns are part of the download's cache key; the credentials
	// are not (only the secret's id is in the op).
	_, pub := convert(t, testOptions(testSpec(), amd64))
	if dp, _ := pub.named(t, "go mod download"); dp == da {
		t.Error("go mod download does not depend on build.private")
	}
}

func TestModuleDownloadPointsAtModuleSource(t *testing.T) {
	src := []byte("# syntax=x\nmain: ./cmd/server\nbuild:\n  private: [example.com/private]\n")
	for _, tc := range []struct {
		name string
		spec *spec.Spec
		want []int32 // lines the download points at
	}{
		{"build.private", privateSpec(), []int32{4}},
		{"build.env.GOPROXY", func() *spec.Spec {
			s := testSpec()
			s.Source = spec.SourceInfo{Positions: map[string]spec.Position{"build.env.GOPROXY": {Line: 3, Column: 12}}}
			return s
		}(), []int32{3}},
		{"neither", testSpec(), nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			opt := testOptions(tc.spec, amd64)
			opt.SourceMap = llb.NewSourceMap(nil, "go-app.yaml", "YAML", src)
			res, g := convert(t, opt)
			d, _ := g.named(t, "go mod download")
			def, err := res.State.Marshal(context.Background(), llb.Platform(amd64))
			if err != nil {
				t.Fatal(err)
			}
			var lines []int32
			if l := def.Source.Locations[string(d)]; l != nil {
				for _, loc := range l.Locations {
					for _, r := range loc.Ranges {
						lines = append(lines, r.Start.Line)
					}
				}
			}
			if !slices.Equal(lines, tc.want) {
				t.Errorf("go mod download points at lines %v, want %v", lines, tc.want)
			}
		})
	}
}

func TestScratchNeedsTheFrontendImage(t *testing.T) {
	opt := testOptions(testSpec(), amd64)
	opt.Frontend = nil
	if _, err := Convert(opt); err == nil || !strings.Contains(err.Error(), "frontend image") {
		t.Errorf("Convert without Frontend on scratch: err = %v, want an error naming the frontend image", err)
	}
	// The module download runs the frontend binary on a base image too.
	opt.Spec.Runtime.Base = "alpine:3.22"
	opt.Base = &Image{Ref: "alpine:3.22", State: llb.Image("docker.io/library/alpine:3.22"), Config: &dockerspec.DockerOCIImage{}}
	if _, err := Convert(opt); err == nil || !strings.Contains(err.Error(), "frontend image") {
		t.Errorf("Convert without Frontend on a base image: err = %v, want an error naming the frontend image", err)
	}
	// A vendored module on a base image runs nothing of the frontend's.
	opt.Vendor = true
	if _, err := Convert(opt); err != nil {
		t.Errorf("Convert without Frontend, vendored, on a base image: %v", err)
	}
}

func TestGoBuildArgsStrip(t *testing.T) {
	no, yes := false, true
	for _, tc := range []struct {
		strip   *bool
		ldflags string
		want    []string // the -ldflags argument, if any
	}{
		{nil, "", []string{"-ldflags=-s -w"}},
		{&yes, "-X main.v=1", []string{"-ldflags=-s -w -X main.v=1"}},
		{&no, "-X main.v=1", []string{"-ldflags=-X main.v=1"}},
		{&no, "", nil},
	} {
		s := testSpec()
		s.Build.Strip, s.Build.Ldflags = tc.strip, tc.ldflags
		args := GoBuildArgs(s, s.Binaries[0])
		var got []string
		for _, a := range args {
			if strings.HasPrefix(a, "-ldflags") {
				got = append(got, a)
			}
		}
		if !slices.Equal(got, tc.want) {
			t.Errorf("strip %v, ldflags %q: %q, want %q", tc.strip, tc.ldflags, got, tc.want)
		}
	}
}
