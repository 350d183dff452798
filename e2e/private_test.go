package e2e

import (
	"bytes"
	"compress/gzip"
	"encoding/base64"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/goappfrontend/go-app/internal/ocirun"
	"github.com/goappfrontend/go-app/internal/stack"
	"golang.org/x/mod/module"
)

// privateFixture is a private module behind an authenticating module proxy
// and a module that uses it, ready to build with go-app.
type privateFixture struct {
	proxy *privateProxy
	// dir is the consumer module, the build context.
	dir string
	// netrc is a netrc file with the proxy's credentials.
	netrc string
	// cert is the proxy's certificate, in dir.
	cert string
	// greeting is what the consumer prints: it comes from the private
	// module.
	greeting string
}

// certPath is where the consumer module holds the proxy's certificate. The
// download step sees only the module files of the build context (go.mod,
// go.sum, ... at any depth), so the certificate of this test's throwaway
// proxy travels under a name those patterns select; SSL_CERT_FILE in
// build.env points the go command at it. A real private proxy has a
// certificate the toolchain image trusts.
const certPath = "testca/go.sum"

// privateSourceMark is a comment in the private module's source: it is in
// no binary, so finding it in an output would mean the source leaked.
const privateSourceMark = "Package greet greets from a private module."

// newPrivateFixture makes a fresh private module version, so that nothing
// an earlier run left in BuildKit's cache or in the module cache mount can
// stand in for a download.
func newPrivateFixture(t *testing.T) *privateFixture {
	t.Helper()
	m := module.Version{Path: "private.example/greet", Version: "v1.0.0-r" + nonce()}
	greeting := "hello from " + m.Path + "@" + m.Version
	proxy := newPrivateProxy(t, m, map[string]string{
		"greet.go": "// " + privateSourceMark + "\npackage greet\n\n// Hello returns the greeting.\nfunc Hello() string { return " + strconv.Quote(greeting) + " }\n",
	}, "goapp", "pw-"+nonce()+nonce())

	f := &privateFixture{proxy: proxy, dir: t.TempDir(), greeting: greeting}
	f.cert = filepath.Join(f.dir, certPath)
	files := map[string]string{
		"go.mod":  "module example.com/consumer\n\ngo 1.26\n\nrequire " + m.Path + " " + m.Version + "\n",
		"go.sum":  proxy.GoSum(t),
		"main.go": "package main\n\nimport (\n\t\"fmt\"\n\n\t\"private.example/greet\"\n)\n\nfunc main() { fmt.Println(greet.Hello()) }\n",
		"go-app.yaml": "# syntax=goappfrontend/go-app:1\n" +
			"main: .\n" +
			"build:\n" +
			"  private: [private.example]\n" +
			"  env:\n" +
			"    GOPROXY: " + proxy.URL + "\n" +
			"    GONOPROXY: none\n" +
			"    SSL_CERT_FILE: /src/" + certPath + "\n",
		certPath: string(proxy.CertPEM),
	}
	for name, body := range files {
		p := filepath.Join(f.dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	f.netrc = filepath.Join(t.TempDir(), "netrc")
	if err := os.WriteFile(f.netrc, []byte(proxy.Netrc()), 0o600); err != nil {
		t.Fatal(err)
	}
	return f
}

// hostGo runs the go command of this machine in the consumer module, with
// the proxy settings of its go-app.yaml, a fresh module cache and netrc as
// NETRC.
func (f *privateFixture) hostGo(t *testing.T, netrc string, args ...string) (string, error) {
	t.Helper()
	goCmd, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command in PATH")
	}
	ctx, cancel := ctxFor(t, 2*time.Minute)
	defer cancel()
	return stack.Cmd(ctx, f.dir, []string{
		"GOPROXY=" + f.proxy.URL, "GONOPROXY=none", "GOPRIVATE=private.example",
		"SSL_CERT_FILE=" + f.cert, "NETRC=" + netrc,
		"GOMODCACHE=" + t.TempDir(), "GOFLAGS=-modcacherw", "GOTOOLCHAIN=local", "GOWORK=off",
	}, goCmd, args...)
}

// TestPrivateProxy checks the fixture itself with this machine's go
// command, no BuildKit: with the credentials the consumer builds and prints
// the private module's greeting (so go.sum is right); without them the
// proxy answers 401.
func TestPrivateProxy(t *testing.T) {
	f := newPrivateFixture(t)
	out, err := f.hostGo(t, f.netrc, "run", ".")
	if err != nil {
		t.Fatalf("%v\n%s\nproxy requests: %v", err, out, f.proxy.Requests())
	}
	if !strings.HasSuffix(out, "\n"+f.greeting+"\n") || strings.Contains(out, "go.sum") {
		t.Errorf("go run . printed %q, want the download and then %q", out, f.greeting)
	}
	out, err = f.hostGo(t, filepath.Join(t.TempDir(), "no-netrc"), "mod", "download")
	if err == nil || !strings.Contains(out, "401 Unauthorized") {
		t.Errorf("go mod download without credentials: %v, want a 401 error\n%s", err, out)
	}
}

// TestPrivateModules builds a module that needs a private module from an
// authenticating proxy on loopback: without the netrc secret the build
// fails with the go command's 401 error, pointing at build.private; with
// it the build succeeds and the program prints the private module's
// greeting; neither the password nor the module's source is in any layer,
// image config or cache export, and the password is in no build output.
//
// It builds a fresh module version first without the secret: neither
// BuildKit's cache nor the module cache mount can hold it yet. (Later
// builds on the same builder may succeed without credentials: secrets are
// no part of a cache key, and the module cache mount keeps what was
// downloaded until BuildKit's garbage collection removes it.)
func TestPrivateModules(t *testing.T) {
	needStack(t)
	f := newPrivateFixture(t)
	platform := "linux/" + runtime.GOARCH
	secret := []string{"--secret", "id=netrc,src=" + f.netrc}
	var outputs []string
	build := func(what, output string, extra ...string) (string, error) {
		t.Helper()
		ctx, cancel := ctxFor(t, 15*time.Minute)
		defer cancel()
		start := time.Now()
		out, err := env.Buildx(ctx, stack.Build{Context: f.dir, Platforms: []string{platform}, Output: output, Extra: extra})
		if ctx.Err() != nil {
			t.Fatalf("build %s timed out: %v\n%s", what, err, stack.Tail(out, 100))
		}
		t.Logf("build %s: %s, %v", what, time.Since(start).Round(100*time.Millisecond), err)
		outputs = append(outputs, out)
		return out, err
	}

	// First, while neither BuildKit's cache nor the module cache mount can
	// hold this module version: no credentials, no build.
	out, err := build("without the secret", "")
	if err == nil {
		t.Fatalf("the build succeeded without credentials\n%s", stack.Tail(out, 60))
	}
	for _, want := range []string{
		// The go command's own message, from the download step.
		"reading " + f.proxy.URL + "/" + f.proxy.Module.Path + "/@v/" + f.proxy.Module.Version,
		"401 Unauthorized",
		"go-app-frontend modules: go mod download: exit status 1",
		// The failing step points at where the spec names private modules.
		"go-app.yaml:4",
		">>>   private: [private.example]",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("the output of the failed build lacks %q:\n%s", want, stack.Tail(out, 60))
		}
	}
	if n := countStatus(f.proxy.Requests(), 401); n == 0 {
		t.Errorf("the proxy answered no request with 401: %v", f.proxy.Requests())
	}

	// With the secret, exporting the image and the whole build cache.
	ociDir := tmpDir(t, "oci-private-")
	cacheDir := tmpDir(t, "cache-private-")
	before := len(f.proxy.Requests())
	out, err = build("with the secret", stack.OCIOutput(ociDir), append(secret, "--cache-to", "type=local,dest="+cacheDir+",mode=max")...)
	if err != nil {
		t.Fatalf("the build with the netrc secret failed: %v\n%s\nproxy requests: %v", err, stack.Tail(out, 100), f.proxy.Requests())
	}
	if n := countStatus(f.proxy.Requests()[before:], 200); n == 0 {
		t.Errorf("the build downloaded nothing from the proxy: %v", f.proxy.Requests()[before:])
	}
	imgs, err := openImages(ociDir)
	if err != nil {
		t.Fatal(err)
	}
	checkPlatforms(t, imgs, []string{platform})
	res := runImage(t, imgs[0], ocirun.RunConfig{})
	if res.ExitCode != 0 || res.Stdout != f.greeting+"\n" {
		t.Errorf("the image: exit %d, stdout %q, want 0 and %q\n%s", res.ExitCode, res.Stdout, f.greeting+"\n", res.Stderr)
	}

	// The password, also as the Authorization header would carry it, is
	// nowhere, nor is the private module's source (it stays in the module
	// cache mount); the greeting (compiled into the binary) shows that the
	// scan reads the layers' content.
	leaks := [][]byte{
		[]byte(f.proxy.Password),
		[]byte(base64.StdEncoding.EncodeToString([]byte(f.proxy.User + ":" + f.proxy.Password))),
	}
	for what, dir := range map[string]string{"the OCI image layout": ociDir, "the local cache export": cacheDir} {
		found, files := scanTree(t, dir, append(leaks, []byte(privateSourceMark), []byte(f.greeting)))
		t.Logf("%s: scanned %d files", what, files)
		for _, l := range leaks {
			if where := found[string(l)]; len(where) > 0 {
				t.Errorf("the netrc secret's password is in %s: %v", what, where)
			}
		}
		if where := found[privateSourceMark]; len(where) > 0 {
			t.Errorf("the private module's source is in %s: %v", what, where)
		}
		if len(found[f.greeting]) == 0 {
			t.Errorf("the private module's greeting is in no file of %s: the scan does not see the binary", what)
		}
	}
	// build.cache_private: true puts the private module in the exported
	// module layer (the scan above would see it), never the password.
	spec := filepath.Join(f.dir, "go-app.yaml")
	data, err := os.ReadFile(spec)
	if err != nil {
		t.Fatal(err)
	}
	optIn := strings.Replace(string(data), "  private: [private.example]\n", "  private: [private.example]\n  cache_private: true\n", 1)
	if optIn == string(data) {
		t.Fatal("the fixture's spec has no build.private line to add cache_private to")
	}
	if err := os.WriteFile(spec, []byte(optIn), 0o644); err != nil {
		t.Fatal(err)
	}
	optInCache := tmpDir(t, "cache-private-optin-")
	if out, err := build("with cache_private", "", append(secret, "--cache-to", "type=local,dest="+optInCache+",mode=max")...); err != nil {
		t.Fatalf("the build with cache_private failed: %v\n%s", err, stack.Tail(out, 100))
	}
	found, _ := scanTree(t, optInCache, append(leaks, []byte(privateSourceMark)))
	if len(found[privateSourceMark]) == 0 {
		t.Errorf("with build.cache_private the private module's source is in no file of the cache export")
	}
	for _, l := range leaks {
		if where := found[string(l)]; len(where) > 0 {
			t.Errorf("the netrc secret's password is in the cache export with cache_private: %v", where)
		}
	}
	for i, o := range outputs {
		for _, l := range leaks {
			if strings.Contains(o, string(l)) {
				t.Errorf("the output of build %d shows the password", i+1)
			}
		}
	}
}

// countStatus counts the requests answered with status.
func countStatus(reqs []proxyRequest, status int) int {
	n := 0
	for _, r := range reqs {
		if r.Status == status {
			n++
		}
	}
	return n
}

// scanTree looks for each of needles in every file under dir, as stored and,
// for gzip files (compressed layers), decompressed. It returns the files
// (relative to dir) each needle is in and how many files it read.
func scanTree(t *testing.T, dir string, needles [][]byte) (map[string][]string, int) {
	t.Helper()
	found := map[string][]string{}
	files := 0
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || !d.Type().IsRegular() {
			return err
		}
		files++
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		contents := [][]byte{data}
		if bytes.HasPrefix(data, []byte{0x1f, 0x8b}) {
			zr, err := gzip.NewReader(bytes.NewReader(data))
			if err != nil {
				return err
			}
			plain, err := io.ReadAll(zr)
			if err != nil {
				return err
			}
			contents = append(contents, plain)
		}
		rel, _ := filepath.Rel(dir, p)
		for _, n := range needles {
			for _, c := range contents {
				if bytes.Contains(c, n) {
					found[string(n)] = append(found[string(n)], rel)
					break
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return found, files
}
