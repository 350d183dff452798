package frontend

import (
	"context"
	"strings"
	"sync"

	"github.com/containerd/platforms"
	gollb "github.com/goappfrontend/go-app/llb"
	intoto "github.com/in-toto/in-toto-golang/in_toto"
	"github.com/moby/buildkit/client/llb"
	"github.com/moby/buildkit/client/llb/sourceresolver"
	"github.com/moby/buildkit/frontend/attestations"
	"github.com/moby/buildkit/frontend/attestations/sbom"
	"github.com/moby/buildkit/frontend/dockerui"
	"github.com/moby/buildkit/frontend/gateway/client"
	gatewaypb "github.com/moby/buildkit/frontend/gateway/pb"
	"github.com/moby/buildkit/solver/result"
	ocispecs "github.com/opencontainers/image-spec/specs-go/v1"
	"github.com/pkg/errors"
	"github.com/tonistiigi/go-csvvalue"
)

// With --sbom (the attest:sbom option) go-app attaches to each platform of
// the image and binaries targets an SPDX document of its own (package
// internal/sbom, written by the step gollb.SBOM makes): no scanner image
// is pulled, and BuildKit, which scans a result only when it has no SPDX
// attestation yet, runs none either. --sbom=generator=IMAGE runs that
// scanner instead, on each platform's result, the way BuildKit's
// Dockerfile frontend does.

// sbomAttester collects the SBOM of each platform while the platforms
// build, and attaches them to the result when all are built.
type sbomAttester struct {
	c  client.Client
	bc *dockerui.Client
	// scanner is the --sbom=generator=IMAGE scanner; nil: go-app's own
	// document.
	scanner     sbom.Scanner
	marshalOpts []llb.ConstraintsOpt
	mu          sync.Mutex
	atts        map[string]result.Attestation[client.Reference]
}

// newSBOMAttester returns the attester --sbom asks for, or nil without
// --sbom.
func newSBOMAttester(ctx context.Context, c client.Client, bc *dockerui.Client, marshalOpts []llb.ConstraintsOpt) (*sbomAttester, error) {
	if bc.SBOM == nil {
		return nil, nil
	}
	a := &sbomAttester{c: c, bc: bc, marshalOpts: marshalOpts, atts: map[string]result.Attestation[client.Reference]{}}
	explicit, err := sbomGeneratorGiven(bc.BuildOpts().Opts)
	if err != nil {
		return nil, err
	}
	if !explicit {
		return a, nil
	}
	p := bc.BuildPlatforms[0]
	a.scanner, err = sbom.CreateSBOMScanner(ctx, c, bc.SBOM.Generator, p, sourceresolver.Opt{
		LogName: "[internal] resolve SBOM generator " + bc.SBOM.Generator,
		ImageOpt: &sourceresolver.ResolveImageOpt{
			ResolveMode: bc.ImageResolveMode.String(),
			Platform:    &p,
		},
	}, bc.SBOM.Parameters)
	if err != nil {
		return nil, errors.Wrapf(err, "--sbom generator %s", bc.SBOM.Generator)
	}
	return a, nil
}

// sbomGeneratorGiven tells whether the caller named a scanner
// (--sbom=generator=IMAGE): dockerui fills in BuildKit's default scanner
// when none is named, so the option itself is read. The attestation options
// are parsed the way BuildKit parses them (attestations.Parse): attest:sbom
// or build-arg:BUILDKIT_ATTEST_SBOM, comma-separated key=value fields.
func sbomGeneratorGiven(opts map[string]string) (bool, error) {
	for k, v := range opts {
		name, ok := strings.CutPrefix(k, "attest:")
		if !ok {
			name, ok = strings.CutPrefix(k, "build-arg:BUILDKIT_ATTEST_")
		}
		if !ok || !strings.EqualFold(name, attestations.KeyTypeSbom) || v == "" {
			continue
		}
		fields, err := csvvalue.Fields(v, nil)
		if err != nil {
			return false, errors.Wrapf(err, "parsing the sbom attestation option %q", v)
		}
		for _, f := range fields {
			if key, _, _ := strings.Cut(f, "="); key == "generator" {
				return true, nil
			}
		}
	}
	return false, nil
}

// exportID is the id dockerui's Build gives the result of platform (nil:
// the default platform).
func exportID(platform *ocispecs.Platform) string {
	p := platforms.DefaultSpec()
	if platform != nil {
		p = *platform
	}
	return platforms.FormatAll(platforms.Normalize(p))
}

// add makes the SBOM of one platform's result res (of the image target
// when image is set, else of the binaries target), built with opt.
func (a *sbomAttester) add(ctx context.Context, platform *ocispecs.Platform, opt gollb.Options, res *gollb.Result, image bool) error {
	if a == nil || res == nil {
		return nil
	}
	id := exportID(platform)
	var att result.Attestation[*llb.State]
	if a.scanner != nil {
		var err error
		att, err = a.scanner(ctx, id, res.State, nil, append([]llb.ConstraintsOpt{llb.Platform(opt.BuildPlatform)}, a.marshalOpts...)...)
		if err != nil {
			return err
		}
	} else {
		st, err := gollb.SBOM(opt, res, image)
		if err != nil {
			return err
		}
		att = result.Attestation[*llb.State]{
			Kind: gatewaypb.AttestationKind_InToto,
			Ref:  &st,
			Path: gollb.SBOMFile,
			Metadata: map[string][]byte{
				result.AttestationReasonKey: []byte(result.AttestationReasonSBOM),
				result.AttestationSBOMCore:  []byte(sbom.CoreSBOMName),
			},
			InToto: result.InTotoAttestation{PredicateType: intoto.PredicateSPDX},
		}
	}
	solved, err := result.ConvertAttestation(&att, func(st *llb.State) (client.Reference, error) {
		return solveState(ctx, a.c, a.bc, *st, opt.TargetPlatform, a.marshalOpts, false)
	})
	if err != nil {
		return err
	}
	a.mu.Lock()
	a.atts[id] = *solved
	a.mu.Unlock()
	return nil
}

// attach adds the SBOM of every platform to rb.
func (a *sbomAttester) attach(ctx context.Context, rb *dockerui.ResultBuilder) error {
	if a == nil {
		return nil
	}
	return rb.EachPlatform(ctx, func(_ context.Context, id string, _ ocispecs.Platform) error {
		a.mu.Lock()
		att, ok := a.atts[id]
		a.mu.Unlock()
		if !ok {
			return errors.Errorf("no SBOM for platform %s", id)
		}
		rb.AddAttestation(id, att)
		return nil
	})
}
