package spec

import (
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// CgoStatic reports whether cgo binaries link statically: build.cgo set
// and build.cgo_link not "dynamic".
func (b Build) CgoStatic() bool {
	return b.Cgo && b.CgoLink != CgoLinkDynamic
}

// DefaultImage is the toolchain image of a spec without go.image:
// DefaultImageRepo:<go.version>, with -DefaultCgoSuite for a cgo build.
func (s *Spec) DefaultImage() string {
	if s.Build.Cgo {
		return DefaultImageRepo + ":" + s.Go.Version + "-" + DefaultCgoSuite
	}
	return DefaultImageRepo + ":" + s.Go.Version
}

// cgoEnv are the variables go-app sets for the C toolchain of the target
// platform when build.cgo is true.
var cgoEnv = []string{"CC", "CXX", "PKG_CONFIG", "PKG_CONFIG_LIBDIR"}

// debianPackage is the grammar of a Debian package name (Debian Policy
// 5.6.1): lower case letters, digits, "+", "-" and ".", at least two
// characters, starting with a letter or digit.
var debianPackage = regexp.MustCompile(`^[a-z0-9][a-z0-9+.-]+$`)

// cgo checks build.cgo, build.cgo_packages and build.cgo_link.
func (v *validator) cgo() {
	b := v.s.Build
	if !b.Cgo && len(b.CgoPackages) > 0 {
		v.add(v.at("build.cgo_packages"), "build.cgo_packages needs build.cgo: true; set it, or remove build.cgo_packages")
	}
	if !b.Cgo && b.CgoLink == CgoLinkDynamic {
		v.add(v.at("build.cgo_link"), "build.cgo_link needs build.cgo: true; set it, or remove build.cgo_link")
	}
	switch b.CgoLink {
	case "", CgoLinkStatic:
	case CgoLinkDynamic:
		if v.s.onScratch() {
			v.add(v.at("build.cgo_link"), "build.cgo_link: dynamic needs a libc, which scratch does not have; set runtime.base to an image with glibc (like gcr.io/distroless/base-debian12) or remove build.cgo_link to link statically")
		}
	default:
		v.add(v.at("build.cgo_link"), "build.cgo_link %q must be static or dynamic", b.CgoLink)
	}
	v.cgoPackages()
	if b.Cgo {
		for i, p := range v.s.Platforms {
			plat, err := ParsePlatform(p)
			if err != nil {
				continue // platforms reports it
			}
			if a, vr, ok := PlatformArch(plat); ok {
				if _, ok := CgoTargetOf(a, vr); !ok {
					v.add(v.at("platforms."+strconv.Itoa(i)), "platforms.%d %q has no Debian C toolchain, which build.cgo needs; build for %s, or without cgo", i, p, CgoPlatforms())
				}
			}
		}
		for _, k := range cgoEnv {
			if _, ok := b.Env[k]; ok {
				v.add(v.at("build.env."+k), "build.env.%s is set by go-app for the target platform's C toolchain when build.cgo is true; remove it", k)
			}
		}
	}
}

// cgoPackages checks build.cgo_packages: at most MaxCgoPackages Debian
// package names, each once.
func (v *validator) cgoPackages() {
	pkgs := v.s.Build.CgoPackages
	if len(pkgs) > MaxCgoPackages {
		v.add(v.at("build.cgo_packages"), "build.cgo_packages names %d packages; at most %d are allowed", len(pkgs), MaxCgoPackages)
		return
	}
	seen := map[string]int{}
	for i, p := range pkgs {
		key := "build.cgo_packages." + strconv.Itoa(i)
		if problem := debianPackageProblem(p); problem != "" {
			v.add(v.at(key), "%s %s", key, problem)
			continue
		}
		if j, dup := seen[p]; dup {
			v.add(v.at(key), "%s %q is already build.cgo_packages.%d; remove one", key, p, j)
			continue
		}
		seen[p] = i
	}
}

// debianPackageProblem says what is wrong with a package name of
// build.cgo_packages, or returns "".
func debianPackageProblem(p string) string {
	name, arch, hasArch := strings.Cut(p, ":")
	name, version, hasVersion := strings.Cut(name, "=")
	switch {
	case p == "":
		return "is empty; name a Debian package, like libsqlite3-dev"
	case len(p) > MaxNameBytes:
		return msgf("is %d bytes long; a package name has at most %d", len(p), MaxNameBytes)
	case hasArch && debianPackage.MatchString(name):
		return msgf("%q names an architecture (%s); go-app installs each package for the target platform's architecture, so write %q", p, arch, name)
	case hasVersion && debianPackage.MatchString(name):
		return msgf("%q pins a version (%s); the toolchain image's distribution decides the version, so write %q", p, version, name)
	case strings.ToLower(p) != p && debianPackage.MatchString(strings.ToLower(p)):
		return msgf("%q is not a Debian package name: they are lower case; write %q", p, strings.ToLower(p))
	case strings.HasPrefix(p, "-"):
		return msgf("%q is not a Debian package name: it starts with %q, like an option; name a package, like libsqlite3-dev", p, "-")
	case !debianPackage.MatchString(p):
		return msgf("%q is not a Debian package name: use lower case letters, digits, \"+\", \"-\" and \".\", at least two, starting with a letter or digit, like libsqlite3-dev", p)
	}
	return ""
}

// CgoTarget is what a cgo build for one architecture needs from the
// Debian toolchain image.
type CgoTarget struct {
	// Debian is the Debian architecture ("arm64"), the suffix of its
	// multiarch packages (libsqlite3-dev:arm64).
	Debian string
	// Triplet is the GNU triplet ("aarch64-linux-gnu"): the prefix of its
	// gcc and the directory of its multiarch libraries
	// (/usr/lib/aarch64-linux-gnu).
	Triplet string
}

// CgoTargetOf returns what a cgo build for architecture a and variant vr
// needs; ok is false when Debian has no port for it.
func CgoTargetOf(a Arch, vr Variant) (t CgoTarget, ok bool) {
	if a.Debian == "" || vr.NoDebian {
		return CgoTarget{}, false
	}
	return CgoTarget{Debian: a.Debian, Triplet: a.Triplet}, true
}

// CgoPlatforms lists the platforms a cgo build can target, for messages.
func CgoPlatforms() string {
	var list []string
	for _, a := range Arches {
		if a.Debian == "" {
			continue
		}
		if len(a.Variants) == 0 || slices.ContainsFunc(a.Variants, func(v Variant) bool { return v.Baseline }) {
			list = append(list, "linux/"+a.GOARCH)
			continue
		}
		for _, v := range a.Variants {
			if !v.NoDebian {
				list = append(list, "linux/"+a.GOARCH+"/"+v.Name)
			}
		}
	}
	return strings.Join(list, ", ")
}
