package main

import (
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
			r := Result{App: "hello", Scenario: sc, Platforms: "amd64", Contender: c.ID, Runs: []float64{1.5},
				GoBuild: "-trimpath=true CGO_ENABLED=0 stripped (no symbol table, no DWARF: -s -w)"}
			if sc == scEphemeral {
				r.CacheImportBytes, r.CacheExportBytes = []int64{3 << 20}, []int64{4 << 20}
			}
			rs.Results = append(rs.Results, r)
		}
	}
	rs.finish()
	md := renderMarkdown(rs)
	for _, want := range []string{
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
