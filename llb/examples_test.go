package llb

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/goappfrontend/go-app/spec"
	"github.com/moby/buildkit/client/llb"
)

// exampleDigests are the digests of what the three targets of each example
// marshal to (see exampleDigest), for fixed options. They were first derived
// on commit c568df5, before the clean-up that made the architecture table,
// the check rules and the source ranges one place each, and held unchanged
// through it; they were derived again, deliberately, when the Go caches
// became layers (the module download's output, the go build wrapper). A
// refactor that changes a single byte of the LLB, its source locations or an
// image config fails here. A deliberate change updates them (run with -v to
// see them).
var exampleDigests = map[string]string{
	"deps linux/amd64":         "15dcb079b5d82a441ecbf9d296f9ad5072b56899ea92ef3aeccc8e1005ee103b",
	"deps linux/arm64":         "5865347a3f1bc34baea8edb4be1e0e10f600cdcefc352728822ca4d45688ddb7",
	"grpc linux/amd64":         "99256da3f37a53e05ce36d7a8fc7fb2915bef18fa44a0c20d939e80584d7ce27",
	"grpc linux/arm64":         "c7d71414ad813e864153c0dc1dd32c56724b0d4a4aff7d05c94731618f1c2a70",
	"hello linux/amd64":        "3ca82fd8ed012a77e81441ce1adf1cc580680381726c9f09e393a70dc98994cd",
	"hello linux/arm64":        "e6b67158e90b10aaf7a923fe7b82f6369dca28c83e377b6fa8f45fc9a54f54f8",
	"hello linux/amd64/v3":     "baeae4d520837ce8593ec738c5cb815ed73fb92f1b92f18ec6359af8060ed09f",
	"hello linux/arm/v6":       "930524678870657799235dfd875516a7bb345177cb9c8be8f9e573154ec67277",
	"hello linux/arm/v7":       "722d7e1570634405d12906f57e2c67af096a7827e921a1e7fe1ed9821afc5743",
	"hello linux/386":          "aa7b47e2af4ad81bb0d504b544cb4436a91484b889ba86c8ffc24cbc044a66f8",
	"hello linux/ppc64le":      "384b86759c1ee7f75c61c1bc14120cbbf9d39c6de905844526c1ee0405762626",
	"hello linux/s390x":        "75f259862c29fe7a715eb3c50ae5c71045f46c563c47a3b303ffdb84a27add53",
	"hello linux/riscv64":      "8c8432e03ff653e16926fe043a8f90c449be1eabc64b809d9faa3672538c7927",
	"hello linux/loong64":      "cecb7463c2d9222c0e06b3913b4e696608d34482a21a1cca7df0ea7ac5d8624d",
	"hello linux/mips64le":     "42a18427e9411a490243b25a627979d70c90c1170eda78b702e10eb4b123bb05",
	"multi linux/amd64":        "91638811103cd2129929dc5f187792b92b51b1cf40d276c702e03194b413b0e1",
	"multi linux/arm64":        "184ec78bd5d98a5564fa8930386a69e18d0df940541f443d52e42007b7d4dd80",
	"every-key linux/amd64":    "a600cc13aeb990031377ea7dd09846af799dfa8332eb102e4c4435438f2ee95b",
	"every-key linux/arm64":    "0c9c3030ce84515d668bb66c2a35886e46bbb391d464a22e75903a62f15ddeb1",
	"every-key linux/amd64/v3": "f978559b2e150c86ee29b00671aeb171e7a16c942227368e289f82bccf5f9759",
	"every-key linux/arm/v6":   "c60a26756d8ac28bc5d2872a663681d0d463969a329d60707bb5f4032736a1a6",
	"every-key linux/arm/v7":   "b5f77a47ba14292733d1ec6720994df1858ae76a79733869975bb4a21588b7d4",
	"every-key linux/386":      "5d4cf9fb3d5910821fa7580ad9ec222f90f2a4d78aa72f7d4f7785511651da9f",
	"every-key linux/ppc64le":  "a02539054c4db3b2fc20d84ee47fa82bea90c37bd26962c936082215e492ad0c",
	"every-key linux/s390x":    "ec7b1a38e9c0a7ab383ee7bc171fe8638be0b0fcaee8524a189102b5c1db21e0",
	"every-key linux/riscv64":  "1cdd33fc6953b9fb3366ba77f8351988970ba4d673229d29bbc343ce368f4ec0",
	"every-key linux/loong64":  "009e1f8e7c33e775600c9dd45b0285f7b794c5f4783b104cc9d8e90f582045fc",
	"every-key linux/mips64le": "53313b835ee83623e35cbf59221198d6c27ec58290f477de4907ddad641e4aea",
}

// examplePlatforms are the platforms each example is converted for; the
// hello example also for one platform of every architecture and variant.
var (
	examplePlatforms = []string{"linux/amd64", "linux/arm64"}
	helloPlatforms   = []string{"linux/amd64/v3", "linux/arm/v6", "linux/arm/v7", "linux/386", "linux/ppc64le", "linux/s390x", "linux/riscv64", "linux/loong64", "linux/mips64le"}
)

// everyKey is a spec that sets the keys the examples leave out: a test
// section, runtime files, stamped ldflags, tags, env, private modules.
const everyKey = `# syntax=goappfrontend/go-app:1
main: ./cmd/hello
build:
  ldflags: -X main.version={{.Version}} -X main.commit={{.Commit}} -X main.date={{.Date}}
  tags: [netgo, osusergo]
  env:
    GOEXPERIMENT: jsonv2
  private: [example.com/private]
runtime:
  user: "1000:1000"
  workdir: /app
  args: [--listen, ":8080"]
  env:
    TZ: UTC
  ports: [8080, "53/udp"]
  files:
    - src: config/app.yaml
      dst: /etc/app/
  healthcheck:
    command: [hello, health]
    retries: 3
labels:
  org.opencontainers.image.description: the example server
test:
  packages: [./...]
  flags: [-count=1, -short]
  env:
    APP_ENV: test
  race: true
`

func TestExampleDigests(t *testing.T) {
	for _, name := range []string{"deps", "grpc", "hello", "multi", "every-key"} {
		plats := examplePlatforms
		if name == "hello" || name == "every-key" {
			plats = append(plats[:len(plats):len(plats)], helloPlatforms...)
		}
		for _, p := range plats {
			key := name + " " + p
			got := exampleDigest(t, name, p)
			t.Logf("%q: %q,", key, got)
			if want := exampleDigests[key]; got != want {
				t.Errorf("%s: digest %s, want %s", key, got, want)
			}
		}
	}
}

// exampleDigest converts examples/<name> (everyKey with hello's go.mod
// for "every-key") for platform through Load,
// FillDefaults, Convert, Binaries and Test, and returns the sha256 of the
// JSON of the three marshaled definitions (ops, op metadata, source
// locations) and image configs.
func exampleDigest(t *testing.T, name, platform string) string {
	t.Helper()
	dir := filepath.Join("..", "examples", name)
	data, err := os.ReadFile(filepath.Join(dir, "go-app.yaml"))
	if name == "every-key" {
		dir, data, err = filepath.Join("..", "examples", "hello"), []byte(everyKey), nil
	}
	if err != nil {
		t.Fatal(err)
	}
	gomod, err := os.ReadFile(filepath.Join(dir, "go.mod"))
	if err != nil {
		t.Fatal(err)
	}
	s, err := spec.Load("go-app.yaml", data)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.FillDefaults(gomod); err != nil {
		t.Fatal(err)
	}
	target, err := spec.ParsePlatform(platform)
	if err != nil {
		t.Fatal(err)
	}
	opt := testOptions(s, target)
	epoch := time.Date(2025, 6, 7, 8, 9, 10, 0, time.UTC)
	opt.Epoch = &epoch
	opt.SourceMap = llb.NewSourceMap(nil, "go-app.yaml", "YAML", data)

	h := sha256.New()
	for _, build := range []func(Options) (*Result, error){Convert, Binaries, Test} {
		res, err := build(opt)
		if err != nil {
			t.Fatal(err)
		}
		def, err := res.State.Marshal(context.Background(), llb.Platform(target))
		if err != nil {
			t.Fatal(err)
		}
		for _, v := range []any{def.ToPB(), res.Image, res.Binaries} {
			b, err := json.Marshal(v)
			if err != nil {
				t.Fatal(err)
			}
			h.Write(b)
		}
	}
	return fmt.Sprintf("%x", h.Sum(nil))
}
