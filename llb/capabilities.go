package llb

import (
	"errors"
	"strings"

	"github.com/goappfrontend/go-app/spec"
	"github.com/moby/buildkit/client/llb"
	ocispecs "github.com/opencontainers/image-spec/specs-go/v1"
)

// capDir is where the file capabilities step finds the compiled binary.
const capDir = "/in"

// withCapabilities gives the entrypoint binary, the state out that holds
// /<name>, the file capabilities of runtime.capabilities: the frontend
// binary's `setcap`, run from its own image on the build platform, copies
// it and writes the security.capability attribute, which the copies into
// the binaries layer keep and the layer's tar records. Other binaries, and
// a spec without capabilities, get out unchanged.
func (b *builder) withCapabilities(out llb.State, bin spec.Binary, target ocispecs.Platform) (llb.State, error) {
	s := b.opt.Spec
	if len(s.Runtime.Capabilities) == 0 || bin.Name != s.Runtime.Entrypoint {
		return out, nil
	}
	h := b.opt.Frontend
	if h == nil || h.Config == nil || len(h.Config.Config.Entrypoint) == 0 {
		return llb.State{}, errors.New("llb: runtime.capabilities needs the frontend image (Options.Frontend)")
	}
	caps := strings.Join(s.Runtime.Capabilities, ",")
	run := h.State.Run(
		llb.Args([]string{h.Config.Config.Entrypoint[0], "setcap", "-in", capDir + "/" + bin.Name, "-out", outDir + "/" + bin.Name, "-caps", caps}),
		llb.Dir("/"),
		llb.Platform(b.opt.BuildPlatform),
		llb.AddMount(capDir, out, llb.Readonly),
		llb.WithCustomName(platformName(target)+" file capabilities of "+bin.Name+": "+caps),
		llb.WithoutExportCache(), // a new binary on every change, like go build's (see compile)
	)
	return run.AddMount(outDir, llb.Scratch()), nil
}
