package e2e

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"reflect"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/containerd/platforms"
	"github.com/goappfrontend/go-app/internal/ocirun"
	"github.com/goappfrontend/go-app/internal/stack"
)

func TestHello(t *testing.T) {
	needStack(t)
	ex := examples["hello"]
	b := buildExample(t, "hello")
	checkPlatforms(t, b.images, bothPlatforms)

	t.Run("progress", func(t *testing.T) {
		steps := stack.ParseProgress(b.progress)
		for _, p := range bothPlatforms {
			name := "[" + p + "] go build ./cmd/hello"
			if len(stack.Find(steps, name)) == 0 {
				t.Errorf("no step named like %q; steps:\n%s", name, strings.Join(stack.Names(steps), "\n"))
			}
		}
		if dl := stack.Find(steps, "go mod download"); len(dl) != 1 {
			t.Errorf("%d `go mod download` steps in a two-platform build, want 1 (on the build platform); steps:\n%s",
				len(dl), strings.Join(stack.Names(steps), "\n"))
		}
	})

	for _, img := range b.images {
		arch := img.Platform.Architecture
		t.Run(arch, func(t *testing.T) {
			checkImage(t, ex, img)

			t.Run("serve", func(t *testing.T) {
				code, body, c := serveImage(t, img, ocirun.RunConfig{}, "127.0.0.1:8080", "/")
				want := fmt.Sprintf("hello from go-app on linux/%s\n", arch)
				if code != 200 || body != want {
					t.Errorf("GET / = %d %q, want 200 %q\n%s", code, body, want, c.Output())
				}
				code, body, _ = serveImageGet(t, c, "http://127.0.0.1:8080/healthz")
				if code != 200 || body != "ok" {
					t.Errorf("GET /healthz = %d %q, want 200 \"ok\"", code, body)
				}
			})

			t.Run("selfcheck", func(t *testing.T) {
				res := runImage(t, img, ocirun.RunConfig{Args: []string{"selfcheck"}, Env: []string{"TZ=Asia/Shanghai"}})
				if res.ExitCode != 0 {
					t.Fatalf("selfcheck exit %d\n%s%s", res.ExitCode, res.Stdout, res.Stderr)
				}
				var got struct {
					UID         int    `json:"uid"`
					GID         int    `json:"gid"`
					GOOS        string `json:"goos"`
					GOARCH      string `json:"goarch"`
					TZ          string `json:"tz"`
					TZName      string `json:"tzname"`
					Shanghai    string `json:"shanghai"`
					Certs       int    `json:"certs"`
					TmpWritable bool   `json:"tmp_writable"`
					User        string `json:"user"`
				}
				if err := json.Unmarshal([]byte(res.Stdout), &got); err != nil {
					t.Fatalf("selfcheck output %q: %v", res.Stdout, err)
				}
				t.Logf("selfcheck on %s: %s", platforms.Format(img.Platform), strings.TrimSpace(res.Stdout))
				if got.UID != 65532 || got.GID != 65532 || got.User != "nonroot" {
					t.Errorf("runs as uid %d gid %d user %q, want 65532 65532 nonroot", got.UID, got.GID, got.User)
				}
				if got.GOOS != "linux" || got.GOARCH != arch {
					t.Errorf("runs as %s/%s, want linux/%s", got.GOOS, got.GOARCH, arch)
				}
				if got.TZ != "+08:00" || got.Shanghai != "+08:00" {
					t.Errorf("TZ=Asia/Shanghai gives offset %q (zone %q), Asia/Shanghai %q; want +08:00 for both (zoneinfo missing?)", got.TZ, got.TZName, got.Shanghai)
				}
				if got.Certs <= 100 {
					t.Errorf("%d system certificates, want more than 100", got.Certs)
				}
				if !got.TmpWritable {
					t.Error("cannot create a file in the temporary directory")
				}
			})
		})
	}
}

// serveImageGet GETs url from a running container.
func serveImageGet(t *testing.T, c *ocirun.Container, url string) (int, string, error) {
	t.Helper()
	ctx, cancel := ctxFor(t, 30*time.Second)
	defer cancel()
	code, body, err := ocirun.GetWhenUp(ctx, c, url, 20*time.Second)
	if err != nil {
		t.Errorf("GET %s: %v\n%s", url, err, c.Output())
	}
	return code, body, err
}

func TestDeps(t *testing.T) {
	needStack(t)
	ex := examples["deps"]
	b := buildExample(t, "deps")
	checkPlatforms(t, b.images, bothPlatforms)
	for _, img := range b.images {
		t.Run(img.Platform.Architecture, func(t *testing.T) {
			checkImage(t, ex, img)
			res := runImage(t, img, ocirun.RunConfig{})
			if res.ExitCode != 0 {
				t.Fatalf("exit %d\n%s%s", res.ExitCode, res.Stdout, res.Stderr)
			}
			// "deps VERSION UUID TITLE": the version from -X main.version,
			// the rest from the two dependencies.
			want := "deps 1.0.0 09554384-0143-56b0-af5c-55f865b81170 Built By Go-App\n"
			if res.Stdout != want {
				t.Errorf("output %q, want %q", res.Stdout, want)
			}
		})
	}
}

func TestMulti(t *testing.T) {
	needStack(t)
	ex := examples["multi"]
	b := buildExample(t, "multi")
	checkPlatforms(t, b.images, bothPlatforms)
	for _, img := range b.images {
		arch := img.Platform.Architecture
		t.Run(arch, func(t *testing.T) {
			checkImage(t, ex, img)
			t.Run("api", func(t *testing.T) {
				code, body, c := serveImage(t, img, ocirun.RunConfig{}, "127.0.0.1:8081", "/")
				if code != 200 || body != "api\n" {
					t.Errorf("GET / = %d %q, want 200 \"api\\n\"\n%s", code, body, c.Output())
				}
			})
			t.Run("worker", func(t *testing.T) {
				res := runImage(t, img, ocirun.RunConfig{Entrypoint: []string{"/usr/local/bin/worker"}})
				if res.ExitCode != 0 || res.Stdout != "worker done\n" {
					t.Errorf("worker: exit %d, stdout %q, want 0 \"worker done\\n\"\n%s", res.ExitCode, res.Stdout, res.Stderr)
				}
				if !strings.Contains(res.Stderr, "hi from worker") {
					t.Errorf("worker did not see GREETING=hi from the image's env: stderr %q", res.Stderr)
				}
			})
		})
	}
}

// TestOwnSyntaxLine builds hello through the "# syntax=" line of its own
// go-app.yaml, with no BUILDKIT_SYNTAX override: the local registry mirrors
// docker.io, so the line resolves to the locally pushed frontend image.
func TestOwnSyntaxLine(t *testing.T) {
	needStack(t)
	out := tmpDir(t, "oci-own-syntax-")
	ctx, cancel := ctxFor(t, 25*time.Minute)
	defer cancel()
	progress, err := env.Buildx(ctx, stack.Build{
		Context:   exampleDir("hello"),
		Platforms: []string{"linux/amd64"},
		Output:    stack.OCIOutput(out),
		OwnSyntax: true,
	})
	if err != nil {
		t.Fatalf("%v\n%s", err, stack.Tail(progress, 150))
	}
	if !strings.Contains(progress, "goappfrontend/go-app:1") {
		t.Errorf("the progress does not mention the frontend of the syntax line, goappfrontend/go-app:1:\n%s", stack.Tail(progress, 60))
	}
	imgs, err := openImages(out)
	if err != nil {
		t.Fatal(err)
	}
	checkPlatforms(t, imgs, []string{"linux/amd64"})
	ex := examples["hello"]
	ex.labels = nil // built without VERSION and --label
	checkImage(t, ex, imgs[0])
}

func TestBake(t *testing.T) {
	needStack(t)
	dests := map[string]string{}
	var sets []string
	for _, name := range []string{"hello", "deps", "multi"} {
		dests[name] = tmpDir(t, "oci-bake-"+name+"-")
		sets = append(sets, name+".output="+stack.OCIOutput(dests[name]))
	}
	ctx, cancel := ctxFor(t, 30*time.Minute)
	defer cancel()
	out, err := env.Bake(ctx, filepath.Join(repoRoot, "examples"), "docker-bake.hcl", sets, []string{"FRONTEND=" + env.FrontendImage})
	if err != nil {
		t.Fatalf("%v\n%s", err, stack.Tail(out, 150))
	}
	for name, want := range map[string][]string{
		"hello": bothPlatforms,               // set in docker-bake.hcl
		"deps":  {"linux/" + runtime.GOARCH}, // the worker's platform (buildkitd runs here)
		"multi": bothPlatforms,               // platforms: in go-app.yaml
	} {
		t.Run(name, func(t *testing.T) {
			imgs, err := openImages(dests[name])
			if err != nil {
				t.Fatal(err)
			}
			checkPlatforms(t, imgs, want)
			for _, img := range imgs {
				wantEP := []string{"/usr/local/bin/" + examples[name].entrypoint}
				if !reflect.DeepEqual(img.Config.Config.Entrypoint, wantEP) {
					t.Errorf("%s: Entrypoint %q, want %q", platforms.Format(img.Platform), img.Config.Config.Entrypoint, wantEP)
				}
			}
		})
	}
}

// TestBuildctl builds hello for arm64 with buildctl and the frontend image
// as a gateway frontend, writing an OCI tar.
func TestBuildctl(t *testing.T) {
	needStack(t)
	tarFile := tmpDir(t, "oci-buildctl-") + "/hello-arm64.tar"
	ctx, cancel := ctxFor(t, 25*time.Minute)
	defer cancel()
	out, err := env.Buildctl(ctx, exampleDir("hello"), []string{"platform=linux/arm64"}, "type=oci,dest="+tarFile)
	if err != nil {
		t.Fatalf("%v\n%s", err, stack.Tail(out, 150))
	}
	imgs, err := openImages(tarFile)
	if err != nil {
		t.Fatal(err)
	}
	checkPlatforms(t, imgs, []string{"linux/arm64"})
	ex := examples["hello"]
	ex.labels = nil
	checkImage(t, ex, imgs[0])
}
