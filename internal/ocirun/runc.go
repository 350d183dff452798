package ocirun

import (
	"bytes"
	"cmp"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"time"

	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// Options says how Start runs a container.
type Options struct {
	RunConfig
	// Runc is the runc binary (default "runc" from PATH).
	Runc string
	// StateRoot is runc's --root (default: runc's own default).
	StateRoot string
	// Stdout and Stderr, when set, also receive the container's output.
	Stdout, Stderr io.Writer
	// IDPrefix starts the container's id (default "goapp-"); RemoveStale
	// finds leftovers by it.
	IDPrefix string
}

// Container is a container started by Start.
type Container struct {
	ID     string
	Bundle string
	Spec   *specs.Spec

	runc      string
	stateRoot string
	cmd       *exec.Cmd
	stdout    syncBuffer
	stderr    syncBuffer
	done      chan struct{}
	waitErr   error
	stopOnce  sync.Once
	stopErr   error
}

// Start runs the image whose config is cfg and whose unpacked root
// filesystem is rootfs, as `runc run` in the background. bundle is a
// directory for the runtime spec (config.json); it must exist. Call Stop
// when done, whatever happens.
func Start(cfg ocispec.Image, rootfs, bundle string, opts Options) (*Container, error) {
	spec, err := RuntimeSpec(cfg, rootfs, opts.RunConfig)
	if err != nil {
		return nil, err
	}
	b, err := json.MarshalIndent(spec, "", "\t")
	if err != nil {
		return nil, err
	}
	absBundle, err := filepath.Abs(bundle)
	if err != nil {
		return nil, err
	}
	if err := os.WriteFile(filepath.Join(absBundle, "config.json"), b, 0o644); err != nil {
		return nil, err
	}
	c := &Container{
		ID:        NewContainerID(opts.IDPrefix),
		Bundle:    absBundle,
		Spec:      spec,
		runc:      cmp.Or(opts.Runc, "runc"),
		stateRoot: opts.StateRoot,
		done:      make(chan struct{}),
	}
	c.cmd = exec.Command(c.runc, c.runcArgs("run", "--bundle", absBundle, c.ID)...)
	c.cmd.Stdout = teeTo(&c.stdout, opts.Stdout)
	c.cmd.Stderr = teeTo(&c.stderr, opts.Stderr)
	if err := c.cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", c.runc, err)
	}
	go func() {
		c.waitErr = c.cmd.Wait()
		close(c.done)
	}()
	return c, nil
}

// NewContainerID returns a fresh container id starting with prefix
// (default "goapp-").
func NewContainerID(prefix string) string {
	var b [6]byte
	_, _ = rand.Read(b[:])
	return cmp.Or(prefix, "goapp-") + hex.EncodeToString(b[:])
}

// RemoveStale force-deletes the containers whose id starts with prefix,
// left running by a run that was killed before it could clean up (a server
// among them would still hold its port). runcBin and stateRoot are as in
// Options. It returns the ids it removed.
func RemoveStale(ctx context.Context, runcBin, stateRoot, prefix string) ([]string, error) {
	if prefix == "" {
		return nil, errors.New("RemoveStale needs a prefix")
	}
	c := &Container{runc: cmp.Or(runcBin, "runc"), stateRoot: stateRoot}
	lctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	// runc list fails while another process creates or deletes a container
	// in the same state root (a state directory without its state.json yet
	// or any more), as the e2e tests running next to each other do: retry.
	var out []byte
	var err error
	for attempt := 1; ; attempt++ {
		var stderr strings.Builder
		cmd := exec.CommandContext(lctx, c.runc, c.runcArgs("list", "-q")...)
		cmd.Stderr = &stderr
		if out, err = cmd.Output(); err == nil {
			break
		}
		if attempt == 5 || lctx.Err() != nil {
			return nil, fmt.Errorf("runc list: %w: %s", err, strings.TrimSpace(stderr.String()))
		}
		time.Sleep(200 * time.Millisecond)
	}
	var removed []string
	var errs []error
	for _, id := range strings.Fields(string(out)) {
		if !strings.HasPrefix(id, prefix) {
			continue
		}
		if err := c.runcQuiet(20*time.Second, "delete", "--force", id); err != nil {
			errs = append(errs, err)
			continue
		}
		removed = append(removed, id)
	}
	return removed, errors.Join(errs...)
}

func teeTo(buf *syncBuffer, w io.Writer) io.Writer {
	if w == nil {
		return buf
	}
	return io.MultiWriter(buf, w)
}

func (c *Container) runcArgs(args ...string) []string {
	if c.stateRoot != "" {
		return append([]string{"--root", c.stateRoot}, args...)
	}
	return args
}

// Stdout is what the container wrote to its standard output so far.
func (c *Container) Stdout() string { return c.stdout.String() }

// Stderr is what the container (and runc) wrote to standard error so far.
func (c *Container) Stderr() string { return c.stderr.String() }

// Output is stdout and stderr together, labelled, for error messages.
func (c *Container) Output() string {
	return fmt.Sprintf("--- stdout ---\n%s--- stderr ---\n%s", c.Stdout(), c.Stderr())
}

// Exited reports whether the container's process has ended.
func (c *Container) Exited() bool {
	select {
	case <-c.done:
		return true
	default:
		return false
	}
}

// Wait waits for the container to exit and returns its exit code. If ctx
// ends first the container is killed and ctx's error returned.
func (c *Container) Wait(ctx context.Context) (int, error) {
	select {
	case <-c.done:
	case <-ctx.Done():
		_ = c.Stop()
		return -1, fmt.Errorf("container %s: %w", c.ID, ctx.Err())
	}
	if c.waitErr != nil {
		var ee *exec.ExitError
		if errors.As(c.waitErr, &ee) {
			return ee.ExitCode(), nil
		}
		return -1, c.waitErr
	}
	return 0, nil
}

// Stop kills the container (SIGKILL), waits for it and deletes it. It is
// safe to call more than once and after the container has exited.
func (c *Container) Stop() error {
	c.stopOnce.Do(func() {
		if !c.Exited() {
			_ = c.runcQuiet(10*time.Second, "kill", c.ID, "KILL")
			select {
			case <-c.done:
			case <-time.After(15 * time.Second):
				// runc run itself did not end: kill it, then delete.
				_ = c.cmd.Process.Kill()
				select {
				case <-c.done:
				case <-time.After(5 * time.Second):
				}
			}
		}
		c.stopErr = c.runcQuiet(20*time.Second, "delete", "--force", c.ID)
	})
	return c.stopErr
}

// runcQuiet runs a runc subcommand with a timeout. Deleting a container
// that runc already removed is not an error.
func (c *Container) runcQuiet(timeout time.Duration, args ...string) error {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	out, err := exec.CommandContext(ctx, c.runc, c.runcArgs(args...)...).CombinedOutput()
	if err != nil {
		if bytes.Contains(out, []byte("does not exist")) || bytes.Contains(out, []byte("not exist")) {
			return nil
		}
		return fmt.Errorf("runc %v: %w: %s", args, err, out)
	}
	return nil
}

// Result is the outcome of Run.
type Result struct {
	ExitCode int
	Stdout   string
	Stderr   string
}

// Run runs the image to completion (bounded by ctx) and returns its exit
// code and output; the container is always deleted.
func Run(ctx context.Context, cfg ocispec.Image, rootfs, bundle string, opts Options) (Result, error) {
	c, err := Start(cfg, rootfs, bundle, opts)
	if err != nil {
		return Result{}, err
	}
	code, werr := c.Wait(ctx)
	serr := c.Stop()
	res := Result{ExitCode: code, Stdout: c.Stdout(), Stderr: c.Stderr()}
	if werr != nil {
		return res, werr
	}
	if serr != nil {
		return res, serr
	}
	return res, nil
}

// GetWhenUp GETs url until it answers (any HTTP status) and returns the
// status code and body. It gives up when ctx ends, when timeout passes or
// when the container exits (say c is nil to not watch one).
func GetWhenUp(ctx context.Context, c *Container, url string, timeout time.Duration) (int, string, error) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	client := &http.Client{Timeout: 5 * time.Second}
	var lastErr error
	for {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		if err != nil {
			return 0, "", err
		}
		resp, err := client.Do(req)
		if err == nil {
			body, rerr := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
			resp.Body.Close()
			if rerr != nil {
				return resp.StatusCode, string(body), rerr
			}
			return resp.StatusCode, string(body), nil
		}
		lastErr = err
		if c != nil && c.Exited() {
			return 0, "", fmt.Errorf("GET %s: container exited before answering (last error: %v)", url, lastErr)
		}
		select {
		case <-ctx.Done():
			return 0, "", fmt.Errorf("GET %s: no answer within %s: %v", url, timeout, lastErr)
		case <-time.After(200 * time.Millisecond):
		}
	}
}

// syncBuffer is a bytes.Buffer safe for one writer and concurrent readers.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
