package main

// The setcap subcommand copies a binary and gives the copy file
// capabilities (runtime.capabilities): the frontend runs it on the build
// platform, from its own image, between go build and the image's binaries
// layer, which keeps the security.capability attribute it writes.

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/goappfrontend/go-app/internal/filecap"
)

// setcap is the subcommand's entry point; args follow "setcap".
func setcap(args []string) error {
	fs := flag.NewFlagSet("setcap", flag.ContinueOnError)
	in := fs.String("in", "", "the binary to copy")
	out := fs.String("out", "", "where to write the copy with the capabilities")
	caps := fs.String("caps", "", "comma-separated capabilities, like cap_net_bind_service")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *in == "" || *out == "" || *caps == "" || fs.NArg() > 0 {
		return errors.New("usage: go-app-frontend setcap -in FILE -out FILE -caps CAP[,CAP...]")
	}
	if err := copyExecutable(*in, *out); err != nil {
		return err
	}
	if err := filecap.Set(*out, strings.Split(*caps, ",")); err != nil {
		return fmt.Errorf("giving %s the capabilities %s: %w", filepath.Base(*out), *caps, err)
	}
	return nil
}

// copyExecutable copies the regular file in to out, mode 0755.
func copyExecutable(in, out string) error {
	src, err := os.Open(in)
	if err != nil {
		return err
	}
	defer src.Close()
	if fi, err := src.Stat(); err != nil || !fi.Mode().IsRegular() {
		return fmt.Errorf("%s is not a regular file", in)
	}
	if err := os.MkdirAll(filepath.Dir(out), 0o755); err != nil {
		return err
	}
	dst, err := os.OpenFile(out, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o755)
	if err != nil {
		return err
	}
	if _, err := io.Copy(dst, src); err != nil {
		dst.Close()
		return err
	}
	if err := dst.Close(); err != nil {
		return err
	}
	return os.Chmod(out, 0o755)
}
