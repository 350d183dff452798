package main

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// specText is a candidate go-app.yaml and where it comes from.
type specText struct {
	from string
	data string
}

// repoRoot is the module root, two levels up from this package.
func repoRoot(tb testing.TB) string {
	tb.Helper()
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		tb.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(root, "go.mod")); err != nil {
		tb.Fatal(err)
	}
	return root
}

// corpus gathers candidate specs from the repository: the examples, the
// annotated example of spec/doc.go, the ```yaml blocks of README.md and
// docs/*.md, and every string literal (or constant concatenation, or
// yamlText(...) call of constant lines) in the module's test files. Most
// of the literals are no spec at all; the callers keep what spec.Load
// accepts.
func corpus(tb testing.TB) []specText {
	tb.Helper()
	root := repoRoot(tb)
	var out []specText

	examples, err := filepath.Glob(filepath.Join(root, "examples", "*", "go-app.yaml"))
	if err != nil {
		tb.Fatal(err)
	}
	if len(examples) == 0 {
		tb.Fatal("no examples/*/go-app.yaml")
	}
	for _, p := range examples {
		out = append(out, specText{from: rel(root, p), data: readFile(tb, p)})
	}

	docs, err := parseDocs(filepath.Join(root, specDir))
	if err != nil {
		tb.Fatal(err)
	}
	for _, b := range docSection(docs.pkg, "Every field") {
		if b.kind == code {
			out = append(out, specText{from: "spec/doc.go (Every field)", data: b.code})
		}
	}

	mds, _ := filepath.Glob(filepath.Join(root, "docs", "*.md"))
	mds = append(mds, filepath.Join(root, "README.md"))
	for _, p := range mds {
		for i, block := range yamlBlocks(readFile(tb, p)) {
			out = append(out, specText{from: rel(root, p) + " yaml block " + strconv.Itoa(i+1), data: block})
		}
	}

	err = filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			switch d.Name() {
			case ".git", "testdata", ".stack", "bench", "schemagen":
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(p, "_test.go") {
			return nil
		}
		for i, s := range stringConstants(tb, p) {
			out = append(out, specText{from: rel(root, p) + " literal " + strconv.Itoa(i+1), data: s})
		}
		return nil
	})
	if err != nil {
		tb.Fatal(err)
	}
	return out
}

func rel(root, p string) string {
	r, err := filepath.Rel(root, p)
	if err != nil {
		return p
	}
	return filepath.ToSlash(r)
}

func readFile(tb testing.TB, p string) string {
	tb.Helper()
	data, err := os.ReadFile(p)
	if err != nil {
		tb.Fatal(err)
	}
	return string(data)
}

// yamlFence matches a fenced ```yaml block of Markdown.
var yamlFence = regexp.MustCompile("(?ms)^```ya?ml\n(.*?)^```")

// yamlBlocks returns the ```yaml blocks of a Markdown document.
func yamlBlocks(md string) []string {
	var out []string
	for _, m := range yamlFence.FindAllStringSubmatch(md, -1) {
		out = append(out, m[1])
	}
	return out
}

// stringConstants returns the constant strings of a Go file: literals,
// concatenations of literals, and yamlText calls (the function of spec's tests
// which joins lines) with literal arguments.
func stringConstants(tb testing.TB, path string) []string {
	tb.Helper()
	f, err := parser.ParseFile(token.NewFileSet(), path, nil, parser.SkipObjectResolution)
	if err != nil {
		tb.Fatal(err)
	}
	var out []string
	ast.Inspect(f, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.CallExpr:
			if id, ok := n.Fun.(*ast.Ident); ok && id.Name == "yamlText" {
				var lines []string
				for _, a := range n.Args {
					s, ok := constString(a)
					if !ok {
						return true
					}
					lines = append(lines, s)
				}
				out = append(out, strings.Join(lines, "\n")+"\n")
			}
		case *ast.BinaryExpr, *ast.BasicLit:
			if s, ok := constString(n.(ast.Expr)); ok && strings.Contains(s, ":") {
				out = append(out, s)
			}
		}
		return true
	})
	return out
}

// constString evaluates a constant string expression of literals.
func constString(e ast.Expr) (string, bool) {
	switch e := e.(type) {
	case *ast.BasicLit:
		if e.Kind != token.STRING {
			return "", false
		}
		s, err := strconv.Unquote(e.Value)
		return s, err == nil
	case *ast.ParenExpr:
		return constString(e.X)
	case *ast.BinaryExpr:
		if e.Op != token.ADD {
			return "", false
		}
		x, ok := constString(e.X)
		if !ok {
			return "", false
		}
		y, ok := constString(e.Y)
		return x + y, ok
	}
	return "", false
}

// probes are edge cases of the rules in rules.go: values at the border of
// what spec.Load accepts. Whichever Load accepts, the schema must accept.
var probes = []string{
	// Scalars written where a string is expected, empty values.
	"main: .\nbuild: {ldflags: 1, tags: [1, true, 1.5], env: {A: 1, B: true, C: ~, D: 0.5}}\n",
	"main: .\ngo: {version: 1.26, image: 1}\nruntime: {base: 1, user: 1000, workdir: ~, entrypoint: ~, args: [1, yes, null, true]}\n",
	"main: .\ngo: {version: 1.26.3}\n",
	"main: .\ngo: {version: \"1.27rc1\"}\n",
	"main: .\ngo: ~\nbuild: ~\nruntime: ~\nlabels: ~\nplatforms: ~\n",
	"main: .\nbuild: {tags: ~, env: ~, private: ~, trimpath: ~, cgo: ~, ldflags: ~}\n",
	"main: .\nruntime: {args: [], env: {}, ports: [], files: []}\n",
	// main and binaries.
	"main: \"\"\nbinaries: [{main: ./a}]\n",
	"main: ~\nbinaries: [{main: ./a}]\n",
	"main: ./a\nbinaries: []\n",
	"main: ./a\nbinaries: ~\n",
	"main: ./\n",
	"binaries: [{main: ., name: ~}, {main: ./b, name: 7}, {main: ./c, name: \"true\"}]\n",
	"binaries: [{main: \"./a\\nb\", name: ab}]\n",
	// Booleans.
	"main: .\nbuild: {trimpath: \"TRUE\", cgo: \"False\"}\n",
	"main: .\nbuild: {trimpath: True, cgo: FALSE}\n",
	"main: .\nbuild: {trimpath: tRuE}\n",
	"main: .\nbuild: {trimpath: !!str true}\n",
	// Platforms.
	"main: .\nplatforms: [LINUX/AMD64, Linux/ARM64, linux/arm, linux/arm/v6]\n",
	"main: .\nplatforms: [linux/x86_64, linux/aarch64, linux/armhf, Linux/ppc64le]\n",
	"main: .\nplatforms: [\"linux()/amd64\", linux/amd64/v3, linux/arm64/v8, linux/386, linux/riscv64]\n",
	"main: .\nplatforms: [linux/amd64, linux/x86_64]\n",
	// Ports.
	"main: .\nruntime: {ports: [1, 65535, \"65535/udp\", \"1/sctp\", 0080, 08080, \"000443/tcp\", 0777]}\n",
	"main: .\nruntime: {ports: [65536]}\n",
	// Users and paths.
	"main: .\nruntime: {base: debian:12, user: \"app:app\", workdir: /srv}\n",
	"main: .\nruntime: {base: debian:12, user: true}\n",
	"main: .\nruntime: {base: debian:12, user: 1000.5}\n",
	"main: .\nruntime: {user: \"0:0\", workdir: \"/a\\nb\"}\n",
	"main: .\nruntime: {files: [{src: 1, dst: /x}, {src: true, dst: /y/}, {src: \"a\\nb\", dst: \"/c\\nd\"}]}\n",
	// Names.
	"main: .\nbuild: {env: {_A: x, a1: y, GOFLAGS: -mod=mod, GOPRIVATE: x}}\nruntime: {env: {PORT: 8080}}\n",
	"main: .\nlabels: {\"caf\\u00e9\": x, 8080: y, org.example/x: z, ~x: y}\n",
	"main: .\nbuild: {private: [\"*.corp.example.com\", example.com/x, \"caf\\u00e9.example\", 1, true]}\n",
	"main: .\nbuild: {tags: [\"caf\\u00e9\", netgo]}\n",
	// Aliases.
	"build: {tags: &t [netgo]}\nmain: .\nruntime: {args: *t}\n",
	// Comments and an empty document.
	"# syntax=goappfrontend/go-app:1\n# yaml-language-server: $schema=../../spec/schema.json\nmain: .\n",
	"",
	"# only a comment\n",
}
