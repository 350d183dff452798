package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/goappfrontend/go-app/internal/sbom"
)

// TestSBOMCmd runs the subcommand on a copy of this test binary, a real
// Go binary, as the SBOM step runs it on a result.
func TestSBOMCmd(t *testing.T) {
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(exe)
	if err != nil {
		t.Fatal(err)
	}
	root := t.TempDir()
	if err := os.MkdirAll(filepath.Join(root, "usr", "local", "bin"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(root, "usr", "local", "bin", "app"), b, 0o755); err != nil {
		t.Fatal(err)
	}
	plan, _ := json.Marshal(sbom.Plan{Name: "t", Created: time.Unix(1700000000, 0).UTC(), Binaries: []sbom.PlanBinary{{Path: "/usr/local/bin/app"}}})
	out := filepath.Join(t.TempDir(), "out", "sbom.spdx.json")
	if err := sbomCmd([]string{"-root", root, "-out", out, "-plan", string(plan)}); err != nil {
		t.Fatal(err)
	}
	doc, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	var d struct {
		SPDXVersion string `json:"spdxVersion"`
		Packages    []struct {
			Name string `json:"name"`
		} `json:"packages"`
	}
	if err := json.Unmarshal(doc, &d); err != nil || d.SPDXVersion != "SPDX-2.3" || len(d.Packages) < 2 {
		t.Errorf("document %s (%v)", doc, err)
	}

	for _, args := range [][]string{
		{"-root", root, "-out", out},
		{"-root", root, "-out", out, "-plan", "{"},
		{"-root", root, "-out", out, "-plan", `{"binaries":[{"path":"/missing"}]}`},
	} {
		if err := sbomCmd(args); err == nil {
			t.Errorf("%q: no error", args)
		} else if !strings.Contains(err.Error(), "usage") && !strings.Contains(err.Error(), "plan") && !strings.Contains(err.Error(), "/missing") {
			t.Errorf("%q: %v", args, err)
		}
	}
}
