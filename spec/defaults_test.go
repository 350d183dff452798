package spec

import (
	"slices"
	"strings"
	"testing"
)

// loadAndFill loads a spec that must be valid and fills its defaults.
func loadAndFill(t *testing.T, data, gomod string) (*Spec, error) {
	t.Helper()
	s, err := Load("go-app.yaml", []byte(data))
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	return s, s.FillDefaults([]byte(gomod))
}

func TestFillDefaults(t *testing.T) {
	s, err := loadAndFill(t, yamlText("# syntax=goappfrontend/go-app:1", "main: ./cmd/server"),
		"module example.com/app\n\ngo 1.26.2\n")
	if err != nil {
		t.Fatal(err)
	}
	want := []Binary{{Name: "server", Main: "./cmd/server", Pos: Position{2, 7}}}
	if !slices.Equal(s.Binaries, want) || s.Main != "" {
		t.Errorf("main %q, binaries %v; want binaries %v", s.Main, s.Binaries, want)
	}
	for _, path := range []string{"binaries.0", "binaries.0.main"} {
		if got := s.Source.Pos(path); got != (Position{2, 7}) {
			t.Errorf("Pos(%q) = %v, want 2:7 (where main is)", path, got)
		}
	}
	if s.Go.Version != "1.26" || s.Go.Image != "docker.io/library/golang:1.26" {
		t.Errorf("go = %+v", s.Go)
	}
	if s.Build.Strip == nil || !*s.Build.Strip {
		t.Errorf("strip = %v, want true", s.Build.Strip)
	}
	if s.Build.Trimpath == nil || !*s.Build.Trimpath {
		t.Errorf("trimpath = %v, want true", s.Build.Trimpath)
	}
	wantRuntime := Runtime{Base: "scratch", User: "65532:65532", Workdir: "/", Entrypoint: "server"}
	if got := s.Runtime; got.Base != wantRuntime.Base || got.User != wantRuntime.User || got.Workdir != wantRuntime.Workdir || got.Entrypoint != wantRuntime.Entrypoint {
		t.Errorf("runtime = %+v, want %+v", got, wantRuntime)
	}

	// Filling again changes nothing.
	before := *s
	if err := s.FillDefaults([]byte("module example.com/app\n\ngo 1.26.2\n")); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(s.Binaries, before.Binaries) || s.Go != before.Go || s.Runtime.Entrypoint != before.Runtime.Entrypoint {
		t.Errorf("a second FillDefaults changed the spec: %+v", s)
	}
}

func TestFillDefaultsGoVersion(t *testing.T) {
	tests := []struct {
		name, yaml, gomod string
		version, image    string
	}{
		{
			name:    "toolchain line",
			yaml:    "main: .\n",
			gomod:   "module example.com/app\n\ngo 1.26.2\n\ntoolchain go1.26.3\n",
			version: "1.26.3", image: "docker.io/library/golang:1.26.3",
		},
		{
			name:    "go line only",
			yaml:    "main: .\n",
			gomod:   "module example.com/app\n\ngo 1.26.2\n",
			version: "1.26", image: "docker.io/library/golang:1.26",
		},
		{
			name:    "go line with a release candidate",
			yaml:    "main: .\n",
			gomod:   "module example.com/app\ngo 1.27rc1\n",
			version: "1.27", image: "docker.io/library/golang:1.27",
		},
		{
			name:    "release candidate toolchain",
			yaml:    "main: .\n",
			gomod:   "module example.com/app\ngo 1.26\ntoolchain go1.27rc2\n",
			version: "1.27rc2", image: "docker.io/library/golang:1.27rc2",
		},
		{
			name:    "custom toolchain",
			yaml:    "main: .\n",
			gomod:   "module example.com/app\ngo 1.26\ntoolchain go1.26.3-fips\n",
			version: "1.26.3", image: "docker.io/library/golang:1.26.3",
		},
		{
			name:    "default toolchain",
			yaml:    "main: .\n",
			gomod:   "module example.com/app\ngo 1.25.1\ntoolchain default\n",
			version: "1.25", image: "docker.io/library/golang:1.25",
		},
		{
			name:    "version set",
			yaml:    "main: .\ngo:\n  version: 1.25.4\n",
			gomod:   "module example.com/app\ngo 1.26.2\n",
			version: "1.25.4", image: "docker.io/library/golang:1.25.4",
		},
		{
			name:    "image set",
			yaml:    "main: .\ngo:\n  image: registry.example.com/go:tip\n",
			gomod:   "module example.com/app\ngo 1.26.2\n",
			version: "1.26", image: "registry.example.com/go:tip",
		},
		{
			name:    "image set, no go line",
			yaml:    "main: .\ngo:\n  image: registry.example.com/go:tip\n",
			gomod:   "module example.com/app\n",
			version: "", image: "registry.example.com/go:tip",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := loadAndFill(t, tt.yaml, tt.gomod)
			if err != nil {
				t.Fatal(err)
			}
			if s.Go.Version != tt.version || s.Go.Image != tt.image {
				t.Errorf("go = %+v, want version %q, image %q", s.Go, tt.version, tt.image)
			}
		})
	}
}

func TestFillDefaultsNames(t *testing.T) {
	tests := []struct {
		name, yaml, module string
		want               []string // binary names
		entrypoint         string
	}{
		{"main dot", "main: .\n", "example.com/hello", []string{"hello"}, "hello"},
		{"main dot with major version", "main: .\n", "example.com/hello/v2", []string{"hello"}, "hello"},
		{"main dot, one-element module", "main: ./\n", "hello", []string{"hello"}, "hello"},
		{"main dot, module path with no file name", "main: .\n", "example.com/hello~world", []string{"app"}, "app"},
		{"major version directory", "main: ./v3\n", "example.com/tool", []string{"tool"}, "tool"},
		{"nested major version directory", "main: ./cmd/tool/v2/\n", "example.com/x", []string{"tool"}, "tool"},
		{"v1 is no major version", "main: ./cmd/v1\n", "example.com/x", []string{"v1"}, "v1"},
		{
			"binaries and entrypoint",
			"binaries:\n  - main: ./cmd/api\n  - {name: work, main: ./cmd/worker}\n  - main: .\nruntime:\n  entrypoint: work\n",
			"example.com/svc",
			[]string{"api", "work", "svc"}, "work",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := loadAndFill(t, tt.yaml, "module "+tt.module+"\n\ngo 1.26\n")
			if err != nil {
				t.Fatal(err)
			}
			var names []string
			for _, b := range s.Binaries {
				names = append(names, b.Name)
			}
			if !slices.Equal(names, tt.want) || s.Runtime.Entrypoint != tt.entrypoint {
				t.Errorf("names %q, entrypoint %q; want %q, %q", names, s.Runtime.Entrypoint, tt.want, tt.entrypoint)
			}
		})
	}
}

func TestFillDefaultsErrors(t *testing.T) {
	tests := []struct {
		name, yaml string
		gomod      *string
		want       []string // Error() of each problem
	}{
		{
			name: "no go.mod",
			yaml: "main: ./cmd/server\n",
			want: []string{"no go.mod at the root of the build context; go-app builds Go modules (set module: to the directory of one in a subdirectory)"},
		},
		{
			name: "no go.mod, toolchain set",
			yaml: "main: ./cmd/server\ngo:\n  image: golang:1.26\n",
			want: []string{"no go.mod at the root of the build context; go-app builds Go modules (set module: to the directory of one in a subdirectory)"},
		},
		{
			name:  "invalid go.mod",
			yaml:  "main: ./cmd/server\n",
			gomod: ptr("module example.com/app\n\ngo 1.x\n"),
			want:  []string{"go.mod:3: invalid go version '1.x': must match format 1.23.0"},
		},
		{
			name:  "go.mod syntax error",
			yaml:  "main: ./cmd/server\n",
			gomod: ptr("module example.com/app\nrequire (\n"),
			want:  []string{"go.mod:3: syntax error (unterminated block started at go.mod:2:1)"},
		},
		{
			name:  "no module line",
			yaml:  "main: ./cmd/server\n",
			gomod: ptr("go 1.26\n"),
			want:  []string{"go.mod: no module line; add one, like module example.com/app"},
		},
		{
			name:  "empty go.mod",
			yaml:  "main: ./cmd/server\n",
			gomod: ptr(""),
			want:  []string{"go.mod: no module line; add one, like module example.com/app"},
		},
		{
			name:  "no go line",
			yaml:  "main: ./cmd/server\n",
			gomod: ptr("module example.com/app\n"),
			want:  []string{"go.mod: no go line to pick the Go version from; add one, like go 1.26, or set go.version in go-app.yaml"},
		},
		{
			name: "duplicate name from the module path",
			yaml: yamlText(
				"binaries:",
				"  - main: .",
				"  - name: app",
				"    main: ./cmd/app",
			),
			gomod: ptr("module example.com/app\n\ngo 1.26\n"),
			want:  []string{`go-app.yaml:3:11: duplicate binary name "app" (also at line 2); give one of them another name`},
		},
		{
			name: "entrypoint is not the module's binary",
			yaml: yamlText(
				"main: .",
				"runtime:",
				"  entrypoint: server",
			),
			gomod: ptr("module example.com/app\n\ngo 1.26\n"),
			want:  []string{`go-app.yaml:3:15: runtime.entrypoint "server" is not a binary of this spec; use one of: app`},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := Load("go-app.yaml", []byte(tt.yaml))
			if err != nil {
				t.Fatalf("Load: %v", err)
			}
			var gomod []byte
			if tt.gomod != nil {
				gomod = []byte(*tt.gomod)
			}
			err = s.FillDefaults(gomod)
			var errs Errors
			if err != nil {
				errs = err.(Errors)
			}
			var got []string
			for _, e := range errs {
				got = append(got, e.Error())
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("problems:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(tt.want, "\n"))
			}
		})
	}
}

func TestFillDefaultsWithoutSource(t *testing.T) {
	s := &Spec{Main: "./cmd/server", Runtime: Runtime{Entrypoint: "api"}}
	err := s.FillDefaults([]byte("module example.com/app\ngo 1.26\n"))
	if got, want := errString(err), `go-app.yaml: runtime.entrypoint "api" is not a binary of this spec; use one of: server`; got != want {
		t.Errorf("FillDefaults: %s\nwant: %s", got, want)
	}
}

func TestParseGoMod(t *testing.T) {
	m, err := ParseGoMod([]byte("// comment\nmodule example.com/app/v2\n\ngo 1.26.2\n\ntoolchain go1.26.3\n\nrequire golang.org/x/mod v0.41.0\n"))
	if err != nil {
		t.Fatal(err)
	}
	if want := (Module{Path: "example.com/app/v2", Go: "1.26.2", Toolchain: "go1.26.3"}); m != want {
		t.Errorf("ParseGoMod = %+v, want %+v", m, want)
	}
	if got := m.GoVersion(); got != "1.26.3" {
		t.Errorf("GoVersion = %q, want 1.26.3", got)
	}
}

func ptr(s string) *string { return &s }

// errString is err.Error(), or "" for nil.
func errString(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}
