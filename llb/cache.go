package llb

import (
	"fmt"
	"strings"

	"github.com/goappfrontend/go-app/spec"
	"github.com/moby/buildkit/client/llb"
	ocispecs "github.com/opencontainers/image-spec/specs-go/v1"
)

// Go's caches as layers. BuildKit exports layers (`--cache-to
// ...,mode=max`) but never cache mounts, so a new builder (a hosted CI
// runner) would download every module and compile every dependency again.
// go-app keeps both caches in ordinary layers keyed the way Go keys them,
// next to the cache mounts a long-lived builder keeps using:
//
//   - the module layer, written by the module download step and keyed on
//     go.mod/go.sum (and the toolchain and frontend images, build.env);
//   - the dependency layer of each target platform, written by a step that
//     compiles the packages the main module imports from elsewhere
//     (Options.Dependencies) into an empty build cache with the network off
//     (with Go 1.24 and later through GOCACHEPROG, which copies what the
//     builder's GOCACHE mount holds already instead of compiling it, and
//     puts what it compiles there too), keyed on the module layer, that
//     list, the platform's Go environment and the flags that change
//     compilation (-trimpath, -tags, build.flags), never on the source or
//     the ldflags;
//   - every go build step mounts the module layer as its GOMODCACHE (a
//     writable view whose writes are dropped: nothing is copied), and as
//     its GOCACHE a cache mount based on the dependency layer: a writable
//     view of that layer the first time, kept by the builder under the
//     mount id and the layer, so nothing is copied either. When private
//     modules are kept out of the module layer, GOMODCACHE is the cache
//     mount instead, which the frontend binary's `gobuild` seeds from the
//     module layer (one stat once it is seeded).
//
// The main module's own packages are compiled in the cache mount only, and
// the go build step's output is the binary alone.
//
// A new builder would still unpack the toolchain image the go build steps
// run on. Without cgo they run on the toolchain layer instead: the Go
// installation of the toolchain image without its tests and docs, a
// third of its files (gocache.ExportToolchain), keyed on the toolchain and
// frontend images only. The cache import unpacks that layer, never the
// toolchain image, unless a step that needs it runs.

// frontendMount mounts the frontend image where b.frontendBin points.
func (b *builder) frontendMount() llb.RunOption {
	return llb.AddMount(frontendDir, b.opt.Frontend.State, llb.Readonly, llb.ContentCache(llb.MountContentCacheOff))
}

// compileFlags are the go build flags that change what the compiler
// produces for a package: -trimpath, -tags (with netgo and osusergo for a
// static cgo build) and build.flags (-race,
// -cover..., -buildmode). The go build steps and the dependency step share
// them, so that their build cache entries match.
func compileFlags(s *spec.Spec) []string {
	var flags []string
	if s.Build.Trimpath == nil || *s.Build.Trimpath {
		flags = append(flags, "-trimpath")
	}
	if tags := cgoTags(s); len(tags) > 0 {
		flags = append(flags, "-tags="+strings.Join(tags, ","))
	}
	return append(flags, s.Build.Flags...)
}

// dependencies returns the dependency layer of the target platform for
// the binaries that use the PGO profile at profile in the build context
// ("" for none), made once per builder (a builder serves one target
// platform) and profile; nil without a module layer or dependencies.
func (b *builder) dependencies(target ocispecs.Platform, goEnv []string, profile string) *llb.State {
	if d, ok := b.deps[profile]; ok || b.modules == nil || len(b.opt.Dependencies) == 0 {
		return d
	}
	args := []string{b.frontendBin, "deps", "-out", buildLayerDir, "-mount", goCache}
	for _, f := range compileFlags(b.opt.Spec) {
		args = append(args, "-flag", f)
	}
	name := fmt.Sprintf("%s go build dependencies (%d imports)", platformName(target), len(b.opt.Dependencies))
	opts := []llb.RunOption{
		llb.AddMount(srcDir, modFiles(b.opt.Context, b.opt.Spec, b.opt.BuildPlatform), llb.Readonly),
		llb.AddMount(goModCache, *b.modules, llb.ForceNoOutput, llb.ContentCache(llb.MountContentCacheOff)),
		// Read and written through (GOCACHEPROG): what this builder
		// compiled before is copied into the layer instead of compiled, and
		// what is compiled goes into the mount too, for the next go.mod.
		llb.AddMount(goCache, llb.Scratch(), llb.AsPersistentCacheDir(b.cacheID("gocache"), llb.CacheMountShared)),
		b.frontendMount(),
	}
	if profile != "" {
		args = append(args, "-flag", "-pgo="+pgoDir+"/"+pgoFile)
		name += " with " + profile
		opts = append(opts, llb.AddMount(pgoDir, profileFile(b.opt.Context, profile, b.opt.BuildPlatform), llb.Readonly))
	}
	args = append(append(args, "--"), b.opt.Dependencies...)
	run := b.execNoCaches(b.goRoot, name, args,
		mergeEnv(envList(b.opt.Spec.Build.Env), TargetEnv(b.opt.Spec, goEnv)), opts...)
	layer := run.AddMount(buildLayerDir, llb.Scratch())
	if b.deps == nil {
		b.deps = map[string]*llb.State{}
	}
	b.deps[profile] = &layer
	return &layer
}

// goBuild is a go build step (args, from GoBuildArgs) on the go build root,
// as run would make it, with the Go caches the layers give: the module
// layer is mounted at GOMODCACHE itself (a writable view whose writes are
// dropped; go build writes nothing there when every module is in it),
// unless private modules are kept out of it: then GOMODCACHE is the cache
// mount, where a go build may fetch them, seeded from the layer by the
// frontend binary's `gobuild`. GOCACHE is a cache mount whose base is the
// dependency layer (deps): BuildKit keys such a mount on its id and the
// base, and makes it a writable view of the base the first time, so a new
// builder copies nothing and a long-lived one keeps what it compiles there
// (the main module's packages) until the dependency layer changes. Without
// a module layer (a vendored module) the go command runs alone, on the
// cache mounts.
func (b *builder) goBuild(name string, args, env []string, deps *llb.State, opts ...llb.RunOption) llb.ExecState {
	creds, env := b.runEnv(env)
	opts = append(creds, opts...)
	if b.modules == nil {
		return b.exec(b.goRoot, name, args, env, opts...)
	}
	off := llb.ContentCache(llb.MountContentCacheOff)
	mounts := []llb.RunOption{b.buildCacheMount()}
	if deps != nil {
		mounts[0] = llb.AddMount(goCache, *deps, llb.AsPersistentCacheDir(b.cacheID("gocache"), llb.CacheMountShared))
	}
	if b.privateOutOfLayer() {
		mounts = append(mounts, b.modCacheMount(), llb.AddMount(modLayerDir, *b.modules, llb.Readonly, off), b.frontendMount())
		args = append([]string{b.frontendBin, "gobuild", "-modules", modLayerDir, "--"}, args...)
	} else {
		mounts = append(mounts, llb.AddMount(goModCache, *b.modules, llb.ForceNoOutput, off))
	}
	return b.execNoCaches(b.goRoot, name, args, env, append(mounts, opts...)...)
}

// privateOutOfLayer says whether private modules stay out of the module
// layer (build.private or GOPRIVATE/GONOPROXY in build.env, without
// build.cache_private): a go build may then have to fetch them again.
func (b *builder) privateOutOfLayer() bool {
	s := b.opt.Spec
	private := len(s.Build.Private) > 0 || s.Build.Env["GOPRIVATE"] != "" || s.Build.Env["GONOPROXY"] != ""
	return private && !s.Build.CachePrivate && !b.opt.Vendor
}

// goBuildRoot is the root of the go build and dependency steps: the
// toolchain layer when they need nothing but Go, else the toolchain image
// after the module download. They need more with cgo (the C toolchain), and
// when a private module is kept out of the module layer: a go build may
// then have to fetch it again, with git and the credentials, if the
// builder dropped its GOMODCACHE cache mount.
func (b *builder) goBuildRoot() llb.State {
	if b.frontendBin == "" || b.opt.Spec.Build.Cgo || b.privateOutOfLayer() {
		return b.root
	}
	run := b.execNoCaches(b.opt.Toolchain.State, "go toolchain layer: GOROOT without tests and docs",
		[]string{b.frontendBin, "toolchain", "-out", toolchainLayerDir}, nil, b.frontendMount())
	return run.AddMount(toolchainLayerDir, llb.Scratch())
}
