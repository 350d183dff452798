package llb

import (
	"github.com/moby/buildkit/client/llb"
	ocispecs "github.com/opencontainers/image-spec/specs-go/v1"
)

// Profile-guided optimisation. go build runs with -pgo=auto, its default:
// a default.pgo in the directory of a main package is the profile of that
// binary, and every package the binary links is compiled with it, the
// dependencies included. Their build cache entries then differ from those
// the dependency layer holds (keyed, among others, on the profile's
// content), so a binary with a profile gets a dependency layer of its own:
// the dependency step compiles with -pgo=FILE, FILE the profile alone,
// copied out of the build context by a file op that BuildKit keys on its
// content. That layer still depends on go.mod, go.sum, the flags and the
// profile, never on the .go files: a code change keeps it, a new profile
// compiles the dependencies again, as go build would have to.
//
// (Leaving the layer out for such a binary would make a new builder compile
// every dependency in the go build step; the profile is a few hundred KB,
// and profiles change far less often than the code.)

// Where the dependency step finds the profile.
const (
	pgoDir  = "/go-app-pgo"
	pgoFile = "default.pgo"
)

// profileFile is the file profile of the build context alone, as
// pgoDir/pgoFile's content, on the build platform.
func profileFile(ctx llb.State, profile string, buildPlatform ocispecs.Platform) llb.State {
	return llb.Scratch().File(llb.Copy(ctx, "/"+profile, "/"+pgoFile),
		llb.WithCustomName("PGO profile "+profile), llb.Platform(buildPlatform))
}
