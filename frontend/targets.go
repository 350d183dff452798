package frontend

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/containerd/platforms"
	gollb "github.com/goappfrontend/go-app/llb"
	"github.com/goappfrontend/go-app/spec"
	"github.com/moby/buildkit/client/llb"
	"github.com/moby/buildkit/frontend/dockerui"
	"github.com/moby/buildkit/frontend/gateway/client"
	"github.com/moby/buildkit/solver/errdefs"
	"github.com/moby/buildkit/solver/pb"
	"github.com/moby/buildkit/util/grpcerrors"
	ocispecs "github.com/opencontainers/image-spec/specs-go/v1"
	"github.com/pkg/errors"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// A target is what `--target` selects.
type target struct {
	name        string
	description string
	// keys are the spec keys the target is about, the first one the file
	// sets is its location.
	keys []string
}

// The targets, the default first.
var (
	targetImage = target{"image",
		"The runtime image, one per platform",
		[]string{"runtime", "main", "binaries"}}
	targetBinaries = target{"binaries",
		"The binaries alone, one directory per platform with --output type=local",
		[]string{"binaries", "main"}}
	targetTest = target{"test",
		"go test, once, on the build platform; the result holds test.log",
		[]string{"test"}}
	targetDebug = target{"debug",
		"The runtime image plus a static busybox shell and core utilities in " + gollb.DebugDir + ", on PATH; same user and entrypoint",
		[]string{"runtime", "main", "binaries"}}
	allTargets = []target{targetImage, targetBinaries, targetTest, targetDebug}
)

// parseTarget returns the target --target names; "" is the image.
func parseTarget(name string) (target, error) {
	if name == "" {
		return targetImage, nil
	}
	for _, t := range allTargets {
		if t.name == name {
			return t, nil
		}
	}
	names := make([]string, len(allTargets))
	for i, t := range allTargets {
		names[i] = t.name
	}
	return target{}, errors.Errorf("unknown target %q: go-app builds the targets %s (image is the default)", name, strings.Join(names, ", "))
}

// location is the lines of the spec that declare what target t is about,
// or nil.
func (t target) location(s *spec.Spec) []*pb.Range {
	for _, k := range t.keys {
		if r, ok := gollb.SectionRange(s, k); ok {
			return []*pb.Range{r}
		}
	}
	return nil
}

// solveState marshals st for platform p and solves it. With evaluate it is
// solved now, so that a failing step fails here; without, when the result
// is first read (or exported).
func solveState(ctx context.Context, c client.Client, bc *dockerui.Client, st llb.State, p ocispecs.Platform, marshalOpts []llb.ConstraintsOpt, evaluate bool) (client.Reference, error) {
	def, err := st.Marshal(ctx, append([]llb.ConstraintsOpt{llb.Platform(p)}, marshalOpts...)...)
	if err != nil {
		return nil, errors.Wrap(err, "marshaling LLB")
	}
	r, err := c.Solve(ctx, client.SolveRequest{Definition: def.ToPB(), CacheImports: bc.CacheImports, Evaluate: evaluate})
	if err != nil {
		return nil, err
	}
	return r.SingleRef()
}

// built is what a target built for one platform: the converter's result
// and the options it was converted with (the resolved base and debug
// images included), which the SBOM describes.
type built struct {
	*gollb.Result
	opt gollb.Options
}

// buildImage builds the image target (the default) of one platform: on
// the runtime base, resolved for the platform unless it is scratch, with
// the binaries checked against it, since a wrong binary would only fail at
// `docker run`.
func buildImage(ctx context.Context, c client.Client, bc *dockerui.Client, opt gollb.Options, sm *llb.SourceMap, marshalOpts []llb.ConstraintsOpt) (*dockerui.BuildResult, *built, error) {
	s := opt.Spec
	if s.Runtime.Base != spec.DefaultBase {
		img, err := resolveImage(ctx, c, bc, s.Runtime.Base, opt.TargetPlatform, "runtime base")
		if err != nil {
			return nil, nil, withSpecSource(errors.Wrapf(err, "runtime base image %s", s.Runtime.Base), sm, s.Source.Pos("runtime.base"))
		}
		opt.Base = img
	}
	res, err := gollb.Convert(opt)
	if err != nil {
		return nil, nil, withSpecSource(err, sm)
	}
	ref, err := solveState(ctx, c, bc, res.State, opt.TargetPlatform, marshalOpts, false)
	if err != nil {
		return nil, nil, err
	}
	// On scratch the binaries must be static, and their check reads
	// nothing but them: from their own layer, which a builder that
	// imported the runtime files layer from a cache does not have to
	// unpack and merge with it for that. BuildKit solves the image when
	// it exports it.
	bins := ref
	if s.Runtime.Base == spec.DefaultBase {
		if bins, err = solveState(ctx, c, bc, res.BinariesLayer, opt.TargetPlatform, marshalOpts, false); err != nil {
			return nil, nil, err
		}
	}
	if err := verifyBinaries(ctx, bins, s, sm, res.Binaries, opt.TargetPlatform); err != nil {
		return nil, nil, err
	}
	if err := verifyCapabilities(ctx, ref, s, sm, res.Binaries); err != nil {
		return nil, nil, err
	}
	br := &dockerui.BuildResult{Reference: ref, Image: res.Image, Epoch: opt.Epoch}
	if opt.Base != nil {
		br.BaseImage = opt.Base.Config
	}
	return br, &built{res, opt}, nil
}

// buildDebug builds the debug target of one platform: the image target
// with busybox (gollb.DebugImageRef, resolved for the platform) added.
func buildDebug(ctx context.Context, c client.Client, bc *dockerui.Client, opt gollb.Options, sm *llb.SourceMap, marshalOpts []llb.ConstraintsOpt) (*dockerui.BuildResult, *built, error) {
	img, err := resolveImage(ctx, c, bc, gollb.DebugImageRef, opt.TargetPlatform, "debug shell")
	if err != nil {
		return nil, nil, errors.Wrapf(err, "debug shell image %s (the debug target's busybox; a --build-context %s=docker-image://... replaces it)", gollb.DebugImageRef, gollb.DebugImageRef)
	}
	opt.Debug = img
	return buildImage(ctx, c, bc, opt, sm, marshalOpts)
}

// buildBinaries builds the binaries target of one platform. Binaries for
// scratch are checked like the image's (right architecture, static); on
// another runtime.base the image target checks them against that base.
func buildBinaries(ctx context.Context, c client.Client, bc *dockerui.Client, opt gollb.Options, sm *llb.SourceMap, marshalOpts []llb.ConstraintsOpt) (*dockerui.BuildResult, *built, error) {
	res, err := gollb.Binaries(opt)
	if err != nil {
		return nil, nil, withSpecSource(err, sm)
	}
	ref, err := solveState(ctx, c, bc, res.State, opt.TargetPlatform, marshalOpts, true)
	if err != nil {
		return nil, nil, err
	}
	if opt.Spec.Runtime.Base == spec.DefaultBase {
		if err := verifyBinaries(ctx, ref, opt.Spec, sm, res.Binaries, opt.TargetPlatform); err != nil {
			return nil, nil, err
		}
	}
	return &dockerui.BuildResult{Reference: ref, Image: res.Image, Epoch: opt.Epoch}, &built{res, opt}, nil
}

// buildTest builds the test target: go test once, on the build platform,
// whatever the target platforms are, as a single-platform result.
func buildTest(ctx context.Context, c client.Client, bc *dockerui.Client, src *dockerui.Source, opt gollb.Options, marshalOpts []llb.ConstraintsOpt) (*client.Result, error) {
	build := platforms.Normalize(opt.BuildPlatform)
	opt.TargetPlatform = build
	warnIgnoredPlatforms(ctx, bc, src, build)
	res, err := gollb.Test(opt)
	if err != nil {
		return nil, err
	}
	ref, err := solveState(ctx, c, bc, res.State, build, marshalOpts, true)
	if err != nil {
		return nil, testFailure(ctx, c, err)
	}
	bc.TargetPlatforms = []ocispecs.Platform{build}
	bc.MultiPlatformRequested = false
	rb, err := bc.Build(ctx, func(context.Context, *ocispecs.Platform, int) (*dockerui.BuildResult, error) {
		return &dockerui.BuildResult{Reference: ref, Image: res.Image, Epoch: opt.Epoch}, nil
	})
	if err != nil {
		return nil, err
	}
	return rb.Finalize()
}

// warnIgnoredPlatforms warns when the caller's --platform asks for other
// platforms than the one the tests run on.
func warnIgnoredPlatforms(ctx context.Context, bc *dockerui.Client, src *dockerui.Source, build ocispecs.Platform) {
	if bc.BuildOpts().Opts["platform"] == "" || src == nil || src.Warn == nil {
		return
	}
	var other []string
	for _, p := range bc.TargetPlatforms {
		if p = platforms.Normalize(p); platforms.FormatAll(p) != platforms.FormatAll(build) {
			other = append(other, platforms.FormatAll(p))
		}
	}
	if len(other) == 0 {
		return
	}
	src.Warn(ctx, fmt.Sprintf("the test target runs go test once, on the build platform %s: --platform %s is ignored (go-app never runs tests under emulation)",
		platforms.FormatAll(build), strings.Join(other, ",")), client.WarnOpts{})
}

// testFailure explains a failed test step: which packages failed, read
// from the test log the step left behind. Other errors, and a test step
// whose log cannot be read, keep BuildKit's error (which already carries
// the step's output and its place in the spec).
func testFailure(ctx context.Context, c client.Client, err error) error {
	var se *errdefs.SolveError
	if !errors.As(err, &se) || se.Solve == nil {
		return err
	}
	exec := se.Op.GetExec()
	if exec == nil || !gollb.IsTestStep(exec.GetMeta().GetArgs()) {
		return err // not go test: the download or the runner failed
	}
	msg := "go test failed (its output is above)"
	if pkgs := failedPackages(readTestLog(ctx, c, exec, se.MountIDs)); len(pkgs) > 0 {
		msg = "go test failed in " + strings.Join(pkgs, ", ")
	}
	return &contextError{msg: msg, err: err}
}

// contextError puts msg in front of err's message and keeps what err
// carries for BuildKit and buildx: its gRPC status code and details, the
// step's output and source location, the failed step for debugging.
// errors.Wrap would not do: the gRPC status err came back with would
// replace the longer message on the way back to buildx.
type contextError struct {
	msg string
	err error
}

func (e *contextError) Error() string { return e.msg + ": " + e.err.Error() }

func (e *contextError) Unwrap() error { return e.err }

// GRPCStatus is err's status with e's message; BuildKit adds the typed
// details of err's chain to it again.
func (e *contextError) GRPCStatus() *status.Status {
	st, ok := grpcerrors.AsGRPCStatus(e.err)
	if !ok || st == nil {
		return status.New(codes.Unknown, e.Error())
	}
	p := st.Proto()
	p.Message = e.Error()
	return status.FromProto(p)
}

// readTestLog reads the test log from the output mount of the failed test
// step, through a container on that mount; nil when it cannot.
func readTestLog(ctx context.Context, c client.Client, exec *pb.ExecOp, mountIDs []string) []byte {
	i := slices.IndexFunc(exec.Mounts, func(m *pb.Mount) bool { return m.Dest == gollb.TestOutputDir })
	if i < 0 || i >= len(mountIDs) || mountIDs[i] == "" {
		return nil
	}
	ctr, err := c.NewContainer(ctx, client.NewContainerRequest{
		Mounts: []client.Mount{{Dest: "/", ResultID: mountIDs[i], MountType: pb.MountType_BIND, Readonly: true}},
	})
	if err != nil {
		return nil
	}
	defer func() { _ = ctr.Release(context.WithoutCancel(ctx)) }()
	dt, err := ctr.ReadFile(ctx, client.ReadContainerRequest{ReadRequest: client.ReadRequest{Filename: "/" + gollb.TestLog}})
	if err != nil {
		return nil
	}
	return dt
}

// failLine is go test's summary line of a failed package:
// "FAIL\texample.com/x\t0.01s", "FAIL\texample.com/x [build failed]".
var failLine = regexp.MustCompile(`^FAIL\t([^\s\[]+)`)

// failedPackages returns the packages a go test log reports as failed, in
// order, from its text or its -json output.
func failedPackages(log []byte) []string {
	var pkgs []string
	add := func(p string) {
		if p != "" && !slices.Contains(pkgs, p) {
			pkgs = append(pkgs, p)
		}
	}
	sc := bufio.NewScanner(bytes.NewReader(log))
	sc.Buffer(make([]byte, 64*1024), 1024*1024)
	for sc.Scan() {
		line := sc.Bytes()
		if m := failLine.FindSubmatch(line); m != nil {
			add(string(m[1]))
			continue
		}
		if bytes.HasPrefix(line, []byte("{")) {
			var ev struct{ Action, Package, Test string }
			if json.Unmarshal(line, &ev) == nil && ev.Action == "fail" && ev.Test == "" {
				add(ev.Package)
			}
		}
	}
	return pkgs
}
