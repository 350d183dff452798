package sbom

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"runtime/debug"
	"strings"
	"testing"
	"time"

	spdxjson "github.com/spdx/tools-golang/json"
	"github.com/spdx/tools-golang/spdx/v2/common"
)

var created = time.Date(2023, 11, 14, 22, 13, 20, 0, time.UTC)

func testInput() Input {
	info := &debug.BuildInfo{
		GoVersion: "go1.26.0 X:nocoverageredesign",
		Path:      "example.com/app/cmd/api",
		Main:      debug.Module{Path: "example.com/app", Version: "(devel)"},
		Deps: []*debug.Module{
			{Path: "github.com/google/uuid", Version: "v1.6.0", Sum: "h1:NIvaJDMOsjHA8n1jAhLSgzrAzy1Hgr+hNrb57e+94F0="},
			{Path: "golang.org/x/text", Version: "v0.30.0", Sum: "h1:yznKA/E9zq54KzlzBEAWn1NXSQ8DIp/NYMy88xJjl4k=",
				Replace: &debug.Module{Path: "example.com/fork/text", Version: "v0.30.1", Sum: "h1:yznKA/E9zq54KzlzBEAWn1NXSQ8DIp/NYMy88xJjl4k="}},
			{Path: "example.com/local", Version: "v0.0.0", Replace: &debug.Module{Path: "../local"}},
		},
		Settings: []debug.BuildSetting{{Key: "-trimpath", Value: "true"}, {Key: "GOARCH", Value: "amd64"}, {Key: "vcs.revision", Value: "abc123"}},
	}
	worker := *info
	worker.Path = "example.com/app/cmd/worker"
	worker.Deps = info.Deps[:1]
	return Input{
		Name:    "go-app image linux/amd64: api, worker",
		Created: created,
		Binaries: []Binary{
			{Path: "/usr/local/bin/api", SHA1: "aa", SHA256: "bb", Info: info, Version: "v1.2.3"},
			{Path: "/usr/local/bin/worker", SHA1: "cc", SHA256: "dd", Info: &worker, Version: "v1.2.3"},
		},
		Components: []Component{{Name: "ca-certificates", Purpose: "FILE", SourceInfo: "the CA bundle of golang:1.26@sha256:00",
			Files: []File{{Path: "/etc/ssl/certs/ca-certificates.crt", SHA1: "ee", SHA256: "ff"}}}},
	}
}

func marshal(t *testing.T, in Input) []byte {
	t.Helper()
	doc, err := Document(in)
	if err != nil {
		t.Fatal(err)
	}
	b, err := Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestDocument(t *testing.T) {
	b := marshal(t, testInput())
	// tools-golang reads it back: a valid SPDX 2.3 JSON document.
	doc, err := spdxjson.Read(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("reading the document back: %v\n%s", err, b)
	}
	if doc.SPDXVersion != "SPDX-2.3" || doc.CreationInfo.Created != "2023-11-14T22:13:20Z" {
		t.Errorf("version %s, created %s", doc.SPDXVersion, doc.CreationInfo.Created)
	}
	if !strings.HasPrefix(doc.DocumentNamespace, NamespacePrefix) || len(doc.DocumentNamespace) != len(NamespacePrefix)+64 {
		t.Errorf("namespace %q", doc.DocumentNamespace)
	}
	type pkg struct{ version, purl, sha256, comment string }
	got := map[string]pkg{}
	for _, p := range doc.Packages {
		var q pkg
		q.version, q.comment = p.PackageVersion, p.PackageComment
		for _, r := range p.PackageExternalReferences {
			if r.RefType == "purl" {
				q.purl = r.Locator
			}
		}
		for _, c := range p.PackageChecksums {
			q.sha256 = c.Value
		}
		got[p.PackageName] = q
	}
	want := map[string]pkg{
		// the build's VERSION, the binary having none
		"example.com/app": {version: "v1.2.3", purl: "pkg:golang/example.com/app@v1.2.3"},
		"stdlib":          {version: "go1.26.0", purl: "pkg:golang/stdlib@1.26.0"},
		"github.com/google/uuid": {version: "v1.6.0", purl: "pkg:golang/github.com/google/uuid@v1.6.0",
			sha256: "348bda24330eb231c0f27d630212d2833ac0cf2d4782bfa136b6f9edefbde05d"},
		// the replacement is what was linked
		"example.com/fork/text": {version: "v0.30.1", purl: "pkg:golang/example.com/fork/text@v0.30.1",
			sha256: "cb39ca03f13dceae782b39730440169f5357490f03229fcd60ccbcf312639789"},
		"../local":        {},
		"ca-certificates": {},
	}
	for name, w := range want {
		g, ok := got[name]
		if !ok {
			t.Errorf("no package %s (packages: %v)", name, got)
			continue
		}
		if g.version != w.version || g.purl != w.purl || g.sha256 != w.sha256 {
			t.Errorf("%s: version %q purl %q sha256 %q, want %q %q %q", name, g.version, g.purl, g.sha256, w.version, w.purl, w.sha256)
		}
	}
	if len(got) != len(want) {
		t.Errorf("%d packages, want %d: one per module however many binaries link it", len(got), len(want))
	}
	if c := got["example.com/fork/text"].comment; !strings.Contains(c, "replaces golang.org/x/text v0.30.0") || !strings.Contains(c, "go.sum h1:") {
		t.Errorf("comment of a replacement: %q", c)
	}
	if c := got["example.com/app"].comment; !strings.Contains(c, "vcs revision abc123") {
		t.Errorf("comment of the main module: %q", c)
	}
	if len(doc.Files) != 3 || doc.Files[0].FileName != "/usr/local/bin/api" {
		t.Errorf("files: %+v", doc.Files)
	}
	if a := doc.Files[0].Annotations; len(a) != 1 || !strings.Contains(a[0].AnnotationComment, "build\t-trimpath=true") {
		t.Errorf("annotations of the binary: %+v", a)
	}
}

func TestDocumentDeterministic(t *testing.T) {
	a, b := marshal(t, testInput()), marshal(t, testInput())
	if !bytes.Equal(a, b) {
		t.Fatalf("two documents of the same input differ:\n%s\n%s", a, b)
	}
	in := testInput()
	in.Created = created.Add(time.Second)
	c := marshal(t, in)
	var da, dc struct {
		DocumentNamespace string `json:"documentNamespace"`
	}
	_ = json.Unmarshal(a, &da)
	_ = json.Unmarshal(c, &dc)
	if da.DocumentNamespace == dc.DocumentNamespace {
		t.Errorf("documents of different content share the namespace %s", da.DocumentNamespace)
	}
}

func TestDocumentNoBuildInfo(t *testing.T) {
	in := testInput()
	in.Binaries[0].Info = nil
	if _, err := Document(in); err == nil || !strings.Contains(err.Error(), "/usr/local/bin/api") {
		t.Errorf("err = %v, want one naming the binary", err)
	}
}

func TestIDs(t *testing.T) {
	d := &docBuilder{ids: map[common.ElementID]string{}}
	a := d.id("Package-golang-a/b-v1", "a/b@v1")
	b := d.id("Package-golang-a-b-v1", "a-b@v1")
	if a == b || a != "Package-golang-a-b-v1" || b != "Package-golang-a-b-v1-2" {
		t.Errorf("ids %q and %q", a, b)
	}
	if again := d.id("Package-golang-a/b-v1", "a/b@v1"); again != a {
		t.Errorf("the same key gave %q, then %q", a, again)
	}
}

// TestRead reads a real Go binary (this test's own) with Read.
func TestRead(t *testing.T) {
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	root := t.TempDir()
	if err := os.MkdirAll(filepath.Join(root, "bin"), 0o755); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(exe)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(root, "bin", "app"), b, 0o755); err != nil {
		t.Fatal(err)
	}
	goroot, err := exec.Command("go", "env", "GOROOT").Output()
	if err != nil {
		t.Skipf("no go command: %v", err)
	}
	in, err := Read(Plan{
		Name:       "t",
		Created:    created,
		Binaries:   []PlanBinary{{Path: "/bin/app"}},
		Components: []PlanComponent{{Name: "tzdata", Zoneinfo: true}},
	}, root, strings.TrimSpace(string(goroot)))
	if err != nil {
		t.Fatal(err)
	}
	if len(in.Binaries) != 1 || in.Binaries[0].Info == nil || len(in.Binaries[0].SHA256) != 64 || len(in.Binaries[0].SHA1) != 40 {
		t.Fatalf("binary: %+v", in.Binaries)
	}
	if c := in.Components[0]; len(c.SHA256) != 64 || c.Version == "" {
		t.Errorf("tzdata: %+v", c)
	}
	if _, err := Read(Plan{Binaries: []PlanBinary{{Path: "/bin/missing"}}}, root, ""); err == nil || !strings.Contains(err.Error(), "/bin/missing") {
		t.Errorf("a missing binary: err = %v", err)
	}
}
