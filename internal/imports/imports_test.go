package imports

import (
	"slices"
	"testing"
	"testing/fstest"
)

func TestExternal(t *testing.T) {
	fsys := fstest.MapFS{
		"go.mod":               {Data: []byte("module example.com/app\n")},
		"cmd/api/main.go":      {Data: []byte("package main\nimport (\n\t\"fmt\"\n\t\"example.com/app/internal/db\"\n\t\"github.com/a/b\"\n)\n")},
		"cmd/api/main_test.go": {Data: []byte("package main\nimport \"github.com/test/only\"\n")},
		"cmd/api/arm.go":       {Data: []byte("//go:build arm64\n\npackage main\nimport \"github.com/arm/only\"\n")},
		"cmd/api/gen.go":       {Data: []byte("//go:build ignore\n\npackage main\nimport \"github.com/gen/only\"\n")},
		"cmd/api/tagged.go":    {Data: []byte("//go:build pro\n\npackage main\nimport \"github.com/pro/only\"\n")},
		"cmd/api/x_windows.go": {Data: []byte("package main\nimport \"golang.org/x/sys/windows\"\n")},
		"internal/db/db.go":    {Data: []byte("package db\nimport (\n\t\"database/sql\"\n\t\"example.com/app\"\n)\n")},
		"internal/db/cgo.go":   {Data: []byte("package db\nimport (\n\t\"C\"\n\t\"github.com/cgo/only\"\n)\n")},
		"root.go":              {Data: []byte("package app\nimport \"github.com/root/dep\"\n")},
		"internal/unused/u.go": {Data: []byte("package unused\nimport \"github.com/never/imported\"\n")},
		"internal/broken/b.go": {Data: []byte("package broken\nimport \"github.com/x\"\nfunc (\n")},
		"cmd/other/main.go":    {Data: []byte("package main\nimport \"example.com/app/internal/broken\"\n")},
	}
	for _, tc := range []struct {
		name  string
		mains []string
		cfg   Config
		want  []string
	}{
		{"amd64", []string{"./cmd/api"}, Config{GOOS: "linux", GOARCH: "amd64"},
			[]string{"database/sql", "fmt", "github.com/a/b", "github.com/root/dep"}},
		{"arm64 files count on arm64", []string{"./cmd/api"}, Config{GOOS: "linux", GOARCH: "arm64"},
			[]string{"database/sql", "fmt", "github.com/a/b", "github.com/arm/only", "github.com/root/dep"}},
		{"tags", []string{"cmd/api"}, Config{GOOS: "linux", GOARCH: "amd64", Tags: []string{"pro"}},
			[]string{"database/sql", "fmt", "github.com/a/b", "github.com/pro/only", "github.com/root/dep"}},
		{"cgo files count with cgo on", []string{"./cmd/api"}, Config{GOOS: "linux", GOARCH: "amd64", Cgo: true},
			[]string{"database/sql", "fmt", "github.com/a/b", "github.com/cgo/only", "github.com/root/dep"}},
		{"a package with a syntax error still counts", []string{"./cmd/other"}, Config{GOOS: "linux", GOARCH: "amd64"},
			[]string{"github.com/x"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := External(fsys, "example.com/app", tc.mains, tc.cfg)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("External = %q\nwant       %q", got, tc.want)
			}
		})
	}
}

func TestExternalBounded(t *testing.T) {
	fsys := fstest.MapFS{}
	// A chain of MaxPackages+1 packages, each importing the next.
	for i := 0; i <= MaxPackages; i++ {
		fsys[dirName(i)+"/p.go"] = &fstest.MapFile{Data: []byte("package p\nimport \"example.com/m/" + dirName(i+1) + "\"\n")}
	}
	if _, err := External(fsys, "example.com/m", []string{dirName(0)}, Config{GOOS: "linux", GOARCH: "amd64"}); err != ErrTooMany {
		t.Errorf("err = %v, want ErrTooMany", err)
	}
}

func dirName(i int) string {
	return "p" + string(rune('a'+i%26)) + "/" + itoa(i)
}

func itoa(i int) string {
	if i == 0 {
		return "0"
	}
	var b []byte
	for ; i > 0; i /= 10 {
		b = append([]byte{byte('0' + i%10)}, b...)
	}
	return string(b)
}

// A module in a subdirectory that replaces a library with a sibling
// directory, and a workspace: the packages of every module in source are
// walked, none of them is a dependency.
func TestExternalOfSeveralModules(t *testing.T) {
	fsys := fstest.MapFS{
		"services/api/go.mod":          {Data: []byte("module example.com/api\n")},
		"services/api/main.go":         {Data: []byte("package main\nimport (\n\t\"example.com/lib/store\"\n\t\"example.com/api/internal/h\"\n\t\"net/http\"\n)\n")},
		"services/api/internal/h/h.go": {Data: []byte("package h\nimport \"github.com/go-chi/chi/v5\"\n")},
		"lib/go.mod":                   {Data: []byte("module example.com/lib\n")},
		"lib/store/store.go":           {Data: []byte("package store\nimport (\n\t\"database/sql\"\n\t\"example.com/lib\"\n\t\"example.com/lib/nested/x\"\n)\n")},
		"lib/lib.go":                   {Data: []byte("package lib\nimport \"github.com/google/uuid\"\n")},
		"nested/x/x.go":                {Data: []byte("package x\nimport \"strings\"\n")},
		"lib/nested/x/wrong.go":        {Data: []byte("package x\nimport \"github.com/not/walked\"\n")},
	}
	mods := []Module{
		{Path: "example.com/api", Dir: "services/api"},
		{Path: "example.com/lib", Dir: "lib"},
		// a nested module, replaced by another directory: the longest
		// module path wins
		{Path: "example.com/lib/nested", Dir: "nested"},
	}
	got, err := ExternalOf(fsys, mods, []string{"services/api"}, Config{GOOS: "linux", GOARCH: "amd64"})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"database/sql", "github.com/go-chi/chi/v5", "github.com/google/uuid", "net/http", "strings"}
	if !slices.Equal(got, want) {
		t.Errorf("ExternalOf = %q\nwant         %q", got, want)
	}
}
