package e2e

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/goappfrontend/go-app/internal/ocirun"
	"github.com/goappfrontend/go-app/internal/stack"
)

// monoPlatforms are the platforms the monorepo fixtures build and run.
var monoPlatforms = []string{"linux/amd64", "linux/arm64"}

// serviceRepo is a repository with a service module in services/api that
// replaces its library with the sibling directory lib (../../lib).
func serviceRepo(says string) map[string]string {
	return map[string]string{
		"go-app.yaml":          syntaxOnly + "module: services/api\n",
		"services/api/go.mod":  "module example.com/mono/api\n\ngo 1.26\n\nrequire example.com/mono/lib v0.0.0\n\nreplace example.com/mono/lib => ../../lib\n",
		"services/api/main.go": "package main\n\nimport (\n\t\"fmt\"\n\n\t\"example.com/mono/lib/greet\"\n)\n\nfunc main() { fmt.Println(greet.Hello()) }\n",
		"lib/go.mod":           "module example.com/mono/lib\n\ngo 1.26\n",
		"lib/greet/greet.go":   "package greet\n\nimport \"strings\"\n\n// Hello is the greeting.\nfunc Hello() string { return strings.TrimSpace(" + yamlQuote(" "+says+" ") + ") }\n",
	}
}

// buildMono builds dir for platforms (into an OCI layout when oci is not
// empty) and returns the progress steps.
func buildMono(t *testing.T, dir, what, oci string, platforms []string) []*stack.Step {
	t.Helper()
	ctx, cancel := ctxFor(t, 15*time.Minute)
	defer cancel()
	b := stack.Build{Context: dir, Platforms: platforms}
	if oci != "" {
		b.Output = stack.OCIOutput(oci)
	}
	start := time.Now()
	out, err := env.Buildx(ctx, b)
	if err != nil {
		t.Fatalf("build %s: %v\n%s", what, err, stack.Tail(out, 100))
	}
	steps := stack.ParseProgress(out)
	t.Logf("build %s: %s\n%s", what, time.Since(start).Round(100*time.Millisecond), strings.Join(stack.Names(steps), "\n"))
	return steps
}

// oneStep is the one step whose name holds name.
func oneStep(t *testing.T, steps []*stack.Step, name string) *stack.Step {
	t.Helper()
	found := stack.Find(steps, name)
	if len(found) != 1 {
		t.Fatalf("%d steps named like %q, want 1; steps:\n%s", len(found), name, strings.Join(stack.Names(steps), "\n"))
	}
	return found[0]
}

// runBoth runs the image of every platform of the OCI layout in dir and
// checks that it prints says.
func runBoth(t *testing.T, dir, says string) {
	t.Helper()
	imgs, err := openImages(dir)
	if err != nil {
		t.Fatal(err)
	}
	checkPlatforms(t, imgs, monoPlatforms)
	for _, img := range imgs {
		res := runImage(t, img, ocirun.RunConfig{})
		if res.ExitCode != 0 || res.Stdout != says+"\n" {
			t.Errorf("%v: exit %d, stdout %q, want %q\n%s", img.Platform, res.ExitCode, res.Stdout, says+"\n", res.Stderr)
		}
	}
}

// TestMonorepoReplace builds a service module in a subdirectory whose
// library is a replace to a sibling directory, for amd64 and arm64, and
// runs both. The library's packages are source, not dependencies (the
// dependency step compiles fmt and strings only); a .go edit in the
// library leaves the module download CACHED, an edit of its go.mod runs
// it again.
func TestMonorepoReplace(t *testing.T) {
	needStack(t)
	needRunc(t, monoPlatforms...)
	dir := t.TempDir()
	says := "api with lib " + nonce()
	writeTree(t, dir, serviceRepo(says))
	oci := tmpDir(t, "oci-mono-")
	steps := buildMono(t, dir, "1", oci, monoPlatforms)
	oneStep(t, steps, "[linux/arm64] go build .")
	// fmt and strings: example.com/mono/lib/greet is compiled from source.
	oneStep(t, steps, "[linux/amd64] go build dependencies (2 imports)")
	runBoth(t, oci, says)

	appendFile(t, filepath.Join(dir, "lib/greet/greet.go"), "\n// edited "+nonce()+"\n")
	steps = buildMono(t, dir, "2 (lib/greet/greet.go changed)", "", monoPlatforms[:1])
	if dl := oneStep(t, steps, "go mod download"); dl.Ran() {
		t.Errorf("`go mod download` ran again after only a .go file of the library changed (step #%d)", dl.N)
	}
	if b := oneStep(t, steps, "[linux/amd64] go build ."); !b.Ran() {
		t.Errorf("go build was CACHED although the library's source changed")
	}

	appendFile(t, filepath.Join(dir, "lib/go.mod"), "\n// edited "+nonce()+"\n")
	steps = buildMono(t, dir, "3 (lib/go.mod changed)", "", monoPlatforms[:1])
	if dl := oneStep(t, steps, "go mod download"); !dl.Ran() {
		t.Errorf("`go mod download` was CACHED although the library's go.mod changed (step #%d)", dl.N)
	}
}

// workspaceRepo is a go.work repository with two modules, one main.
func workspaceRepo(says string) map[string]string {
	return map[string]string{
		"go-app.yaml":      syntaxOnly + "# go-app finds ./app in the workspace\n",
		"go.work":          "go 1.26\n\nuse (\n\t./app\n\t./lib\n)\n",
		"app/go.mod":       "module example.com/ws/app\n\ngo 1.26\n",
		"app/main.go":      "package main\n\nimport (\n\t\"fmt\"\n\n\t\"example.com/ws/lib\"\n)\n\nfunc main() { fmt.Println(lib.Says) }\n",
		"lib/go.mod":       "module example.com/ws/lib\n\ngo 1.26\n",
		"lib/lib.go":       "package lib\n\n// Says is what the program prints.\nconst Says = " + yamlQuote(says) + "\n",
		"lib/cmd/README":   "not a package\n",
		"app/internal/x.g": "not Go\n",
	}
}

// TestWorkspace builds a go.work repository with zero config (the one main
// package of the workspace's modules), for amd64 and arm64, and runs both;
// runs the test target, which tests every workspace module; then builds the
// same workspace vendored (`go work vendor`), without a module download.
func TestWorkspace(t *testing.T) {
	needStack(t)
	needRunc(t, monoPlatforms...)
	dir := t.TempDir()
	says := "workspace " + nonce()
	writeTree(t, dir, workspaceRepo(says))
	oci := tmpDir(t, "oci-ws-")
	steps := buildMono(t, dir, "workspace", oci, monoPlatforms)
	oneStep(t, steps, "find the main package: ./app/*.go, ./app/cmd/*/*.go, ./lib/*.go, ./lib/cmd/*/*.go")
	oneStep(t, steps, "[linux/amd64] go build ./app")
	oneStep(t, steps, "[linux/arm64] go build ./app")
	// fmt alone: example.com/ws/lib is a workspace module, compiled from source.
	oneStep(t, steps, "[linux/amd64] go build dependencies (1 imports)")
	runBoth(t, oci, says)

	// The test target at the workspace root tests every workspace module
	// (./... would match nothing there).
	writeTree(t, dir, map[string]string{"lib/lib_test.go": "package lib\n\nimport \"testing\"\n\nfunc TestSays(t *testing.T) {\n\tif Says == \"\" {\n\t\tt.Fatal(\"empty\")\n\t}\n}\n"})
	ctx, cancel := ctxFor(t, 10*time.Minute)
	defer cancel()
	out, err := env.Buildx(ctx, stack.Build{Context: dir, Extra: []string{"--target", "test"}})
	if err != nil {
		t.Fatalf("--target test: %v\n%s", err, stack.Tail(out, 60))
	}
	for _, w := range []string{"go test ./app/... ./lib/...", "ok  \texample.com/ws/lib"} {
		if !strings.Contains(out, w) {
			t.Errorf("--target test output lacks %q:\n%s", w, stack.Tail(out, 60))
		}
	}

	// What `go work vendor` writes for a workspace without dependencies.
	writeTree(t, dir, map[string]string{"vendor/modules.txt": "## workspace\n"})
	oci = tmpDir(t, "oci-ws-vendor-")
	steps = buildMono(t, dir, "vendored workspace", oci, monoPlatforms)
	if found := stack.Find(steps, "go mod download"); len(found) > 0 {
		t.Errorf("a vendored workspace downloads modules: %v", stack.Names(found))
	}
	runBoth(t, oci, says)
}

// TestMonorepoCheck checks that --call check reports a replace target and a
// workspace module that are not in the build context, each at its line of
// go.mod or go.work, and that a build fails the same way.
func TestMonorepoCheck(t *testing.T) {
	needStack(t)
	dir := t.TempDir()
	files := serviceRepo("x")
	delete(files, "lib/go.mod")
	writeTree(t, dir, files)
	want := []string{"MissingModule", "services/api/go.mod:7:1: replace example.com/mono/lib => ../../lib: no go.mod in lib in the build context"}
	buildFails(t, 5*time.Minute, stack.Build{Context: dir, Extra: []string{"--call", "check"}}, want...)
	buildFails(t, 5*time.Minute, stack.Build{Context: dir, Platforms: monoPlatforms[:1]}, want[1])
	// With main set, check sends only the module files it names.
	writeTree(t, dir, map[string]string{"go-app.yaml": syntaxOnly + "module: services/api\nmain: .\n"})
	out := buildFails(t, 5*time.Minute, stack.Build{Context: dir, Extra: []string{"--call", "check"}}, want...)
	if strings.Contains(out, "find the main package") {
		t.Errorf("check with main set looked for the main package:\n%s", stack.Tail(out, 40))
	}

	dir = t.TempDir()
	files = workspaceRepo("x")
	files["go.work"] = "go 1.26\n\nuse (\n\t./app\n\t./lib\n\t./tools\n)\n"
	writeTree(t, dir, files)
	out = buildFails(t, 5*time.Minute, stack.Build{Context: dir, Extra: []string{"--call", "check"}},
		"go.work:6:2: use ./tools: no go.mod in tools in the build context")
	if strings.Contains(out, "go.work:4") || strings.Contains(out, "go.work:5") {
		t.Errorf("check reports a workspace module that is there:\n%s", stack.Tail(out, 40))
	}
}

// TestGoAuth builds a module that needs a private module from a proxy that
// takes a bearer token only: without the build secret goauth the download
// fails with 401; with it the token reaches the proxy through GOAUTH
// (build.goauth), and is in no build output.
func TestGoAuth(t *testing.T) {
	needStack(t)
	f := newPrivateFixture(t)
	token := "tok-" + nonce() + nonce()
	f.proxy.SetToken(token)
	spec := strings.Replace(readFile(t, filepath.Join(f.dir, "go-app.yaml")), "build:\n", "build:\n  goauth:\n    - url: "+f.proxy.URL+"/\n", 1)
	writeTree(t, f.dir, map[string]string{"go-app.yaml": spec})
	secret := filepath.Join(t.TempDir(), "token")
	if err := os.WriteFile(secret, []byte(token+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	// Without the secret: no token, the proxy's 401 (the version is new
	// to every cache).
	buildFails(t, 10*time.Minute, stack.Build{Context: f.dir, Platforms: monoPlatforms[:1]}, "401 Unauthorized")
	oci := tmpDir(t, "oci-goauth-")
	ctx, cancel := ctxFor(t, 15*time.Minute)
	defer cancel()
	out, err := env.Buildx(ctx, stack.Build{Context: f.dir, Platforms: monoPlatforms[:1], Output: stack.OCIOutput(oci),
		Extra: []string{"--secret", "id=goauth,src=" + secret}})
	if err != nil {
		t.Fatalf("build: %v\n%s\nproxy requests: %v", err, stack.Tail(out, 80), f.proxy.Requests())
	}
	if strings.Contains(out, token) {
		t.Error("the token is in the build output")
	}
	if n := countStatus(f.proxy.Requests(), 200); n == 0 {
		t.Errorf("the proxy answered no request with 200: %v", f.proxy.Requests())
	}
	imgs, err := openImages(oci)
	if err != nil {
		t.Fatal(err)
	}
	needRunc(t, monoPlatforms[:1]...)
	res := runImage(t, imgs[0], ocirun.RunConfig{})
	if res.Stdout != f.greeting+"\n" {
		t.Errorf("the program printed %q, want %q", res.Stdout, f.greeting)
	}
	if !slices.ContainsFunc(f.proxy.Requests(), func(r proxyRequest) bool { return r.Status == 200 && strings.HasSuffix(r.Path, ".zip") }) {
		t.Errorf("the module zip was not served with the token: %v", f.proxy.Requests())
	}
}

func readFile(t *testing.T, p string) string {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestGoAuthHost checks the GOAUTH command with this machine's go command,
// no BuildKit: `go mod download` from a proxy that takes a bearer token
// only succeeds with GOAUTH set as go-app sets it and the token in the
// secret file, and fails with 401 without the file.
func TestGoAuthHost(t *testing.T) {
	f := newPrivateFixture(t)
	token := "tok-" + nonce()
	f.proxy.SetToken(token)
	bin := filepath.Join(t.TempDir(), "go-app-frontend")
	ctx, cancel := ctxFor(t, 5*time.Minute)
	defer cancel()
	if out, err := stack.Cmd(ctx, "..", nil, "go", "build", "-o", bin, "./cmd/go-app-frontend"); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	secret := filepath.Join(t.TempDir(), "goauth")
	t.Setenv("GOAUTH", "netrc;"+bin+" goauth -token "+f.proxy.URL+"/="+secret)
	noNetrc := filepath.Join(t.TempDir(), "no-netrc")
	out, err := f.hostGo(t, noNetrc, "mod", "download")
	if err == nil || !strings.Contains(out, "401 Unauthorized") {
		t.Errorf("without the secret: %v, want a 401 error\n%s", err, out)
	}
	if err := os.WriteFile(secret, []byte(token+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if out, err := f.hostGo(t, noNetrc, "mod", "download"); err != nil {
		t.Errorf("with the secret: %v\n%s\nproxy requests: %v", err, out, f.proxy.Requests())
	}
}
