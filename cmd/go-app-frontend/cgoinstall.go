package main

// The cgo-install subcommand installs the C toolchain and the C packages of
// a cgo build (build.cgo, build.cgo_packages) in the toolchain image, with
// the distribution's apt: the frontend runs it on the build platform, once
// for each target platform, in a step keyed on the package list and the
// toolchain image (llb/cgo.go). Every package name is its own argument of
// dpkg and apt-get; no shell sees them.

import (
	"bufio"
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"regexp"
	"slices"
	"strings"
)

// cgoInstall is the subcommand's entry point; args follow "cgo-install".
func cgoInstall(args []string) error {
	fs := flag.NewFlagSet("cgo-install", flag.ContinueOnError)
	arch := fs.String("arch", "", "the Debian architecture of the target, like arm64")
	image := fs.String("image", "the toolchain image", "the toolchain image, for messages")
	if err := fs.Parse(args); err != nil {
		return err
	}
	pkgs := fs.Args()
	if *arch == "" || len(pkgs) == 0 {
		return errors.New("usage: go-app-frontend cgo-install -arch ARCH [-image REF] -- PACKAGE...")
	}
	for _, tool := range []string{"apt-get", "dpkg", "dpkg-query"} {
		if _, err := exec.LookPath(tool); err != nil {
			return fmt.Errorf("build.cgo installs the C toolchain and build.cgo_packages with apt, and the toolchain image %s has no %s: set go.image to a Debian-based Go image, like golang:1.26-bookworm (the default with build.cgo), or remove build.cgo", *image, tool)
		}
	}
	distro := osRelease()
	if installed(pkgs) {
		fmt.Fprintf(os.Stderr, "installed already in %s: %s\n", *image, strings.Join(pkgs, " "))
		return nil
	}
	native, err := cmdOutput("dpkg", "--print-architecture")
	if err != nil {
		return err
	}
	if *arch != native {
		foreign, err := cmdOutput("dpkg", "--print-foreign-architectures")
		if err != nil {
			return err
		}
		if !slices.Contains(strings.Fields(foreign), *arch) {
			if err := aptRun(os.Stderr, "dpkg", "--add-architecture", *arch); err != nil {
				return err
			}
		}
	}
	// The official images delete what apt downloads after each install;
	// here /var/cache/apt is a cache mount meant to keep it.
	if err := os.Remove("/etc/apt/apt.conf.d/docker-clean"); err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	aptOpts := []string{"-q", "-o", "Acquire::Languages=none", "-o", "APT::Keep-Downloaded-Packages=true"}
	if err := aptRun(os.Stderr, "apt-get", append(aptOpts, "update")...); err != nil {
		return fmt.Errorf("apt-get update in %s failed (%v): the package sources of the image must be reachable from the builder", *image, err)
	}
	var out bytes.Buffer
	install := append(aptOpts, "install", "-y", "--no-install-recommends")
	err = aptRun(io.MultiWriter(os.Stderr, &out), "apt-get", append(install, pkgs...)...)
	if err == nil {
		return nil
	}
	if missing := unknownPackages(out.Bytes()); len(missing) > 0 {
		return fmt.Errorf("%s: no such package in %s for %s; check the names in build.cgo_packages (Debian's -dev packages, like libsqlite3-dev; apt-cache search NAME in the toolchain image lists them)", strings.Join(missing, ", "), distro, *arch)
	}
	return fmt.Errorf("apt-get install %s in %s failed: %v", strings.Join(pkgs, " "), *image, err)
}

// unknownPackages are the packages apt-get says it cannot find, in its
// output.
func unknownPackages(out []byte) []string {
	var names []string
	for _, re := range []*regexp.Regexp{
		regexp.MustCompile(`(?m)^E: Unable to locate package (\S+)`),
		regexp.MustCompile(`(?m)^E: Package '([^']+)' has no installation candidate`),
		regexp.MustCompile(`(?m)^E: Couldn't find any package by [^']*'([^']+)'`),
	} {
		for _, m := range re.FindAllSubmatch(out, -1) {
			if n := string(m[1]); !slices.Contains(names, n) {
				names = append(names, n)
			}
		}
	}
	return names
}

// installed reports whether dpkg lists every package as installed.
func installed(pkgs []string) bool {
	out, err := exec.Command("dpkg-query", append([]string{"-W", "-f=${db:Status-Abbrev}\n"}, pkgs...)...).Output()
	if err != nil {
		return false
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	if len(lines) != len(pkgs) {
		return false
	}
	for _, l := range lines {
		if !strings.HasPrefix(l, "ii") {
			return false
		}
	}
	return true
}

// osRelease is the distribution of the image, from /etc/os-release.
func osRelease() string {
	f, err := os.Open("/etc/os-release")
	if err != nil {
		return "the toolchain image's distribution"
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "PRETTY_NAME="); ok {
			return strings.Trim(v, `"`)
		}
	}
	return "the toolchain image's distribution"
}

// aptRun runs a command with its output to w.
func aptRun(w io.Writer, name string, args ...string) error {
	cmd := exec.Command(name, args...)
	cmd.Stdout, cmd.Stderr = w, w
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("%s %s: %w", name, strings.Join(args, " "), err)
	}
	return nil
}

// cmdOutput runs a command and returns its trimmed standard output.
func cmdOutput(name string, args ...string) (string, error) {
	out, err := exec.Command(name, args...).Output()
	if err != nil {
		return "", fmt.Errorf("%s %s: %w", name, strings.Join(args, " "), err)
	}
	return strings.TrimSpace(string(out)), nil
}
