package spec

import (
	"slices"
	"strings"
	"testing"
)

func TestTestSection(t *testing.T) {
	data := yamlText(
		"main: ./cmd/server",
		"test:",
		"  packages: [./..., ./internal/x]",
		"  flags: [-count=1, -short, \"-run=Test A|TestB\", -tags=integration]",
		"  env:",
		"    APP_ENV: test",
		"  race: true",
	)
	s, err := Load("go-app.yaml", []byte(data))
	if err != nil {
		t.Fatal(err)
	}
	want := Test{
		Packages: []string{"./...", "./internal/x"},
		Flags:    []string{"-count=1", "-short", "-run=Test A|TestB", "-tags=integration"},
		Env:      map[string]string{"APP_ENV": "test"},
		Race:     true,
	}
	if !slices.Equal(s.Test.Packages, want.Packages) || !slices.Equal(s.Test.Flags, want.Flags) ||
		s.Test.Env["APP_ENV"] != "test" || !s.Test.Race {
		t.Errorf("test = %+v, want %+v", s.Test, want)
	}
	if p := s.Source.Pos("test.flags.2"); p.Line != 4 {
		t.Errorf("test.flags.2 at %v, want line 4", p)
	}
	// Defaults: ./... when packages is not set, and the spec's own value
	// otherwise.
	if err := s.FillDefaults([]byte("module example.com/server\n\ngo 1.26\n")); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(s.Test.Packages, want.Packages) {
		t.Errorf("FillDefaults changed test.packages to %q", s.Test.Packages)
	}
	s, err = Load("go-app.yaml", []byte("main: ./cmd/server\n"))
	if err != nil {
		t.Fatal(err)
	}
	if err := s.FillDefaults([]byte("module example.com/server\n\ngo 1.26\n")); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(s.Test.Packages, []string{"./..."}) {
		t.Errorf("default test.packages = %q, want [./...]", s.Test.Packages)
	}
	// The default is a copy: changing one spec does not change the next.
	s.Test.Packages[0] = "./changed"
	if DefaultTestPackages[0] != "./..." {
		t.Errorf("DefaultTestPackages changed to %q", DefaultTestPackages)
	}
}

func TestTestSectionErrors(t *testing.T) {
	for _, tc := range []struct {
		name string
		yaml string
		want []string
	}{
		{
			name: "packages",
			yaml: yamlText(
				"main: ./cmd/server",
				"test:",
				`  packages: ["", -short, "./a ./b", /abs/..., ../other/..., internal/...]`,
			),
			want: []string{
				`3:14 test.packages.0 is empty; remove it or name packages, like ./...`,
				`3:18 test.packages.1 "-short" is a flag; put it under test.flags`,
				`3:26 test.packages.2 "./a ./b" must be one package pattern, without spaces; list each pattern separately`,
				`3:37 test.packages.3 "/abs/..." must be relative to the module root, like ./...`,
				`3:47 test.packages.4 "../other/..." points outside the module; name packages inside it, like ./...`,
				`3:61 test.packages.5 "internal/..." must start with "./" to be a directory of the module; write "./internal/..."`,
			},
		},
		{
			name: "empty packages",
			yaml: yamlText("main: ./cmd/server", "test:", "  packages: []"),
			want: []string{`3:13 test.packages is empty; remove it to test ./... or list packages, like [./...]`},
		},
		{
			name: "flags",
			yaml: yamlText(
				"main: ./cmd/server",
				"test:",
				"  flags:",
				"    - -run",
				"    - TestA",
				"    - ./...",
				"    - -race",
				"    - --c",
				"    - -o=x.test",
				"    - -args",
				"    - -C=sub",
				"    - -n",
				`    - "-run TestA"`,
				`    - ""`,
			),
			want: []string{
				`5:7 test.flags.1 "TestA" is not a flag; write a flag and its value as one item, like "-run=TestA"`,
				`6:7 test.flags.2 "./..." is not a flag; flags start with "-", like -short (packages go under test.packages)`,
				`7:7 test.flags.3 "-race" cannot be used: use test.race: true, which also sets CGO_ENABLED=1`,
				`8:7 test.flags.4 "--c" cannot be used: it compiles the test binaries without running them; remove it`,
				`9:7 test.flags.5 "-o=x.test" cannot be used: it writes a test binary the test target does not keep; remove it`,
				`10:7 test.flags.6 "-args" cannot be used: it would pass test.packages to the test binary; remove it`,
				`11:7 test.flags.7 "-C=sub" cannot be used: the tests run in the module root; list packages under test.packages instead`,
				`12:7 test.flags.8 "-n" cannot be used: it prints the commands without running the tests; remove it`,
				`13:7 test.flags.9 "-run TestA" must be one flag; list each flag separately, with its value after "="`,
				`14:7 test.flags.10 is empty; remove it or write a go test flag, like -short`,
			},
		},
		{
			name: "env and types",
			yaml: yamlText(
				"main: ./cmd/server",
				"test:",
				"  env: {CGO_ENABLED: \"1\", GOARCH: arm64, 1X: y}",
				"  race: yes",
				"  packag: [./...]",
			),
			want: []string{
				`3:22 test.env.CGO_ENABLED is set by go-app; use test.race: true (or build.cgo: true) instead`,
				`3:35 test.env.GOARCH cannot be set: the tests run on the build platform, natively; remove it`,
				`3:46 test.env key "1X" is not a valid variable name; use letters, digits and "_", not starting with a digit`,
				`4:9 test.race must be true or false, not "yes"`,
				`5:3 unknown key "packag" in test; did you mean "packages"?`,
			},
		},
		{
			name: "test is not a map",
			yaml: yamlText("main: ./cmd/server", "test: [./...]"),
			want: []string{`2:7 test must be a map, like {packages: [./...], flags: [-short]}, not a list`},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Load("go-app.yaml", []byte(tc.yaml))
			got := problemsOf(t, err)
			if !slices.Equal(got, tc.want) {
				t.Errorf("problems:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(tc.want, "\n"))
			}
		})
	}
}
