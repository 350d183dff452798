package e2e

import (
	"bufio"
	"context"
	"encoding/json"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/containerd/platforms"
	"github.com/goappfrontend/go-app/internal/ocirun"
	"github.com/goappfrontend/go-app/internal/stack"
	ocispecs "github.com/opencontainers/image-spec/specs-go/v1"
)

// TestEphemeralRunner is a hosted CI runner: the medium example (grpc) is
// built on the stack's builder with its cache exported (`--cache-to
// ...,mode=max`, to a directory and to the local registry), a line of it
// changes, and a brand-new buildkitd with an empty state directory builds
// it with only `--cache-from`. The module download and the dependency
// compile must come from the cache, go build must compile the main package
// alone, with the module layer as its GOMODCACHE (no copy), and the
// images must run, for amd64 and arm64.
func TestEphemeralRunner(t *testing.T) {
	needStack(t)
	plats := []string{"linux/amd64", "linux/arm64"}
	dir := tmpDir(t, "ephemeral-")
	copyTree(t, exampleDir("grpc"), dir)
	localCache := tmpDir(t, "cache-ephemeral-")
	registryCache := env.Registry + "/go-app-e2e/cache:grpc-" + nonce()

	ctx, cancel := ctxFor(t, 20*time.Minute)
	defer cancel()
	// One export a build: with a local and a registry export in the same
	// build, BuildKit v0.34 wrote the local one incomplete (lock errors in
	// the client's log, and a new builder could not load the Go cache
	// layers from it).
	for _, to := range []string{"type=local,dest=" + localCache + ",mode=max", "type=registry,ref=" + registryCache + ",mode=max"} {
		start := time.Now()
		out, err := env.Buildx(ctx, stack.Build{Context: dir, Platforms: plats, Extra: []string{"--cache-to", to}})
		if err != nil {
			t.Fatalf("the build that exports the cache (%s) failed: %v\n%s", to, err, stack.Tail(out, 80))
		}
		t.Logf("previous commit, --cache-to %s: %s", to, time.Since(start).Round(100*time.Millisecond))
	}
	t.Logf("local cache export: %.1f MB", float64(treeSize(t, localCache))/1e6)
	// The toolchain the example's go.mod selects, golang:1.26, as the stack
	// mirrors it.
	toolchainLayers := imageLayers(t, env.Registry+"/library/golang", "1.26", "amd64")

	// The same commit again on a new builder (a re-run of the job): every
	// step comes from the cache, go build too, although only its key and
	// the layer made from its binary are exported, not its own result.
	t.Run("same commit", func(t *testing.T) {
		e := newBuilder(t)
		ctx, cancel := ctxFor(t, 10*time.Minute)
		defer cancel()
		out, err := e.Buildx(ctx, stack.Build{Context: dir, Platforms: plats,
			Extra: []string{"--progress=rawjson", "--cache-from", "type=registry,ref=" + registryCache}})
		if err != nil {
			t.Fatalf("the build on a new builder failed: %v\n%s", err, stack.Tail(out, 80))
		}
		p := parseRawProgress(t, out)
		for _, plat := range plats {
			p.mustBeCached(t, "["+plat+"] go build ./cmd/server")
			p.mustBeCached(t, "["+plat+"] binaries layer")
		}
	})

	// The commit under test: one line of the main package changes.
	appendFile(t, filepath.Join(dir, "cmd/server/main.go"), "\nvar ephemeralChange = \""+nonce()+"\"\n\nfunc init() { _ = ephemeralChange }\n")

	for _, tc := range []struct {
		name, from string
		run        []string // the platforms whose image is run
	}{
		{"local", "type=local,src=" + localCache, plats},
		{"registry", "type=registry,ref=" + registryCache, plats[:1]},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newBuilder(t)
			ctx, cancel := ctxFor(t, 15*time.Minute)
			defer cancel()
			oci := tmpDir(t, "oci-ephemeral-")
			start := time.Now()
			out, err := e.Buildx(ctx, stack.Build{Context: dir, Platforms: plats, Output: stack.OCIOutput(oci),
				Extra: []string{"--progress=rawjson", "--cache-from", tc.from}})
			if err != nil {
				t.Fatalf("the build on a new builder failed: %v\n%s", err, stack.Tail(out, 80))
			}
			t.Logf("one-line change on a new builder with --cache-from %s: %s", tc.name, time.Since(start).Round(100*time.Millisecond))
			p := parseRawProgress(t, out)
			p.mustBeCached(t, "go mod download")
			p.mustBeCached(t, "go toolchain layer: GOROOT without tests and docs")
			// The go build steps run on the toolchain layer: the new
			// builder never unpacks the toolchain image.
			for _, l := range toolchainLayers {
				if p.extracted[l] {
					t.Errorf("the new builder unpacked the toolchain image's layer %s", l)
				}
			}
			for _, plat := range plats {
				p.mustBeCached(t, "["+plat+"] go build dependencies (18 imports)")
				build := "[" + plat + "] go build ./cmd/server"
				if p.cached[build] {
					t.Errorf("%s is cached: the change did not reach it", build)
				}
				logs := p.logs[build]
				// The module layer is GOMODCACHE itself and GOCACHE a
				// cache mount based on the dependency layer: the go command
				// runs alone, nothing is copied (the frontend binary would
				// say what it restored).
				if strings.Contains(logs, "go-app: ") {
					t.Errorf("%s copied a layer into its cache mounts:\n%s", build, logs)
				}
				// go build -v names each package it compiles: the main
				// package only, no dependency, so GOCACHE held the
				// dependency layer.
				var compiled []string
				for _, l := range strings.Split(logs, "\n") {
					if l = strings.TrimSpace(l); l != "" {
						compiled = append(compiled, l)
					}
				}
				if len(compiled) != 1 || compiled[0] != "example.com/grpc/cmd/server" {
					t.Errorf("%s compiled %q, want the main package alone", build, compiled)
				}
			}
			imgs, err := openImages(oci)
			if err != nil {
				t.Fatal(err)
			}
			checkPlatforms(t, imgs, plats)
			for _, img := range imgs {
				if !slices.Contains(tc.run, platforms.Format(img.Platform)) {
					continue
				}
				// -h: the flag package prints the usage and exits 0.
				res := runImage(t, img, ocirun.RunConfig{Args: []string{"-h"}})
				if res.ExitCode != 0 || !strings.Contains(res.Stderr, "-grpc-addr") {
					t.Errorf("%s: server -h: exit %d, stderr %q", platforms.Format(img.Platform), res.ExitCode, res.Stderr)
				}
			}
		})
	}
}

// treeSize is the size of the regular files under dir.
func treeSize(t *testing.T, dir string) int64 {
	t.Helper()
	var n int64
	err := filepath.WalkDir(dir, func(_ string, d fs.DirEntry, err error) error {
		if err != nil || !d.Type().IsRegular() {
			return err
		}
		info, err := d.Info()
		if err == nil {
			n += info.Size()
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// imageLayers returns the layer digests of the image repo:tag for arch in
// the local registry.
func imageLayers(t *testing.T, repo, tag, arch string) []string {
	t.Helper()
	ctx, cancel := ctxFor(t, time.Minute)
	defer cancel()
	get := func(ref string, into any) {
		t.Helper()
		b, _, err := registryGet(ctx, repo, "manifests", ref)
		if err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(b, into); err != nil {
			t.Fatalf("manifest %s of %s: %v", ref, repo, err)
		}
	}
	var idx ocispecs.Index
	get(tag, &idx)
	var layers []string
	for _, m := range idx.Manifests {
		if m.Platform == nil || m.Platform.Architecture != arch {
			continue
		}
		var man ocispecs.Manifest
		get(m.Digest.String(), &man)
		for _, l := range man.Layers {
			layers = append(layers, l.Digest.String())
		}
	}
	if len(layers) == 0 {
		t.Fatalf("%s:%s has no layers for %s", repo, tag, arch)
	}
	return layers
}

// rawProgress is what `--progress=rawjson` said about each vertex, by name,
// and which layers BuildKit unpacked (its "extracting sha256:..." lines).
type rawProgress struct {
	cached    map[string]bool
	logs      map[string]string
	extracted map[string]bool
}

func parseRawProgress(t *testing.T, out string) *rawProgress {
	t.Helper()
	p := &rawProgress{cached: map[string]bool{}, logs: map[string]string{}, extracted: map[string]bool{}}
	names := map[string]string{}
	// The fields of BuildKit's client.SolveStatus that matter here.
	type status struct {
		Vertexes []struct {
			Digest string `json:"digest"`
			Name   string `json:"name"`
			Cached bool   `json:"cached"`
		} `json:"vertexes"`
		Logs []struct {
			Vertex string `json:"vertex"`
			Data   []byte `json:"data"`
		} `json:"logs"`
		Statuses []struct {
			ID string `json:"id"`
		} `json:"statuses"`
	}
	var all []status
	sc := bufio.NewScanner(strings.NewReader(out))
	sc.Buffer(make([]byte, 1<<20), 64<<20)
	for sc.Scan() {
		var st status
		if json.Unmarshal(sc.Bytes(), &st) != nil {
			continue
		}
		for _, v := range st.Vertexes {
			names[v.Digest] = v.Name
			p.cached[v.Name] = p.cached[v.Name] || v.Cached
		}
		for _, s := range st.Statuses {
			if d, ok := strings.CutPrefix(s.ID, "extracting "); ok {
				p.extracted[d] = true
			}
		}
		all = append(all, st)
	}
	for _, st := range all {
		for _, l := range st.Logs {
			n, ok := names[l.Vertex]
			if !ok {
				continue
			}
			p.logs[n] += string(l.Data)
		}
	}
	if len(names) == 0 {
		t.Fatalf("no vertex in the rawjson progress:\n%s", stack.Tail(out, 40))
	}
	return p
}

func (p *rawProgress) mustBeCached(t *testing.T, name string) {
	t.Helper()
	cached, seen := p.cached[name]
	switch {
	case !seen:
		var all []string
		for n := range p.cached {
			all = append(all, n)
		}
		t.Errorf("no vertex %q; vertices: %q", name, all)
	case !cached:
		t.Errorf("%q ran again on the new builder; want it CACHED from --cache-from:\n%s", name, p.logs[name])
	}
}

// newBuilder starts a buildkitd with an empty state directory, the stand-in
// for a new CI runner, with the stack's configuration (its registry and
// mirror), and a buildx builder for it; both go when the test ends. The
// returned Env builds there.
func newBuilder(t *testing.T) stack.Env {
	t.Helper()
	root := tmpDir(t, "buildkitd-")
	id := nonce()
	sock := "/run/go-app-e2e-" + id + ".sock"
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cfg, err := stack.Cmd(ctx, repoRoot, nil, filepath.Join(repoRoot, "hack/stack.sh"), "buildkitd-config", root, "unix://"+sock)
	if err != nil {
		t.Fatalf("buildkitd-config: %v\n%s", err, cfg)
	}
	cfgFile := filepath.Join(root, "buildkitd.toml")
	if err := os.WriteFile(cfgFile, []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	logFile, err := os.Create(filepath.Join(workDir, "buildkitd-"+id+".log"))
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("buildkitd", "--config", cfgFile, "--root", root, "--addr", "unix://"+sock)
	cmd.Stdout, cmd.Stderr = logFile, logFile
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	if err := cmd.Start(); err != nil {
		t.Fatalf("starting buildkitd: %v", err)
	}
	e := env
	e.BuildkitHost = "unix://" + sock
	e.Builder = "go-app-e2e-" + id
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		_, _ = stack.Cmd(ctx, "", nil, "docker", "buildx", "rm", "--force", e.Builder)
		_ = cmd.Process.Signal(syscall.SIGTERM)
		done := make(chan struct{})
		go func() { _ = cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(30 * time.Second):
			_ = cmd.Process.Kill()
			<-done
		}
		logFile.Close()
		unmountUnder(root)
		_ = os.RemoveAll(root)
		_ = os.Remove(sock)
	})
	for {
		if _, err := stack.Cmd(ctx, "", nil, "buildctl", "--addr", e.BuildkitHost, "debug", "workers"); err == nil {
			break
		}
		if ctx.Err() != nil {
			t.Fatalf("the new buildkitd did not answer within a minute (log: %s)", logFile.Name())
		}
		time.Sleep(200 * time.Millisecond)
	}
	if out, err := stack.Cmd(ctx, "", nil, "docker", "buildx", "create", "--name", e.Builder, "--driver", "remote", e.BuildkitHost); err != nil {
		t.Fatalf("buildx create: %v\n%s", err, out)
	}
	return e
}

// unmountUnder unmounts whatever a stopped buildkitd left mounted under
// root, deepest first, so that root can be removed.
func unmountUnder(root string) {
	b, err := os.ReadFile("/proc/self/mountinfo")
	if err != nil {
		return
	}
	var mounts []string
	for _, line := range strings.Split(string(b), "\n") {
		f := strings.Fields(line)
		if len(f) > 4 && strings.HasPrefix(f[4], root+"/") {
			mounts = append(mounts, f[4])
		}
	}
	for i := len(mounts) - 1; i >= 0; i-- {
		_ = syscall.Unmount(mounts[i], syscall.MNT_DETACH)
	}
}
