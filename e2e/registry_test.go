package e2e

// Reading what the local registry serves: manifests, blobs, the images of
// an index and the attestations BuildKit attached to it.

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/goappfrontend/go-app/internal/ocirun"
	"github.com/goappfrontend/go-app/internal/stack"
	"github.com/opencontainers/go-digest"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
)

// imagetoolsJSON runs `docker buildx imagetools inspect --format '{{json
// .FIELD}}'` on ref and decodes the result.
func imagetoolsJSON(t *testing.T, ref, field string, v any) {
	t.Helper()
	ctx, cancel := ctxFor(t, 2*time.Minute)
	defer cancel()
	out, err := stack.Cmd(ctx, "", nil, "docker", "buildx", "imagetools", "inspect", "--builder", env.Builder, ref, "--format", "{{json ."+field+"}}")
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if err := json.Unmarshal([]byte(out), v); err != nil {
		t.Fatalf("decoding imagetools inspect .%s: %v\n%s", field, err, stack.Tail(out, 20))
	}
}

// registryGet fetches a manifest or blob from the local registry (plain
// HTTP) and returns it with its digest.
func registryGet(ctx context.Context, repo, kind, ref string) ([]byte, digest.Digest, error) {
	host, name, _ := strings.Cut(repo, "/")
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+host+"/v2/"+name+"/"+kind+"/"+ref, nil)
	if err != nil {
		return nil, "", err
	}
	req.Header.Set("Accept", strings.Join([]string{ocispec.MediaTypeImageIndex, ocispec.MediaTypeImageManifest,
		"application/vnd.docker.distribution.manifest.list.v2+json", "application/vnd.docker.distribution.manifest.v2+json"}, ", "))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, "", err
	}
	if resp.StatusCode != http.StatusOK {
		return nil, "", fmt.Errorf("GET %s: %s", req.URL, resp.Status)
	}
	return b, digest.FromBytes(b), nil
}

// splitRef splits "host/repo:tag" into "host/repo" and "tag".
func splitRef(ref string) (string, string) {
	i := strings.LastIndex(ref, ":")
	if i < strings.LastIndex(ref, "/") {
		return ref, "latest"
	}
	return ref[:i], ref[i+1:]
}

// manifestDigest is the digest of what ref names in the local registry.
func manifestDigest(t *testing.T, ref string) digest.Digest {
	t.Helper()
	ctx, cancel := ctxFor(t, time.Minute)
	defer cancel()
	repo, tag := splitRef(ref)
	_, d, err := registryGet(ctx, repo, "manifests", tag)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// pullImages copies the images (not the attestations) of an index in the
// local registry into an OCI layout and opens them.
func pullImages(t *testing.T, ref string) []*ocirun.Image {
	t.Helper()
	ctx, cancel := ctxFor(t, 5*time.Minute)
	defer cancel()
	repo, tag := splitRef(ref)
	dir := tmpDir(t, "pull-")
	put := func(kind, ref string) (ocispec.Descriptor, []byte) {
		b, d, err := registryGet(ctx, repo, kind, ref)
		if err != nil {
			t.Fatal(err)
		}
		p := filepath.Join(dir, "blobs", d.Algorithm().String(), d.Encoded())
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
		return ocispec.Descriptor{Digest: d, Size: int64(len(b))}, b
	}
	idxDesc, b := put("manifests", tag)
	var idx ocispec.Index
	if err := json.Unmarshal(b, &idx); err != nil {
		t.Fatal(err)
	}
	for _, m := range idx.Manifests {
		put("manifests", m.Digest.String())
		if ocirun.IsAttestation(m) {
			continue
		}
		var mf ocispec.Manifest
		_, b := put("manifests", m.Digest.String())
		if err := json.Unmarshal(b, &mf); err != nil {
			t.Fatal(err)
		}
		put("blobs", mf.Config.Digest.String())
		for _, l := range mf.Layers {
			put("blobs", l.Digest.String())
		}
	}
	idxDesc.MediaType = ocispec.MediaTypeImageIndex
	top, _ := json.Marshal(ocispec.Index{Versioned: idx.Versioned, MediaType: ocispec.MediaTypeImageIndex, Manifests: []ocispec.Descriptor{idxDesc}})
	if err := os.WriteFile(filepath.Join(dir, "index.json"), top, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "oci-layout"), []byte(`{"imageLayoutVersion":"1.0.0"}`), 0o644); err != nil {
		t.Fatal(err)
	}
	l, err := ocirun.OpenLayout(dir, workDir)
	if err != nil {
		t.Fatal(err)
	}
	imgs, err := l.Images()
	if err != nil {
		t.Fatal(err)
	}
	return imgs
}

// material is a resolved dependency of a SLSA v1 provenance: an image or
// source the build read, by digest.
type material struct {
	URI    string            `json:"uri"`
	Digest map[string]string `json:"digest"`
}

// readProvenance reads the provenance BuildKit attached to each platform of
// the index ref (`imagetools inspect --format '{{json .Provenance}}'`) and
// returns its resolved dependencies by platform.
func readProvenance(t *testing.T, ref string) map[string][]material {
	t.Helper()
	var provs map[string]struct {
		SLSA struct {
			BuildDefinition struct {
				ResolvedDependencies []material `json:"resolvedDependencies"`
			} `json:"buildDefinition"`
		}
	}
	imagetoolsJSON(t, ref, "Provenance", &provs)
	deps := map[string][]material{}
	for p, prov := range provs {
		deps[p] = prov.SLSA.BuildDefinition.ResolvedDependencies
	}
	return deps
}
