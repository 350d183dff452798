package e2e

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/goappfrontend/go-app/internal/stack"
)

// TestSpecErrors checks that a bad go-app.yaml fails the build with the
// file and line of the problem in the output.
func TestSpecErrors(t *testing.T) {
	needStack(t)
	for _, tc := range []struct {
		name string
		yaml string
		want []string
	}{
		{
			name: "unknown key",
			yaml: "# syntax=goappfrontend/go-app:1\nmain: ./cmd/x\nmian: ./cmd/x\n",
			want: []string{"go-app.yaml:3", "mian"},
		},
		{
			name: "bad platform",
			yaml: "# syntax=goappfrontend/go-app:1\nmain: ./cmd/x\nplatforms: [linux/amd64, linux/windows]\n",
			want: []string{"go-app.yaml:3", "linux/windows"},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			files := map[string]string{
				"go-app.yaml":   tc.yaml,
				"go.mod":        "module example.com/x\n\ngo 1.26\n",
				"cmd/x/main.go": "package main\n\nfunc main() {}\n",
				"go.sum":        "",
			}
			for name, body := range files {
				p := filepath.Join(dir, name)
				if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			buildFails(t, 5*time.Minute, stack.Build{Context: dir}, tc.want...)
		})
	}
}
