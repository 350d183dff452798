package gocache

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/mod/module"
	"golang.org/x/mod/sumdb/dirhash"
	modzip "golang.org/x/mod/zip"
)

// TestMain makes the test binary a GOCACHEPROG program when run as
// "TESTBINARY cacheprog -mount DIR -out DIR", as the frontend binary is.
func TestMain(m *testing.M) {
	if len(os.Args) == 6 && os.Args[1] == "cacheprog" && os.Args[2] == "-mount" && os.Args[4] == "-out" {
		st, err := ServeCacheProg(os.Stdin, os.Stdout, os.Args[3], os.Args[5])
		fmt.Fprintf(os.Stderr, "go-app: %s\n", st)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

func writeFiles(t *testing.T, root string, files map[string]string) {
	t.Helper()
	for name, data := range files {
		p := filepath.Join(root, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func TestSeed(t *testing.T) {
	layer, mount := t.TempDir(), t.TempDir()
	writeFiles(t, layer, map[string]string{
		"example.com/a@v1.0.0/a.go":                  "package a",
		"example.com/a@v1.0.0/sub/b.go":              "package sub",
		"cache/download/example.com/a/@v/v1.0.0.mod": "module example.com/a",
	})
	writeFiles(t, mount, map[string]string{
		"example.com/old@v0.1.0/old.go": "package old",
		// Present already: left as it is, not overwritten.
		"cache/download/example.com/a/@v/v1.0.0.mod": "module example.com/a // mount's",
	})
	if _, err := writeID(layer, ModulesIDFile); err != nil {
		t.Fatal(err)
	}
	st, err := Seed(layer, mount)
	if err != nil {
		t.Fatal(err)
	}
	if st.Skipped || st.Files != 2 {
		t.Errorf("first seed: %+v, want 2 files copied", st)
	}
	for name, want := range map[string]string{
		"example.com/a@v1.0.0/a.go":                  "package a",
		"example.com/a@v1.0.0/sub/b.go":              "package sub",
		"example.com/old@v0.1.0/old.go":              "package old",
		"cache/download/example.com/a/@v/v1.0.0.mod": "module example.com/a // mount's",
	} {
		got, err := os.ReadFile(filepath.Join(mount, name))
		if err != nil || string(got) != want {
			t.Errorf("%s = %q, %v; want %q", name, got, err, want)
		}
	}
	if _, err := os.Stat(filepath.Join(mount, ModulesIDFile)); err == nil {
		t.Error("the layer's id file was copied into the mount")
	}
	leftovers, _ := filepath.Glob(filepath.Join(mount, "example.com", ".go-app-seed-*"))
	if len(leftovers) > 0 {
		t.Errorf("temporary files left: %q", leftovers)
	}
	// The same layer again: one stat.
	os.RemoveAll(filepath.Join(mount, "example.com/a@v1.0.0"))
	if st, err := Seed(layer, mount); err != nil || !st.Skipped || st.Files != 0 {
		t.Errorf("second seed: %+v, %v; want skipped", st, err)
	}
	// A layer without an id (a step that failed before writing it) copies
	// nothing.
	if st, err := Seed(t.TempDir(), mount); err != nil || st.Files != 0 {
		t.Errorf("seed from an empty layer: %+v, %v", st, err)
	}
}

func TestTrimModuleCache(t *testing.T) {
	root := t.TempDir()
	writeFiles(t, root, map[string]string{
		"example.com/public@v1.0.0/p.go":                    "package public",
		"example.com/public@v1.0.0/p_test.go":               "package public",
		"example.com/public@v1.0.0/testdata/golden.txt":     "golden",
		"example.com/public@v1.0.0/sub/s_test.go":           "package sub",
		"example.com/public@v1.0.0/sub/testdata/in.txt":     "in",
		"example.com/public@v1.0.0/sub/README.md":           "docs",
		"example.com/public@v1.0.0/sub/s_windows.go":        "package sub",
		"example.com/public@v1.0.0/sub/s_linux_arm64.go":    "package sub",
		"example.com/public@v1.0.0/sub/s_darwin_arm64.s":    "",
		"example.com/public@v1.0.0/sub/s_darwin.c":          "",
		"example.com/public@v1.0.0/web/web.go":              "package web\n\nimport \"embed\"\n\n//go:embed testdata *_test.go\nvar files embed.FS\n",
		"example.com/public@v1.0.0/web/web_test.go":         "package web",
		"example.com/public@v1.0.0/web/testdata/page.html":  "<p>",
		"example.com/public@v1.0.0/web/static/testdata/a":   "a",
		"example.com/private@v1.0.0/secret.go":              "package private",
		"example.com/private/sub@v1.0.0/s.go":               "package sub",
		"!upper.example.com/x@v1.0.0/x.go":                  "package x",
		"cache/download/example.com/public/@v/v1.0.0.zip":   "zip",
		"cache/download/example.com/public/@v/v1.0.0.mod":   "module example.com/public",
		"cache/download/example.com/public/@v/v1.0.0.lock":  "",
		"cache/download/example.com/private/@v/v1.0.0.mod":  "module example.com/private",
		"cache/download/example.com/private/@v/v1.0.0.info": "{}",
		"cache/download/!upper.example.com/x/@v/v1.0.0.mod": "module Upper.example.com/x",
	})
	if err := trimModuleCache(root, []string{"example.com/private", "Upper.example.com"}, false); err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string]bool{
		"example.com/public@v1.0.0/p.go":                    true,
		"example.com/public@v1.0.0/p_test.go":               false,
		"example.com/public@v1.0.0/testdata/golden.txt":     false,
		"example.com/public@v1.0.0/sub/s_test.go":           false,
		"example.com/public@v1.0.0/sub/testdata/in.txt":     false,
		"example.com/public@v1.0.0/sub/README.md":           true,
		"example.com/public@v1.0.0/sub/s_windows.go":        false,
		"example.com/public@v1.0.0/sub/s_linux_arm64.go":    true,
		"example.com/public@v1.0.0/sub/s_darwin_arm64.s":    false,
		"example.com/public@v1.0.0/sub/s_darwin.c":          true,
		"example.com/public@v1.0.0/web/web.go":              true,
		"example.com/public@v1.0.0/web/web_test.go":         true,
		"example.com/public@v1.0.0/web/testdata/page.html":  true,
		"example.com/public@v1.0.0/web/static/testdata/a":   true,
		"cache/download/example.com/public/@v/v1.0.0.mod":   true,
		"cache/download/example.com/public/@v/v1.0.0.zip":   false,
		"cache/download/example.com/public/@v/v1.0.0.lock":  false,
		"example.com/private@v1.0.0/secret.go":              false,
		"example.com/private/sub@v1.0.0/s.go":               false,
		"cache/download/example.com/private/@v/v1.0.0.mod":  false,
		"cache/download/example.com/private/@v/v1.0.0.info": false,
		"!upper.example.com/x@v1.0.0/x.go":                  false,
		"cache/download/!upper.example.com/x/@v/v1.0.0.mod": false,
	} {
		_, err := os.Stat(filepath.Join(root, name))
		if got := err == nil; got != want {
			t.Errorf("%s exists: %v, want %v", name, got, want)
		}
	}
}

// modProxy writes a file:// module proxy with one module and returns its
// URL and the go.sum lines for it.
func modProxy(t *testing.T, mod module.Version, files map[string]string) (string, string) {
	t.Helper()
	src, proxy := t.TempDir(), t.TempDir()
	writeFiles(t, src, files)
	dir := filepath.Join(proxy, mod.Path, "@v")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	zipFile := filepath.Join(dir, mod.Version+".zip")
	f, err := os.Create(zipFile)
	if err != nil {
		t.Fatal(err)
	}
	if err := modzip.CreateFromDir(f, mod, src); err != nil {
		t.Fatal(err)
	}
	f.Close()
	writeFiles(t, dir, map[string]string{
		mod.Version + ".mod":  files["go.mod"],
		mod.Version + ".info": `{"Version":"` + mod.Version + `"}`,
		"list":                mod.Version + "\n",
	})
	h1, err := dirhash.HashZip(zipFile, dirhash.Hash1)
	if err != nil {
		t.Fatal(err)
	}
	modHash, err := dirhash.Hash1([]string{"go.mod"}, func(string) (io.ReadCloser, error) {
		return io.NopCloser(strings.NewReader(files["go.mod"])), nil
	})
	if err != nil {
		t.Fatal(err)
	}
	sum := mod.Path + " " + mod.Version + " " + h1 + "\n" + mod.Path + " " + mod.Version + "/go.mod " + modHash + "\n"
	return "file://" + proxy, sum
}

// TestLayersRoundTrip runs the three steps as the build does, with the
// real go command and a local module proxy: the module layer holds the
// public module only, the dependency layer its compiled package, and a go
// build on empty cache mounts seeded from both compiles the main package
// alone.
func TestLayersRoundTrip(t *testing.T) {
	if _, err := exec.LookPath("go"); err != nil {
		t.Fatal("the go command is needed:", err)
	}
	pub := module.Version{Path: "example.com/public", Version: "v1.0.0"}
	priv := module.Version{Path: "example.com/private", Version: "v1.0.0"}
	pubURL, pubSum := modProxy(t, pub, map[string]string{
		"go.mod": "module example.com/public\n\ngo 1.21\n",
		"p.go":   "package public\n\nfunc Hello() string { return \"public\" }\n",
	})
	privURL, privSum := modProxy(t, priv, map[string]string{
		"go.mod":    "module example.com/private\n\ngo 1.21\n",
		"secret.go": "package private\n\nconst Password = \"hunter2-in-source\"\n",
	})
	app := t.TempDir()
	writeFiles(t, app, map[string]string{
		"go.mod": "module example.com/app\n\ngo 1.21\n\nrequire (\n\texample.com/public v1.0.0\n\texample.com/private v1.0.0\n)\n",
		"go.sum": pubSum + privSum,
		"main.go": "package main\n\nimport (\n\t\"fmt\"\n\t\"example.com/public\"\n\t\"example.com/private\"\n)\n\n" +
			"func main() { fmt.Println(public.Hello(), len(private.Password)) }\n",
	})
	// The two modules come from two proxies: the test's stand-in for a
	// public proxy and a private server.
	proxyRoot := t.TempDir()
	for _, u := range []string{pubURL, privURL} {
		if err := os.CopyFS(proxyRoot, os.DirFS(strings.TrimPrefix(u, "file://"))); err != nil {
			t.Fatal(err)
		}
	}
	tmp := t.TempDir()
	modMount, modLayer := filepath.Join(tmp, "modmount"), filepath.Join(tmp, "modlayer")
	t.Setenv("GOPROXY", "file://"+proxyRoot)
	t.Setenv("GOPRIVATE", "example.com/private")
	t.Setenv("GONOPROXY", "none")
	t.Setenv("GONOSUMDB", "*")
	t.Setenv("GOFLAGS", "-modcacherw")
	t.Setenv("GOTOOLCHAIN", "local")
	t.Setenv("GOCACHE", filepath.Join(tmp, "unused-gocache"))
	t.Setenv("CGO_ENABLED", "0")
	if err := os.MkdirAll(modLayer, 0o755); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	err := ExportModules(ModulesConfig{Dir: app, ModCache: modMount, Out: modLayer,
		Private: []string{"example.com/private"}, Stdout: &out, Stderr: &out})
	if err != nil {
		t.Fatalf("ExportModules: %v\n%s", err, out.String())
	}
	if _, err := os.Stat(filepath.Join(modLayer, "example.com/public@v1.0.0/p.go")); err != nil {
		t.Errorf("the public module is not in the layer: %v", err)
	}
	// Nothing of the private module in the layer: no path, no byte.
	err = filepath.WalkDir(modLayer, func(p string, d os.DirEntry, err error) error {
		if strings.Contains(p, "private") {
			t.Errorf("private module file in the layer: %s", p)
		}
		if err == nil && d.Type().IsRegular() {
			if b, _ := os.ReadFile(p); bytes.Contains(b, []byte("hunter2")) {
				t.Errorf("private source in the layer: %s", p)
			}
		}
		if strings.HasSuffix(p, ".zip") {
			t.Errorf("zip in the layer: %s", p)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}

	// The dependency layer, with only the layer as module cache.
	depsLayer := filepath.Join(tmp, "depslayer")
	if err := os.MkdirAll(depsLayer, 0o755); err != nil {
		t.Fatal(err)
	}
	modsOnly := filepath.Join(tmp, "modsonly")
	if err := os.CopyFS(modsOnly, os.DirFS(modLayer)); err != nil {
		t.Fatal(err)
	}
	t.Setenv("GOMODCACHE", modsOnly)
	out.Reset()
	n := CompileDeps(DepsConfig{Dir: app, Out: depsLayer, Flags: []string{"-trimpath"},
		Packages: []string{"example.com/private", "example.com/public", "fmt"}, Stdout: &out, Stderr: &out})
	if n != 2 {
		t.Errorf("CompileDeps compiled %d packages, want 2 (the private one is not in the layer)\n%s", n, out.String())
	}

	// The same step on a long-lived builder whose GOCACHE holds those
	// packages already (here: the first layer): the cache program copies
	// them instead of compiling them.
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	depsLayer2 := filepath.Join(tmp, "depslayer2")
	if err := os.MkdirAll(depsLayer2, 0o755); err != nil {
		t.Fatal(err)
	}
	out.Reset()
	prog := strings.Join([]string{self, "cacheprog", "-mount", depsLayer, "-out", depsLayer2}, " ")
	if n := CompileDeps(DepsConfig{Dir: app, Out: depsLayer2, Flags: []string{"-trimpath"}, CacheProg: prog,
		Packages: []string{"example.com/private", "example.com/public", "fmt"}, Stdout: &out, Stderr: &out}); n != 2 {
		t.Errorf("CompileDeps with the cache program compiled %d packages, want 2\n%s", n, out.String())
	}
	if !strings.Contains(out.String(), "go-app: 0 packages compiled, ") || strings.Contains(out.String(), ", 0 taken from") {
		t.Errorf("the cache program compiled something, or took nothing from the mount:\n%s", out.String())
	}
	_, size2, err := treeSize(depsLayer2)
	if err != nil {
		t.Fatal(err)
	}
	_, size1, err := treeSize(depsLayer)
	if err != nil {
		t.Fatal(err)
	}
	if size2 < size1/2 {
		t.Errorf("the layer written through the cache program holds %d bytes, the compiled one %d", size2, size1)
	}

	// What the cache program compiles goes into the mount too: a builder
	// with an empty GOCACHE mount compiles the public package once, and the
	// next dependency step (the next go.mod) takes it from the mount.
	mount := filepath.Join(tmp, "gocachemount")
	for i, want := range []string{"go-app: 1 packages compiled, 0 taken from", "go-app: 0 packages compiled, 1 taken from"} {
		layer := filepath.Join(tmp, fmt.Sprintf("depslayer-mount-%d", i))
		for _, d := range []string{layer, mount} {
			if err := os.MkdirAll(d, 0o755); err != nil {
				t.Fatal(err)
			}
		}
		out.Reset()
		prog := strings.Join([]string{self, "cacheprog", "-mount", mount, "-out", layer}, " ")
		if n := CompileDeps(DepsConfig{Dir: app, Out: layer, Flags: []string{"-trimpath"}, CacheProg: prog,
			Packages: []string{"example.com/public"}, Stdout: &out, Stderr: &out}); n != 1 {
			t.Errorf("dependency step %d compiled %d packages, want 1\n%s", i+1, n, out.String())
		}
		if !strings.Contains(out.String(), want) {
			t.Errorf("dependency step %d with the GOCACHE mount: want %q in\n%s", i+1, want, out.String())
		}
	}

	// A new builder: an empty GOMODCACHE mount seeded from the module
	// layer (private modules are kept out of it), and GOCACHE a writable
	// view of the second dependency layer (a copy here), to show it is
	// complete.
	depsLayer = depsLayer2
	gomod, gocache := filepath.Join(tmp, "newmod"), filepath.Join(tmp, "newcache")
	if _, err := Seed(modLayer, gomod); err != nil {
		t.Fatal(err)
	}
	if err := os.CopyFS(gocache, os.DirFS(depsLayer)); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("go", "build", "-v", "-trimpath", "-o", filepath.Join(tmp, "app"), ".")
	cmd.Dir = app
	cmd.Env = goEnv("GOMODCACHE="+gomod, "GOCACHE="+gocache)
	got, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("go build: %v\n%s", err, got)
	}
	// -v names what was compiled: the private module (downloaded again,
	// from its server) and the main package, not fmt or the public module.
	var compiled []string
	for _, l := range strings.Split(strings.TrimSpace(string(got)), "\n") {
		if !strings.HasPrefix(l, "go: downloading ") {
			compiled = append(compiled, l)
		}
	}
	for _, c := range compiled {
		if c != "example.com/app" && c != "example.com/private" {
			t.Errorf("go build compiled %s again; compiled: %q", c, compiled)
		}
	}
	if len(compiled) == 0 {
		t.Error("go build -v listed nothing: the main package was not compiled")
	}
}

// treeState lists every file under root with its size and mtime.
func treeState(t *testing.T, root string) map[string]string {
	t.Helper()
	st := map[string]string{}
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		fi, err := d.Info()
		if err != nil {
			return err
		}
		st[p] = fmt.Sprintf("%v %v %d", fi.Mode(), fi.ModTime(), fi.Size())
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return st
}

// TestGoBuildOnModuleLayerInPlace is the go build step of a new builder:
// the module layer is GOMODCACHE itself and the GOCACHE mount is a writable
// view of the dependency layer (BuildKit's cache mount based on it; a copy
// here); go build compiles the main package alone and
// writes nothing to either layer, with the network off.
func TestGoBuildOnModuleLayerInPlace(t *testing.T) {
	if _, err := exec.LookPath("go"); err != nil {
		t.Fatal("the go command is needed:", err)
	}
	pub := module.Version{Path: "example.com/public", Version: "v1.0.0"}
	proxy, sum := modProxy(t, pub, map[string]string{
		"go.mod": "module example.com/public\n\ngo 1.21\n",
		"p.go":   "package public\n\nimport \"strconv\"\n\nfunc Hello() string { return strconv.Itoa(42) }\n",
	})
	app := t.TempDir()
	writeFiles(t, app, map[string]string{
		"go.mod":  "module example.com/app\n\ngo 1.21\n\nrequire example.com/public v1.0.0\n",
		"go.sum":  sum,
		"main.go": "package main\n\nimport \"example.com/public\"\n\nfunc main() { println(public.Hello()) }\n",
	})
	tmp := t.TempDir()
	modLayer, depsLayer, mount := filepath.Join(tmp, "modlayer"), filepath.Join(tmp, "depslayer"), filepath.Join(tmp, "gocache")
	for _, d := range []string{modLayer, depsLayer, mount} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	t.Setenv("GOPROXY", proxy)
	t.Setenv("GONOSUMDB", "*")
	t.Setenv("GOFLAGS", "")
	t.Setenv("GOTOOLCHAIN", "local")
	t.Setenv("GOCACHE", filepath.Join(tmp, "unused-gocache"))
	t.Setenv("CGO_ENABLED", "0")
	var out bytes.Buffer
	if err := ExportModules(ModulesConfig{Dir: app, ModCache: filepath.Join(tmp, "modmount"), Out: modLayer, Stdout: &out, Stderr: &out}); err != nil {
		t.Fatalf("ExportModules: %v\n%s", err, out.String())
	}
	t.Setenv("GOMODCACHE", modLayer)
	if n := CompileDeps(DepsConfig{Dir: app, Out: depsLayer, Flags: []string{"-trimpath"},
		Packages: []string{"example.com/public"}, Stdout: &out, Stderr: &out}); n != 1 {
		t.Fatalf("CompileDeps compiled %d packages, want 1\n%s", n, out.String())
	}
	before := treeState(t, tmp)

	// The GOCACHE mount based on the dependency layer: a writable view of
	// it (a copy here).
	if err := os.RemoveAll(mount); err != nil {
		t.Fatal(err)
	}
	if err := os.CopyFS(mount, os.DirFS(depsLayer)); err != nil {
		t.Fatal(err)
	}
	build := func(change string) string {
		t.Helper()
		writeFiles(t, app, map[string]string{"change.go": "package main\n\nvar change = " + change + "\n"})
		cmd := exec.Command("go", "build", "-v", "-trimpath", "-o", filepath.Join(tmp, "app"), ".")
		cmd.Dir = app
		cmd.Env = goEnv("GOCACHE="+mount, "GOPROXY=off", "GOFLAGS=-mod=readonly")
		got, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("go build: %v\n%s", err, got)
		}
		return string(got)
	}
	got := build("1")
	var compiled []string
	for _, l := range strings.Split(strings.TrimSpace(got), "\n") {
		if l != "" {
			compiled = append(compiled, l)
		}
	}
	if len(compiled) != 1 || compiled[0] != "example.com/app" {
		t.Errorf("go build compiled %q, want the main package alone\n%s", compiled, got)
	}
	after := treeState(t, tmp)
	for p, s := range before {
		if (strings.HasPrefix(p, modLayer) || strings.HasPrefix(p, depsLayer)) && after[p] != s {
			t.Errorf("go build changed %s (%s, was %s)", p, after[p], s)
		}
	}
	for p := range after {
		if _, ok := before[p]; !ok && (strings.HasPrefix(p, modLayer) || strings.HasPrefix(p, depsLayer)) {
			t.Errorf("go build wrote %s into a layer", p)
		}
	}
	// A one-line change on the same builder: the main package again.
	if got := build("2"); !strings.Contains(got, "example.com/app") {
		t.Errorf("second build:\n%s", got)
	}
}

// TestProgReader reads the stream the go command writes (cmd/go's
// ProgCache.writeToChild): a JSON request, a blank line, then for a put
// the body as a JSON string of base64; and rejects bodies that are not.
func TestProgReader(t *testing.T) {
	bodies := [][]byte{[]byte("x"), []byte("two"), bytes.Repeat([]byte{0, 0xff, '"', '\\'}, 1000)}
	var stream bytes.Buffer
	for i, b := range bodies {
		fmt.Fprintf(&stream, "{\"ID\":%d,\"Command\":\"put\",\"BodySize\":%d}\n\n\"%s\"\n", i+1, len(b), base64.StdEncoding.EncodeToString(b))
	}
	stream.WriteString("{\"ID\":9,\"Command\":\"close\"}\n\n")
	p := &progReader{r: bufio.NewReader(&stream)}
	for i, want := range bodies {
		var req progRequest
		if err := p.request(&req); err != nil || req.ID != int64(i+1) || req.Command != "put" {
			t.Fatalf("request %d = %+v, %v", i+1, req, err)
		}
		got, err := p.body(req.BodySize)
		if err != nil || !bytes.Equal(got, want) {
			t.Fatalf("body %d = %d bytes, %v; want %d bytes", i+1, len(got), err, len(want))
		}
	}
	var req progRequest
	if err := p.request(&req); err != nil || req.Command != "close" {
		t.Fatalf("last request = %+v, %v", req, err)
	}
	if err := p.request(&req); err != io.EOF {
		t.Errorf("after the last request: %v, want io.EOF", err)
	}
	for name, bad := range map[string]string{
		"not a string":   `123`,
		"too short":      `"eA="`,
		"escaped":        `"\u0041AAA"`,
		"unterminated":   `"AAAA`,
		"not base64":     `"!!!!"`,
		"no closing end": `"AAAAAAAA"`,
	} {
		p := &progReader{r: bufio.NewReader(strings.NewReader(bad))}
		if got, err := p.body(3); err == nil {
			t.Errorf("%s: body %q read as %q", name, bad, got)
		}
	}
}

// The cache program writes as the go command does: in place, cut to
// length, so that a file written over a longer or a half-written one ends
// up right; and a get never answers with an output of the wrong size.
func TestCacheFileWrites(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "ab", "abcd-d")
	for _, data := range []string{"a longer first version", "short", ""} {
		if err := writeCacheFile(p, []byte(data)); err != nil {
			t.Fatal(err)
		}
		if got, err := os.ReadFile(p); err != nil || string(got) != data {
			t.Fatalf("after writing %q: %q, %v", data, got, err)
		}
	}

	mount, out := filepath.Join(dir, "mount"), filepath.Join(dir, "out")
	id, output, body := bytes.Repeat([]byte{1}, 32), bytes.Repeat([]byte{2}, 32), []byte("compiled package")
	if _, err := progPut(mount, id, output, body); err != nil {
		t.Fatal(err)
	}
	// An earlier copy into out stopped half way (no action entry in out).
	if err := writeCacheFile(diskName(out, output, "d"), body[:4]); err != nil {
		t.Fatal(err)
	}
	e, path, from, err := progGet(mount, out, id)
	if err != nil || path == "" || from != mount || e.size != int64(len(body)) {
		t.Fatalf("get from the mount: %+v %q %q %v", e, path, from, err)
	}
	if got, err := os.ReadFile(path); err != nil || !bytes.Equal(got, body) {
		t.Fatalf("output copied into out: %q, %v; want %q", got, err, body)
	}
	if _, path, from, err = progGet(mount, out, id); err != nil || from != out || path != diskName(out, output, "d") {
		t.Fatalf("second get: %q %q %v, want it from out", path, from, err)
	}

	// An output shorter than its entry says is a miss, never a wrong answer.
	if err := writeCacheFile(diskName(mount, output, "d"), body[:4]); err != nil {
		t.Fatal(err)
	}
	if _, path, _, err := progGet(mount, filepath.Join(dir, "out2"), id); err != nil || path != "" {
		t.Fatalf("get of a truncated output: %q, %v; want a miss", path, err)
	}
}
