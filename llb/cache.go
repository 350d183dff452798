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
//     builder's GOCACHE mount holds already instead of compiling it), keyed
//     on the module layer, that list, the platform's Go environment and the
//     flags that change compilation (-trimpath, -tags, build.flags), never
//     on the source or the ldflags;
//   - the toolchain layer: the Go installation of the toolchain image
//     without its tests and docs, a quarter of its files
//     (gocache.ExportToolchain), keyed on the toolchain and frontend images.
//
// The module and dependency layers hold their files under modLayerDir and
// buildLayerDir. Without cgo, a go build step runs on the merge of the
// three layers (the toolchain image is then never unpacked on a new
// builder, and the three layers are unpacked at the same time); with cgo
// it runs on the toolchain image with the two layers mounted there. Before
// the go command runs, the frontend binary's `gobuild` copies what the
// cache mounts lack from the layers into them (one stat when they are
// seeded already). The main module's own packages are compiled in the
// cache mount only, and the go build step's output is the binary alone.

// helperMount mounts the frontend image where b.helper points.
func (b *builder) helperMount() llb.RunOption {
	return llb.AddMount(helperDir, b.opt.Helper.State, llb.Readonly, llb.ContentCache(llb.MountContentCacheOff))
}

// compileFlags are the go build flags that change what the compiler
// produces for a package: -trimpath, -tags and build.flags (-race,
// -cover..., -buildmode). The go build steps and the dependency step share
// them, so that their build cache entries match.
func compileFlags(s *spec.Spec) []string {
	var flags []string
	if s.Build.Trimpath == nil || *s.Build.Trimpath {
		flags = append(flags, "-trimpath")
	}
	if tags := s.Build.Tags; len(tags) > 0 {
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
	args := []string{b.helper, "deps", "-out", layerOut + buildLayerDir, "-mount", goCache}
	for _, f := range compileFlags(b.opt.Spec) {
		args = append(args, "-flag", f)
	}
	name := fmt.Sprintf("%s go build dependencies (%d imports)", platformName(target), len(b.opt.Dependencies))
	opts := []llb.RunOption{
		llb.AddMount(srcDir, modFiles(b.opt.Context, b.opt.BuildPlatform), llb.Readonly),
		llb.AddMount(goModCache, *b.modules, llb.SourcePath(modLayerDir), llb.ForceNoOutput, llb.ContentCache(llb.MountContentCacheOff)),
		// Read through (GOCACHEPROG), never written: what this builder
		// compiled before is copied into the layer instead of compiled.
		llb.AddMount(goCache, llb.Scratch(), llb.AsPersistentCacheDir(b.cacheID("gocache"), llb.CacheMountShared), llb.Readonly),
		b.helperMount(),
	}
	if profile != "" {
		args = append(args, "-flag", "-pgo="+pgoDir+"/"+pgoFile)
		name += " with " + profile
		opts = append(opts, llb.AddMount(pgoDir, profileFile(b.opt.Context, profile, b.opt.BuildPlatform), llb.Readonly))
	}
	args = append(append(args, "--"), b.opt.Dependencies...)
	run := b.execNoCaches(b.goRoot, name, args,
		mergeEnv(envList(b.opt.Spec.Build.Env), TargetEnv(b.opt.Spec, goEnv)), opts...)
	layer := run.AddMount(layerOut, llb.Scratch())
	if b.deps == nil {
		b.deps = map[string]*llb.State{}
	}
	b.deps[profile] = &layer
	return &layer
}

// seeded returns the root of a go build step and its argument vector,
// wrapped so that the frontend binary first seeds the cache mounts from the
// module and dependency layers. On the toolchain layer the root is the
// merge of the three layers: BuildKit unpacks the layers of a merge at the
// same time, where it unpacks an exec's inputs one after the other, and a
// new builder spends most of its time there. Otherwise the root is goRoot
// and the layers are mounted read-only where the merge puts them.
func (b *builder) seeded(target ocispecs.Platform, args []string, deps *llb.State) (llb.State, []string, []llb.RunOption) {
	if b.modules == nil {
		return b.goRoot, args, nil
	}
	layers := []llb.State{*b.modules}
	wrap := []string{b.helper, "gobuild", "-modules", modLayerDir}
	if deps != nil {
		layers = append(layers, *deps)
		wrap = append(wrap, "-cache", buildLayerDir)
	}
	wrap = append(append(wrap, "--"), args...)
	opts := []llb.RunOption{b.helperMount()}
	if b.slim {
		root := llb.Merge(append([]llb.State{b.goRoot}, layers...),
			llb.WithCustomName(platformName(target)+" go build root: toolchain, module and dependency layers"))
		return root, wrap, opts
	}
	off := llb.ContentCache(llb.MountContentCacheOff)
	for i, dir := range []string{modLayerDir, buildLayerDir}[:len(layers)] {
		opts = append(opts, llb.AddMount(dir, layers[i], llb.SourcePath(dir), llb.Readonly, off))
	}
	return b.goRoot, wrap, opts
}

// goBuildRoot is the root of the go build and dependency steps: the
// toolchain layer when they need nothing but Go, else the toolchain image
// after the module download. They need more with cgo (the C toolchain), and
// when a private module is kept out of the module layer: a go build may
// then have to fetch it again, with git and the credentials, if the
// builder dropped its GOMODCACHE cache mount.
func (b *builder) goBuildRoot() llb.State {
	s := b.opt.Spec
	private := len(s.Build.Private) > 0 || s.Build.Env["GOPRIVATE"] != "" || s.Build.Env["GONOPROXY"] != ""
	if b.helper == "" || s.Build.Cgo || (private && !s.Build.CachePrivate && !b.opt.Vendor) {
		return b.root
	}
	b.slim = true
	run := b.execNoCaches(b.opt.Toolchain.State, "go toolchain layer: GOROOT without tests and docs",
		[]string{b.helper, "toolchain", "-out", layerOut}, nil, b.helperMount())
	return run.AddMount(layerOut, llb.Scratch())
}
