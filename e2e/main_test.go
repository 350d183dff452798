package e2e

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/goappfrontend/go-app/internal/ocirun"
	"github.com/goappfrontend/go-app/internal/stack"
)

var (
	env      stack.Env
	repoRoot string
	// workDir holds what tests share: build outputs, unpacked images.
	workDir string
)

func TestMain(m *testing.M) {
	env = stack.FromEnviron()
	var err error
	if repoRoot, err = filepath.Abs(".."); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	if workDir, err = os.MkdirTemp("", "go-app-e2e-"); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	code := m.Run()
	if os.Getenv("GOAPP_E2E_KEEP") != "" {
		fmt.Fprintf(os.Stderr, "e2e: kept build outputs in %s\n", workDir)
	} else {
		os.RemoveAll(workDir)
	}
	os.Exit(code)
}

// containerPrefix starts the ids of the containers the tests run.
const containerPrefix = "goapp-e2e-"

var (
	stackOnce sync.Once
	stackErr  error
)

// needStack skips the test (or fails it, under CI=true or GOAPP_E2E=1)
// unless the BuildKit stack can build and this machine can run what it
// builds.
func needStack(t *testing.T) {
	t.Helper()
	stackOnce.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		stackErr = env.CheckBuild(ctx)
		if stackErr == nil {
			stackErr = stack.CheckRun("linux/amd64", "linux/arm64")
		}
		if stackErr == nil {
			// Containers a killed earlier run left behind would hold the
			// examples' ports.
			removed, err := ocirun.RemoveStale(ctx, "", "", containerPrefix)
			if len(removed) > 0 {
				fmt.Fprintf(os.Stderr, "e2e: removed containers left by an earlier run: %v\n", removed)
			}
			stackErr = err
		}
	})
	skipOrFail(t, "BuildKit stack", stackErr)
}

// needRunc skips the test (or fails it, under CI=true or GOAPP_E2E=1)
// unless this machine can run images of platforms with runc; it needs no
// BuildKit.
func needRunc(t *testing.T, platforms ...string) {
	t.Helper()
	skipOrFail(t, "runc", stack.CheckRun(platforms...))
}

// skipOrFail skips the test, or fails it when the stack is required
// (stack.Required), if err says that what is missing.
func skipOrFail(t *testing.T, what string, err error) {
	t.Helper()
	if err == nil {
		return
	}
	if stack.Required() {
		t.Fatalf("e2e: %s required (CI=true or GOAPP_E2E=1) but not usable: %v", what, err)
	}
	t.Skipf("e2e: skipped, no usable %s: %v", what, err)
}

// ctxFor returns a context bounded by d and by the test's deadline.
func ctxFor(t *testing.T, d time.Duration) (context.Context, context.CancelFunc) {
	t.Helper()
	if dl, ok := t.Deadline(); ok {
		if left := time.Until(dl) - 20*time.Second; left < d {
			d = max(left, 10*time.Second)
		}
	}
	return context.WithTimeout(context.Background(), d)
}

// buildFails runs a build that must fail within d, and checks that its
// output holds every string of want. It returns the output.
func buildFails(t *testing.T, d time.Duration, b stack.Build, want ...string) string {
	t.Helper()
	ctx, cancel := ctxFor(t, d)
	defer cancel()
	out, err := env.Buildx(ctx, b)
	if err == nil {
		t.Fatalf("the build succeeded; want it to fail\n%s", stack.Tail(out, 60))
	}
	if ctx.Err() != nil {
		t.Fatalf("the build timed out instead of failing: %v\n%s", err, stack.Tail(out, 60))
	}
	for _, w := range want {
		if !strings.Contains(out, w) {
			t.Errorf("output lacks %q:\n%s", w, stack.Tail(out, 60))
		}
	}
	return out
}

// exampleDir is the directory of an example.
func exampleDir(name string) string {
	return filepath.Join(repoRoot, "examples", name)
}

// tmpDir makes a fresh directory under the shared work directory (t.TempDir
// is not used for what outlives a test).
func tmpDir(t *testing.T, pattern string) string {
	t.Helper()
	d, err := os.MkdirTemp(workDir, pattern)
	if err != nil {
		t.Fatal(err)
	}
	return d
}
