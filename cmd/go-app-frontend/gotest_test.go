package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// shell returns the path of sh, or skips: the tests use it as a stand-in
// for go test that writes to both streams and exits with a chosen code.
func shell(t *testing.T) string {
	t.Helper()
	sh, err := exec.LookPath("sh")
	if err != nil {
		t.Skip("no sh to stand in for go test")
	}
	return sh
}

func TestRunCopiesOutputAndExitCode(t *testing.T) {
	sh := shell(t)
	for _, tc := range []struct {
		name   string
		script string
		code   int
		want   string
	}{
		{"pass", "echo ok; echo note >&2", 0, "ok\nnote\n"},
		{"fail", "echo '--- FAIL: TestX'; echo 'FAIL\texample.com/x\t0.1s' >&2; exit 1", 1, "--- FAIL: TestX\nFAIL\texample.com/x\t0.1s\n"},
		{"other code", "exit 3", 3, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			log := filepath.Join(t.TempDir(), "test.log")
			var stdout, stderr bytes.Buffer
			code := runTest(log, []string{sh, "-c", tc.script}, &stdout, &stderr)
			if code != tc.code {
				t.Errorf("exit code %d, want %d (stderr %q)", code, tc.code, stderr.String())
			}
			if stdout.String() != tc.want {
				t.Errorf("stdout %q, want %q", stdout.String(), tc.want)
			}
			b, err := os.ReadFile(log)
			if err != nil {
				t.Fatal(err)
			}
			if string(b) != tc.want {
				t.Errorf("log %q, want %q", b, tc.want)
			}
		})
	}
}

func TestRunErrors(t *testing.T) {
	var stderr bytes.Buffer
	if code := runTest("", []string{"go"}, &bytes.Buffer{}, &stderr); code != 2 || !strings.Contains(stderr.String(), "usage") {
		t.Errorf("no log file: exit %d, stderr %q", code, stderr.String())
	}
	stderr.Reset()
	log := filepath.Join(t.TempDir(), "test.log")
	if code := runTest(log, []string{filepath.Join(t.TempDir(), "missing")}, &bytes.Buffer{}, &stderr); code != 2 || !strings.Contains(stderr.String(), "gotest:") {
		t.Errorf("missing command: exit %d, stderr %q", code, stderr.String())
	}
	stderr.Reset()
	if code := runTest(filepath.Join(t.TempDir(), "no", "dir", "test.log"), []string{"true"}, &bytes.Buffer{}, &stderr); code != 2 {
		t.Errorf("unwritable log: exit %d, stderr %q", code, stderr.String())
	}
}
