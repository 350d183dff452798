package spec

import (
	"debug/elf"
	"slices"
	"strings"

	"github.com/containerd/platforms"
)

// Arch is an architecture go-app builds for, on Linux, with everything that
// follows from it. Arches is the one table of them: the platforms a spec
// accepts, the Go environment of `go build`, the ELF identity the binaries
// are checked against and the emulator that runs them in tests all come
// from it.
type Arch struct {
	// GOARCH is the Go architecture, which is also the OCI one.
	GOARCH string
	// GoVariable is the Go setting that selects the CPU level of its
	// binaries ("GOAMD64", "GOARM", "GOPPC64"), or "" for an architecture
	// without one. A variant sets it; without variants go-app leaves it at
	// Go's default, the baseline CPU. build.env cannot set it: the
	// platform of the image must say what CPU its binaries need.
	GoVariable string
	// Variants are the variants go-app builds for, as containerd
	// normalizes them; none for an architecture built without a variant.
	Variants []Variant
	// ELF is what the ELF header of its executables says.
	ELF ELFIdent
	// Name is the machine as people call it ("x86-64").
	Name string
	// QEMU is the binfmt_misc handler that runs its binaries on a host of
	// another architecture ("qemu-aarch64"); "" for the x86 ones, which the
	// x86-64 hosts of the test stack run natively.
	QEMU string
	// Debian is the Debian architecture ("arm64") and Triplet the GNU
	// triplet ("aarch64-linux-gnu") of cgo builds: the multiarch packages,
	// the cross gcc and its library directory. "" when Debian has no port.
	Debian, Triplet string
}

// Variant is one variant of an architecture.
type Variant struct {
	// Name is the OCI variant: "v7".
	Name string
	// Go is the value of the architecture's GoVariable for it ("7" for
	// GOARM=7); "" sets nothing.
	Go string
	// Baseline is true for the variant a platform without one means, which
	// normalized platforms write without it: linux/amd64 is amd64/v1.
	Baseline bool
	// NoDebian is true for a variant no Debian port builds for (arm/v6:
	// Debian's armhf needs ARMv7), which cgo cannot target.
	NoDebian bool
}

// ELFIdent is how the kernel tells whether an ELF executable is for its
// machine: the machine, class and byte order of the ELF header.
type ELFIdent struct {
	Machine elf.Machine
	Class   elf.Class
	Data    elf.Data
}

// Arches are the architectures go-app builds for, in the order messages
// list them.
var Arches = []Arch{
	{GOARCH: "amd64", GoVariable: "GOAMD64",
		Variants: []Variant{{Name: "v1", Baseline: true}, {Name: "v2", Go: "v2"}, {Name: "v3", Go: "v3"}, {Name: "v4", Go: "v4"}},
		ELF:      ELFIdent{elf.EM_X86_64, elf.ELFCLASS64, elf.ELFDATA2LSB}, Name: "x86-64", Debian: "amd64", Triplet: "x86_64-linux-gnu"},
	{GOARCH: "arm64", GoVariable: "GOARM64",
		ELF: ELFIdent{elf.EM_AARCH64, elf.ELFCLASS64, elf.ELFDATA2LSB}, Name: "AArch64", QEMU: "qemu-aarch64", Debian: "arm64", Triplet: "aarch64-linux-gnu"},
	{GOARCH: "arm", GoVariable: "GOARM",
		Variants: []Variant{{Name: "v7", Go: "7"}, {Name: "v6", Go: "6", NoDebian: true}},
		ELF:      ELFIdent{elf.EM_ARM, elf.ELFCLASS32, elf.ELFDATA2LSB}, Name: "32-bit ARM", QEMU: "qemu-arm", Debian: "armhf", Triplet: "arm-linux-gnueabihf"},
	{GOARCH: "386", GoVariable: "GO386",
		ELF: ELFIdent{elf.EM_386, elf.ELFCLASS32, elf.ELFDATA2LSB}, Name: "x86 (32-bit)", Debian: "i386", Triplet: "i686-linux-gnu"},
	{GOARCH: "ppc64le", GoVariable: "GOPPC64",
		ELF: ELFIdent{elf.EM_PPC64, elf.ELFCLASS64, elf.ELFDATA2LSB}, Name: "PowerPC 64 little-endian", QEMU: "qemu-ppc64le", Debian: "ppc64el", Triplet: "powerpc64le-linux-gnu"},
	{GOARCH: "s390x",
		ELF: ELFIdent{elf.EM_S390, elf.ELFCLASS64, elf.ELFDATA2MSB}, Name: "IBM Z (s390x)", QEMU: "qemu-s390x", Debian: "s390x", Triplet: "s390x-linux-gnu"},
	{GOARCH: "riscv64", GoVariable: "GORISCV64",
		ELF: ELFIdent{elf.EM_RISCV, elf.ELFCLASS64, elf.ELFDATA2LSB}, Name: "RISC-V 64", QEMU: "qemu-riscv64", Debian: "riscv64", Triplet: "riscv64-linux-gnu"},
	{GOARCH: "loong64",
		ELF: ELFIdent{elf.EM_LOONGARCH, elf.ELFCLASS64, elf.ELFDATA2LSB}, Name: "LoongArch 64", QEMU: "qemu-loongarch64"},
	{GOARCH: "mips64le", GoVariable: "GOMIPS64",
		ELF: ELFIdent{elf.EM_MIPS, elf.ELFCLASS64, elf.ELFDATA2LSB}, Name: "MIPS64 little-endian", QEMU: "qemu-mips64el", Debian: "mips64el", Triplet: "mips64el-linux-gnuabi64"},
}

// ArchOf returns the architecture of a GOARCH; ok is false when go-app does
// not build for it.
func ArchOf(goarch string) (a Arch, ok bool) {
	i := slices.IndexFunc(Arches, func(a Arch) bool { return a.GOARCH == goarch })
	if i < 0 {
		return Arch{}, false
	}
	return Arches[i], true
}

// Architectures returns the GOARCH values go-app builds for (on linux),
// sorted.
func Architectures() []string {
	names := make([]string, len(Arches))
	for i, a := range Arches {
		names[i] = a.GOARCH
	}
	slices.Sort(names)
	return names
}

// PlatformArch returns the architecture and variant of a platform as
// containerd normalizes it (see ParsePlatform); ok is false when go-app
// does not build for that architecture and variant. It does not look at
// the OS. The variant is the zero Variant for an architecture without
// variants.
func PlatformArch(p platforms.Platform) (a Arch, v Variant, ok bool) {
	a, ok = ArchOf(p.Architecture)
	if !ok {
		return Arch{}, Variant{}, false
	}
	if len(a.Variants) == 0 {
		return a, Variant{}, p.Variant == ""
	}
	for _, v := range a.Variants {
		if v.Name == p.Variant || v.Baseline && p.Variant == "" {
			return a, v, true
		}
	}
	return Arch{}, Variant{}, false
}

// SupportedPlatforms lists the platforms go-app builds for, for messages:
// "linux/amd64 (variants v1 to v4), linux/arm64, linux/arm/v7, ... or
// linux/mips64le".
func SupportedPlatforms() string {
	var list []string
	for _, a := range Arches {
		switch {
		case len(a.Variants) == 0:
			list = append(list, "linux/"+a.GOARCH)
		case slices.ContainsFunc(a.Variants, func(v Variant) bool { return v.Baseline }):
			list = append(list, msgf("linux/%s (variants %s to %s)", a.GOARCH, a.Variants[0].Name, a.Variants[len(a.Variants)-1].Name))
		default:
			for _, v := range a.Variants {
				list = append(list, "linux/"+a.GOARCH+"/"+v.Name)
			}
		}
	}
	return strings.Join(list[:len(list)-1], ", ") + " or " + list[len(list)-1]
}

// supported lists the accepted platforms for messages.
var supported = SupportedPlatforms()

// ParsePlatform parses a target platform like "linux/arm64" or
// "linux/arm/v7" and returns it normalized (containerd's normalization:
// "linux/arm" is linux/arm/v7, "linux/x86_64" is linux/amd64). It accepts
// Linux on the architectures go-app builds for; its errors start with the
// quoted platform, so they read well after a key path or a flag name.
func ParsePlatform(s string) (platforms.Platform, error) {
	if !strings.Contains(s, "/") {
		return platforms.Platform{}, errorf("%q must be os/arch, like linux/arm64", s)
	}
	p, err := platforms.Parse(s)
	if err != nil {
		return platforms.Platform{}, errorf("%q is not a platform; write os/arch or os/arch/variant, like linux/arm64", s)
	}
	p = platforms.Normalize(p)
	if p.OS != "linux" || p.OSVersion != "" || len(p.OSFeatures) > 0 {
		return platforms.Platform{}, errorf("%q is not a Linux platform; go-app builds Linux images only, so use linux/<arch>, like linux/amd64", s)
	}
	if _, _, ok := PlatformArch(p); !ok {
		return platforms.Platform{}, errorf("%q is not a platform go-app builds for; use %s", s, supported)
	}
	return p, nil
}
