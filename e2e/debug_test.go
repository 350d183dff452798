package e2e

import (
	"strings"
	"testing"
	"time"

	"github.com/goappfrontend/go-app/internal/ocirun"
	"github.com/goappfrontend/go-app/internal/stack"
)

// TestTargetDebug builds examples/hello's debug target for amd64 and arm64
// and runs `sh -c 'id; ls /usr/local/bin'` in it: busybox's shell runs, as
// the image's user 65532, and sees the binary. The default image of the
// same example has no shell and nothing of busybox.
func TestTargetDebug(t *testing.T) {
	needStack(t)
	dir := tmpDir(t, "oci-debug-hello-")
	ctx, cancel := ctxFor(t, 25*time.Minute)
	defer cancel()
	progress, err := env.Buildx(ctx, stack.Build{
		Context:   exampleDir("hello"),
		Platforms: bothPlatforms,
		Output:    stack.OCIOutput(dir),
		Extra:     []string{"--target", "debug"},
	})
	if err != nil {
		t.Fatalf("%v\n%s", err, stack.Tail(progress, 100))
	}
	imgs, err := openImages(dir)
	if err != nil {
		t.Fatal(err)
	}
	checkPlatforms(t, imgs, bothPlatforms)
	for _, img := range imgs {
		t.Run(img.Platform.Architecture, func(t *testing.T) {
			if ep := img.Config.Config.Entrypoint; len(ep) != 1 || ep[0] != "/usr/local/bin/hello" {
				t.Errorf("entrypoint %q, want the image's /usr/local/bin/hello", ep)
			}
			res := runImage(t, img, ocirun.RunConfig{Entrypoint: []string{"sh"}, Args: []string{"-c", "id; ls /usr/local/bin"}})
			if res.ExitCode != 0 {
				t.Fatalf("sh -c exit %d\n%s%s", res.ExitCode, res.Stdout, res.Stderr)
			}
			t.Logf("%s: %s", img.Platform.Architecture, strings.TrimSpace(res.Stdout))
			if !strings.HasPrefix(res.Stdout, "uid=65532(nonroot) gid=65532(nonroot)") || !strings.Contains(res.Stdout, "\nhello\n") {
				t.Errorf("output %q, want id as uid 65532 (nonroot) and the binary hello listed", res.Stdout)
			}
		})
	}

	b := buildExample(t, "hello")
	for _, img := range b.images {
		entries, err := img.Entries()
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range entries {
			if strings.HasPrefix(e.Path, "/busybox") || strings.HasSuffix(e.Path, "/sh") || strings.HasSuffix(e.Path, "/busybox") {
				t.Errorf("the default %s image holds %s", img.Platform.Architecture, e.Path)
			}
		}
	}
}
