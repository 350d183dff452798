package llb

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/goappfrontend/go-app/spec"
	"github.com/moby/buildkit/client/llb"
	"github.com/moby/buildkit/solver/pb"
	dockerspec "github.com/moby/docker-image-spec/specs-go/v1"
	digest "github.com/opencontainers/go-digest"
)

func cgoSpec() *spec.Spec {
	s := testSpec()
	s.Build.Tags = []string{"ec2"}
	s.Build.Cgo = true
	s.Build.CgoPackages = []string{"libsqlite3-dev", "zlib1g-dev"}
	s.Build.Env["CGO_LDFLAGS"] = "-lsqlite3 -lz"
	return s
}

const armInstall = "[linux/arm64] apt-get install gcc-aarch64-linux-gnu g++-aarch64-linux-gnu libc6-dev:arm64 libsqlite3-dev:arm64 zlib1g-dev:arm64 (cgo)"

// TestCgoInstallStep checks the step that installs the C toolchain and
// packages of a cgo build: the cross gcc and the packages for the target
// architecture, argv only, on the toolchain image itself (not after the
// module download), apt's caches as locked cache mounts, on the build
// platform, pointing at build.cgo_packages.
func TestCgoInstallStep(t *testing.T) {
	s := cgoSpec()
	s.Source.Positions = map[string]spec.Position{"build.cgo": {Line: 5, Column: 8}, "build.cgo_packages": {Line: 6, Column: 17}}
	opt := testOptions(s, arm64)
	opt.SourceMap = llb.NewSourceMap(nil, "go-app.yaml", "", []byte("x"))
	_, g := convert(t, opt)
	d, op := g.named(t, armInstall)
	e := op.GetExec()
	want := []string{testFrontendBin, CgoInstaller, "-arch", "arm64", "-image", "golang:1.26", "--",
		"gcc-aarch64-linux-gnu", "g++-aarch64-linux-gnu", "libc6-dev:arm64", "libsqlite3-dev:arm64", "zlib1g-dev:arm64"}
	if !slices.Equal(e.Meta.Args, want) {
		t.Errorf("args = %q, want %q", e.Meta.Args, want)
	}
	if src := g.input(t, op, mountAt(e, "/").Input).GetSource(); src == nil || !strings.HasPrefix(src.Identifier, "docker-image://docker.io/library/golang:1.26@") {
		t.Errorf("the install step runs on %v, want the toolchain image", src)
	}
	for dest, id := range map[string]string{"/var/cache/apt": "ns/go-app-apt-cache", "/var/lib/apt": "ns/go-app-apt-lib"} {
		m := mountAt(e, dest)
		if m == nil || m.CacheOpt == nil || m.CacheOpt.ID != id || m.CacheOpt.Sharing != pb.CacheSharingOpt_LOCKED {
			t.Errorf("%s: %v, want the locked cache mount %s", dest, m, id)
		}
	}
	for _, m := range e.Mounts {
		if m.Dest == "/src" || m.Dest == "/go-app-cache/mod" || m.MountType == pb.MountType_SECRET || m.MountType == pb.MountType_SSH {
			t.Errorf("the install step mounts %s: it must be keyed on the toolchain image and the packages only", m.Dest)
		}
	}
	if v, _ := envOf(e, "DEBIAN_FRONTEND"); v != "noninteractive" {
		t.Errorf("DEBIAN_FRONTEND = %q", v)
	}
	if v, _ := envOf(e, "PATH"); v != "/usr/local/go/bin:/usr/bin" {
		t.Errorf("PATH = %q, want the toolchain image's", v)
	}
	if op.Platform.Architecture != "amd64" {
		t.Errorf("install step on %v, want the build platform", op.Platform)
	}
	if !g.locs[d] {
		t.Error("the install step does not point at the spec")
	}

	// go build runs on it, with the target's C toolchain.
	_, build := g.named(t, "[linux/arm64] go build ./cmd/server")
	be := build.GetExec()
	if root := mountAt(be, "/"); g.names[digest.Digest(build.Inputs[root.Input].Digest)] != armInstall {
		t.Errorf("go build does not run on the install step")
	}
	for k, v := range map[string]string{
		"CC":                "aarch64-linux-gnu-gcc",
		"CXX":               "aarch64-linux-gnu-g++",
		"PKG_CONFIG":        "pkg-config",
		"PKG_CONFIG_LIBDIR": "/usr/lib/aarch64-linux-gnu/pkgconfig:/usr/share/pkgconfig",
		"CGO_ENABLED":       "1",
		"GOARCH":            "arm64",
		"CGO_LDFLAGS":       "-lsqlite3 -lz",
	} {
		if got, _ := envOf(be, k); got != v {
			t.Errorf("go build %s = %q, want %q", k, got, v)
		}
	}
	// Static by default: the external linker with -static, Go's resolver
	// and user lookup.
	args := be.Meta.Args
	i := slices.Index(args, "build")
	if i < 0 || !slices.Contains(args, "-tags=ec2,netgo,osusergo") || !slices.Contains(args, `-ldflags=-s -w -linkmode external -extldflags "-static -lm" -X main.version=$(id); touch /x`) {
		t.Errorf("go build args = %q, want netgo and osusergo tags and a static external link", args)
	}
}

// TestCgoInstallNative checks a cgo build for the build platform: the
// native gcc, the packages without an architecture.
func TestCgoInstallNative(t *testing.T) {
	s := cgoSpec()
	s.Build.CgoLink = spec.CgoLinkDynamic
	_, g := convert(t, testOptions(s, amd64))
	_, op := g.named(t, "[linux/amd64] apt-get install gcc g++ libc6-dev libsqlite3-dev zlib1g-dev (cgo)")
	if args := op.GetExec().Meta.Args; !slices.Equal(args[2:4], []string{"-arch", "amd64"}) {
		t.Errorf("args = %q", args)
	}
	_, build := g.named(t, "[linux/amd64] go build ./cmd/server")
	if cc, _ := envOf(build.GetExec(), "CC"); cc != "x86_64-linux-gnu-gcc" {
		t.Errorf("CC = %q", cc)
	}
	for _, a := range build.GetExec().Meta.Args {
		if strings.Contains(a, "-static") || strings.Contains(a, "netgo,osusergo") {
			t.Errorf("dynamic cgo build has %q", a)
		}
	}
}

// TestCgoInstallKey checks what the install step is keyed on: the
// package list and the toolchain image, not the source or go.mod.
func TestCgoInstallKey(t *testing.T) {
	digestOf := func(edit func(o *Options)) digest.Digest {
		opt := testOptions(cgoSpec(), arm64)
		edit(&opt)
		_, g := convert(t, opt)
		for d, n := range g.names {
			if strings.HasPrefix(n, "[linux/arm64] apt-get install ") {
				return d
			}
		}
		t.Fatal("no install step")
		return ""
	}
	base := digestOf(func(*Options) {})
	if d := digestOf(func(o *Options) {
		o.Context = llb.Local("context", llb.SessionID("other"))
		o.Spec.Build.Ldflags = "-X main.v=2"
		o.Spec.Build.Env["CGO_CFLAGS"] = "-O3"
		o.Dependencies = testDeps
	}); d != base {
		t.Error("the install step depends on the source, ldflags or build.env")
	}
	if d := digestOf(func(o *Options) { o.Spec.Build.CgoPackages = append(o.Spec.Build.CgoPackages, "libz3-dev") }); d == base {
		t.Error("the install step does not depend on the package list")
	}
	if d := digestOf(func(o *Options) {
		o.Toolchain.State = llb.Image("docker.io/library/golang:1.26-bookworm@sha256:"+strings.Repeat("c", 64), llb.Platform(amd64))
	}); d == base {
		t.Error("the install step does not depend on the toolchain image")
	}
}

// TestCgoDependencyLayer checks that the dependency step of a cgo build
// runs on the install step too, with the same C environment as go build.
func TestCgoDependencyLayer(t *testing.T) {
	opt := testOptions(cgoSpec(), arm64)
	opt.Dependencies = testDeps
	_, g := convert(t, opt)
	_, deps := g.named(t, "[linux/arm64] go build dependencies (3 imports)")
	if root := mountAt(deps.GetExec(), "/"); g.names[digest.Digest(deps.Inputs[root.Input].Digest)] != armInstall {
		t.Error("the dependency step does not run on the install step")
	}
	if cc, _ := envOf(deps.GetExec(), "CC"); cc != "aarch64-linux-gnu-gcc" {
		t.Errorf("dependency step CC = %q", cc)
	}
	if !slices.Contains(deps.GetExec().Meta.Args, "-tags=ec2,netgo,osusergo") {
		t.Errorf("dependency step args = %q, want the static build's tags", deps.GetExec().Meta.Args)
	}
}

// TestCgoUnsupportedPlatform checks that a target without a Debian port
// fails at build.cgo.
func TestCgoUnsupportedPlatform(t *testing.T) {
	s := cgoSpec()
	s.Source.Filename = "go-app.yaml"
	s.Source.Positions = map[string]spec.Position{"build.cgo": {Line: 5, Column: 8}}
	_, err := Convert(testOptions(s, mustParsePlatform(t, "linux/arm/v6")))
	var list spec.Errors
	if !errors.As(err, &list) || list[0].Pos.Line != 5 || !strings.Contains(err.Error(), "build.cgo cannot build for linux/arm/v6") || !strings.Contains(err.Error(), "linux/arm/v7") {
		t.Errorf("err = %v", err)
	}
}

// TestCgoTestTarget checks that the test target of a cgo build runs on
// the build platform's C toolchain, after the module download.
func TestCgoTestTarget(t *testing.T) {
	s := cgoSpec()
	s.Test.Race = true
	res, err := Test(testOptions(s, amd64))
	if err != nil {
		t.Fatal(err)
	}
	g := marshal(t, res.State, amd64)
	_, op := g.named(t, "[linux/amd64] go test -race ./...")
	e := op.GetExec()
	root := g.names[digest.Digest(op.Inputs[mountAt(e, "/").Input].Digest)]
	if root != "[linux/amd64] apt-get install gcc g++ libc6-dev libsqlite3-dev zlib1g-dev (cgo)" {
		t.Errorf("go test runs on %q", root)
	}
	_, install := g.named(t, root)
	if in := g.names[digest.Digest(install.Inputs[mountAt(install.GetExec(), "/").Input].Digest)]; in != "go mod download" {
		t.Errorf("the test's install step runs on %q, want after the module download", in)
	}
	if cc, _ := envOf(e, "CC"); cc != "x86_64-linux-gnu-gcc" {
		t.Errorf("CC = %q", cc)
	}
}

// TestCgoPackagesTable checks the cross packages for other build
// platforms: the triplet's "_" becomes "-" in Debian package names.
func TestCgoPackagesTable(t *testing.T) {
	s := &spec.Spec{Build: spec.Build{Cgo: true, CgoPackages: []string{"libpq-dev"}}}
	x86 := spec.CgoTarget{Debian: "amd64", Triplet: "x86_64-linux-gnu"}
	arm := spec.CgoTarget{Debian: "arm64", Triplet: "aarch64-linux-gnu"}
	if got := CgoPackages(s, arm, x86); !slices.Equal(got, []string{"gcc-x86-64-linux-gnu", "g++-x86-64-linux-gnu", "libc6-dev:amd64", "libpq-dev:amd64"}) {
		t.Errorf("arm64 host, amd64 target: %q", got)
	}
	for _, a := range spec.Arches {
		if a.Debian == "" {
			continue
		}
		if !strings.Contains(a.Triplet, "-linux-gnu") {
			t.Errorf("%s: triplet %q", a.GOARCH, a.Triplet)
		}
	}
}

// TestCgoDynamicLibraries checks the step that copies the shared
// libraries of a dynamically linked cgo binary into the image: on the
// build platform, on the install step, reading the binaries and the
// target's base, its output a layer between the base and the binaries.
func TestCgoDynamicLibraries(t *testing.T) {
	s := cgoSpec()
	s.Build.CgoLink = spec.CgoLinkDynamic
	s.Runtime.Base = "gcr.io/distroless/base-debian12"
	opt := testOptions(s, arm64)
	opt.Base = &Image{Ref: s.Runtime.Base, State: llb.Image("gcr.io/distroless/base-debian12@sha256:"+strings.Repeat("d", 64), llb.Platform(arm64)),
		Config: &dockerspec.DockerOCIImage{}}
	_, g := convert(t, opt)
	_, op := g.named(t, "[linux/arm64] shared libraries of the binaries (cgo)")
	e := op.GetExec()
	want := []string{testFrontendBin, CgoLibrarian, "-goarch", "arm64", "-base", "/go-app-base", "-out", "/go-app-libs", "/go-app-bins/0/server"}
	if !slices.Equal(e.Meta.Args, want) {
		t.Errorf("args = %q, want %q", e.Meta.Args, want)
	}
	if root := mountAt(e, "/"); g.names[digest.Digest(op.Inputs[root.Input].Digest)] != armInstall {
		t.Error("the step does not run on the install step")
	}
	if m := mountAt(e, "/go-app-base"); m == nil || !m.Readonly || !strings.HasPrefix(g.input(t, op, m.Input).GetSource().GetIdentifier(), "docker-image://gcr.io/distroless/base-debian12@") {
		t.Errorf("the base is not mounted read-only: %v", m)
	}
	if m := mountAt(e, "/go-app-bins/0"); m == nil || g.names[digest.Digest(op.Inputs[m.Input].Digest)] != "[linux/arm64] go build ./cmd/server" {
		t.Errorf("the binary is not mounted from go build: %v", m)
	}
	if op.Platform.Architecture != "amd64" {
		t.Errorf("runs on %v, want the build platform", op.Platform)
	}
	_, merge := g.named(t, "[linux/arm64] image on gcr.io/distroless/base-debian12")
	if n := g.names[digest.Digest(merge.Inputs[1].Digest)]; n != "[linux/arm64] shared libraries layer: server" {
		t.Errorf("the second layer is %q, want the shared libraries", n)
	}

	// Static (the default) has no such step.
	s.Build.CgoLink = ""
	if _, g := convert(t, opt); g.has("[linux/arm64] shared libraries of the binaries (cgo)") {
		t.Error("a static cgo build copies shared libraries")
	}
}
