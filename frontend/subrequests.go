package frontend

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/containerd/platforms"
	gollb "github.com/goappfrontend/go-app/llb"
	"github.com/goappfrontend/go-app/spec"
	"github.com/moby/buildkit/client/llb"
	"github.com/moby/buildkit/frontend/dockerui"
	"github.com/moby/buildkit/frontend/gateway/client"
	"github.com/moby/buildkit/frontend/subrequests/lint"
	"github.com/moby/buildkit/frontend/subrequests/outline"
	"github.com/moby/buildkit/frontend/subrequests/targets"
	"github.com/moby/buildkit/solver/pb"
	ocispecs "github.com/opencontainers/image-spec/specs-go/v1"
)

// handleSubrequest answers `docker buildx build --call targets|outline|
// check` and frontend.subrequests.describe through dockerui. ok is false
// for a normal build. targets and outline describe whatever the file
// holds, even with problems; check reports them.
func handleSubrequest(ctx context.Context, c client.Client, bc *dockerui.Client, src *dockerui.Source) (*client.Result, bool, error) {
	return bc.HandleSubrequest(ctx, dockerui.RequestHandler{
		ListTargets: func(ctx context.Context) (*targets.List, error) {
			return listTargets(loadLenient(src), bc.BuildPlatforms), nil
		},
		Outline: func(ctx context.Context) (*outline.Outline, error) {
			t, err := parseTarget(bc.Target)
			if err != nil {
				return nil, err
			}
			s := loadLenient(src)
			o := outlineOf(t, s, bc.BuildOpts().Opts, bc.CacheIDNamespace)
			if t.name != targetTest.name {
				if note := outlineProfiles(ctx, c, bc, src.SourceMap, s); note != "" {
					o.Description += ". " + note
				}
			}
			return o, nil
		},
		Lint: func(ctx context.Context) (*lint.LintResults, error) {
			t, err := parseTarget(bc.Target)
			if err != nil {
				return nil, err
			}
			return check(ctx, c, bc, src.SourceMap, t)
		},
	})
}

// loadLenient loads the spec for the subrequests that describe the build:
// what the file holds, even when it has problems.
func loadLenient(src *dockerui.Source) *spec.Spec {
	s, _ := spec.Load(src.SourceMap.Filename, src.SourceMap.Data)
	return s
}

// listTargets is the answer to --call targets: the targets, each at the
// place of the spec it is about. The test target names the platform it
// runs on.
func listTargets(s *spec.Spec, build []ocispecs.Platform) *targets.List {
	l := &targets.List{Sources: [][]byte{s.Source.Data}}
	for _, t := range allTargets {
		tt := targets.Target{Name: t.name, Description: t.description, Default: t.name == targetImage.name}
		switch t.name {
		case targetImage.name, targetDebug.name:
			tt.Base = cmp.Or(s.Runtime.Base, spec.DefaultBase)
		case targetBinaries.name:
			tt.Base = spec.DefaultBase
		case targetTest.name:
			tt.Base = s.Go.Image
			if len(build) > 0 {
				tt.Platform = platforms.FormatAll(platforms.Normalize(build[0]))
			}
		}
		if rs := t.location(s); rs != nil {
			tt.Location = &pb.Location{SourceIndex: 0, Ranges: rs}
		}
		l.Targets = append(l.Targets, tt)
	}
	return l
}

// A buildArg is a build argument go-app reads, for --call outline.
type buildArg struct {
	name        string
	description string
	targets     []string // the targets it changes
}

// buildArgs are the build arguments that change what go-app builds.
var buildArgs = []buildArg{
	{"VERSION", "The org.opencontainers.image.version label and {{.Version}} in build.ldflags",
		[]string{"image", "binaries", "debug"}},
	{"SOURCE_DATE_EPOCH", "Seconds since 1970: creation time and date of every file, and {{.Date}} in build.ldflags, for reproducible builds",
		[]string{"image", "binaries", "debug"}},
	{"BUILDKIT_CACHE_MOUNT_NS", "Prefix of the ids of the Go cache mounts",
		[]string{"image", "binaries", "test", "debug"}},
	{"BUILDKIT_MULTI_PLATFORM", "1 returns a multi-platform result even for one platform",
		[]string{"image", "binaries", "debug"}},
}

// outlineOf is the answer to --call outline for target t: the build
// arguments it reads, with the values this build passes, and the
// credentials and cache mounts of its steps. The netrc secret and the SSH
// agent are listed for every spec: the module download mounts both
// (optional) whether or not build.private is set, since a private GOPROXY
// in build.env needs them too.
func outlineOf(t target, s *spec.Spec, opts map[string]string, cacheNS string) *outline.Outline {
	o := &outline.Outline{Name: t.name, Description: t.description, Sources: [][]byte{s.Source.Data}}
	for _, a := range buildArgs {
		if slices.Contains(a.targets, t.name) {
			o.Args = append(o.Args, outline.Arg{Name: a.name, Description: a.description, Value: opts["build-arg:"+a.name]})
		}
	}
	var loc *pb.Location
	if rs := gollb.SourceRanges(s.Source.Pos("build.private")); rs != nil {
		loc = &pb.Location{SourceIndex: 0, Ranges: rs}
	}
	o.Secrets = append([]outline.Secret{{Name: gollb.NetrcSecret, Location: loc}}, goAuthSecrets(s)...)
	o.SSH = []outline.SSH{{Name: gollb.SSHAgentID, Location: loc}}
	for _, id := range []string{"go-app-gomodcache", "go-app-gocache"} {
		if cacheNS != "" {
			id = cacheNS + "/" + id
		}
		o.Cache = append(o.Cache, outline.CacheMount{ID: id})
	}
	return o
}

// goAuthSecrets are the build secrets of build.goauth, each once, at the
// entry that first names it.
func goAuthSecrets(s *spec.Spec) []outline.Secret {
	var out []outline.Secret
	for i, a := range s.Build.GoAuth {
		id := cmp.Or(a.Secret, spec.DefaultGoAuthSecret)
		if slices.ContainsFunc(out, func(o outline.Secret) bool { return o.Name == id }) {
			continue
		}
		sec := outline.Secret{Name: id}
		if rs := gollb.SourceRanges(s.Source.Pos(fmt.Sprintf("build.goauth.%d", i))); rs != nil {
			sec.Location = &pb.Location{SourceIndex: 0, Ranges: rs}
		}
		out = append(out, sec)
	}
	return out
}

// checkSummary ends the report of a spec with problems.
const checkSummary = "%s has %d problem%s; a build would fail until %s fixed"

// check is the answer to --call check for target t: every problem a build
// of t would report before it builds anything (see lintResults). It loads
// the spec strictly and, when that succeeds, fills its defaults as a build
// does (fillSpec). Only the module files readModule names are sent from
// the build context (go.mod, go.work, vendor/modules.txt, then the go.mod
// of each directory a replace or use directive names), unless a
// zero-config spec needs its .go files to find the main package.
func check(ctx context.Context, c client.Client, bc *dockerui.Client, sm *llb.SourceMap, t target) (*lint.LintResults, error) {
	s, err := spec.Load(sm.Filename, sm.Data)
	if err == nil {
		files := func(ctx context.Context, paths []string) (llb.State, error) {
			st, err := bc.MainContext(ctx, llb.FollowPaths(paths), llb.SharedKeyHint("go-app check: module files"))
			if err != nil {
				return llb.State{}, err
			}
			return *st, nil
		}
		buildCtx := llb.Scratch() // the .go files are read only for zero config
		if t.name != targetTest.name && s.Main == "" && len(s.Binaries) == 0 {
			st, cerr := bc.MainContext(ctx)
			if cerr != nil {
				return nil, cerr
			}
			buildCtx, files = *st, wholeContext(*st)
		}
		_, err = fillSpec(ctx, c, buildCtx, files, s, sm, t)
	}
	return lintResults(sm, err)
}

// lintResults reports the problems of a spec (err, from spec.Load or
// FillDefaults) for --call check: each as a warning with its place
// (file:line:col) and, for the spec's own, the lines it is at, and, when
// there is any, an error that makes buildx exit non-zero. Other errors are
// returned as they are.
func lintResults(sm *llb.SourceMap, err error) (*lint.LintResults, error) {
	info := &pb.SourceInfo{Filename: sm.Filename, Language: sm.Language, Data: sm.Data}
	if sm.Definition != nil {
		info.Definition = sm.Definition.ToPB()
	}
	res := &lint.LintResults{Sources: []*pb.SourceInfo{info}}
	const specIndex = 0
	if err == nil {
		return res, nil
	}
	var problems spec.Errors
	if !errors.As(err, &problems) {
		return nil, err
	}
	n := 0 // problems, counting those a cut list leaves out (spec.Error.More)
	for _, e := range problems {
		n += max(1, e.More) // the last of a cut list stands for the More it leaves out
		// Only problems of the spec show its lines. buildx prints every
		// source of a check under the name of the -f file, so go.mod's
		// problems carry their place in their text only.
		index, rs := specIndex, gollb.SourceRanges(e.Pos)
		if rs == nil || e.Filename != displayName(sm.Filename) {
			index, rs = -1, nil
		}
		rule := cmp.Or(e.Rule, spec.RuleInvalidValue) // an Error made without one
		res.Warnings = append(res.Warnings, lint.Warning{
			RuleName:    rule.Name,
			Description: rule.Description,
			URL:         rule.URL,
			Detail:      e.Error(),
			Location:    &pb.Location{SourceIndex: int32(index), Ranges: rs},
		})
	}
	plural, verb := "s", "they are"
	if n == 1 {
		plural, verb = "", "it is"
	}
	res.Error = &lint.BuildError{
		Message:  fmt.Sprintf(checkSummary, displayName(sm.Filename), n, plural, verb),
		Location: pb.Location{SourceIndex: specIndex},
	}
	return res, nil
}

// displayName is the name of the spec file in messages, as package spec
// writes it.
func displayName(filename string) string {
	return cmp.Or(filename, spec.DefaultFilename)
}
