package e2e

import (
	"encoding/json"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/goappfrontend/go-app/internal/ocirun"
	"github.com/goappfrontend/go-app/internal/ocirun/ocitest"
)

// These tests run the probe (ocitest.BuildProbe) with package ocirun and
// runc: they need root and runc but no BuildKit.

func testRunProbe(t *testing.T, goarch string) {
	root := ocitest.ProbeRootfs(t, goarch)
	ctx, cancel := ctxFor(t, 2*time.Minute)
	defer cancel()

	// A run to completion, as the image's user, with extra env.
	res, err := ocirun.Run(ctx, ocitest.ProbeConfig(), root, t.TempDir(), ocirun.Options{RunConfig: ocirun.RunConfig{Env: []string{"TZ=Asia/Shanghai"}}})
	if err != nil || res.ExitCode != 0 {
		t.Fatalf("run: exit %d, %v\n%s%s", res.ExitCode, err, res.Stdout, res.Stderr)
	}
	var info struct {
		UID, GID int
		Cwd      string
		Args     []string
		Env      []string
		Hostname string
		GOARCH   string
	}
	if err := json.Unmarshal([]byte(res.Stdout), &info); err != nil {
		t.Fatalf("probe output %q: %v", res.Stdout, err)
	}
	if info.UID != 65532 || info.GID != 65532 {
		t.Errorf("ran as %d:%d, want 65532:65532", info.UID, info.GID)
	}
	if info.Cwd != "/srv" || info.Hostname != "go-app" || info.GOARCH != goarch {
		t.Errorf("cwd %q hostname %q goarch %q", info.Cwd, info.Hostname, info.GOARCH)
	}
	for _, want := range []string{"FROM_IMAGE=yes", "TZ=Asia/Shanghai", "PATH=/usr/local/bin"} {
		if !slices.Contains(info.Env, want) {
			t.Errorf("env %v lacks %s", info.Env, want)
		}
	}

	// The exit status comes through.
	res, err = ocirun.Run(ctx, ocitest.ProbeConfig(), root, t.TempDir(), ocirun.Options{RunConfig: ocirun.RunConfig{Args: []string{"exit", "3"}}})
	if err != nil || res.ExitCode != 3 {
		t.Errorf("exit 3: got exit %d, %v\n%s", res.ExitCode, err, res.Stderr)
	}

	// A server in the container answers on the host's loopback.
	addr := ocitest.FreeAddr(t)
	c, err := ocirun.Start(ocitest.ProbeConfig(), root, t.TempDir(), ocirun.Options{RunConfig: ocirun.RunConfig{Args: []string{"serve", addr}}})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = c.Stop() }()
	code, body, err := ocirun.GetWhenUp(ctx, c, "http://"+addr+"/", 60*time.Second)
	if err != nil || code != 200 || body != fmt.Sprintf("probe %s\n", goarch) {
		t.Fatalf("GET: %d %q %v\n%s", code, body, err, c.Output())
	}
	if err := c.Stop(); err != nil {
		t.Errorf("stop: %v", err)
	}
	if !c.Exited() {
		t.Error("still running after Stop")
	}
	out, _ := exec.Command("runc", "state", c.ID).CombinedOutput()
	if !strings.Contains(string(out), "does not exist") {
		t.Errorf("container %s not deleted: %s", c.ID, out)
	}
}

func TestRunProbe(t *testing.T) {
	needRunc(t)
	testRunProbe(t, runtime.GOARCH)
}

// TestRunProbeEmulated runs an arm64 probe through binfmt_misc and QEMU,
// as the e2e tests run arm64 images.
func TestRunProbeEmulated(t *testing.T) {
	if runtime.GOARCH == "arm64" {
		t.Skip("arm64 is native here")
	}
	needRunc(t, "linux/arm64")
	testRunProbe(t, "arm64")
}

// TestRemoveStale leaves a server container behind as a killed run would
// (no `runc run` process waits for it; the container goes on) and removes
// it.
func TestRemoveStale(t *testing.T) {
	needRunc(t)
	root := ocitest.ProbeRootfs(t, runtime.GOARCH)
	addr := ocitest.FreeAddr(t)
	prefix := ocirun.NewContainerID("goapp-staletest-") + "-"
	id := startDetached(t, root, prefix, "serve", addr)
	ctx, cancel := ctxFor(t, time.Minute)
	defer cancel()
	if _, _, err := ocirun.GetWhenUp(ctx, nil, "http://"+addr+"/", 30*time.Second); err != nil {
		t.Fatal(err)
	}

	removed, err := ocirun.RemoveStale(ctx, "", "", prefix)
	if err != nil {
		t.Fatal(err)
	}
	if len(removed) != 1 || removed[0] != id {
		t.Fatalf("removed %v, want [%s]", removed, id)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		conn, err := net.DialTimeout("tcp", addr, time.Second)
		if err != nil {
			break
		}
		conn.Close()
		if time.Now().After(deadline) {
			t.Fatal("the stale server still answers")
		}
		time.Sleep(100 * time.Millisecond)
	}
	if _, err := ocirun.RemoveStale(ctx, "", "", ""); err == nil {
		t.Error("RemoveStale with no prefix accepted")
	}
}

// startDetached starts the probe of root with args in a container of its
// own (`runc run --detach`, so that no process of ours waits for it) and
// returns the container's id, which starts with prefix. The container is
// deleted when the test ends.
func startDetached(t *testing.T, root, prefix string, args ...string) string {
	t.Helper()
	spec, err := ocirun.RuntimeSpec(ocitest.ProbeConfig(), root, ocirun.RunConfig{Args: args})
	if err != nil {
		t.Fatal(err)
	}
	bundle := t.TempDir()
	b, err := json.Marshal(spec)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(bundle, "config.json"), b, 0o644); err != nil {
		t.Fatal(err)
	}
	id := ocirun.NewContainerID(prefix)
	// The container inherits runc's stdio: a file, not a pipe that runc's
	// caller would wait on until the container ends.
	logFile, err := os.Create(filepath.Join(t.TempDir(), "runc.log"))
	if err != nil {
		t.Fatal(err)
	}
	defer logFile.Close()
	cmd := exec.Command("runc", "run", "--detach", "--bundle", bundle, id)
	cmd.Stdout, cmd.Stderr = logFile, logFile
	t.Cleanup(func() { _ = exec.Command("runc", "delete", "--force", id).Run() })
	if err := cmd.Run(); err != nil {
		out, _ := os.ReadFile(logFile.Name())
		t.Fatalf("runc run --detach: %v\n%s", err, out)
	}
	return id
}
