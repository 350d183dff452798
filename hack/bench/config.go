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
}

// defaultApps are the small and the medium app.
var defaultApps = []App{
	{Name: "hello", Dir: "examples/hello", Main: "./cmd/hello"},
	{Name: "grpc", Dir: "examples/grpc", Main: "./cmd/server"},
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
}

// runsIn reports whether c takes part in scenario sc.
func (c Contender) runsIn(sc string) bool {
	return len(c.Scenarios) == 0 || slices.Contains(c.Scenarios, sc)
}

// Every contender builds with the same go build flags: -trimpath, -ldflags
// "-s -w" (plus, in the bench's Dockerfiles, -X main.benchContender=ID)
// and CGO_ENABLED=0. go-app gets them from its defaults (build.strip,
// build.trimpath, build.cgo), which the bench's copy of go-app.yaml states
// explicitly; ko from the .ko.yaml the bench writes (defaultLdflags) and
// its own defaults (-trimpath, CGO_ENABLED=0).
const (
	flagsGoApp  = `CGO_ENABLED=0 go build -trimpath -buildvcs=false -ldflags="-s -w"`
	flagsDF     = `CGO_ENABLED=0 go build -trimpath -ldflags="-s -w -X main.benchContender=%s"`
	flagsHostGo = `CGO_ENABLED=0 GOFLAGS=-buildvcs=false go build -trimpath -ldflags="-s -w"`
)

// The contenders of every scenario but ephemeral, and of ephemeral.
var (
	warmScenarios = []string{scCold, scNoChange, scOneLine, scGoMod}
	onlyEphemeral = []string{scEphemeral}
)

var allContenders = []Contender{
	{ID: "goapp", Title: "go-app", Kind: kindBuildKit, Image: true, Flags: flagsGoApp},
	{ID: "dockerfile", Title: "Dockerfile, best practice", Kind: kindBuildKit, Dockerfile: "dockerfiles/bestpractice.Dockerfile", Image: true,
		Flags: fmt.Sprintf(flagsDF, "bestpractice")},
	{ID: "naive", Title: "Dockerfile, naive", Kind: kindBuildKit, Dockerfile: "dockerfiles/naive.Dockerfile", Image: true,
		Scenarios: warmScenarios, Flags: fmt.Sprintf(flagsDF, "naive")},
	{ID: "qemu", Title: "Dockerfile, QEMU", Kind: kindBuildKit, Dockerfile: "dockerfiles/qemu.Dockerfile", Image: true,
		Scenarios: warmScenarios, Flags: fmt.Sprintf(flagsDF, "qemu")},
	{ID: "ko", Title: "ko", Kind: kindKo, Image: true, Flags: flagsHostGo},
	{ID: "host", Title: "go build (host)", Kind: kindHost, Scenarios: warmScenarios, Flags: flagsHostGo},
	{ID: "dockerfile-gw", Title: "Dockerfile, best practice, frontend image", Kind: kindBuildKit, Dockerfile: "dockerfiles/bestpractice.Dockerfile", Image: true, Gateway: true, Control: true,
		Scenarios: warmScenarios, Flags: fmt.Sprintf(flagsDF, "dockerfile-gw")},
	// go-app on a new buildkitd without the previous job's cache: the
	// baseline of the ephemeral scenario.
	{ID: "goapp-cold", Title: "go-app, no cache import", Kind: kindBuildKit, Image: true, Scenarios: onlyEphemeral, NoCacheImport: true, Flags: flagsGoApp},
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
