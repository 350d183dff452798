package llb

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/goappfrontend/go-app/spec"
	"github.com/moby/buildkit/client/llb"
	dockerspec "github.com/moby/docker-image-spec/specs-go/v1"
	ocispecs "github.com/opencontainers/image-spec/specs-go/v1"
)

// fuzzTargets are the target platforms FuzzConvert picks from when the spec
// names none: every architecture and variant a spec accepts.
var fuzzTargets = []string{
	"linux/amd64", "linux/amd64/v2", "linux/amd64/v3", "linux/amd64/v4", "linux/arm64", "linux/arm/v7",
	"linux/arm/v6", "linux/386", "linux/ppc64le", "linux/s390x", "linux/riscv64", "linux/loong64", "linux/mips64le",
}

// fuzzSeeds are the examples' go-app.yaml files, the annotated example of
// the spec package's documentation, and edge cases.
func fuzzSeeds(tb testing.TB) []string {
	tb.Helper()
	files, err := filepath.Glob(filepath.Join("..", "examples", "*", "go-app.yaml"))
	if err != nil || len(files) == 0 {
		tb.Fatalf("no examples to seed from (%v)", err)
	}
	var seeds []string
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			tb.Fatal(err)
		}
		seeds = append(seeds, string(b))
	}
	if doc, err := os.ReadFile(filepath.Join("..", "spec", "doc.go")); err == nil {
		if _, text, ok := strings.Cut(string(doc), "// # Every field\n"); ok {
			text, _, _ = strings.Cut(text, "\n//\n// Numbers")
			var b strings.Builder
			for line := range strings.Lines(text) {
				if rest, ok := strings.CutPrefix(line, "//\t"); ok {
					b.WriteString(rest)
				} else if line == "//\n" {
					b.WriteString("\n")
				}
			}
			seeds = append(seeds, b.String())
		}
	}
	return append(seeds,
		"main: .\n",
		"main: ./cmd/x\nruntime:\n  base: alpine:3.22\n  user: app:app\n",
		"main: ./cmd/x\nbuild:\n  cgo: true\nruntime:\n  base: debian:12\n",
		"main: ./a\nplatforms: [linux/arm/v6, linux/amd64/v4, linux/386]\n",
		"binaries:\n  - {name: a, main: ./a}\n  - {name: b, main: ./b}\nruntime:\n  entrypoint: b\n  ports: [1, 65535/udp, 80/sctp]\n",
		"main: ./x\nbuild:\n  ldflags: \"-X 'main.a=$(id); touch /pwned' -X main.b=a\\\"b\"\n  tags: [\"$(id)\", \"`id`\"]\n  env: {A: \"; touch /pwned\", B: \"x\\ny\"}\nruntime:\n  args: [\"$(id)\", \"\\n\", \"\"]\n  env: {C: \"`id`\"}\n",
		"main: ./x\nruntime:\n  user: \"0\"\n  workdir: /a/../b\n  files: [{src: a/b, dst: /etc/x/}, {src: c, dst: /usr/local/bin/x}]\n",
		"main: ./x\nbuild:\n  trimpath: false\n  private: [example.com/private, \"*.corp.example.com\"]\n  env: {GOFLAGS: -mod=mod, GOPROXY: off}\n",
		"main: ./x\nlabels: {a: b, org.opencontainers.image.created: yesterday}\n",
	)
}

// FuzzConvert feeds arbitrary files through the whole pure pipeline of a
// build: spec.Load, FillDefaults and, for a valid spec, Convert and Marshal
// for one target platform. Nothing may panic, and a spec the spec package
// accepts must convert and marshal.
func FuzzConvert(f *testing.F) {
	for i, s := range fuzzSeeds(f) {
		f.Add([]byte(s), uint8(i))
	}
	f.Fuzz(func(t *testing.T, data []byte, pick uint8) {
		s, err := spec.Load("go-app.yaml", data)
		if err != nil {
			return
		}
		if err := s.FillDefaults(fuzzGoMod); err != nil {
			return
		}
		target := fuzzTarget(t, s, pick)
		opt := fuzzOptions(s, data, target, pick)
		res, err := Convert(opt)
		if err != nil {
			t.Fatalf("a spec the spec package accepts does not convert for %v: %v\n%s", target, err, data)
		}
		if _, err := res.State.Marshal(context.Background(), llb.Platform(target)); err != nil {
			t.Fatalf("the LLB of a valid spec does not marshal for %v: %v\n%s", target, err, data)
		}
		if res.Image == nil || len(res.Image.Config.Entrypoint) != 1 {
			t.Fatalf("image config %+v: want one entrypoint", res.Image)
		}
		if !slices.Contains(mapValues(res.Binaries), res.Image.Config.Entrypoint[0]) {
			t.Fatalf("entrypoint %q is none of the binaries %v", res.Image.Config.Entrypoint[0], res.Binaries)
		}
		if _, err := json.Marshal(res.Image); err != nil {
			t.Fatalf("image config does not marshal: %v", err)
		}
	})
}

// fuzzGoMod is the go.mod of the fuzz targets' module.
var fuzzGoMod = []byte("module example.com/app\n\ngo 1.26.2\n")

// fuzzOptions are the Options of a fuzz target for spec s, loaded from
// data: fake images with the config the frontend would resolve, and pick's
// high bits for a vendored module and SOURCE_DATE_EPOCH.
func fuzzOptions(s *spec.Spec, data []byte, target ocispecs.Platform, pick uint8) Options {
	epoch := time.Unix(1700000000, 0)
	opt := Options{
		Spec:           s,
		BuildPlatform:  ocispecs.Platform{OS: "linux", Architecture: "amd64"},
		TargetPlatform: target,
		Toolchain: Image{Ref: s.Go.Image, State: llb.Image(s.Go.Image), Config: &dockerspec.DockerOCIImage{
			Config: dockerspec.DockerOCIImageConfig{ImageConfig: ocispecs.ImageConfig{Env: []string{"PATH=/usr/local/go/bin:/usr/bin", "GOPATH=/go"}}},
		}},
		Frontend: &Image{Ref: "go-app", State: llb.Image("go-app"), Config: &dockerspec.DockerOCIImage{
			Config: dockerspec.DockerOCIImageConfig{ImageConfig: ocispecs.ImageConfig{Entrypoint: []string{"/bin/go-app-frontend"}}},
		}},
		Context:   llb.Local("context"),
		Vendor:    pick&0x80 != 0,
		CacheNS:   "fuzz",
		SourceMap: llb.NewSourceMap(nil, "go-app.yaml", "YAML", data),
		Now:       epoch,
		Metadata:  Metadata{Version: "1.0.0", Revision: "abc", Source: "https://example.com/x"},
		Labels:    map[string]string{"from.caller": "x"},
	}
	if pick&0x40 != 0 {
		opt.Epoch = &epoch
	}
	if pick&0x20 != 0 {
		opt.Dependencies = []string{"example.com/dep", "golang.org/x/sync/errgroup"}
	}
	if s.Runtime.Base != spec.DefaultBase {
		opt.Base = &Image{Ref: s.Runtime.Base, State: llb.Image(s.Runtime.Base, llb.Platform(target)), Config: &dockerspec.DockerOCIImage{
			Config: dockerspec.DockerOCIImageConfig{ImageConfig: ocispecs.ImageConfig{Env: []string{"PATH=/bin"}, Labels: map[string]string{"base": "yes"}}},
		}}
	}
	return opt
}

func mapValues(m map[string]string) []string {
	var vs []string
	for _, v := range m {
		vs = append(vs, v)
	}
	return vs
}

// fuzzTarget picks one of the spec's platforms (or of fuzzTargets when it
// names none) to convert a fuzzed spec for.
func fuzzTarget(t *testing.T, s *spec.Spec, pick uint8) ocispecs.Platform {
	t.Helper()
	targets := s.Platforms
	if len(targets) == 0 {
		targets = fuzzTargets
		if s.Build.Cgo {
			// The platforms of --platform, which the spec cannot check: a
			// cgo build for one without a Debian port is an error.
			targets = slices.DeleteFunc(slices.Clone(targets), func(p string) bool {
				plat, _ := spec.ParsePlatform(p)
				a, v, _ := spec.PlatformArch(plat)
				_, ok := spec.CgoTargetOf(a, v)
				return !ok
			})
		}
	}
	target, err := spec.ParsePlatform(targets[int(pick)%len(targets)])
	if err != nil {
		t.Fatalf("a valid spec has platform %q: %v", targets[int(pick)%len(targets)], err)
	}
	return target
}
