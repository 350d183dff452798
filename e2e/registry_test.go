package e2e

import (
	"archive/tar"
	"compress/gzip"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"path"
	"strings"
	"testing"

	ocispecs "github.com/opencontainers/image-spec/specs-go/v1"
)

// A registry image reference split into what the registry API wants:
// localhost:5000/go-app:dev is {localhost:5000, go-app, dev}.
type registryRef struct{ host, repo, tag string }

func parseRegistryRef(t *testing.T, ref string) registryRef {
	t.Helper()
	host, rest, ok := strings.Cut(ref, "/")
	i := strings.LastIndex(rest, ":")
	if !ok || i <= 0 || strings.Contains(rest, "@") {
		t.Fatalf("%q is not a HOST/REPO:TAG reference", ref)
	}
	return registryRef{host: host, repo: rest[:i], tag: rest[i+1:]}
}

func (r registryRef) String() string { return r.host + "/" + r.repo + ":" + r.tag }

// registryGet reads /v2/REPO/KIND/NAME from the registry (plain HTTP, as
// the local stack's registry), accepting image indexes and manifests.
func registryGet(r registryRef, kind, name string) ([]byte, error) {
	req, err := http.NewRequest(http.MethodGet, "http://"+r.host+"/v2/"+r.repo+"/"+kind+"/"+name, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Accept", ocispecs.MediaTypeImageIndex+", "+ocispecs.MediaTypeImageManifest+
		", application/vnd.docker.distribution.manifest.list.v2+json, application/vnd.docker.distribution.manifest.v2+json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET %s: %s", req.URL, resp.Status)
	}
	return io.ReadAll(io.LimitReader(resp.Body, 1<<30))
}

// registryJSON decodes the manifest (kind "manifests") or blob ("blobs")
// name of r into v.
func registryJSON(t *testing.T, r registryRef, kind, name string, v any) {
	t.Helper()
	b, err := registryGet(r, kind, name)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("%s %s of %s: %v", kind, name, r, err)
	}
}

// registryIndex returns the image index r's tag names.
func registryIndex(t *testing.T, r registryRef) ocispecs.Index {
	t.Helper()
	var idx ocispecs.Index
	registryJSON(t, r, "manifests", r.tag, &idx)
	if len(idx.Manifests) == 0 {
		t.Fatalf("%s is not an image index (no manifests)", r)
	}
	return idx
}

// layerFile returns the content of the file p (no leading slash) in the
// gzip layer d of r, and whether the layer has it.
func layerFile(r registryRef, d ocispecs.Descriptor, p string) ([]byte, bool, error) {
	if !strings.HasSuffix(d.MediaType, "gzip") {
		return nil, false, fmt.Errorf("layer %s is %s, not gzip", d.Digest, d.MediaType)
	}
	blob, err := registryGet(r, "blobs", d.Digest.String())
	if err != nil {
		return nil, false, err
	}
	zr, err := gzip.NewReader(strings.NewReader(string(blob)))
	if err != nil {
		return nil, false, err
	}
	tr := tar.NewReader(zr)
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return nil, false, nil
		}
		if err != nil {
			return nil, false, err
		}
		if path.Clean(strings.TrimPrefix(h.Name, "./")) == p && h.Typeflag == tar.TypeReg {
			b, err := io.ReadAll(io.LimitReader(tr, 1<<30))
			return b, true, err
		}
	}
}
