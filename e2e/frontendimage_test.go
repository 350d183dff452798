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
	"github.com/opencontainers/go-digest"
	ocispecs "github.com/opencontainers/image-spec/specs-go/v1"
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

// provenance is what the test reads of a SLSA provenance statement, v0.2
// (materials) or v1 (resolvedDependencies).
type provenance struct {
	PredicateType string `json:"predicateType"`
	Subject       []struct {
		Digest map[string]string `json:"digest"`
	} `json:"subject"`
	Predicate struct {
		Materials       []material `json:"materials"`
		BuildDefinition struct {
			ResolvedDependencies []material `json:"resolvedDependencies"`
		} `json:"buildDefinition"`
	} `json:"predicate"`
}

type material struct {
	URI    string            `json:"uri"`
	Digest map[string]string `json:"digest"`
}

// TestFrontendImage checks the frontend image under test as the stack
// publishes it, the way the release workflow builds it: an image for each
// platform of FRONTEND_PLATFORMS, each with a provenance attestation that
// names the Go toolchain image it was built with by its digest, and a
// static binary for the platform's architecture that starts there (arm64
// under QEMU) and, outside BuildKit, fails the way a gateway frontend
// started without a gateway fails.
func TestFrontendImage(t *testing.T) {
	needStack(t)
	ref := parseRegistryRef(t, env.FrontendImage)
	idx := registryIndex(t, ref)
	golang := registryRef{host: ref.host, repo: "library/golang"}

	images := map[string]ocispecs.Descriptor{}
	attestations := map[string]ocispecs.Descriptor{} // by the image's digest
	for _, d := range idx.Manifests {
		switch {
		case ocirun.IsAttestation(d):
			attestations[d.Annotations["vnd.docker.reference.digest"]] = d
		case d.Platform != nil:
			images[d.Platform.OS+"/"+d.Platform.Architecture] = d
		}
	}
	want := frontendPlatforms(t)
	if got := slices.Sorted(func(yield func(string) bool) {
		for p := range images {
			if !yield(p) {
				return
			}
		}
	}); !slices.Equal(got, slices.Sorted(slices.Values(want))) {
		t.Fatalf("%s has images for %v, want %v (FRONTEND_PLATFORMS)", ref, got, want)
	}
	for _, p := range want {
		img := images[p]
		t.Run(p, func(t *testing.T) {
			checkFrontendProvenance(t, ref, golang, img, attestations[img.Digest.String()])
			checkFrontendBinary(t, ref, img)
		})
	}
}

// checkFrontendProvenance checks that the image img of ref has a
// provenance statement about it that names the golang image by the digest
// the registry serves for one of its tags.
func checkFrontendProvenance(t *testing.T, ref, golang registryRef, img, att ocispecs.Descriptor) {
	if att.Digest == "" {
		t.Fatalf("no attestation manifest for %s", img.Digest)
	}
	var m ocispecs.Manifest
	registryJSON(t, ref, "manifests", att.Digest.String(), &m)
	var prov *provenance
	for _, l := range m.Layers {
		if !strings.HasPrefix(l.Annotations["in-toto.io/predicate-type"], "https://slsa.dev/provenance/") {
			continue
		}
		prov = new(provenance)
		registryJSON(t, ref, "blobs", l.Digest.String(), prov)
	}
	if prov == nil {
		t.Fatalf("attestation manifest %s has no SLSA provenance layer", att.Digest)
	}
	if len(prov.Subject) == 0 || "sha256:"+prov.Subject[0].Digest["sha256"] != img.Digest.String() {
		t.Errorf("the provenance is about %v, not the image %s", prov.Subject, img.Digest)
	}
	deps := append(prov.Predicate.Materials, prov.Predicate.BuildDefinition.ResolvedDependencies...)
	var found bool
	for _, d := range deps {
		name, ok := strings.CutPrefix(d.URI, "pkg:docker/golang@")
		if !ok {
			continue
		}
		golang.tag, _, _ = strings.Cut(name, "?")
		b, err := registryGet(golang, "manifests", golang.tag)
		if err != nil {
			t.Fatal(err)
		}
		served := digest.FromBytes(b).String()
		if "sha256:"+d.Digest["sha256"] != served {
			t.Errorf("the provenance names %s with digest sha256:%s; the registry serves %s", d.URI, d.Digest["sha256"], served)
		}
		found = true
	}
	if !found {
		t.Errorf("the provenance (%s) does not name the golang image among %d materials: %+v", prov.PredicateType, len(deps), deps)
	}
}

// checkFrontendBinary checks the frontend binary of the image img of ref:
// a static ELF for its architecture that, run with no arguments and no
// gateway, exits 1 saying it cannot reach one.
func checkFrontendBinary(t *testing.T, ref registryRef, img ocispecs.Descriptor) {
	var m ocispecs.Manifest
	registryJSON(t, ref, "manifests", img.Digest.String(), &m)
	var bin []byte
	for _, l := range m.Layers {
		b, ok, err := layerFile(ref, l, "bin/go-app-frontend")
		if err != nil {
			t.Fatal(err)
		}
		if ok {
			bin = b
		}
	}
	if bin == nil {
		t.Fatalf("no /bin/go-app-frontend in %s", img.Digest)
	}
	arch := img.Platform.Architecture
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
	err := cmd.Run()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != 1 {
		t.Fatalf("go-app-frontend (linux/%s) with no gateway: %v, want exit status 1; stderr:\n%s", arch, err, stderr.String())
	}
	if want := "failed to initialize client from environment"; !strings.Contains(stderr.String(), want) {
		t.Errorf("go-app-frontend (linux/%s) with no gateway says\n%s\nwant it to say %q", arch, stderr.String(), want)
	}
}
