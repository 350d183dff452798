package main

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// TestEphCacheRegistrySizes checks what the registry backend reports: the
// blobs of the imported cache manifest (an image manifest) as restored,
// and of the exported one (an index) only those the import did not have.
func TestEphCacheRegistrySizes(t *testing.T) {
	manifests := map[string]string{
		"/v2/go-app-bench-cache/grpc-amd64-goapp/manifests/s-ephemeral-1-prep": `{"config": {"digest": "sha256:c1", "size": 10},
			"layers": [{"digest": "sha256:a", "size": 1000}, {"digest": "sha256:b", "size": 200}]}`,
		"/v2/go-app-bench-cache/grpc-amd64-goapp/manifests/s-ephemeral-1-run": `{"manifests": [{"digest": "sha256:a", "size": 1000},
			{"digest": "sha256:b", "size": 200}, {"digest": "sha256:n", "size": 30}, {"digest": "sha256:c2", "size": 7}]}`,
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !strings.Contains(r.Header.Get("Accept"), "application/vnd.oci.image.index.v1+json") {
			http.Error(w, "no index in Accept", http.StatusNotAcceptable)
			return
		}
		m, ok := manifests[r.URL.Path]
		if !ok {
			http.NotFound(w, r)
			return
		}
		_, _ = w.Write([]byte(m))
	}))
	defer srv.Close()
	c := ephCache{kind: ephCacheRegistry, registry: strings.TrimPrefix(srv.URL, "http://")}
	in, out := c.locations(t.TempDir(), "grpc-amd64-goapp", "s-ephemeral-1")
	if want := c.registry + "/go-app-bench-cache/grpc-amd64-goapp:s-ephemeral-1-prep"; in != want {
		t.Fatalf("import ref %s, want %s", in, want)
	}
	if got, want := c.to(out), "type=registry,ref="+out+",mode=max"; got != want {
		t.Errorf("--cache-to %s, want %s", got, want)
	}
	if got, want := c.from(in), "type=registry,ref="+in; got != want {
		t.Errorf("--cache-from %s, want %s", got, want)
	}
	imp, exp, err := c.sizes(context.Background(), in, out)
	if err != nil {
		t.Fatal(err)
	}
	if imp != 1210 || exp != 37 {
		t.Errorf("restored %d, exported %d bytes; want 1210 and 37", imp, exp)
	}
	// Without an import, everything the export lists is new.
	if imp, exp, err = c.sizes(context.Background(), "", out); err != nil || imp != 0 || exp != 1237 {
		t.Errorf("without an import: restored %d, exported %d bytes, %v; want 0, 1237", imp, exp, err)
	}
	if _, _, err := c.sizes(context.Background(), in, c.registry+"/go-app-bench-cache/grpc-amd64-goapp:missing"); err == nil {
		t.Error("a missing cache manifest gave no error")
	}
}
