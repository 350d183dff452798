package llb

import (
	"slices"
	"strings"
	"testing"

	"github.com/goappfrontend/go-app/spec"
)

// A module in a subdirectory: every go command runs there, and the module
// download (and the dependency step) see the mod files of the whole
// context plus the go.work files between the module and the root.
func TestModuleInSubdirectory(t *testing.T) {
	s := testSpec()
	s.Module = "services/api"
	opt := testOptions(s, arm64)
	opt.Dependencies = testDeps
	_, g := convert(t, opt)
	for _, name := range []string{"go mod download", "[linux/arm64] go build dependencies (3 imports)", "[linux/arm64] go build ./cmd/server"} {
		_, op := g.named(t, name)
		if cwd := op.GetExec().Meta.Cwd; cwd != "/src/services/api" {
			t.Errorf("%s runs in %s, want /src/services/api", name, cwd)
		}
	}
	_, op := g.named(t, "go mod download")
	cp := g.input(t, op, mountAt(op.GetExec(), "/src").Input).GetFile().Actions[0].GetCopy()
	want := append(slices.Clone(ModFilePatterns), "services/api/go.work", "services/api/go.work.sum", "services/go.work", "services/go.work.sum")
	if !slices.Equal(cp.IncludePatterns, want) {
		t.Errorf("the download's files are %q, want %q", cp.IncludePatterns, want)
	}

	res, err := Test(opt)
	if err != nil {
		t.Fatal(err)
	}
	tg := marshal(t, res.State, amd64)
	_, test := tg.named(t, "[linux/amd64] go test ./...")
	if cwd := test.GetExec().Meta.Cwd; cwd != "/src/services/api" {
		t.Errorf("go test runs in %s, want /src/services/api", cwd)
	}
}

// The module at the root keeps /src and ModFilePatterns (the examples'
// pinned digests hold that too).
func TestModuleAtRoot(t *testing.T) {
	for _, m := range []string{"", ".", "./"} {
		s := testSpec()
		s.Module = m
		_, g := convert(t, testOptions(s, arm64))
		_, op := g.named(t, "go mod download")
		if cwd := op.GetExec().Meta.Cwd; cwd != "/src" {
			t.Errorf("module %q: download runs in %s", m, cwd)
		}
		cp := g.input(t, op, mountAt(op.GetExec(), "/src").Input).GetFile().Actions[0].GetCopy()
		if !slices.Equal(cp.IncludePatterns, ModFilePatterns) {
			t.Errorf("module %q: the download's files are %q", m, cp.IncludePatterns)
		}
	}
}

// build.goauth: the download and go build steps get GOAUTH and the
// secrets (optional), the dependency step and go test get neither.
func TestGoAuthCredentials(t *testing.T) {
	s := testSpec()
	s.Build.GoAuth = []spec.GoAuth{
		{URL: "https://proxy.corp.example.com/"},
		{URL: "https://git.corp.example.com/api/", Secret: "git_token"},
		{URL: "https://mirror.corp.example.com/", Secret: "goauth"},
	}
	opt := testOptions(s, arm64)
	opt.Dependencies = testDeps
	_, g := convert(t, opt)
	wantAuth := "netrc;" + testFrontendBin + " goauth" +
		" -token https://proxy.corp.example.com/=/run/go-app/goauth/goauth" +
		" -token https://git.corp.example.com/api/=/run/go-app/goauth/git_token" +
		" -token https://mirror.corp.example.com/=/run/go-app/goauth/goauth"
	for _, name := range []string{"go mod download", "[linux/arm64] go build ./cmd/server"} {
		_, op := g.named(t, name)
		e := op.GetExec()
		if v, _ := envOf(e, "GOAUTH"); v != wantAuth {
			t.Errorf("%s: GOAUTH=%q\nwant        %q", name, v, wantAuth)
		}
		secrets, _ := credentialMounts(e)
		var ids []string
		for _, m := range secrets {
			if strings.HasPrefix(m.Dest, goAuthDir+"/") {
				ids = append(ids, m.SecretOpt.ID)
				if !m.SecretOpt.Optional || m.Dest != goAuthDir+"/"+m.SecretOpt.ID {
					t.Errorf("%s: secret %s at %s, optional %v", name, m.SecretOpt.ID, m.Dest, m.SecretOpt.Optional)
				}
			}
		}
		if !slices.Equal(ids, []string{"goauth", "git_token"}) {
			t.Errorf("%s: goauth secrets %q, want each id once", name, ids)
		}
	}
	_, deps := g.named(t, "[linux/arm64] go build dependencies (3 imports)")
	if _, ok := envOf(deps.GetExec(), "GOAUTH"); ok {
		t.Error("the dependency step (its output is exported) has GOAUTH")
	}
	res, err := Test(opt)
	if err != nil {
		t.Fatal(err)
	}
	_, test := marshal(t, res.State, amd64).named(t, "[linux/amd64] go test ./...")
	if secrets, _ := credentialMounts(test.GetExec()); len(secrets) > 0 {
		t.Errorf("go test has secrets %v", secrets)
	}

	// A vendored build fetches nothing: no GOAUTH.
	opt.Vendor = true
	_, g = convert(t, opt)
	_, build := g.named(t, "[linux/arm64] go build ./cmd/server")
	if v, ok := envOf(build.GetExec(), "GOAUTH"); ok {
		t.Errorf("a vendored build's go build has GOAUTH=%s", v)
	}
}
