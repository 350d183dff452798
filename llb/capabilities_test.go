package llb

import (
	"slices"
	"strings"
	"testing"

	"github.com/goappfrontend/go-app/spec"
	digest "github.com/opencontainers/go-digest"
)

// TestCapabilities checks the file capabilities step: the entrypoint's
// compiled binary, read-only, copied by the frontend binary's setcap from
// its own image on the build platform, and the copy (not go build's
// output) in the binaries layer; the other binary is copied as built.
func TestCapabilities(t *testing.T) {
	s := testSpec()
	s.Binaries = append(s.Binaries, spec.Binary{Name: "worker", Main: "./cmd/worker"})
	s.Runtime.Capabilities = []string{"cap_net_bind_service", "CAP_NET_RAW"}
	_, g := convert(t, testOptions(s, arm64))

	capDgst, op := g.named(t, "[linux/arm64] file capabilities of server: cap_net_bind_service,CAP_NET_RAW")
	e := op.GetExec()
	want := []string{"/bin/go-app-frontend", "setcap", "-in", "/in/server", "-out", "/out/server", "-caps", "cap_net_bind_service,CAP_NET_RAW"}
	if !slices.Equal(e.Meta.Args, want) {
		t.Errorf("args = %q, want %q", e.Meta.Args, want)
	}
	if op.Platform.Architecture != "amd64" {
		t.Errorf("runs on %v, want the build platform", op.Platform)
	}
	root := g.input(t, op, mountAt(e, "/").Input)
	if !strings.HasPrefix(root.GetSource().GetIdentifier(), "docker-image://docker.io/goappfrontend/go-app:1@sha256:") {
		t.Errorf("runs on %v, want the frontend image", root)
	}
	in := mountAt(e, "/in")
	if in == nil || !in.Readonly || g.names[digest.Digest(op.Inputs[in.Input].Digest)] != "[linux/arm64] go build ./cmd/server" {
		t.Errorf("/in = %v, want go build's output read-only", in)
	}
	_, collect := g.named(t, "[linux/arm64] collect binaries")
	from := map[string]string{}
	for _, a := range collect.GetFile().Actions {
		if cp := a.GetCopy(); cp != nil && a.SecondaryInput >= 0 {
			from[cp.Src] = g.names[digest.Digest(collect.Inputs[a.SecondaryInput].Digest)]
		}
	}
	if from["/server"] != g.names[capDgst] || from["/worker"] != "[linux/arm64] go build ./cmd/worker" {
		t.Errorf("binaries layer copies from %q", from)
	}

	// Without capabilities, no such step.
	_, g = convert(t, testOptions(testSpec(), arm64))
	for _, n := range g.names {
		if strings.Contains(n, "capabilities") {
			t.Errorf("a spec without capabilities has the op %q", n)
		}
	}
}
