// Command schemagen writes the JSON schema of go-app.yaml (spec/schema.json)
// and its reference page (docs/reference.md) from the spec's Go types: the
// keys and value types come from spec.Spec by reflection (yaml tags name
// the keys, `yaml:"-"` fields are skipped), the descriptions and defaults
// from the doc comments of the types in spec/*.go. A field added to the
// spec shows up in both files the next time it runs.
//
//	go run ./hack/schemagen          write both files (make schema, go generate ./spec)
//	go run ./hack/schemagen -check   fail when a committed file is not what it would write
//
// It runs from anywhere inside the module and finds the module root by its
// go.mod. The output depends on the source only: keys are sorted, the
// formatting is fixed.
package main

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"golang.org/x/mod/modfile"
)

// module is the module whose spec schemagen documents.
const module = "github.com/goappfrontend/go-app"

// The files schemagen writes, relative to the module root.
const (
	schemaFile    = "spec/schema.json"
	referenceFile = "docs/reference.md"
	specDir       = "spec"
)

// output is a file to write and its content.
type output struct {
	path string // relative to the module root
	data []byte
}

func main() {
	check := flag.Bool("check", false, "compare the files with what would be written instead of writing them; fail when they differ")
	flag.Usage = func() {
		fmt.Fprintf(flag.CommandLine.Output(), "usage: schemagen [-check]\n\nWrites %s and %s from the types and doc comments in %s/.\n\n", schemaFile, referenceFile, specDir)
		flag.PrintDefaults()
	}
	flag.Parse()
	if flag.NArg() > 0 {
		flag.Usage()
		os.Exit(2)
	}
	if err := run(*check); err != nil {
		fmt.Fprintln(os.Stderr, "schemagen:", err)
		os.Exit(1)
	}
}

func run(check bool) error {
	root, err := moduleRoot()
	if err != nil {
		return err
	}
	outs, err := generate(filepath.Join(root, specDir))
	if err != nil {
		return err
	}
	if check {
		return checkFiles(root, outs)
	}
	for _, o := range outs {
		if err := os.WriteFile(filepath.Join(root, o.path), o.data, 0o644); err != nil {
			return err
		}
	}
	return nil
}

// generate returns the content of every file, from the spec package in
// dir.
func generate(dir string) ([]output, error) {
	docs, err := parseDocs(dir)
	if err != nil {
		return nil, err
	}
	tree, err := buildTree(specType, docs)
	if err != nil {
		return nil, err
	}
	schema, err := schemaJSON(tree)
	if err != nil {
		return nil, err
	}
	return []output{
		{path: schemaFile, data: schema},
		{path: referenceFile, data: reference(tree, docs)},
	}, nil
}

// checkFiles reports every file whose content on disk is not data.
func checkFiles(root string, outs []output) error {
	var stale []string
	for _, o := range outs {
		have, err := os.ReadFile(filepath.Join(root, o.path))
		if err != nil && !errors.Is(err, os.ErrNotExist) {
			return err
		}
		if !bytes.Equal(have, o.data) {
			stale = append(stale, o.path)
		}
	}
	if len(stale) == 0 {
		return nil
	}
	var b strings.Builder
	for i, p := range stale {
		if i > 0 {
			b.WriteString("\n")
		}
		fmt.Fprintf(&b, "%s is stale: run make schema", p)
	}
	b.WriteString("\n(it is generated from the types and doc comments in spec/*.go; commit what make schema writes)")
	return errors.New(b.String())
}

// moduleRoot finds the directory of the module's go.mod, from the working
// directory up.
func moduleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		data, err := os.ReadFile(filepath.Join(dir, "go.mod"))
		if err == nil {
			if modfile.ModulePath(data) != module {
				return "", fmt.Errorf("%s/go.mod is not the module %s; run schemagen inside it", dir, module)
			}
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", fmt.Errorf("no go.mod of %s above the working directory; run schemagen inside the module", module)
		}
		dir = parent
	}
}
