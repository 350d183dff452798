package main

import (
	"bytes"
	"cmp"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Defaults of the run counts and skips; -runs and -skip add to them (later
// rules win). Five timed runs of every warm scenario, fewer where a run
// costs a full compile (naive: no cache; QEMU: emulated), one cold run:
// together about half an hour on 2 cores. Three runs of the ephemeral
// scenario add about 40 minutes (estimated from the cold builds: each run is
// about seven cold-daemon builds, the preparations included).
var defaultRuns = strings.Join([]string{
	"cold=1", "nochange=5", "oneline=5", "gomod=5",
	"*/oneline/*/naive=2", "*/gomod/*/naive=2",
	"*/oneline/*/qemu=3", "*/gomod/*/qemu=3",
	"grpc/oneline/*/qemu=2", "grpc/gomod/*/qemu=2",
	"grpc/cold/amd64+arm64/qemu=0",
	"ephemeral=3",
	// A one-line change under QEMU recompiles and links with gcc under
	// emulation.
	"*/oneline/*/cgo-qemu=3",
}, ",")

// zeroRunNotes explain in the table why a default rule leaves a key out.
var zeroRunNotes = map[string]string{
	"grpc/cold/amd64+arm64/qemu": "not run by default: one run takes about 8 min here (hello shows the ratio); -runs grpc/cold/amd64+arm64/qemu=1 runs it",
}

var defaultSkip = strings.Join([]string{
	"*/*/amd64/qemu=not run: on linux/amd64 nothing is emulated and this is the best-practice Dockerfile",
	"*/*/amd64/cgo-qemu=not run: on linux/amd64 nothing is emulated and this is the cross Dockerfile",
	// The control runs only where the breakdown compares go-app with the
	// Dockerfile frontend.
	"*/cold/*/dockerfile-gw=control",
	"*/gomod/*/dockerfile-gw=control",
	"*/*/amd64+arm64/dockerfile-gw=control",
}, ",")

// The go.mod-change scenario adds this module, a different version in each
// run so that every run downloads and compiles something new. It has no
// dependencies of its own and is in neither app's module graph.
const (
	depModule = "github.com/pkg/errors"
	depImport = `pkgerrors "github.com/pkg/errors"`
)

var depVersions = []string{"v0.9.1", "v0.9.0", "v0.8.1", "v0.8.0", "v0.7.1", "v0.7.0", "v0.6.0", "v0.5.1", "v0.5.0", "v0.4.0", "v0.2.0", "v0.1.0"}

// Files the bench adds to the main package of its copy of an app.
const (
	editFile = "bench_edit.go"
	depFile  = "bench_dep.go"
)

func editSource(nonce string) []byte {
	return []byte(`package main

import "os"

// benchEdit is the line the benchmark's one-line-change scenario edits.
var benchEdit = "` + nonce + `"

// benchContender is set with -X by the bench's Dockerfiles, so that their
// binaries differ from each other's.
var benchContender string

func init() {
	if os.Getenv("GO_APP_BENCH_EDIT") == benchEdit {
		println("bench edit", benchEdit, benchContender)
	}
}
`)
}

var depSource = []byte(`package main

import ` + depImport + `

// The go.mod-change scenario's new dependency, in use.
var _ = pkgerrors.New("bench")
`)

// commonFlags is how every contender calls go build (Contender.Flags has
// each one's command).
const commonFlags = `CGO_ENABLED=0 go build -trimpath -ldflags="-s -w ..." for every contender: ` +
	`go-app by its defaults, which the bench's copy of go-app.yaml states (build.strip, build.trimpath, build.cgo); ` +
	`the Dockerfiles in their RUN line, with -X main.benchContender=ID after -s -w; ` +
	`ko through the bench's .ko.yaml (defaultLdflags: [-s, -w]; -trimpath and CGO_ENABLED=0 are ko's defaults); ` +
	`the host go build on its command line. ` +
	`A cgo app: CGO_ENABLED=1 CC=<target triplet>-gcc go build -trimpath -tags=<the app's tags>,netgo,osusergo ` +
	`-ldflags="-s -w -linkmode external -extldflags '-static -lm' ..." for go-app and the cgo Dockerfiles: ` +
	`go-app by its defaults for cgo (build.cgo_link: static), which the bench's copy of go-app.yaml states, ` +
	`the Dockerfiles in their RUN line`

// outputNote is what every contender writes.
const outputNote = "BuildKit contenders: docker buildx build --output type=oci,dest=DIR,tar=false --provenance=false --sbom=false; " +
	"ko: ko build --push=false --oci-layout-path DIR --sbom=none; host: go build -o DIR per platform. " +
	"Ephemeral scenario: the same, on a new buildkitd with an empty state directory for every build, " +
	"with --cache-from (the preparation's --cache-to) and --cache-to mode=max, see its note; " +
	"ko: GOCACHE and GOMODCACHE restored from a .tar.gz"

// goAppBuild is the build section of the bench's copy of an app's
// go-app.yaml: the flags every contender builds with, go-app's defaults,
// stated; for a cgo app, also the app's C packages and tags.
func goAppBuild(a App) string {
	if a.Cgo == nil {
		return `
# Added by the go-app benchmark: the go build flags of every contender
# (go-app's defaults, stated).
build:
  strip: true    # -ldflags "-s -w"
  trimpath: true # -trimpath
  cgo: false     # CGO_ENABLED=0
`
	}
	return fmt.Sprintf(`
# Written by the go-app benchmark in place of the app's build section: the
# same C packages and tags, and the go build flags of every contender
# (go-app's defaults for cgo, stated).
build:
  cgo: true          # CGO_ENABLED=1, CC=<target triplet>-gcc
  cgo_packages: [%s]
  tags: [%s]
  cgo_link: static   # -linkmode external -extldflags "-static -lm", tags netgo and osusergo
  strip: true        # -ldflags "-s -w"
  trimpath: true     # -trimpath
`, strings.Join(a.Cgo.Packages, ", "), strings.Join(a.Cgo.Tags, ", "))
}

// koConfig is the .ko.yaml of every ko build (KO_CONFIG_PATH).
const koConfig = `# Written by the go-app benchmark: ko builds with the go build flags of
# every other contender. -trimpath and CGO_ENABLED=0 are ko's defaults.
defaultLdflags:
  - -s
  - -w
`

// buildSection matches the build section of a go-app.yaml: the line
// "build:" and the indented, blank or comment lines after it.
var buildSection = regexp.MustCompile(`(?m)^build:.*\n(?:(?:[ \t].*|#.*|[ \t]*)(?:\n|$))*`)

// stateBuildFlags writes the build section of goAppBuild into the bench's
// copy of app a's go-app.yaml. An app without cgo must have no build
// section: the bench sets every flag. A cgo app's build section is
// replaced, and must name the C packages and tags of a.Cgo, so that the
// bench builds what the example builds.
func stateBuildFlags(file string, a App) error {
	b, err := os.ReadFile(file)
	if err != nil {
		return err
	}
	old := buildSection.Find(b)
	switch {
	case a.Cgo == nil && old != nil:
		return fmt.Errorf("%s has a build section: the bench sets its own (strip, trimpath, cgo), so that every contender builds with the same flags", file)
	case a.Cgo != nil:
		if old == nil {
			return fmt.Errorf("%s has no build section: the bench's cgo app %s must build with cgo", file, a.Name)
		}
		for _, want := range []string{
			"cgo: true",
			"cgo_packages: [" + strings.Join(a.Cgo.Packages, ", ") + "]",
			"tags: [" + strings.Join(a.Cgo.Tags, ", ") + "]",
		} {
			if !regexp.MustCompile(`(?m)^\s+` + regexp.QuoteMeta(want) + `\s*(#.*)?$`).Match(old) {
				return fmt.Errorf("%s: its build section lacks %q, which the bench's app %s builds with (hack/bench/config.go)", file, want, a.Name)
			}
		}
		b = buildSection.ReplaceAllLiteral(b, nil)
	}
	if len(b) > 0 && b[len(b)-1] != '\n' {
		b = append(b, '\n')
	}
	return os.WriteFile(file, append(b, goAppBuild(a)...), 0o644)
}

type runner struct {
	repo, state, addr, buildctl, builder, frontend, koBin, koBase, out string
	dfFrontend                                                         string
	// The ephemeral scenario's throwaway daemons: the bench daemon's
	// buildkitd binary, and the directory of their sockets.
	buildkitd, sockDir string

	apps       []App
	psets      []PlatformSet
	scenarios  []string
	contenders []Contender
	runRules   []runRule
	skipRules  []skipRule
	verbose    bool

	work    string // temporary: app copies, outputs
	logDir  string // rawjson progress of every BuildKit build
	session string // makes every edit of this run unique
	// ephCache is where the ephemeral scenario keeps the cache.
	ephCache ephCache
	seq      int
	koConf   string // the .ko.yaml of every ko build (KO_CONFIG_PATH)
	ephSeq   int    // throwaway daemons started

	copies map[string]*appCopy
	traces map[key][]*trace
	rs     *Results
	t0     time.Time
}

// appCopy is the bench's working copy of an app, and the files of its
// source states.
type appCopy struct {
	App
	dir       string
	goMod     []byte
	goSum     []byte
	depGoMod  map[string][]byte // by dependency version
	depGoSum  map[string][]byte
	lastState string
}

func cmdRun(ctx context.Context, args []string) error {
	fl := flag.NewFlagSet("run", flag.ExitOnError)
	r := &runner{}
	fl.StringVar(&r.repo, "repo", "", "repository root (examples/ and hack/bench/ are read from it)")
	fl.StringVar(&r.state, "state", "/var/lib/go-app-bench", "state directory: caches of ko and go build, progress logs")
	fl.StringVar(&r.addr, "addr", "", "address of the bench buildkitd (for prune)")
	fl.StringVar(&r.buildctl, "buildctl", "buildctl", "buildctl binary")
	fl.StringVar(&r.builder, "builder", "go-app-bench", "buildx builder on the bench buildkitd")
	fl.StringVar(&r.frontend, "frontend", "", "go-app frontend image (BUILDKIT_SYNTAX), pinned by digest")
	fl.StringVar(&r.koBin, "ko", "ko", "ko binary")
	fl.StringVar(&r.koBase, "ko-base", "", "ko's base image (KO_DEFAULTBASEIMAGE)")
	fl.StringVar(&r.out, "out", "", "directory for results.json and results.md")
	fl.StringVar(&r.dfFrontend, "dockerfile-frontend", "", "BuildKit's Dockerfile frontend as an image, pinned by digest (for contender dockerfile-gw)")
	fl.StringVar(&r.buildkitd, "buildkitd", "buildkitd", "buildkitd binary of the ephemeral scenario's throwaway daemons (the bench daemon's)")
	fl.StringVar(&r.sockDir, "sock-dir", "/run/go-app-bench", "directory of the throwaway daemons' sockets")
	fl.StringVar(&r.ephCache.kind, "ephemeral-cache", ephCacheRegistry, "where the ephemeral scenario keeps the cache between builds: "+
		ephCacheRegistry+" (the -registry, as hosted CI's registry and gha backends) or "+ephCacheLocal+" (a directory)")
	fl.StringVar(&r.ephCache.registry, "registry", "", "registry (host:port, over http) of the ephemeral scenario's registry cache")
	apps := fl.String("apps", strings.Join(appNames(defaultApps), ","), "apps to build ("+strings.Join(appNames(allApps), ", ")+")")
	psets := fl.String("platforms", "amd64,amd64+arm64", "platform sets (amd64, amd64+arm64)")
	scenarios := fl.String("scenarios", strings.Join(allScenarios, ","), "scenarios ("+strings.Join(allScenarios, ", ")+")")
	contenders := fl.String("contenders", defaultContenderIDs, "contenders")
	runs := fl.String("runs", os.Getenv("BENCH_RUNS"), "run counts added to the defaults ("+defaultRuns+
		"): PATTERN=N,... where PATTERN is a scenario or APP/SCENARIO/PLATFORMS/CONTENDER with * wildcards; the last match wins (env BENCH_RUNS)")
	skip := fl.String("skip", defaultSkip, "PATTERN[=reason],... to leave out (replaces the default list), or none")
	fl.BoolVar(&r.verbose, "v", false, "print every build's output tail")
	_ = fl.Parse(args)
	if r.repo == "" || r.addr == "" || r.frontend == "" || r.koBase == "" || r.out == "" {
		return errors.New("run: -repo, -addr, -frontend, -ko-base and -out are required (hack/bench/bench.sh passes them)")
	}
	var err error
	switch r.ephCache.kind {
	case ephCacheLocal:
	case ephCacheRegistry:
		if r.ephCache.registry == "" {
			return errors.New("run: -ephemeral-cache registry needs -registry (hack/bench/bench.sh passes it)")
		}
	default:
		return fmt.Errorf("run: -ephemeral-cache %q: use %s or %s", r.ephCache.kind, ephCacheRegistry, ephCacheLocal)
	}
	if r.runRules, err = parseRuns(defaultRuns + "," + *runs); err != nil {
		return err
	}
	if r.skipRules, err = parseSkips(*skip); err != nil {
		return err
	}
	if r.apps, err = pick(splitList(*apps), allApps, func(a App) string { return a.Name }, "app"); err != nil {
		return err
	}
	if r.psets, err = pick(splitList(*psets), defaultPlatformSets, func(p PlatformSet) string { return p.Name }, "platform set"); err != nil {
		return err
	}
	for _, s := range splitList(*scenarios) {
		if _, ok := scenarioTitles[s]; !ok {
			return fmt.Errorf("unknown scenario %q", s)
		}
	}
	// Scenarios always run in their fixed order.
	for _, s := range allScenarios {
		for _, x := range splitList(*scenarios) {
			if x == s {
				r.scenarios = append(r.scenarios, s)
			}
		}
	}
	for _, id := range splitList(*contenders) {
		c, ok := contenderByID(id)
		if !ok {
			return fmt.Errorf("unknown contender %q", id)
		}
		if c.Gateway && r.dfFrontend == "" {
			return fmt.Errorf("contender %s needs -dockerfile-frontend", c.ID)
		}
		r.contenders = append(r.contenders, c)
	}
	for _, a := range r.apps {
		for _, p := range r.psets {
			for _, c := range r.contenders {
				if n := runsFor(r.runRules, key{a.Name, scGoMod, p.Name, c.ID}); n > len(depVersions) {
					return fmt.Errorf("at most %d runs of the gomod scenario (one per version of %s)", len(depVersions), depModule)
				}
			}
		}
	}
	// The results name the repository "." wherever it is checked out.
	command := strings.Join(append([]string{"bench run"}, args...), " ")
	if r.repo != "" {
		command = strings.ReplaceAll(command, r.repo, ".")
	}
	return r.run(ctx, command)
}

func (r *runner) logf(format string, a ...any) {
	el := time.Since(r.t0).Round(time.Second)
	fmt.Fprintf(os.Stderr, "[bench %s] %s\n", el, fmt.Sprintf(format, a...))
}

func (r *runner) run(ctx context.Context, command string) (err error) {
	r.t0 = time.Now()
	var tok [4]byte
	_, _ = rand.Read(tok[:])
	r.session = hex.EncodeToString(tok[:])
	stamp := r.t0.UTC().Format("20060102T150405Z")
	r.logDir = filepath.Join(r.state, "runs", stamp)
	if err := os.MkdirAll(r.logDir, 0o755); err != nil {
		return err
	}
	if err := os.MkdirAll(r.out, 0o755); err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Join(r.state, "work"), 0o755); err != nil {
		return err
	}
	r.work, err = os.MkdirTemp(filepath.Join(r.state, "work"), "run-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(r.work)
	r.traces = map[key][]*trace{}
	r.copies = map[string]*appCopy{}
	r.koConf = filepath.Join(r.work, "ko", ".ko.yaml")
	if err := os.MkdirAll(filepath.Dir(r.koConf), 0o755); err != nil {
		return err
	}
	if err := os.WriteFile(r.koConf, []byte(koConfig), 0o644); err != nil {
		return err
	}
	if contains(r.scenarios, scEphemeral) {
		r.cleanStaleDaemons()
	}
	r.rs = &Results{
		Started:      r.t0.UTC(),
		Machine:      r.machine(ctx),
		Contenders:   r.contenders,
		Apps:         r.apps,
		PlatformSets: r.psets,
		Scenarios:    r.scenarios,
		Config: RunConfig{
			Command:            command,
			Runs:               r.runRules,
			Skips:              r.skipRules,
			Output:             outputNote,
			Frontend:           r.frontend,
			DockerfileFrontend: r.dfFrontend,
			KoBase:             r.koBase,
			GoModDep:           depModule + " (" + strings.Join(depVersions, ", ") + "; one version per run)",
			Flags:              commonFlags,
		},
	}
	if contains(r.scenarios, scEphemeral) {
		r.rs.Config.EphemeralCache = r.ephCache.kind
		r.rs.Config.Notes = append(r.rs.Config.Notes, ephemeralNote(r.ephCache.kind))
	}
	if out, err := runCmd(ctx, r.repo, nil, "git", "rev-parse", "HEAD"); err == nil {
		r.rs.Config.Commit = strings.TrimSpace(out)
	}
	if out, err := runCmd(ctx, r.repo, nil, "git", "status", "--porcelain"); err == nil {
		r.rs.Config.Dirty = strings.TrimSpace(out) != ""
	}
	r.logf("progress logs in %s", r.logDir)
	if r.needsDebianArm64() {
		// Before the first load sample: it takes minutes on 2 cores.
		if err := r.debianArm64(ctx); err != nil {
			return err
		}
	}
	r.load("start")

	for _, a := range r.apps {
		if err := r.prepareApp(ctx, a); err != nil {
			return fmt.Errorf("preparing %s: %w", a.Name, err)
		}
	}
	for _, a := range r.apps {
		for _, p := range r.psets {
			if err := r.block(ctx, a, p); err != nil {
				return err
			}
		}
	}
	r.load("end")
	r.rs.Finished = time.Now().UTC()
	r.rs.DurationSeconds = time.Since(r.t0).Seconds()
	r.rs.finish()
	r.rs.Breakdowns = r.breakdowns()
	if err := r.rs.write(filepath.Join(r.out, "results.json")); err != nil {
		return err
	}
	md := renderMarkdown(r.rs)
	if err := os.WriteFile(filepath.Join(r.out, "results.md"), []byte(md), 0o644); err != nil {
		return err
	}
	fmt.Print(md)
	r.logf("wrote %s and %s", filepath.Join(r.out, "results.json"), filepath.Join(r.out, "results.md"))
	if len(r.rs.Errors) > 0 {
		return fmt.Errorf("%d builds failed (see errors in results.json)", len(r.rs.Errors))
	}
	return nil
}

// needsDebianArm64 reports whether a contender builds with cgo on the
// linux/arm64 variant of golang:1.26-bookworm: the QEMU Dockerfile of a cgo
// app, for a platform set with linux/arm64.
func (r *runner) needsDebianArm64() bool {
	for _, a := range r.apps {
		for _, p := range r.psets {
			if !slices.Contains(p.Platforms, "linux/arm64") {
				continue
			}
			for _, sc := range r.scenarios {
				if !a.runsIn(sc) {
					continue
				}
				for _, c := range r.active(a, p, sc) {
					if c.ID == "cgo-qemu" {
						return true
					}
				}
			}
		}
	}
	return false
}

// debianArm64 makes the stack's golang:1.26-bookworm Debian for linux/arm64
// too (its linux/arm64 variant is a busybox stand-in otherwise): hack/stack.sh
// golang-bookworm-arm64, which does nothing when it is already.
func (r *runner) debianArm64(ctx context.Context) error {
	t := time.Now()
	cmd := exec.CommandContext(ctx, filepath.Join(r.repo, "hack", "stack.sh"), "golang-bookworm-arm64")
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("hack/stack.sh golang-bookworm-arm64 (the QEMU Dockerfile of a cgo app needs a Debian golang:1.26-bookworm for linux/arm64): %w", err)
	}
	r.logf("golang:1.26-bookworm with a Debian linux/arm64 variant: ready (%.0fs)", time.Since(t).Seconds())
	return nil
}

// ---- apps and their source states ------------------------------------------

// prepareApp copies an app to the work directory, adds the edit file, and
// prepares the go.mod/go.sum of every go.mod-change run with the host's go.
func (r *runner) prepareApp(ctx context.Context, a App) error {
	src := filepath.Join(r.repo, a.Dir)
	dir := filepath.Join(r.work, "apps", a.Name)
	if err := copyTree(src, dir); err != nil {
		return err
	}
	c := &appCopy{App: a, dir: dir, depGoMod: map[string][]byte{}, depGoSum: map[string][]byte{}}
	var err error
	if c.goMod, err = os.ReadFile(filepath.Join(dir, "go.mod")); err != nil {
		return err
	}
	c.goSum, _ = os.ReadFile(filepath.Join(dir, "go.sum")) // the Dockerfiles bind go.sum: it must exist
	if err := os.WriteFile(filepath.Join(dir, "go.sum"), c.goSum, 0o644); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, a.Main, editFile), editSource("base"), 0o644); err != nil {
		return err
	}
	if err := stateBuildFlags(filepath.Join(dir, "go-app.yaml"), a); err != nil {
		return err
	}
	n := 0
	for _, p := range r.psets {
		for _, ct := range r.contenders {
			n = max(n, runsFor(r.runRules, key{a.Name, scGoMod, p.Name, ct.ID}))
		}
	}
	if !contains(r.scenarios, scGoMod) {
		n = 0
	}
	// A scratch module cache for preparing: the contenders' caches stay cold.
	env := append(os.Environ(), "GOFLAGS=-mod=mod", "GOTOOLCHAIN=local",
		"GOMODCACHE="+filepath.Join(r.state, "prep", "gomodcache"), "GOCACHE="+filepath.Join(r.state, "prep", "gocache"))
	for _, v := range depVersions[:n] {
		pd := filepath.Join(r.work, "prep", a.Name+"-"+v)
		if err := copyTree(dir, pd); err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(pd, a.Main, depFile), depSource, 0o644); err != nil {
			return err
		}
		if out, err := runCmd(ctx, pd, env, "go", "get", depModule+"@"+v); err != nil {
			return fmt.Errorf("go get %s@%s: %v\n%s", depModule, v, err, out)
		}
		if out, err := runCmd(ctx, pd, append(env, "GOFLAGS=-mod=readonly"), "go", "list", "-deps", a.Main); err != nil {
			return fmt.Errorf("checking the go.mod of %s with %s@%s: %v\n%s", a.Name, depModule, v, err, tail(out, 20))
		}
		if c.depGoMod[v], err = os.ReadFile(filepath.Join(pd, "go.mod")); err != nil {
			return err
		}
		if c.depGoSum[v], err = os.ReadFile(filepath.Join(pd, "go.sum")); err != nil {
			return err
		}
	}
	r.copies[a.Name] = c
	r.logf("%s: copy in %s, %d go.mod variants with %s", a.Name, dir, n, depModule)
	return nil
}

// setBase puts the app copy in its base state with the edit line set to nonce.
func (c *appCopy) setBase(nonce string) error {
	if err := writeIfChanged(filepath.Join(c.dir, "go.mod"), c.goMod); err != nil {
		return err
	}
	if err := writeIfChanged(filepath.Join(c.dir, "go.sum"), c.goSum); err != nil {
		return err
	}
	if err := os.Remove(filepath.Join(c.dir, c.Main, depFile)); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	c.lastState = "base " + nonce
	return writeIfChanged(filepath.Join(c.dir, c.Main, editFile), editSource(nonce))
}

// setDep adds the dependency at version v (go.mod, go.sum and a file using it).
func (c *appCopy) setDep(v, nonce string) error {
	gm, ok := c.depGoMod[v]
	if !ok {
		return fmt.Errorf("no go.mod prepared for %s@%s", depModule, v)
	}
	if err := writeIfChanged(filepath.Join(c.dir, "go.mod"), gm); err != nil {
		return err
	}
	if err := writeIfChanged(filepath.Join(c.dir, "go.sum"), c.depGoSum[v]); err != nil {
		return err
	}
	if err := writeIfChanged(filepath.Join(c.dir, c.Main, depFile), depSource); err != nil {
		return err
	}
	c.lastState = "dep " + v + " " + nonce
	return writeIfChanged(filepath.Join(c.dir, c.Main, editFile), editSource(nonce))
}

// ---- one app × platform set -----------------------------------------------

func (r *runner) active(a App, p PlatformSet, sc string) []Contender {
	var out []Contender
	for _, c := range r.contenders {
		k := key{a.Name, sc, p.Name, c.ID}
		if !c.runsIn(sc) || !c.builds(a) || skipReason(r.skipRules, k) != "" || runsFor(r.runRules, k) == 0 {
			continue
		}
		out = append(out, c)
	}
	return out
}

// block runs every scenario of one app and platform set. It starts from
// empty caches, so that blocks do not depend on each other (the ephemeral
// scenario uses none of them: it starts a new daemon for every build).
func (r *runner) block(ctx context.Context, a App, p PlatformSet) error {
	c := r.copies[a.Name]
	if slices.ContainsFunc(r.scenarios, func(sc string) bool { return sc != scEphemeral }) {
		r.logf("==== %s, %s: resetting all caches", a.Name, p.Name)
		if err := r.resetAll(ctx); err != nil {
			return err
		}
	} else {
		r.logf("==== %s, %s", a.Name, p.Name)
	}
	baseNonce := "base-" + r.session
	for _, sc := range r.scenarios {
		if !a.runsIn(sc) {
			continue
		}
		// Results, skipped ones included, in contender order; none for a
		// contender that does not take part in the scenario, or does not
		// build this kind of app unless it says why.
		for _, ct := range r.contenders {
			if !ct.runsIn(sc) || (!ct.builds(a) && (a.Cgo == nil || ct.NoCgo == "")) {
				continue
			}
			k := key{a.Name, sc, p.Name, ct.ID}
			res := Result{App: a.Name, Scenario: sc, Platforms: p.Name, Contender: ct.ID}
			if !ct.builds(a) {
				res.Skipped = ct.NoCgo
			} else if why := skipReason(r.skipRules, k); why != "" {
				res.Skipped = why
			} else if runsFor(r.runRules, k) == 0 {
				res.Skipped = "0 runs (-runs)"
				for pat, note := range zeroRunNotes {
					if pp, err := parsePattern(pat); err == nil && pp.match(k) {
						res.Skipped = note
					}
				}
			}
			r.rs.Results = append(r.rs.Results, res)
		}
		active := r.active(a, p, sc)
		if len(active) == 0 {
			continue
		}
		maxRuns := 0
		for _, ct := range active {
			maxRuns = max(maxRuns, runsFor(r.runRules, key{a.Name, sc, p.Name, ct.ID}))
		}
		r.load(a.Name + " " + p.Name + " " + sc + " start")
		switch sc {
		case scCold:
			// Contenders share no cache records (other cache mount ids,
			// other ops), so one reset serves a whole round: each
			// contender's first build after it is a cold build.
			for i := 0; i < maxRuns; i++ {
				if i > 0 {
					if err := r.resetAll(ctx); err != nil {
						return err
					}
				}
				if err := c.setBase(baseNonce); err != nil {
					return err
				}
				r.round(ctx, a, p, sc, active, i)
			}
		case scNoChange:
			if err := c.setBase(baseNonce); err != nil {
				return err
			}
			r.prime(ctx, a, p, active)
			for i := 0; i < maxRuns; i++ {
				r.round(ctx, a, p, sc, active, i)
			}
		case scOneLine:
			if err := c.setBase(baseNonce); err != nil {
				return err
			}
			r.prime(ctx, a, p, active)
			for i := 0; i < maxRuns; i++ {
				r.seq++
				if err := c.setBase(fmt.Sprintf("edit-%s-%d", r.session, r.seq)); err != nil {
					return err
				}
				r.round(ctx, a, p, sc, active, i)
			}
		case scGoMod:
			for i := 0; i < maxRuns; i++ {
				// Back to the base state (a cache hit for BuildKit; a
				// relink for go build and ko), then add the dependency.
				if err := c.setBase(baseNonce); err != nil {
					return err
				}
				r.prime(ctx, a, p, active)
				if err := c.setDep(depVersions[i], baseNonce); err != nil {
					return err
				}
				r.round(ctx, a, p, sc, active, i)
			}
		case scEphemeral:
			for i := 0; i < maxRuns; i++ {
				if err := r.ephemeralRound(ctx, a, p, active, i); err != nil {
					return err
				}
			}
		}
		r.load(a.Name + " " + p.Name + " " + sc + " end")
	}
	return nil
}

// round times one run of every active contender, in an order rotated by the
// run index so that drift of the machine hits all of them alike.
func (r *runner) round(ctx context.Context, a App, p PlatformSet, sc string, active []Contender, i int) {
	for j := range active {
		ct := active[(i+j)%len(active)]
		k := key{a.Name, sc, p.Name, ct.ID}
		n := runsFor(r.runRules, k)
		if i >= n {
			continue
		}
		res := r.rs.find(k)
		if res.Error != "" {
			continue // it failed before: do not spend time on it again
		}
		b, err := r.build(ctx, a, p, ct, fmt.Sprintf("%s-%d", sc, i+1), buildOpts{inspect: true})
		if err != nil {
			res.Error = err.Error()
			r.rs.Errors = append(r.rs.Errors, k.String()+": "+err.Error())
			r.logf("%-5s %-11s %-8s %-10s run %d/%d FAILED: %v", a.Name, p.Name, sc, ct.ID, i+1, n, err)
			continue
		}
		res.Runs = append(res.Runs, b.seconds)
		res.RunLoad = append(res.RunLoad, b.load)
		if b.trace != nil {
			r.traces[k] = append(r.traces[k], b.trace)
		}
		if b.image != nil {
			res.Image = b.image
		}
		if b.goBuild != "" {
			res.GoBuild = b.goBuild
		}
		r.logf("%-5s %-11s %-8s %-10s run %d/%d %7.2fs", a.Name, p.Name, sc, ct.ID, i+1, n, b.seconds)
	}
}

// prime builds the current source with every contender, untimed, so that the
// next build starts from a warm state of exactly this source.
func (r *runner) prime(ctx context.Context, a App, p PlatformSet, active []Contender) {
	for _, ct := range active {
		t := time.Now()
		if _, err := r.build(ctx, a, p, ct, "prime", buildOpts{}); err != nil {
			r.logf("%-5s %-11s prime    %-10s FAILED: %v", a.Name, p.Name, ct.ID, err)
			continue
		}
		if r.verbose {
			r.logf("%-5s %-11s prime    %-10s %.2fs", a.Name, p.Name, ct.ID, time.Since(t).Seconds())
		}
	}
}

// ---- caches ----------------------------------------------------------------

// resetAll empties every contender's cache: the bench buildkitd's build
// cache and cache mounts (prune --all), then pulls the toolchain and
// frontend images again ("base images present"); and the dedicated GOCACHE
// and GOMODCACHE of ko and of the host go build.
func (r *runner) resetAll(ctx context.Context) error {
	t := time.Now()
	if out, err := runCmd(ctx, "", nil, r.buildctl, "--addr", r.addr, "prune", "--all"); err != nil {
		return fmt.Errorf("buildctl prune --all: %v\n%s", err, tail(out, 20))
	}
	for _, id := range []string{"ko", "host"} {
		if err := removeAll(filepath.Join(r.state, "cache", id)); err != nil {
			return err
		}
	}
	if err := r.warmImages(ctx); err != nil {
		return err
	}
	r.logf("caches reset, base images pulled again (%.1fs)", time.Since(t).Seconds())
	return nil
}

// warmImages pulls and unpacks the toolchain image for both platforms and the
// frontend image, with a build whose own results no contender can reuse.
func (r *runner) warmImages(ctx context.Context) error {
	d := filepath.Join(r.work, "warm")
	if err := os.MkdirAll(d, 0o755); err != nil {
		return err
	}
	df := "FROM golang:1.26 AS toolchain\n" +
		"FROM --platform=$BUILDPLATFORM " + r.frontend + " AS frontend\n"
	cgo := slices.ContainsFunc(r.apps, func(a App) bool { return a.Cgo != nil })
	if cgo {
		// The toolchain image of cgo builds (go-app's default with
		// build.cgo, and the cgo Dockerfiles').
		df += "FROM golang:1.26-bookworm AS cgotoolchain\n"
	}
	df += "FROM scratch\n" +
		"COPY --from=toolchain /etc/passwd /toolchain-passwd\n" +
		"COPY --from=frontend /bin/go-app-frontend /frontend\n"
	if cgo {
		df += "COPY --from=cgotoolchain /etc/passwd /cgotoolchain-passwd\n"
	}
	if err := os.WriteFile(filepath.Join(d, "Dockerfile"), []byte(df), 0o644); err != nil {
		return err
	}
	out, err := runCmd(ctx, d, nil, "docker", "buildx", "build", "--builder", r.builder, "--progress=plain",
		"--platform", "linux/amd64,linux/arm64", "--output", "type=cacheonly", ".")
	if err != nil {
		return fmt.Errorf("pulling the base images: %v\n%s", err, tail(out, 20))
	}
	return nil
}

// ---- one build ---------------------------------------------------------------

type buildResult struct {
	seconds float64
	// load is the 1-minute load average when the timed commands started.
	load    float64
	trace   *trace
	image   *Image
	goBuild string // goBuild of the linux/amd64 binary (with inspect)
}

// buildOpts are the ways a build differs from the warm scenarios' builds.
type buildOpts struct {
	// inspect measures the image and reads the binary's build settings.
	inspect bool
	// builder is the buildx builder of BuildKit contenders (default: the
	// bench's); buildArgs are more arguments of docker buildx build.
	builder   string
	buildArgs []string
	// goCache and goModCache replace the dedicated caches of ko and of the
	// host go build.
	goCache, goModCache string
	// before are commands run, and timed, before the build itself.
	before [][]string
}

func (r *runner) cacheDir(contender, what string) string {
	return filepath.Join(r.state, "cache", contender, what)
}

// build runs one build of the app copy's current state; only the command
// itself is timed.
func (r *runner) build(ctx context.Context, a App, p PlatformSet, ct Contender, label string, o buildOpts) (*buildResult, error) {
	c := r.copies[a.Name]
	out := filepath.Join(r.work, "out")
	if err := removeAll(out); err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(ctx, 45*time.Minute)
	defer cancel()

	builder := cmp.Or(o.builder, r.builder)
	goCache := cmp.Or(o.goCache, r.cacheDir(ct.ID, "gocache"))
	goModCache := cmp.Or(o.goModCache, r.cacheDir(ct.ID, "gomodcache"))

	var cmds []*exec.Cmd
	for _, argv := range o.before {
		cmds = append(cmds, exec.CommandContext(ctx, argv[0], argv[1:]...))
	}
	var progressFile string
	switch ct.Kind {
	case kindBuildKit:
		args := []string{"buildx", "build", "--builder", builder, "--progress=rawjson",
			"--provenance=false", "--sbom=false",
			"--platform", strings.Join(p.Platforms, ","),
			"--output", "type=oci,dest=" + out + ",tar=false"}
		args = append(args, o.buildArgs...)
		switch {
		case ct.Dockerfile == "":
			args = append(args, "-f", filepath.Join(c.dir, "go-app.yaml"), "--build-arg", "BUILDKIT_SYNTAX="+r.frontend)
		case ct.Gateway:
			df, err := r.gatewayDockerfile(ct)
			if err != nil {
				return nil, err
			}
			args = append(args, "-f", df, "--build-arg", "MAIN="+a.Main, "--build-arg", "BUILDKIT_SYNTAX="+r.dfFrontend)
		default:
			args = append(args, "-f", filepath.Join(r.repo, "hack", "bench", ct.Dockerfile), "--build-arg", "MAIN="+a.Main)
			if a.Cgo != nil {
				args = append(args, "--build-arg", "CGO_PACKAGES="+strings.Join(a.Cgo.Packages, " "),
					"--build-arg", "TAGS="+strings.Join(cgoTags(a), ","))
			}
		}
		args = append(args, c.dir)
		cmd := exec.CommandContext(ctx, "docker", args...)
		progressFile = filepath.Join(r.logDir, fmt.Sprintf("%s_%s_%s_%s.jsonl", a.Name, p.Name, ct.ID, label))
		cmds = append(cmds, cmd)
	case kindKo:
		cmd := exec.CommandContext(ctx, r.koBin, "build", "--push=false", "--oci-layout-path", out,
			"--platform", strings.Join(p.Platforms, ","), "--sbom=none", "--bare", a.Main)
		cmd.Dir = c.dir
		cmd.Env = append(goEnv(goCache, goModCache),
			"KO_DOCKER_REPO=localhost:5000/go-app-bench/ko", "KO_DEFAULTBASEIMAGE="+r.koBase, "KO_CONFIG_PATH="+r.koConf)
		cmds = append(cmds, cmd)
	case kindHost:
		for _, pl := range p.Platforms {
			os_, arch, _ := strings.Cut(pl, "/")
			cmd := exec.CommandContext(ctx, "go", "build", "-trimpath", "-ldflags=-s -w", "-o", filepath.Join(out, os_+"-"+arch, "app"), a.Main)
			cmd.Dir = c.dir
			cmd.Env = append(goEnv(goCache, goModCache), "GOOS="+os_, "GOARCH="+arch)
			cmds = append(cmds, cmd)
		}
	}

	var stdout, stderr bytes.Buffer
	for _, cmd := range cmds {
		cmd.Stdout = &stdout
		cmd.Stderr = &stderr
		cmd.WaitDelay = 10 * time.Second
	}
	load := load1()
	start := time.Now()
	for _, cmd := range cmds {
		if err := cmd.Run(); err != nil {
			if progressFile != "" {
				_ = os.WriteFile(progressFile, stderr.Bytes(), 0o644)
			}
			return nil, fmt.Errorf("%s: %v\n%s", strings.Join(cmd.Args, " "), err, tail(stderr.String()+stdout.String(), 25))
		}
	}
	end := time.Now()
	res := &buildResult{seconds: end.Sub(start).Seconds(), load: load}
	if r.verbose {
		r.logf("%s: %s", ct.ID, tail(stderr.String(), 5))
	}
	if progressFile != "" {
		if err := os.WriteFile(progressFile, stderr.Bytes(), 0o644); err != nil {
			return nil, err
		}
		tr, err := parseTrace(bytes.NewReader(stderr.Bytes()), start, end)
		if err != nil {
			return nil, fmt.Errorf("reading the progress of %s: %w", ct.ID, err)
		}
		res.trace = tr
	}
	if o.inspect && ct.Image {
		img, err := inspectLayout(out, "linux/amd64")
		if err != nil {
			return nil, fmt.Errorf("inspecting the image of %s: %w", ct.ID, err)
		}
		res.image, res.goBuild = img, img.GoBuild
	}
	if o.inspect && ct.Kind == kindHost && slices.Contains(p.Platforms, "linux/amd64") {
		gb, err := binaryGoBuild(filepath.Join(out, "linux-amd64", "app"))
		if err != nil {
			return nil, fmt.Errorf("reading the build information of %s's binary: %w", ct.ID, err)
		}
		res.goBuild = gb
	}
	return res, nil
}

// gatewayDockerfile is ct's Dockerfile with a BENCH_CONTENDER of its own (and
// cache mount ids), so that it shares no cache with the contender that runs
// the same file through the built-in frontend.
func (r *runner) gatewayDockerfile(ct Contender) (string, error) {
	b, err := os.ReadFile(filepath.Join(r.repo, "hack", "bench", ct.Dockerfile))
	if err != nil {
		return "", err
	}
	b = bytes.ReplaceAll(b, []byte("id=bench-bp-"), []byte("id=bench-"+ct.ID+"-"))
	b = bytes.ReplaceAll(b, []byte("ARG BENCH_CONTENDER=bestpractice"), []byte("ARG BENCH_CONTENDER="+ct.ID))
	if !bytes.Contains(b, []byte("ARG BENCH_CONTENDER="+ct.ID)) {
		return "", fmt.Errorf("%s has no ARG BENCH_CONTENDER=bestpractice line", ct.Dockerfile)
	}
	f := filepath.Join(r.work, "dockerfiles", ct.ID+".Dockerfile")
	if err := os.MkdirAll(filepath.Dir(f), 0o755); err != nil {
		return "", err
	}
	return f, writeIfChanged(f, b)
}

// goEnv is the environment of ko and the host go build: the host's Go with
// its own caches, the same flags as the images get.
func goEnv(gocache, gomodcache string) []string {
	var env []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		switch k {
		case "GOFLAGS", "GOCACHE", "GOMODCACHE", "CGO_ENABLED", "GOOS", "GOARCH", "GOTOOLCHAIN":
			continue
		}
		env = append(env, kv)
	}
	return append(env, "GOCACHE="+gocache, "GOMODCACHE="+gomodcache,
		"CGO_ENABLED=0", "GOFLAGS=-buildvcs=false", "GOTOOLCHAIN=local")
}

// ---- machine ----------------------------------------------------------------

func (r *runner) machine(ctx context.Context) Machine {
	m := Machine{CPUs: runtime.NumCPU(), Go: runtime.Version()}
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, l := range strings.Split(string(b), "\n") {
			if k, v, ok := strings.Cut(l, ":"); ok && strings.TrimSpace(k) == "model name" {
				m.CPUModel = strings.TrimSpace(v)
				break
			}
		}
	}
	if b, err := os.ReadFile("/proc/meminfo"); err == nil {
		for _, l := range strings.Split(string(b), "\n") {
			if f := strings.Fields(l); len(f) >= 2 && f[0] == "MemTotal:" {
				kb, _ := strconv.ParseInt(f[1], 10, 64)
				m.MemGiB = int((kb + 512*1024) / (1024 * 1024))
			}
		}
	}
	if b, err := os.ReadFile("/etc/os-release"); err == nil {
		for _, l := range strings.Split(string(b), "\n") {
			if v, ok := strings.CutPrefix(l, "PRETTY_NAME="); ok {
				m.OS = strings.Trim(v, `"`)
			}
		}
	}
	if b, err := os.ReadFile("/proc/sys/kernel/osrelease"); err == nil {
		m.Kernel = strings.TrimSpace(string(b))
	}
	first := func(s string, err error) string {
		if err != nil {
			return ""
		}
		l, _, _ := strings.Cut(strings.TrimSpace(s), "\n")
		return strings.TrimSpace(l)
	}
	if s := first(runCmd(ctx, "", nil, r.buildctl, "--addr", r.addr, "debug", "info")); s != "" {
		m.BuildKit = strings.TrimSpace(strings.TrimPrefix(s, "BuildKit:"))
	}
	m.Buildx = first(runCmd(ctx, "", nil, "docker", "buildx", "version"))
	m.Ko = first(runCmd(ctx, "", nil, r.koBin, "version"))
	m.QEMU = first(runCmd(ctx, "", nil, "qemu-aarch64-static", "--version"))
	return m
}

func (r *runner) load(what string) {
	l1, l5 := loadavg()
	r.rs.Load = append(r.rs.Load, LoadSample{At: time.Now().UTC(), What: what, Load1: l1, Load5: l5})
}

// loadavg is the 1- and 5-minute load average.
func loadavg() (l1, l5 float64) {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return 0, 0
	}
	f := strings.Fields(string(b))
	if len(f) < 2 {
		return 0, 0
	}
	l1, _ = strconv.ParseFloat(f[0], 64)
	l5, _ = strconv.ParseFloat(f[1], 64)
	return l1, l5
}

func load1() float64 {
	l1, _ := loadavg()
	return l1
}

// ---- helpers ----------------------------------------------------------------

func runCmd(ctx context.Context, dir string, env []string, name string, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Dir = dir
	cmd.Env = env
	cmd.WaitDelay = 10 * time.Second
	out, err := cmd.CombinedOutput()
	return string(out), err
}

func tail(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

func contains(xs []string, x string) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}

func writeIfChanged(file string, data []byte) error {
	if old, err := os.ReadFile(file); err == nil && bytes.Equal(old, data) {
		return nil
	}
	return os.WriteFile(file, data, 0o644)
}

// removeAll removes a tree, module cache directories (read-only) included.
func removeAll(dir string) error {
	_ = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && d.IsDir() {
			_ = os.Chmod(p, 0o755)
		}
		return nil
	})
	return os.RemoveAll(dir)
}

// copyTree copies the regular files and directories of src to dst.
func copyTree(src, dst string) error {
	return filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(src, p)
		if err != nil {
			return err
		}
		target := filepath.Join(dst, rel)
		if d.IsDir() {
			return os.MkdirAll(target, 0o755)
		}
		if !d.Type().IsRegular() {
			return nil
		}
		in, err := os.Open(p)
		if err != nil {
			return err
		}
		defer in.Close()
		o, err := os.OpenFile(target, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o644)
		if err != nil {
			return err
		}
		if _, err := io.Copy(o, in); err != nil {
			o.Close()
			return err
		}
		return o.Close()
	})
}
