package frontend

import (
	"context"
	"encoding/json"

	"github.com/containerd/platforms"
	"github.com/distribution/reference"
	gollb "github.com/goappfrontend/go-app/llb"
	"github.com/moby/buildkit/client/llb"
	"github.com/moby/buildkit/client/llb/sourceresolver"
	"github.com/moby/buildkit/frontend/dockerui"
	"github.com/moby/buildkit/frontend/gateway/client"
	dockerspec "github.com/moby/docker-image-spec/specs-go/v1"
	ocispecs "github.com/opencontainers/image-spec/specs-go/v1"
	"github.com/pkg/errors"
)

// resolveImage turns an image reference into a state pinned by digest and
// its config, for one platform. A named context of the same name
// (`--build-context golang:1.26=...`) replaces the image, as it replaces a
// FROM image in a Dockerfile.
func resolveImage(ctx context.Context, c client.Client, bc *dockerui.Client, ref string, p ocispecs.Platform, what string) (*gollb.Image, error) {
	nc, err := bc.NamedContext(ref, dockerui.ContextOpt{Platform: &p, ResolveMode: bc.ImageResolveMode.String()})
	if err != nil {
		return nil, err
	}
	if nc != nil {
		st, img, err := nc.Load(ctx)
		if err != nil {
			return nil, err
		}
		if st != nil {
			return &gollb.Image{Ref: ref, State: *st, Config: img}, nil
		}
	}
	named, err := reference.ParseNormalizedNamed(ref)
	if err != nil {
		return nil, errors.Wrapf(err, "invalid image reference %q", ref)
	}
	named = reference.TagNameOnly(named)
	name := what + " " + reference.FamiliarString(named) + " " + platforms.FormatAll(p)
	resolved, dgst, dt, err := c.ResolveImageConfig(ctx, named.String(), sourceresolver.Opt{
		LogName: "[internal] resolve " + name,
		ImageOpt: &sourceresolver.ResolveImageOpt{
			Platform:    &p,
			ResolveMode: bc.ImageResolveMode.String(),
		},
	})
	if err != nil {
		return nil, err
	}
	img := &dockerspec.DockerOCIImage{}
	if err := json.Unmarshal(dt, img); err != nil {
		return nil, errors.Wrap(err, "parsing image config")
	}
	pinned := resolved
	if dgst != "" {
		if withDigest, err := reference.WithDigest(reference.TrimNamed(named), dgst); err == nil {
			pinned = withDigest.String()
		}
	}
	st := llb.Image(pinned, llb.Platform(p), llb.WithCustomName("load "+name))
	return &gollb.Image{Ref: ref, Digest: dgst, State: st, Config: img}, nil
}

// resolveFrontendImage resolves the image this frontend runs from (the
// gateway's "source" option, which a named context of the same name
// replaces, as in BuildKit's gateway), for the build platform. Its binary
// writes the runtime files of scratch images and runs the test target's
// go test.
func resolveFrontendImage(ctx context.Context, c client.Client, bc *dockerui.Client, source string, p ocispecs.Platform) (*gollb.Image, error) {
	if source == "" {
		return nil, errors.New("go-app must run as a gateway frontend image (# syntax=goappfrontend/go-app:1, or buildctl --frontend gateway.v0 --opt source=IMAGE): the build option \"source\" is empty")
	}
	img, err := resolveImage(ctx, c, bc, source, p, "go-app frontend")
	if err != nil {
		return nil, errors.Wrapf(err, "frontend image %s", source)
	}
	if img.Config == nil || len(img.Config.Config.Entrypoint) == 0 {
		return nil, errors.Errorf("frontend image %s has no entrypoint: it is not a go-app frontend image", source)
	}
	return img, nil
}
