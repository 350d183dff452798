package llb

import (
	"slices"
	"testing"

	"github.com/goappfrontend/go-app/spec"
	digest "github.com/opencontainers/go-digest"
)

// TestPGODependencyLayer checks that a binary with a default.pgo gets a
// dependency layer compiled with that profile alone (-pgo=FILE, the file
// copied out of the context), and a binary without keeps the plain one.
func TestPGODependencyLayer(t *testing.T) {
	s := testSpec()
	s.Binaries = append(s.Binaries, spec.Binary{Name: "worker", Main: "./cmd/worker"})
	opt := testOptions(s, arm64)
	opt.Dependencies = testDeps
	opt.Profiles = map[string]string{"server": "cmd/server/default.pgo"}
	_, g := convert(t, opt)

	plainDgst, plain := g.named(t, "[linux/arm64] go build dependencies (3 imports)")
	pgoDgst, pgo := g.named(t, "[linux/arm64] go build dependencies (3 imports) with cmd/server/default.pgo")
	args := pgo.GetExec().Meta.Args
	i := slices.Index(args, "--")
	if i < 0 || args[i-2] != "-flag" || args[i-1] != "-pgo=/go-app-pgo/default.pgo" {
		t.Errorf("dependency step with a profile: args %q, want -flag -pgo=/go-app-pgo/default.pgo before --", args)
	}
	if slices.ContainsFunc(plain.GetExec().Meta.Args, func(a string) bool { return a == "-pgo=/go-app-pgo/default.pgo" }) || mountAt(plain.GetExec(), "/go-app-pgo") != nil {
		t.Errorf("the dependency step without a profile has one: %q", plain.GetExec().Meta.Args)
	}
	m := mountAt(pgo.GetExec(), "/go-app-pgo")
	if m == nil || !m.Readonly {
		t.Fatalf("profile mount = %v, want read-only", m)
	}
	file := g.input(t, pgo, m.Input)
	cp := file.GetFile().Actions[0].GetCopy()
	if cp == nil || cp.Src != "/cmd/server/default.pgo" || cp.Dest != "/default.pgo" || g.input(t, file, 0).GetSource().GetIdentifier() != "local://context" {
		t.Errorf("profile file op = %v, want a copy of cmd/server/default.pgo alone from the context", file)
	}

	// Each go build step mounts the dependency layer of its profile.
	for bin, want := range map[string]digest.Digest{"./cmd/server": pgoDgst, "./cmd/worker": plainDgst} {
		_, build := g.named(t, "[linux/arm64] go build "+bin)
		m := mountAt(build.GetExec(), "/root/.cache/go-build")
		if m == nil || digest.Digest(build.Inputs[m.Input].Digest) != want {
			t.Errorf("go build %s does not mount the dependency layer %s: %v", bin, g.names[want], m)
		}
	}
}
