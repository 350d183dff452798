package llb

import (
	"fmt"

	"github.com/containerd/platforms"
	"github.com/goappfrontend/go-app/spec"
	ocispecs "github.com/opencontainers/image-spec/specs-go/v1"
)

// GoEnv returns the environment that makes `go build` produce a binary for
// platform p: GOOS and GOARCH, plus the Go setting of p's variant in
// spec.Arches (GOARM for arm/v6 and v7, where arm without a variant means
// v7 as containerd normalizes it; GOAMD64 for amd64/v2..v4). It is the one
// place where a platform becomes Go settings.
func GoEnv(p ocispecs.Platform) ([]string, error) {
	p = platforms.Normalize(p)
	if p.OS == "" || p.Architecture == "" {
		return nil, fmt.Errorf("platform %q has no os or architecture", platforms.FormatAll(p))
	}
	arch, variant, ok := spec.PlatformArch(p)
	if !ok {
		return nil, fmt.Errorf("platform %s is not one go-app builds for; use %s", platforms.FormatAll(p), spec.SupportedPlatforms())
	}
	env := []string{"GOOS=" + p.OS, "GOARCH=" + p.Architecture}
	if variant.Go != "" {
		env = append(env, arch.GoVariable+"="+variant.Go)
	}
	return env, nil
}
