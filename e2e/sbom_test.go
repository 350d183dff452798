package e2e

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/containerd/platforms"
	"github.com/goappfrontend/go-app/internal/ocirun"
	"github.com/goappfrontend/go-app/internal/stack"
	digest "github.com/opencontainers/go-digest"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
)

// The supply-chain attestations, read back the way a user reads them: the
// SBOM go-app writes with --sbom=true from the Go build information of the
// binaries (compared with `go version -m` of the binaries pulled from the
// registry, and with what syft finds in the same image), the provenance of
// --provenance=mode=max (the frontend and toolchain images by digest), the
// SBOM of the binaries target next to the binaries, and the SBOM of two
// builds with SOURCE_DATE_EPOCH, byte for byte.

// spdxDoc is what the tests read of an SPDX 2.3 JSON document.
type spdxDoc struct {
	SPDXVersion       string `json:"spdxVersion"`
	Name              string `json:"name"`
	DocumentNamespace string `json:"documentNamespace"`
	CreationInfo      struct {
		Created  string   `json:"created"`
		Creators []string `json:"creators"`
	} `json:"creationInfo"`
	Packages []spdxPackage `json:"packages"`
	Files    []struct {
		FileName  string         `json:"fileName"`
		Checksums []spdxChecksum `json:"checksums"`
	} `json:"files"`
}

type spdxPackage struct {
	Name         string         `json:"name"`
	Version      string         `json:"versionInfo"`
	SourceInfo   string         `json:"sourceInfo"`
	Comment      string         `json:"comment"`
	Checksums    []spdxChecksum `json:"checksums"`
	ExternalRefs []struct {
		Type    string `json:"referenceType"`
		Locator string `json:"referenceLocator"`
	} `json:"externalRefs"`
}

type spdxChecksum struct {
	Algorithm string `json:"algorithm"`
	Value     string `json:"checksumValue"`
}

func (p spdxPackage) purl() string {
	for _, r := range p.ExternalRefs {
		if r.Type == "purl" {
			return r.Locator
		}
	}
	return ""
}

func (p spdxPackage) sha256() string {
	for _, c := range p.Checksums {
		if c.Algorithm == "SHA256" {
			return c.Value
		}
	}
	return ""
}

// goModules are the Go packages of a document (package URL pkg:golang/),
// as "path@version", with their SHA256 checksums.
func (d spdxDoc) goModules() map[string]string {
	m := map[string]string{}
	for _, p := range d.Packages {
		if strings.HasPrefix(p.purl(), "pkg:golang/") {
			m[p.Name+"@"+p.Version] = p.sha256()
		}
	}
	return m
}

func (d spdxDoc) pkg(name string) (spdxPackage, bool) {
	i := slices.IndexFunc(d.Packages, func(p spdxPackage) bool { return p.Name == name })
	if i < 0 {
		return spdxPackage{}, false
	}
	return d.Packages[i], true
}

func (d spdxDoc) fileSHA256(name string) string {
	for _, f := range d.Files {
		if f.FileName == name {
			for _, c := range f.Checksums {
				if c.Algorithm == "SHA256" {
					return c.Value
				}
			}
		}
	}
	return ""
}

// goVersionM runs `go version -m` on a binary and returns its modules as
// goModules does: the main module, every dependency (the replacement when
// replaced) with the SHA-256 of its go.sum hash, and the standard library
// as "stdlib@goX.Y.Z".
func goVersionM(t *testing.T, file string) map[string]string {
	t.Helper()
	ctx, cancel := ctxFor(t, time.Minute)
	defer cancel()
	out, err := stack.Cmd(ctx, "", nil, "go", "version", "-m", file)
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	m := map[string]string{}
	last := ""
	sc := bufio.NewScanner(strings.NewReader(out))
	for first := true; sc.Scan(); first = false {
		line := sc.Text()
		if first {
			_, v, _ := strings.Cut(line, ": ")
			v, _, _ = strings.Cut(v, " ")
			m["stdlib@"+v] = ""
			continue
		}
		f := strings.Split(strings.TrimSpace(line), "\t")
		switch {
		case f[0] == "mod" && len(f) >= 3:
			m[f[1]+"@"+f[2]] = h1Hex(f[3:])
		case f[0] == "dep" && len(f) >= 3:
			last = f[1] + "@" + f[2]
			m[last] = h1Hex(f[3:])
		case f[0] == "=>" && len(f) >= 2:
			delete(m, last)
			v := ""
			if len(f) >= 3 {
				v = f[2]
			}
			m[f[1]+"@"+v] = h1Hex(f[3:])
		}
	}
	return m
}

// h1Hex is the hex SHA-256 of a go.sum hash ("h1:base64"), or "".
func h1Hex(rest []string) string {
	if len(rest) == 0 {
		return ""
	}
	b, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(rest[0], "h1:"))
	if err != nil {
		return ""
	}
	return hex.EncodeToString(b)
}

// writeImageFile writes a file of an image to a temporary file and
// returns its path.
func writeImageFile(t *testing.T, img *ocirun.Image, file string) string {
	t.Helper()
	b, err := img.ReadFile(file)
	if err != nil {
		t.Fatalf("%s: %v", platforms.Format(img.Platform), err)
	}
	p := filepath.Join(tmpDir(t, "file-"), path.Base(file))
	if err := os.WriteFile(p, b, 0o755); err != nil {
		t.Fatal(err)
	}
	return p
}

// compareModules reports the differences between the Go modules of the
// SBOM and those of `go version -m`, checksums included.
func compareModules(t *testing.T, what string, sbom, goM map[string]string) {
	t.Helper()
	for k, sum := range goM {
		got, ok := sbom[k]
		switch {
		case !ok:
			t.Errorf("%s: go version -m lists %s, the SBOM does not (SBOM: %v)", what, k, slices.Sorted(mapKeys(sbom)))
		case got != sum:
			t.Errorf("%s: %s: SBOM checksum %q, go.sum hash of go version -m %q", what, k, got, sum)
		}
	}
	for k := range sbom {
		if _, ok := goM[k]; !ok {
			t.Errorf("%s: the SBOM lists %s, go version -m does not", what, k)
		}
	}
}

func mapKeys[V any](m map[string]V) func(func(string) bool) {
	return func(yield func(string) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}

// TestSBOM builds the grpc example for both platforms with --sbom=true and
// --provenance=mode=max, pushes it, and reads the attestations back.
func TestSBOM(t *testing.T) {
	needStack(t)
	ctx, cancel := ctxFor(t, 20*time.Minute)
	defer cancel()
	name := env.Registry + "/go-app-e2e/sbom-grpc-" + nonce() + ":1"
	out, err := env.Buildx(ctx, stack.Build{
		Context:   exampleDir("grpc"),
		Platforms: bothPlatforms,
		Output:    "type=image,name=" + name + ",push=true,registry.insecure=true",
		Extra:     []string{"--sbom=true", "--provenance=mode=max"},
	})
	if err != nil {
		t.Fatalf("%v\n%s", err, stack.Tail(out, 60))
	}
	if strings.Contains(out, "generating sbom using") {
		t.Errorf("a scanner image ran; go-app writes the SBOM itself:\n%s", stack.Tail(out, 40))
	}
	if len(stack.Find(stack.ParseProgress(out), "SBOM: SPDX document")) != len(bothPlatforms) {
		t.Errorf("want one SBOM step per platform:\n%s", stack.Tail(out, 40))
	}

	var sboms map[string]struct{ SPDX spdxDoc }
	imagetoolsJSON(t, name, "SBOM", &sboms)
	imgs := pullImages(t, name)
	checkPlatforms(t, imgs, bothPlatforms)
	const bin = "/usr/local/bin/server"
	for _, img := range imgs {
		p := platforms.Format(img.Platform)
		s, ok := sboms[p]
		if !ok {
			t.Fatalf("no SBOM for %s (SBOMs for %v)", p, slices.Sorted(mapKeys(sboms)))
		}
		doc := &s.SPDX
		if doc.SPDXVersion != "SPDX-2.3" || !strings.HasPrefix(doc.DocumentNamespace, "https://") {
			t.Errorf("%s: spdxVersion %q, documentNamespace %q", p, doc.SPDXVersion, doc.DocumentNamespace)
		}
		file := writeImageFile(t, img, bin)
		compareModules(t, p, doc.goModules(), goVersionM(t, file))
		if sum := sha256File(t, file); doc.fileSHA256(bin) != sum {
			t.Errorf("%s: SBOM SHA256 of %s %q, the image's %s", p, bin, doc.fileSHA256(bin), sum)
		}
		ca := writeImageFile(t, img, "/etc/ssl/certs/ca-certificates.crt")
		if got, want := doc.fileSHA256("/etc/ssl/certs/ca-certificates.crt"), sha256File(t, ca); got != want {
			t.Errorf("%s: SBOM SHA256 of the CA bundle %q, the image's %s", p, got, want)
		}
		for _, n := range []string{"ca-certificates", "tzdata"} {
			c, ok := doc.pkg(n)
			if !ok || !strings.Contains(c.SourceInfo, "@sha256:") {
				t.Errorf("%s: package %s missing or without the toolchain image's digest in sourceInfo: %+v", p, n, c)
			}
		}
		if tz, _ := doc.pkg("tzdata"); tz.Version == "" {
			t.Errorf("%s: tzdata has no version", p)
		}
		t.Logf("%s: %d packages, %d Go modules; created %s by %v", p, len(doc.Packages), len(doc.goModules()), doc.CreationInfo.Created, doc.CreationInfo.Creators)
	}

	t.Run("provenance", func(t *testing.T) {
		provs := readProvenance(t, name)
		frontendRepo, _ := splitRef(env.FrontendImage)
		frontend := manifestDigest(t, env.FrontendImage)
		toolchain := manifestDigest(t, env.Registry+"/library/golang:1.26")
		for _, p := range bothPlatforms {
			deps := provs[p]
			if len(deps) == 0 {
				t.Fatalf("%s: no resolvedDependencies in the provenance", p)
			}
			has := func(repo string, d digest.Digest) bool {
				return slices.ContainsFunc(deps, func(m material) bool {
					return strings.HasPrefix(m.URI, "pkg:docker/"+repo) && m.Digest["sha256"] == d.Encoded()
				})
			}
			if !has(frontendRepo, frontend) {
				t.Errorf("%s: the provenance does not record the frontend image %s by its digest %s: %+v", p, env.FrontendImage, frontend, deps)
			}
			if !has("golang", toolchain) {
				t.Errorf("%s: the provenance does not record the toolchain image golang:1.26 by its digest %s: %+v", p, toolchain, deps)
			}
		}
	})

	t.Run("syft", func(t *testing.T) {
		if _, err := exec.LookPath(env.Syft); err != nil {
			skipOrFail(t, "syft (GOAPP_SYFT; hack/stack.sh up builds it)", err)
		}
		for _, img := range imgs {
			p := platforms.Format(img.Platform)
			ctx, cancel := ctxFor(t, 5*time.Minute)
			out, err := stack.Cmd(ctx, "", []string{"SYFT_REGISTRY_INSECURE_USE_HTTP=true", "SYFT_CHECK_FOR_APP_UPDATE=false"},
				env.Syft, "scan", "registry:"+name, "--platform", p, "-o", "json", "-q")
			cancel()
			if err != nil {
				t.Fatalf("%v\n%s", err, stack.Tail(out, 20))
			}
			var res struct {
				Artifacts []struct{ Name, Version, Type string }
			}
			if err := json.Unmarshal([]byte(out), &res); err != nil {
				t.Fatalf("decoding syft's output: %v\n%s", err, stack.Tail(out, 20))
			}
			ours := sboms[p].SPDX.goModules()
			found := map[string]bool{}
			var noVersion []string
			for _, a := range res.Artifacts {
				if a.Type != "go-module" {
					continue
				}
				k := a.Name + "@" + a.Version
				if _, ok := ours[k]; ok {
					found[k] = true
					continue
				}
				// syft gives a main module without a version
				// ("(devel)" in the build information) the version
				// UNKNOWN: the same module, by name.
				if a.Version == "UNKNOWN" {
					if k, ok := moduleNamed(ours, a.Name); ok {
						found[k] = true
						noVersion = append(noVersion, a.Name+"@UNKNOWN (go-app: "+k+")")
						continue
					}
				}
				t.Errorf("%s: syft finds %s, go-app's SBOM does not list it", p, k)
			}
			var missed []string
			for k := range ours {
				if !found[k] {
					missed = append(missed, k)
				}
			}
			slices.Sort(missed)
			var others []string
			for _, pk := range sboms[p].SPDX.Packages {
				if !strings.HasPrefix(pk.purl(), "pkg:golang/") && !slices.ContainsFunc(res.Artifacts, func(a struct{ Name, Version, Type string }) bool { return a.Name == pk.Name }) {
					others = append(others, pk.Name+"@"+pk.Version)
				}
			}
			t.Logf("%s: go-app's packages that are not Go modules and that syft does not list: %v", p, others)
			t.Logf("%s: syft finds %d Go modules, each in go-app's SBOM (without a version: %v); go-app lists %d that syft misses: %v",
				p, len(found), noVersion, len(missed), missed)
		}
	})
}

// moduleNamed finds the module path@version of a goModules map by path.
func moduleNamed(mods map[string]string, name string) (string, bool) {
	for k := range mods {
		if strings.HasPrefix(k, name+"@") {
			return k, true
		}
	}
	return "", false
}

func sha256File(t *testing.T, file string) string {
	t.Helper()
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// TestSBOMBinaries builds the binaries target with --sbom=true to a local
// directory: BuildKit writes each platform's SBOM, as an in-toto
// statement about the binaries, next to them.
func TestSBOMBinaries(t *testing.T) {
	needStack(t)
	ctx, cancel := ctxFor(t, 15*time.Minute)
	defer cancel()
	dir := tmpDir(t, "sbom-binaries-")
	out, err := env.Buildx(ctx, stack.Build{
		Context:   exampleDir("multi"),
		Platforms: bothPlatforms,
		Output:    "type=local,dest=" + dir,
		Extra:     []string{"--target", "binaries", "--sbom=true"},
	})
	if err != nil {
		t.Fatalf("%v\n%s", err, stack.Tail(out, 60))
	}
	for _, p := range bothPlatforms {
		pdir := filepath.Join(dir, strings.ReplaceAll(p, "/", "_"))
		b, err := os.ReadFile(filepath.Join(pdir, "sbom.spdx.json"))
		if err != nil {
			t.Fatalf("%s: %v (the directory holds %v)", p, err, listDir(pdir))
		}
		var stmt struct {
			PredicateType string `json:"predicateType"`
			Subject       []struct {
				Name   string            `json:"name"`
				Digest map[string]string `json:"digest"`
			} `json:"subject"`
			Predicate spdxDoc `json:"predicate"`
		}
		if err := json.Unmarshal(b, &stmt); err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		if stmt.PredicateType != "https://spdx.dev/Document" {
			t.Errorf("%s: predicateType %q", p, stmt.PredicateType)
		}
		for _, name := range []string{"api", "worker"} {
			file := filepath.Join(pdir, name)
			sum := sha256File(t, file)
			if !slices.ContainsFunc(stmt.Subject, func(s struct {
				Name   string            `json:"name"`
				Digest map[string]string `json:"digest"`
			}) bool {
				return s.Name == name && s.Digest["sha256"] == sum
			}) {
				t.Errorf("%s: the statement's subjects %+v lack %s sha256:%s", p, stmt.Subject, name, sum)
			}
			if got := stmt.Predicate.fileSHA256("/" + name); got != sum {
				t.Errorf("%s: SBOM SHA256 of /%s %q, the file's %s", p, name, got, sum)
			}
		}
		// Both binaries come from one module: the SBOM's Go modules are
		// those of both.
		want := goVersionM(t, filepath.Join(pdir, "api"))
		for k, v := range goVersionM(t, filepath.Join(pdir, "worker")) {
			want[k] = v
		}
		compareModules(t, p, stmt.Predicate.goModules(), want)
	}
}

func listDir(dir string) []string {
	es, _ := os.ReadDir(dir)
	var names []string
	for _, e := range es {
		names = append(names, e.Name())
	}
	return names
}

// TestSBOMReproducible builds an example twice with SOURCE_DATE_EPOCH and
// --sbom=true, each with --no-cache (the second with fresh cache mounts):
// the same image index, so the same images and the same SBOM, byte for
// byte, dated SOURCE_DATE_EPOCH.
func TestSBOMReproducible(t *testing.T) {
	needStack(t)
	ctxDir := exampleOutsideGit(t, "deps")
	ns := "go-app-e2e-sbom-repro-" + nonce()
	t.Cleanup(func() { pruneCacheMounts(t, ns) })
	ctx, cancel := ctxFor(t, 20*time.Minute)
	defer cancel()
	first, err := epochBuild(ctx, ctxDir, "deps", "--no-cache", "--sbom=true")
	if err != nil {
		t.Fatal(err)
	}
	second, err := epochBuild(ctx, ctxDir, "deps", "--no-cache", "--sbom=true", "--build-arg", "BUILDKIT_CACHE_MOUNT_NS="+ns)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range stack.Find(stack.ParseProgress(second.progress), "SBOM: SPDX document") {
		if !s.Ran() {
			t.Errorf("step %q was CACHED in a --no-cache build", s.Name)
		}
	}
	a, b := layoutSBOMs(t, first.dir), layoutSBOMs(t, second.dir)
	if len(a) != len(bothPlatforms) {
		t.Fatalf("the first build has SBOMs for %v, want %v", slices.Sorted(mapKeys(a)), bothPlatforms)
	}
	for p, sa := range a {
		if !bytes.Equal(sa, b[p]) {
			t.Errorf("%s: the SBOMs of the two builds differ:\n%s\n%s", p, sa, b[p])
		}
		var stmt struct{ Predicate spdxDoc }
		if err := json.Unmarshal(sa, &stmt); err != nil {
			t.Fatal(err)
		}
		if want := epochTime.Format(time.RFC3339); stmt.Predicate.CreationInfo.Created != want {
			t.Errorf("%s: SBOM created %s, want SOURCE_DATE_EPOCH %s", p, stmt.Predicate.CreationInfo.Created, want)
		}
	}
	if first.index != second.index {
		t.Errorf("image index %s, then %s: not reproducible", first.index, second.index)
	}
	for _, d := range sameImages(first, second) {
		t.Errorf("not reproducible: %s", d)
	}
}

// layoutSBOMs reads the SPDX in-toto statements of an OCI layout's
// attestation manifests, by the platform of the image they are about.
func layoutSBOMs(t *testing.T, dir string) map[string][]byte {
	t.Helper()
	l, err := ocirun.OpenLayout(dir, workDir)
	if err != nil {
		t.Fatal(err)
	}
	top, err := l.Index()
	if err != nil {
		t.Fatal(err)
	}
	var idx ocispec.Index
	b, err := l.ReadBlob(top.Manifests[0])
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &idx); err != nil {
		t.Fatal(err)
	}
	platformOf := map[digest.Digest]string{}
	for _, m := range idx.Manifests {
		if !ocirun.IsAttestation(m) && m.Platform != nil {
			platformOf[m.Digest] = platforms.Format(*m.Platform)
		}
	}
	out := map[string][]byte{}
	for _, m := range idx.Manifests {
		if !ocirun.IsAttestation(m) {
			continue
		}
		var mf ocispec.Manifest
		b, err := l.ReadBlob(m)
		if err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(b, &mf); err != nil {
			t.Fatal(err)
		}
		for _, layer := range mf.Layers {
			if layer.Annotations["in-toto.io/predicate-type"] != "https://spdx.dev/Document" {
				continue
			}
			b, err := l.ReadBlob(layer)
			if err != nil {
				t.Fatal(err)
			}
			out[platformOf[digest.Digest(m.Annotations["vnd.docker.reference.digest"])]] = b
		}
	}
	return out
}

// TestSBOMGenerator: --sbom=generator=IMAGE runs that scanner instead of
// go-app's own SBOM step. The scanner here is a stand-in that writes a
// fixed SPDX statement where BuildKit's scanner protocol says
// ($BUILDKIT_SCAN_DESTINATION), on the stack's toolchain image (which has
// a shell).
func TestSBOMGenerator(t *testing.T) {
	needStack(t)
	ctx, cancel := ctxFor(t, 15*time.Minute)
	defer cancel()
	scanner := env.Registry + "/go-app-e2e/sbom-scanner:" + nonce()
	dir := t.TempDir()
	writeTree(t, dir, map[string]string{
		"statement.json": `{"_type":"https://in-toto.io/Statement/v0.1","predicateType":"https://spdx.dev/Document","subject":[],` +
			`"predicate":{"spdxVersion":"SPDX-2.3","dataLicense":"CC0-1.0","SPDXID":"SPDXRef-DOCUMENT","name":"stand-in scanner",` +
			`"documentNamespace":"https://example.com/stand-in","creationInfo":{"creators":["Tool: stand-in"],"created":"2023-11-14T22:13:20Z"}}}` + "\n",
		"Dockerfile": "FROM " + env.Registry + "/library/golang:1.26\nCOPY statement.json /statement.json\n" +
			`ENTRYPOINT ["/bin/sh", "-c", "cp /statement.json \"$BUILDKIT_SCAN_DESTINATION/sbom.spdx.json\""]` + "\n",
	})
	out, err := stack.Cmd(ctx, "", nil, "buildctl", "--addr", env.BuildkitHost, "build", "--progress=plain",
		"--frontend", "dockerfile.v0", "--local", "context="+dir, "--local", "dockerfile="+dir,
		"--output", "type=image,name="+scanner+",push=true,registry.insecure=true")
	if err != nil {
		t.Fatalf("pushing the scanner image: %v\n%s", err, stack.Tail(out, 40))
	}
	name := env.Registry + "/go-app-e2e/sbom-generator-" + nonce() + ":1"
	out, err = env.Buildx(ctx, stack.Build{
		Context:   exampleDir("hello"),
		Platforms: []string{"linux/amd64"},
		Output:    "type=image,name=" + name + ",push=true,registry.insecure=true",
		Extra:     []string{"--sbom=generator=" + scanner, "--provenance=false"},
	})
	if err != nil {
		t.Fatalf("%v\n%s", err, stack.Tail(out, 60))
	}
	if len(stack.Find(stack.ParseProgress(out), "SBOM: SPDX document")) > 0 {
		t.Errorf("go-app's SBOM step ran though a generator was named:\n%s", stack.Tail(out, 40))
	}
	if !strings.Contains(out, "generating sbom using "+scanner) {
		t.Errorf("the scanner did not run:\n%s", stack.Tail(out, 40))
	}
	// One platform: imagetools shows its SBOM alone, not by platform.
	var sbom struct{ SPDX spdxDoc }
	imagetoolsJSON(t, name, "SBOM", &sbom)
	if got := sbom.SPDX.Name; got != "stand-in scanner" {
		t.Errorf("the SBOM is %q, want the scanner's (%+v)", got, sbom)
	}
}

// TestSBOMDebug: the debug target's SBOM names the busybox image it adds,
// by digest, besides the Go modules of the binary.
func TestSBOMDebug(t *testing.T) {
	needStack(t)
	ctx, cancel := ctxFor(t, 10*time.Minute)
	defer cancel()
	dir := tmpDir(t, "oci-sbom-debug-")
	out, err := env.Buildx(ctx, stack.Build{
		Context:   exampleDir("hello"),
		Platforms: []string{"linux/arm64"},
		Output:    stack.OCIOutput(dir),
		Extra:     []string{"--target", "debug", "--sbom=true", "--provenance=false"},
	})
	if err != nil {
		t.Fatalf("%v\n%s", err, stack.Tail(out, 60))
	}
	sboms := layoutSBOMs(t, dir)
	var stmt struct{ Predicate spdxDoc }
	if err := json.Unmarshal(sboms["linux/arm64"], &stmt); err != nil {
		t.Fatalf("%v (SBOMs for %v)", err, slices.Sorted(mapKeys(sboms)))
	}
	doc := stmt.Predicate
	bb, ok := doc.pkg("docker.io/library/busybox:1.37.0-musl")
	if !ok || !strings.HasPrefix(bb.Version, "sha256:") || !strings.HasPrefix(bb.purl(), "pkg:docker/busybox@1.37.0-musl?digest=sha256:") {
		t.Errorf("busybox package %+v (packages: %+v)", bb, doc.Packages)
	}
	if _, ok := doc.pkg("stdlib"); !ok || !strings.HasPrefix(doc.Name, "go-app debug image linux/arm64") {
		t.Errorf("document %q without the standard library: %+v", doc.Name, doc.Packages)
	}
}
