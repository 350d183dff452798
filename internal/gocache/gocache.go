// Package gocache moves Go's module cache (GOMODCACHE) and build cache
// (GOCACHE) in and out of ordinary BuildKit layers, so that they ride along
// with BuildKit's own cache export (`--cache-to ...,mode=max`) while the
// long-lived cache mounts of a local builder stay where the go command works.
//
// The frontend binary runs these functions inside three build steps:
//
//   - [ExportModules], in the module download step: `go mod download` into
//     the GOMODCACHE cache mount (with the caller's credentials), then a
//     copy of exactly the modules the build needs into a fresh directory,
//     the step's output layer, without the module zips and, unless asked,
//     without private modules.
//   - [CompileDeps], once per target platform: `go build` of the packages the
//     main module imports from other modules and the standard library, with
//     GOCACHE a fresh directory (the step's output layer) and no network.
//     With Go 1.24 and later its GOCACHEPROG, [ServeCacheProg], takes what
//     the builder's GOCACHE mount holds instead of compiling it.
//   - [Seed], in a `go build` step whose private modules are kept out of the
//     module layer: copies what the module layer holds and the GOMODCACHE
//     mount lacks into the mount, then the go command runs as before. On a
//     long-lived builder a marker file makes this one stat.
//
// Every other go build step needs no copy: it mounts the module layer as
// GOMODCACHE (a go build with every module there writes nothing to it) and
// a cache mount based on the dependency layer as GOCACHE.
//
// Nothing here needs a shell or a daemon; the tests run it on the host.
package gocache

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// ModulesIDFile names, inside a module layer, the file that identifies its
// content. Seed records it in the cache mount it copied the layer into, so
// that a later build with the same layer copies nothing. It is under
// cache/, which is the go command's own namespace, so no module path can
// clash.
const (
	ModulesIDFile = "cache/go-app-layer.id"
	// seededDir holds, in a GOMODCACHE cache mount (beside the id file's
	// place in a layer), one empty file per layer id copied in.
	seededDir = "cache/go-app-seeded"
)

// writeID writes into root the id of its content: a digest of every
// regular file's path and size (the layers hold immutable, content-named or
// version-named files).
func writeID(root, idFile string) (string, error) {
	h := sha256.New()
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || !d.Type().IsRegular() {
			return err
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		fmt.Fprintf(h, "%s\x00%d\x00", rel, info.Size())
		return nil
	})
	if err != nil {
		return "", err
	}
	id := hex.EncodeToString(h.Sum(nil))
	dst := filepath.Join(root, idFile)
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return "", err
	}
	return id, os.WriteFile(dst, []byte(id+"\n"), 0o644)
}

// readID reads the id a layer carries; "" when it has none.
func readID(root, idFile string) string {
	b, err := os.ReadFile(filepath.Join(root, idFile))
	if err != nil {
		return ""
	}
	id := strings.TrimSpace(string(b))
	if len(id) != sha256.Size*2 || strings.ContainsAny(id, `/\.`) {
		return ""
	}
	return id
}

// SeedStats says what Seed did.
type SeedStats struct {
	// Skipped is true when the mount had been seeded from this very layer
	// before: nothing was read.
	Skipped bool
	// Files and Bytes count what was copied.
	Files int
	Bytes int64
}

// Seed copies into dst (a GOMODCACHE cache mount) every file of src (a
// module layer written by ExportModules) that dst lacks, then marks dst as
// seeded with src's id (in seededDir), so that the next Seed of the same
// layer returns at once. Files already in dst are left as they are: a
// module cache names its entries by module version, so a file of the same
// name has the same content. Each file (and each module directory, a name
// holding "@") appears in dst at once, through a rename, so a concurrent
// build sharing the mount never sees half of one. A src that does not
// exist or carries no id copies nothing.
func Seed(src, dst string) (SeedStats, error) {
	var st SeedStats
	id := readID(src, ModulesIDFile)
	if id == "" {
		return st, nil
	}
	marker := filepath.Join(dst, seededDir, id)
	if _, err := os.Stat(marker); err == nil {
		st.Skipped = true
		return st, nil
	}
	err := filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		if rel == "." || rel == ModulesIDFile {
			return nil
		}
		target := filepath.Join(dst, rel)
		if d.IsDir() {
			if _, err := os.Lstat(target); err == nil {
				return nil // merge into it
			}
			if strings.Contains(d.Name(), "@") { // a module's source tree
				n, b, err := copyTreeAtomic(p, target)
				st.Files += n
				st.Bytes += b
				if err != nil {
					return err
				}
				return fs.SkipDir
			}
			return os.MkdirAll(target, 0o755)
		}
		if !d.Type().IsRegular() {
			return nil
		}
		if _, err := os.Lstat(target); err == nil {
			return nil
		}
		n, err := copyFileAtomic(p, target)
		if err != nil {
			return err
		}
		st.Files++
		st.Bytes += n
		return nil
	})
	if err != nil {
		return st, err
	}
	if err := os.MkdirAll(filepath.Dir(marker), 0o755); err != nil {
		return st, err
	}
	return st, os.WriteFile(marker, nil, 0o644)
}

// copyFileAtomic copies src to dst through a temporary file next to dst.
func copyFileAtomic(src, dst string) (int64, error) {
	tmp, err := os.CreateTemp(filepath.Dir(dst), ".go-app-seed-*")
	if err != nil {
		return 0, err
	}
	tmp.Close()
	os.Remove(tmp.Name()) // copyFile creates it afresh, with src's mode
	n, err := copyFile(src, tmp.Name())
	if err == nil {
		err = os.Rename(tmp.Name(), dst)
	}
	if err != nil {
		os.Remove(tmp.Name())
		return 0, err
	}
	return n, nil
}

// copyTreeAtomic copies the directory src to dst through a temporary
// directory next to dst, renamed into place; if another build put dst there
// first, its copy wins and this one is dropped.
func copyTreeAtomic(src, dst string) (files int, size int64, err error) {
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return 0, 0, err
	}
	tmp, err := os.MkdirTemp(filepath.Dir(dst), ".go-app-seed-*")
	if err != nil {
		return 0, 0, err
	}
	defer os.RemoveAll(tmp) // gone after a successful rename
	err = filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		target := filepath.Join(tmp, rel)
		switch {
		case d.IsDir():
			return os.MkdirAll(target, 0o755)
		case d.Type()&fs.ModeSymlink != 0: // module zips hold none; be safe
			return nil
		case d.Type().IsRegular():
			n, err := copyFile(p, target)
			files++
			size += n
			return err
		}
		return nil
	})
	if err != nil {
		return files, size, err
	}
	if err := os.Rename(tmp, dst); err != nil {
		if _, serr := os.Stat(dst); serr == nil {
			return 0, 0, nil // a concurrent seed won
		}
		return files, size, err
	}
	return files, size, nil
}

func copyFile(src, dst string) (int64, error) {
	in, err := os.Open(src)
	if err != nil {
		return 0, err
	}
	defer in.Close()
	info, err := in.Stat()
	if err != nil {
		return 0, err
	}
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL, info.Mode().Perm())
	if err != nil {
		return 0, err
	}
	n, err := io.Copy(out, in)
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	return n, err
}

// goEnv returns os.Environ() with the overrides (KEY=VALUE) replacing what
// it sets.
func goEnv(overrides ...string) []string {
	env := os.Environ()
	for _, kv := range overrides {
		k, _, _ := strings.Cut(kv, "=")
		env = slices.DeleteFunc(env, func(e string) bool { return strings.HasPrefix(e, k+"=") })
		env = append(env, kv)
	}
	return env
}

// errNoGo is returned when the go command cannot be found.
var errNoGo = errors.New("the go command is not on PATH")
