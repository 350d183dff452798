package spec

import (
	"errors"
	"strings"
	"testing"
)

// problemsOf returns the problems of err as "line:col msg" lines, or fails.
func moduleProblems(t *testing.T, err error) []string {
	t.Helper()
	var errs Errors
	if !errors.As(err, &errs) {
		t.Fatalf("err = %v, want Errors", err)
	}
	var out []string
	for _, e := range errs {
		out = append(out, e.Error())
	}
	return out
}

// wantProblem fails unless one of the problems of err contains want.
func wantProblem(t *testing.T, err error, want string) {
	t.Helper()
	if err == nil {
		t.Fatalf("no error, want %q", want)
	}
	got := moduleProblems(t, err)
	for _, p := range got {
		if strings.Contains(p, want) {
			return
		}
	}
	t.Errorf("problems %q lack %q", got, want)
}

func TestModuleKey(t *testing.T) {
	for _, ok := range []string{"services/api", "./services/api", "services/api/", "."} {
		s, err := Load("go-app.yaml", []byte("module: "+ok+"\nmain: .\n"))
		if err != nil {
			t.Errorf("module %q: %v", ok, err)
			continue
		}
		if got := s.ModuleDir(); got != strings.TrimSuffix(strings.TrimPrefix(ok, "./"), "/") {
			t.Errorf("ModuleDir of %q = %q", ok, got)
		}
	}
	for in, want := range map[string]string{
		"/src/api":   `go-app.yaml:1:9: module "/src/api" must be relative to the build context`,
		"../lib":     `go-app.yaml:1:9: module "../lib" points outside the build context`,
		"a/../../b":  `points outside the build context`,
		"services/*": `must be a plain directory path`,
	} {
		_, err := Load("go-app.yaml", []byte("module: "+in+"\nmain: .\n"))
		wantProblem(t, err, want)
	}
}

func TestFillDefaultsFromModuleDir(t *testing.T) {
	s, err := Load("go-app.yaml", []byte("module: services/api\nmain: .\n"))
	if err != nil {
		t.Fatal(err)
	}
	err = s.FillDefaultsFrom(GoFiles{GoMod: []byte("module example.com/api\n\ngo 1.26.1\n")})
	if err != nil {
		t.Fatal(err)
	}
	if s.Binaries[0].Name != "api" || s.Go.Version != "1.26" {
		t.Errorf("binary %q, go %q; want api, 1.26", s.Binaries[0].Name, s.Go.Version)
	}

	s, _ = Load("go-app.yaml", []byte("module: services/api\nmain: .\n"))
	wantProblem(t, s.FillDefaultsFrom(GoFiles{}), "no go.mod in services/api (module)")
	s, _ = Load("go-app.yaml", []byte("module: services/api\nmain: .\n"))
	wantProblem(t, s.FillDefaultsFrom(GoFiles{GoMod: []byte("module example.com/api\ngo 1.26\nrequire (\n")}), "services/api/go.mod:3")
}

func TestFillDefaultsFromWorkspace(t *testing.T) {
	work := []byte("go 1.25.3\n\nuse (\n\t./app\n\t./lib\n)\n")
	// The workspace root: no go.mod; go.work decides the Go version.
	s, err := Load("go-app.yaml", []byte("main: ./app\n"))
	if err != nil {
		t.Fatal(err)
	}
	if err := s.FillDefaultsFrom(GoFiles{GoWork: work, GoWorkPath: "go.work"}); err != nil {
		t.Fatal(err)
	}
	if s.Go.Version != "1.25" || s.Binaries[0].Name != "app" {
		t.Errorf("go %q, binary %q; want 1.25 (go.work's go line), app", s.Go.Version, s.Binaries[0].Name)
	}
	// A workspace module: its go.mod names the binary, go.work's toolchain
	// wins over its go line.
	s, _ = Load("go-app.yaml", []byte("module: app\nmain: .\n"))
	err = s.FillDefaultsFrom(GoFiles{
		GoMod:  []byte("module example.com/app\n\ngo 1.24\n"),
		GoWork: append([]byte("toolchain go1.26.2\n"), work...), GoWorkPath: "go.work",
	})
	if err != nil {
		t.Fatal(err)
	}
	if s.Go.Version != "1.26.2" || s.Binaries[0].Name != "app" {
		t.Errorf("go %q, binary %q; want 1.26.2, app", s.Go.Version, s.Binaries[0].Name)
	}
	s, _ = Load("go-app.yaml", []byte("main: ./app\n"))
	wantProblem(t, s.FillDefaultsFrom(GoFiles{GoWork: []byte("go 1.26\nuse (\n"), GoWorkPath: "go.work"}), "go.work:")
}

func TestGoAuth(t *testing.T) {
	s, err := Load("go-app.yaml", []byte("main: .\nbuild:\n  goauth:\n    - url: https://proxy.corp.example.com/\n    - url: https://git.corp.example.com/api/\n      secret: git_token\n"))
	if err != nil {
		t.Fatal(err)
	}
	if err := s.FillDefaults([]byte("module example.com/app\n\ngo 1.24\n")); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ yaml, want string }{
		{"  goauth:\n    - url: http://proxy.example.com/\n", `go-app.yaml:5:12: build.goauth.0.url "http://proxy.example.com/" must start with https://`},
		{"  goauth:\n    - secret: x\n", "go-app.yaml:5:7: build.goauth.0.url is required"},
		{"  goauth:\n    - url: https://a.example.com/;command rm\n", `must not hold spaces, control characters or ";"`},
		{"  goauth:\n    - url: https://user@a.example.com/\n", "is not a URL prefix"},
		{"  goauth:\n    - url: https://a.example.com/\n    - url: https://a.example.com/\n", "go-app.yaml:6:12: build.goauth.1.url \"https://a.example.com/\" is also build.goauth.0.url"},
		{"  goauth:\n    - url: https://a.example.com/\n      secret: ../netrc\n", `go-app.yaml:6:15: build.goauth.0.secret "../netrc" is not a build secret id`},
		{"  env:\n    GOAUTH: netrc\n  goauth:\n    - url: https://a.example.com/\n", "go-app.yaml:5:13: build.env.GOAUTH conflicts with build.goauth"},
		{"  goauth:\n    - url: https://a.example.com/\ngo:\n  version: \"1.23\"\n", "go-app.yaml:5:5: build.goauth needs Go 1.24 or later (GOAUTH), and the build uses Go 1.23"},
	} {
		_, err := Load("go-app.yaml", []byte("main: .\nbuild:\n  tags: [x]\n"+tc.yaml))
		wantProblem(t, err, tc.want)
	}
	// The Go version of go.mod counts too.
	s, _ = Load("go-app.yaml", []byte("main: .\nbuild:\n  goauth:\n    - url: https://a.example.com/\n"))
	wantProblem(t, s.FillDefaults([]byte("module example.com/app\n\ngo 1.22\n")), "go-app.yaml:4:5: build.goauth needs Go 1.24")
}
