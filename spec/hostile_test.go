package spec

import (
	"slices"
	"strings"
	"testing"
)

// TestAcceptedButWrong has one case per spec that used to be accepted and
// then built a broken image (or failed far from the spec line): each is
// now a problem at its position that says what to change.
func TestAcceptedButWrong(t *testing.T) {
	long := strings.Repeat("a", 256)
	// Positions are those of the offending value; a build.env problem is
	// at the variable's value, as the existing ones are.
	tests := []struct {
		name string
		yaml string
		want []string
	}{
		{"GOTOOLCHAIN", yamlText("main: ./cmd/x", "build:", "  env:", "    GOTOOLCHAIN: go1.27.0"),
			[]string{"4:18 build.env.GOTOOLCHAIN is set by go-app to local, so that the toolchain image's Go builds; set go.version (or go.image) to build with another Go"}},
		{"PATH into the context", yamlText("main: ./cmd/x", "build:", "  env: {PATH: /src/bin}"),
			[]string{"3:15 build.env.PATH is the toolchain image's, so that go is the image's Go (a PATH into the build context would run a go from the repository); set go.image to build with another toolchain"}},
		{"GOCACHE and GOMODCACHE", yamlText("main: ./cmd/x", "build:", "  env: {GOCACHE: /tmp/c, GOMODCACHE: /tmp/m}"),
			[]string{
				"3:18 build.env.GOCACHE is set by go-app to its build cache mount (and the layers --cache-to exports); remove it",
				"3:38 build.env.GOMODCACHE is set by go-app to its module cache mount (and the layers --cache-to exports); remove it",
			}},
		{"HOME and NETRC", yamlText("main: ./cmd/x", "build:", "  env: {HOME: /src, NETRC: /src/.netrc}"),
			[]string{
				"3:15 build.env.HOME is the toolchain image's: go-app puts the netrc secret in $HOME/.netrc there; remove it",
				"3:28 build.env.NETRC is set by go-app to the build secret netrc; pass --secret id=netrc,src=$HOME/.netrc instead",
			}},
		{"pinned in test.env", yamlText("main: ./cmd/x", "test:", "  env: {GOFLAGS: -v, SSH_AUTH_SOCK: /x}"),
			[]string{"3:37 test.env.SSH_AUTH_SOCK is set by go-app to the agent of --ssh default; pass --ssh default instead"}},
		{"GOPPC64", yamlText("main: ./cmd/x", "build:", "  env: {GOPPC64: power10}"),
			[]string{"3:18 build.env.GOPPC64 selects the CPU of ppc64le binaries, which go-app leaves at Go's default: the image's platform, linux/ppc64le, has no variant to say that its binaries need another CPU; remove it"}},
		{"GORISCV64 and GOMIPS64", yamlText("main: ./cmd/x", "build:", "  env: {GORISCV64: rva23u64, GOMIPS64: softfloat}"),
			[]string{
				"3:20 build.env.GORISCV64 selects the CPU of riscv64 binaries, which go-app leaves at Go's default: the image's platform, linux/riscv64, has no variant to say that its binaries need another CPU; remove it",
				"3:40 build.env.GOMIPS64 selects the CPU of mips64le binaries, which go-app leaves at Go's default: the image's platform, linux/mips64le, has no variant to say that its binaries need another CPU; remove it",
			}},
		{"GOMIPS", yamlText("main: ./cmd/x", "build:", "  env: {GOMIPS: softfloat}"),
			[]string{"3:17 build.env.GOMIPS selects the CPU level of an architecture go-app does not build for; remove it"}},
		{"GOAMD64 names its variant", yamlText("main: ./cmd/x", "build:", "  env: {GOAMD64: v3}"),
			[]string{"3:18 build.env.GOAMD64 selects the CPU of amd64 binaries, which go-app sets from the target platform's variant so that the image says what CPU it needs; use --platform or platforms: with a variant, like linux/amd64/v3"}},
		{"a file over a binary", yamlText("main: ./cmd/server", "runtime:", "  files:", "    - {src: server, dst: /usr/local/bin/server}", "    - {src: tools/server, dst: /usr/local/bin/}", "    - {src: a, dst: /usr/local/bin/serverless}"),
			[]string{
				`4:26 runtime.files.0 copies "server" to "/usr/local/bin/server", the path of the binary server, which it would replace; copy it elsewhere, like "/usr/local/share/server/"`,
				`5:32 runtime.files.1 copies "tools/server" to "/usr/local/bin/server", the path of the binary server, which it would replace; copy it elsewhere, like "/usr/local/share/server/"`,
			}},
		{"healthcheck of a path scratch lacks", yamlText("main: ./cmd/server", "runtime:", "  healthcheck: {command: [/bin/sh, -c, 'true']}"),
			[]string{`3:27 runtime.healthcheck.command.0 "/bin/sh" is not in the image: on scratch it holds only the binaries (/usr/local/bin/NAME) and runtime.files, so the check could never run; name a binary, like server, or set runtime.base to an image that has "/bin/sh"`}},
		{"long names are listed short", yamlText("binaries:", "  - {name: "+long+", main: ./cmd/a}", "runtime:", "  entrypoint: b"),
			[]string{
				`2:12 binaries.0.name "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa..." is 256 bytes long; file systems allow at most 255 bytes in a name`,
				`4:15 runtime.entrypoint "b" is not a binary of this spec; use one of: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa...`,
			}},
		{"entrypoint of a path", yamlText("main: ./cmd/server", "runtime:", "  entrypoint: /bin/sh"),
			[]string{`3:15 runtime.entrypoint "/bin/sh" is not a binary of this spec; use one of: server`}},
		{"two documents", yamlText("main: ./cmd/x", "---", "runtime: {base: debian:12}"),
			[]string{"2:1 the file holds a second YAML document (the first is at line 1), which go-app would ignore; go-app.yaml is one document: remove this --- line and what follows, or merge the two"}},
		{"go.version with go.image", yamlText("main: ./cmd/x", "go:", "  version: \"1.25\"", "  image: golang:1.26"),
			[]string{"3:12 go.version is not used when go.image is set (line 4): the image's Go builds; remove go.version, or go.image to build with docker.io/library/golang:1.25"}},
		{"NUL in a binary name", yamlText("binaries:", `  - {name: "a\0b", main: ./cmd/a}`),
			[]string{`2:12 binaries.0.name "a\x00b" holds a NUL byte at byte 2, which no program, file name or label can carry; remove it`}},
		{"NUL in an argument", yamlText("main: ./cmd/x", "runtime:", `  args: ["--a\0"]`),
			[]string{`3:10 runtime.args.0 "--a\x00" holds a NUL byte at byte 4, which no program, file name or label can carry; remove it`}},
		{"control character in a tag", yamlText("main: ./cmd/x", "build:", `  tags: ["net\x1bgo"]`),
			[]string{`3:10 build.tags.0 "net\x1bgo" holds the control character U+001B at byte 4; remove it (write names, paths and tags in printable characters)`}},
		{"control character in an env name", yamlText("main: ./cmd/x", "runtime:", `  env: {"A\tB": x}`),
			[]string{`3:9 the key "A\tB" of runtime.env holds the control character U+0009 at byte 2; remove it (write names, paths and tags in printable characters)`}},
		{"line break in a path", yamlText("main: ./cmd/x", "runtime:", `  files: [{src: "a\nb", dst: /etc/}]`),
			[]string{`3:17 runtime.files.0.src "a\nb" holds the control character U+000A at byte 2; remove it (write names, paths and tags in printable characters)`}},
		{"a binary name too long", yamlText("binaries:", "  - {name: "+long+", main: ./cmd/a}"),
			[]string{`2:12 binaries.0.name "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa..." is 256 bytes long; file systems allow at most 255 bytes in a name`}},
		{"a package element too long", yamlText("main: ./cmd/" + long),
			[]string{`1:7 main "./cmd/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa..." has an element of 256 bytes, "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa..."; file systems allow at most 255 bytes in a name`}},
		{"a destination element too long", yamlText("main: ./cmd/x", "runtime:", "  files: [{src: a, dst: /etc/"+long+"}]"),
			[]string{`3:25 runtime.files.0.dst has an element of 256 bytes, "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa..."; file systems allow at most 255 bytes in a name`}},
		{"homoglyph key", yamlText("m\u0430in: ./cmd/x"),
			[]string{`1:1 unknown key "m\u0430in" (U+0430 at character 2, not ASCII); did you mean "main"?`}},
		{"invisible character in a key", yamlText("main: ./cmd/x", "runtime:", "  user\u200b: \"1\""),
			[]string{`3:3 unknown key "user\u200b" (U+200B at character 5, not ASCII) in runtime; did you mean "user"?`}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Load("go-app.yaml", []byte(tc.yaml))
			if got := problemsOf(t, err); !slices.Equal(got, tc.want) {
				t.Errorf("problems:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(tc.want, "\n"))
			}
		})
	}
}
