package main

import (
	"encoding/json"
	"os"
	"sort"
	"time"
)

// Results is the JSON file the bench writes: everything the table, the
// chart and docs/benchmarks.md show.
type Results struct {
	Started         time.Time     `json:"started"`
	Finished        time.Time     `json:"finished"`
	DurationSeconds float64       `json:"duration_seconds"`
	Machine         Machine       `json:"machine"`
	Config          RunConfig     `json:"config"`
	Results         []Result      `json:"results"`
	Breakdowns      []Breakdown   `json:"breakdowns,omitempty"`
	Load            []LoadSample  `json:"load"`
	Errors          []string      `json:"errors,omitempty"`
	Contenders      []Contender   `json:"contenders"`
	Apps            []App         `json:"apps"`
	PlatformSets    []PlatformSet `json:"platform_sets"`
	Scenarios       []string      `json:"scenarios"`
}

// Machine describes where the numbers come from.
type Machine struct {
	CPUs     int    `json:"cpus"`
	CPUModel string `json:"cpu_model"`
	MemGiB   int    `json:"mem_gib"`
	OS       string `json:"os"`
	Kernel   string `json:"kernel"`
	Go       string `json:"go"`
	BuildKit string `json:"buildkit"`
	Buildx   string `json:"buildx"`
	Ko       string `json:"ko"`
	QEMU     string `json:"qemu"`
}

// RunConfig is how the run was made.
type RunConfig struct {
	Command string `json:"command"`
	// Commit is the repository's HEAD; Dirty is set when its work tree had
	// changes (the frontend image is built from the work tree).
	Commit   string     `json:"commit"`
	Dirty    bool       `json:"dirty"`
	Runs     []runRule  `json:"runs"`
	Skips    []skipRule `json:"skips"`
	Output   string     `json:"output"`
	Frontend string     `json:"frontend"`
	// DockerfileFrontend is the image of the dockerfile-gw control.
	DockerfileFrontend string `json:"dockerfile_frontend,omitempty"`
	KoBase             string `json:"ko_base"`
	GoModDep           string `json:"gomod_dependency"`
	// Flags is how every contender calls go build (Contender.Flags
	// holds each one's; Result.GoBuild what its binary says).
	Flags string   `json:"flags"`
	Notes []string `json:"notes"`
	// EphemeralCache is the ephemeral scenario's cache backend (registry
	// or local; empty in results from before it was recorded: local).
	EphemeralCache string `json:"ephemeral_cache,omitempty"`
}

// LoadSample is /proc/loadavg at a point of the run, to show concurrent load.
type LoadSample struct {
	At    time.Time `json:"at"`
	What  string    `json:"what"`
	Load1 float64   `json:"load1"`
	Load5 float64   `json:"load5"`
}

// Result is the figures of one app × scenario × platform set × contender.
type Result struct {
	App       string    `json:"app"`
	Scenario  string    `json:"scenario"`
	Platforms string    `json:"platforms"`
	Contender string    `json:"contender"`
	Skipped   string    `json:"skipped,omitempty"`
	Error     string    `json:"error,omitempty"`
	Runs      []float64 `json:"runs_seconds"`
	// RunLoad is the 1-minute load average when each run started.
	RunLoad []float64 `json:"runs_load1"`
	Median  float64   `json:"median_seconds"`
	Min     float64   `json:"min_seconds"`
	Max     float64   `json:"max_seconds"`
	// Ratios of the medians; 0 when the other contender has no figure.
	RatioDockerfile float64 `json:"ratio_to_dockerfile"`
	RatioKo         float64 `json:"ratio_to_ko"`
	Image           *Image  `json:"image,omitempty"`
	// GoBuild is the go build settings recorded in the linux/amd64
	// binary's build information (CGO_ENABLED, -trimpath, -ldflags, ...).
	GoBuild string `json:"go_build,omitempty"`
	// The ephemeral scenario's caches, per run: CacheImportBytes is what
	// the timed run started from (the --cache-to directory of the
	// preparation build, du -sb; ko: its .tar.gz of GOCACHE and
	// GOMODCACHE), CacheExportBytes the --cache-to directory the timed
	// build wrote (0 for ko, which saves nothing).
	CacheImportBytes []int64 `json:"cache_import_bytes,omitempty"`
	CacheExportBytes []int64 `json:"cache_export_bytes,omitempty"`
}

func (r Result) key() key { return key{r.App, r.Scenario, r.Platforms, r.Contender} }

// Image is what an image-producing contender built, for linux/amd64.
type Image struct {
	Platform string `json:"platform"`
	// CompressedBytes is the sum of the layer blobs' sizes (as pushed).
	CompressedBytes int64 `json:"compressed_bytes"`
	Layers          int   `json:"layers"`
	// BinaryBytes is the size of the ELF executables in the layers.
	BinaryBytes int64 `json:"binary_bytes"`
	// BesidesBinaryBytes is the size of all other regular files
	// (uncompressed): CA bundle, time zones, passwd, ...
	BesidesBinaryBytes int64 `json:"besides_binary_bytes"`
	Files              int   `json:"files"`
	// GoBuild is the go build settings of the largest Go binary (see
	// goBuildSettings).
	GoBuild string `json:"go_build,omitempty"`
	goBin   int64
}

func median(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := append([]float64(nil), xs...)
	sort.Float64s(s)
	n := len(s)
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}

func medianBytes(xs []int64) int64 {
	f := make([]float64, len(xs))
	for i, x := range xs {
		f[i] = float64(x)
	}
	return int64(median(f))
}

func minMax(xs []float64) (lo, hi float64) {
	for i, x := range xs {
		if i == 0 || x < lo {
			lo = x
		}
		if i == 0 || x > hi {
			hi = x
		}
	}
	return lo, hi
}

// finish computes medians, ranges and ratios.
func (rs *Results) finish() {
	byKey := map[key]*Result{}
	for i := range rs.Results {
		r := &rs.Results[i]
		r.Median = median(r.Runs)
		r.Min, r.Max = minMax(r.Runs)
		byKey[r.key()] = r
	}
	for i := range rs.Results {
		r := &rs.Results[i]
		r.RatioDockerfile, r.RatioKo = 0, 0
		if r.Median == 0 {
			continue
		}
		k := r.key()
		k.Contender = rs.referenceDockerfile(r.App)
		if o := byKey[k]; o != nil && o.Median > 0 {
			r.RatioDockerfile = r.Median / o.Median
		}
		k.Contender = "ko"
		if o := byKey[k]; o != nil && o.Median > 0 {
			r.RatioKo = r.Median / o.Median
		}
	}
}

// referenceDockerfile is the contender the "× Dockerfile" ratios of app
// divide by: the best-practice Dockerfile, or for a cgo app the
// hand-written cross Dockerfile.
func (rs *Results) referenceDockerfile(app string) string {
	for _, a := range rs.Apps {
		if a.Name == app && a.Cgo != nil {
			return "cgo-cross"
		}
	}
	return "dockerfile"
}

func (rs *Results) find(k key) *Result {
	for i := range rs.Results {
		if rs.Results[i].key() == k {
			return &rs.Results[i]
		}
	}
	return nil
}

func (rs *Results) write(file string) error {
	b, err := json.MarshalIndent(rs, "", "  ")
	if err != nil {
		return err
	}
	tmp := file + ".tmp"
	if err := os.WriteFile(tmp, append(b, '\n'), 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, file)
}

func readResults(file string) (*Results, error) {
	b, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	rs := &Results{}
	if err := json.Unmarshal(b, rs); err != nil {
		return nil, err
	}
	return rs, nil
}
