package elfcheck

import (
	"debug/elf"
	"fmt"
	"io"
	"path"
	"slices"
	"strings"

	"github.com/goappfrontend/go-app/spec"
)

// Needed returns the shared libraries an ELF file needs (DT_NEEDED) and
// the directories its DT_RUNPATH and DT_RPATH name, in order.
func Needed(r io.ReaderAt) (needed, runpath []string, err error) {
	f, err := elf.NewFile(r)
	if err != nil {
		return nil, nil, err
	}
	defer f.Close()
	if f.Section(".dynamic") == nil && !slices.ContainsFunc(f.Progs, func(p *elf.Prog) bool { return p.Type == elf.PT_DYNAMIC }) {
		return nil, nil, nil
	}
	if needed, err = f.DynString(elf.DT_NEEDED); err != nil {
		return nil, nil, err
	}
	for _, tag := range []elf.DynTag{elf.DT_RUNPATH, elf.DT_RPATH} {
		paths, err := f.DynString(tag)
		if err != nil {
			return nil, nil, err
		}
		for _, p := range paths {
			runpath = append(runpath, strings.Split(p, ":")...)
		}
	}
	return needed, runpath, nil
}

// LibraryDirs are the directories the dynamic loader of a Debian-style
// glibc searches for a library of architecture a when the binary names no
// run path and the loader's cache does not have it: the multiarch
// directories of a's GNU triplet, then /lib and /usr/lib (and /lib64,
// /usr/lib64 for 64-bit machines).
func LibraryDirs(a spec.Arch) []string {
	var dirs []string
	if a.Triplet != "" {
		dirs = append(dirs, "/lib/"+a.Triplet, "/usr/lib/"+a.Triplet)
	}
	dirs = append(dirs, "/lib", "/usr/lib")
	if a.ELF.Class == elf.ELFCLASS64 {
		dirs = append(dirs, "/lib64", "/usr/lib64")
	}
	return dirs
}

// Opener opens a file of an image for reading; ok is false when there is
// no such file.
type Opener func(file string) (r io.ReaderAt, ok bool, err error)

// MaxLibraries bounds how many shared libraries Resolve looks at.
const MaxLibraries = 256

// Resolve looks for the shared libraries that needed names, and those
// they need in turn, in dirs (after the run path of the library that
// needs them), through open. Each found library must be an ELF file of
// architecture a. It returns where each was found and the names of those
// not found, in the order they were first needed; Resolve stops after
// MaxLibraries libraries.
func Resolve(open Opener, a spec.Arch, needed, runpath, dirs []string) (found map[string]string, missing []string, err error) {
	found = map[string]string{}
	type want struct {
		name    string
		runpath []string
	}
	queue := make([]want, 0, len(needed))
	for _, n := range needed {
		queue = append(queue, want{n, runpath})
	}
	seen := map[string]bool{}
	for len(queue) > 0 && len(seen) < MaxLibraries {
		w := queue[0]
		queue = queue[1:]
		if seen[w.name] {
			continue
		}
		seen[w.name] = true
		var hit string
		var more, morePath []string
		for _, d := range append(slices.Clone(w.runpath), dirs...) {
			file := w.name
			if !strings.Contains(w.name, "/") {
				file = path.Join(d, w.name)
			}
			r, ok, err := open(file)
			if err != nil {
				return nil, nil, err
			}
			if !ok {
				continue
			}
			f, err := Headers(r)
			if err != nil || identOf(f) != a.ELF {
				continue // not a library for this machine: the loader skips it too
			}
			f.Close()
			if more, morePath, err = Needed(r); err != nil {
				return nil, nil, fmt.Errorf("reading the dynamic section of %s: %w", file, err)
			}
			hit = file
			break
		}
		if hit == "" {
			missing = append(missing, w.name)
			continue
		}
		found[w.name] = hit
		for _, n := range more {
			queue = append(queue, want{n, morePath})
		}
	}
	return found, missing, nil
}

// GlibcLibrary reports whether a shared library is part of glibc itself
// (libc.so.6, libm.so.6, the dynamic loader, ...): it comes with the
// runtime base's libc and is never copied from the build's packages.
func GlibcLibrary(name string) bool {
	base := path.Base(name)
	for _, p := range []string{"libc.so", "libm.so", "libmvec.so", "libpthread.so", "libdl.so", "librt.so", "libresolv.so",
		"libutil.so", "libanl.so", "libBrokenLocale.so", "libnss_", "libthread_db.so", "ld-linux", "ld64.so"} {
		if strings.HasPrefix(base, p) {
			return true
		}
	}
	return false
}
