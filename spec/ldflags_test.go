package spec

import (
	"errors"
	"slices"
	"strings"
	"testing"
)

func TestLdflagsVarNames(t *testing.T) {
	want := []string{"Version", "Commit", "ShortCommit", "Source", "Date"}
	if got := LdflagsVarNames(); !slices.Equal(got, want) {
		t.Errorf("LdflagsVarNames() = %q, want %q", got, want)
	}
	for _, n := range want {
		if ldflagsOrigins[n] == "" {
			t.Errorf("no origin for %s", n)
		}
	}
}

func TestLdflagsExpand(t *testing.T) {
	vars := LdflagsVars{Version: "v1.2.3", Commit: "0123456789abcdef0123456789abcdef01234567", ShortCommit: "0123456",
		Source: "https://example.com/x.git", Date: "2023-11-14T22:13:20Z"}
	for _, tc := range []struct {
		in, want string
		used     []string
	}{
		{"-s -w", "-s -w", nil},
		{"-X main.version={{.Version}} -X main.commit={{.Commit}}", "-X main.version=v1.2.3 -X main.commit=0123456789abcdef0123456789abcdef01234567", []string{"Version", "Commit"}},
		{"-X 'main.date={{ .Date }}' -X main.short={{- .ShortCommit -}}", "-X 'main.date=2023-11-14T22:13:20Z' -X main.short=0123456", []string{"ShortCommit", "Date"}},
		{`-X main.src={{.Source}} -X main.v={{.Version}}{{.Version}}`, "-X main.src=https://example.com/x.git -X main.v=v1.2.3v1.2.3", []string{"Version", "Source"}},
		{`-X main.braces={{"{{"}}x{{"}}"}} {{/* a comment */}}`, "-X main.braces={{x}} ", nil},
		{"$(id); `touch /x` ${HOME}", "$(id); `touch /x` ${HOME}", nil},
	} {
		l, err := ParseLdflags(tc.in)
		if err != nil {
			t.Errorf("ParseLdflags(%q): %v", tc.in, err)
			continue
		}
		if !slices.Equal(l.Vars, tc.used) {
			t.Errorf("ParseLdflags(%q).Vars = %q, want %q", tc.in, l.Vars, tc.used)
		}
		got, err := l.Expand(vars)
		if err != nil || got != tc.want {
			t.Errorf("Expand(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
		}
	}
}

func TestLdflagsExpandRefusesSplittingValues(t *testing.T) {
	l, err := ParseLdflags("-X main.version={{.Version}}")
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range []string{"1.0 beta", "1.0\t", "x' -X main.evil='y", `x"y`, "a\u00a0b"} {
		got, err := l.Expand(LdflagsVars{Version: v})
		if err == nil {
			t.Errorf("Expand with Version %q = %q, want an error", v, got)
			continue
		}
		if msg := err.Error(); !strings.Contains(msg, "{{.Version}}") || !strings.Contains(msg, "VERSION build argument") {
			t.Errorf("Expand with Version %q: error %q does not name the variable and where it comes from", v, msg)
		}
	}
	// A value the template does not use may hold anything.
	l, err = ParseLdflags("-X main.commit={{.Commit}}")
	if err != nil {
		t.Fatal(err)
	}
	if got, err := l.Expand(LdflagsVars{Version: "1.0 beta", Commit: "abc"}); err != nil || got != "-X main.commit=abc" {
		t.Errorf("Expand = %q, %v", got, err)
	}
}

func TestLdflagsErrors(t *testing.T) {
	for _, tc := range []struct {
		name, ldflags string
		want          []string // parts of the one message
	}{
		{"unknown variable", "-X main.v={{.Verison}}", []string{`build.ldflags uses "{{.Verison}}", which is no variable (did you mean {{.Version}}?); the variables are {{.Version}}, {{.Commit}}, {{.ShortCommit}}, {{.Source}} and {{.Date}}`}},
		{"lower case", "-X main.c={{.commit}}", []string{`(did you mean {{.Commit}}?)`}},
		{"far off", "-X main.c={{.Branch}}", []string{`"{{.Branch}}", which is no variable; the variables are`}},
		{"nested field", "-X main.v={{.Version.Major}}", []string{`build.ldflags holds "{{.Version.Major}}", which go-app does not expand`, "build.ldflags can use {{.Version}}"}},
		{"dot", "-X main.v={{.}}", []string{`holds "{{.}}"`}},
		{"function", `-X main.v={{printf "%s" .Version}}`, []string{`holds "{{printf \"%s\" .Version}}"`}},
		{"pipeline", `-X main.v={{.Version | printf "%q"}}`, []string{"which go-app does not expand"}},
		{"undefined function", "-X main.v={{env \"HOME\"}}", []string{`build.ldflags is not a valid template: function "env" not defined`, "{{.Date}}"}},
		{"condition", "{{if .Version}}-X main.v={{.Version}}{{end}}", []string{`holds "{{if .Version}}`}},
		{"variable declaration", "{{$v := .Version}}{{$v}}", []string{"which go-app does not expand"}},
		{"unclosed", "-X main.v={{.Version", []string{"build.ldflags is not a valid template:", "unclosed action"}},
		{"stray close", "-X main.v=.Version}}", nil}, // plain text: the go command sees "}}"
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseLdflags(tc.ldflags)
			if tc.want == nil {
				if err != nil {
					t.Fatalf("ParseLdflags(%q): %v", tc.ldflags, err)
				}
				return
			}
			if err == nil {
				t.Fatalf("ParseLdflags(%q) succeeded; want an error", tc.ldflags)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
			if strings.Contains(err.Error(), "template: ldflags") {
				t.Errorf("error %q shows text/template's prefix", err)
			}
		})
	}
}

// TestLoadLdflagsTemplate checks that a bad template is a Load error at
// the position of build.ldflags.
func TestLoadLdflagsTemplate(t *testing.T) {
	data := yamlText(
		"# syntax=goappfrontend/go-app:1",
		"main: ./cmd/server",
		"build:",
		"  ldflags: -s -w -X main.version={{.Versoin}}",
	)
	_, err := Load("go-app.yaml", []byte(data))
	got := problemsOf(t, err)
	if len(got) != 1 || !strings.HasPrefix(got[0], "4:12 build.ldflags uses \"{{.Versoin}}\", which is no variable (did you mean {{.Version}}?); the variables are") {
		t.Errorf("problems %q", got)
	}
	var e *Error
	if !errors.As(err, &e) || !strings.HasPrefix(e.Error(), "go-app.yaml:4:12: build.ldflags") {
		t.Errorf("error %v does not start with go-app.yaml:4:12", err)
	}

	// Quoted, spread over lines: still the position of the value.
	data = yamlText(
		"main: ./cmd/server",
		"build:",
		"  ldflags: >-",
		"    -s -w",
		"    -X main.date={{.Date}} -X main.x={{.Dat}}",
	)
	_, err = Load("go-app.yaml", []byte(data))
	if got := problemsOf(t, err); len(got) != 1 || !strings.HasPrefix(got[0], "3:12 build.ldflags uses \"{{.Dat}}\"") {
		t.Errorf("problems %q", got)
	}

	// A valid template loads, and stays a template in the spec.
	s, err := Load("go-app.yaml", []byte(yamlText("main: ./cmd/server", "build:", `  ldflags: "-X main.v={{.Version}}"`)))
	if err != nil || s.Build.Ldflags != "-X main.v={{.Version}}" {
		t.Errorf("Load: %v, ldflags %q", err, s.Build.Ldflags)
	}
}
