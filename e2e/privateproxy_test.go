package e2e

import (
	"bytes"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/mod/module"
	"golang.org/x/mod/sumdb/dirhash"
	modzip "golang.org/x/mod/zip"
)

// privateProxy serves one module version over the GOPROXY protocol (the
// /@v/list, .info, .mod and .zip endpoints) on loopback, behind HTTP basic
// auth and TLS: the go command sends netrc credentials over HTTPS only.
// Build steps use the host network, so a build reaches it at its URL too.
type privateProxy struct {
	// URL is https://127.0.0.1:PORT, the GOPROXY value.
	URL string
	// Host is 127.0.0.1:PORT, the netrc machine name (the go command
	// matches the host with its port).
	Host string
	// Module is the module version served.
	Module module.Version
	// User and Password are the only credentials it accepts.
	User, Password string
	// CertPEM is the server's self-signed certificate, the one root a
	// client needs to trust it.
	CertPEM []byte
	// GoMod is the module's go.mod, Zip its module zip.
	GoMod, Zip []byte

	srv   *httptest.Server
	mu    sync.Mutex
	reqs  []proxyRequest
	token string // a bearer token it accepts too (SetToken)
}

// SetToken makes the proxy accept "Authorization: Bearer token" (GOAUTH)
// and refuse its basic credentials.
func (p *privateProxy) SetToken(token string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.token = token
}

// authorized reports whether r carries the credentials the proxy takes.
func (p *privateProxy) authorized(r *http.Request) bool {
	p.mu.Lock()
	token := p.token
	p.mu.Unlock()
	if token != "" {
		return r.Header.Get("Authorization") == "Bearer "+token
	}
	u, pw, ok := r.BasicAuth()
	return ok && u == p.User && pw == p.Password
}

// proxyRequest is one request the proxy answered.
type proxyRequest struct {
	Path   string
	Status int
}

func (r proxyRequest) String() string { return fmt.Sprintf("%d %s", r.Status, r.Path) }

// newPrivateProxy starts a proxy for module m whose only package holds
// files (name → content; go.mod is generated), stopped when the test ends.
func newPrivateProxy(t *testing.T, m module.Version, files map[string]string, user, password string) *privateProxy {
	t.Helper()
	p := &privateProxy{Module: m, User: user, Password: password}
	p.GoMod = []byte("module " + m.Path + "\n\ngo 1.22\n")
	dir := t.TempDir()
	files["go.mod"] = string(p.GoMod)
	for name, body := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	var zip bytes.Buffer
	if err := modzip.CreateFromDir(&zip, m, dir); err != nil {
		t.Fatalf("module zip: %v", err)
	}
	p.Zip = zip.Bytes()

	p.srv = httptest.NewTLSServer(http.HandlerFunc(p.serve))
	t.Cleanup(p.srv.Close)
	p.URL = p.srv.URL
	p.Host = strings.TrimPrefix(p.URL, "https://")
	p.CertPEM = pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: p.srv.Certificate().Raw})
	return p
}

func (p *privateProxy) serve(w http.ResponseWriter, r *http.Request) {
	status := p.answer(w, r)
	p.mu.Lock()
	p.reqs = append(p.reqs, proxyRequest{Path: r.URL.Path, Status: status})
	p.mu.Unlock()
}

// answer writes the response to r and returns its status.
func (p *privateProxy) answer(w http.ResponseWriter, r *http.Request) int {
	if !p.authorized(r) {
		w.Header().Set("WWW-Authenticate", `Basic realm="private modules"`)
		http.Error(w, "private module proxy: credentials required", http.StatusUnauthorized)
		return http.StatusUnauthorized
	}
	prefix := "/" + p.Module.Path + "/@v/"
	file, ok := strings.CutPrefix(r.URL.Path, prefix)
	if !ok {
		http.NotFound(w, r)
		return http.StatusNotFound
	}
	var body []byte
	switch v := p.Module.Version; file {
	case "list":
		body = []byte(v + "\n")
	case v + ".info":
		body, _ = json.Marshal(map[string]any{"Version": v, "Time": time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)})
	case v + ".mod":
		body = p.GoMod
	case v + ".zip":
		body = p.Zip
	default:
		http.NotFound(w, r)
		return http.StatusNotFound
	}
	_, _ = w.Write(body) // the client sees a short body
	return http.StatusOK
}

// Requests returns what the proxy answered so far.
func (p *privateProxy) Requests() []proxyRequest {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]proxyRequest(nil), p.reqs...)
}

// Netrc is a netrc file with the proxy's credentials.
func (p *privateProxy) Netrc() string {
	return fmt.Sprintf("machine %s\nlogin %s\npassword %s\n", p.Host, p.User, p.Password)
}

// GoSum returns the go.sum lines of the module, as the go command would
// write them after downloading it.
func (p *privateProxy) GoSum(t *testing.T) string {
	t.Helper()
	zipFile := filepath.Join(t.TempDir(), "module.zip")
	if err := os.WriteFile(zipFile, p.Zip, 0o644); err != nil {
		t.Fatal(err)
	}
	zipHash, err := dirhash.HashZip(zipFile, dirhash.Hash1)
	if err != nil {
		t.Fatal(err)
	}
	modHash, err := dirhash.Hash1([]string{"go.mod"}, func(string) (io.ReadCloser, error) {
		return io.NopCloser(bytes.NewReader(p.GoMod)), nil
	})
	if err != nil {
		t.Fatal(err)
	}
	m := p.Module
	return fmt.Sprintf("%s %s %s\n%s %s/go.mod %s\n", m.Path, m.Version, zipHash, m.Path, m.Version, modHash)
}
