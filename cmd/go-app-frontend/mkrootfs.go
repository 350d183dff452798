package main

// The mkrootfs subcommand writes the files a static Go program needs at run
// time into a directory, from what the Go toolchain image already holds:
//
//   - /etc/ssl/certs/ca-certificates.crt, copied from the toolchain image's
//     CA bundle (Go's crypto/x509 reads this path first on Linux);
//   - /usr/share/zoneinfo, unpacked from $GOROOT/lib/time/zoneinfo.zip, the
//     IANA database that ships with every Go release;
//   - /etc/passwd and /etc/group with root and the non-root user;
//   - /tmp with mode 1777.
//
// The frontend runs its own image's binary as `go-app-frontend mkrootfs` in
// the toolchain image, on the build platform: the runtime files need no
// network, no compiler run, and change only when the toolchain image does.

import (
	"archive/zip"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"strconv"
	"strings"
)

// caBundles are the places Linux distributions keep the CA bundle, in the
// order crypto/x509 looks for them.
var caBundles = []string{
	"/etc/ssl/certs/ca-certificates.crt", // Debian, Ubuntu, Alpine
	"/etc/pki/tls/certs/ca-bundle.crt",   // Fedora, RHEL
	"/etc/ssl/ca-bundle.pem",             // openSUSE
	"/etc/ssl/cert.pem",                  // Alpine, macOS-style
}

// mkrootfs is the subcommand's entry point; args follow "mkrootfs".
func mkrootfs(args []string) error {
	fs := flag.NewFlagSet("mkrootfs", flag.ContinueOnError)
	out := fs.String("out", "", "directory to write the runtime files into")
	uid := fs.Int("uid", 65532, "uid of the non-root user")
	gid := fs.Int("gid", 65532, "gid of the non-root user")
	goroot := fs.String("goroot", "", "GOROOT to take zoneinfo.zip from (default: `go env GOROOT`)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *out == "" || fs.NArg() > 0 {
		return errors.New("usage: go-app-frontend mkrootfs -out DIR [-uid N] [-gid N] [-goroot DIR]")
	}
	return run(*out, *uid, *gid, *goroot)
}

func run(out string, uid, gid int, goroot string) error {
	if err := writeCA(out); err != nil {
		return err
	}
	if goroot == "" {
		b, err := exec.Command("go", "env", "GOROOT").Output()
		if err != nil {
			return fmt.Errorf("finding GOROOT with `go env GOROOT`: %w", err)
		}
		goroot = strings.TrimSpace(string(b))
	}
	if err := unzipZoneinfo(filepath.Join(goroot, "lib", "time", "zoneinfo.zip"), filepath.Join(out, "usr", "share", "zoneinfo")); err != nil {
		return err
	}
	if err := writeUsers(out, uid, gid); err != nil {
		return err
	}
	return mkdirMode(filepath.Join(out, "tmp"), 0o777|os.ModeSticky)
}

func writeCA(out string) error {
	for _, p := range caBundles {
		b, err := os.ReadFile(p)
		if err != nil || len(b) == 0 {
			continue
		}
		return writeFile(filepath.Join(out, "etc", "ssl", "certs", "ca-certificates.crt"), b)
	}
	return fmt.Errorf("the Go toolchain image has no CA bundle (looked at %s); use a toolchain image with the ca-certificates package", strings.Join(caBundles, ", "))
}

func unzipZoneinfo(zipPath, dst string) error {
	zr, err := zip.OpenReader(zipPath)
	if err != nil {
		return fmt.Errorf("the Go toolchain has no usable %s: %w", zipPath, err)
	}
	defer zr.Close()
	for _, f := range zr.File {
		name := path.Clean(f.Name)
		if strings.HasPrefix(name, "../") || path.IsAbs(name) || name == ".." {
			return fmt.Errorf("%s: unexpected entry %q", zipPath, f.Name)
		}
		if strings.HasSuffix(f.Name, "/") {
			continue
		}
		if err := copyZipEntry(f, filepath.Join(dst, filepath.FromSlash(name))); err != nil {
			return err
		}
	}
	return nil
}

func copyZipEntry(f *zip.File, dst string) error {
	r, err := f.Open()
	if err != nil {
		return err
	}
	defer r.Close()
	b, err := io.ReadAll(r)
	if err != nil {
		return fmt.Errorf("reading %s from zoneinfo.zip: %w", f.Name, err)
	}
	return writeFile(dst, b)
}

func writeUsers(out string, uid, gid int) error {
	passwd := "root:x:0:0:root:/root:/sbin/nologin\n"
	group := "root:x:0:\n"
	if gid != 0 {
		group += "nonroot:x:" + strconv.Itoa(gid) + ":\n"
	}
	if uid != 0 {
		passwd += "nonroot:x:" + strconv.Itoa(uid) + ":" + strconv.Itoa(gid) + ":nonroot:/nonexistent:/sbin/nologin\n"
	}
	if err := writeFile(filepath.Join(out, "etc", "passwd"), []byte(passwd)); err != nil {
		return err
	}
	return writeFile(filepath.Join(out, "etc", "group"), []byte(group))
}

// writeFile writes a read-only-for-others file, creating parents 0755.
func writeFile(p string, b []byte) error {
	if err := mkdirMode(filepath.Dir(p), 0o755); err != nil {
		return err
	}
	if err := os.WriteFile(p, b, 0o644); err != nil {
		return err
	}
	return os.Chmod(p, 0o644) // not subject to the umask
}

// mkdirMode creates p and its parents and sets p's mode exactly (MkdirAll is
// subject to the umask and cannot set the sticky bit).
func mkdirMode(p string, mode os.FileMode) error {
	if err := os.MkdirAll(p, 0o755); err != nil {
		return err
	}
	return os.Chmod(p, mode)
}
