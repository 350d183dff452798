// Command demo shows go-app's main job end to end on the local BuildKit
// stack (hack/stack.sh up): it builds an example for several platforms
// with the frontend image through docker buildx, prints how long that
// took, then runs the image of each platform with runc (arm64 through
// QEMU), the way `docker run` would, and prints what it answered.
//
//	go run ./hack/demo [-example hello] [-platforms linux/amd64,linux/arm64] [-progress]
//
// The stack is taken from GOAPP_FRONTEND_IMAGE and GOAPP_BUILDX_BUILDER
// (defaults: localhost:5000/go-app:dev and go-app). It exits non-zero on
// any failure.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/containerd/platforms"
	"github.com/goappfrontend/go-app/internal/ocirun"
	"github.com/goappfrontend/go-app/internal/stack"
)

// containerPrefix starts the ids of the containers the demo runs.
const containerPrefix = "goapp-demo-"

func main() {
	example := flag.String("example", "hello", "example to build (a directory of examples/)")
	platforms := flag.String("platforms", "linux/amd64,linux/arm64", "comma-separated platforms to build and run")
	progress := flag.Bool("progress", false, "show BuildKit's progress output while building")
	keep := flag.Bool("keep", false, "keep the OCI layout and unpacked images (their directory is printed)")
	flag.Parse()

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, *example, splitList(*platforms), *progress, *keep); err != nil {
		fmt.Fprintf(os.Stderr, "demo: FAILED: %v\n", err)
		os.Exit(1)
	}
}

func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

func run(ctx context.Context, example string, platforms []string, showProgress, keep bool) error {
	if len(platforms) == 0 {
		return errors.New("no platforms")
	}
	dir, err := findExample(example)
	if err != nil {
		return err
	}
	if err := stack.CheckRun(platforms...); err != nil {
		return err
	}
	// A demo killed before it cleaned up leaves its server holding the port.
	if removed, err := ocirun.RemoveStale(ctx, "", "", containerPrefix); err != nil {
		return err
	} else if len(removed) > 0 {
		fmt.Printf("removed containers left by an earlier demo: %v\n", removed)
	}
	env := stack.FromEnviron()
	cctx, cancel := context.WithTimeout(ctx, time.Minute)
	err = env.CheckBuilder(cctx)
	cancel()
	if err != nil {
		return err
	}

	work, err := os.MkdirTemp("", "go-app-demo-")
	if err != nil {
		return err
	}
	if keep {
		fmt.Printf("work directory: %s\n", work)
	} else {
		defer os.RemoveAll(work)
	}

	layoutDir := filepath.Join(work, "oci")
	if err := build(ctx, env, dir, platforms, layoutDir, showProgress); err != nil {
		return err
	}

	layout, err := ocirun.OpenLayout(layoutDir, work)
	if err != nil {
		return err
	}
	imgs, err := layout.Images()
	if err != nil {
		return err
	}

	// Run each platform's image.
	var failed []string
	for _, p := range platforms {
		img, err := ocirun.ImageFor(imgs, p)
		if err == nil {
			err = runPlatform(ctx, img, example, work)
		}
		if err != nil {
			fmt.Printf("    %s: FAILED: %v\n", p, err)
			failed = append(failed, p)
		}
	}
	if len(failed) > 0 {
		return fmt.Errorf("%s failed", strings.Join(failed, ", "))
	}
	fmt.Println("==> all platforms OK")
	return nil
}

// build builds the example in dir for platforms into the OCI layout
// layoutDir, and says how many steps ran.
func build(ctx context.Context, env stack.Env, dir string, platforms []string, layoutDir string, showProgress bool) error {
	fmt.Printf("==> building %s for %s\n    frontend %s, buildx builder %s\n",
		relPath(dir), strings.Join(platforms, ","), env.FrontendImage, env.Builder)
	var progress io.Writer
	if showProgress {
		progress = os.Stderr
	}
	bctx, cancel := context.WithTimeout(ctx, 30*time.Minute)
	defer cancel()
	start := time.Now()
	out, err := env.Buildx(bctx, stack.Build{
		Context:   dir,
		Platforms: platforms,
		Output:    stack.OCIOutput(layoutDir),
		Progress:  progress,
	})
	if err != nil {
		if !showProgress {
			fmt.Fprint(os.Stderr, stack.Tail(out, 80))
		}
		return fmt.Errorf("build: %w", err)
	}
	var ran, cached int
	for _, s := range stack.ParseProgress(out) {
		switch {
		case s.Cached:
			cached++
		case s.Done:
			ran++
		}
	}
	fmt.Printf("==> built in %s (%d steps ran, %d from cache)\n", time.Since(start).Round(100*time.Millisecond), ran, cached)
	return nil
}

// findExample finds examples/NAME from the current directory or one of its
// parents.
func findExample(name string) (string, error) {
	if name == "" || strings.ContainsAny(name, `/\`) || name == "." || name == ".." {
		return "", fmt.Errorf("bad example name %q", name)
	}
	wd, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for d := wd; ; d = filepath.Dir(d) {
		p := filepath.Join(d, "examples", name)
		if _, err := os.Stat(filepath.Join(p, "go-app.yaml")); err == nil {
			return p, nil
		}
		if filepath.Dir(d) == d {
			return "", fmt.Errorf("no examples/%s/go-app.yaml in %s or its parents", name, wd)
		}
	}
}

func relPath(p string) string {
	if wd, err := os.Getwd(); err == nil {
		if r, err := filepath.Rel(wd, p); err == nil && !strings.HasPrefix(r, "..") {
			return r
		}
	}
	return p
}

func runPlatform(ctx context.Context, img *ocirun.Image, example, work string) error {
	c := img.Config.Config
	fmt.Printf("==> %s: image %s, %d layers, entrypoint %v, user %s\n",
		platforms.Format(img.Platform), shortDigest(img.Descriptor.Digest.String()), len(img.Manifest.Layers), c.Entrypoint, c.User)
	base, err := os.MkdirTemp(work, strings.ReplaceAll(platforms.Format(img.Platform), "/", "-")+"-")
	if err != nil {
		return err
	}
	rootfs := filepath.Join(base, "rootfs")
	if err := img.Unpack(rootfs); err != nil {
		return fmt.Errorf("unpack: %w", err)
	}

	if port := firstTCPPort(c.ExposedPorts); port != "" {
		if err := serve(ctx, img, rootfs, base, port); err != nil {
			return err
		}
	} else {
		res, err := runOnce(ctx, img, rootfs, base, ocirun.RunConfig{})
		if err != nil {
			return err
		}
		fmt.Printf("    output: %s\n", strings.TrimSpace(res.Stdout))
	}
	if example == "hello" {
		res, err := runOnce(ctx, img, rootfs, base, ocirun.RunConfig{Args: []string{"selfcheck"}, Env: []string{"TZ=Asia/Shanghai"}})
		if err != nil {
			return err
		}
		fmt.Printf("    selfcheck (TZ=Asia/Shanghai): %s\n", strings.TrimSpace(res.Stdout))
	}
	return nil
}

func serve(ctx context.Context, img *ocirun.Image, rootfs, base, port string) error {
	bundle, err := os.MkdirTemp(base, "bundle-")
	if err != nil {
		return err
	}
	start := time.Now()
	c, err := ocirun.Start(img.Config, rootfs, bundle, ocirun.Options{IDPrefix: containerPrefix})
	if err != nil {
		return err
	}
	defer func() { _ = c.Stop() }()
	url := "http://127.0.0.1:" + port + "/"
	code, body, err := ocirun.GetWhenUp(ctx, c, url, 60*time.Second)
	if err != nil {
		return fmt.Errorf("%w\n%s", err, c.Output())
	}
	fmt.Printf("    GET %s -> %d %q (up after %s)\n", url, code, body, time.Since(start).Round(10*time.Millisecond))
	if code != 200 {
		return fmt.Errorf("GET %s answered %d", url, code)
	}
	return c.Stop()
}

func runOnce(ctx context.Context, img *ocirun.Image, rootfs, base string, rc ocirun.RunConfig) (ocirun.Result, error) {
	bundle, err := os.MkdirTemp(base, "bundle-")
	if err != nil {
		return ocirun.Result{}, err
	}
	rctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	res, err := ocirun.Run(rctx, img.Config, rootfs, bundle, ocirun.Options{RunConfig: rc, IDPrefix: containerPrefix})
	if err == nil && res.ExitCode != 0 {
		err = fmt.Errorf("exit status %d", res.ExitCode)
	}
	if err != nil {
		return res, fmt.Errorf("run %v: %w\n%s%s", rc.Args, err, res.Stdout, res.Stderr)
	}
	return res, nil
}

func firstTCPPort(ports map[string]struct{}) string {
	var ps []string
	for p := range ports {
		if num, proto, _ := strings.Cut(p, "/"); proto == "tcp" || proto == "" {
			ps = append(ps, num)
		}
	}
	if len(ps) == 0 {
		return ""
	}
	return slices.Min(ps)
}

func shortDigest(d string) string {
	if len(d) > 19 {
		return d[:19]
	}
	return d
}
