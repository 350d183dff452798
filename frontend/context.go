package frontend

import (
	"context"

	"github.com/moby/buildkit/client/llb"
	"github.com/moby/buildkit/frontend/dockerui"
	"github.com/moby/buildkit/frontend/gateway/client"
	"github.com/pkg/errors"
)

// module is what the frontend needs to know about the Go module before it
// can convert: go.mod (Go version, module path) and whether it vendors.
type module struct {
	goMod  []byte // nil when the context has no go.mod
	vendor bool
}

// readModule reads go.mod and looks for vendor/modules.txt in the build
// context. It solves only the module files, the same selection the module
// download step uses, so it adds no transfer of its own.
func readModule(ctx context.Context, c client.Client, buildCtx llb.State) (*module, error) {
	st := llb.Scratch().File(llb.Copy(buildCtx, "/", "/", &llb.CopyInfo{
		IncludePatterns:     []string{"go.mod", "vendor/modules.txt"},
		CopyDirContentsOnly: true,
		AllowEmptyWildcard:  true,
		AllowWildcard:       true,
	}), llb.WithCustomName("read go.mod"))
	def, err := st.Marshal(ctx)
	if err != nil {
		return nil, err
	}
	res, err := c.Solve(ctx, client.SolveRequest{Definition: def.ToPB()})
	if err != nil {
		return nil, errors.Wrap(err, "reading go.mod from the build context")
	}
	ref, err := res.SingleRef()
	if err != nil {
		return nil, err
	}
	m := &module{}
	if ref == nil { // nothing matched: an empty result
		return m, nil
	}
	if _, err := ref.StatFile(ctx, client.StatRequest{Path: "go.mod"}); err == nil {
		if m.goMod, err = dockerui.ReadFile(ctx, ref, "go.mod"); err != nil {
			return nil, errors.Wrap(err, "reading go.mod")
		}
	}
	if _, err := ref.StatFile(ctx, client.StatRequest{Path: "vendor/modules.txt"}); err == nil {
		m.vendor = true
	}
	return m, nil
}
