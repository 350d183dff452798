package llb

import (
	"slices"
	"strings"
	"testing"

	"github.com/goappfrontend/go-app/spec"
	"github.com/moby/buildkit/client/llb"
	digest "github.com/opencontainers/go-digest"
	ocispecs "github.com/opencontainers/image-spec/specs-go/v1"
)

// testBusybox is the debug target's busybox image, pinned like the
// frontend pins it.
func testBusybox(p ocispecs.Platform) *Image {
	return &Image{
		Ref:   DebugImageRef,
		State: llb.Image(DebugImageRef+"@sha256:"+strings.Repeat("c", 64), llb.Platform(p)),
	}
}

// TestDebugImage checks the debug image: the image's layers with a busybox
// layer between the runtime files and the binaries, busybox's /bin copied
// to /busybox, PATH ending in /busybox, and the image's user, entrypoint,
// arguments and working directory unchanged.
func TestDebugImage(t *testing.T) {
	plain, pg := convert(t, testOptions(testSpec(), arm64))
	opt := testOptions(testSpec(), arm64)
	opt.Debug = testBusybox(arm64)
	res, g := convert(t, opt)

	_, merge := g.named(t, "[linux/arm64] debug image")
	want := []string{"runtime files layer", "[linux/arm64] debug shell layer", "[linux/arm64] binaries layer"}
	var got []string
	for _, in := range merge.Inputs {
		got = append(got, g.names[digest.Digest(in.Digest)])
	}
	if !slices.Equal(got, want) {
		t.Fatalf("debug image layers = %q, want %q", got, want)
	}
	_, cp := g.named(t, "[linux/arm64] debug shell: busybox from "+DebugImageRef+" in /busybox")
	c := cp.GetFile().Actions[0].GetCopy()
	src := g.input(t, cp, 0).GetSource()
	if c == nil || c.Src != "/bin" || c.Dest != "/busybox/" || !c.DirCopyContents || c.Owner.User.GetByID() != 0 ||
		src == nil || !strings.HasPrefix(src.Identifier, "docker-image://docker.io/library/busybox:1.37.0-musl@sha256:") {
		t.Errorf("busybox copy = %v from %v", c, src)
	}

	pc, dc := plain.Image.Config, res.Image.Config
	if v := envValue(dc.Env, "PATH"); v != spec.DefaultRuntimePATH+":/busybox" {
		t.Errorf("debug PATH = %q, want the image's with :/busybox at the end", v)
	}
	if !slices.Equal(pc.Entrypoint, dc.Entrypoint) || !slices.Equal(pc.Cmd, dc.Cmd) || pc.User != dc.User || pc.WorkingDir != dc.WorkingDir || dc.User != spec.DefaultUser {
		t.Errorf("debug config %+v differs from the image's %+v", dc, pc)
	}
	// The default image holds nothing of it.
	for _, n := range pg.names {
		if strings.Contains(n, "debug") || strings.Contains(n, "busybox") {
			t.Errorf("the default image has the op %q", n)
		}
	}
	if strings.Contains(envValue(pc.Env, "PATH"), "/busybox") {
		t.Errorf("the default image's PATH has /busybox")
	}
}

// TestDebugImageOnBase checks the debug image on a runtime base, and that
// a PATH from runtime.env keeps its directories first.
func TestDebugImageOnBase(t *testing.T) {
	s := testSpec()
	s.Runtime.Base = "alpine:3.22"
	s.Runtime.Env["PATH"] = "/app/bin:/bin"
	opt := testOptions(s, amd64)
	opt.Base = &Image{Ref: "alpine:3.22", State: llb.Image("docker.io/library/alpine:3.22@sha256:" + strings.Repeat("d", 64))}
	opt.Debug = testBusybox(amd64)
	res, g := convert(t, opt)
	_, merge := g.named(t, "[linux/amd64] debug image on alpine:3.22")
	if len(merge.Inputs) != 3 || g.names[digest.Digest(merge.Inputs[1].Digest)] != "[linux/amd64] debug shell layer" {
		t.Errorf("debug image on a base = %v", merge)
	}
	if v := envValue(res.Image.Config.Env, "PATH"); v != "/app/bin:/bin:/busybox" {
		t.Errorf("PATH = %q, want /app/bin:/bin:/busybox", v)
	}
}

func TestDebugPATH(t *testing.T) {
	for _, tc := range []struct{ in, want []string }{
		{nil, []string{"PATH=/busybox"}},
		{[]string{"A=1", "PATH=/bin"}, []string{"A=1", "PATH=/bin:/busybox"}},
		{[]string{"PATH=/busybox:/bin"}, []string{"PATH=/busybox:/bin"}},
	} {
		if got := debugPATH(tc.in); !slices.Equal(got, tc.want) {
			t.Errorf("debugPATH(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}
