package spec

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/containerd/platforms"
)

// variants are the architectures go-app builds for, each with the variants
// it accepts once normalized ("" is the architecture's baseline).
var variants = map[string][]string{
	"amd64":    {"", "v2", "v3", "v4"},
	"arm64":    {""},
	"arm":      {"v6", "v7"},
	"386":      {""},
	"ppc64le":  {""},
	"s390x":    {""},
	"riscv64":  {""},
	"loong64":  {""},
	"mips64le": {""},
}

// Architectures returns the GOARCH values go-app builds for (on linux),
// sorted.
func Architectures() []string {
	return slices.Sorted(maps.Keys(variants))
}

// supported lists the accepted platforms for messages.
const supported = "linux/amd64 (variants v1 to v4), linux/arm64, linux/arm/v7, linux/arm/v6, linux/386, linux/ppc64le, linux/s390x, linux/riscv64, linux/loong64 or linux/mips64le"

// ParsePlatform parses a target platform like "linux/arm64" or
// "linux/arm/v7" and returns it normalized (containerd's normalization:
// "linux/arm" is linux/arm/v7, "linux/x86_64" is linux/amd64). It accepts
// Linux on the architectures go-app builds for; its errors start with the
// quoted platform, so they read well after a key path or a flag name.
func ParsePlatform(s string) (platforms.Platform, error) {
	if !strings.Contains(s, "/") {
		return platforms.Platform{}, fmt.Errorf("%q must be os/arch, like linux/arm64", s)
	}
	p, err := platforms.Parse(s)
	if err != nil {
		return platforms.Platform{}, fmt.Errorf("%q is not a platform; write os/arch or os/arch/variant, like linux/arm64", s)
	}
	p = platforms.Normalize(p)
	if p.OS != "linux" || p.OSVersion != "" || len(p.OSFeatures) > 0 {
		return platforms.Platform{}, fmt.Errorf("%q is not a Linux platform; go-app builds Linux images only, so use linux/<arch>, like linux/amd64", s)
	}
	allowed, ok := variants[p.Architecture]
	if !ok || !slices.Contains(allowed, p.Variant) {
		return platforms.Platform{}, fmt.Errorf("%q is not a platform go-app builds for; use %s", s, supported)
	}
	return p, nil
}
