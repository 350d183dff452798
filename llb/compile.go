package llb

import (
	"cmp"
	"slices"
	"strings"

	"github.com/goappfrontend/go-app/spec"
	"github.com/moby/buildkit/client/llb"
	ocispecs "github.com/opencontainers/image-spec/specs-go/v1"
)

// binaryOut is one compiled binary: a state holding just the file /<name>.
type binaryOut struct {
	name  string
	state llb.State
}

// GoBuildArgs is the argument vector of `go build` for one binary. Every
// value is its own argument: the go command, not a shell, splits -ldflags.
// -v lists the packages compiled (none of the dependencies once they are
// in the build cache). A static cgo build links with gcc -static.
func GoBuildArgs(s *spec.Spec, bin spec.Binary) []string {
	args := append([]string{"go", "build", "-v"}, compileFlags(s)...)
	// The build context may hold a .git directory while the toolchain image
	// has no git: VCS stamping would then fail the build. Version data goes
	// in through ldflags instead.
	args = append(args, "-buildvcs=false")
	ldflags := s.Build.Ldflags
	if s.Build.CgoStatic() {
		ldflags = strings.TrimSpace(cgoLdflags + " " + ldflags)
	}
	if s.Build.Strip == nil || *s.Build.Strip {
		ldflags = strings.TrimSpace("-s -w " + ldflags)
	}
	if ldflags != "" {
		args = append(args, "-ldflags="+ldflags)
	}
	return append(args, "-o", outDir+"/"+bin.Name, bin.Main)
}

// TargetEnv is what `go build` gets on top of the spec's build.env for one
// target: the platform's GOOS/GOARCH/GOARM/GOAMD64 and CGO_ENABLED, which
// the spec cannot override.
func TargetEnv(s *spec.Spec, goEnv []string) []string {
	cgo := "CGO_ENABLED=0"
	if s.Build.Cgo {
		cgo = "CGO_ENABLED=1"
	}
	return append(slices.Clone(goEnv), cgo)
}

// compile runs `go build` for one binary and target platform in the builder
// stage (on the build platform) and returns a state holding /<name>.
//
// The step's result stays out of an exported cache (`--cache-to
// ...,mode=max` exports every step's otherwise): it is a new binary on every
// change of the source, which the next commit's build cannot use, and the
// layer made from it is exported anyway, which is all a build of the same
// commit needs. Its cache key is still exported, so that layer is found.
func (b *builder) compile(bin spec.Binary, target ocispecs.Platform, goEnv []string) llb.State {
	name := platformName(target) + " go build " + bin.Main
	opts := []llb.RunOption{llb.AddMount(srcDir, b.opt.Context, llb.Readonly), llb.WithoutExportCache()}
	for _, l := range b.location(bin.Pos) {
		opts = append(opts, l)
	}
	if src := b.opt.Spec.Source; b.opt.Spec.Build.Cgo {
		// A missing C header or library is fixed in build.cgo_packages.
		for _, l := range b.location(cmp.Or(src.Pos("build.cgo_packages"), src.Pos("build.cgo"))) {
			opts = append(opts, l)
		}
	}
	run := b.goBuild(name, GoBuildArgs(b.opt.Spec, bin), TargetEnv(b.opt.Spec, goEnv),
		b.dependencies(target, goEnv, b.opt.Profiles[bin.Name]), opts...)
	return run.AddMount(outDir, llb.Scratch())
}
