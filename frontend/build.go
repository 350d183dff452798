// Package frontend is go-app's BuildKit gateway glue: it reads go-app.yaml
// through dockerui, resolves the images the build needs, calls the pure
// converter in package llb once per target platform, and returns a
// multi-platform result. It holds no build logic of its own.
package frontend

import (
	"context"
	"strconv"
	"time"

	"github.com/containerd/platforms"
	gollb "github.com/goappfrontend/go-app/llb"
	"github.com/goappfrontend/go-app/spec"
	"github.com/moby/buildkit/client/llb"
	"github.com/moby/buildkit/frontend/dockerui"
	"github.com/moby/buildkit/frontend/gateway/client"
	ocispecs "github.com/opencontainers/image-spec/specs-go/v1"
	"github.com/pkg/errors"
	"golang.org/x/sync/errgroup"
)

// Build options go-app reads besides dockerui's.
const (
	keyVersion         = "build-arg:VERSION"
	keySourceDateEpoch = "build-arg:SOURCE_DATE_EPOCH"
	keyVCSSource       = "vcs:source"
	keyVCSRevision     = "vcs:revision"
	keySource          = "source" // the frontend image, set by BuildKit's gateway
)

// Build is the gateway entry point: go-app.yaml in the build context's
// dockerfile source (the -f file) to one image per target platform, or to
// the target --target names (see allTargets). Subrequests (--call) are
// answered before anything is built.
func Build(ctx context.Context, c client.Client) (_ *client.Result, err error) {
	defer recoverPanic(&err)
	bc, err := dockerui.NewClient(c)
	if err != nil {
		return nil, err
	}
	src, err := bc.ReadEntrypoint(ctx, "YAML")
	if err != nil {
		return nil, err
	}
	if res, ok, err := handleSubrequest(ctx, c, bc, src); err != nil || ok {
		return res, err
	}
	target, err := parseTarget(bc.Target)
	if err != nil {
		return nil, err
	}
	s, err := spec.Load(src.SourceMap.Filename, src.SourceMap.Data)
	if err != nil {
		return nil, withSpecSource(err, src.SourceMap)
	}
	buildCtx, err := bc.MainContext(ctx)
	if err != nil {
		return nil, err
	}
	mod, err := fillSpec(ctx, c, *buildCtx, wholeContext(*buildCtx), s, src.SourceMap, target)
	if err != nil {
		return nil, err
	}
	if err := setTargetPlatforms(bc, s); err != nil {
		return nil, err
	}

	toolchain, frontendImg, scan, err := resolveInputs(ctx, c, bc, src, *buildCtx, mod, s, target)
	if err != nil {
		return nil, err
	}
	base, err := baseOptions(bc, src, s, *buildCtx, mod, toolchain, frontendImg)
	if err != nil {
		return nil, err
	}

	// --no-cache: every op of the build runs again (cache mounts stay).
	var marshalOpts []llb.ConstraintsOpt
	if bc.IsNoCache("") {
		marshalOpts = append(marshalOpts, llb.IgnoreCache)
	}

	if target.name == targetTest.name {
		return buildTest(ctx, c, bc, src, base, marshalOpts)
	}

	sboms, err := newSBOMAttester(ctx, c, bc, marshalOpts)
	if err != nil {
		return nil, err
	}
	rb, err := bc.Build(ctx, recoverBuildFunc(func(ctx context.Context, platform *ocispecs.Platform, idx int) (*dockerui.BuildResult, error) {
		opt := base
		opt.TargetPlatform = base.BuildPlatform
		if platform != nil {
			opt.TargetPlatform = *platform
		}
		opt.Dependencies = scan.forPlatform(opt.TargetPlatform)
		opt.Profiles = scan.profiles()
		build, image := buildImage, true
		switch target.name {
		case targetBinaries.name:
			build, image = buildBinaries, false
		case targetDebug.name:
			build = buildDebug
		}
		br, res, err := build(ctx, c, bc, opt, src.SourceMap, marshalOpts)
		if err != nil {
			return nil, err
		}
		return br, sboms.add(ctx, platform, res.opt, res.Result, image)
	}))
	if err != nil {
		return nil, err
	}
	if err := sboms.attach(ctx, rb); err != nil {
		return nil, err
	}
	return rb.Finalize()
}

// resolveInputs resolves, at the same time, the toolchain and the
// frontend's own image, whose binary moves Go's caches in and out of
// layers, writes the runtime files of scratch images and runs the test
// target's go test, and, unless target is the test, reads the build
// context for the imports of the binaries.
func resolveInputs(ctx context.Context, c client.Client, bc *dockerui.Client, src *dockerui.Source, buildCtx llb.State, mod *module, s *spec.Spec, target target) (toolchain, frontendImg *gollb.Image, scan *dependencyScan, err error) {
	buildPlatform := bc.BuildPlatforms[0]
	eg, ectx := errgroup.WithContext(ctx)
	eg.Go(func() error {
		img, err := resolveImage(ectx, c, bc, s.Go.Image, buildPlatform, "go toolchain")
		if err != nil {
			return withSpecSource(errors.Wrapf(err, "go toolchain image %s", s.Go.Image), src.SourceMap, s.Source.Pos("go.image"), s.Source.Pos("go.version"))
		}
		toolchain = img
		return nil
	})
	eg.Go(func() error {
		img, err := resolveFrontendImage(ectx, c, bc, bc.BuildOpts().Opts[keySource], buildPlatform)
		frontendImg = img
		return err
	})
	if target.name != targetTest.name {
		eg.Go(func() error {
			// ctx, not ectx: the scan reads the context after Wait.
			scan = newDependencyScan(ctx, c, buildCtx, mod, s)
			return nil
		})
	}
	if err := eg.Wait(); err != nil {
		return nil, nil, nil, err
	}
	return toolchain, frontendImg, scan, nil
}

// baseOptions are the converter's options for every target platform of
// the build.
func baseOptions(bc *dockerui.Client, src *dockerui.Source, s *spec.Spec, buildCtx llb.State, mod *module, toolchain, frontendImg *gollb.Image) (gollb.Options, error) {
	opts := bc.BuildOpts().Opts
	epoch, err := parseEpoch(opts[keySourceDateEpoch])
	if err != nil {
		return gollb.Options{}, err
	}
	return gollb.Options{
		Spec:          s,
		BuildPlatform: bc.BuildPlatforms[0],
		Toolchain:     *toolchain,
		Frontend:      frontendImg,
		Context:       buildCtx,
		Vendor:        mod.Vendor,
		CacheNS:       bc.CacheIDNamespace,
		SourceMap:     src.SourceMap,
		Epoch:         epoch,
		Now:           time.Now(),
		Metadata: gollb.Metadata{
			Version:  opts[keyVersion],
			Revision: opts[keyVCSRevision],
			Source:   opts[keyVCSSource],
		},
		Labels: bc.Labels,
	}, nil
}

// fillSpec fills the spec's defaults from the build context, as target
// needs them: go.mod (and whether the module vendors) for every target, and
// for a spec without main and binaries (zero config) the module's one main
// package, except for the test target, which needs none: a library module
// has the test target too. Its errors point at the spec. Build and --call
// check both use it, so that check reports what a build would.
//
// The module files come from files (see contextFiles); the .go files of
// zero config from buildCtx. A replace or use directive that names no
// module of the context is reported with the spec's problems, at its line
// of go.mod or go.work.
func fillSpec(ctx context.Context, c client.Client, buildCtx llb.State, files contextFiles, s *spec.Spec, sm *llb.SourceMap, t target) (*module, error) {
	mod, err := readModule(ctx, c, files, s)
	if err != nil {
		return nil, err
	}
	if t.name == targetTest.name {
		return mod, withSpecSource(withProblems(s.FillTestDefaultsFrom(mod.goFiles()), mod.Problems), sm)
	}
	if mod.GoMod != nil || mod.GoWork != nil { // a missing go.mod is FillDefaults' to report
		if err := findMain(ctx, c, buildCtx, s, mod, sm); err != nil {
			return nil, err
		}
	}
	return mod, withSpecSource(withProblems(s.FillDefaultsFrom(mod.goFiles()), mod.Problems), sm)
}

// withProblems adds the problems of the module files to err, the error of
// FillDefaults: all are reported at once.
func withProblems(err error, problems spec.Errors) error {
	if len(problems) == 0 {
		return err
	}
	var errs spec.Errors
	if err != nil && !errors.As(err, &errs) {
		return err
	}
	return append(append(spec.Errors{}, errs...), problems...).Err()
}

// setTargetPlatforms makes the spec's platforms the targets when the caller
// asked for none, and checks that every target is one go-app builds for
// (a --platform windows/amd64 would otherwise put a Windows binary in a
// Linux image).
func setTargetPlatforms(bc *dockerui.Client, s *spec.Spec) error {
	if len(bc.TargetPlatforms) == 0 && len(s.Platforms) > 0 {
		ps := make([]ocispecs.Platform, 0, len(s.Platforms))
		for _, p := range s.Platforms {
			pp, err := spec.ParsePlatform(p)
			if err != nil {
				return err // Load has reported it with its position already
			}
			ps = append(ps, pp)
		}
		bc.TargetPlatforms = ps
		bc.MultiPlatformRequested = bc.MultiPlatformRequested || len(ps) > 1
		return nil
	}
	for _, p := range bc.TargetPlatforms {
		if _, err := spec.ParsePlatform(platforms.FormatAll(p)); err != nil {
			return errors.Wrap(err, "--platform")
		}
	}
	return nil
}

// parseEpoch reads SOURCE_DATE_EPOCH (seconds since 1970), if given.
func parseEpoch(v string) (*time.Time, error) {
	if v == "" {
		return nil, nil
	}
	sec, err := strconv.ParseInt(v, 10, 64)
	if err != nil {
		return nil, errors.Errorf("SOURCE_DATE_EPOCH %q is not a number of seconds since 1970", v)
	}
	t := time.Unix(sec, 0).UTC()
	return &t, nil
}
