package e2e

import (
	"encoding/json"
	"os/exec"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/goappfrontend/go-app/internal/ocirun"
	"github.com/goappfrontend/go-app/internal/stack"
)

// stampMain prints the values -X sets; "unset" shows that one was not set.
const stampMain = `package main

import "fmt"

var version, commit, short, source, date = "unset", "unset", "unset", "unset", "unset"

func main() {
	fmt.Printf("version=%s commit=%s short=%s source=%s date=%s\n", version, commit, short, source, date)
}
`

const stampSpec = "# syntax=goappfrontend/go-app:1\nmain: .\nbuild:\n" +
	"  ldflags: -X main.version={{.Version}} -X main.commit={{.Commit}} -X main.short={{.ShortCommit}} -X main.source={{.Source}} -X main.date={{.Date}}\n"

// stampRemote is the git remote of the stamped module, which buildx sends
// as vcs:source.
const stampRemote = "https://example.com/acme/stamp.git"

// stampModule writes the module into a new git repository with one commit
// and returns its directory and the commit hash.
func stampModule(t *testing.T, spec string) (string, string) {
	t.Helper()
	dir := t.TempDir()
	writeTree(t, dir, map[string]string{
		"go.mod":      "module example.com/stamp\n\ngo 1.26\n",
		"go.sum":      "",
		"main.go":     stampMain,
		"go-app.yaml": spec,
	})
	git := func(args ...string) string {
		t.Helper()
		cmd := exec.Command("git", append([]string{"-c", "user.name=go-app e2e", "-c", "user.email=e2e@example.com",
			"-c", "commit.gpgsign=false", "-c", "init.defaultBranch=main"}, args...)...)
		cmd.Dir = dir
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("git %v: %v\n%s", args, err, out)
		}
		return strings.TrimSpace(string(out))
	}
	git("init", "-q")
	git("add", ".")
	git("commit", "-q", "-m", "stamp fixture")
	git("remote", "add", "origin", stampRemote)
	return dir, git("rev-parse", "HEAD")
}

// buildStamp builds dir for linux/amd64 with buildx, with or without the
// git information buildx sends, and returns the image.
func buildStamp(t *testing.T, dir string, buildArgs map[string]string, gitInfo bool) *ocirun.Image {
	t.Helper()
	ctx, cancel := ctxFor(t, 15*time.Minute)
	defer cancel()
	oci := tmpDir(t, "oci-stamp-")
	b := stack.Build{Context: dir, Platforms: []string{"linux/amd64"}, Output: stack.OCIOutput(oci), BuildArgs: buildArgs}
	info := "0"
	if gitInfo {
		info = "1"
	}
	gitEnv := []string{"BUILDX_GIT_INFO=" + info, "BUILDX_GIT_LABELS=0", "BUILDX_GIT_CHECK_DIRTY=0"}
	out, err := stack.Cmd(ctx, "", gitEnv, "docker", env.BuildxArgs(b)...)
	if err != nil {
		t.Fatalf("build: %v\n%s", err, stack.Tail(out, 80))
	}
	imgs, err := openImages(oci)
	if err != nil {
		t.Fatal(err)
	}
	checkPlatforms(t, imgs, []string{"linux/amd64"})
	return imgs[0]
}

// TestVersionStamp builds a module whose main prints what build.ldflags
// stamped into it: the VERSION build argument, the commit and remote URL
// buildx sends for a git work tree, and SOURCE_DATE_EPOCH; then without
// any of them. The labels carry the same values.
func TestVersionStamp(t *testing.T) {
	needStack(t)
	dir, head := stampModule(t, stampSpec)
	if len(head) != 40 {
		t.Fatalf("git rev-parse HEAD = %q", head)
	}

	t.Run("given", func(t *testing.T) {
		const epoch = 1700000000
		date := time.Unix(epoch, 0).UTC().Format(time.RFC3339)
		img := buildStamp(t, dir, map[string]string{"VERSION": "1.2.3", "SOURCE_DATE_EPOCH": "1700000000"}, true)
		res := runImage(t, img, ocirun.RunConfig{})
		want := "version=1.2.3 commit=" + head + " short=" + head[:7] + " source=" + stampRemote + " date=" + date + "\n"
		if res.ExitCode != 0 || res.Stdout != want {
			t.Errorf("run: exit %d, stdout %q\nwant %q\n%s", res.ExitCode, res.Stdout, want, res.Stderr)
		}
		labels := img.Config.Config.Labels
		for k, v := range map[string]string{
			"org.opencontainers.image.version":  "1.2.3",
			"org.opencontainers.image.revision": head,
			"org.opencontainers.image.source":   stampRemote,
			"org.opencontainers.image.created":  date,
		} {
			if labels[k] != v {
				t.Errorf("label %s = %q, want %q (labels %v)", k, labels[k], v, labels)
			}
		}
	})

	t.Run("not given", func(t *testing.T) {
		img := buildStamp(t, dir, nil, false)
		res := runImage(t, img, ocirun.RunConfig{})
		want := "version=dev commit=none short=none source= date=1970-01-01T00:00:00Z\n"
		if res.ExitCode != 0 || res.Stdout != want {
			t.Errorf("run: exit %d, stdout %q\nwant %q\n%s", res.ExitCode, res.Stdout, want, res.Stderr)
		}
		labels := img.Config.Config.Labels
		for _, k := range []string{"org.opencontainers.image.version", "org.opencontainers.image.revision", "org.opencontainers.image.source"} {
			if v, ok := labels[k]; ok {
				t.Errorf("label %s = %q; want none when the build does not give it", k, v)
			}
		}
	})
}

// TestVersionStampErrors checks that a bad template fails the build at the
// line of build.ldflags, and that a VERSION that would split -ldflags fails
// it too.
func TestVersionStampErrors(t *testing.T) {
	needStack(t)
	for _, tc := range []struct {
		name string
		spec string
		args map[string]string
		want []string
	}{
		{
			name: "unknown variable",
			spec: "# syntax=goappfrontend/go-app:1\nmain: .\nbuild:\n  ldflags: -X main.version={{.Tag}}\n",
			want: []string{"go-app.yaml:4:12", `build.ldflags uses "{{.Tag}}", which is no variable`, "{{.Version}}, {{.Commit}}, {{.ShortCommit}}, {{.Source}} and {{.Date}}"},
		},
		{
			name: "version with a space",
			spec: "# syntax=goappfrontend/go-app:1\nmain: .\nbuild:\n  ldflags: -X main.version={{.Version}}\n",
			args: map[string]string{"VERSION": "1.0 -X main.commit=forged"},
			want: []string{"go-app.yaml:4:12", "build.ldflags uses {{.Version}}", "VERSION build argument"},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			writeTree(t, dir, map[string]string{"go.mod": "module example.com/stamp\n\ngo 1.26\n", "go.sum": "", "main.go": stampMain, "go-app.yaml": tc.spec})
			buildFails(t, 5*time.Minute, stack.Build{Context: dir, Platforms: []string{"linux/amd64"}, BuildArgs: tc.args}, tc.want...)
		})
	}
}

// healthcheckOf reads the Healthcheck of an image config.
func healthcheckOf(t *testing.T, img *ocirun.Image) *imageHealthcheck {
	t.Helper()
	var cfg struct {
		Config struct {
			Healthcheck *imageHealthcheck `json:"Healthcheck"`
		} `json:"config"`
	}
	if err := json.Unmarshal(img.RawConfig, &cfg); err != nil {
		t.Fatalf("image config: %v", err)
	}
	return cfg.Config.Healthcheck
}

// imageHealthcheck is the Healthcheck of an image config (durations in
// nanoseconds).
type imageHealthcheck struct {
	Test          []string
	Interval      time.Duration
	Timeout       time.Duration
	StartPeriod   time.Duration
	StartInterval time.Duration
	Retries       int
}

// TestHelloHealthcheck checks the HEALTHCHECK of examples/hello: the image
// config carries runtime.healthcheck in exec form, and the command, run in
// the image next to a started server, reports healthy, then unhealthy once
// the server is gone.
func TestHelloHealthcheck(t *testing.T) {
	needStack(t)
	b := buildExample(t, "hello")
	for _, img := range b.images {
		t.Run(img.Platform.Architecture, func(t *testing.T) {
			hc := healthcheckOf(t, img)
			want := imageHealthcheck{Test: []string{"CMD", "/usr/local/bin/hello", "health"},
				Interval: 30 * time.Second, Timeout: 5 * time.Second, StartPeriod: 5 * time.Second, StartInterval: time.Second}
			if hc == nil || !slices.Equal(hc.Test, want.Test) || hc.Interval != want.Interval || hc.Timeout != want.Timeout ||
				hc.StartPeriod != want.StartPeriod || hc.StartInterval != want.StartInterval || hc.Retries != 0 {
				t.Fatalf("Healthcheck = %+v, want %+v\n%s", hc, want, img.RawConfig)
			}
			check := ocirun.RunConfig{Entrypoint: hc.Test[1:]}

			_, _, server := serveImage(t, img, ocirun.RunConfig{}, "127.0.0.1:8080", "/healthz")
			res := runImage(t, img, check)
			if res.ExitCode != 0 || res.Stdout != "healthy\n" {
				t.Errorf("healthcheck with the server up: exit %d, stdout %q, want 0 \"healthy\\n\"\n%s", res.ExitCode, res.Stdout, res.Stderr)
			}

			if err := server.Stop(); err != nil {
				t.Fatal(err)
			}
			res = runImage(t, img, check)
			if res.ExitCode != 1 || !strings.Contains(res.Stderr, "connection refused") {
				t.Errorf("healthcheck with the server stopped: exit %d, stderr %q; want 1 and connection refused", res.ExitCode, res.Stderr)
			}
		})
	}
}
