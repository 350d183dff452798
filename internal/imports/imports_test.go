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
