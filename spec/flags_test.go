package spec

import (
	"slices"
	"testing"
)

// TestBuildFlags checks build.flags: the flags go-app passes on are
// accepted where what they need is there, everything else is refused at
// the item's line and column with what to write instead.
func TestBuildFlags(t *testing.T) {
	for _, tc := range []struct {
		name string
		yaml string
		want []string
	}{
		{
			name: "accepted on scratch",
			yaml: yamlText("main: ./cmd/api", "build:", `  flags: [-cover, -covermode=count, "-coverpkg=./...,example.com/lib/...", -buildmode=exe, --cover]`),
		},
		{
			name: "race and pie with cgo on a libc base",
			yaml: yamlText("main: ./cmd/api", "build:", "  cgo: true", "  flags: [-race, -buildmode=pie, -covermode=atomic]", "runtime:", "  base: debian:12"),
		},
		{
			name: "race without cgo, pie on scratch",
			yaml: yamlText("main: ./cmd/api", "build:", "  flags:", "    - -race", "    - -buildmode=pie"),
			want: []string{
				`4:7 build.flags.0 "-race" needs cgo, which the race detector is built on; set build.cgo: true (and a runtime.base with a libc) or remove it`,
				`5:7 build.flags.1 "-buildmode=pie" makes a binary that needs the dynamic loader, which scratch does not have; set runtime.base to an image with a libc or remove it`,
			},
		},
		{
			name: "written wrong",
			yaml: yamlText("main: ./cmd/api", "build:", `  flags: ["", cover, "-covermode atomic", -covermode=fast, -race=true, -coverpkg=, -buildmode=plugin]`),
			want: []string{
				`3:11 build.flags.0 is empty; remove it or write a go build flag, like -cover`,
				`3:15 build.flags.1 "cover" is not a flag; flags start with "-", like -cover, with their value after "="`,
				`3:22 build.flags.2 "-covermode atomic" must be one flag, without spaces; list each flag separately, with its value after "=", like -covermode=atomic`,
				`3:43 build.flags.3 "-covermode=fast" must be -covermode=set, -covermode=count or -covermode=atomic`,
				`3:60 build.flags.4 "-race=true" takes no value; write -race, or leave it out`,
				`3:72 build.flags.5 "-coverpkg=" needs package patterns after "=", comma-separated, like -coverpkg=./...`,
				`3:84 build.flags.6 "-buildmode=plugin" cannot be used: go-app builds executables; write -buildmode=exe or -buildmode=pie`,
			},
		},
		{
			name: "set by other keys, or unknown",
			yaml: yamlText("main: ./cmd/api", "build:", "  flags: [-ldflags=-s, -tags=netgo, -pgo=off, -o=x, -gcflags=all=-N, -a]"),
			want: []string{
				`3:11 build.flags.0 "-ldflags=-s" cannot be used: use build.ldflags`,
				`3:24 build.flags.1 "-tags=netgo" cannot be used: use build.tags`,
				`3:37 build.flags.2 "-pgo=off" cannot be used: go-app uses the default.pgo of a main package's directory, as -pgo=auto does; put the profile there`,
				`3:47 build.flags.3 "-o=x" cannot be used: go-app names the binaries; use binaries[].name`,
				`3:53 build.flags.4 "-gcflags=all=-N" is not a flag build.flags passes to go build; it takes -cover, -covermode=MODE, -coverpkg=PATTERNS, -race and -buildmode=exe or pie`,
				`3:70 build.flags.5 "-a" is not a flag build.flags passes to go build; it takes -cover, -covermode=MODE, -coverpkg=PATTERNS, -race and -buildmode=exe or pie`,
			},
		},
		{
			name: "covermode set with race",
			yaml: yamlText("main: ./cmd/api", "build:", "  cgo: true", "  flags: [-race, -covermode=set]", "runtime:", "  base: debian:12"),
			want: []string{`4:18 build.flags.1 "-covermode=set" cannot be used with -race, which needs -covermode=atomic; write -covermode=atomic`},
		},
		{
			name: "wrong type",
			yaml: yamlText("main: ./cmd/api", "build:", "  flags: -cover"),
			want: []string{`3:10 build.flags must be a list of go build flags, like [-cover, -buildmode=pie], not "-cover"`},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Load("go-app.yaml", []byte(tc.yaml))
			if got := problemsOf(t, err); !slices.Equal(got, tc.want) {
				t.Errorf("problems:\n%q\nwant:\n%q", got, tc.want)
			}
		})
	}
}
