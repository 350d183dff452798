package main

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"slices"
	"strings"
)

// pkgDocs are the doc comments of package spec.
type pkgDocs struct {
	pkg   string              // the package comment, as text
	types map[string]*typeDoc // by type name
}

// typeDoc is the documentation of one type.
type typeDoc struct {
	doc    string            // the type's doc comment, as text
	fields map[string]string // Go field name → the field's doc comment, as text
}

// parseDocs reads the doc comments of every type declared in the non-test
// Go files of dir.
func parseDocs(dir string) (*pkgDocs, error) {
	all, err := filepath.Glob(filepath.Join(dir, "*.go"))
	if err != nil {
		return nil, err
	}
	var files []string
	for _, name := range all {
		if !strings.HasSuffix(name, "_test.go") {
			files = append(files, name)
		}
	}
	slices.Sort(files)
	return parseFiles(files)
}

// parseFiles reads the doc comments of the types declared in files, Go
// files of one package.
func parseFiles(files []string) (*pkgDocs, error) {
	docs := &pkgDocs{types: map[string]*typeDoc{}}
	fset := token.NewFileSet()
	for _, name := range files {
		f, err := parser.ParseFile(fset, name, nil, parser.ParseComments|parser.SkipObjectResolution)
		if err != nil {
			return nil, err
		}
		if f.Doc != nil {
			if docs.pkg != "" {
				return nil, fmt.Errorf("%s: a second package comment; package spec keeps it in doc.go", name)
			}
			docs.pkg = f.Doc.Text()
		}
		for _, decl := range f.Decls {
			gd, ok := decl.(*ast.GenDecl)
			if !ok || gd.Tok != token.TYPE {
				continue
			}
			for _, s := range gd.Specs {
				ts := s.(*ast.TypeSpec)
				td := &typeDoc{doc: ts.Doc.Text(), fields: map[string]string{}}
				if td.doc == "" && len(gd.Specs) == 1 {
					td.doc = gd.Doc.Text()
				}
				if st, ok := ts.Type.(*ast.StructType); ok {
					for _, f := range st.Fields.List {
						text := f.Doc.Text()
						if text == "" {
							text = f.Comment.Text()
						}
						for _, n := range f.Names {
							td.fields[n.Name] = text
						}
					}
				}
				docs.types[ts.Name.Name] = td
			}
		}
	}
	return docs, nil
}
