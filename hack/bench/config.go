package main

import (
	"fmt"
	"path"
	"slices"
	"strconv"
	"strings"
)

// App is a Go module of the repository's examples/ that the bench builds.
type App struct {
	Name string `json:"name"`
	Dir  string `json:"dir"`  // relative to the repository root
	Main string `json:"main"` // the main package, relative to the module root
	// Cgo is set for an app that links C libraries: it builds with cgo and
	// its contenders are go-app and the cgo Dockerfiles (Contender.Cgo).
	Cgo *CgoApp `json:"cgo,omitempty"`
	// Scenarios are the only scenarios the app runs in; empty means all.
	Scenarios []string `json:"scenarios,omitempty"`
}

// CgoApp is what a cgo app's go-app.yaml says about C: the Debian packages
// of its C libraries and its build tags. The bench writes the app's build
// section from it, with the flags stated, and the cgo Dockerfiles get the
// same packages and tags.
type CgoApp struct {
	Packages []string `json:"packages"`
	Tags     []string `json:"tags"`
}

// allApps are the apps -apps can name; defaultApps those it builds without it:
// the small and the medium app. sqlite (examples/sqlite, SQLite through
// cgo) is left out by default: its cold builds under QEMU take many minutes.
var (
	defaultApps = []App{
		{Name: "hello", Dir: "examples/hello", Main: "./cmd/hello"},
		{Name: "grpc", Dir: "examples/grpc", Main: "./cmd/server"},
	}
	allApps = append(slices.Clone(defaultApps),
		App{Name: "sqlite", Dir: "examples/sqlite", Main: ".",
			Cgo:       &CgoApp{Packages: []string{"libsqlite3-dev"}, Tags: []string{"libsqlite3"}},
			Scenarios: []string{scCold, scOneLine}})
)

// runsIn reports whether app a runs scenario sc.
func (a App) runsIn(sc string) bool {
	return len(a.Scenarios) == 0 || slices.Contains(a.Scenarios, sc)
}

// PlatformSet is the set of target platforms of one build.
type PlatformSet struct {
	Name      string   `json:"name"`
	Platforms []string `json:"platforms"`
}

var defaultPlatformSets = []PlatformSet{
	{Name: "amd64", Platforms: []string{"linux/amd64"}},
	{Name: "amd64+arm64", Platforms: []string{"linux/amd64", "linux/arm64"}},
}

// Scenarios, in the order they run for each app and platform set.
const (
	scCold     = "cold"
	scNoChange = "nochange"
	scOneLine  = "oneline"
	scGoMod    = "gomod"
	// scEphemeral is a hosted CI runner: every build on a new, empty
	// buildkitd that gets only the cache the previous job exported
	// (ephemeral.go).
	scEphemeral = "ephemeral"
)

var allScenarios = []string{scCold, scNoChange, scOneLine, scGoMod, scEphemeral}

var scenarioTitles = map[string]string{
	scCold:     "cold",
	scNoChange: "no-change rebuild",
	scOneLine:  "one-line .go change",
	scGoMod:    "go.mod change (new dependency)",
	// The one-line change, on a CI runner.
	scEphemeral: "ephemeral runner, one-line change",
}

// Contender kinds.
const (
	kindBuildKit = "buildkit" // docker buildx build on the bench builder
	kindKo       = "ko"
	kindHost     = "host"
)

// Contender is one way to build the app.
type Contender struct {
	ID         string `json:"id"`
	Title      string `json:"title"`
	Kind       string `json:"kind"`
	Dockerfile string `json:"dockerfile,omitempty"` // relative to hack/bench; empty for go-app
	Image      bool   `json:"image"`                // produces an image
	// Gateway runs the Dockerfile through BuildKit's Dockerfile frontend
	// as a gateway image (like `# syntax=docker/dockerfile:1`), with cache
	// mount ids of its own.
	Gateway bool `json:"gateway,omitempty"`
	// Control marks a contender that is there to explain the others: the
	// table shows it only where it ran.
	Control bool `json:"control,omitempty"`
	// Scenarios are the only scenarios the contender takes part in; empty
	// means all of them. Elsewhere it has no result at all.
	Scenarios []string `json:"scenarios,omitempty"`
	// NoCacheImport: in the ephemeral scenario, the build gets no
	// --cache-from (the baseline).
	NoCacheImport bool `json:"no_cache_import,omitempty"`
	// Flags is how the contender calls go build, as configured; the
	// results also record what each binary's build information says
	// (Result.GoBuild).
	Flags string `json:"flags"`
	// Apps are the apps the contender builds: appsPure (the default),
	// appsCgo or appsAll.
	Apps string `json:"apps,omitempty"`
	// CgoFlags is Flags for a cgo app, with TAGS for its build tags
	// (cgoTags).
	CgoFlags string `json:"cgo_flags,omitempty"`
	// NoCgo, for a contender that builds pure Go apps only, says why it
	// does not build a cgo app: the tables show it.
	NoCgo string `json:"no_cgo,omitempty"`
}

// Which apps a contender builds (Contender.Apps).
const (
	appsPure = ""    // apps without cgo
	appsCgo  = "cgo" // cgo apps
	appsAll  = "all"
)

// runsIn reports whether c takes part in scenario sc.
func (c Contender) runsIn(sc string) bool {
	return len(c.Scenarios) == 0 || slices.Contains(c.Scenarios, sc)
}

// builds reports whether c builds app a.
func (c Contender) builds(a App) bool {
	switch c.Apps {
	case appsAll:
		return true
	case appsCgo:
		return a.Cgo != nil
	default:
		return a.Cgo == nil
	}
}

// flagsFor is how c calls go build for app a.
func (c Contender) flagsFor(a App) string {
	if a.Cgo == nil || c.CgoFlags == "" {
		return c.Flags
	}
	return strings.ReplaceAll(c.CgoFlags, "TAGS", strings.Join(cgoTags(a), ","))
}

// cgoTags are the build tags of every contender's build of cgo app a:
// the app's tags, then netgo and osusergo, which go-app adds to a static
// cgo build (build.cgo_link: static, its default) so that the binary uses
// Go's DNS resolver and user lookup, not glibc's NSS modules that a static
// binary cannot load.
func cgoTags(a App) []string {
	tags := slices.Clone(a.Cgo.Tags)
	for _, t := range []string{"netgo", "osusergo"} {
		if !slices.Contains(tags, t) {
			tags = append(tags, t)
		}
	}
	return tags
}

// Every contender builds with the same go build flags: -trimpath, -ldflags
// "-s -w" (plus, in the bench's Dockerfiles, -X main.benchContender=ID)
// and CGO_ENABLED=0. go-app gets them from its defaults (build.strip,
// build.trimpath, build.cgo), which the bench's copy of go-app.yaml states
// explicitly; ko from the .ko.yaml the bench writes (defaultLdflags) and
// its own defaults (-trimpath, CGO_ENABLED=0).
//
// A cgo app builds with go-app's flags for a static cgo build
// (build.cgo_link: static): CGO_ENABLED=1, the target's gcc as CC, the
// app's tags plus netgo and osusergo, and -ldflags "-s -w -linkmode
// external -extldflags "-static -lm"": gcc links, statically, with libm
// last. go-app's copy of go-app.yaml states them (build.cgo_link,
// build.strip, build.trimpath); the cgo Dockerfiles have them in their
// RUN line.
const (
	flagsGoApp  = `CGO_ENABLED=0 go build -trimpath -buildvcs=false -ldflags="-s -w"`
	flagsDF     = `CGO_ENABLED=0 go build -trimpath -ldflags="-s -w -X main.benchContender=%s"`
	flagsHostGo = `CGO_ENABLED=0 GOFLAGS=-buildvcs=false go build -trimpath -ldflags="-s -w"`

	flagsGoAppCgo = `CGO_ENABLED=1 CC=<triplet>-gcc go build -trimpath -tags=TAGS -buildvcs=false -ldflags="-s -w -linkmode external -extldflags \"-static -lm\""`
	flagsDFCgo    = `CGO_ENABLED=1 CC=<triplet>-gcc go build -trimpath -tags=TAGS -ldflags="-s -w -linkmode external -extldflags '-static -lm' -X main.benchContender=%s"`
	// The QEMU Dockerfile's CC is the gcc of the target's own image.
	flagsDFCgoNative = `CGO_ENABLED=1 CC=gcc go build -trimpath -tags=TAGS -ldflags="-s -w -linkmode external -extldflags '-static -lm' -X main.benchContender=%s"`
)

// The contenders of every scenario but ephemeral, and of ephemeral.
var (
	warmScenarios = []string{scCold, scNoChange, scOneLine, scGoMod}
	onlyEphemeral = []string{scEphemeral}
)

// Why ko and the host go build do not build cgo apps.
const (
	noCgoKo   = "not run: ko builds pure Go (CGO_ENABLED=0, no C toolchain of the target, a base image without the C libraries); the cross Dockerfile is what cgo with ko's approach would need"
	noCgoHost = "not run: the host go build would need the cross gcc and the target's C libraries installed on the host, which is what the cross Dockerfile sets up in a build step"
)

var allContenders = []Contender{
	{ID: "goapp", Title: "go-app", Kind: kindBuildKit, Image: true, Flags: flagsGoApp, Apps: appsAll, CgoFlags: flagsGoAppCgo},
	{ID: "dockerfile", Title: "Dockerfile, best practice", Kind: kindBuildKit, Dockerfile: "dockerfiles/bestpractice.Dockerfile", Image: true,
		Flags: fmt.Sprintf(flagsDF, "bestpractice")},
	{ID: "naive", Title: "Dockerfile, naive", Kind: kindBuildKit, Dockerfile: "dockerfiles/naive.Dockerfile", Image: true,
		Scenarios: warmScenarios, Flags: fmt.Sprintf(flagsDF, "naive")},
	{ID: "qemu", Title: "Dockerfile, QEMU", Kind: kindBuildKit, Dockerfile: "dockerfiles/qemu.Dockerfile", Image: true,
		Scenarios: warmScenarios, Flags: fmt.Sprintf(flagsDF, "qemu")},
	{ID: "ko", Title: "ko", Kind: kindKo, Image: true, Flags: flagsHostGo, NoCgo: noCgoKo},
	{ID: "host", Title: "go build (host)", Kind: kindHost, Scenarios: warmScenarios, Flags: flagsHostGo, NoCgo: noCgoHost},
	{ID: "dockerfile-gw", Title: "Dockerfile, best practice, frontend image", Kind: kindBuildKit, Dockerfile: "dockerfiles/bestpractice.Dockerfile", Image: true, Gateway: true, Control: true,
		Scenarios: warmScenarios, Flags: fmt.Sprintf(flagsDF, "dockerfile-gw")},
	// go-app on a new buildkitd without the previous job's cache: the
	// baseline of the ephemeral scenario.
	{ID: "goapp-cold", Title: "go-app, no cache import", Kind: kindBuildKit, Image: true, Scenarios: onlyEphemeral, NoCacheImport: true, Flags: flagsGoApp},
	// cgo apps: a hand-written cross-compiling Dockerfile (Debian's cross
	// gcc and multiarch packages, cache mounts for apt and Go), and the
	// common Dockerfile whose arm64 half runs under QEMU.
	{ID: "cgo-cross", Title: "cross Dockerfile (cgo)", Kind: kindBuildKit, Dockerfile: "dockerfiles/cgo-cross.Dockerfile", Image: true,
		Scenarios: warmScenarios, Apps: appsCgo, CgoFlags: fmt.Sprintf(flagsDFCgo, "cgo-cross")},
	{ID: "cgo-qemu", Title: "QEMU Dockerfile (cgo)", Kind: kindBuildKit, Dockerfile: "dockerfiles/cgo-qemu.Dockerfile", Image: true,
		Scenarios: warmScenarios, Apps: appsCgo, CgoFlags: fmt.Sprintf(flagsDFCgoNative, "cgo-qemu")},
}

var defaultContenderIDs = func() string {
	ids := make([]string, len(allContenders))
	for i, c := range allContenders {
		ids[i] = c.ID
	}
	return strings.Join(ids, ",")
}()

func contenderByID(id string) (Contender, bool) {
	for _, c := range allContenders {
		if c.ID == id {
			return c, true
		}
	}
	return Contender{}, false
}

// key names one result: app, scenario, platform set, contender.
type key struct {
	App, Scenario, Platforms, Contender string
}

func (k key) String() string {
	return k.App + "/" + k.Scenario + "/" + k.Platforms + "/" + k.Contender
}

// pattern matches keys: "APP/SCENARIO/PLATFORMS/CONTENDER" with shell
// wildcards in each field, or a bare scenario name (= "*/NAME/*/*").
type pattern [4]string

func parsePattern(s string) (pattern, error) {
	s = strings.TrimSpace(s)
	if !strings.Contains(s, "/") {
		return pattern{"*", s, "*", "*"}, nil
	}
	f := strings.Split(s, "/")
	if len(f) != 4 {
		return pattern{}, fmt.Errorf("pattern %q: want APP/SCENARIO/PLATFORMS/CONTENDER (fields may be *)", s)
	}
	var p pattern
	for i, x := range f {
		if _, err := path.Match(x, ""); err != nil {
			return pattern{}, fmt.Errorf("pattern %q: %v", s, err)
		}
		p[i] = x
	}
	return p, nil
}

func (p pattern) match(k key) bool {
	for i, v := range []string{k.App, k.Scenario, k.Platforms, k.Contender} {
		if ok, _ := path.Match(p[i], v); !ok {
			return false
		}
	}
	return true
}

func (p pattern) String() string { return strings.Join(p[:], "/") }

// runRule sets the number of timed runs of the keys a pattern matches.
type runRule struct {
	Pattern string `json:"pattern"`
	Runs    int    `json:"runs"`
	p       pattern
}

// parseRuns parses "PATTERN=N,PATTERN=N,...".
func parseRuns(s string) ([]runRule, error) {
	var out []runRule
	for _, item := range strings.Split(s, ",") {
		item = strings.TrimSpace(item)
		if item == "" {
			continue
		}
		ps, ns, ok := strings.Cut(item, "=")
		if !ok {
			return nil, fmt.Errorf("-runs: %q is not PATTERN=N", item)
		}
		n, err := strconv.Atoi(ns)
		if err != nil || n < 0 {
			return nil, fmt.Errorf("-runs: %q: N must be a number >= 0", item)
		}
		p, err := parsePattern(ps)
		if err != nil {
			return nil, err
		}
		out = append(out, runRule{Pattern: p.String(), Runs: n, p: p})
	}
	return out, nil
}

// runsFor is the run count of k: the last matching rule wins.
func runsFor(rules []runRule, k key) int {
	n := 0
	for _, r := range rules {
		if r.p.match(k) {
			n = r.Runs
		}
	}
	return n
}

// skipRule leaves out the keys a pattern matches, with the reason shown in
// the table.
type skipRule struct {
	Pattern string `json:"pattern"`
	Reason  string `json:"reason"`
	p       pattern
}

// parseSkips parses "PATTERN[=reason],...". "none" means no skips.
func parseSkips(s string) ([]skipRule, error) {
	if strings.TrimSpace(s) == "none" {
		return nil, nil
	}
	var out []skipRule
	for _, item := range strings.Split(s, ",") {
		item = strings.TrimSpace(item)
		if item == "" {
			continue
		}
		ps, reason, _ := strings.Cut(item, "=")
		p, err := parsePattern(ps)
		if err != nil {
			return nil, err
		}
		if reason == "" {
			reason = "skipped (-skip " + p.String() + ")"
		}
		out = append(out, skipRule{Pattern: p.String(), Reason: reason, p: p})
	}
	return out, nil
}

func skipReason(rules []skipRule, k key) string {
	for _, r := range rules {
		if r.p.match(k) {
			return r.Reason
		}
	}
	return ""
}

func splitList(s string) []string {
	var out []string
	for _, x := range strings.Split(s, ",") {
		if x = strings.TrimSpace(x); x != "" {
			out = append(out, x)
		}
	}
	return out
}

// pick returns the items of all named in names, in the order of names; an
// unknown name is an error that lists the known ones.
func pick[T any](names []string, all []T, nameOf func(T) string, what string) ([]T, error) {
	out := make([]T, 0, len(names))
	for _, n := range names {
		i := slices.IndexFunc(all, func(x T) bool { return nameOf(x) == n })
		if i < 0 {
			known := make([]string, len(all))
			for j, x := range all {
				known[j] = nameOf(x)
			}
			return nil, fmt.Errorf("unknown %s %q (%s)", what, n, strings.Join(known, ", "))
		}
		out = append(out, all[i])
	}
	return out, nil
}

func appNames(as []App) []string {
	names := make([]string, len(as))
	for i, a := range as {
		names[i] = a.Name
	}
	return names
}
