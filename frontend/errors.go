package frontend

import (
	"context"
	"errors"
	"fmt"
	"runtime/debug"

	gollb "github.com/goappfrontend/go-app/llb"
	"github.com/goappfrontend/go-app/spec"
	"github.com/moby/buildkit/client/llb"
	"github.com/moby/buildkit/frontend/dockerui"
	"github.com/moby/buildkit/solver/errdefs"
	"github.com/moby/buildkit/solver/pb"
	ocispecs "github.com/opencontainers/image-spec/specs-go/v1"
)

// withSpecSource attaches the spec file to err so BuildKit shows the
// offending lines under the message: every position of a spec.Errors, or
// the given positions for other errors.
func withSpecSource(err error, sm *llb.SourceMap, at ...spec.Position) error {
	if err == nil || sm == nil {
		return err
	}
	var list spec.Errors
	if errors.As(err, &list) {
		for _, e := range list {
			at = append(at, e.Pos)
		}
	}
	ranges := gollb.SourceRanges(at...)
	if len(ranges) == 0 {
		return err
	}
	info := &pb.SourceInfo{Data: sm.Data, Filename: sm.Filename, Language: sm.Language}
	if sm.Definition != nil {
		info.Definition = sm.Definition.ToPB()
	}
	return errdefs.WithSource(err, &errdefs.Source{Info: info, Ranges: ranges})
}

// recoverBuildFunc makes fn return a panic as an error. dockerui runs the
// build function of each platform in a goroutine of its own, where the
// recover in Build would not see a panic.
func recoverBuildFunc(fn dockerui.BuildFunc) dockerui.BuildFunc {
	return func(ctx context.Context, p *ocispecs.Platform, idx int) (_ *dockerui.BuildResult, err error) {
		defer recoverPanic(&err)
		return fn(ctx, p, idx)
	}
}

// recoverPanic turns a panic into an error: a bad input must never crash
// the frontend without saying why.
func recoverPanic(err *error) {
	if r := recover(); r != nil {
		*err = fmt.Errorf("go-app: internal error: %v (please report it with your go-app.yaml)\n%s", r, debug.Stack())
	}
}
