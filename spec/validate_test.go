package spec

import (
	"slices"
	"strings"
	"testing"
)

// TestValidateWithoutSource checks specs built in code: no positions, and
// problems named by their key path.
func TestValidateWithoutSource(t *testing.T) {
	tests := []struct {
		name string
		spec Spec
		want []string
	}{
		{
			name: "valid",
			spec: Spec{
				Binaries:  []Binary{{Main: "./cmd/api"}, {Name: "w", Main: "./cmd/worker"}},
				Go:        Go{Version: "1.26rc1", Image: "golang@sha256:" + strings.Repeat("a", 64)},
				Build:     Build{Tags: []string{"netgo"}, Env: map[string]string{"GOFLAGS": "-mod=vendor", "GONOPROXY": "none"}, Cgo: true, Private: []string{"example.com/private", "*.corp.example.com", "git.corp/team/"}},
				Platforms: []string{"linux/amd64/v3", "linux/arm64/v8", "linux/arm/v7", "linux/386", "linux/riscv64"},
				Runtime: Runtime{
					Base: "debian:12", User: "app:app", Workdir: "/srv", Entrypoint: "w",
					Ports: []string{"1", "65535/udp", "80/sctp"},
					Files: []File{{Src: "./config", Dst: "/etc/app/"}},
				},
				Labels: map[string]string{"org.example.team": "web"},
			},
		},
		{
			name: "nothing: the main package is found before FillDefaults",
		},
		{
			name: "both",
			spec: Spec{Main: "./cmd/a", Binaries: []Binary{{Main: "./cmd/b"}}},
			want: []string{"go-app.yaml: use either main or binaries, not both"},
		},
		{
			name: "duplicate names",
			spec: Spec{Binaries: []Binary{{Main: "./a/x"}, {Main: "./b/x"}}},
			want: []string{`go-app.yaml: duplicate binary name "x" (also binaries.0); give one of them another name`},
		},
		{
			name: "bad name derived from main",
			spec: Spec{Main: "./cmd/my tool"},
			want: []string{`go-app.yaml: the binary name "my tool" taken from main is not a plain file name (letters, digits, ".", "_" and "-"); list it under binaries with a name`},
		},
		{
			name: "name of main dot unknown before FillDefaults",
			spec: Spec{Main: ".", Runtime: Runtime{Entrypoint: "anything"}},
		},
		{
			name: "scratch is the default base",
			spec: Spec{Main: ".", Build: Build{Cgo: true, CgoLink: CgoLinkDynamic}, Runtime: Runtime{User: "nobody"}},
			want: []string{
				"go-app.yaml: build.cgo_link: dynamic needs a libc, which scratch does not have; set runtime.base to an image with glibc (like gcr.io/distroless/base-debian12) or remove build.cgo_link to link statically",
				`go-app.yaml: runtime.user "nobody" must be a numeric UID or UID:GID on scratch, like "65532:65532"; user names need a runtime.base that defines them`,
			},
		},
		{
			name: "reserved build env",
			spec: Spec{Main: ".", Build: Build{Env: map[string]string{"GOARM64": "v9.0", "GOAMD64": "v3", "GO386": "sse2", "GOARCH": "arm", "GOARM": "7"}}},
			want: []string{
				"go-app.yaml: build.env.GO386 selects the CPU of 386 binaries, which go-app leaves at Go's default: the image's platform, linux/386, has no variant to say that its binaries need another CPU; remove it",
				"go-app.yaml: build.env.GOAMD64 selects the CPU of amd64 binaries, which go-app sets from the target platform's variant so that the image says what CPU it needs; use --platform or platforms: with a variant, like linux/amd64/v3",
				"go-app.yaml: build.env.GOARCH is set by go-app from the target platform; use --platform or platforms: instead",
				"go-app.yaml: build.env.GOARM selects the CPU of arm binaries, which go-app sets from the target platform's variant so that the image says what CPU it needs; use --platform or platforms: with a variant, like linux/arm/v7",
				"go-app.yaml: build.env.GOARM64 selects the CPU of arm64 binaries, which go-app leaves at Go's default: the image's platform, linux/arm64, has no variant to say that its binaries need another CPU; remove it",
			},
		},
		{
			name: "private",
			spec: Spec{Main: ".", Build: Build{Private: []string{"ok.example/x", "", "git.corp/*"}, Env: map[string]string{"GOPRIVATE": "x"}}},
			want: []string{
				"go-app.yaml: build.private.1 is empty; remove it or write a module path pattern, like example.com/private",
				"go-app.yaml: build.env.GOPRIVATE conflicts with build.private; list the patterns in build.private only",
			},
		},
		{
			name: "GOPRIVATE in build.env alone",
			spec: Spec{Main: ".", Build: Build{Env: map[string]string{"GOPRIVATE": "git.corp/*"}}},
		},
		{
			name: "files",
			spec: Spec{Main: ".", Runtime: Runtime{Files: []File{{Src: "a", Pos: Position{7, 5}}, {Dst: "/x", Pos: Position{9, 5}}}}},
			want: []string{
				"go-app.yaml:7:5: runtime.files.0.dst is required; set it to an absolute path in the image, like /etc/app/",
				"go-app.yaml:9:5: runtime.files.1.src is required; set it to a path in the build context, like config/app.yaml",
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []string
			for _, e := range tt.spec.Validate() {
				got = append(got, e.Error())
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("problems:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(tt.want, "\n"))
			}
		})
	}
}

func TestParsePlatform(t *testing.T) {
	valid := map[string]string{
		"linux/amd64":    "linux/amd64",
		"linux/x86_64":   "linux/amd64",
		"linux/amd64/v1": "linux/amd64",
		"linux/amd64/v4": "linux/amd64/v4",
		"Linux/ARM64":    "linux/arm64",
		"linux/aarch64":  "linux/arm64",
		"linux/arm64/v8": "linux/arm64",
		"linux/arm":      "linux/arm/v7",
		"linux/armhf":    "linux/arm/v7",
		"linux/arm/v6":   "linux/arm/v6",
		"linux/386":      "linux/386",
		"linux/ppc64le":  "linux/ppc64le",
		"linux/s390x":    "linux/s390x",
		"linux/riscv64":  "linux/riscv64",
		"linux/loong64":  "linux/loong64",
		"linux/mips64le": "linux/mips64le",
	}
	for in, want := range valid {
		p, err := ParsePlatform(in)
		if err != nil {
			t.Errorf("ParsePlatform(%q): %v", in, err)
			continue
		}
		if got := p.OS + "/" + p.Architecture + strings.TrimSuffix("/"+p.Variant, "/"); got != want {
			t.Errorf("ParsePlatform(%q) = %s, want %s", in, got, want)
		}
	}
	invalid := []string{"", "linux", "amd64", "darwin/arm64", "windows/amd64", "linux/amd64/v5", "linux/arm64/v9", "linux/arm/v5", "linux/arm/v8", "linux/386/v2", "linux/mips", "linux/wasm", "linux(5.10)/amd64", "linux/amd64/v2/x", "linux/*", "/amd64"}
	for _, in := range invalid {
		if p, err := ParsePlatform(in); err == nil {
			t.Errorf("ParsePlatform(%q) = %v, want an error", in, p)
		} else if !strings.HasPrefix(err.Error(), quote(in)+" ") {
			t.Errorf("ParsePlatform(%q) error %q does not start with the platform", in, err)
		}
	}
}
