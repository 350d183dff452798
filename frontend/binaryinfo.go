package frontend

import (
	"bytes"
	"context"
	"debug/buildinfo"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/goappfrontend/go-app/internal/filecap"
	"github.com/goappfrontend/go-app/spec"
	"github.com/moby/buildkit/client/llb"
	"github.com/moby/buildkit/frontend/gateway/client"
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

// verifyCapabilities checks that the entrypoint binary of a solved image
// carries the file capabilities runtime.capabilities asks for: its
// security.capability attribute is what filecap.Encode makes of them. A
// builder whose file system drops extended attributes would otherwise ship
// a server that fails to bind its port only when it runs.
func verifyCapabilities(ctx context.Context, ref client.Reference, s *spec.Spec, sm *llb.SourceMap, bins map[string]string) error {
	caps := s.Runtime.Capabilities
	file, ok := bins[s.Runtime.Entrypoint]
	if len(caps) == 0 || !ok || ref == nil {
		return nil
	}
	want, err := filecap.Encode(caps)
	if err != nil {
		return err
	}
	st, err := ref.StatFile(ctx, client.StatRequest{Path: file})
	if err != nil {
		return err
	}
	got := st.Xattrs[filecap.Xattr]
	if bytes.Equal(got, want) {
		return nil
	}
	has := fmt.Sprintf("it has no %s attribute", filecap.Xattr)
	if len(got) > 0 {
		has = fmt.Sprintf("its %s attribute is %x, want %x", filecap.Xattr, got, want)
	}
	msg := fmt.Sprintf("binary %s lacks the file capabilities %s in the image (%s): the builder's file system may not keep extended attributes; build on a BuildKit with overlayfs or native snapshots",
		file, strings.Join(caps, ","), has)
	return withSpecSource(errors.New(msg), sm, s.Source.Pos("runtime.capabilities"))
}
