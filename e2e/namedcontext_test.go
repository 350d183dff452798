package e2e

import (
	"strings"
	"testing"
	"time"

	"github.com/goappfrontend/go-app/internal/stack"
)

// TestToolchainNamedContext checks that `--build-context golang:1.26=...`
// replaces the Go toolchain image, as it replaces a FROM image in a
// Dockerfile: a replacement that exists is used, one that does not fails
// the build naming it.
func TestToolchainNamedContext(t *testing.T) {
	needStack(t)
	replacement := env.Registry + "/library/golang:1.26.8"
	missing := env.Registry + "/go-app-e2e/no-such-toolchain:none"
	for _, tc := range []struct {
		name    string
		image   string
		succeed bool
	}{
		{"replacement used", replacement, true},
		{"missing replacement fails", missing, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx, cancel := ctxFor(t, 10*time.Minute)
			defer cancel()
			out, err := env.Buildx(ctx, stack.Build{
				Context:   exampleDir("hello"),
				Platforms: []string{"linux/amd64"},
				Extra:     []string{"--build-context", "golang:1.26=docker-image://" + tc.image},
			})
			if ctx.Err() != nil {
				t.Fatalf("timed out: %v\n%s", err, stack.Tail(out, 60))
			}
			if tc.succeed != (err == nil) {
				t.Fatalf("build error = %v, want success %v\n%s", err, tc.succeed, stack.Tail(out, 60))
			}
			if !strings.Contains(out, tc.image) {
				t.Errorf("output never mentions %s:\n%s", tc.image, stack.Tail(out, 60))
			}
		})
	}
}
