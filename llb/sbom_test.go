package llb

import (
	"encoding/json"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/goappfrontend/go-app/internal/sbom"
	"github.com/goappfrontend/go-app/spec"
	"github.com/moby/buildkit/client/llb"
	"github.com/moby/buildkit/solver/pb"
	digest "github.com/opencontainers/go-digest"
)

// sbomStep converts opt (image or binaries target), makes its SBOM state
// and returns the SBOM step, its plan and the graph.
func sbomStep(t *testing.T, opt Options, image bool) (*pb.ExecOp, sbom.Plan, *graph, *Result) {
	t.Helper()
	conv := Binaries
	if image {
		conv = Convert
	}
	res, err := conv(opt)
	if err != nil {
		t.Fatal(err)
	}
	st, err := SBOM(opt, res, image)
	if err != nil {
		t.Fatal(err)
	}
	g := marshal(t, st, opt.TargetPlatform)
	var e *pb.ExecOp
	for d, n := range g.names {
		if strings.Contains(n, " SBOM: ") {
			e = g.ops[d].GetExec()
		}
	}
	if e == nil {
		t.Fatalf("no SBOM step; ops: %q", slices.Sorted(maps.Values(g.names)))
	}
	i := slices.Index(e.Meta.Args, "-plan")
	if i < 0 || i+1 >= len(e.Meta.Args) {
		t.Fatalf("args %q have no -plan", e.Meta.Args)
	}
	var plan sbom.Plan
	if err := json.Unmarshal([]byte(e.Meta.Args[i+1]), &plan); err != nil {
		t.Fatal(err)
	}
	return e, plan, g, res
}

func TestSBOMOnScratch(t *testing.T) {
	opt := testOptions(testSpec(), arm64)
	e, plan, g, res := sbomStep(t, opt, true)
	if !g.has("[linux/arm64] SBOM: SPDX document from the Go build information of server") {
		t.Errorf("the step is not named for the platform and binaries: %q", slices.Sorted(maps.Values(g.names)))
	}
	wantArgs := []string{"/go-app/bin/go-app-frontend", "sbom", "-root", sbomRoot, "-out", "/out" + SBOMFile, "-plan"}
	if !slices.Equal(e.Meta.Args[:len(wantArgs)], wantArgs) {
		t.Errorf("args %q, want %q then the plan", e.Meta.Args, wantArgs)
	}
	// The result, read-only: the very image the attestation is about.
	m := mountAt(e, sbomRoot)
	if m == nil || !m.Readonly {
		t.Fatalf("the result is not mounted read-only at %s: %v", sbomRoot, e.Mounts)
	}
	img := marshal(t, res.State, opt.TargetPlatform)
	var imageOp digest.Digest
	for d, n := range img.names {
		if n == "[linux/arm64] image" {
			imageOp = d
		}
	}
	_, merge := g.named(t, "[linux/arm64] image")
	if merge.GetMerge() == nil || imageOp == "" {
		t.Errorf("the mounted result is not the image")
	}
	if _, ok := g.ops[imageOp]; !ok {
		t.Errorf("the SBOM step mounts another image than the result's (%s)", imageOp)
	}
	for _, m := range e.Mounts {
		if m.MountType != pb.MountType_BIND {
			t.Errorf("the SBOM step has a %v mount at %s", m.MountType, m.Dest)
		}
	}

	if !plan.Created.Equal(opt.Now) {
		t.Errorf("created %s, want the image's creation time %s", plan.Created, opt.Now)
	}
	if len(plan.Binaries) != 1 || plan.Binaries[0] != (sbom.PlanBinary{Path: "/usr/local/bin/server", Version: "1.2.3", Revision: "abc123"}) {
		t.Errorf("binaries %+v", plan.Binaries)
	}
	var names []string
	for _, c := range plan.Components {
		names = append(names, c.Name)
		if !strings.Contains(c.SourceInfo, "golang:1.26") {
			t.Errorf("%s comes from %q, want the toolchain image", c.Name, c.SourceInfo)
		}
	}
	if !slices.Equal(names, []string{"ca-certificates", "tzdata"}) {
		t.Errorf("components %q", names)
	}
	if !strings.Contains(plan.CreatorComment, "goappfrontend/go-app:1") {
		t.Errorf("creator comment %q does not name the frontend image", plan.CreatorComment)
	}
}

// TestSBOMRuntimeFilesOver: runtime.files copied over the CA bundle or
// into the time zone database are named as where they came from.
func TestSBOMRuntimeFilesOver(t *testing.T) {
	s := testSpec()
	s.Runtime.Files = []spec.File{
		{Src: "certs/ca.pem", Dst: CertFile},
		{Src: "tz/Europe/Paris", Dst: "/usr/share/zoneinfo/Europe/Paris"},
		{Src: "config.yaml", Dst: "/etc/app/config.yaml"},
	}
	_, plan, _, _ := sbomStep(t, testOptions(s, amd64), true)
	if ca := plan.Components[0]; !strings.HasPrefix(ca.SourceInfo, "runtime.files.0 (certs/ca.pem of the build context)") {
		t.Errorf("CA bundle from %q", ca.SourceInfo)
	}
	if tz := plan.Components[1]; !strings.Contains(tz.Comment, "runtime.files.1 (tz/Europe/Paris") || strings.Contains(tz.Comment, "runtime.files.2") {
		t.Errorf("tzdata comment %q", tz.Comment)
	}
}

func TestSBOMOnBaseImageAndDebug(t *testing.T) {
	s := testSpec()
	s.Runtime.Base = "alpine:3"
	opt := testOptions(s, amd64)
	opt.Base = &Image{Ref: "alpine:3", Digest: digest.Digest("sha256:" + strings.Repeat("c", 64)), State: llb.Image("docker.io/library/alpine:3")}
	opt.Debug = &Image{Ref: DebugImageRef, Digest: digest.Digest("sha256:" + strings.Repeat("d", 64)), State: llb.Image(DebugImageRef)}
	_, plan, _, _ := sbomStep(t, opt, true)
	if len(plan.Components) != 2 {
		t.Fatalf("components %+v, want the base and busybox images", plan.Components)
	}
	base := plan.Components[0]
	if base.Purpose != "CONTAINER" || base.Version != opt.Base.Digest.String() ||
		!strings.HasPrefix(base.PURL, "pkg:docker/alpine@3?digest=sha256:ccc") || !strings.Contains(base.PURL, "platform=linux%2Famd64") {
		t.Errorf("base image component %+v", base)
	}
	if !strings.HasPrefix(plan.Name, "go-app debug image linux/amd64") {
		t.Errorf("name %q", plan.Name)
	}
}

func TestSBOMOfBinaries(t *testing.T) {
	opt := testOptions(testSpec(), amd64)
	epoch := time.Unix(1700000000, 0).UTC()
	opt.Epoch = &epoch
	_, plan, _, _ := sbomStep(t, opt, false)
	if !plan.Created.Equal(epoch) {
		t.Errorf("created %s, want SOURCE_DATE_EPOCH %s", plan.Created, epoch)
	}
	if len(plan.Binaries) != 1 || plan.Binaries[0].Path != "/server" || len(plan.Components) != 0 {
		t.Errorf("plan %+v: want the binary at the root and no runtime files", plan)
	}
}

// TestSBOMDeterministic: the same options give the same step, so BuildKit
// finds it in its cache.
func TestSBOMDeterministic(t *testing.T) {
	opt := testOptions(testSpec(), arm64)
	a, _, _, _ := sbomStep(t, opt, true)
	b, _, _, _ := sbomStep(t, opt, true)
	if !slices.Equal(a.Meta.Args, b.Meta.Args) {
		t.Errorf("args differ:\n%q\n%q", a.Meta.Args, b.Meta.Args)
	}
}
