package e2e

import (
	"net"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/containerd/platforms"
	"github.com/goappfrontend/go-app/internal/ocirun"
	"github.com/goappfrontend/go-app/internal/stack"
)

var (
	rootfsMu sync.Mutex
	rootfses = map[*ocirun.Image]string{}
)

// rootfs unpacks img once and returns its root filesystem.
func rootfs(t *testing.T, img *ocirun.Image) string {
	t.Helper()
	rootfsMu.Lock()
	defer rootfsMu.Unlock()
	if dir, ok := rootfses[img]; ok {
		return dir
	}
	dir := filepath.Join(tmpDir(t, "rootfs-"+strings.ReplaceAll(platforms.Format(img.Platform), "/", "-")+"-"), "rootfs")
	if err := img.Unpack(dir); err != nil {
		t.Fatalf("unpack %s: %v", platforms.Format(img.Platform), err)
	}
	rootfses[img] = dir
	return dir
}

// runImage runs img to completion and returns its result; a run error
// fails the test.
func runImage(t *testing.T, img *ocirun.Image, rc ocirun.RunConfig) ocirun.Result {
	t.Helper()
	if err := stack.CheckRun(platforms.Format(img.Platform)); err != nil {
		t.Fatalf("cannot run %s images: %v", platforms.Format(img.Platform), err)
	}
	ctx, cancel := ctxFor(t, 2*time.Minute)
	defer cancel()
	res, err := ocirun.Run(ctx, img.Config, rootfs(t, img), t.TempDir(), ocirun.Options{RunConfig: rc, IDPrefix: containerPrefix})
	if err != nil {
		t.Fatalf("run %s %v: %v\n--- stdout ---\n%s--- stderr ---\n%s", platforms.Format(img.Platform), rc, err, res.Stdout, res.Stderr)
	}
	return res
}

// serveImage starts img, waits until http://addr/path answers and returns
// the status and body; the container is stopped when the test ends.
func serveImage(t *testing.T, img *ocirun.Image, rc ocirun.RunConfig, addr, path string) (int, string, *ocirun.Container) {
	t.Helper()
	if err := stack.CheckRun(platforms.Format(img.Platform)); err != nil {
		t.Fatalf("cannot run %s images: %v", platforms.Format(img.Platform), err)
	}
	if c, err := net.DialTimeout("tcp", addr, time.Second); err == nil {
		c.Close()
		t.Fatalf("something already listens on %s: cannot tell our container's answer from it", addr)
	}
	c, err := ocirun.Start(img.Config, rootfs(t, img), t.TempDir(), ocirun.Options{RunConfig: rc, IDPrefix: containerPrefix})
	if err != nil {
		t.Fatalf("start %s: %v", platforms.Format(img.Platform), err)
	}
	t.Cleanup(func() {
		if err := c.Stop(); err != nil {
			t.Errorf("stop container %s: %v", c.ID, err)
		}
	})
	ctx, cancel := ctxFor(t, 2*time.Minute)
	defer cancel()
	code, body, err := ocirun.GetWhenUp(ctx, c, "http://"+addr+path, 60*time.Second)
	if err != nil {
		t.Fatalf("%s container: %v\n%s", platforms.Format(img.Platform), err, c.Output())
	}
	return code, body, c
}
