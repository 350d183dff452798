package stack

import (
	"reflect"
	"strings"
	"testing"
)

// A trimmed `docker buildx build --progress=plain` output of a two-platform
// go-app build, with the interleaving BuildKit's plain printer produces.
const sampleProgress = `#0 building with "go-app" instance using remote driver

#1 [internal] load build definition from go-app.yaml
#1 transferring dockerfile: 112B done
#1 DONE 0.0s

#2 resolve image config for docker-image://localhost:5000/go-app:dev
#2 DONE 0.1s

#3 docker-image://localhost:5000/go-app:dev
#3 CACHED

#4 [internal] load go.mod and go.sum
#4 transferring context: 95B done
#4 DONE 0.0s

#5 go mod download
#5 0.211 go: downloading github.com/google/uuid v1.6.0
#5 DONE 1.8s

#6 [linux/amd64] go build ./cmd/hello
#6 ...

#7 [linux/arm64] go build ./cmd/hello
#7 CACHED

#6 [linux/amd64] go build ./cmd/hello
#6 4.021 built
#6 DONE 4.1s

#8 exporting to oci image format
#8 exporting layers 0.2s done
#8 ERROR: failed to export: boom
------
 > go-app.yaml:3
--------------------
`

func TestParseProgress(t *testing.T) {
	steps := ParseProgress(sampleProgress)
	var names []string
	for _, s := range steps {
		names = append(names, s.Name)
	}
	want := []string{
		`building with "go-app" instance using remote driver`,
		"[internal] load build definition from go-app.yaml",
		"resolve image config for docker-image://localhost:5000/go-app:dev",
		"docker-image://localhost:5000/go-app:dev",
		"[internal] load go.mod and go.sum",
		"go mod download",
		"[linux/amd64] go build ./cmd/hello",
		"[linux/arm64] go build ./cmd/hello",
		"exporting to oci image format",
	}
	if !reflect.DeepEqual(names, want) {
		t.Fatalf("names:\n%s\nwant:\n%s", strings.Join(names, "\n"), strings.Join(want, "\n"))
	}

	dl := Find(steps, "go mod download")
	if len(dl) != 1 || dl[0].Cached || !dl[0].Done || !dl[0].Ran() || dl[0].N != 5 {
		t.Errorf("download step %+v", dl)
	}
	if len(dl) == 1 && (len(dl[0].Lines) != 1 || !strings.Contains(dl[0].Lines[0], "go: downloading")) {
		t.Errorf("download lines %q", dl[0].Lines)
	}
	amd := Find(steps, "[linux/amd64] go build")
	if len(amd) != 1 || amd[0].Cached || !amd[0].Done {
		t.Errorf("amd64 build step %+v", amd)
	}
	arm := Find(steps, "[linux/arm64] go build")
	if len(arm) != 1 || !arm[0].Cached || arm[0].Ran() {
		t.Errorf("arm64 build step %+v", arm)
	}
	if builds := Find(steps, "go build"); len(builds) != 2 {
		t.Errorf("%d go build steps", len(builds))
	}
	exp := Find(steps, "exporting")
	if len(exp) != 1 || exp[0].Error != "failed to export: boom" {
		t.Errorf("export step %+v", exp)
	}
	if got := Names(steps)[7]; got != "#7 [linux/arm64] go build ./cmd/hello (cached)" {
		t.Errorf("Names()[7] = %q", got)
	}
}

func TestParseProgressStatusBeforeName(t *testing.T) {
	steps := ParseProgress("#3 CACHED\n#3 later name\n")
	if len(steps) != 1 || !steps[0].Cached || steps[0].Name != "later name" {
		t.Fatalf("steps %+v", steps[0])
	}
}

func TestBuildxArgs(t *testing.T) {
	e := Env{BuildkitHost: "unix:///x.sock", FrontendImage: "localhost:5000/go-app:dev", Builder: "b"}
	got := e.BuildxArgs(Build{
		Context:   "/src/hello",
		Platforms: []string{"linux/amd64", "linux/arm64"},
		Output:    OCIOutput("/out/hello"),
		BuildArgs: map[string]string{"VERSION": "1.2.3"},
		Labels:    map[string]string{"foo": "bar"},
	})
	want := []string{"buildx", "build", "--builder", "b", "--progress=plain", "-f", "/src/hello/go-app.yaml",
		"--platform", "linux/amd64,linux/arm64", "--build-arg", "BUILDKIT_SYNTAX=localhost:5000/go-app:dev",
		"--build-arg", "VERSION=1.2.3", "--label", "foo=bar",
		"--output", "type=oci,dest=/out/hello,tar=false", "/src/hello"}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("args\n%q\nwant\n%q", got, want)
	}

	got = e.BuildxArgs(Build{Context: "ctx", OwnSyntax: true})
	want = []string{"buildx", "build", "--builder", "b", "--progress=plain", "-f", "ctx/go-app.yaml", "--output", "type=cacheonly", "ctx"}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("own-syntax args\n%q\nwant\n%q", got, want)
	}
}

func TestRequired(t *testing.T) {
	for _, tc := range []struct {
		ci, e2e string
		want    bool
	}{
		{"", "", false},
		{"true", "", true},
		{"", "1", true},
		{"false", "0", false},
	} {
		t.Setenv("CI", tc.ci)
		t.Setenv("GOAPP_E2E", tc.e2e)
		if got := Required(); got != tc.want {
			t.Errorf("CI=%q GOAPP_E2E=%q: Required() = %v", tc.ci, tc.e2e, got)
		}
	}
}

func TestFromEnvironDefaults(t *testing.T) {
	t.Setenv("BUILDKIT_HOST", "")
	t.Setenv("GOAPP_FRONTEND_IMAGE", "")
	t.Setenv("GOAPP_BUILDX_BUILDER", "custom")
	e := FromEnviron()
	if e.BuildkitHost != "" || e.FrontendImage != DefaultFrontendImage || e.Builder != "custom" {
		t.Fatalf("env %+v", e)
	}
	if err := e.CheckBuild(t.Context()); err == nil || !strings.Contains(err.Error(), "BUILDKIT_HOST") {
		t.Fatalf("CheckBuild without BUILDKIT_HOST: %v", err)
	}
}

func TestTail(t *testing.T) {
	if got := Tail("a\nb\nc\n", 2); got != "[... 1 lines ...]\nb\nc\n" {
		t.Errorf("Tail = %q", got)
	}
	if got := Tail("a\n", 5); got != "a\n" {
		t.Errorf("Tail short = %q", got)
	}
}
