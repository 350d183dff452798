package main

// The sbom subcommand writes the SPDX document of one platform's result
// (package internal/sbom): the frontend plans it (what the result holds and
// where it came from) and runs `go-app-frontend sbom` in the Go toolchain
// image with the result mounted read-only, so that the binaries are read
// where they are, not copied to the frontend, and the step is cached like
// any other.

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"

	"github.com/goappfrontend/go-app/internal/sbom"
)

func sbomCmd(args []string) error {
	fs := flag.NewFlagSet("sbom", flag.ContinueOnError)
	root := fs.String("root", "", "directory where the result is mounted")
	out := fs.String("out", "", "file to write the SPDX JSON document to")
	planJSON := fs.String("plan", "", "the document's plan (sbom.Plan), JSON")
	goroot := fs.String("goroot", "", "GOROOT to read the time zone database of (default: `go env GOROOT`)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *root == "" || *out == "" || *planJSON == "" || fs.NArg() > 0 {
		return errors.New("usage: go-app-frontend sbom -root DIR -out FILE -plan JSON [-goroot DIR]")
	}
	var plan sbom.Plan
	if err := json.Unmarshal([]byte(*planJSON), &plan); err != nil {
		return fmt.Errorf("parsing -plan: %w", err)
	}
	if *goroot == "" && slices.ContainsFunc(plan.Components, func(c sbom.PlanComponent) bool { return c.Zoneinfo }) {
		b, err := exec.Command("go", "env", "GOROOT").Output()
		if err != nil {
			return fmt.Errorf("finding GOROOT with `go env GOROOT`: %w", err)
		}
		*goroot = strings.TrimSpace(string(b))
	}
	in, err := sbom.Read(plan, *root, *goroot)
	if err != nil {
		return err
	}
	doc, err := sbom.Document(in)
	if err != nil {
		return err
	}
	b, err := sbom.Marshal(doc)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(*out), 0o755); err != nil {
		return err
	}
	return os.WriteFile(*out, b, 0o644)
}
