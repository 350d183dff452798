package llb

import (
	"fmt"
	"strings"

	"github.com/containerd/platforms"
	ocispecs "github.com/opencontainers/image-spec/specs-go/v1"
)

// GoEnv returns the environment that makes `go build` produce a binary for
// platform p: GOOS and GOARCH, plus GOARM for arm/v5..v7 (arm without a
// variant means v7, as containerd normalizes it) and GOAMD64 for
// amd64/v1..v4. It is the one place where a platform becomes Go settings.
func GoEnv(p ocispecs.Platform) ([]string, error) {
	p = platforms.Normalize(p)
	if p.OS == "" || p.Architecture == "" {
		return nil, fmt.Errorf("platform %q has no os or architecture", platforms.FormatAll(p))
	}
	env := []string{"GOOS=" + p.OS, "GOARCH=" + p.Architecture}
	switch p.Architecture {
	case "arm":
		switch p.Variant {
		case "v5", "v6", "v7":
			env = append(env, "GOARM="+strings.TrimPrefix(p.Variant, "v"))
		case "":
			env = append(env, "GOARM=7")
		default:
			return nil, fmt.Errorf("platform %s: Go supports arm variants v5, v6 and v7", platforms.FormatAll(p))
		}
	case "amd64":
		switch p.Variant {
		case "", "v1":
		case "v2", "v3", "v4":
			env = append(env, "GOAMD64="+p.Variant)
		default:
			return nil, fmt.Errorf("platform %s: Go supports amd64 variants v1 to v4", platforms.FormatAll(p))
		}
	default:
		if p.Variant != "" && !(p.Architecture == "arm64" && p.Variant == "v8") {
			return nil, fmt.Errorf("platform %s: go-app does not know how to build the %s variant %s", platforms.FormatAll(p), p.Architecture, p.Variant)
		}
	}
	return env, nil
}
