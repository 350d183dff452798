// Package llb converts a go-app spec into BuildKit LLB for one target
// platform: a builder stage on the build platform (Go toolchain image,
// module download, cross-compiling `go build` with cache mounts) and a
// runtime image assembled with file operations only, plus its image config.
//
// It is a pure converter: it never talks to BuildKit. The frontend resolves
// images and reads go.mod, then calls [Convert] once per target platform:
//
//	res, err := llb.Convert(llb.Options{
//		Spec:           s,
//		BuildPlatform:  buildPlatform,
//		TargetPlatform: targetPlatform,
//		Toolchain:      llb.Image{Ref: "golang:1.26", State: toolchainState, Config: cfg},
//		Context:        contextState,
//	})
//	def, err := res.State.Marshal(ctx)
package llb

import (
	"errors"
	"fmt"
	"maps"
	"path"
	"slices"
	"strings"
	"time"

	"github.com/containerd/platforms"
	"github.com/goappfrontend/go-app/spec"
	"github.com/moby/buildkit/client/llb"
	"github.com/moby/buildkit/solver/pb"
	dockerspec "github.com/moby/docker-image-spec/specs-go/v1"
	digest "github.com/opencontainers/go-digest"
	ocispecs "github.com/opencontainers/image-spec/specs-go/v1"
)

// Paths inside the builder stage.
const (
	srcDir      = "/src"
	outDir      = "/out"
	goModCache  = "/go/pkg/mod"
	goCache     = "/root/.cache/go-build"
	frontendDir = "/go-app" // where the frontend image is mounted
	// Where the go build steps mount the module layer and the dependency
	// layer that seed the cache mounts (see cache.go).
	modLayerDir   = "/go-app-cache/mod"
	buildLayerDir = "/go-app-cache/build"
	// Where the toolchain layer step writes its output (see cache.go).
	toolchainLayerDir = "/go-app-toolchain"
)

// Image is a resolved image: its LLB state and its config.
type Image struct {
	// Ref is the reference the user wrote (used in op names).
	Ref string
	// Digest is the manifest (or index) digest State is pinned to, when
	// known.
	Digest digest.Digest
	// State is the image's root filesystem, usually llb.Image pinned by digest.
	State llb.State
	// Config is the image config; its Env is applied to steps run in it.
	Config *dockerspec.DockerOCIImage
}

// Options is everything Convert needs for one target platform.
type Options struct {
	// Spec is a loaded spec with defaults filled.
	Spec *spec.Spec
	// BuildPlatform is where the builder stage runs (never emulated).
	BuildPlatform ocispecs.Platform
	// TargetPlatform is the platform of the image to produce.
	TargetPlatform ocispecs.Platform
	// Toolchain is the Go toolchain image, for the build platform.
	Toolchain Image
	// Base is the runtime base image for the target platform; nil for scratch.
	Base *Image
	// Debug, when set, is the busybox image (DebugImageRef) for
	// TargetPlatform: Convert then builds the debug image, the runtime
	// image plus busybox in DebugDir, on PATH.
	Debug *Image
	// Frontend is the go-app frontend image, for the build platform. Its
	// binary (the image's entrypoint) writes the runtime files on scratch
	// and runs the test target's go test.
	Frontend *Image
	// Context is the build context (the Go module).
	Context llb.State
	// Vendor is true when the module vendors its dependencies
	// (vendor/modules.txt exists): no module download then.
	Vendor bool
	// Dependencies are the import paths that the binaries' packages import
	// from outside the main module on TargetPlatform (package
	// internal/imports): compiled ahead in a layer keyed on go.mod and
	// go.sum, not on the source (see cache.go). Empty: no such step.
	Dependencies []string
	// Profiles maps the name of each binary whose main package has a PGO
	// profile, a default.pgo that go build uses with -pgo=auto, to its
	// path in the build context ("cmd/server/default.pgo"). Its
	// dependencies are compiled ahead with that profile (see pgo.go).
	Profiles map[string]string
	// CacheNS namespaces cache mount ids (BUILDKIT_CACHE_MOUNT_NS).
	CacheNS string
	// SourceMap, when set, makes ops point back at spec lines.
	SourceMap *llb.SourceMap
	// Epoch is SOURCE_DATE_EPOCH when given: the image's creation time.
	Epoch *time.Time
	// Now is the creation time when no Epoch is given.
	Now time.Time
	// Metadata fills the org.opencontainers.image.* labels.
	Metadata Metadata
	// Labels are the caller's --label values; they win over everything.
	Labels map[string]string
}

// Metadata are facts about the source that become OCI labels and the
// values of build.ldflags' variables (see LdflagsVars).
type Metadata struct {
	Version  string // org.opencontainers.image.version
	Revision string // org.opencontainers.image.revision
	Source   string // org.opencontainers.image.source
}

// Result is the converted build for one platform.
type Result struct {
	// State is the runtime image's root filesystem.
	State llb.State
	// Image is the image config.
	Image *dockerspec.DockerOCIImage
	// Binaries maps each binary's name to its path in State.
	Binaries map[string]string
	// BinariesLayer is the top layer of State (Convert only): the
	// binaries at their paths in State, and runtime.files. Checks that
	// read nothing else read them there, without the rest of the image.
	BinariesLayer llb.State
}

// fileTime stamps every file of the runtime image, so that the same source
// gives the same layers whatever the build time.
var fileTime = time.Unix(0, 0).UTC()

// filesTime is the date of the files of a result: SOURCE_DATE_EPOCH when
// given, else fileTime.
func filesTime(opt Options) time.Time {
	if opt.Epoch != nil {
		return opt.Epoch.UTC()
	}
	return fileTime
}

// forBinaries readies opt for the targets that compile the binaries (image
// and binaries): build.ldflags expanded, the normalised target platform
// and its Go environment. Both targets so get the same go build ops.
func forBinaries(opt Options) (Options, ocispecs.Platform, []string, error) {
	if opt.Spec == nil || len(opt.Spec.Binaries) == 0 {
		return opt, ocispecs.Platform{}, nil, errors.New("llb: spec has no binaries (FillDefaults not called?)")
	}
	s, err := expandLdflags(opt)
	if err != nil {
		return opt, ocispecs.Platform{}, nil, err
	}
	opt.Spec = s
	target := platforms.Normalize(opt.TargetPlatform)
	goEnv, err := GoEnv(target)
	if err == nil && s.Build.Cgo {
		var t spec.CgoTarget
		if t, err = cgoTarget(s, target); err == nil {
			goEnv = append(goEnv, CgoEnv(t)...)
		}
	}
	return opt, target, goEnv, err
}

// Convert returns the LLB and image config of one target platform.
func Convert(opt Options) (*Result, error) {
	opt, target, goEnv, err := forBinaries(opt)
	if err != nil {
		return nil, err
	}
	b, err := newTargetBuilder(opt, target)
	if err != nil {
		return nil, err
	}
	bins := make(map[string]string, len(opt.Spec.Binaries))
	outs := make([]binaryOut, 0, len(opt.Spec.Binaries))
	for _, bin := range opt.Spec.Binaries {
		st, err := b.withCapabilities(b.compile(bin, target, goEnv), bin, target)
		if err != nil {
			return nil, err
		}
		outs = append(outs, binaryOut{name: bin.Name, state: st})
		bins[bin.Name] = spec.DefaultBinaryDir + "/" + bin.Name
	}
	rootfs, top, err := assemble(opt, b, target, outs)
	if err != nil {
		return nil, err
	}
	img, err := imageConfig(opt, target)
	if err != nil {
		return nil, err
	}
	return &Result{State: rootfs, Image: img, Binaries: bins, BinariesLayer: top}, nil
}

// builder is the builder stage shared by every binary and platform.
type builder struct {
	opt  Options
	root llb.State // toolchain image after the module download
	// goRoot is where the go build and dependency steps run: the toolchain
	// layer, or root when they need more than Go (see goBuildRoot).
	goRoot llb.State
	env    []string // toolchain image env
	// frontendBin is the frontend binary's path where steps mount its image.
	frontendBin string
	// modules is the module layer (nil for a vendored module).
	modules *llb.State
	// deps are the dependency layers of the target platform, one for each
	// PGO profile in use ("" for none).
	deps map[string]*llb.State
}

func newBuilder(opt Options) (*builder, error) {
	b := &builder{opt: opt, root: opt.Toolchain.State, env: imageEnv(opt.Toolchain.Config)}
	// A vendored module needs the frontend image for nothing but the
	// toolchain layer, and builds without it.
	if !opt.Vendor || opt.Frontend != nil {
		var err error
		if b.frontendBin, err = frontendBinary(opt.Frontend); err != nil {
			return nil, err
		}
	}
	if !opt.Vendor {
		b.moduleDownload()
	}
	b.goRoot = b.goBuildRoot()
	return b, nil
}

// newTargetBuilder is newBuilder for the go build steps of one target
// platform: with build.cgo they run on the toolchain image with the C
// toolchain and packages for target installed (see cgo.go).
func newTargetBuilder(opt Options, target ocispecs.Platform) (*builder, error) {
	b, err := newBuilder(opt)
	if err != nil || !opt.Spec.Build.Cgo {
		return b, err
	}
	b.goRoot, err = b.cgoRoot(opt.Toolchain.State, target)
	return b, err
}

// run is a step of the builder stage that may fetch modules (`go mod
// download`, `go build`): an exec on root with the credentials mounts,
// then GOPRIVATE, NETRC and SSH_AUTH_SOCK, the spec's build.env and env on
// top of exec's environment.
func (b *builder) run(root llb.State, name string, args []string, env []string, opts ...llb.RunOption) llb.ExecState {
	creds, env := b.runEnv(env)
	return b.exec(root, name, args, env, append(creds, opts...)...)
}

// runEnv returns the credentials mounts of run and its environment:
// GOPRIVATE, NETRC and SSH_AUTH_SOCK, the spec's build.env, then env.
func (b *builder) runEnv(env []string) ([]llb.RunOption, []string) {
	creds, credEnv := b.credentials()
	return creds, mergeEnv(credEnv, envList(b.opt.Spec.Build.Env), env)
}

// exec runs args on root, on the build platform, with the Go caches mounted
// and the environment: toolchain image env, go-app's settings, then env.
func (b *builder) exec(root llb.State, name string, args []string, env []string, opts ...llb.RunOption) llb.ExecState {
	return b.execNoCaches(root, name, args, env, append([]llb.RunOption{b.modCacheMount(), b.buildCacheMount()}, opts...)...)
}

// modCacheMount and buildCacheMount are the builder's GOMODCACHE and
// GOCACHE cache mounts.
func (b *builder) modCacheMount() llb.RunOption {
	return llb.AddMount(goModCache, llb.Scratch(), llb.AsPersistentCacheDir(b.cacheID("gomodcache"), llb.CacheMountShared))
}

func (b *builder) buildCacheMount() llb.RunOption {
	return llb.AddMount(goCache, llb.Scratch(), llb.AsPersistentCacheDir(b.cacheID("gocache"), llb.CacheMountShared))
}

// execNoCaches is exec without the cache mounts: the caller mounts what
// GOMODCACHE and GOCACHE point at.
func (b *builder) execNoCaches(root llb.State, name string, args []string, env []string, opts ...llb.RunOption) llb.ExecState {
	ro := []llb.RunOption{
		llb.Args(args),
		llb.Dir(b.workDir()),
		llb.WithCustomName(name),
		llb.Platform(b.opt.BuildPlatform),
	}
	for _, kv := range mergeEnv(b.env, []string{
		"GOMODCACHE=" + goModCache,
		"GOCACHE=" + goCache,
		"GOTOOLCHAIN=local",
		"GOFLAGS=",
	}, env) {
		k, v, _ := strings.Cut(kv, "=")
		ro = append(ro, llb.AddEnv(k, v))
	}
	return root.Run(append(ro, opts...)...)
}

// workDir is where the go commands run: the module directory of the spec
// in the build context's mount.
func (b *builder) workDir() string {
	return path.Join(srcDir, b.opt.Spec.ModuleDir())
}

func (b *builder) cacheID(name string) string {
	id := "go-app-" + name
	if b.opt.CacheNS != "" {
		id = b.opt.CacheNS + "/" + id
	}
	return id
}

// location points an op at a place in the spec, when a source map is set.
func (b *builder) location(p spec.Position) []llb.ConstraintsOpt {
	if b.opt.SourceMap == nil || p.Line == 0 {
		return nil
	}
	return []llb.ConstraintsOpt{b.opt.SourceMap.Location([]*pb.Range{SourceRange(p, p)})}
}

func platformName(p ocispecs.Platform) string {
	return fmt.Sprintf("[%s]", platforms.FormatAll(p))
}

// imageEnv is an image config's environment, or nil.
func imageEnv(img *dockerspec.DockerOCIImage) []string {
	if img == nil {
		return nil
	}
	return img.Config.Env
}

// mergeEnv overlays KEY=VALUE lists left to right; later keys win and keep
// the position of their first appearance.
func mergeEnv(lists ...[]string) []string {
	var out []string
	idx := map[string]int{}
	for _, l := range lists {
		for _, kv := range l {
			k, _, _ := strings.Cut(kv, "=")
			if i, ok := idx[k]; ok {
				out[i] = kv
				continue
			}
			idx[k] = len(out)
			out = append(out, kv)
		}
	}
	return out
}

// envList turns a map into sorted KEY=VALUE pairs.
func envList(m map[string]string) []string {
	keys := slices.Sorted(maps.Keys(m))
	out := make([]string, 0, len(keys))
	for _, k := range keys {
		out = append(out, k+"="+m[k])
	}
	return out
}
