package e2e

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/goappfrontend/go-app/internal/ocirun"
	"github.com/goappfrontend/go-app/internal/stack"
)

// TestRuntimeBaseImage builds on a base image instead of scratch: the base's
// layers come first, then only the binaries (go-app adds no runtime files on
// a base), the base's environment and labels are kept, the
// org.opencontainers.image.base.name and base.digest labels name the base
// and the digest it was pushed with, and the program runs on both
// platforms.
func TestRuntimeBaseImage(t *testing.T) {
	needStack(t)
	ctx, cancel := ctxFor(t, 15*time.Minute)
	defer cancel()

	// A small multi-platform base image, pushed under a name no other run
	// uses.
	var b [6]byte
	if _, err := rand.Read(b[:]); err != nil {
		t.Fatal(err)
	}
	base := env.Registry + "/go-app-e2e/base:" + hex.EncodeToString(b[:])
	baseDir := t.TempDir()
	writeTree(t, baseDir, map[string]string{
		"marker": "base marker\n",
		"Dockerfile": "FROM scratch\nCOPY marker /etc/base-marker\n" +
			"ENV BASE_MARKER=from-base PATH=/opt/base/bin:/usr/local/bin\nLABEL org.example.base=yes\n" +
			// Labels that describe the base, not the image built on it.
			"LABEL org.opencontainers.image.source=https://example.com/base.git org.opencontainers.image.base.name=docker.io/library/debian:12\n",
	})
	metadataFile := filepath.Join(t.TempDir(), "metadata.json")
	out, err := stack.Cmd(ctx, "", nil, "buildctl", "--addr", env.BuildkitHost, "build", "--progress=plain",
		"--frontend", "dockerfile.v0", "--local", "context="+baseDir, "--local", "dockerfile="+baseDir,
		"--opt", "platform="+strings.Join(bothPlatforms, ","),
		"--output", "type=image,name="+base+",push=true,registry.insecure=true",
		"--metadata-file", metadataFile)
	if err != nil {
		t.Fatalf("pushing the base image: %v\n%s", err, stack.Tail(out, 40))
	}
	var pushed struct {
		Digest string `json:"containerimage.digest"`
	}
	if b, err := os.ReadFile(metadataFile); err != nil || json.Unmarshal(b, &pushed) != nil || !strings.HasPrefix(pushed.Digest, "sha256:") {
		t.Fatalf("no image digest in buildctl's metadata file (%v): %s", err, b)
	}

	dir := t.TempDir()
	writeTree(t, dir, map[string]string{
		"go.mod": "module example.com/onbase\n\ngo 1.26\n",
		"go.sum": "",
		"main.go": "package main\n\nimport (\n\t\"fmt\"\n\t\"os\"\n)\n\nfunc main() {\n" +
			"\tb, err := os.ReadFile(\"/etc/base-marker\")\n\tfmt.Printf(\"%s|%q|%v\\n\", os.Getenv(\"BASE_MARKER\"), b, err)\n}\n",
		"go-app.yaml": "# syntax=goappfrontend/go-app:1\nmain: .\nruntime:\n  base: " + base + "\n",
	})
	ociDir := tmpDir(t, "oci-onbase-")
	out, err = env.Buildx(ctx, stack.Build{Context: dir, Platforms: bothPlatforms, Output: stack.OCIOutput(ociDir)})
	if err != nil {
		t.Fatalf("build on %s: %v\n%s", base, err, stack.Tail(out, 60))
	}
	imgs, err := openImages(ociDir)
	if err != nil {
		t.Fatal(err)
	}
	checkPlatforms(t, imgs, bothPlatforms)
	for _, img := range imgs {
		t.Run(img.Platform.Architecture, func(t *testing.T) {
			if n := len(img.Manifest.Layers); n != 2 {
				t.Errorf("%d layers, want 2: the base's one and the binaries", n)
			}
			c := img.Config.Config
			for _, want := range []string{"BASE_MARKER=from-base", "PATH=/opt/base/bin:/usr/local/bin"} {
				if !slices.Contains(c.Env, want) {
					t.Errorf("env %q lacks %q (the base's environment must be kept)", c.Env, want)
				}
			}
			if slices.ContainsFunc(c.Env, func(s string) bool { return strings.HasPrefix(s, "SSL_CERT_FILE=") }) {
				t.Errorf("env %q has SSL_CERT_FILE, which points at go-app's bundle that a base image does not get", c.Env)
			}
			if c.Labels["org.example.base"] != "yes" || c.Labels["org.opencontainers.image.title"] != "onbase" {
				t.Errorf("labels = %v, want the base's and go-app's", c.Labels)
			}
			// The base is pushed under a registry host, so the normalised
			// name is the reference as written.
			if got := c.Labels["org.opencontainers.image.base.name"]; got != base {
				t.Errorf("label org.opencontainers.image.base.name = %q, want %q", got, base)
			}
			if got := c.Labels["org.opencontainers.image.base.digest"]; got != pushed.Digest {
				t.Errorf("label org.opencontainers.image.base.digest = %q, want the pushed base's %q", got, pushed.Digest)
			}
			if got, ok := c.Labels["org.opencontainers.image.source"]; ok {
				t.Errorf("label org.opencontainers.image.source = %q, the base's own: want none (the build has no vcs:source)", got)
			}
			if c.User != "65532:65532" || !slices.Equal(c.Entrypoint, []string{"/usr/local/bin/onbase"}) {
				t.Errorf("user %q entrypoint %q", c.User, c.Entrypoint)
			}
			entries, err := img.Entries()
			if err != nil {
				t.Fatal(err)
			}
			var names []string
			for _, e := range entries {
				names = append(names, e.Path)
			}
			if !slices.Contains(names, "/etc/base-marker") || slices.Contains(names, "/etc/passwd") || slices.Contains(names, "/usr/share/zoneinfo") {
				t.Errorf("files %q: want the base's marker and no go-app runtime files", names)
			}
			res := runImage(t, img, ocirun.RunConfig{})
			if want := "from-base|\"base marker\\n\"|<nil>\n"; res.ExitCode != 0 || res.Stdout != want {
				t.Errorf("run: exit %d, stdout %q, want %q\n%s", res.ExitCode, res.Stdout, want, res.Stderr)
			}
		})
	}
}
