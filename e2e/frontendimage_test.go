package e2e

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/goappfrontend/go-app/internal/ocirun"
)

// frontendPlatforms reads FRONTEND_PLATFORMS from hack/versions.sh, where
// the release workflow and the local stack read it.
func frontendPlatforms(t *testing.T) []string {
	t.Helper()
	f, err := os.Open(filepath.Join(repoRoot, "hack", "versions.sh"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "FRONTEND_PLATFORMS="); ok {
			return strings.Split(v, ",")
		}
	}
	t.Fatal("hack/versions.sh sets no FRONTEND_PLATFORMS")
	return nil
}

// TestFrontendImage checks the frontend image under test as the stack
// publishes it, the way the release workflow builds it: an image for each
// platform of FRONTEND_PLATFORMS, each with a provenance that names the Go
// toolchain image it was built with by the digest the registry serves, and
// a static binary for the platform's architecture that starts there (arm64
// under QEMU) and, outside BuildKit, fails the way a gateway frontend
// started without a gateway fails.
func TestFrontendImage(t *testing.T) {
	needStack(t)
	want := frontendPlatforms(t)
	imgs := pullImages(t, env.FrontendImage)
	if got := ocirun.Platforms(imgs); !slices.Equal(slices.Sorted(slices.Values(got)), slices.Sorted(slices.Values(want))) {
		t.Fatalf("%s has images for %v, want %v (FRONTEND_PLATFORMS)", env.FrontendImage, got, want)
	}
	provs := readProvenance(t, env.FrontendImage)
	for _, p := range want {
		t.Run(p, func(t *testing.T) {
			checkFrontendProvenance(t, provs[p])
			img, err := ocirun.ImageFor(imgs, p)
			if err != nil {
				t.Fatal(err)
			}
			checkFrontendBinary(t, img)
		})
	}
}

// checkFrontendProvenance checks that the provenance deps of one platform
// of the frontend image name the golang image by the digest the registry
// serves for its tag.
func checkFrontendProvenance(t *testing.T, deps []material) {
	t.Helper()
	var found bool
	for _, d := range deps {
		name, ok := strings.CutPrefix(d.URI, "pkg:docker/golang@")
		if !ok {
			continue
		}
		tag, _, _ := strings.Cut(name, "?")
		served := manifestDigest(t, env.Registry+"/library/golang:"+tag)
		if d.Digest["sha256"] != served.Encoded() {
			t.Errorf("the provenance names %s with digest sha256:%s; the registry serves %s", d.URI, d.Digest["sha256"], served)
		}
		found = true
	}
	if !found {
		t.Errorf("the provenance does not name the golang image among its %d dependencies: %+v", len(deps), deps)
	}
}

// checkFrontendBinary checks the frontend binary of img: a static ELF for
// its architecture that, run with no arguments and no gateway, exits 1
// saying it cannot reach one.
func checkFrontendBinary(t *testing.T, img *ocirun.Image) {
	t.Helper()
	arch := img.Platform.Architecture
	bin, err := img.ReadFile("/bin/go-app-frontend")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ocirun.CheckStaticELF(bytes.NewReader(bin), arch); err != nil {
		t.Fatalf("/bin/go-app-frontend of linux/%s: %v", arch, err)
	}
	needRunc(t, "linux/"+arch) // binfmt_misc and QEMU for a foreign arch
	p := filepath.Join(tmpDir(t, "frontend-"+arch+"-"), "go-app-frontend")
	if err := os.WriteFile(p, bin, 0o755); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, p)
	var stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = new(bytes.Buffer), &stderr
	err = cmd.Run()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != 1 {
		t.Fatalf("go-app-frontend (linux/%s) with no gateway: %v, want exit status 1; stderr:\n%s", arch, err, stderr.String())
	}
	if want := "failed to initialize client from environment"; !strings.Contains(stderr.String(), want) {
		t.Errorf("go-app-frontend (linux/%s) with no gateway says\n%s\nwant it to say %q", arch, stderr.String(), want)
	}
}
