package gocache

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"strings"
	"time"
)

// The toolchain layer. A new builder that restores the module and
// dependency layers from a cache import still has to unpack the root
// filesystem the go build steps run on. The toolchain image is large (the
// official golang images hold Debian, gcc and git besides Go), and most of
// Go's own installation is its tests: GOROOT/test, every _test.go and
// testdata directory of GOROOT/src, and the sources of the go command's own
// tools (GOROOT/src/cmd, whose binaries are in GOROOT/pkg/tool). A go build
// without cgo reads none of that, nor the sources of other systems than
// Linux (otherOSSource), nor the tools that go build never runs (vet, fix,
// gofmt). ExportToolchain copies the rest into a
// layer on which those steps run instead: the cache import then unpacks it
// and never the toolchain image.

// ToolchainStats says what ExportToolchain copied and left out.
type ToolchainStats struct {
	GOROOT                 string
	Files, SkippedFiles    int
	Bytes, SkippedBytes    int64
	Symlinks, ExtraEntries int
}

func (s ToolchainStats) String() string {
	return fmt.Sprintf("toolchain layer: %s, %d files (%.1f MB); left out: tests, testdata, docs, cmd sources, other systems' sources, vet, fix and gofmt, %d files (%.1f MB)",
		s.GOROOT, s.Files, float64(s.Bytes)/1e6, s.SkippedFiles, float64(s.SkippedBytes)/1e6)
}

// toolchainSkip says whether rel, a slash-separated path relative to
// GOROOT, stays out of the toolchain layer (a directory with everything
// under it).
func toolchainSkip(rel string, dir bool) bool {
	if dir {
		switch rel {
		case "test", "api", "doc", "misc", "src/cmd":
			return true
		}
		return strings.HasPrefix(rel, "src/") && path.Base(rel) == "testdata"
	}
	switch {
	case strings.HasPrefix(rel, "src/"):
		return strings.HasSuffix(rel, "_test.go") || otherOSSource(path.Base(rel))
	case rel == "bin/gofmt":
		return true
	case strings.HasPrefix(rel, "pkg/tool/"):
		switch path.Base(rel) {
		case "vet", "fix", "gofmt":
			return true
		}
	}
	return false
}

// toolchainExtras are files of the toolchain image besides GOROOT that a go
// build may read: the CA bundles the go command trusts when it has to fetch
// a module after all (Debian's, then Alpine's), and the user database.
var toolchainExtras = []string{
	"/etc/ssl/certs/ca-certificates.crt",
	"/etc/ssl/cert.pem",
	"/etc/passwd",
	"/etc/group",
}

// ExportToolchain copies the Go installation of the go command on PATH into
// out at the same absolute path, without what toolchainSkip leaves out,
// keeping modes, dates and symbolic links; then the go command's path on
// PATH when it is a symbolic link outside GOROOT (Debian's /usr/bin/go),
// the toolchainExtras that exist, and an empty /tmp.
func ExportToolchain(out string) (ToolchainStats, error) {
	var st ToolchainStats
	goBin, err := exec.LookPath("go")
	if err != nil {
		return st, errNoGo
	}
	cmd := exec.Command(goBin, "env", "GOROOT")
	cmd.Env = goEnv("GOTOOLCHAIN=local", "GOFLAGS=")
	b, err := cmd.Output()
	if err != nil {
		return st, fmt.Errorf("go env GOROOT: %w", err)
	}
	st.GOROOT = strings.TrimSpace(string(b))
	if !filepath.IsAbs(st.GOROOT) {
		return st, fmt.Errorf("go env GOROOT gave %q, not an absolute path", st.GOROOT)
	}
	// GOROOT may be a symbolic link (Debian's /usr/lib/go): the tree is
	// copied where it really is, and the link next to it.
	real, err := filepath.EvalSymlinks(st.GOROOT)
	if err != nil {
		return st, err
	}
	if err := copyGoroot(real, filepath.Join(out, real), &st); err != nil {
		return st, err
	}
	if real != st.GOROOT {
		if err := copyLinkChain(st.GOROOT, real, out, &st); err != nil {
			return st, err
		}
	}
	if err := copyLinkChain(goBin, real, out, &st); err != nil {
		return st, err
	}
	for _, f := range toolchainExtras {
		if fi, err := os.Stat(f); err != nil || !fi.Mode().IsRegular() {
			continue
		}
		dst := filepath.Join(out, f)
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			return st, err
		}
		if _, err := copyFile(f, dst); err != nil {
			return st, err
		}
		st.ExtraEntries++
	}
	tmp := filepath.Join(out, "tmp")
	if err := os.Mkdir(tmp, 0o755); err != nil {
		return st, err
	}
	return st, os.Chmod(tmp, 0o777|fs.ModeSticky)
}

// copyGoroot copies the tree src to dst without what toolchainSkip leaves
// out. Directory dates are set last, once their content is written.
func copyGoroot(src, dst string, st *ToolchainStats) error {
	type dirTime struct {
		path string
		t    time.Time
	}
	var dirs []dirTime
	err := filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		rel = filepath.ToSlash(rel)
		info, err := d.Info()
		if err != nil {
			return err
		}
		if rel != "." && toolchainSkip(rel, d.IsDir()) {
			if d.IsDir() {
				n, size, err := treeSize(p)
				st.SkippedFiles += n
				st.SkippedBytes += size
				if err != nil {
					return err
				}
				return fs.SkipDir
			}
			st.SkippedFiles++
			st.SkippedBytes += info.Size()
			return nil
		}
		target := filepath.Join(dst, rel)
		switch {
		case d.IsDir():
			if err := os.MkdirAll(target, info.Mode().Perm()); err != nil {
				return err
			}
			dirs = append(dirs, dirTime{target, info.ModTime()})
			return nil
		case d.Type()&fs.ModeSymlink != 0:
			link, err := os.Readlink(p)
			if err == nil {
				err = os.Symlink(link, target)
			}
			st.Symlinks++
			return err
		case d.Type().IsRegular():
			n, err := copyFile(p, target)
			if err != nil {
				return err
			}
			st.Files++
			st.Bytes += n
			return os.Chtimes(target, info.ModTime(), info.ModTime())
		}
		return nil // devices, sockets: a Go installation has none
	})
	if err != nil {
		return err
	}
	for i := len(dirs) - 1; i >= 0; i-- {
		if err := os.Chtimes(dirs[i].path, dirs[i].t, dirs[i].t); err != nil {
			return err
		}
	}
	return nil
}

// treeSize counts the regular files under dir and their bytes.
func treeSize(dir string) (files int, size int64, err error) {
	err = filepath.WalkDir(dir, func(_ string, d fs.DirEntry, err error) error {
		if err != nil || !d.Type().IsRegular() {
			return err
		}
		info, err := d.Info()
		if err == nil {
			files++
			size += info.Size()
		}
		return err
	})
	return files, size, err
}

// copyLinkChain recreates under out the symbolic links that lead from p to
// goroot or a file under it (the go command found on PATH), at most 8.
func copyLinkChain(p, goroot, out string, st *ToolchainStats) error {
	for range 8 {
		if rel, err := filepath.Rel(goroot, p); err == nil && filepath.IsLocal(rel) {
			return nil
		}
		fi, err := os.Lstat(p)
		if err != nil {
			return err
		}
		if fi.Mode()&fs.ModeSymlink == 0 {
			return fmt.Errorf("the go command %s is outside GOROOT %s", p, goroot)
		}
		link, err := os.Readlink(p)
		if err != nil {
			return err
		}
		dst := filepath.Join(out, p)
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			return err
		}
		if err := os.Symlink(link, dst); err != nil && !errors.Is(err, fs.ErrExist) {
			return err
		}
		st.Symlinks++
		if !filepath.IsAbs(link) {
			link = filepath.Join(filepath.Dir(p), link)
		}
		p = link
	}
	return fmt.Errorf("the go command %s: too many symbolic links", p)
}
