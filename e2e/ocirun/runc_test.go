package ocirun

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
)

// needRunc skips unless runc can run containers here (root and runc in
// PATH); these tests need no BuildKit.
func needRunc(t *testing.T) {
	t.Helper()
	if _, err := exec.LookPath("runc"); err != nil {
		t.Skip("runc is not in PATH")
	}
	if os.Geteuid() != 0 {
		t.Skip("running containers with runc needs root")
	}
}

// probeRootfs makes a root filesystem holding the probe for goarch, an
// /etc/passwd with nonroot and a sticky /tmp.
func probeRootfs(t *testing.T, goarch string) string {
	t.Helper()
	bin := buildProbe(t, goarch, false)
	root := rootfsWithEtc(t)
	for _, d := range []string{"usr/local/bin", "tmp", "srv"} {
		if err := os.MkdirAll(filepath.Join(root, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Chmod(filepath.Join(root, "tmp"), os.ModeSticky|0o777); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(bin)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(root, "usr/local/bin/probe"), b, 0o755); err != nil {
		t.Fatal(err)
	}
	return root
}

func probeConfig() ocispec.Image {
	return ocispec.Image{Platform: ocispec.Platform{OS: "linux"}, Config: ocispec.ImageConfig{
		User:       "nonroot",
		Entrypoint: []string{"/usr/local/bin/probe"},
		Cmd:        []string{"info"},
		Env:        []string{"PATH=/usr/local/bin", "FROM_IMAGE=yes"},
		WorkingDir: "/srv",
	}}
}

func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return addr
}

func testRunProbe(t *testing.T, goarch string) {
	root := probeRootfs(t, goarch)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()

	// A run to completion, as the image's user, with extra env.
	res, err := Run(ctx, probeConfig(), root, t.TempDir(), Options{RunConfig: RunConfig{Env: []string{"TZ=Asia/Shanghai"}}})
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
		found := false
		for _, kv := range info.Env {
			found = found || kv == want
		}
		if !found {
			t.Errorf("env %v lacks %s", info.Env, want)
		}
	}

	// The exit status comes through.
	res, err = Run(ctx, probeConfig(), root, t.TempDir(), Options{RunConfig: RunConfig{Args: []string{"exit", "3"}}})
	if err != nil || res.ExitCode != 3 {
		t.Errorf("exit 3: got exit %d, %v\n%s", res.ExitCode, err, res.Stderr)
	}

	// A server in the container answers on the host's loopback.
	addr := freeAddr(t)
	c, err := Start(probeConfig(), root, t.TempDir(), Options{RunConfig: RunConfig{Args: []string{"serve", addr}}})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Stop()
	code, body, err := GetWhenUp(ctx, c, "http://"+addr+"/", 60*time.Second)
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
	needRunc(t)
	if runtime.GOARCH == "arm64" {
		t.Skip("arm64 is native here")
	}
	b, err := os.ReadFile("/proc/sys/fs/binfmt_misc/qemu-aarch64")
	if err != nil || !strings.HasPrefix(string(b), "enabled") {
		t.Skip("no enabled qemu-aarch64 binfmt_misc handler")
	}
	testRunProbe(t, "arm64")
}

func TestGetWhenUpNoServer(t *testing.T) {
	start := time.Now()
	_, _, err := GetWhenUp(context.Background(), nil, "http://"+freeAddr(t)+"/", time.Second)
	if err == nil {
		t.Fatal("GET of a closed port succeeded")
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("gave up after %s, want about 1s", d)
	}
}

// TestRemoveStale leaves a server container behind as a killed run would
// (its `runc run` process dies, the container goes on) and removes it.
func TestRemoveStale(t *testing.T) {
	needRunc(t)
	root := probeRootfs(t, runtime.GOARCH)
	addr := freeAddr(t)
	prefix := NewContainerID("goapp-staletest-") + "-"
	c, err := Start(probeConfig(), root, t.TempDir(), Options{IDPrefix: prefix, RunConfig: RunConfig{Args: []string{"serve", addr}}})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Stop()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if _, _, err := GetWhenUp(ctx, c, "http://"+addr+"/", 30*time.Second); err != nil {
		t.Fatalf("%v\n%s", err, c.Output())
	}
	if err := c.cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	<-c.done

	removed, err := RemoveStale(ctx, "", "", prefix)
	if err != nil {
		t.Fatal(err)
	}
	if len(removed) != 1 || removed[0] != c.ID {
		t.Fatalf("removed %v, want [%s]", removed, c.ID)
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
	if _, err := RemoveStale(ctx, "", "", ""); err == nil {
		t.Error("RemoveStale with no prefix accepted")
	}
}
