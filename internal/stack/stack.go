// Package stack drives the local BuildKit stack the e2e tests and
// hack/demo build with: it reads the stack's environment (what
// `hack/stack.sh env` prints), checks that the pieces answer, runs `docker
// buildx build`, `docker buildx bake` and `buildctl build` with bounded
// timeouts, and parses BuildKit's plain progress output.
package stack

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"os/exec"
	"runtime"
	"slices"
	"strings"
	"time"

	"github.com/goappfrontend/go-app/spec"
)

// Defaults match what hack/stack.sh sets up.
const (
	DefaultFrontendImage = "localhost:5000/go-app:dev"
	DefaultBuilder       = "go-app"
	DefaultRegistry      = "localhost:5000"
)

// Env is the stack's configuration.
type Env struct {
	// BuildkitHost is BUILDKIT_HOST, the buildkitd address buildctl uses.
	BuildkitHost string
	// FrontendImage is GOAPP_FRONTEND_IMAGE, the frontend image under test.
	FrontendImage string
	// Builder is GOAPP_BUILDX_BUILDER, the buildx builder on BuildkitHost.
	Builder string
	// Registry is GOAPP_REGISTRY, the local registry.
	Registry string
	// Syft is GOAPP_SYFT, the syft binary the e2e tests cross-check the
	// SBOM with (default: syft in PATH).
	Syft string
	// Cosign is GOAPP_COSIGN, the cosign binary the signing e2e test runs
	// (default: cosign in PATH).
	Cosign string
}

// FromEnviron reads the stack's environment variables. Only BuildkitHost
// has no default: an empty one means the stack's environment is not loaded.
func FromEnviron() Env {
	return Env{
		BuildkitHost:  os.Getenv("BUILDKIT_HOST"),
		FrontendImage: cmp.Or(os.Getenv("GOAPP_FRONTEND_IMAGE"), DefaultFrontendImage),
		Builder:       cmp.Or(os.Getenv("GOAPP_BUILDX_BUILDER"), DefaultBuilder),
		Registry:      cmp.Or(os.Getenv("GOAPP_REGISTRY"), DefaultRegistry),
		Syft:          cmp.Or(os.Getenv("GOAPP_SYFT"), "syft"),
		Cosign:        cmp.Or(os.Getenv("GOAPP_COSIGN"), "cosign"),
	}
}

// Required reports whether a missing stack is a failure rather than a
// reason to skip: in CI (CI=true) or when GOAPP_E2E=1.
func Required() bool {
	return os.Getenv("CI") == "true" || os.Getenv("GOAPP_E2E") == "1"
}

// CheckBuild checks that the stack can build: BUILDKIT_HOST is set and
// answers (`buildctl debug workers`), and docker buildx has the builder.
func (e Env) CheckBuild(ctx context.Context) error {
	if e.BuildkitHost == "" {
		return errors.New("BUILDKIT_HOST is not set (bring the stack up with hack/stack.sh up and load hack/stack.sh env)")
	}
	if _, err := exec.LookPath("buildctl"); err != nil {
		return errors.New("buildctl is not in PATH")
	}
	if out, err := Cmd(ctx, "", nil, "buildctl", "--addr", e.BuildkitHost, "debug", "workers"); err != nil {
		return fmt.Errorf("buildkitd at %s does not answer: %v", e.BuildkitHost, oneLine(out, err))
	}
	return e.CheckBuilder(ctx)
}

// CheckBuilder checks that docker buildx has the builder.
func (e Env) CheckBuilder(ctx context.Context) error {
	if _, err := exec.LookPath("docker"); err != nil {
		return errors.New("the docker CLI (for docker buildx) is not in PATH")
	}
	if out, err := Cmd(ctx, "", nil, "docker", "buildx", "inspect", e.Builder); err != nil {
		return fmt.Errorf("docker buildx builder %q is not usable (is the stack up? hack/stack.sh up): %v", e.Builder, oneLine(out, err))
	}
	return nil
}

// CheckRun checks that images can be run here: runc is in PATH, we are
// root, and, for each platform that is not the host's, binfmt_misc has an
// enabled QEMU handler (spec.Arch.QEMU).
func CheckRun(platforms ...string) error {
	if _, err := exec.LookPath("runc"); err != nil {
		return errors.New("runc is not in PATH")
	}
	if os.Geteuid() != 0 {
		return errors.New("running images with runc needs root")
	}
	for _, p := range platforms {
		arch := strings.Split(p, "/")[1:]
		if len(arch) == 0 || arch[0] == runtime.GOARCH {
			continue
		}
		a, _ := spec.ArchOf(arch[0])
		handler := a.QEMU
		if handler == "" {
			continue
		}
		b, err := os.ReadFile("/proc/sys/fs/binfmt_misc/" + handler)
		if err != nil || !bytes.HasPrefix(b, []byte("enabled")) {
			return fmt.Errorf("no enabled binfmt_misc handler %s to run %s binaries (update-binfmts --enable %s)", handler, p, handler)
		}
	}
	return nil
}

func oneLine(out string, err error) string {
	out = strings.TrimSpace(out)
	if i := strings.LastIndex(out, "\n"); i >= 0 {
		out = out[i+1:]
	}
	if out == "" {
		return err.Error()
	}
	return fmt.Sprintf("%v: %s", err, out)
}

// Cmd runs name with args (no shell) in dir with env added to this
// process's environment, bounded by ctx, and returns its combined output.
// The error, if any, says which command failed.
func Cmd(ctx context.Context, dir string, env []string, name string, args ...string) (string, error) {
	return CmdTee(ctx, dir, env, nil, name, args...)
}

// CmdTee is Cmd that also copies the output to w as it comes, if w is not
// nil.
func CmdTee(ctx context.Context, dir string, env []string, w io.Writer, name string, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Dir = dir
	if env != nil {
		cmd.Env = append(os.Environ(), env...)
	}
	var buf bytes.Buffer
	var out io.Writer = &buf
	if w != nil {
		out = io.MultiWriter(&buf, w)
	}
	cmd.Stdout = out
	cmd.Stderr = out
	cmd.WaitDelay = 10 * time.Second
	err := cmd.Run()
	if ctx.Err() != nil {
		err = fmt.Errorf("%v (%w)", err, ctx.Err())
	}
	if err != nil {
		return buf.String(), fmt.Errorf("%s %s: %w", name, strings.Join(args, " "), err)
	}
	return buf.String(), nil
}

// Build is one `docker buildx build`.
type Build struct {
	// Context is the build context directory.
	Context string
	// File is the go-app.yaml (default: Context/go-app.yaml).
	File string
	// Platforms to build ("linux/amd64"); none means the spec's default.
	Platforms []string
	// Output is the --output value (default: type=cacheonly).
	Output string
	// BuildArgs are --build-arg values.
	BuildArgs map[string]string
	// Labels are --label values.
	Labels map[string]string
	// OwnSyntax leaves out the BUILDKIT_SYNTAX override so the frontend is
	// the one the file's "# syntax=" line names.
	OwnSyntax bool
	// Extra arguments, before the context.
	Extra []string
	// Progress, if not nil, also receives the output as it comes.
	Progress io.Writer
}

// OCIOutput is the --output value that writes an OCI layout directory.
func OCIOutput(dir string) string {
	return "type=oci,dest=" + dir + ",tar=false"
}

// BuildxArgs returns the arguments of `docker` for b.
func (e Env) BuildxArgs(b Build) []string {
	args := []string{"buildx", "build", "--builder", e.Builder, "--progress=plain"}
	args = append(args, "-f", cmp.Or(b.File, strings.TrimSuffix(b.Context, "/")+"/go-app.yaml"))
	if len(b.Platforms) > 0 {
		args = append(args, "--platform", strings.Join(b.Platforms, ","))
	}
	if !b.OwnSyntax {
		args = append(args, "--build-arg", "BUILDKIT_SYNTAX="+e.FrontendImage)
	}
	for _, k := range slices.Sorted(maps.Keys(b.BuildArgs)) {
		args = append(args, "--build-arg", k+"="+b.BuildArgs[k])
	}
	for _, k := range slices.Sorted(maps.Keys(b.Labels)) {
		args = append(args, "--label", k+"="+b.Labels[k])
	}
	args = append(args, "--output", cmp.Or(b.Output, "type=cacheonly"))
	args = append(args, b.Extra...)
	return append(args, b.Context)
}

// Buildx runs `docker buildx build` for b and returns its output (the
// plain progress).
func (e Env) Buildx(ctx context.Context, b Build) (string, error) {
	return CmdTee(ctx, "", nil, b.Progress, "docker", e.BuildxArgs(b)...)
}

// Tail returns the last n lines of s, for failure messages.
func Tail(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) <= n {
		return s
	}
	return fmt.Sprintf("[... %d lines ...]\n%s\n", len(lines)-n, strings.Join(lines[len(lines)-n:], "\n"))
}

// Bake runs `docker buildx bake` in dir with the bake file, each set as a
// --set value and env added to the environment (bake reads its variables
// from there), and returns the output.
func (e Env) Bake(ctx context.Context, dir, file string, sets, env []string, targets ...string) (string, error) {
	args := []string{"buildx", "bake", "--builder", e.Builder, "--progress=plain", "-f", file}
	for _, s := range sets {
		args = append(args, "--set", s)
	}
	args = append(args, targets...)
	return Cmd(ctx, dir, env, "docker", args...)
}

// Buildctl runs `buildctl build` with the frontend image as a gateway
// frontend, context and go-app.yaml from dir, the given frontend options
// (--opt values like "platform=linux/arm64") and output, and returns the
// output.
func (e Env) Buildctl(ctx context.Context, dir string, opts []string, output string) (string, error) {
	args := []string{"--addr", e.BuildkitHost, "build", "--progress=plain",
		"--frontend", "gateway.v0", "--opt", "source=" + e.FrontendImage,
		"--local", "context=" + dir, "--local", "dockerfile=" + dir,
		"--opt", "filename=go-app.yaml"}
	for _, o := range opts {
		args = append(args, "--opt", o)
	}
	args = append(args, "--output", output)
	return Cmd(ctx, "", nil, "buildctl", args...)
}
