package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

func sqliteApp(t *testing.T) App {
	t.Helper()
	for _, a := range allApps {
		if a.Name == "sqlite" {
			return a
		}
	}
	t.Fatal("no app sqlite")
	return App{}
}

// The bench's copy of the cgo example states the flags every contender
// builds with, in a build section that replaces the example's and keeps
// its C packages and tags.
func TestStateBuildFlagsCgo(t *testing.T) {
	a := sqliteApp(t)
	src, err := os.ReadFile(filepath.Join("..", "..", a.Dir, "go-app.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	f := filepath.Join(t.TempDir(), "go-app.yaml")
	if err := os.WriteFile(f, src, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := stateBuildFlags(f, a); err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(f)
	if err != nil {
		t.Fatal(err)
	}
	if n := len(regexp.MustCompile(`(?m)^build:`).FindAll(got, -1)); n != 1 {
		t.Fatalf("%d build sections:\n%s", n, got)
	}
	for _, want := range []string{"main: .", "cgo: true", "cgo_packages: [libsqlite3-dev]", "tags: [libsqlite3]", "cgo_link: static", "strip: true", "trimpath: true"} {
		if !strings.Contains(string(got), want) {
			t.Errorf("no %q in\n%s", want, got)
		}
	}
	// Not a cgo app: a build section is refused.
	if err := stateBuildFlags(f, App{Name: "hello"}); err == nil {
		t.Error("a pure Go app with a build section was accepted")
	}
}

// A cgo example whose build section no longer names the bench's packages
// or tags is refused, rather than benchmarked with other flags.
func TestStateBuildFlagsCgoMismatch(t *testing.T) {
	a := sqliteApp(t)
	for _, yaml := range []string{
		"main: .\nbuild:\n  cgo: true\n  cgo_packages: [libsqlite3-dev, libz-dev]\n  tags: [libsqlite3]\n",
		"main: .\nbuild:\n  cgo: true\n  cgo_packages: [libsqlite3-dev]\n",
		"main: .\nbuild:\n  cgo_packages: [libsqlite3-dev]\n  tags: [libsqlite3]\n",
		"main: .\n",
	} {
		f := filepath.Join(t.TempDir(), "go-app.yaml")
		if err := os.WriteFile(f, []byte(yaml), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := stateBuildFlags(f, a); err == nil {
			t.Errorf("accepted:\n%s", yaml)
		}
	}
	// The build section ends at the next top-level key.
	f := filepath.Join(t.TempDir(), "go-app.yaml")
	in := "main: .\nbuild:\n  cgo: true # C\n\n  cgo_packages: [libsqlite3-dev]\n  tags: [libsqlite3]\nruntime:\n  base: scratch\n"
	if err := os.WriteFile(f, []byte(in), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := stateBuildFlags(f, a); err != nil {
		t.Fatal(err)
	}
	got, _ := os.ReadFile(f)
	if !strings.Contains(string(got), "runtime:\n  base: scratch\n") || strings.Count(string(got), "build:") != 1 {
		t.Errorf("got\n%s", got)
	}
}

// Which contender builds which app, and with which flags.
func TestCgoContenders(t *testing.T) {
	a := sqliteApp(t)
	hello := defaultApps[0]
	for _, c := range allContenders {
		switch c.ID {
		case "goapp":
			if !c.builds(a) || !c.builds(hello) {
				t.Errorf("go-app must build both kinds of app")
			}
		case "cgo-cross", "cgo-qemu":
			if !c.builds(a) || c.builds(hello) {
				t.Errorf("%s must build the cgo app only", c.ID)
			}
		default:
			if c.builds(a) || !c.builds(hello) {
				t.Errorf("%s must build pure Go apps only", c.ID)
			}
		}
	}
	for _, id := range []string{"ko", "host"} {
		if c, _ := contenderByID(id); c.NoCgo == "" {
			t.Errorf("%s: no reason why it does not build cgo apps", id)
		}
	}
	// Every contender of the cgo app builds with the same tags, a static
	// external link with libm last, -trimpath and -s -w.
	for _, id := range []string{"goapp", "cgo-cross", "cgo-qemu"} {
		c, _ := contenderByID(id)
		f := c.flagsFor(a)
		for _, want := range []string{"CGO_ENABLED=1", "-trimpath", "-tags=libsqlite3,netgo,osusergo ", "-s -w -linkmode external -extldflags ", "-static -lm"} {
			if !strings.Contains(f, want) {
				t.Errorf("%s: flags %s lack %q", id, f, want)
			}
		}
		if c.flagsFor(hello) != c.Flags {
			t.Errorf("%s: flags of a pure Go app changed", id)
		}
	}
}

// The cgo Dockerfiles build with the flags the table says they do, and
// keep their cache apart from each other's.
func TestCgoDockerfiles(t *testing.T) {
	for _, id := range []string{"cgo-cross", "cgo-qemu"} {
		c, _ := contenderByID(id)
		b, err := os.ReadFile(c.Dockerfile)
		if err != nil {
			t.Fatal(err)
		}
		df := string(b)
		for _, want := range []string{
			"ARG BENCH_CONTENDER=" + id + "\n",
			`-tags="$TAGS"`,
			`-ldflags="-s -w -linkmode external -extldflags '-static -lm' -X main.benchContender=$BENCH_CONTENDER"`,
			"go build -trimpath ",
			"CGO_ENABLED=1 ",
			"target=/var/cache/apt,sharing=locked",
			"target=/var/lib/apt,sharing=locked",
			"FROM scratch\n",
		} {
			if !strings.Contains(df, want) {
				t.Errorf("%s lacks %q", c.Dockerfile, want)
			}
		}
		for _, m := range regexp.MustCompile(`id=(bench-[a-z-]+)`).FindAllStringSubmatch(df, -1) {
			if !strings.HasPrefix(m[1], "bench-"+id+"-") {
				t.Errorf("%s: cache mount id %s is not its own", c.Dockerfile, m[1])
			}
		}
		cross := strings.Contains(df, "FROM --platform=$BUILDPLATFORM golang:1.26-bookworm AS build")
		if cross != (id == "cgo-cross") {
			t.Errorf("%s: builder stage on the build platform = %v", c.Dockerfile, cross)
		}
	}
}

// The bench makes the Debian linux/arm64 toolchain image only when the
// QEMU Dockerfile of a cgo app builds for linux/arm64.
func TestNeedsDebianArm64(t *testing.T) {
	runs, err := parseRuns(defaultRuns)
	if err != nil {
		t.Fatal(err)
	}
	skips, err := parseSkips(defaultSkip)
	if err != nil {
		t.Fatal(err)
	}
	sqlite := sqliteApp(t)
	qemu, _ := contenderByID("cgo-qemu")
	cross, _ := contenderByID("cgo-cross")
	for _, tc := range []struct {
		apps       []App
		psets      []PlatformSet
		scenarios  []string
		contenders []Contender
		want       bool
	}{
		{[]App{sqlite}, defaultPlatformSets, []string{scCold, scOneLine}, []Contender{cross, qemu}, true},
		{[]App{sqlite}, defaultPlatformSets[:1], []string{scCold, scOneLine}, []Contender{cross, qemu}, false},
		{[]App{sqlite}, defaultPlatformSets, []string{scCold, scOneLine}, []Contender{cross}, false},
		{[]App{sqlite}, defaultPlatformSets, []string{scNoChange}, []Contender{cross, qemu}, false},
		{defaultApps, defaultPlatformSets, allScenarios, allContenders, false},
	} {
		r := &runner{apps: tc.apps, psets: tc.psets, scenarios: tc.scenarios, contenders: tc.contenders, runRules: runs, skipRules: skips}
		if got := r.needsDebianArm64(); got != tc.want {
			t.Errorf("apps %v, platforms %v, scenarios %v, %d contenders: %v, want %v", appNames(tc.apps), tc.psets, tc.scenarios, len(tc.contenders), got, tc.want)
		}
	}
}
