package frontend

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	gollb "github.com/goappfrontend/go-app/llb"
	"github.com/goappfrontend/go-app/spec"
	"github.com/moby/buildkit/frontend/gateway/client"
	"github.com/moby/buildkit/solver/errdefs"
	"github.com/moby/buildkit/solver/pb"
	"github.com/moby/buildkit/util/grpcerrors"
	"google.golang.org/grpc/status"
)

func TestParseTarget(t *testing.T) {
	for name, want := range map[string]string{"": "image", "image": "image", "binaries": "binaries", "test": "test", "debug": "debug"} {
		got, err := parseTarget(name)
		if err != nil || got.name != want {
			t.Errorf("parseTarget(%q) = %q, %v; want %q", name, got.name, err, want)
		}
	}
	_, err := parseTarget("build")
	if err == nil || !strings.Contains(err.Error(), `unknown target "build"`) || !strings.Contains(err.Error(), "image, binaries, test, debug") {
		t.Errorf("unknown target: %v, want an error naming it and listing the targets", err)
	}
}

func TestFailedPackages(t *testing.T) {
	log := strings.Join([]string{
		"=== RUN   TestA",
		"--- FAIL: TestA (0.00s)",
		"FAIL",
		"FAIL\texample.com/x/a\t0.003s",
		"ok  \texample.com/x/b\t0.002s",
		"# example.com/x/c",
		"c/c.go:3:1: syntax error",
		"FAIL\texample.com/x/c [build failed]",
		"FAIL\texample.com/x/a\t0.003s", // again, with -count=2 output
		`{"Action":"fail","Package":"example.com/x/d","Test":"TestD"}`,
		`{"Action":"fail","Package":"example.com/x/d","Elapsed":0.1}`,
		`{"Action":"pass","Package":"example.com/x/e"}`,
		"FAIL",
	}, "\n")
	got := failedPackages([]byte(log))
	want := []string{"example.com/x/a", "example.com/x/c", "example.com/x/d"}
	if !slices.Equal(got, want) {
		t.Errorf("failed packages = %q, want %q", got, want)
	}
	if got := failedPackages([]byte("ok  \texample.com/x\t0.1s\nPASS\n")); len(got) != 0 {
		t.Errorf("a passing log: %q", got)
	}
	if got := failedPackages(nil); len(got) != 0 {
		t.Errorf("no log: %q", got)
	}
}

// fakeClient is a gateway client that only creates containers.
type fakeClient struct {
	client.Client
	ctr    *fakeContainer
	err    error
	mounts []client.Mount
}

func (c *fakeClient) NewContainer(_ context.Context, req client.NewContainerRequest) (client.Container, error) {
	c.mounts = req.Mounts
	if c.err != nil {
		return nil, c.err
	}
	return c.ctr, nil
}

type fakeContainer struct {
	client.Container
	files    map[string][]byte
	released bool
}

func (c *fakeContainer) ReadFile(_ context.Context, req client.ReadContainerRequest) ([]byte, error) {
	if dt, ok := c.files[req.Filename]; ok && req.MountIndex == 0 {
		return dt, nil
	}
	return nil, errors.New("no such file")
}

func (c *fakeContainer) Release(context.Context) error {
	c.released = true
	return nil
}

// execFailure is the error a failed exec op with these args comes back
// with from the gateway: a SolveError with the op and its mounts' result
// ids, through gRPC.
func execFailure(args ...string) error {
	op := &pb.Op{Op: &pb.Op_Exec{Exec: &pb.ExecOp{
		Meta: &pb.Meta{Args: args},
		Mounts: []*pb.Mount{
			{Dest: "/", Input: 0, Output: 0},
			{Dest: "/src", Input: 1, Output: -1},
			{Dest: gollb.TestOutputDir, Input: -1, Output: 1},
		},
	}}}
	err := errors.New(`process "` + strings.Join(args, " ") + `" did not complete successfully: exit code: 1`)
	err = (&errdefs.Solve{Op: op, MountIDs: []string{"root-id", "src-id", "out-id"}}).WrapError(err)
	return grpcerrors.FromGRPC(grpcerrors.ToGRPC(context.Background(), err))
}

func TestTestFailure(t *testing.T) {
	ctx := context.Background()
	runner := []string{"/go-app/bin/go-app-frontend", gollb.TestRunner, "-log", "/out/test.log", "--", "go", "test", "./..."}
	log := []byte("--- FAIL: TestA\nFAIL\texample.com/x/a\t0.1s\nFAIL\texample.com/x/b [build failed]\nFAIL\n")

	c := &fakeClient{ctr: &fakeContainer{files: map[string][]byte{"/" + gollb.TestLog: log}}}
	orig := execFailure(runner...)
	err := testFailure(ctx, c, orig)
	want := "go test failed in example.com/x/a, example.com/x/b: " + orig.Error()
	if err.Error() != want {
		t.Errorf("error %q\nwant  %q", err, want)
	}
	if len(c.mounts) != 1 || c.mounts[0].ResultID != "out-id" || c.mounts[0].Dest != "/" || !c.ctr.released {
		t.Errorf("container mounts %+v (released %v), want the step's output mount out-id at /, released", c.mounts, c.ctr.released)
	}
	// What BuildKit sends back keeps the message and the failed step.
	back := grpcerrors.FromGRPC(grpcerrors.ToGRPC(ctx, err))
	if st, _ := status.FromError(grpcerrors.ToGRPC(ctx, err)); st.Message() != want {
		t.Errorf("gRPC message %q, want %q", st.Message(), want)
	}
	var se *errdefs.SolveError
	if !errors.As(back, &se) || se.Op.GetExec() == nil || se.MountIDs[2] != "out-id" {
		t.Errorf("the SolveError is lost on the way back: %#v", back)
	}

	// Without the log: still says go test failed.
	c = &fakeClient{err: errors.New("no containers here")}
	if err := testFailure(ctx, c, orig); !strings.HasPrefix(err.Error(), "go test failed (its output is above): process") {
		t.Errorf("without a log: %q", err)
	}
	c = &fakeClient{ctr: &fakeContainer{}}
	if err := testFailure(ctx, c, orig); !strings.HasPrefix(err.Error(), "go test failed (its output is above): process") || !c.ctr.released {
		t.Errorf("with an unreadable log: %q (released %v)", err, c.ctr.released)
	}

	// Other failures stay as they are.
	for _, other := range []error{
		execFailure("go", "mod", "download"),
		errors.New("not from a step"),
	} {
		if got := testFailure(ctx, &fakeClient{}, other); got != other {
			t.Errorf("testFailure changed %q to %q", other, got)
		}
	}
}

func TestTargetLocations(t *testing.T) {
	data := []byte("# syntax=x\nbinaries:\n  - main: ./cmd/a\nruntime:\n  ports: [80]\ntest:\n  flags: [-short]\n")
	s, err := spec.Load("go-app.yaml", data)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		t           target
		first, last int32
	}{
		{targetImage, 4, 5},
		{targetBinaries, 2, 3},
		{targetTest, 6, 7},
	} {
		rs := tc.t.location(s)
		if len(rs) != 1 || rs[0].Start.Line != tc.first || rs[0].End.Line != tc.last {
			t.Errorf("%s at %v, want lines %d to %d", tc.t.name, rs, tc.first, tc.last)
		}
	}
	s, _ = spec.Load("go-app.yaml", []byte("main: ./cmd/a\n"))
	if rs := targetTest.location(s); rs != nil {
		t.Errorf("test target at %v in a spec without a test section", rs)
	}
	if rs := targetImage.location(s); len(rs) != 1 || rs[0].Start.Line != 1 {
		t.Errorf("image target at %v, want main's line", rs)
	}
}
