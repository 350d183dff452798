package llb

import (
	"context"
	"encoding/json"
	"fmt"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/goappfrontend/go-app/spec"
	"github.com/moby/buildkit/client/llb"
)

// Bounds of what a spec within spec's limits (spec.MaxFileBytes, ...)
// costs the whole pure path: Load, FillDefaults, Convert and Marshal for
// one platform. The LLB carries the build section once per exec, that is
// (spec.MaxBinaries + 2) * spec.MaxBuildBytes at most, plus the file (its
// source map) and what the expanded values add once: well under 16 MiB.
// The image config holds runtime and labels once, JSON-escaped.
const (
	maxCostDefBytes    = 16 << 20
	maxCostConfigBytes = 4 << 20
	maxCostAlloc       = 256 << 20
	maxCostTime        = 10 * time.Second // on a loaded 2-CPU machine
)

// cost is what one spec cost the whole path.
type cost struct {
	elapsed       time.Duration
	alloc         uint64
	def, config   int
	loaded, built bool
}

// measure runs the whole path on data for the target platform pick selects
// and returns its cost; it fails t when a spec that loads does not build.
func measure(t *testing.T, data []byte, pick uint8) (c cost) {
	t.Helper()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	start := time.Now()
	defer func() {
		c.elapsed = time.Since(start)
		runtime.ReadMemStats(&after)
		c.alloc = after.TotalAlloc - before.TotalAlloc
	}()
	s, err := spec.Load("go-app.yaml", data)
	if err != nil || s.FillDefaults(fuzzGoMod) != nil {
		return c
	}
	c.loaded = true
	target := fuzzTarget(t, s, pick)
	res, err := Convert(fuzzOptions(s, data, target, pick))
	if err != nil {
		t.Fatalf("a valid spec does not convert: %v", err)
	}
	def, err := res.State.Marshal(context.Background(), llb.Platform(target))
	if err != nil {
		t.Fatalf("a valid spec does not marshal: %v", err)
	}
	for _, d := range def.Def {
		c.def += len(d)
	}
	for _, m := range def.Metadata {
		c.def += len(m.Description["llb.customname"])
	}
	if def.Source != nil {
		for _, info := range def.Source.Infos {
			c.def += len(info.Data)
		}
	}
	config, err := json.Marshal(res.Image)
	if err != nil {
		t.Fatalf("image config does not marshal: %v", err)
	}
	c.config, c.built = len(config), true
	return c
}

// check fails t when c exceeds the bounds.
func (c cost) check(t *testing.T, what string) {
	t.Helper()
	if c.elapsed > maxCostTime || c.alloc > maxCostAlloc || c.def > maxCostDefBytes || c.config > maxCostConfigBytes {
		t.Errorf("%s costs %v, %d MiB allocated, LLB %d bytes, image config %d bytes; the bounds are %v, %d MiB, %d and %d",
			what, c.elapsed, c.alloc>>20, c.def, c.config, maxCostTime, maxCostAlloc>>20, maxCostDefBytes, maxCostConfigBytes)
	}
}

// FuzzCost runs the whole path on arbitrary files and fails on one that
// costs more than the bounds. Its seeds are small files that use aliases
// and the sections the build carries most often.
func FuzzCost(f *testing.F) {
	for i, s := range []string{
		"main: ./x\nbuild:\n  env: {A: &a xxxxxxxx, B: *a}\n  tags: [&t t, *t]\n",
		"binaries: [{main: ./a}, {main: ./b}]\nbuild: {ldflags: &l \"-X m.v={{.Version}}\", env: {L: *l}}\n",
		"main: ./x\nruntime:\n  args: &a [x, y]\n  env: {A: &e v, B: *e}\nlabels: {a: &v v, b: *v}\n",
		"main: ./x\nruntime: {files: [{src: a, dst: /a/}], healthcheck: {command: [x]}}\n",
	} {
		f.Add([]byte(s), uint8(i))
	}
	f.Fuzz(func(t *testing.T, data []byte, pick uint8) {
		measure(t, data, pick).check(t, fmt.Sprintf("%.200q", data))
	})
}

// TestCostOfTheLargestSpecs measures specs at the limits: each is
// accepted, and each costs less than the bounds.
func TestCostOfTheLargestSpecs(t *testing.T) {
	if testing.Short() {
		t.Skip("builds LLB of several MiB")
	}
	for _, tc := range largestSpecs() {
		c := measure(t, []byte(tc.yaml), 0)
		if !c.built {
			t.Errorf("%s: not accepted", tc.name)
			continue
		}
		t.Logf("%s: %v, %d MiB allocated, LLB %d bytes, image config %d bytes", tc.name, c.elapsed, c.alloc>>20, c.def, c.config)
		c.check(t, tc.name)
	}
}

// largestSpecs are specs at the limits of the spec package: the build
// section at its limit for every one of the most binaries, and the values
// the image config holds at the byte budget.
func largestSpecs() []struct{ name, yaml string } {
	var bins strings.Builder
	bins.WriteString("build:\n  env:\n")
	for i := range 15 {
		fmt.Fprintf(&bins, "    V%d: %s\n", i, strings.Repeat("v", 4000))
	}
	bins.WriteString("binaries:\n")
	for i := range spec.MaxBinaries {
		fmt.Fprintf(&bins, "  - {name: b%03d%s, main: ./cmd/%s}\n", i, strings.Repeat("n", 200), strings.Repeat("m", 250))
	}
	var labels strings.Builder
	labels.WriteString("main: ./x\nlabels:\n  k0: &v \"" + strings.Repeat("\\t", 30000) + "\"\n")
	for i := 1; i < 34; i++ {
		fmt.Fprintf(&labels, "  k%d: *v\n", i)
	}
	return []struct{ name, yaml string }{
		{"100 binaries, 60 KB of build.env", bins.String()},
		{"1 MiB of tabs in labels through aliases", labels.String()},
	}
}
