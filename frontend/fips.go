package frontend

import (
	"debug/buildinfo"
	"fmt"
	"io"

	"github.com/goappfrontend/go-app/spec"
)

// fipsProblem checks that a binary the spec builds in FIPS 140-3 mode
// (build.env.GOFIPS140) carries it: its build info records the GOFIPS140
// setting that the go command applied. A Go older than 1.24 ignores
// GOFIPS140 without a word and builds a binary without the mode; the spec
// catches that when it knows the Go version, this catches it for a
// go.image. It returns "" when the binary is fine, else what is wrong and
// what to change.
func fipsProblem(r io.ReaderAt, s *spec.Spec, file string) (string, error) {
	if !s.FIPS() {
		return "", nil
	}
	info, err := buildinfo.Read(r)
	if err != nil {
		return "", fmt.Errorf("reading the build info of binary %s to check FIPS 140-3 mode: %w", file, err)
	}
	for _, set := range info.Settings {
		if set.Key == "GOFIPS140" && set.Value != "" && set.Value != "off" {
			return "", nil
		}
	}
	return fmt.Sprintf("binary %s was built without FIPS 140-3 mode: its build info has no GOFIPS140 setting, though build.env.GOFIPS140 is %s; "+
		"its Go, %s, ignores GOFIPS140, which needs Go 1.%d or later: set go.version (or go.image) to a newer Go",
		file, s.Build.Env["GOFIPS140"], info.GoVersion, spec.FIPSMinGo), nil
}
