package main

// The cgo-libs subcommand copies the shared libraries a dynamically linked
// cgo binary needs (build.cgo_link: dynamic) from the C packages installed
// for its target into a layer of the runtime image, unless the runtime
// base has them. It runs on the build platform, on the install step's
// file system, with the target platform's base mounted: it only reads ELF
// headers (DT_NEEDED), it runs nothing of the target architecture.

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path"

	"github.com/goappfrontend/go-app/internal/elfcheck"
	"github.com/goappfrontend/go-app/spec"
)

// cgoLibs is the subcommand's entry point; args follow "cgo-libs".
func cgoLibs(args []string) error {
	fs := flag.NewFlagSet("cgo-libs", flag.ContinueOnError)
	goarch := fs.String("goarch", "", "the target architecture, like arm64")
	base := fs.String("base", "", "where the runtime base image is mounted")
	out := fs.String("out", "", "the directory to copy the libraries to, as a root file system")
	if err := fs.Parse(args); err != nil {
		return err
	}
	a, ok := spec.ArchOf(*goarch)
	if !ok || *base == "" || *out == "" || fs.NArg() == 0 || a.Triplet == "" {
		return errors.New("usage: go-app-frontend cgo-libs -goarch ARCH -base DIR -out DIR BINARY...")
	}
	baseRoot, err := os.OpenRoot(*base)
	if err != nil {
		return err
	}
	defer baseRoot.Close()
	sysRoot, err := os.OpenRoot("/")
	if err != nil {
		return err
	}
	defer sysRoot.Close()
	inBase := func(name string) bool {
		found, _, err := elfcheck.Resolve(rootOpener(baseRoot), a, []string{name}, nil, elfcheck.LibraryDirs(a))
		return err == nil && found[name] != ""
	}
	// The target's libraries of the install step: its multiarch directories
	// only (the others hold the build platform's).
	sysDirs := []string{"/usr/lib/" + a.Triplet, "/lib/" + a.Triplet}
	var queue []string
	for _, bin := range fs.Args() {
		f, err := os.Open(bin)
		if err != nil {
			return err
		}
		needed, _, err := elfcheck.Needed(f)
		f.Close()
		if err != nil {
			return fmt.Errorf("reading the dynamic section of %s: %w", path.Base(bin), err)
		}
		queue = append(queue, needed...)
	}
	seen := map[string]bool{}
	for len(queue) > 0 && len(seen) < elfcheck.MaxLibraries {
		name := queue[0]
		queue = queue[1:]
		if seen[name] || elfcheck.GlibcLibrary(name) || inBase(name) {
			seen[name] = true
			continue
		}
		seen[name] = true
		found, _, err := elfcheck.Resolve(rootOpener(sysRoot), a, []string{name}, nil, sysDirs)
		if err != nil {
			return err
		}
		file := found[name]
		if file == "" {
			fmt.Fprintf(os.Stderr, "%s: not in the installed packages for %s\n", name, a.GOARCH)
			continue
		}
		// Always under /usr/lib: a /lib directory in the layer would
		// replace the base's /lib symbolic link of a merged /usr.
		dst := path.Join("/usr/lib", a.Triplet, path.Base(name))
		if err := copyLibrary(sysRoot, file, path.Join(*out, dst)); err != nil {
			return err
		}
		fmt.Fprintf(os.Stderr, "%s: %s, copied to %s\n", name, file, dst)
		f, err := sysRoot.Open(file[1:])
		if err != nil {
			return err
		}
		more, _, err := elfcheck.Needed(f)
		f.Close()
		if err != nil {
			return fmt.Errorf("reading the dynamic section of %s: %w", file, err)
		}
		queue = append(queue, more...)
	}
	return nil
}

// rootOpener opens files of a root file system, following its symbolic
// links inside it.
func rootOpener(r *os.Root) elfcheck.Opener {
	return func(file string) (io.ReaderAt, bool, error) {
		f, err := r.Open(path.Clean(file)[1:])
		if err != nil {
			return nil, false, nil
		}
		if fi, err := f.Stat(); err != nil || !fi.Mode().IsRegular() {
			f.Close()
			return nil, false, nil
		}
		openFiles = append(openFiles, f)
		return f, true, nil
	}
}

// openFiles are the files rootOpener opened; the process exits after the
// copy, which closes them.
var openFiles []*os.File

// copyLibrary copies the library at file of root (its content, through
// symbolic links) to dst, mode 0644.
func copyLibrary(root *os.Root, file, dst string) error {
	src, err := root.Open(file[1:])
	if err != nil {
		return err
	}
	defer src.Close()
	if err := os.MkdirAll(path.Dir(dst), 0o755); err != nil {
		return err
	}
	w, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return err
	}
	if _, err := io.Copy(w, src); err != nil {
		w.Close()
		return err
	}
	return w.Close()
}
