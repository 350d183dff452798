package main

import (
	"fmt"
	"strings"
	"testing"
)

func TestRenderEphemeralAndFlags(t *testing.T) {
	rs := &Results{
		Contenders:   allContenders,
		Apps:         defaultApps[:1],
		PlatformSets: defaultPlatformSets[:1],
		Scenarios:    []string{scOneLine, scEphemeral},
	}
	for _, c := range allContenders {
		for _, sc := range rs.Scenarios {
			if !c.runsIn(sc) {
				continue
			}
			r := Result{App: "hello", Scenario: sc, Platforms: "amd64", Contender: c.ID, Runs: []float64{1.5}, RunLoad: []float64{3.5},
				GoBuild: "-trimpath=true CGO_ENABLED=0 stripped (no symbol table, no DWARF: -s -w)"}
			if sc == scEphemeral {
				r.CacheImportBytes, r.CacheExportBytes = []int64{3 << 20}, []int64{4 << 20}
			}
			rs.Results = append(rs.Results, r)
		}
	}
	rs.finish()
	md := renderMarkdown(rs)
	ephemeral := 0
	for _, r := range rs.Results {
		if r.Scenario == scEphemeral {
			ephemeral++
		}
	}
	for _, want := range []string{
		fmt.Sprintf("%d of %d timed runs started with a 1-minute load average above 3", len(rs.Results), len(rs.Results)),
		fmt.Sprintf("except for the %d ephemeral runs: each starts right after its preparation's build", ephemeral),
		"### hello: ephemeral runner, caches",
		"| amd64 | **go-app** | 1 | 1.50 s |",
		"| amd64 | go-app, no cache import | 1 |",
		"3.0 MiB | 4.0 MiB |",
		"go build flags, as configured",
		"ko `CGO_ENABLED=0 GOFLAGS=-buildvcs=false go build -trimpath -ldflags=\"-s -w\"`",
	} {
		if !strings.Contains(md, want) {
			t.Errorf("results.md lacks %q:\n%s", want, md)
		}
	}
	// Contenders that do not take part in a scenario have no row.
	if strings.Contains(md, "| ephemeral runner, one-line change | amd64 | Dockerfile, naive") {
		t.Errorf("naive has an ephemeral row:\n%s", md)
	}
	// Every table is followed by a flags line.
	lines := strings.Split(md, "\n")
	for i, l := range lines {
		if strings.HasPrefix(l, "|") && (i+1 == len(lines) || !strings.HasPrefix(lines[i+1], "|")) {
			if i+2 >= len(lines) || !strings.HasPrefix(lines[i+2], "go build flags") {
				t.Errorf("table ending at line %d has no flags line after it:\n%s", i+1, strings.Join(lines[max(0, i-3):min(len(lines), i+3)], "\n"))
			}
		}
	}
}

func TestUnescapeMountinfo(t *testing.T) {
	if got := unescapeMountinfo(`/a\040b/c`); got != "/a b/c" {
		t.Errorf("got %q", got)
	}
}

// The tables of a cgo app: ko and the host go build say why they did not
// run, the ratios divide by the cross Dockerfile, the targets of cgo are
// checked, and the flags line shows the cgo flags.
func TestRenderCgo(t *testing.T) {
	a := sqliteApp(t)
	rs := &Results{
		Contenders:   allContenders,
		Apps:         []App{a},
		PlatformSets: defaultPlatformSets,
		Scenarios:    []string{scCold, scOneLine},
	}
	times := map[string][2]float64{"goapp": {100, 3.3}, "cgo-cross": {110, 3.0}, "cgo-qemu": {500, 30}}
	for _, ps := range defaultPlatformSets {
		for _, sc := range rs.Scenarios {
			for _, c := range allContenders {
				r := Result{App: a.Name, Scenario: sc, Platforms: ps.Name, Contender: c.ID}
				switch {
				case c.NoCgo != "":
					r.Skipped = c.NoCgo
				case !c.builds(a) || !c.runsIn(sc):
					continue
				case c.ID == "cgo-qemu" && ps.Name == "amd64":
					r.Skipped = "not run"
				default:
					i := 0
					if sc == scOneLine {
						i = 1
					}
					r.Runs = []float64{times[c.ID][i]}
					r.GoBuild = "CGO_ENABLED=1 -tags=libsqlite3,netgo,osusergo -trimpath=true stripped (no symbol table, no DWARF: -s -w)"
				}
				rs.Results = append(rs.Results, r)
			}
		}
	}
	rs.finish()
	md := renderMarkdown(rs)
	for _, want := range []string{
		"| one-line .go change | amd64+arm64 | **go-app** | 1 | 3.30 s | 3.30 s–3.30 s | 1.10× |",
		"| ko | – | not run: ko builds pure Go",
		"| go build (host) | – | not run: the host go build",
		"| cgo: cold build ≥ 4× faster than the QEMU Dockerfile | sqlite | amd64+arm64 | 100 s | 500 s | 5.0× faster | yes |",
		"| cgo: one-line change ≤ 1.0× the cross Dockerfile | sqlite | amd64+arm64 | 3.30 s | 3.00 s | 1.10× | **no** |",
		"-tags=libsqlite3,netgo,osusergo -buildvcs=false",
	} {
		if !strings.Contains(md, want) {
			t.Errorf("results.md lacks %q:\n%s", want, md)
		}
	}
	if strings.Contains(md, "| Dockerfile, best practice |") {
		t.Errorf("a pure Go contender has a row for the cgo app:\n%s", md)
	}
}
