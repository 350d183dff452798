package e2e

import (
	"encoding/json"
	"fmt"
	"maps"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/goappfrontend/go-app/internal/ocirun"
	"github.com/goappfrontend/go-app/internal/stack"
)

// Values with shell metacharacters, each given to go-app through one part of
// the spec. Were any of them seen by a shell, a command would run (and
// create /pwned) or the value would change. Every one must reach the go
// command or the image config as written.
//
// The go command splits build.ldflags and GOFLAGS itself (cmd/internal/quoted):
// fields are separated by spaces and may be enclosed in '...' or "..." with
// no escapes inside; a quote inside a field is an ordinary character. A
// build tag with a ' makes it split -tags on spaces instead of commas, so
// the tags below have none.
var (
	// literalVars are the -X values the program reports, by variable name.
	literalVars = map[string]string{
		"msg":    "$(id); touch /pwned",
		"quote":  `a"b'c`,
		"tick":   "`touch /pwned`",
		"nl":     "line1\nline2",
		"dollar": "$HOME${PATH}|&;<>*?",
	}
	literalLdflags = "-X 'main.msg=$(id); touch /pwned' -X main.quote=a\"b'c -X \"main.tick=`touch /pwned`\" " +
		"-X 'main.nl=line1\nline2' -X main.dollar=$HOME${PATH}|&;<>*?"
	literalTags = []string{"goappe2e", "$(id)", "`id`;x|y&z>w<v*", `q"q`}
	// literalGOFLAGS reaches the go command through build.env; its
	// -asmflags (harmless: the program has no assembly) is recorded in the
	// binary's build information.
	literalGOFLAGS   = "'-asmflags=-D=X=$(touch /pwned);`id` \"q\" a|b&c>d'"
	literalAsmflags  = "-D=X=$(touch /pwned);`id` \"q\" a|b&c>d"
	literalBuildNote = "; touch /pwned\n$(touch /pwned)`touch /pwned`"
	literalArgs      = []string{"; touch /pwned", "$(id)", "`id`", `a"b'c`, "line1\nline2", "$HOME", "*", "--x=a b"}
	literalEnv       = map[string]string{
		"SEMI":   "; touch /pwned",
		"SUBST":  "$(touch /pwned)",
		"TICK":   "`touch /pwned`",
		"QUOTES": `a"b'c`,
		"NL":     "line1\nline2",
		"DOLLAR": "$HOME ${PATH}",
	}
)

// literalSpec is the go-app.yaml of the literal program, every value
// written as a YAML double-quoted scalar.
func literalSpec() string {
	var b strings.Builder
	b.WriteString("# syntax=goappfrontend/go-app:1\nmain: .\nbuild:\n")
	fmt.Fprintf(&b, "  ldflags: %s\n  tags:\n", yamlQuote(literalLdflags))
	for _, tag := range literalTags {
		fmt.Fprintf(&b, "    - %s\n", yamlQuote(tag))
	}
	fmt.Fprintf(&b, "  env:\n    GOFLAGS: %s\n    GOAPP_BUILD_NOTE: %s\n", yamlQuote(literalGOFLAGS), yamlQuote(literalBuildNote))
	b.WriteString("runtime:\n  args:\n")
	for _, a := range literalArgs {
		fmt.Fprintf(&b, "    - %s\n", yamlQuote(a))
	}
	b.WriteString("  env:\n")
	for _, k := range slices.Sorted(maps.Keys(literalEnv)) {
		fmt.Fprintf(&b, "    %s: %s\n", k, yamlQuote(literalEnv[k]))
	}
	return b.String()
}

var (
	literalOnce  sync.Once
	literalImg   *ocirun.Image
	literalSpent time.Duration
	literalErr   error
	literalOut   string
)

// literalImage builds e2e/testdata/literal with literalSpec for linux/amd64
// once per test binary: the image of the literal-values and the
// security-posture tests.
func literalImage(t *testing.T) *ocirun.Image {
	t.Helper()
	literalOnce.Do(func() {
		dir := tmpDir(t, "literal-ctx-")
		copyTree(t, filepath.Join("testdata", "literal"), dir)
		writeTree(t, dir, map[string]string{"go-app.yaml": literalSpec()})
		out := tmpDir(t, "oci-literal-")
		ctx, cancel := ctxFor(t, 15*time.Minute)
		defer cancel()
		start := time.Now()
		literalOut, literalErr = env.Buildx(ctx, stack.Build{Context: dir, Platforms: []string{"linux/amd64"}, Output: stack.OCIOutput(out)})
		literalSpent = time.Since(start)
		if literalErr != nil {
			return
		}
		var imgs []*ocirun.Image
		if imgs, literalErr = openImages(out); literalErr == nil {
			if len(imgs) != 1 {
				literalErr = fmt.Errorf("%d images, want 1", len(imgs))
				return
			}
			literalImg = imgs[0]
		}
	})
	if literalErr != nil {
		t.Fatalf("build of the literal program: %v\ngo-app.yaml:\n%s\n%s", literalErr, literalSpec(), stack.Tail(literalOut, 80))
	}
	t.Logf("build of the literal program: %s", literalSpent.Round(100*time.Millisecond))
	return literalImg
}

// TestLiteralValues checks that values with shell metacharacters in
// build.ldflags, build.tags, build.env, runtime.args and runtime.env reach
// `go build` and the image config exactly as written: the program reports
// what it was built and started with, and no /pwned exists in the image.
func TestLiteralValues(t *testing.T) {
	needStack(t)
	img := literalImage(t)

	t.Run("image config", func(t *testing.T) {
		c := img.Config.Config
		if !reflect.DeepEqual(c.Cmd, literalArgs) {
			t.Errorf("Cmd = %q, want %q", c.Cmd, literalArgs)
		}
		for _, k := range slices.Sorted(maps.Keys(literalEnv)) {
			if got, ok := ocirun.EnvValue(c.Env, k); !ok || got != literalEnv[k] {
				t.Errorf("Env %s = %q (set: %v), want %q", k, got, ok, literalEnv[k])
			}
		}
	})

	t.Run("no command ran", func(t *testing.T) {
		entries, err := img.Entries()
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range entries {
			if strings.Contains(e.Path, "pwned") {
				t.Errorf("layer %d holds %s: a shell ran a value", e.Layer, e.Path)
			}
		}
	})

	t.Run("program", func(t *testing.T) {
		res := runImage(t, img, ocirun.RunConfig{})
		if res.ExitCode != 0 {
			t.Fatalf("exit %d\n%s%s", res.ExitCode, res.Stdout, res.Stderr)
		}
		var got struct {
			Vars     map[string]string `json:"vars"`
			Tagged   bool              `json:"tagged"`
			Settings map[string]string `json:"settings"`
			Args     []string          `json:"args"`
			Env      map[string]string `json:"env"`
		}
		if err := json.Unmarshal([]byte(res.Stdout), &got); err != nil {
			t.Fatalf("output %q: %v", res.Stdout, err)
		}
		for _, k := range slices.Sorted(maps.Keys(literalVars)) {
			if got.Vars[k] != literalVars[k] {
				t.Errorf("-X main.%s = %q, want %q (build.ldflags)", k, got.Vars[k], literalVars[k])
			}
		}
		if !got.Tagged {
			t.Error("tagged.go, built only with the tag goappe2e, is not in the binary (build.tags)")
		}
		if want := strings.Join(literalTags, ","); got.Settings["-tags"] != want {
			t.Errorf("build setting -tags = %q, want %q (build.tags)", got.Settings["-tags"], want)
		}
		if got.Settings["-asmflags"] != literalAsmflags {
			t.Errorf("build setting -asmflags = %q, want %q (build.env GOFLAGS)", got.Settings["-asmflags"], literalAsmflags)
		}
		if !reflect.DeepEqual(got.Args, literalArgs) {
			t.Errorf("args = %q, want %q (runtime.args)", got.Args, literalArgs)
		}
		for _, k := range slices.Sorted(maps.Keys(literalEnv)) {
			if got.Env[k] != literalEnv[k] {
				t.Errorf("env %s = %q, want %q (runtime.env)", k, got.Env[k], literalEnv[k])
			}
		}
		if t.Failed() {
			t.Logf("go-app.yaml:\n%s\nbuild settings: %v", literalSpec(), got.Settings)
		}
	})
}
