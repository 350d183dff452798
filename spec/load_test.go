package spec

import (
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

// problemsOf returns the problems of err as "line:column message", in
// order, failing the test when err is not Errors.
func problemsOf(t *testing.T, err error) []string {
	t.Helper()
	if err == nil {
		return nil
	}
	var errs Errors
	if !errors.As(err, &errs) {
		t.Fatalf("error is %T, not Errors: %v", err, err)
	}
	var got []string
	for _, e := range errs {
		got = append(got, fmt.Sprintf("%d:%d %s", e.Pos.Line, e.Pos.Column, e.Msg))
	}
	return got
}

// yamlText joins lines into a file.
func yamlText(lines ...string) string {
	return strings.Join(lines, "\n") + "\n"
}

func TestLoadErrors(t *testing.T) {
	tests := []struct {
		name string
		yaml string
		want []string
	}{
		{
			name: "top-level list",
			yaml: yamlText("- main: ./cmd/server"),
			want: []string{"1:1 the file must be a map of keys, like main: ./cmd/server, not a list"},
		},
		{
			name: "top-level scalar",
			yaml: yamlText("# syntax=goappfrontend/go-app:1", "./cmd/server"),
			want: []string{`2:1 the file must be a map of keys, like main: ./cmd/server, not "./cmd/server"`},
		},
		{
			name: "unknown top-level key with suggestion",
			yaml: yamlText("# syntax=goappfrontend/go-app:1", "mian: ./cmd/server"),
			want: []string{`2:1 unknown key "mian"; did you mean "main"?`},
		},
		{
			name: "unknown nested keys with suggestions",
			yaml: yamlText(
				"main: ./cmd/server",
				"build:",
				"  ldflag: -s -w",
				"runtime:",
				"  entrypiont: server",
				"binaries_: []",
			),
			want: []string{
				`3:3 unknown key "ldflag" in build; did you mean "ldflags"?`,
				`5:3 unknown key "entrypiont" in runtime; did you mean "entrypoint"?`,
				`6:1 unknown key "binaries_"; did you mean "binaries"?`,
			},
		},
		{
			name: "unknown key in a list item",
			yaml: yamlText(
				"binaries:",
				"  - main: ./cmd/api",
				"    nmae: api",
			),
			want: []string{`3:5 unknown key "nmae" in binaries.0; did you mean "name"?`},
		},
		{
			name: "key at the wrong level",
			yaml: yamlText(
				"main: ./cmd/server",
				"ports: [8080]",
				"env: {TZ: UTC}",
				"runtime:",
				"  version: \"1.26\"",
			),
			want: []string{
				`2:1 unknown key "ports"; did you mean "runtime.ports"?`,
				`3:1 unknown key "env"; did you mean "build.env" or "runtime.env" or "test.env"?`,
				`5:3 unknown key "version" in runtime; did you mean "go.version"?`,
			},
		},
		{
			name: "unknown key without suggestion",
			yaml: yamlText("main: ./cmd/server", "dockerfile: Dockerfile"),
			want: []string{`2:1 unknown key "dockerfile"; valid keys are module, main, binaries, go, build, platforms, runtime, labels, test`},
		},
		{
			name: "wrong types",
			yaml: yamlText(
				"main: ./cmd/server",
				"build:",
				"  tags: netgo",
				`  trimpath: "yes"`,
				"  cgo: 1",
				"  env: [A]",
				"runtime:",
				"  ports: 8080",
				"  args: {a: b}",
				"platforms: linux/amd64",
			),
			want: []string{
				`3:9 build.tags must be a list of strings, like [netgo, osusergo], not "netgo"`,
				`4:13 build.trimpath must be true or false, not "yes"`,
				`5:8 build.cgo must be true or false, not "1"`,
				`6:8 build.env must be a map of names to values, like {GOEXPERIMENT: jsonv2}, not a list`,
				`8:10 runtime.ports must be a list, like [8080, "53/udp"], not "8080"`,
				`9:9 runtime.args must be a list of strings, like [serve, --verbose], not a map`,
				`10:12 platforms must be a list of platforms, like [linux/amd64, linux/arm64], not "linux/amd64"`,
			},
		},
		{
			name: "wrong types in lists and maps",
			yaml: yamlText(
				"main: [./cmd/server]",
				"build:",
				"  tags: [netgo, [a]]",
				"labels:",
				"  team: {name: web}",
				"binaries:",
				"  - ./cmd/api",
			),
			want: []string{
				`1:7 main must be a package path, like ./cmd/server, not a list`,
				`3:17 build.tags.1 must be a string, like netgo, not a list`,
				`5:9 labels.team must be a string, not a map`,
				`7:5 binaries.0 must be a map, like {name: api, main: ./cmd/api}, not "./cmd/api"`,
			},
		},
		{
			name: "duplicate keys",
			yaml: yamlText(
				"main: ./cmd/a",
				"runtime:",
				`  user: "1000"`,
				`  user: "1001"`,
				"main: ./cmd/b",
				"labels:",
				"  team: web",
				"  team: api",
			),
			want: []string{
				`4:3 duplicate key "user" in runtime (first at line 3); remove one`,
				`5:1 duplicate key "main" (first at line 1); remove one`,
				`8:3 duplicate key "team" in labels (first at line 7); remove one`,
			},
		},
		{
			name: "both main and binaries",
			yaml: yamlText(
				"main: ./cmd/a",
				"binaries:",
				"  - main: ./cmd/b",
			),
			want: []string{"1:7 use either main or binaries, not both"},
		},
		{
			name: "empty main",
			yaml: yamlText("main:", "runtime:", "  workdir: /app"),
			want: []string{"1:6 main is empty; set it to the package to build, like ./cmd/server"},
		},
		{
			name: "empty binaries",
			yaml: yamlText("binaries: []"),
			want: []string{"1:11 binaries is empty; list at least one binary, like - main: ./cmd/api"},
		},
		{
			name: "bad main",
			yaml: yamlText("main: cmd/server"),
			want: []string{`1:7 main "cmd/server" must start with "./" to be a directory of the module; write "./cmd/server"`},
		},
		{
			name: "bad binary mains",
			yaml: yamlText(
				"binaries:",
				"  - main: /src/cmd/api",
				"  - main: ../other",
				"  - main: cmd/worker",
				"  - main: ./cmd/...",
				"  - name: x",
				"  - main: ./cmd/../..",
			),
			want: []string{
				`2:11 binaries.0.main "/src/cmd/api" must be relative to the module root, like ./cmd/server`,
				`3:11 binaries.1.main "../other" points outside the module; name a package inside it, like ./cmd/server`,
				`4:11 binaries.2.main "cmd/worker" must start with "./" to be a directory of the module; write "./cmd/worker"`,
				`5:11 binaries.3.main "./cmd/..." is a pattern; name one main package, like ./cmd/server, and list several under binaries`,
				`6:5 binaries.4.main is required; set it to the package to build, like ./cmd/api`,
				`7:11 binaries.5.main "./cmd/../.." points outside the module; name a package inside it, like ./cmd/server`,
			},
		},
		{
			name: "duplicate and bad binary names",
			yaml: yamlText(
				"binaries:",
				"  - main: ./cmd/api",
				"  - main: ./internal/api",
				"  - name: api",
				"    main: ./cmd/other",
				"  - name: ../tool",
				"    main: ./cmd/tool",
				"  - {name: x, main: ./a}",
				"  - {name: x, main: ./b}",
			),
			want: []string{
				`3:11 duplicate binary name "api" (also at line 2); give one of them another name`,
				`4:11 duplicate binary name "api" (also at line 2); give one of them another name`,
				`6:11 binaries.3.name "../tool" must be a plain file name: letters, digits, ".", "_" and "-", and not "." or ".."`,
				`9:12 duplicate binary name "x" (also at line 8); give one of them another name`,
			},
		},
		{
			name: "duplicate binary names on one line",
			yaml: yamlText("binaries: [{main: ./a/x}, {main: ./b/x}]"),
			want: []string{`1:34 duplicate binary name "x" (also at line 1, column 19); give one of them another name`},
		},
		{
			name: "platforms",
			yaml: yamlText(
				"main: ./cmd/server",
				"platforms:",
				"  - linux/amd64",
				"  - linux/sparc64",
				"  - windows/amd64",
				"  - linux/x86_64",
				"  - linux//arm",
				"  - arm64",
				"  - linux/arm",
				"  - linux/arm/v7",
			),
			want: []string{
				`4:5 platforms.1 "linux/sparc64" is not a platform go-app builds for; use ` + supported,
				`5:5 platforms.2 "windows/amd64" is not a Linux platform; go-app builds Linux images only, so use linux/<arch>, like linux/amd64`,
				`6:5 platforms.3 "linux/x86_64" is the same platform as platforms.0 (linux/amd64); remove one`,
				`7:5 platforms.4 "linux//arm" is not a platform; write os/arch or os/arch/variant, like linux/arm64`,
				`8:5 platforms.5 "arm64" must be os/arch, like linux/arm64`,
				`10:5 platforms.7 "linux/arm/v7" is the same platform as platforms.6 (linux/arm/v7); remove one`,
			},
		},
		{
			name: "user on scratch",
			yaml: yamlText("main: ./cmd/server", "runtime:", "  user: nonroot"),
			want: []string{`3:9 runtime.user "nonroot" must be a numeric UID or UID:GID on scratch, like "65532:65532"; user names need a runtime.base that defines them`},
		},
		{
			name: "bad users",
			yaml: yamlText(
				"binaries:",
				"  - main: ./cmd/a",
				"runtime:",
				"  base: debian:12",
				`  user: "1:2:3"`,
			),
			want: []string{`5:9 runtime.user "1:2:3" must be "USER" or "USER:GROUP", like "65532:65532" or "app:app"`},
		},
		{
			name: "user id out of range",
			yaml: yamlText("main: ./cmd/server", "runtime:", `  user: "1000:2147483648"`),
			want: []string{`3:9 runtime.user "1000:2147483648" has an ID out of range; use IDs from 0 to 2147483647`},
		},
		{
			name: "ports",
			yaml: yamlText(
				"main: ./cmd/server",
				"runtime:",
				`  ports: [8080, 0, "70000/tcp", 53/udp, 80/http, 99999999999999999999999]`,
			),
			want: []string{
				`3:17 runtime.ports.1 "0" is not a port; use a number from 1 to 65535, optionally followed by /tcp, /udp or /sctp, like 8080 or "53/udp"`,
				`3:20 runtime.ports.2 "70000/tcp" is not a port; use a number from 1 to 65535, optionally followed by /tcp, /udp or /sctp, like 8080 or "53/udp"`,
				`3:41 runtime.ports.4 "80/http" is not a port; use a number from 1 to 65535, optionally followed by /tcp, /udp or /sctp, like 8080 or "53/udp"`,
				`3:50 runtime.ports.5 "99999999999999999999999" is not a port; use a number from 1 to 65535, optionally followed by /tcp, /udp or /sctp, like 8080 or "53/udp"`,
			},
		},
		{
			name: "env keys",
			yaml: yamlText(
				"main: ./cmd/server",
				"build:",
				"  env:",
				"    GOOS: windows",
				`    CGO_ENABLED: "1"`,
				"    MY-VAR: x",
				"    GOFLAGS: -mod=mod",
				"runtime:",
				"  env:",
				"    1BAD: x",
				"    GOOD_1: y",
			),
			want: []string{
				`4:11 build.env.GOOS is set by go-app from the target platform; use --platform or platforms: instead`,
				`5:18 build.env.CGO_ENABLED is set by go-app; use build.cgo: true instead`,
				`6:13 build.env key "MY-VAR" is not a valid variable name; use letters, digits and "_", not starting with a digit`,
				`10:11 runtime.env key "1BAD" is not a valid variable name; use letters, digits and "_", not starting with a digit`,
			},
		},
		{
			name: "tags",
			yaml: yamlText("main: ./cmd/server", "build:", `  tags: [netgo, "a,b", "", "x y"]`),
			want: []string{
				`3:17 build.tags.1 "a,b" must be one tag, without spaces or commas; list each tag separately`,
				`3:24 build.tags.2 is empty; remove it or name a build tag`,
				`3:28 build.tags.3 "x y" must be one tag, without spaces or commas; list each tag separately`,
			},
		},
		{
			name: "private module patterns",
			yaml: yamlText(
				"main: ./cmd/server",
				"build:",
				"  private:",
				"    - example.com/private",
				`    - "*.corp.example.com"`,
				`    - ""`,
				"    - a.example/x,b.example/y",
				"    - a.example/x b.example/y",
				"    - https://github.com/org/*",
				"    - /corp/x",
				"    - github.com/org/...",
				"    - git.corp/[team",
				"    - git.corp/team/",
			),
			want: []string{
				`6:7 build.private.2 is empty; remove it or write a module path pattern, like example.com/private`,
				`7:7 build.private.3 "a.example/x,b.example/y" must be one pattern, without spaces or commas; list each pattern separately`,
				`8:7 build.private.4 "a.example/x b.example/y" must be one pattern, without spaces or commas; list each pattern separately`,
				`9:7 build.private.5 "https://github.com/org/*" is a URL; write the module path without a scheme, like "github.com/org/*"`,
				`10:7 build.private.6 "/corp/x" must not start with "/"; module paths start with a host name, like example.com/private`,
				`11:7 build.private.7 "github.com/org/..." uses "...", which GOPRIVATE does not know; a pattern already matches every module path it is a prefix of, so write "github.com/org"`,
				`12:7 build.private.8 "git.corp/[team" is not a valid pattern (syntax error in pattern); use * and ? wildcards, like *.corp.example.com`,
			},
		},
		{
			name: "private modules and GOPRIVATE",
			yaml: yamlText(
				"main: ./cmd/server",
				"build:",
				"  private: [example.com/private]",
				"  env:",
				"    GOPRIVATE: example.com/other",
				"    GONOPROXY: none",
			),
			want: []string{`5:16 build.env.GOPRIVATE conflicts with build.private; list the patterns in build.private only`},
		},
		{
			name: "private module types",
			yaml: yamlText(
				"main: ./cmd/server",
				"build:",
				"  private: example.com/private",
			),
			want: []string{
				`3:12 build.private must be a list of module path patterns, like [example.com/private, "*.corp.example.com"], not "example.com/private"`,
			},
		},
		{
			name: "private module item types",
			yaml: yamlText(
				"main: ./cmd/server",
				"build:",
				"  private: [[example.com/a], {b: c}, 42]",
			),
			want: []string{
				`3:13 build.private.0 must be a module path pattern, like example.com/private, not a list`,
				`3:30 build.private.1 must be a module path pattern, like example.com/private, not a map`,
			},
		},
		{
			name: "files",
			yaml: yamlText(
				"main: ./cmd/server",
				"runtime:",
				"  files:",
				"    - src: /etc/passwd",
				"      dst: /etc/passwd",
				"    - src: ../secret",
				"      dst: relative/path",
				"    - src: config",
				"      dst: /",
				"    - dst: /x",
			),
			want: []string{
				`4:12 runtime.files.0.src "/etc/passwd" must be relative to the build context, like config/app.yaml`,
				`6:12 runtime.files.1.src "../secret" points outside the build context; name a path inside it`,
				`7:12 runtime.files.1.dst "relative/path" must be an absolute path in the image, like /etc/app/`,
				`9:12 runtime.files.2.dst must not be the root directory; copy into a directory like /etc/app/`,
				`10:7 runtime.files.3.src is required; set it to a path in the build context, like config/app.yaml`,
			},
		},
		{
			name: "labels",
			yaml: yamlText("main: ./cmd/server", "labels:", `  "bad key": x`, `  "": y`, "  good.key: z"),
			want: []string{
				`3:14 label key "bad key" must not contain spaces; use a name like org.example.team`,
				`4:7 labels has an empty key; give every label a name`,
			},
		},
		{
			name: "cgo dynamic on scratch",
			yaml: yamlText("main: ./cmd/server", "build:", "  cgo: true", "  cgo_link: dynamic"),
			want: []string{"4:13 build.cgo_link: dynamic needs a libc, which scratch does not have; set runtime.base to an image with glibc (like gcr.io/distroless/base-debian12) or remove build.cgo_link to link statically"},
		},
		{
			name: "cgo packages",
			yaml: yamlText("main: ./cmd/server", "build:",
				"  cgo_link: shared",
				"  env: {CC: clang}",
				`  cgo_packages: [libsqlite3-dev, "libz-dev:arm64", "libssl-dev=3.0", LibPng-dev, "-y", "a", "lib_foo", libsqlite3-dev]`),
			want: []string{
				`3:13 build.cgo_link "shared" must be static or dynamic`,
				`5:17 build.cgo_packages needs build.cgo: true; set it, or remove build.cgo_packages`,
				`5:34 build.cgo_packages.1 "libz-dev:arm64" names an architecture (arm64); go-app installs each package for the target platform's architecture, so write "libz-dev"`,
				`5:52 build.cgo_packages.2 "libssl-dev=3.0" pins a version (3.0); the toolchain image's distribution decides the version, so write "libssl-dev"`,
				`5:70 build.cgo_packages.3 "LibPng-dev" is not a Debian package name: they are lower case; write "libpng-dev"`,
				`5:82 build.cgo_packages.4 "-y" is not a Debian package name: it starts with "-", like an option; name a package, like libsqlite3-dev`,
				`5:88 build.cgo_packages.5 "a" is not a Debian package name: use lower case letters, digits, "+", "-" and ".", at least two, starting with a letter or digit, like libsqlite3-dev`,
				`5:93 build.cgo_packages.6 "lib_foo" is not a Debian package name: use lower case letters, digits, "+", "-" and ".", at least two, starting with a letter or digit, like libsqlite3-dev`,
				`5:104 build.cgo_packages.7 "libsqlite3-dev" is already build.cgo_packages.0; remove one`,
			},
		},
		{
			name: "cgo for a platform without a Debian port",
			yaml: yamlText("main: ./cmd/server", "platforms: [linux/arm64, linux/arm/v6, linux/loong64]", "build:", "  cgo: true"),
			want: []string{
				`2:26 platforms.1 "linux/arm/v6" has no Debian C toolchain, which build.cgo needs; build for linux/amd64, linux/arm64, linux/arm/v7, linux/386, linux/ppc64le, linux/s390x, linux/riscv64, linux/mips64le, or without cgo`,
				`2:40 platforms.2 "linux/loong64" has no Debian C toolchain, which build.cgo needs; build for linux/amd64, linux/arm64, linux/arm/v7, linux/386, linux/ppc64le, linux/s390x, linux/riscv64, linux/mips64le, or without cgo`,
			},
		},
		{
			name: "cgo pins the C toolchain",
			yaml: yamlText("main: ./cmd/server", "build:", "  cgo: true", "  env: {CC: clang, CGO_LDFLAGS: -lz}"),
			want: []string{"4:13 build.env.CC is set by go-app for the target platform's C toolchain when build.cgo is true; remove it"},
		},
		{
			name: "go version and images",
			yaml: yamlText(
				"main: ./cmd/server",
				"go:",
				`  version: "1.26.x"`,
				`  image: "Golang:1.26"`,
				"runtime:",
				`  base: "not a ref"`,
				"  workdir: app",
			),
			want: []string{
				`3:12 go.version "1.26.x" is not a Go version; use one like "1.26" or "1.26.3"`,
				`4:10 go.image "Golang:1.26" is not a valid image reference (invalid reference format: repository name (library/Golang) must be lowercase); use one like golang:1.26`,
				`6:9 runtime.base "not a ref" is not scratch or a valid image reference (invalid reference format); use one like alpine:3.22`,
				`7:12 runtime.workdir "app" must be an absolute path, like /app`,
			},
		},
		{
			name: "entrypoint",
			yaml: yamlText(
				"binaries:",
				"  - main: ./cmd/api",
				"  - main: ./cmd/worker",
				"runtime:",
				"  entrypoint: apii",
			),
			want: []string{`5:15 runtime.entrypoint "apii" is not a binary of this spec; use one of: api, worker`},
		},
		{
			name: "decoding and validation problems together",
			yaml: yamlText(
				"mian: ./cmd/server",
				"build:",
				"  tags: [netgo]",
				"  cgo_link: dynamic",
				"runtime:",
				`  ports: ["99999"]`,
				"  workdir: app",
				"  user: [1000]",
			),
			want: []string{
				`1:1 unknown key "mian"; did you mean "main"?`,
				`4:13 build.cgo_link needs build.cgo: true; set it, or remove build.cgo_link`,
				`4:13 build.cgo_link: dynamic needs a libc, which scratch does not have; set runtime.base to an image with glibc (like gcr.io/distroless/base-debian12) or remove build.cgo_link to link statically`,
				`6:11 runtime.ports.0 "99999" is not a port; use a number from 1 to 65535, optionally followed by /tcp, /udp or /sctp, like 8080 or "53/udp"`,
				`7:12 runtime.workdir "app" must be an absolute path, like /app`,
				`8:9 runtime.user must be a user, like "65532:65532", not a list`,
			},
		},
		{
			name: "tab indentation",
			yaml: yamlText("main: ./cmd/server", "build:", "\tcgo: true"),
			want: []string{"3:0 invalid YAML: found character that cannot start any token; indent with spaces, YAML does not allow tabs"},
		},
		{
			name: "second document",
			yaml: yamlText("main: ./cmd/server", "---", "main: ./cmd/other"),
			want: []string{"2:1 the file holds a second YAML document (the first is at line 1), which go-app would ignore; go-app.yaml is one document: remove this --- line and what follows, or merge the two"},
		},
		{
			name: "third document after an empty one",
			yaml: yamlText("main: ./cmd/server", "---", "# nothing", "---", "runtime: {base: debian:12}"),
			want: []string{"4:1 the file holds a second YAML document (the first is at line 1), which go-app would ignore; go-app.yaml is one document: remove this --- line and what follows, or merge the two"},
		},
		{
			name: "merge key",
			yaml: yamlText("base: &base {user: \"1000\"}", "main: ./cmd/server", "runtime:", "  <<: *base"),
			want: []string{
				`1:1 unknown key "base"; did you mean "runtime.base"?`,
				`4:3 merge keys (<<) in runtime are not supported; write the keys out`,
			},
		},
		{
			name: "complex key",
			yaml: yamlText("main: ./cmd/server", "? [a, b]", ": c"),
			want: []string{`2:3 a key is a list; keys must be plain names`},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := Load("go-app.yaml", []byte(tt.yaml))
			if s == nil {
				t.Fatal("Load returned a nil spec")
			}
			got := problemsOf(t, err)
			if !slices.Equal(got, tt.want) {
				t.Errorf("problems:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(tt.want, "\n"))
			}
		})
	}
}

func TestLoadValuesAndPositions(t *testing.T) {
	data := yamlText(
		"# syntax=goappfrontend/go-app:1",
		"binaries:",
		"  - name: api",
		"    main: ./cmd/api",
		"build:",
		"  ldflags: -s -w",
		"  env:",
		"    GOEXPERIMENT: jsonv2",
		"runtime:",
		`  ports: [8080, "53/udp"]`,
		"  files:",
		"    - src: config.yaml",
		"      dst: /etc/app/",
		"platforms:",
		"  - linux/amd64",
		"labels:",
		"  foo: bar",
		"go:",
		"  version: 1.20",
	)
	s, err := Load("app.yaml", []byte(data))
	if err != nil {
		t.Fatal(err)
	}
	if s.Source.Filename != "app.yaml" || string(s.Source.Data) != data {
		t.Errorf("Source = %q, %q", s.Source.Filename, s.Source.Data)
	}
	wantPos := map[string]Position{
		"binaries":               {3, 3},
		"binaries.0":             {3, 5},
		"binaries.0.name":        {3, 11},
		"binaries.0.main":        {4, 11},
		"build":                  {6, 3},
		"build.ldflags":          {6, 12},
		"build.env":              {8, 5},
		"build.env.GOEXPERIMENT": {8, 19},
		"runtime":                {10, 3},
		"runtime.ports":          {10, 10},
		"runtime.ports.0":        {10, 11},
		"runtime.ports.1":        {10, 17},
		"runtime.files":          {12, 5},
		"runtime.files.0":        {12, 7},
		"runtime.files.0.src":    {12, 12},
		"runtime.files.0.dst":    {13, 12},
		"platforms":              {15, 3},
		"platforms.0":            {15, 5},
		"labels":                 {17, 3},
		"labels.foo":             {17, 8},
		"go":                     {19, 3},
		"go.version":             {19, 12},
	}
	for path, want := range wantPos {
		if got := s.Source.Pos(path); got != want {
			t.Errorf("Pos(%q) = %v, want %v", path, got, want)
		}
	}
	if len(s.Source.Positions) != len(wantPos) {
		t.Errorf("Positions has %d paths, want %d: %v", len(s.Source.Positions), len(wantPos), s.Source.Positions)
	}
	if got, want := s.Binaries, []Binary{{Name: "api", Main: "./cmd/api", Pos: Position{3, 5}}}; !slices.Equal(got, want) {
		t.Errorf("Binaries = %v, want %v", got, want)
	}
	if got, want := s.Runtime.Files, []File{{Src: "config.yaml", Dst: "/etc/app/", Pos: Position{12, 7}}}; !slices.Equal(got, want) {
		t.Errorf("Files = %v, want %v", got, want)
	}
	if got, want := s.Runtime.Ports, []string{"8080", "53/udp"}; !slices.Equal(got, want) {
		t.Errorf("Ports = %q, want %q", got, want)
	}
	if s.Build.Ldflags != "-s -w" || s.Build.Env["GOEXPERIMENT"] != "jsonv2" || s.Labels["foo"] != "bar" {
		t.Errorf("Build = %+v, Labels = %v", s.Build, s.Labels)
	}
	if s.Go.Version != "1.20" {
		t.Errorf("go.version = %q, want the text as written, 1.20", s.Go.Version)
	}
}

func TestLoadScalars(t *testing.T) {
	s, err := Load("go-app.yaml", []byte(yamlText(
		"main: ./cmd/server",
		"build:",
		"  trimpath: false",
		"  cgo: TRUE",
		"  env: {GOFLAGS: ~}",
		"runtime:",
		"  base: debian:12",
		"  user: 1000",
		"  env: {PORT: 8080, DEBUG: true, RATIO: 0.5}",
		"  args: [1, yes, null]",
		"  workdir:",
	)))
	if err != nil {
		t.Fatal(err)
	}
	if s.Build.Trimpath == nil || *s.Build.Trimpath || !s.Build.Cgo {
		t.Errorf("trimpath %v, cgo %v", s.Build.Trimpath, s.Build.Cgo)
	}
	if got, want := s.Runtime.Env, map[string]string{"PORT": "8080", "DEBUG": "true", "RATIO": "0.5"}; !reflect.DeepEqual(got, want) {
		t.Errorf("runtime.env = %v, want %v", got, want)
	}
	if got, want := s.Build.Env, map[string]string{"GOFLAGS": ""}; !reflect.DeepEqual(got, want) {
		t.Errorf("build.env = %v, want %v", got, want)
	}
	if got, want := s.Runtime.Args, []string{"1", "yes", ""}; !slices.Equal(got, want) {
		t.Errorf("args = %q, want %q", got, want)
	}
	if s.Runtime.User != "1000" || s.Runtime.Workdir != "" {
		t.Errorf("user %q, workdir %q", s.Runtime.User, s.Runtime.Workdir)
	}
}

func TestLoadAliases(t *testing.T) {
	s, err := Load("go-app.yaml", []byte(yamlText(
		"build:",
		"  tags: &tags [netgo, osusergo]",
		"main: ./cmd/server",
		"runtime:",
		"  args: *tags",
	)))
	if err != nil {
		t.Fatal(err)
	}
	if got, want := s.Runtime.Args, []string{"netgo", "osusergo"}; !slices.Equal(got, want) {
		t.Errorf("args = %q, want %q", got, want)
	}
	if got, want := s.Source.Pos("runtime.args"), (Position{5, 9}); got != want {
		t.Errorf("runtime.args at %v, want %v (the alias)", got, want)
	}
	if got, want := s.Source.Pos("runtime.args.1"), (Position{2, 23}); got != want {
		t.Errorf("runtime.args.1 at %v, want %v (the anchored list)", got, want)
	}
}

func TestLoadAliasBomb(t *testing.T) {
	// 2000 aliases of a map with 200 keys: 400,000 entries once expanded.
	var b strings.Builder
	b.WriteString("x: &m {main: ./cmd/x")
	for i := range 200 {
		fmt.Fprintf(&b, ", k%d: v", i)
	}
	b.WriteString("}\nbinaries: [*m")
	b.WriteString(strings.Repeat(", *m", 1999))
	b.WriteString("]\n")
	_, err := Load("go-app.yaml", []byte(b.String()))
	got := problemsOf(t, err)
	// The root map, the keys x and binaries and the list are 4 values (x
	// is an unknown key: its value is not read). Each alias is 203: the
	// map, its 201 keys and the value of main, the one known key (the
	// values of unknown keys are not read either). 4 + 49*203 = 9951, so
	// the 50th alias crosses 10000; it is at column 12 + 49*4 of line 2.
	// Only that problem is reported: the file is refused as too big
	// before anything in it is looked at.
	if len(got) != 1 || !strings.HasPrefix(got[0], "2:208 ") || !strings.HasSuffix(got[0], "the file holds more than 10000 values (counting what aliases repeat); make it smaller") {
		t.Errorf("problems = %.300q; want one, that the file holds more than 10000 values", got)
	}
}

func FuzzLoad(f *testing.F) {
	seeds := []string{
		"",
		"# syntax=goappfrontend/go-app:1\nmain: ./cmd/server\n",
		"- a\n- b\n",
		"hello\n",
		"main: [./x]\nmian: y\n",
		"binaries:\n  - main: ./cmd/api\n  - {name: w, main: ./cmd/w}\nruntime:\n  entrypoint: w\n",
		"a: &a [x, *a]\n",
		"x: &a {main: y}\n<<: *a\n",
		"runtime:\n  ports: [8080, \"53/udp\", 99999999999999999999]\n  files: [{src: a, dst: /b}, ~, [1]]\n",
		"labels: {~: x, [a]: b, {c: d}: e}\n",
		"build: {env: {GOOS: x}, tags: [a, ~], trimpath: ~, cgo: !!bool yes}\n",
		"platforms: [linux/arm, linux/amd64/v3, linux(1.0)/amd64, '*']\n",
		"main: .\n---\nmain: ./x\n",
		"\tmain: x\n",
		"main: !!binary aGVsbG8=\n",
		"? [a]\n: b\n",
		docExample(f),
	}
	for _, s := range seeds {
		f.Add([]byte(s))
	}
	gomod := []byte("module example.com/app\n\ngo 1.26.2\n")
	f.Fuzz(func(t *testing.T, data []byte) {
		checkNodeBound(t, data)
		s, err := Load("go-app.yaml", data)
		if s == nil {
			t.Fatal("nil spec")
		}
		if err != nil {
			if _, ok := err.(Errors); !ok {
				t.Fatalf("error is %T, not Errors: %v", err, err)
			}
			errs := err.(Errors)
			if len(errs) > MaxErrors+1 {
				t.Fatalf("%d problems, more than MaxErrors and the one that counts the rest", len(errs))
			}
			for _, e := range errs {
				if e == nil || e.Msg == "" {
					t.Fatalf("empty problem in %v", err)
				}
				if len(e.Msg) > 1024 {
					t.Fatalf("a message of %d bytes: %.300s", len(e.Msg), e.Msg)
				}
			}
			return
		}
		if err := s.FillDefaults(gomod); err != nil {
			if _, ok := err.(Errors); !ok {
				t.Fatalf("FillDefaults error is %T, not Errors: %v", err, err)
			}
		}
	})
}

// build.cache_private is a bool: anything else, however large, is refused
// at its position with a short message.
func TestCachePrivateType(t *testing.T) {
	for _, v := range []string{`"yes"`, strings.Repeat("x", 1<<19)} {
		_, err := Load("go-app.yaml", []byte(yamlText("main: ./cmd/server", "build:", "  cache_private: "+v)))
		if err == nil || !strings.Contains(err.Error(), "go-app.yaml:3:18: build.cache_private must be true or false") {
			t.Errorf("cache_private: %.20s...: err = %.300v", v, err)
		}
		if err != nil && len(err.Error()) > 4096 {
			t.Errorf("the error for a %d-byte value is %d bytes long", len(v), len(err.Error()))
		}
	}
}

// checkNodeBound checks what MaxFileNodes relies on: a document has at
// most three nodes for each byte of data that startsNode counts, plus
// three (a collection, its first key and its value can follow one
// separator, or none at the start: "0:" is three nodes and one colon).
func checkNodeBound(t *testing.T, data []byte) {
	if len(data) > 4096 {
		return
	}
	root := parse(data, &problems{})
	if root == nil {
		return
	}
	seps := 0
	for _, c := range data {
		if startsNode(c) {
			seps++
		}
	}
	if n := countNodes(root); n > 3*(seps+1) {
		t.Fatalf("%d nodes, more than three for each of %d bytes that can start one, plus three: %q", n, seps, data)
	}
}

// countNodes counts the nodes of a tree, an alias as one.
func countNodes(n *yaml.Node) int {
	c := 1
	for _, child := range n.Content {
		c += countNodes(child)
	}
	return c
}
