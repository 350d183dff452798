package e2e

import (
	"bytes"
	"fmt"
	"io/fs"
	"maps"
	"path"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/containerd/platforms"
	"github.com/goappfrontend/go-app/internal/ocirun"
	"github.com/goappfrontend/go-app/internal/stack"
)

// bothPlatforms are the platforms every example is built for.
var bothPlatforms = []string{"linux/amd64", "linux/arm64"}

// example is what the contract says an example's image looks like.
type example struct {
	name       string
	binaries   []string // in /usr/local/bin
	entrypoint string   // binary name
	ports      []string // ExposedPorts keys
	env        []string // besides PATH and SSL_CERT_FILE
	labels     map[string]string
	// build options of the shared build
	buildArgs   map[string]string
	buildLabels map[string]string
}

var examples = map[string]example{
	"hello": {
		name: "hello", binaries: []string{"hello"}, entrypoint: "hello", ports: []string{"8080/tcp"},
		labels:      map[string]string{"org.opencontainers.image.version": "1.2.3", "foo": "bar"},
		buildArgs:   map[string]string{"VERSION": "1.2.3"},
		buildLabels: map[string]string{"foo": "bar"},
	},
	"deps": {name: "deps", binaries: []string{"deps"}, entrypoint: "deps"},
	"multi": {
		name: "multi", binaries: []string{"api", "worker"}, entrypoint: "api", ports: []string{"8081/tcp"},
		env:    []string{"GREETING=hi"},
		labels: map[string]string{"org.example.team": "platform"},
	},
}

const (
	runtimePATH  = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
	sslCertFile  = "SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt"
	nonrootUser  = "65532:65532"
	maxNonBinary = 1 << 20 // bytes of files besides the binaries
)

// built is the result of one build, shared by the tests that need it.
type built struct {
	once     sync.Once
	dir      string
	progress string
	took     time.Duration
	images   []*ocirun.Image
	err      error
}

var (
	buildsMu sync.Mutex
	builds   = map[string]*built{}
)

// buildExample builds an example for bothPlatforms into an OCI layout,
// once per test binary, and returns its images.
func buildExample(t *testing.T, name string) *built {
	t.Helper()
	ex := examples[name]
	buildsMu.Lock()
	b := builds[name]
	if b == nil {
		b = &built{}
		builds[name] = b
	}
	buildsMu.Unlock()
	b.once.Do(func() {
		b.dir = tmpDir(t, "oci-"+name+"-")
		ctx, cancel := ctxFor(t, 25*time.Minute)
		defer cancel()
		start := time.Now()
		b.progress, b.err = env.Buildx(ctx, stack.Build{
			Context:   exampleDir(name),
			Platforms: bothPlatforms,
			Output:    stack.OCIOutput(b.dir),
			BuildArgs: ex.buildArgs,
			Labels:    ex.buildLabels,
		})
		b.took = time.Since(start)
		if b.err != nil {
			return
		}
		b.images, b.err = openImages(b.dir)
	})
	if b.err != nil {
		t.Fatalf("build %s: %v\n%s", name, b.err, stack.Tail(b.progress, 150))
	}
	t.Logf("build %s: %s", name, b.took.Round(100*time.Millisecond))
	return b
}

func openImages(dir string) ([]*ocirun.Image, error) {
	l, err := ocirun.OpenLayout(dir, workDir)
	if err != nil {
		return nil, err
	}
	return l.Images()
}

// checkPlatforms asserts that imgs are exactly the platforms want.
func checkPlatforms(t *testing.T, imgs []*ocirun.Image, want []string) {
	t.Helper()
	got := ocirun.Platforms(imgs)
	w := slices.Sorted(slices.Values(want))
	if !reflect.DeepEqual(got, w) {
		t.Fatalf("index has platforms %v, want %v", got, w)
	}
}

// problems collects contract violations.
type problems []string

func (p *problems) add(format string, args ...any) { *p = append(*p, fmt.Sprintf(format, args...)) }

// configProblems checks the image config part of the contract.
func configProblems(ex example, img *ocirun.Image) problems {
	var bad problems
	c := img.Config.Config
	wantEP := []string{"/usr/local/bin/" + ex.entrypoint}
	if !reflect.DeepEqual(c.Entrypoint, wantEP) {
		bad.add("Entrypoint %q, want %q", c.Entrypoint, wantEP)
	}
	if c.User != nonrootUser {
		bad.add("User %q, want %q", c.User, nonrootUser)
	}
	if c.WorkingDir != "/" {
		bad.add("WorkingDir %q, want /", c.WorkingDir)
	}
	for _, kv := range append([]string{runtimePATH, sslCertFile}, ex.env...) {
		k, v, _ := strings.Cut(kv, "=")
		if got, ok := ocirun.EnvValue(c.Env, k); !ok || got != v {
			bad.add("Env %q lacks %s", c.Env, kv)
		}
	}
	ports := slices.Sorted(maps.Keys(c.ExposedPorts))
	if !reflect.DeepEqual(ports, ex.ports) && (len(ports) > 0 || len(ex.ports) > 0) {
		bad.add("ExposedPorts %v, want %v", ports, ex.ports)
	}
	if img.Config.OS != "linux" || img.Config.OS != img.Platform.OS {
		bad.add("config os %q, index entry %q, want linux", img.Config.OS, img.Platform.OS)
	}
	if img.Config.Architecture != img.Platform.Architecture {
		bad.add("config architecture %q, index entry %q", img.Config.Architecture, img.Platform.Architecture)
	}
	if got := c.Labels["org.opencontainers.image.title"]; got != ex.entrypoint {
		bad.add("label org.opencontainers.image.title=%q, want %q", got, ex.entrypoint)
	}
	if created := c.Labels["org.opencontainers.image.created"]; created == "" {
		bad.add("no org.opencontainers.image.created label (labels %v)", c.Labels)
	} else if _, err := time.Parse(time.RFC3339, created); err != nil {
		bad.add("label org.opencontainers.image.created=%q is not RFC 3339: %v", created, err)
	}
	for _, k := range slices.Sorted(maps.Keys(ex.labels)) {
		if got, ok := c.Labels[k]; !ok || got != ex.labels[k] {
			bad.add("label %s=%q (set: %v), want %q; labels %v", k, got, ok, ex.labels[k], c.Labels)
		}
	}
	return bad
}

func listing(all []ocirun.Entry) string {
	var b strings.Builder
	for _, e := range all {
		fmt.Fprintf(&b, "  layer %d: %s\n", e.Layer, e)
	}
	return b.String()
}

// fileProblems checks the layer and file part of the contract, and that
// the binaries are static ELF executables for the image's architecture.
// notes are worth logging but no violation.
func fileProblems(ex example, img *ocirun.Image) (bad problems, notes []string) {
	if n := len(img.Manifest.Layers); n == 0 || n > 3 {
		bad.add("%d layers, want at most 3 (2 expected)", n)
	} else if n != 2 {
		notes = append(notes, fmt.Sprintf("%d layers (2 expected: runtime files, then binaries)", n))
	}
	all, err := img.Entries()
	if err != nil {
		bad.add("read layers: %v", err)
		return bad, notes
	}
	final := map[string]ocirun.Entry{}
	for _, e := range all {
		if base := path.Base(e.Path); strings.HasPrefix(base, ".wh.") {
			bad.add("whiteout %s in a scratch-based image (layer %d)", e.Path, e.Layer)
			continue
		}
		final[e.Path] = e
	}
	list := listing(all)

	// Nothing but the runtime files, the zoneinfo tree and the binaries.
	allowed := map[string]bool{
		"/": true, "/etc": true, "/etc/passwd": true, "/etc/group": true,
		"/etc/ssl": true, "/etc/ssl/certs": true, "/etc/ssl/certs/ca-certificates.crt": true,
		"/tmp": true, "/usr": true, "/usr/share": true, "/usr/share/zoneinfo": true,
		"/usr/local": true, "/usr/local/bin": true,
	}
	var unexpected []string
	for p := range final {
		top := strings.SplitN(strings.TrimPrefix(p, "/"), "/", 2)[0]
		switch {
		case top != "etc" && top != "usr" && top != "tmp" && top != "":
			unexpected = append(unexpected, p+" (unexpected top-level entry)")
		case allowed[p], strings.HasPrefix(p, "/usr/share/zoneinfo/"), path.Dir(p) == "/usr/local/bin":
		default:
			unexpected = append(unexpected, p)
		}
	}
	if len(unexpected) > 0 {
		slices.Sort(unexpected)
		bad.add("unexpected entries:\n  %s\nthe image holds:\n%s", strings.Join(unexpected, "\n  "), list)
	}

	// Binaries.
	var bins []string
	for p, e := range final {
		if path.Dir(p) == "/usr/local/bin" && !e.IsDir() {
			bins = append(bins, path.Base(p))
		}
	}
	slices.Sort(bins)
	want := slices.Sorted(slices.Values(ex.binaries))
	if !reflect.DeepEqual(bins, want) {
		bad.add("/usr/local/bin holds %v, want %v", bins, want)
	}
	for _, name := range ex.binaries {
		p := "/usr/local/bin/" + name
		e, ok := final[p]
		if !ok {
			continue
		}
		if !e.IsRegular() || e.Mode != 0o755 || e.UID != 0 {
			bad.add("%s: %v, want a regular file, mode 0755, uid 0", p, e)
		}
		data, err := img.ReadFile(p)
		if err != nil {
			bad.add("read %s: %v", p, err)
			continue
		}
		if info, err := ocirun.CheckStaticELF(bytes.NewReader(data), img.Platform.Architecture); err != nil {
			bad.add("%s is not a static %s executable: %v (%+v)", p, img.Platform.Architecture, err, info)
		}
	}

	// Runtime files.
	certs := final["/etc/ssl/certs/ca-certificates.crt"]
	if !certs.IsRegular() || certs.Size == 0 || certs.Mode != 0o644 || certs.UID != 0 {
		bad.add("/etc/ssl/certs/ca-certificates.crt: %v, want a non-empty regular file, mode 0644, uid 0", certs)
	}
	for _, p := range []string{"/usr/share/zoneinfo/Asia/Shanghai", "/usr/share/zoneinfo/UTC"} {
		if _, ok := final[p]; !ok {
			bad.add("no %s", p)
		}
	}
	bad = append(bad, lineProblems(img, "/etc/passwd", "nonroot:x:65532:65532:", "root:x:0:0:")...)
	bad = append(bad, lineProblems(img, "/etc/group", "nonroot:x:65532:")...)
	if tmp, ok := final["/tmp"]; !ok || !tmp.IsDir() || tmp.Mode&fs.ModeSticky == 0 || tmp.Mode.Perm() != 0o777 {
		bad.add("/tmp: %v (present: %v), want a directory with mode 1777", tmp, ok)
	}

	var size int64
	for p, e := range final {
		if path.Dir(p) != "/usr/local/bin" && e.IsRegular() {
			size += e.Size
		}
	}
	if size > maxNonBinary {
		bad.add("files besides the binaries take %d bytes, want at most %d:\n%s", size, maxNonBinary, list)
	}
	notes = append(notes, fmt.Sprintf("%s: %d layers, %d entries, %d bytes besides the binaries", platforms.Format(img.Platform), len(img.Manifest.Layers), len(final), size))
	return bad, notes
}

// lineProblems checks that the file at p has a line starting with each
// prefix.
func lineProblems(img *ocirun.Image, p string, prefixes ...string) problems {
	var bad problems
	data, err := img.ReadFile(p)
	if err != nil {
		bad.add("read %s: %v", p, err)
		return bad
	}
	lines := strings.Split(string(data), "\n")
	for _, pre := range prefixes {
		if !slices.ContainsFunc(lines, func(l string) bool { return strings.HasPrefix(l, pre) }) {
			bad.add("%s has no line starting %q:\n%s", p, pre, data)
		}
	}
	return bad
}

// checkImage asserts the whole image contract for one platform.
func checkImage(t *testing.T, ex example, img *ocirun.Image) {
	t.Helper()
	for _, p := range configProblems(ex, img) {
		t.Errorf("%s: config: %s", platforms.Format(img.Platform), p)
	}
	bad, notes := fileProblems(ex, img)
	for _, n := range notes {
		t.Log(n)
	}
	for _, p := range bad {
		t.Errorf("%s: files: %s", platforms.Format(img.Platform), p)
	}
}
