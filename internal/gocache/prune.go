package gocache

import "strings"

// go-app builds for Linux only (spec's platform table), so the Go sources
// that the go command would only compile for another operating system are
// never read: a file whose name ends in _GOOS or _GOOS_GOARCH for a GOOS
// other than linux (go/build's rule; android and illumos files are left out
// of linux builds too). The toolchain and module layers leave them out, and
// with them a good part of the files a new builder unpacks (x/sys, syscall
// and runtime hold hundreds).

// knownOS and knownArch are go/build's lists of the names a file name
// constraint may use (internal/syslist).
var (
	knownOS = map[string]bool{
		"aix": true, "android": true, "darwin": true, "dragonfly": true, "freebsd": true, "hurd": true,
		"illumos": true, "ios": true, "js": true, "linux": true, "nacl": true, "netbsd": true,
		"openbsd": true, "plan9": true, "solaris": true, "wasip1": true, "windows": true, "zos": true,
	}
	knownArch = map[string]bool{
		"386": true, "amd64": true, "amd64p32": true, "arm": true, "armbe": true, "arm64": true,
		"arm64be": true, "loong64": true, "mips": true, "mipsle": true, "mips64": true, "mips64le": true,
		"mips64p32": true, "mips64p32le": true, "ppc": true, "ppc64": true, "ppc64le": true,
		"riscv": true, "riscv64": true, "s390": true, "s390x": true, "sparc": true, "sparc64": true,
		"wasm": true,
	}
)

// otherOSSource says whether name, a file name, is a Go or assembly
// source that go/build compiles for some GOOS other than linux only.
func otherOSSource(name string) bool {
	if !strings.HasSuffix(name, ".go") && !strings.HasSuffix(name, ".s") {
		return false
	}
	name, _, _ = strings.Cut(name, ".")
	i := strings.Index(name, "_")
	if i < 0 {
		return false // "windows.go": no constraint (go/build ignores a leading name)
	}
	l := strings.Split(name[i:], "_")
	if n := len(l); n > 0 && l[n-1] == "test" {
		l = l[:n-1]
	}
	n := len(l)
	if n >= 2 && knownOS[l[n-2]] && knownArch[l[n-1]] {
		return l[n-2] != "linux"
	}
	return n >= 1 && knownOS[l[n-1]] && l[n-1] != "linux"
}
