package llb

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/goappfrontend/go-app/spec"
	"github.com/moby/buildkit/client/llb"
	dockerspec "github.com/moby/docker-image-spec/specs-go/v1"
	digest "github.com/opencontainers/go-digest"
	ocispecs "github.com/opencontainers/image-spec/specs-go/v1"
)

const stampLdflags = "-X main.version={{.Version}} -X main.commit={{.Commit}} -X main.short={{.ShortCommit}} -X main.src={{.Source}} -X main.date={{.Date}}"

// goBuildArgs returns the args of the go build step of the server binary.
func goBuildArgs(t *testing.T, opt Options) []string {
	t.Helper()
	_, g := convert(t, opt)
	_, op := g.named(t, platformName(opt.TargetPlatform)+" go build ./cmd/server")
	return op.GetExec().Meta.Args
}

func TestLdflagsTemplateExpanded(t *testing.T) {
	const commit = "0123456789abcdef0123456789abcdef01234567"
	epoch := time.Unix(1700000000, 0)
	for _, tc := range []struct {
		name  string
		meta  Metadata
		epoch *time.Time
		want  string
	}{
		{
			name:  "everything given",
			meta:  Metadata{Version: "v1.2.3", Revision: commit, Source: "https://example.com/repo.git"},
			epoch: &epoch,
			want:  "-s -w -X main.version=v1.2.3 -X main.commit=" + commit + " -X main.short=0123456 -X main.src=https://example.com/repo.git -X main.date=2023-11-14T22:13:20Z",
		},
		{
			name: "nothing given: placeholders, never the build time",
			want: "-s -w -X main.version=dev -X main.commit=none -X main.short=none -X main.src= -X main.date=1970-01-01T00:00:00Z",
		},
		{
			name: "dirty work tree",
			meta: Metadata{Revision: commit + "-dirty"},
			want: "-s -w -X main.version=dev -X main.commit=" + commit + "-dirty -X main.short=0123456-dirty -X main.src= -X main.date=1970-01-01T00:00:00Z",
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := testSpec()
			s.Build.Ldflags = stampLdflags
			opt := testOptions(s, arm64)
			opt.Metadata, opt.Epoch = tc.meta, tc.epoch
			args := goBuildArgs(t, opt)
			if !slices.Contains(args, "-ldflags="+tc.want) {
				t.Errorf("go build args %q lack -ldflags=%s", args, tc.want)
			}
			if s.Build.Ldflags != stampLdflags {
				t.Errorf("Convert changed the spec's ldflags to %q", s.Build.Ldflags)
			}
		})
	}
}

// TestLdflagsDateIgnoresBuildTime checks that the go build step is the
// same whatever time the build runs at.
func TestLdflagsDateIgnoresBuildTime(t *testing.T) {
	s := testSpec()
	s.Build.Ldflags = "-X main.date={{.Date}}"
	var defs [2]string
	for i, now := range []time.Time{time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2027, 6, 1, 0, 0, 0, 0, time.UTC)} {
		opt := testOptions(s, amd64)
		opt.Now = now
		defs[i] = strings.Join(goBuildArgs(t, opt), " ")
	}
	if defs[0] != defs[1] || !strings.Contains(defs[0], "-ldflags=-s -w -X main.date=1970-01-01T00:00:00Z") {
		t.Errorf("go build args depend on the build time:\n%s\n%s", defs[0], defs[1])
	}
}

func TestLdflagsValueWithSpaceIsASpecError(t *testing.T) {
	s := testSpec()
	s.Build.Ldflags = "-X main.version={{.Version}}"
	s.Source = spec.SourceInfo{Filename: "app.yaml", Positions: map[string]spec.Position{"build.ldflags": {Line: 4, Column: 12}}}
	opt := testOptions(s, amd64)
	opt.Metadata.Version = "1.0 -X main.evil=1"
	_, err := Convert(opt)
	var e *spec.Error
	if !errors.As(err, &e) || e.Pos != (spec.Position{Line: 4, Column: 12}) ||
		!strings.HasPrefix(err.Error(), "app.yaml:4:12: build.ldflags uses {{.Version}}") || !strings.Contains(err.Error(), "VERSION build argument") {
		t.Errorf("error = %v, want a spec error at app.yaml:4:12 naming {{.Version}} and VERSION", err)
	}
}

func TestShortCommit(t *testing.T) {
	for in, want := range map[string]string{
		"0123456789abcdef":       "0123456",
		"0123456789abcdef-dirty": "0123456-dirty",
		"abc":                    "abc",
		"":                       "",
	} {
		if got := shortCommit(in); got != want {
			t.Errorf("shortCommit(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestHealthcheckConfig(t *testing.T) {
	s := testSpec()
	s.Runtime.Healthcheck = spec.Healthcheck{Command: []string{"server", "health"}, Interval: "30s", Timeout: "5s", StartPeriod: "10s", StartInterval: "1s", Retries: 3}
	res, _ := convert(t, testOptions(s, arm64))
	want := &dockerspec.HealthcheckConfig{Test: []string{"CMD", "/usr/local/bin/server", "health"},
		Interval: 30 * time.Second, Timeout: 5 * time.Second, StartPeriod: 10 * time.Second, StartInterval: time.Second, Retries: 3}
	got := res.Image.Config.Healthcheck
	if got == nil || !slices.Equal(got.Test, want.Test) || got.Interval != want.Interval || got.Timeout != want.Timeout ||
		got.StartPeriod != want.StartPeriod || got.StartInterval != want.StartInterval || got.Retries != want.Retries {
		t.Errorf("healthcheck = %+v, want %+v", got, want)
	}

	// Without one, a base image's healthcheck stays; with one, it is replaced.
	baseHC := &dockerspec.HealthcheckConfig{Test: []string{"CMD-SHELL", "wget -q http://localhost/"}}
	for _, withOwn := range []bool{false, true} {
		s := testSpec()
		s.Runtime.Base = "alpine:3"
		if withOwn {
			s.Runtime.Healthcheck = spec.Healthcheck{Command: []string{"/bin/true"}}
		}
		opt := testOptions(s, arm64)
		opt.Base = &Image{Ref: "alpine:3", State: llb.Image("docker.io/library/alpine:3"),
			Config: &dockerspec.DockerOCIImage{Config: dockerspec.DockerOCIImageConfig{DockerOCIImageConfigExt: dockerspec.DockerOCIImageConfigExt{Healthcheck: baseHC}}}}
		res, _ := convert(t, opt)
		wantTest := baseHC.Test
		if withOwn {
			wantTest = []string{"CMD", "/bin/true"}
		}
		if hc := res.Image.Config.Healthcheck; hc == nil || !slices.Equal(hc.Test, wantTest) {
			t.Errorf("own healthcheck %v: got %+v, want test %q", withOwn, hc, wantTest)
		}
	}

	if res, _ := convert(t, testOptions(testSpec(), arm64)); res.Image.Config.Healthcheck != nil {
		t.Errorf("healthcheck without one in the spec: %+v", res.Image.Config.Healthcheck)
	}
}

func TestBaseImageLabels(t *testing.T) {
	dgst := digest.Digest("sha256:" + strings.Repeat("b", 64))
	inherited := map[string]string{
		"org.example.base":                      "yes",
		ocispecs.AnnotationVersion:              "base-version",
		ocispecs.AnnotationRevision:             "base-revision",
		ocispecs.AnnotationSource:               "https://example.com/base.git",
		ocispecs.AnnotationBaseImageName:        "docker.io/library/debian:12",
		ocispecs.AnnotationBaseImageDigest:      "sha256:" + strings.Repeat("c", 64),
		ocispecs.AnnotationDescription:          "the base",
		ocispecs.AnnotationTitle:                "base",
		"org.opencontainers.image.created":      "2001-01-01T00:00:00Z",
		"org.opencontainers.image.ref.name.any": "x",
	}
	for _, tc := range []struct {
		name    string
		ref     string
		digest  digest.Digest
		meta    Metadata
		want    map[string]string
		missing []string
	}{
		{
			name: "pinned", ref: "alpine:3.22", digest: dgst,
			want: map[string]string{
				ocispecs.AnnotationBaseImageName:   "docker.io/library/alpine:3.22",
				ocispecs.AnnotationBaseImageDigest: dgst.String(),
				ocispecs.AnnotationTitle:           "server",
				"org.example.base":                 "yes",
				ocispecs.AnnotationDescription:     "the base",
			},
			missing: []string{ocispecs.AnnotationVersion, ocispecs.AnnotationRevision, ocispecs.AnnotationSource},
		},
		{
			name: "registry and digest as written", ref: "registry.example.com:5000/team/base@" + dgst.String(), digest: dgst,
			meta: Metadata{Version: "1.2.3"},
			want: map[string]string{
				ocispecs.AnnotationBaseImageName:   "registry.example.com:5000/team/base@" + dgst.String(),
				ocispecs.AnnotationBaseImageDigest: dgst.String(),
				ocispecs.AnnotationVersion:         "1.2.3",
			},
		},
		{
			name: "no tag: latest", ref: "gcr.io/distroless/static-debian12", digest: dgst,
			want: map[string]string{ocispecs.AnnotationBaseImageName: "gcr.io/distroless/static-debian12:latest"},
		},
		{
			name: "digest unknown (a named context replaced the base)", ref: "alpine:3.22",
			missing: []string{ocispecs.AnnotationBaseImageName, ocispecs.AnnotationBaseImageDigest},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := testSpec()
			s.Runtime.Base = tc.ref
			s.Labels = nil
			opt := testOptions(s, arm64)
			opt.Metadata = tc.meta
			opt.Labels = nil
			opt.Base = &Image{Ref: tc.ref, Digest: tc.digest, State: llb.Image("docker.io/library/alpine:3"),
				Config: &dockerspec.DockerOCIImage{Config: dockerspec.DockerOCIImageConfig{ImageConfig: ocispecs.ImageConfig{Labels: inherited}}}}
			res, _ := convert(t, opt)
			l := res.Image.Config.Labels
			for k, v := range tc.want {
				if l[k] != v {
					t.Errorf("label %s = %q, want %q", k, l[k], v)
				}
			}
			for _, k := range tc.missing {
				if v, ok := l[k]; ok {
					t.Errorf("label %s = %q, want none", k, v)
				}
			}
			if inherited[ocispecs.AnnotationVersion] != "base-version" {
				t.Error("the base image's labels were changed")
			}
		})
	}

	// On scratch: no base labels; spec labels and --label still win.
	s := testSpec()
	s.Labels = map[string]string{ocispecs.AnnotationBaseImageName: "from-spec"}
	res, _ := convert(t, testOptions(s, arm64))
	if l := res.Image.Config.Labels; l[ocispecs.AnnotationBaseImageName] != "from-spec" || l[ocispecs.AnnotationBaseImageDigest] != "" {
		t.Errorf("labels on scratch: %v", l)
	}
}
