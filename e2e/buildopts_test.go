package e2e

import (
	"bytes"
	"debug/buildinfo"
	"errors"
	"io"
	"runtime"
	"runtime/pprof"
	"strings"
	"testing"
	"time"

	"github.com/goappfrontend/go-app/internal/filecap"
	"github.com/goappfrontend/go-app/internal/ocirun"
	"github.com/goappfrontend/go-app/internal/stack"
)

// optsMain is the program of the build options fixture: "fips" prints
// whether crypto/fips140 is enabled; otherwise it binds 127.0.0.1:80 and
// says whether it could.
const optsMain = `package main

import (
	"crypto/fips140"
	"fmt"
	"net"
	"os"

	"github.com/google/uuid"
)

func main() {
	if len(os.Args) > 1 && os.Args[1] == "fips" {
		fmt.Println("fips140", fips140.Enabled(), uuid.NewSHA1(uuid.NameSpaceURL, []byte("x")))
		return
	}
	l, err := net.Listen("tcp", "127.0.0.1:80")
	if err != nil {
		fmt.Println("bind:", err)
		os.Exit(1)
	}
	l.Close()
	fmt.Println("bound 127.0.0.1:80 as", os.Getuid())
}
`

// cpuProfile returns a CPU profile of this process: a valid default.pgo,
// different on every run.
func cpuProfile(t *testing.T) string {
	t.Helper()
	var buf bytes.Buffer
	if err := pprof.StartCPUProfile(&buf); err != nil {
		t.Fatal(err)
	}
	for end := time.Now().Add(300 * time.Millisecond); time.Now().Before(end); {
		_ = strings.Repeat("x", 100)
	}
	pprof.StopCPUProfile()
	return buf.String()
}

// optsModule is a module with two binaries of the same program, server (the
// entrypoint, with a default.pgo and cap_net_bind_service) and nocap, in
// FIPS 140-3 mode.
func optsModule(t *testing.T) map[string]string {
	// A new main package every run, so that go build compiles it whatever
	// the builder's cache mount holds: its -v output then lists it.
	unique := "\nconst nonce = \"" + nonce() + "\"\n"
	return map[string]string{
		"go.mod":                 "module example.com/opts\n\ngo 1.26\n\nrequire github.com/google/uuid v1.6.0\n",
		"go.sum":                 "github.com/google/uuid v1.6.0 h1:NIvaJDMOsjHA8n1jAhLSgzrAzy1Hgr+hNrb57e+94F0=\ngithub.com/google/uuid v1.6.0/go.mod h1:TIyPZe4MgqvfeYDBFedMoGGpEw/LqOeaOT+nhxU+yHo=\n",
		"cmd/server/main.go":     optsMain + unique,
		"cmd/server/default.pgo": cpuProfile(t),
		"cmd/nocap/main.go":      optsMain + unique,
		"go-app.yaml": "# syntax=goappfrontend/go-app:1\nbinaries:\n  - main: ./cmd/server\n  - main: ./cmd/nocap\n" +
			"build:\n  env:\n    GOFIPS140: latest\nruntime:\n  capabilities: [cap_net_bind_service]\n",
	}
}

// TestBuildOptions builds the fixture for amd64 and arm64 and checks FIPS
// 140-3 mode (build info, crypto/fips140.Enabled), PGO (build info, the
// dependency layer with the profile, --call outline) and the file
// capability (the layer's xattr; binding port 80 as 65532 where the
// binary runs natively, which the same binary without it cannot).
func TestBuildOptions(t *testing.T) {
	needStack(t)
	dir := tmpDir(t, "opts-")
	writeTree(t, dir, optsModule(t))
	out := tmpDir(t, "oci-opts-")
	ctx, cancel := ctxFor(t, 25*time.Minute)
	defer cancel()
	progress, err := env.Buildx(ctx, stack.Build{Context: dir, Platforms: bothPlatforms, Output: stack.OCIOutput(out)})
	if err != nil {
		t.Fatalf("%v\n%s", err, stack.Tail(progress, 100))
	}
	imgs, err := openImages(out)
	if err != nil {
		t.Fatal(err)
	}
	checkPlatforms(t, imgs, bothPlatforms)
	steps := stack.ParseProgress(progress)
	for _, img := range imgs {
		arch := img.Platform.Architecture
		t.Run(arch, func(t *testing.T) {
			checkBuildInfo(t, img)
			checkPGOSteps(t, steps, "linux/"+arch)
			checkCapabilityXattr(t, img)
			res := runImage(t, img, ocirun.RunConfig{Args: []string{"fips"}})
			if res.ExitCode != 0 || !strings.HasPrefix(res.Stdout, "fips140 true ") {
				t.Errorf("fips run: exit %d, output %q, want \"fips140 true ...\"\n%s", res.ExitCode, res.Stdout, res.Stderr)
			}
			if arch != runtime.GOARCH {
				return // under QEMU (binfmt without the C flag) file capabilities do not apply
			}
			res = runImage(t, img, ocirun.RunConfig{})
			if res.ExitCode != 0 || res.Stdout != "bound 127.0.0.1:80 as 65532\n" {
				t.Errorf("server: exit %d, output %q, want it to bind port 80 as 65532\n%s", res.ExitCode, res.Stdout, res.Stderr)
			}
			res = runImage(t, img, ocirun.RunConfig{Entrypoint: []string{"/usr/local/bin/nocap"}})
			if res.ExitCode == 0 || !strings.Contains(res.Stdout, "permission denied") {
				t.Errorf("nocap: exit %d, output %q, want it refused port 80 (so the capability is what lets server bind)", res.ExitCode, res.Stdout)
			}
		})
	}

	t.Run("outline", func(t *testing.T) {
		out, err := call(t, dir, "outline")
		if err != nil {
			t.Fatalf("%v\n%s", err, out)
		}
		if w := "PGO: ./cmd/server uses cmd/server/default.pgo; no default.pgo in ./cmd/nocap"; !strings.Contains(out, w) {
			t.Errorf("--call outline lacks %q:\n%s", w, out)
		}
	})
}

// checkBuildInfo checks the build info of both binaries: GOFIPS140 in
// both, -pgo=default.pgo in server only.
func checkBuildInfo(t *testing.T, img *ocirun.Image) {
	t.Helper()
	for name, pgo := range map[string]string{"server": "default.pgo", "nocap": ""} {
		data, err := img.ReadFile("/usr/local/bin/" + name)
		if err != nil {
			t.Fatal(err)
		}
		info, err := buildinfo.Read(bytes.NewReader(data))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		got := map[string]string{}
		for _, s := range info.Settings {
			got[s.Key] = s.Value
		}
		if got["GOFIPS140"] != "latest" {
			t.Errorf("%s build info: GOFIPS140 = %q, want latest\n%s", name, got["GOFIPS140"], info)
		}
		if got["-pgo"] != pgo {
			t.Errorf("%s build info: -pgo = %q, want %q\n%s", name, got["-pgo"], pgo, info)
		}
	}
}

// checkPGOSteps checks that each go build step ran on a dependency layer
// that held its dependency, compiled with or without the profile: go build
// -v then lists the main package but not github.com/google/uuid.
func checkPGOSteps(t *testing.T, steps []*stack.Step, plat string) {
	t.Helper()
	var plain, pgo int
	prefix := "[" + plat + "] go build dependencies ("
	for _, s := range steps {
		switch {
		case !strings.HasPrefix(s.Name, prefix):
		case strings.HasSuffix(s.Name, " imports) with cmd/server/default.pgo"):
			pgo++
		case strings.HasSuffix(s.Name, " imports)"):
			plain++
		}
	}
	if plain != 1 || pgo != 1 {
		t.Errorf("%d dependency steps without a profile and %d with cmd/server/default.pgo, want one each; steps:\n%s", plain, pgo, strings.Join(stack.Names(steps), "\n"))
	}
	for _, bin := range []string{"server", "nocap"} {
		found := stack.Find(steps, "["+plat+"] go build ./cmd/"+bin)
		if len(found) != 1 || found[0].Cached {
			t.Errorf("go build ./cmd/%s: %d steps, want one that ran", bin, len(found))
			continue
		}
		log := strings.Join(found[0].Lines, "\n")
		if !strings.Contains(log, "example.com/opts/cmd/"+bin) || strings.Contains(log, "github.com/google/uuid") {
			t.Errorf("go build ./cmd/%s compiled (go build -v):\n%s\nwant the main package only: the dependency layer should hold uuid", bin, log)
		}
	}
}

// checkCapabilityXattr checks that the layer's tar gives server, and only
// server, the security.capability attribute of cap_net_bind_service.
func checkCapabilityXattr(t *testing.T, img *ocirun.Image) {
	t.Helper()
	want, _ := filecap.Encode([]string{"cap_net_bind_service"})
	got := map[string]string{}
	for i := range img.Manifest.Layers {
		tr, c, err := img.Layer(i)
		if err != nil {
			t.Fatal(err)
		}
		for {
			hdr, err := tr.Next()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				c.Close()
				t.Fatal(err)
			}
			if v, ok := hdr.PAXRecords["SCHILY.xattr."+filecap.Xattr]; ok {
				got[strings.TrimPrefix(hdr.Name, "/")] = v
			}
		}
		c.Close()
	}
	if len(got) != 1 || got["usr/local/bin/server"] != string(want) {
		t.Errorf("security.capability in the layers: %q, want only usr/local/bin/server with % x", got, want)
	}
}

// TestFIPSNeedsNewerGo checks the error for FIPS 140-3 mode on a Go that
// does not know it: before anything is built, at the GOFIPS140 line.
func TestFIPSNeedsNewerGo(t *testing.T) {
	needStack(t)
	dir := tmpDir(t, "fips-old-")
	writeTree(t, dir, map[string]string{
		"go.mod":      "module example.com/app\n\ngo 1.26\n",
		"main.go":     "package main\n\nfunc main() {}\n",
		"go-app.yaml": "# syntax=goappfrontend/go-app:1\nmain: .\ngo:\n  version: \"1.23\"\nbuild:\n  env:\n    GOFIPS140: latest\n",
	})
	out := buildFails(t, 5*time.Minute, stack.Build{Context: dir, Platforms: []string{"linux/amd64"}},
		`go-app.yaml:7:16: build.env.GOFIPS140 needs Go 1.24 or later`, `but go.version is "1.23"; set go.version: "1.24" or later`)
	if found := stack.Find(stack.ParseProgress(out), "go build"); len(found) > 0 {
		t.Errorf("the build ran %q before failing", found[0].Name)
	}
}
