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
)

var allScenarios = []string{scCold, scNoChange, scOneLine, scGoMod}

var scenarioTitles = map[string]string{
	scCold:     "cold",
	scNoChange: "no-change rebuild",
	scOneLine:  "one-line .go change",
	scGoMod:    "go.mod change (new dependency)",
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
}

var allContenders = []Contender{
	{ID: "goapp", Title: "go-app", Kind: kindBuildKit, Image: true},
	{ID: "dockerfile", Title: "Dockerfile, best practice", Kind: kindBuildKit, Dockerfile: "dockerfiles/bestpractice.Dockerfile", Image: true},
	{ID: "naive", Title: "Dockerfile, naive", Kind: kindBuildKit, Dockerfile: "dockerfiles/naive.Dockerfile", Image: true},
	{ID: "qemu", Title: "Dockerfile, QEMU", Kind: kindBuildKit, Dockerfile: "dockerfiles/qemu.Dockerfile", Image: true},
	{ID: "ko", Title: "ko", Kind: kindKo, Image: true},
	{ID: "host", Title: "go build (host)", Kind: kindHost},
	{ID: "dockerfile-gw", Title: "Dockerfile, best practice, frontend image", Kind: kindBuildKit, Dockerfile: "dockerfiles/bestpractice.Dockerfile", Image: true, Gateway: true, Control: true},
}

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
