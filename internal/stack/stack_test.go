package stack

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"
	"time"
)

func TestCmd(t *testing.T) {
	ctx := context.Background()
	out, err := Cmd(ctx, "", []string{"GOAPP_TEST_VAR=x"}, "sh", "-c", `echo "out $GOAPP_TEST_VAR"; echo err >&2; exit 3`)
	if err == nil || !strings.Contains(err.Error(), "exit status 3") || !strings.Contains(err.Error(), "sh -c") {
		t.Errorf("error %v, want the command and its exit status", err)
	}
	if !strings.Contains(out, "out x") || !strings.Contains(out, "err") {
		t.Errorf("output %q lacks stdout, stderr or the extra env", out)
	}

	var tee bytes.Buffer
	out, err = CmdTee(ctx, t.TempDir(), nil, &tee, "sh", "-c", "pwd")
	if err != nil || tee.String() != out || out == "" {
		t.Errorf("CmdTee: %q, tee %q, %v", out, tee.String(), err)
	}
}

func TestCmdTimeout(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := Cmd(ctx, "", nil, "sleep", "30")
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("error %v, want one wrapping context.DeadlineExceeded", err)
	}
	if d := time.Since(start); d > 15*time.Second {
		t.Errorf("took %s", d)
	}
}
