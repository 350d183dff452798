package llb

import (
	"encoding/json"
	"fmt"
	"path"
	"strings"
	"time"

	"github.com/containerd/platforms"
	"github.com/goappfrontend/go-app/internal/sbom"
	"github.com/moby/buildkit/client/llb"
	"github.com/moby/buildkit/util/purl"
	ocispecs "github.com/opencontainers/image-spec/specs-go/v1"
	packageurl "github.com/package-url/packageurl-go"
)

// The SBOM of a result (the `--sbom` attestation) is written by the
// frontend binary's `sbom` subcommand in a step of its own: the result is
// mounted read-only, the binaries' build information and the digests are
// read where the files are, and the document lands in an otherwise empty
// output. The step is cached like any other: the same result and plan give
// the same document.
const (
	// SBOMFile is the document's path in the SBOM step's output, and the
	// attestation's path: BuildKit's local exporter names the file it
	// writes next to the binaries after it, and its image exporter adds
	// the layers of the listed files to a document whose name starts with
	// "sbom".
	SBOMFile = "/sbom.spdx.json"
	// sbomRoot is where the step mounts the result.
	sbomRoot = "/go-app-result"
)

// SBOM returns the state that holds the SPDX document (at SBOMFile) of res,
// the result Convert (image is true) or Binaries (image is false) returned
// for opt.
func SBOM(opt Options, res *Result, image bool) (llb.State, error) {
	if opt.Spec == nil || res == nil {
		return llb.State{}, fmt.Errorf("llb: SBOM needs the spec and the result")
	}
	bin, err := frontendBinary(opt.Frontend)
	if err != nil {
		return llb.State{}, err
	}
	plan, names := sbomPlan(opt, res, image)
	planJSON, err := json.Marshal(plan)
	if err != nil {
		return llb.State{}, err
	}
	target := platforms.Normalize(opt.TargetPlatform)
	var ro []llb.RunOption
	for _, kv := range imageEnv(opt.Toolchain.Config) {
		k, v, _ := strings.Cut(kv, "=")
		ro = append(ro, llb.AddEnv(k, v))
	}
	run := opt.Toolchain.State.Run(append(ro,
		llb.Args([]string{bin, "sbom", "-root", sbomRoot, "-out", outDir + SBOMFile, "-plan", string(planJSON)}),
		llb.Dir("/"),
		llb.AddEnv("GOTOOLCHAIN", "local"),
		llb.Platform(opt.BuildPlatform),
		llb.AddMount(frontendDir, opt.Frontend.State, llb.Readonly),
		llb.AddMount(sbomRoot, res.State, llb.Readonly),
		llb.WithCustomName(platformName(target)+" SBOM: SPDX document from the Go build information of "+strings.Join(names, ", ")),
	)...)
	return run.AddMount(outDir, llb.Scratch()), nil
}

// sbomPlan is the plan of the document of res, and the names of its
// binaries.
func sbomPlan(opt Options, res *Result, image bool) (sbom.Plan, []string) {
	s := opt.Spec
	target := platforms.Normalize(opt.TargetPlatform)
	what := "binaries"
	if image {
		what = "image"
		if opt.Debug != nil {
			what = "debug image"
		}
	}
	created := opt.Now.UTC()
	if res.Image != nil && res.Image.Created != nil {
		created = res.Image.Created.UTC()
	}
	plan := sbom.Plan{
		Created: created.Truncate(time.Second),
	}
	if opt.Frontend != nil {
		plan.CreatorComment = "written by the go-app frontend " + imageRef(opt.Frontend) + " from the Go build information of each binary"
	}
	var names []string
	for _, b := range s.Binaries {
		p, ok := res.Binaries[b.Name]
		if !ok {
			continue
		}
		names = append(names, b.Name)
		plan.Binaries = append(plan.Binaries, sbom.PlanBinary{Path: p, Version: opt.Metadata.Version, Revision: opt.Metadata.Revision})
	}
	plan.Name = fmt.Sprintf("go-app %s %s: %s", what, platforms.FormatAll(target), strings.Join(names, ", "))
	if !image {
		return plan, names
	}
	if opt.Base == nil {
		from := "the Go toolchain image " + imageRef(&opt.Toolchain)
		ca := sbom.PlanComponent{
			Name:       "ca-certificates",
			Purpose:    "FILE",
			SourceInfo: "the CA bundle of " + from,
			Comment:    "copied to " + CertFile + " by go-app for crypto/x509 (SSL_CERT_FILE)",
			Files:      []string{CertFile},
		}
		tz := sbom.PlanComponent{
			Name:       "tzdata",
			Purpose:    "FILE",
			SourceInfo: "$GOROOT/lib/time/zoneinfo.zip of " + from,
			Comment:    "the IANA time zone database Go ships, unpacked to " + zoneinfoDir + " by go-app; the checksum is zoneinfo.zip's",
			Zoneinfo:   true,
		}
		// runtime.files are copied over the runtime files.
		for i, f := range s.Runtime.Files {
			if covers(f.Dst, CertFile) {
				ca.SourceInfo = fmt.Sprintf("runtime.files.%d (%s of the build context), copied over the CA bundle of %s", i, f.Src, from)
			}
			if covers(f.Dst, zoneinfoDir) || covers(zoneinfoDir, f.Dst) {
				tz.Comment += fmt.Sprintf("; runtime.files.%d (%s of the build context) adds to or replaces files of it", i, f.Src)
			}
		}
		plan.Components = append(plan.Components, ca, tz)
	} else {
		plan.Components = append(plan.Components, imageComponent(opt.Base, target,
			"runtime.base, the image the binaries are added to; its own contents are not listed here: --sbom=generator=IMAGE scans the whole image"))
	}
	if opt.Debug != nil {
		plan.Components = append(plan.Components, imageComponent(opt.Debug, target,
			"the debug target's busybox: its /bin is copied to "+DebugDir))
	}
	return plan, names
}

// zoneinfoDir is where the runtime files keep the time zone database.
const zoneinfoDir = "/usr/share/zoneinfo"

// covers tells whether a copy to dst writes file: dst is file or a
// directory above it.
func covers(dst, file string) bool {
	dst = path.Clean("/" + dst)
	return dst == file || dst == "/" || strings.HasPrefix(file, dst+"/")
}

// imageComponent is an image the result is built on.
func imageComponent(img *Image, target ocispecs.Platform, comment string) sbom.PlanComponent {
	ref := imageRef(img)
	c := sbom.PlanComponent{
		Name:       img.Ref,
		Version:    img.Digest.String(),
		Purpose:    "CONTAINER",
		SourceInfo: "the image " + ref,
		Comment:    comment,
	}
	if p, err := purl.RefToPURL(packageurl.TypeDocker, ref, &target); err == nil {
		c.PURL = p
	}
	return c
}

// imageRef is an image's reference with its digest, when known.
func imageRef(img *Image) string {
	if img == nil {
		return ""
	}
	if img.Digest == "" || strings.Contains(img.Ref, "@") {
		return img.Ref
	}
	return img.Ref + "@" + img.Digest.String()
}
