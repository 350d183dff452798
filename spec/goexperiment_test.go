package spec

import (
	"slices"
	"testing"
)

// TestGoExperimentAndFIPS checks the values of GOEXPERIMENT and GOFIPS140
// and what FIPS 140-3 mode needs, each problem at its position, before and
// after the Go version comes from go.mod.
func TestGoExperimentAndFIPS(t *testing.T) {
	for _, tc := range []struct {
		name, yaml, gomod string
		want              []string
	}{
		{
			name:  "good",
			yaml:  yamlText("main: .", "build:", "  env:", "    GOEXPERIMENT: jsonv2,nogreenteagc", "    GOFIPS140: v1.0.0"),
			gomod: "module example.com/a\n\ngo 1.24.0\n",
		},
		{
			name:  "off on an old Go",
			yaml:  yamlText("main: .", "build:", "  env:", "    GOFIPS140: \"off\""),
			gomod: "module example.com/a\n\ngo 1.22\n",
		},
		{
			name:  "malformed values",
			yaml:  yamlText("main: .", "build:", "  env:", "    GOEXPERIMENT: jsonv2, arenas", "    GOFIPS140: \"yes\"", "test:", "  env:", "    GOFIPS140: ../x"),
			gomod: "module example.com/a\n\ngo 1.26\n",
			want: []string{
				`4:19 build.env.GOEXPERIMENT "jsonv2, arenas" must be experiment names separated by commas, without spaces, like jsonv2,greenteagc (a "no" prefix turns one off)`,
				`5:16 build.env.GOFIPS140 "yes" is not a GOFIPS140 setting; use latest (the FIPS 140-3 module of the toolchain), a frozen module version like v1.0.0, inprocess, certified, or off`,
				`8:16 test.env.GOFIPS140 "../x" is not a GOFIPS140 setting; use latest (the FIPS 140-3 module of the toolchain), a frozen module version like v1.0.0, inprocess, certified, or off`,
			},
		},
		{
			name:  "Go from go.mod too old",
			yaml:  yamlText("main: .", "build:", "  env:", "    GOFIPS140: latest"),
			gomod: "module example.com/a\n\ngo 1.23.4\n",
			want:  []string{`4:16 build.env.GOFIPS140 needs Go 1.24 or later, which builds in FIPS 140-3 mode (older Go ignores GOFIPS140 and builds a binary without it), but the Go version from go.mod is 1.23; set go.version: "1.24" or later`},
		},
		{
			name:  "go.version too old",
			yaml:  yamlText("main: .", "go:", "  version: \"1.23\"", "build:", "  env:", "    GOFIPS140: latest"),
			gomod: "module example.com/a\n\ngo 1.26\n",
			want:  []string{`6:16 build.env.GOFIPS140 needs Go 1.24 or later, which builds in FIPS 140-3 mode (older Go ignores GOFIPS140 and builds a binary without it), but go.version is "1.23"; set go.version: "1.24" or later`},
		},
		{
			name:  "another toolchain image: the binary is checked instead",
			yaml:  yamlText("main: .", "go:", "  image: example.com/go:old", "build:", "  env:", "    GOFIPS140: latest"),
			gomod: "module example.com/a\n\ngo 1.20\n",
		},
		{
			name:  "boringcrypto and purego",
			yaml:  yamlText("main: .", "build:", "  tags: [netgo, purego]", "  env:", "    GOEXPERIMENT: boringcrypto", "    GOFIPS140: latest"),
			gomod: "module example.com/a\n\ngo 1.26\n",
			want: []string{
				`3:17 the build tag purego cannot be used with build.env.GOFIPS140 (line 6): the go command refuses both; remove one`,
				`5:19 build.env.GOEXPERIMENT boringcrypto cannot be used with build.env.GOFIPS140 (line 6): the go command refuses both; remove one`,
			},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, err := Load("go-app.yaml", []byte(tc.yaml))
			if err == nil {
				err = s.FillDefaults([]byte(tc.gomod))
			}
			if got := problemsOf(t, err); !slices.Equal(got, tc.want) {
				t.Errorf("problems:\n%q\nwant:\n%q", got, tc.want)
			}
		})
	}
}
