package mainpkg

import (
	"go/build"
	"io"
	"strings"
	"testing"

	"github.com/goappfrontend/go-app/spec"
)

// Go files of the detection tests.
const (
	mainGo    = "package main\n\nfunc main() {}\n"
	libGo     = "package lib\n\nfunc F() {}\n"
	testGo    = "package main\n\nimport \"testing\"\n\nfunc TestX(t *testing.T) {}\n"
	licenceGo = "// Copyright 2026 The Authors.\n// SPDX-License-Identifier: Apache-2.0\n\n// Command tool does things.\npackage main\n"
)

// tagged returns mainGo with a //go:build line.
func tagged(expr string) string {
	return "//go:build " + expr + "\n\n" + mainGo
}

// sources turns path → content into goSources.
func sources(files map[string]string) []Source {
	var list []Source
	for p, body := range files {
		list = append(list, Source{Path: p, Head: []byte(body)})
	}
	return list
}

func TestDetectMain(t *testing.T) {
	tests := []struct {
		name  string
		files map[string]string
		cfg   Config
		want  string // the main package, or "error: " and words of the error
	}{
		{name: "root main", files: map[string]string{"main.go": mainGo, "util.go": "package main\n"}, want: "."},
		{name: "root main after a licence header", files: map[string]string{"main.go": licenceGo}, want: "."},
		{name: "one cmd", files: map[string]string{"cmd/api/main.go": mainGo, "lib.go": libGo}, want: "./cmd/api"},
		{name: "one cmd among libraries", files: map[string]string{"cmd/api/main.go": mainGo, "cmd/shared/x.go": libGo}, want: "./cmd/api"},
		{
			name:  "several cmd",
			files: map[string]string{"cmd/worker/main.go": mainGo, "cmd/api/main.go": mainGo, "cmd/cli/cli.go": licenceGo},
			want:  "error: several main packages: ./cmd/api, ./cmd/cli, ./cmd/worker; set main: in go-app.yaml to the one to build (like main: ./cmd/api), or list them under binaries:",
		},
		{name: "none", files: map[string]string{"lib.go": libGo, "cmd/x/x.go": libGo}, want: "error: no main package to build for linux at the module root (./*.go) or in a directory of ./cmd (./cmd/*/*.go); set main: in go-app.yaml"},
		{name: "no files at all", want: "error: no main package"},
		{name: "root main wins over cmd", files: map[string]string{"main.go": mainGo, "cmd/gen/main.go": mainGo, "cmd/migrate/main.go": mainGo}, want: "."},
		{name: "test files only", files: map[string]string{"main_test.go": testGo, "cmd/api/api_test.go": testGo, "lib.go": libGo}, want: "error: no main package"},
		{name: "test files beside a library", files: map[string]string{"x_test.go": testGo, "x.go": libGo, "cmd/api/main.go": mainGo}, want: "./cmd/api"},
		{name: "ignore-tagged file", files: map[string]string{"gen.go": tagged("ignore"), "lib.go": libGo, "cmd/api/main.go": mainGo}, want: "./cmd/api"},
		{name: "ignore-tagged files only", files: map[string]string{"gen.go": tagged("ignore"), "cmd/tool/tool.go": tagged("ignore")}, want: "error: no main package"},
		{name: "old +build ignore", files: map[string]string{"gen.go": "// +build ignore\n\n" + mainGo, "cmd/api/main.go": mainGo}, want: "./cmd/api"},
		{name: "hidden and underscore files", files: map[string]string{"_main.go": mainGo, ".main.go": mainGo, "cmd/api/main.go": mainGo}, want: "./cmd/api"},
		{name: "other OS by file name", files: map[string]string{"main_windows.go": mainGo, "main_darwin_arm64.go": mainGo, "cmd/api/main.go": mainGo}, want: "./cmd/api"},
		{name: "linux by file name", files: map[string]string{"main_linux.go": mainGo, "main_windows.go": mainGo}, want: "."},
		{name: "architecture by file name", files: map[string]string{"main_arm64.go": mainGo, "cmd/api/main.go": mainGo}, want: "."},
		{name: "other OS by constraint", files: map[string]string{"main.go": tagged("windows || darwin"), "cmd/api/main.go": mainGo}, want: "./cmd/api"},
		{name: "not linux", files: map[string]string{"main.go": tagged("!linux"), "cmd/api/main.go": mainGo}, want: "./cmd/api"},
		{name: "unix", files: map[string]string{"main.go": tagged("unix && !android"), "cmd/api/main.go": mainGo}, want: "."},
		{name: "some architecture", files: map[string]string{"main.go": tagged("linux && (amd64 || arm64)"), "cmd/api/main.go": mainGo}, want: "."},
		{name: "not an architecture", files: map[string]string{"main.go": tagged("!amd64"), "cmd/api/main.go": mainGo}, want: "."},
		{name: "contradiction", files: map[string]string{"main.go": tagged("amd64 && !amd64"), "cmd/api/main.go": mainGo}, want: "./cmd/api"},
		{name: "release tag", files: map[string]string{"main.go": tagged("go1.21"), "cmd/api/main.go": mainGo}, want: "."},
		{name: "custom tag unset", files: map[string]string{"main.go": tagged("tools"), "cmd/api/main.go": mainGo}, want: "./cmd/api"},
		{name: "custom tag in build.tags", files: map[string]string{"main.go": tagged("tools"), "cmd/api/main.go": mainGo}, cfg: Config{Tags: []string{"tools"}}, want: "."},
		{name: "cgo off", files: map[string]string{"main.go": tagged("cgo"), "cmd/api/main.go": mainGo}, want: "./cmd/api"},
		{name: "cgo on", files: map[string]string{"main.go": tagged("cgo"), "cmd/api/main.go": mainGo}, cfg: Config{Cgo: true}, want: "."},
		{name: "go:build wins over +build", files: map[string]string{"main.go": "// +build ignore\n\n//go:build linux\n\n" + mainGo, "cmd/api/main.go": mainGo}, want: "."},
		{name: "+build in the doc comment is no constraint", files: map[string]string{"main.go": "// +build ignore\npackage main\n", "cmd/api/main.go": mainGo}, want: "."},
		{name: "library with a main-tagged twin", files: map[string]string{"lib.go": libGo, "gen.go": tagged("ignore"), "cmd/a/main.go": mainGo, "cmd/b/gen.go": tagged("ignore")}, want: "./cmd/a"},
		{name: "deeper directories are not looked at", files: map[string]string{"cmd/api/v2/main.go": mainGo, "internal/x/main.go": mainGo, "cmd/main.go": mainGo}, want: "error: no main package"},
		{name: "unreadable file", files: map[string]string{"main.go": "packag main\n", "lib.go": libGo}, want: "error: (the package clause of main.go could not be read)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Detect(sources(tt.files), tt.cfg, "go-app.yaml")
			if want, ok := strings.CutPrefix(tt.want, "error: "); ok {
				if err == nil {
					t.Fatalf("Detect = %q, want an error with %q", got, want)
				}
				if !strings.Contains(err.Error(), want) || !strings.HasPrefix(err.Error(), "no main or binaries set") {
					t.Errorf("error %q\nwant one with %q", err, want)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Errorf("Detect = %q, %v; want %q", got, err, tt.want)
			}
		})
	}
}

func TestPackageClause(t *testing.T) {
	long := "package main\n\n/* " + strings.Repeat("x", 100) + " */\nfunc main() {}\n"
	tests := []struct {
		name, src string
		pkg       string // "" for an error
		cons      string // the constraint, "" for none
	}{
		{name: "plain", src: mainGo, pkg: "main"},
		{name: "cut after the package clause", src: "package main\n\nfunc main() {", pkg: "main"},
		{name: "cut inside a comment after it", src: long[:30], pkg: "main"},
		{name: "cut inside a string after it", src: "package main\n\"abc", pkg: "main"},
		{name: "cut before it", src: "/* licence\n", pkg: ""},
		{name: "no package clause", src: "func main() {}\n", pkg: ""},
		{name: "empty", src: "", pkg: ""},
		{name: "other package", src: libGo, pkg: "lib"},
		{name: "go:build", src: tagged("linux && !arm"), pkg: "main", cons: "linux && !arm"},
		{name: "go:build in a block comment is no constraint", src: "/*\n//go:build ignore\n*/\n\n" + mainGo, pkg: "main"},
		{name: "+build lines", src: "// +build linux darwin\n// +build amd64\n\n" + mainGo, pkg: "main", cons: "(linux || darwin) && amd64"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pkg, cons, err := packageClause("x.go", []byte(tt.src))
			if tt.pkg == "" {
				if err == nil {
					t.Errorf("package %q, want an error", pkg)
				}
				return
			}
			if err != nil || pkg != tt.pkg {
				t.Fatalf("package %q, %v; want %q", pkg, err, tt.pkg)
			}
			got := ""
			if cons != nil {
				got = cons.String()
			}
			if got != tt.cons {
				t.Errorf("constraint %q, want %q", got, tt.cons)
			}
		})
	}
}

func TestWantGoFile(t *testing.T) {
	for name, want := range map[string]bool{
		"main.go":               true,
		"main_linux.go":         true,
		"main_linux_arm64.go":   true,
		"main_amd64.go":         true,
		"server_unix.go":        true, // unix is no file name suffix: it is just a name
		"main_windows.go":       false,
		"main_android.go":       false,
		"x_darwin_amd64.go":     false,
		"main_test.go":          false,
		"main_linux_test.go":    false,
		"_main.go":              false,
		".main.go":              false,
		"main.txt":              false,
		"linux.go":              true,
		"windows.go":            true, // no "_": no suffix
		"my_file.generated.go":  true,
		"zz_windows.pb.json.go": false, // the suffix is before the first "."
	} {
		if got := WantFile(name, Config{}); got != want {
			t.Errorf("WantFile(%q) = %v, want %v", name, got, want)
		}
	}
	if !WantFile("main_windows.go", Config{Tags: []string{"windows"}}) {
		t.Error("main_windows.go with build.tags [windows] is left out; go build -tags=windows compiles it")
	}
}

// TestBuildConstraintsLikeGoBuild checks the file selection against
// go/build: a file counts for go-app when go/build matches it for linux on
// at least one architecture, with the same tags and cgo setting.
func TestBuildConstraintsLikeGoBuild(t *testing.T) {
	files := map[string]string{
		"a.go":                  mainGo,
		"a_linux.go":            mainGo,
		"a_windows.go":          mainGo,
		"a_linux_arm64.go":      mainGo,
		"a_freebsd_amd64.go":    mainGo,
		"a_riscv64.go":          mainGo,
		"a_android.go":          mainGo,
		"a_test.go":             mainGo,
		"_a.go":                 mainGo,
		"ignore.go":             tagged("ignore"),
		"tools.go":              tagged("tools"),
		"notools.go":            tagged("!tools"),
		"linux.go":              tagged("linux"),
		"darwin.go":             tagged("darwin"),
		"unix.go":               tagged("unix"),
		"notunix.go":            tagged("!unix"),
		"android.go":            tagged("android"),
		"arm64.go":              tagged("arm64"),
		"notarm64.go":           tagged("!arm64"),
		"both.go":               tagged("amd64 && arm64"),
		"contradiction.go":      tagged("arm64 && !arm64"),
		"linuxarch.go":          tagged("linux && (amd64 || s390x)"),
		"cgo.go":                tagged("cgo"),
		"nocgo.go":              tagged("!cgo"),
		"gc.go":                 tagged("gc"),
		"gccgo.go":              tagged("gccgo"),
		"release.go":            tagged("go1.21"),
		"plus.go":               "// +build linux,amd64 darwin\n\n" + mainGo,
		"plusignore.go":         "// +build ignore\n\n" + mainGo,
		"plusdoc.go":            "// +build ignore\npackage main\n",
		"gobuildwins.go":        "// +build ignore\n\n//go:build linux\n\n" + mainGo,
		"taggedwindows.go":      tagged("windows && tools"),
		"a_windows_tools.go":    mainGo,
		"tools_windows_test.go": mainGo,
		"a_sparc64.go":          mainGo,
		"a_linux_sparc64.go":    mainGo,
		"amd64tagged_arm64.go":  tagged("amd64"),
		"arm64tagged_arm64.go":  tagged("arm64 && linux"),
		"s390x.go":              tagged("s390x"),
		"mips.go":               tagged("mips"),
		"manytags.go":           tagged("linux && (a || b || c || d || e || f || g || h || i || j || k || l || m || n || arm64)"),
	}
	for _, cfg := range []Config{{}, {Tags: []string{"tools"}}, {Cgo: true}, {Tags: []string{"tools", "windows"}}} {
		for name, body := range files {
			var goBuild bool
			for _, arch := range targetArches {
				ctx := build.Default
				ctx.GOOS, ctx.GOARCH, ctx.CgoEnabled, ctx.BuildTags = "linux", arch, cfg.Cgo, cfg.Tags
				ctx.Compiler = "gc"
				ctx.OpenFile = func(string) (io.ReadCloser, error) { return io.NopCloser(strings.NewReader(body)), nil }
				ok, err := ctx.MatchFile("/m", name)
				if err != nil {
					t.Fatalf("go/build %s: %v", name, err)
				}
				goBuild = goBuild || ok && !strings.HasSuffix(name, "_test.go")
			}
			ours := WantFile(name, cfg)
			if ours {
				_, cons, err := packageClause(name, []byte(body))
				if err != nil {
					t.Fatalf("%s: %v", name, err)
				}
				ours = compiles(name, []byte(body), cons, cfg)
			}
			if ours != goBuild {
				t.Errorf("tags %v cgo %v: %s counts %v, go/build for linux: %v", cfg.Tags, cfg.Cgo, name, ours, goBuild)
			}
		}
	}
}

// TestTargetArches checks that every architecture detection considers is
// one go-app builds for.
func TestTargetArches(t *testing.T) {
	for _, arch := range targetArches {
		if _, err := spec.ParsePlatform("linux/" + arch); err != nil {
			t.Errorf("linux/%s: %v", arch, err)
		}
	}
}

// FuzzDetectMain feeds arbitrary file contents to the detection: nothing
// may panic, and it answers one of the directories it was given or an
// error that asks for main or binaries.
func FuzzDetectMain(f *testing.F) {
	for _, s := range []string{mainGo, libGo, licenceGo, tagged("ignore"), tagged("linux && !(amd64 || go1.2 || goexperiment.x)"),
		"// +build a,!b c\n\npackage main\n", "/* x", "package", "package main; func", "\ufeffpackage main\n", ""} {
		f.Add([]byte(s), []byte(mainGo), "tools")
	}
	f.Fuzz(func(t *testing.T, root, cmd []byte, tag string) {
		files := []Source{{Path: "main.go", Head: root}, {Path: "cmd/x/x_linux.go", Head: cmd}}
		got, err := Detect(files, Config{Tags: []string{tag}}, "go-app.yaml")
		switch {
		case err != nil:
			if got != "" || !strings.Contains(err.Error(), "set main: in go-app.yaml") {
				t.Fatalf("Detect = %q, %v", got, err)
			}
		case got != "." && got != "./cmd/x":
			t.Fatalf("Detect = %q, want . or ./cmd/x", got)
		}
	})
}
