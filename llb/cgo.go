package llb

import (
	"cmp"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/containerd/platforms"
	"github.com/goappfrontend/go-app/spec"
	"github.com/moby/buildkit/client/llb"
	ocispecs "github.com/opencontainers/image-spec/specs-go/v1"
)

// cgo: the C toolchain of a cgo build comes from the toolchain image's
// distribution (Debian), never from emulation. The go build steps of each
// target platform run on the toolchain image plus one step that installs,
// with apt, the distribution's gcc for that target (the native gcc, or the
// cross gcc like gcc-aarch64-linux-gnu) and build.cgo_packages for the
// target's architecture (multiarch: libsqlite3-dev:arm64 lands in
// /usr/lib/aarch64-linux-gnu, where the cross gcc looks). The step runs on
// the toolchain image itself, not after the module download, so it is keyed
// on the toolchain image and the package list only: neither a .go change
// nor a go.mod change runs it again. apt's package cache and lists are
// cache mounts (locked: apt takes its own locks there), so a builder that
// ran it before downloads nothing again.
//
// Debian's cross gcc rather than clang with a sysroot: it is packaged for
// every Debian architecture, finds the multiarch libraries and headers
// without flags, and comes with the libstdc++ and libgcc of the target
// that C++ libraries like RocksDB link against statically; clang would
// still need those from gcc's packages.

// CgoInstaller is the subcommand of the frontend binary that installs the
// C toolchain and packages of a cgo build (its second argument).
const CgoInstaller = "cgo-install"

// Where apt keeps its downloads and lists: cache mounts of the install step.
const (
	aptCacheDir = "/var/cache/apt"
	aptLibDir   = "/var/lib/apt"
)

// cgoTarget returns the Debian architecture and GNU triplet of platform p
// for a cgo build, or an error at build.cgo.
func cgoTarget(s *spec.Spec, p ocispecs.Platform) (spec.CgoTarget, error) {
	p = platforms.Normalize(p)
	a, v, ok := spec.PlatformArch(p)
	if ok {
		if t, ok := spec.CgoTargetOf(a, v); ok {
			return t, nil
		}
	}
	return spec.CgoTarget{}, spec.Errors{{
		Filename: s.Source.Filename,
		Pos:      s.Source.Pos("build.cgo"),
		Msg:      fmt.Sprintf("build.cgo cannot build for %s: Debian has no C toolchain for it; build for %s, or without cgo", platforms.FormatAll(p), spec.CgoPlatforms()),
		Rule:     spec.RuleInvalidValue,
	}}.Err()
}

// CgoEnv is the environment of the go commands of a cgo build for target
// t: gcc and g++ named by t's triplet (x86_64-linux-gnu-gcc is Debian's
// native gcc too), and pkg-config reading the .pc files of t's multiarch
// directory only.
func CgoEnv(t spec.CgoTarget) []string {
	return []string{
		"CC=" + t.Triplet + "-gcc",
		"CXX=" + t.Triplet + "-g++",
		"PKG_CONFIG=pkg-config",
		"PKG_CONFIG_LIBDIR=/usr/lib/" + t.Triplet + "/pkgconfig:/usr/share/pkgconfig",
	}
}

// CgoPackages are the packages the install step of a cgo build for target
// t installs on a toolchain image of architecture host: gcc, g++ and
// libc6-dev for t (the distribution's cross compilers when t is not the
// host: gcc-aarch64-linux-gnu), then build.cgo_packages for t's
// architecture.
func CgoPackages(s *spec.Spec, host, t spec.CgoTarget) []string {
	var pkgs []string
	if t.Debian == host.Debian {
		pkgs = []string{"gcc", "g++", "libc6-dev"}
		return append(pkgs, s.Build.CgoPackages...)
	}
	cross := strings.ReplaceAll(t.Triplet, "_", "-")
	pkgs = []string{"gcc-" + cross, "g++-" + cross, "libc6-dev:" + t.Debian}
	for _, p := range s.Build.CgoPackages {
		pkgs = append(pkgs, p+":"+t.Debian)
	}
	return pkgs
}

// cgoRoot returns root (the toolchain image) with the C toolchain and
// build.cgo_packages for target platform p installed: the root of the go
// build steps of a cgo build, which get the environment of CgoEnv.
func (b *builder) cgoRoot(root llb.State, p ocispecs.Platform) (llb.State, error) {
	s := b.opt.Spec
	t, err := cgoTarget(s, p)
	if err != nil {
		return llb.State{}, err
	}
	host, err := cgoTarget(s, b.opt.BuildPlatform)
	if err != nil {
		return llb.State{}, err
	}
	if b.frontendBin == "" {
		return llb.State{}, fmt.Errorf("llb: a cgo build needs the frontend image (Options.Frontend), whose binary installs the C packages")
	}
	pkgs := CgoPackages(s, host, t)
	args := append([]string{b.frontendBin, CgoInstaller, "-arch", t.Debian, "-image", b.opt.Toolchain.Ref, "--"}, pkgs...)
	name := fmt.Sprintf("%s apt-get install %s (cgo)", platformName(platforms.Normalize(p)), strings.Join(pkgs, " "))
	opts := []llb.RunOption{
		llb.Args(args),
		llb.WithCustomName(name),
		llb.Platform(b.opt.BuildPlatform),
		llb.AddMount(aptCacheDir, llb.Scratch(), llb.AsPersistentCacheDir(b.cacheID("apt-cache"), llb.CacheMountLocked)),
		llb.AddMount(aptLibDir, llb.Scratch(), llb.AsPersistentCacheDir(b.cacheID("apt-lib"), llb.CacheMountLocked)),
		b.frontendMount(),
	}
	for _, kv := range mergeEnv(b.env, []string{"DEBIAN_FRONTEND=noninteractive"}) {
		k, v, _ := strings.Cut(kv, "=")
		opts = append(opts, llb.AddEnv(k, v))
	}
	src := s.Source
	for _, l := range b.location(cmp.Or(src.Pos("build.cgo_packages"), src.Pos("build.cgo"))) {
		opts = append(opts, l)
	}
	return root.Run(opts...).Root(), nil
}

// cgoTags are build.tags and, for a statically linked cgo build, the
// tags netgo and osusergo (the Go resolver and user lookup, not glibc's,
// which a static binary cannot load), unless build.tags has them.
func cgoTags(s *spec.Spec) []string {
	tags := slices.Clone(s.Build.Tags)
	if !s.Build.CgoStatic() {
		return tags
	}
	for _, t := range []string{"netgo", "osusergo"} {
		if !slices.Contains(tags, t) {
			tags = append(tags, t)
		}
	}
	return tags
}

// cgoLdflags links a static cgo binary: the external linker (gcc) with
// -static, and libm last: a shared C library brings the libm it needs
// with it, a static archive (libsqlite3.a) does not, and an archive's
// undefined symbols resolve only from libraries after it. Other libraries
// an archive needs go in build.env CGO_LDFLAGS, in link order. They come
// before build.ldflags, which may override them.
const cgoLdflags = `-linkmode external -extldflags "-static -lm"`

// CgoLibrarian is the subcommand of the frontend binary that copies the
// shared libraries of dynamically linked cgo binaries into the image.
const CgoLibrarian = "cgo-libs"

// Where the step of cgoLibraries mounts what it reads and writes.
const (
	cgoBaseDir = "/go-app-base"
	cgoBinDir  = "/go-app-bins"
	cgoLibDir  = "/go-app-libs"
)

// cgoLibraries returns the layer of the shared libraries that the binaries
// of a dynamically linked cgo build (build.cgo_link: dynamic) need and the
// runtime base lacks, copied from the packages installed for target, in
// /usr/lib/<triplet>. The step reads the binaries' DT_NEEDED entries and
// the libraries' files on the build platform, with the target platform's
// base mounted: it runs nothing of the target architecture. glibc itself
// is the base's to have; the check after the build tells when it has not.
func (b *builder) cgoLibraries(target ocispecs.Platform, outs []binaryOut, base *Image, t time.Time) llb.State {
	plat := platformName(target)
	args := []string{b.frontendBin, CgoLibrarian, "-goarch", target.Architecture, "-base", cgoBaseDir, "-out", cgoLibDir}
	opts := []llb.RunOption{
		llb.WithCustomName(plat + " shared libraries of the binaries (cgo)"),
		llb.Platform(b.opt.BuildPlatform),
		b.frontendMount(),
		llb.AddMount(cgoBaseDir, base.State, llb.Readonly),
	}
	names := make([]string, 0, len(outs))
	for i, o := range outs {
		dir := cgoBinDir + "/" + strconv.Itoa(i)
		opts = append(opts, llb.AddMount(dir, o.state, llb.Readonly))
		args = append(args, dir+"/"+o.name)
		names = append(names, o.name)
	}
	opts = append(opts, llb.Args(args))
	libs := b.goRoot.Run(opts...).AddMount(cgoLibDir, llb.Scratch())
	return datedLayer(libs, t, plat+" shared libraries layer: "+strings.Join(names, ", "), llb.Platform(b.opt.BuildPlatform))
}
