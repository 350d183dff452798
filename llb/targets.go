package llb

import (
	"errors"
	"slices"
	"strings"

	"github.com/containerd/platforms"
	"github.com/goappfrontend/go-app/spec"
	"github.com/moby/buildkit/client/llb"
	"github.com/moby/buildkit/solver/pb"
	dockerspec "github.com/moby/docker-image-spec/specs-go/v1"
	ocispecs "github.com/opencontainers/image-spec/specs-go/v1"
)

// Binaries returns the binaries target of one target platform: the
// binaries Convert puts in the image, compiled by the very same `go build`
// ops (so BuildKit builds them once for both targets), copied to the root
// of an otherwise empty file system and dated like the image's files. Its
// image config holds the platform and creation time only.
//
// Result.Binaries maps each binary's name to its path, "/<name>".
func Binaries(opt Options) (*Result, error) {
	opt, target, goEnv, err := forBinaries(opt)
	if err != nil {
		return nil, err
	}
	t := filesTime(opt)
	b, err := newTargetBuilder(opt, target)
	if err != nil {
		return nil, err
	}
	bins := make(map[string]string, len(opt.Spec.Binaries))
	names := make([]string, 0, len(opt.Spec.Binaries))
	var actions *llb.FileAction
	for _, bin := range opt.Spec.Binaries {
		out := b.compile(bin, target, goEnv)
		ci := &llb.CopyInfo{ChownOpt: rootOwner, CreatedTime: &t}
		if actions == nil {
			actions = llb.Copy(out, "/"+bin.Name, "/"+bin.Name, ci)
		} else {
			actions = actions.Copy(out, "/"+bin.Name, "/"+bin.Name, ci)
		}
		bins[bin.Name] = "/" + bin.Name
		names = append(names, bin.Name)
	}
	st := llb.Scratch().File(actions, llb.WithCustomName(platformName(target)+" binaries target: "+strings.Join(names, ", ")))
	return &Result{State: st, Image: minimalImage(opt, target), Binaries: bins}, nil
}

// minimalImage is the config of a result that is not meant to run: its
// platform and creation time (SOURCE_DATE_EPOCH, else the build time). The
// image target's config starts from it.
func minimalImage(opt Options, target ocispecs.Platform) *dockerspec.DockerOCIImage {
	created := opt.Now.UTC()
	if opt.Epoch != nil {
		created = opt.Epoch.UTC()
	}
	img := &dockerspec.DockerOCIImage{}
	img.Created = &created
	img.Platform = ocispecs.Platform{OS: target.OS, Architecture: target.Architecture, Variant: target.Variant}
	img.RootFS.Type = "layers"
	return img
}

// The test step's files.
const (
	// TestLog is the file of the test target's result: the output of go
	// test.
	TestLog = "test.log"
	// TestOutputDir is where the test step writes TestLog; the step's
	// output mount.
	TestOutputDir = outDir
	// TestRunner is the subcommand of the frontend binary that the test
	// step runs (its second argument): it runs go test and keeps its output.
	TestRunner = "gotest"
)

// IsTestStep tells whether an exec's arguments are those of the test step.
func IsTestStep(args []string) bool {
	return len(args) > 1 && strings.HasPrefix(args[0], frontendDir+"/") && args[1] == TestRunner
}

// GoTestArgs is the argument vector of `go test` for the test target:
// -trimpath and -tags as the build has them, -race when test.race is set,
// then test.flags and test.packages (DefaultTestPackages when empty). Every
// value is its own argument; no shell sees them.
func GoTestArgs(s *spec.Spec) []string {
	args := []string{"go", "test"}
	if s.Build.Trimpath == nil || *s.Build.Trimpath {
		args = append(args, "-trimpath")
	}
	if len(s.Build.Tags) > 0 {
		args = append(args, "-tags="+strings.Join(s.Build.Tags, ","))
	}
	if s.Test.Race {
		args = append(args, "-race")
	}
	args = append(args, s.Test.Flags...)
	return append(args, testPackages(s)...)
}

// testPackages are the packages the test target tests.
func testPackages(s *spec.Spec) []string {
	if len(s.Test.Packages) == 0 {
		return slices.Clone(spec.DefaultTestPackages)
	}
	return s.Test.Packages
}

// TestEnv is what `go test` gets on top of the toolchain image's
// environment and go-app's Go settings: GOPRIVATE from build.private, then
// build.env, test.env and CGO_ENABLED (1 for test.race or build.cgo). It
// sets no GOOS or GOARCH: the tests run natively on the build platform.
func TestEnv(s *spec.Spec) []string {
	var private []string
	if p := s.Build.Private; len(p) > 0 {
		private = []string{"GOPRIVATE=" + strings.Join(p, ",")}
	}
	cgo := "CGO_ENABLED=0"
	if s.Test.Race || s.Build.Cgo {
		cgo = "CGO_ENABLED=1"
	}
	return mergeEnv(private, envList(s.Build.Env), envList(s.Test.Env), []string{cgo})
}

// Test returns the test target: `go test` run once, on the build platform,
// after the module download and with the build's Go cache mounts, through
// a small runner that keeps its output. The result's state holds /TestLog
// when every test passed, its image config the build platform; a failing
// test fails the step (and the build), with go test's output in the step's
// progress.
//
// The step gets no credentials: the module download has already fetched
// every module the tests need, and test code should not see the netrc
// secret or the SSH agent. The build context is mounted writable, for
// tests that write next to their sources, and what they write is dropped.
// When the spec has a test section, the step points at its lines.
func Test(opt Options) (*Result, error) {
	if opt.Spec == nil {
		return nil, errors.New("llb: no spec")
	}
	s := opt.Spec
	bin, err := frontendBinary(opt.Frontend)
	if err != nil {
		return nil, err
	}
	b, err := newBuilder(opt)
	if err != nil {
		return nil, err
	}
	args := append([]string{bin, TestRunner, "-log", outDir + "/" + TestLog, "--"}, GoTestArgs(s)...)
	name := platformName(b.opt.BuildPlatform) + " go test"
	if s.Test.Race {
		name += " -race"
	}
	name += " " + strings.Join(testPackages(s), " ")
	opts := []llb.RunOption{
		llb.AddMount(srcDir, opt.Context, llb.ForceNoOutput),
		llb.AddMount(frontendDir, opt.Frontend.State, llb.Readonly),
	}
	for _, l := range b.section("test") {
		opts = append(opts, l)
	}
	root, env := b.root, TestEnv(s)
	if s.Build.Cgo {
		// The tests run on the build platform: its gcc and packages,
		// installed after the module download, which this step needs done.
		t, err := cgoTarget(s, opt.BuildPlatform)
		if err != nil {
			return nil, err
		}
		if root, err = b.cgoRoot(b.root, opt.BuildPlatform); err != nil {
			return nil, err
		}
		env = mergeEnv(CgoEnv(t), env)
	}
	run := b.exec(root, name, args, env, opts...)
	st := run.AddMount(outDir, llb.Scratch())
	return &Result{State: st, Image: minimalImage(opt, platforms.Normalize(opt.BuildPlatform))}, nil
}

// section points an op at the lines of a top-level section of the spec,
// when a source map is set and the spec has the section.
func (b *builder) section(key string) []llb.ConstraintsOpt {
	r, ok := SectionRange(b.opt.Spec, key)
	if b.opt.SourceMap == nil || !ok {
		return nil
	}
	return []llb.ConstraintsOpt{b.opt.SourceMap.Location([]*pb.Range{r})}
}
