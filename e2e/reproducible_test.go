package e2e

import (
	"context"
	"fmt"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/containerd/platforms"
	"github.com/goappfrontend/go-app/internal/ocirun"
	"github.com/goappfrontend/go-app/internal/stack"
)

// The reproducibility guarantee, as docs/security.md states it: two builds of the
// same source with the same SOURCE_DATE_EPOCH and toolchain image give the
// same image for every platform (manifest, config and layers, hence the
// same manifest digest), with no exporter option. The image index digest is
// the same too when the build attaches no provenance attestation
// (--provenance=false): buildx's default provenance records when the build
// ran and its invocation id, so the index that lists it differs from build
// to build while the images it lists do not.

// sourceDateEpoch is the SOURCE_DATE_EPOCH of these tests.
const sourceDateEpoch = 1700000000

var epochTime = time.Unix(sourceDateEpoch, 0).UTC()

var (
	outsideGitMu sync.Mutex
	outsideGit   = map[string]string{}
)

// exampleOutsideGit copies an example out of the repository, once. buildx
// sends the commit of a context inside a git repository (it becomes the
// org.opencontainers.image.revision label), and a commit made between two
// builds would make them differ for a reason outside the frontend.
func exampleOutsideGit(t *testing.T, name string) string {
	t.Helper()
	outsideGitMu.Lock()
	defer outsideGitMu.Unlock()
	if dir, ok := outsideGit[name]; ok {
		return dir
	}
	dir := tmpDir(t, "ctx-"+name+"-")
	copyTree(t, exampleDir(name), dir)
	outsideGit[name] = dir
	return dir
}

// epochBuilt is one build of an example with SOURCE_DATE_EPOCH.
type epochBuilt struct {
	name      string
	dir       string
	index     string            // digest of the image index
	manifests map[string]string // platform: manifest digest
	images    []*ocirun.Image
	took      time.Duration
	progress  string
}

// epochBuild builds an example (copied out of git) for bothPlatforms with
// SOURCE_DATE_EPOCH into an OCI layout, without a provenance attestation
// unless extra asks for one. It returns an error rather than failing t, so
// that it can run in goroutines.
func epochBuild(ctx context.Context, ctxDir, name string, extra ...string) (*epochBuilt, error) {
	b := &epochBuilt{name: name, dir: filepath.Join(workDir, fmt.Sprintf("oci-epoch-%s-%s", name, nonce()))}
	if !strings.Contains(strings.Join(extra, " "), "--provenance") {
		extra = append(extra, "--provenance=false")
	}
	start := time.Now()
	out, err := env.Buildx(ctx, stack.Build{
		Context:   ctxDir,
		Platforms: bothPlatforms,
		Output:    stack.OCIOutput(b.dir),
		BuildArgs: map[string]string{"SOURCE_DATE_EPOCH": fmt.Sprint(sourceDateEpoch)},
		Extra:     extra,
	})
	b.took, b.progress = time.Since(start), out
	if err != nil {
		return b, fmt.Errorf("build %s %v: %w\n%s", name, extra, err, stack.Tail(out, 60))
	}
	l, err := ocirun.OpenLayout(b.dir, workDir)
	if err != nil {
		return b, err
	}
	idx, err := l.Index()
	if err != nil {
		return b, err
	}
	if len(idx.Manifests) != 1 {
		return b, fmt.Errorf("build %s: index.json lists %d entries, want the image index only", name, len(idx.Manifests))
	}
	b.index = idx.Manifests[0].Digest.String()
	if b.images, err = l.Images(); err != nil {
		return b, err
	}
	b.manifests = map[string]string{}
	for _, img := range b.images {
		b.manifests[platforms.Format(img.Platform)] = img.Descriptor.Digest.String()
	}
	return b, nil
}

// sameImages reports how two builds' images differ, per platform: manifest,
// config and layer digests; nil when they are the same.
func sameImages(a, b *epochBuilt) []string {
	var diffs []string
	if !reflect.DeepEqual(ocirun.Platforms(a.images), ocirun.Platforms(b.images)) {
		return []string{fmt.Sprintf("platforms %v and %v", ocirun.Platforms(a.images), ocirun.Platforms(b.images))}
	}
	for i, ia := range a.images {
		ib := b.images[i]
		if ia.Descriptor.Digest == ib.Descriptor.Digest {
			continue
		}
		d := fmt.Sprintf("%s: manifest %s and %s", platforms.Format(ia.Platform), ia.Descriptor.Digest, ib.Descriptor.Digest)
		if ia.Manifest.Config.Digest != ib.Manifest.Config.Digest {
			d += fmt.Sprintf("; config differs:\n%s\n%s", ia.RawConfig, ib.RawConfig)
		}
		for j := range min(len(ia.Manifest.Layers), len(ib.Manifest.Layers)) {
			if la, lb := ia.Manifest.Layers[j].Digest, ib.Manifest.Layers[j].Digest; la != lb {
				d += fmt.Sprintf("; layer %d %s and %s", j, la, lb)
			}
		}
		diffs = append(diffs, d)
	}
	return diffs
}

// pruneCacheMounts removes the cache mounts whose description mentions
// text (their cache id), best effort.
func pruneCacheMounts(t *testing.T, text string) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	out, err := stack.Cmd(ctx, "", nil, "buildctl", "--addr", env.BuildkitHost, "prune",
		"--filter", "type==exec.cachemount,description~="+text)
	if err != nil {
		t.Logf("pruning the cache mounts of %s: %v\n%s", text, err, out)
	}
}

// TestReproducible builds examples/hello for amd64 and arm64 twice from
// scratch with the same SOURCE_DATE_EPOCH and no exporter option: with
// --no-cache (every step runs again), the second time also with cache
// mounts of its own (BUILDKIT_CACHE_MOUNT_NS), so that neither the module
// cache nor the Go build cache of the first build is seen. The image index
// digests must be equal; a third build with buildx's default provenance
// attestation must list the same images. It also checks that the image
// says SOURCE_DATE_EPOCH wherever it holds a time.
func TestReproducible(t *testing.T) {
	needStack(t)
	ctxDir := exampleOutsideGit(t, "hello")
	ns := "go-app-e2e-repro-" + nonce()
	t.Cleanup(func() { pruneCacheMounts(t, ns) })
	ctx, cancel := ctxFor(t, 25*time.Minute)
	defer cancel()

	first, err := epochBuild(ctx, ctxDir, "hello", "--no-cache")
	if err != nil {
		t.Fatal(err)
	}
	second, err := epochBuild(ctx, ctxDir, "hello", "--no-cache", "--build-arg", "BUILDKIT_CACHE_MOUNT_NS="+ns)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("--no-cache build: %s, index %s; with fresh cache mounts: %s, index %s",
		first.took.Round(100*time.Millisecond), first.index, second.took.Round(100*time.Millisecond), second.index)
	// --no-cache reached every step (the first build's steps are in the
	// cache from earlier builds of the same LLB).
	for _, name := range []string{"go build", "go mod download", "runtime files:"} {
		for _, s := range stack.Find(stack.ParseProgress(first.progress), name) {
			if !s.Ran() {
				t.Errorf("step %q was CACHED in a --no-cache build", s.Name)
			}
		}
	}
	checkPlatforms(t, first.images, bothPlatforms)
	if first.index != second.index {
		t.Errorf("image index %s, then %s: not reproducible", first.index, second.index)
	}
	for _, d := range sameImages(first, second) {
		t.Errorf("not reproducible: %s", d)
	}

	t.Run("times", func(t *testing.T) {
		want := epochTime.Format(time.RFC3339)
		for _, img := range first.images {
			c := img.Config
			if c.Created == nil || !c.Created.Equal(epochTime) {
				t.Errorf("%s: created %v, want %s", platforms.Format(img.Platform), c.Created, want)
			}
			if len(c.History) == 0 {
				t.Errorf("%s: no history", platforms.Format(img.Platform))
			}
			for i, h := range c.History {
				if h.Created == nil || !h.Created.Equal(epochTime) {
					t.Errorf("%s: history[%d] (%s) created %v, want %s", platforms.Format(img.Platform), i, h.CreatedBy, h.Created, want)
				}
			}
			if got := c.Config.Labels["org.opencontainers.image.created"]; got != want {
				t.Errorf("%s: label org.opencontainers.image.created=%q, want %s", platforms.Format(img.Platform), got, want)
			}
			entries, err := img.Entries()
			if err != nil {
				t.Fatal(err)
			}
			var off []string
			for _, e := range entries {
				if !e.ModTime.Equal(epochTime) {
					off = append(off, fmt.Sprintf("layer %d %s %s", e.Layer, e.Path, e.ModTime.UTC().Format(time.RFC3339)))
				}
			}
			if len(off) > 0 {
				t.Errorf("%s: %d of %d entries not dated %s:\n%s", platforms.Format(img.Platform), len(off), len(entries), want, strings.Join(off[:min(len(off), 20)], "\n"))
			}
		}
	})

	t.Run("with provenance", func(t *testing.T) {
		ctx, cancel := ctxFor(t, 10*time.Minute)
		defer cancel()
		third, err := epochBuild(ctx, ctxDir, "hello", "--provenance=mode=min")
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range sameImages(first, third) {
			t.Errorf("with a provenance attestation: %s", d)
		}
		t.Logf("index with provenance %s (without: %s); the attestation records the build's times", third.index, first.index)
	})
}

var (
	epochRefsMu sync.Mutex
	epochRefs   = map[string]*epochBuilt{}
)

// epochRef is the sequential reference build of an example with
// SOURCE_DATE_EPOCH (build cache allowed), once per test binary.
func epochRef(t *testing.T, name string) *epochBuilt {
	t.Helper()
	epochRefsMu.Lock()
	defer epochRefsMu.Unlock()
	if b, ok := epochRefs[name]; ok {
		return b
	}
	ctx, cancel := ctxFor(t, 25*time.Minute)
	defer cancel()
	b, err := epochBuild(ctx, exampleOutsideGit(t, name), name)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("sequential build %s: %s, index %s", name, b.took.Round(100*time.Millisecond), b.index)
	epochRefs[name] = b
	return b
}

// TestConcurrentBuilds runs four builds at once on the one buildkitd, with
// --no-cache so that all of them run their steps, sharing the module and
// build cache mounts: examples/hello twice, deps and multi. All must
// succeed and give the images (and index) of sequential builds.
func TestConcurrentBuilds(t *testing.T) {
	needStack(t)
	names := []string{"hello", "hello", "deps", "multi"}
	refs := map[string]*epochBuilt{}
	for _, n := range names {
		refs[n] = epochRef(t, n)
	}

	ctx, cancel := ctxFor(t, 25*time.Minute)
	defer cancel()
	results := make([]*epochBuilt, len(names))
	errs := make([]error, len(names))
	var wg sync.WaitGroup
	start := time.Now()
	for i, n := range names {
		wg.Add(1)
		go func() {
			defer wg.Done()
			results[i], errs[i] = epochBuild(ctx, exampleOutsideGit(t, n), n, "--no-cache")
		}()
	}
	wg.Wait()
	t.Logf("4 concurrent builds: %s", time.Since(start).Round(100*time.Millisecond))
	for i, n := range names {
		if errs[i] != nil {
			t.Errorf("concurrent build %d (%s) failed: %v", i, n, errs[i])
			continue
		}
		t.Logf("concurrent build %d (%s): %s, index %s", i, n, results[i].took.Round(100*time.Millisecond), results[i].index)
		for _, d := range sameImages(refs[n], results[i]) {
			t.Errorf("concurrent build %d (%s) differs from the sequential one: %s", i, n, d)
		}
		if results[i].index != refs[n].index {
			t.Errorf("concurrent build %d (%s): index %s, sequential %s", i, n, results[i].index, refs[n].index)
		}
	}
}
