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
// became layers (the module download's output, the go build wrapper), and
// when the go build steps moved onto the toolchain layer, and when they
// began to read the module layer in place; sqlite and rocksdb, the cgo
// examples, came with cgo. A refactor that changes a
// single byte of the LLB, its source locations or an image config fails
// here. A deliberate change updates them (run with -v to see them).
var exampleDigests = map[string]string{
	"deps linux/amd64":         "dbb32ec013a75ff9afdf517f7c33ea9b5dd1b225658b13aa4303468b12d83d7d",
	"deps linux/arm64":         "f318b9032f885d90d81c8875a4e54909c50ac149465e968d649a63c79700cad3",
	"grpc linux/amd64":         "72d8bb8505e1f624d53a18ba06b3464ee0112930c7c944840b12d7480b6e1cb1",
	"grpc linux/arm64":         "9799e448a2d261053228a60b8ad43e5920b931e3abc8e420541906d83359de23",
	"hello linux/amd64":        "431c2eaca225c9a1353a618019d49d26ebfe465573cb2c1a36f9af1c58cb4735",
	"hello linux/arm64":        "03d56fba886b300f2eef49943193e068d658806d58ce66fd5b031f25c4affe98",
	"hello linux/amd64/v3":     "cedaea5c892c4178c59647c65749db8742078ff550421b94b6ace8d787a24deb",
	"hello linux/arm/v6":       "f9d8f5e97bf558e13f6ab8aca8ad3167b10e9cdc681ddad6484993bec98c3556",
	"hello linux/arm/v7":       "3e9c66201e45741945b51aef4c6ee10001f817a7a500c35a00bf456dd55ee268",
	"hello linux/386":          "a197b272bf97e0519144ddd6970d337ae02506e34563b2d5548466f493b3754e",
	"hello linux/ppc64le":      "070bbcf8375d09b69c2595a11a40fae7e07f4d730b15678d4907a579ea13cd0a",
	"hello linux/s390x":        "8ebd5affacc92431bc261140a1ba9141ed3413ce0b450c166f5b1426106d26e5",
	"hello linux/riscv64":      "399a182fbfb00526fccf82b034d3f745d0383b329fa877a2739d23cf174af8c6",
	"hello linux/loong64":      "0887432ce7969a9a009294de6cad8e425afbca5f0f6b36abab68641e2f644f14",
	"hello linux/mips64le":     "ee1b79d51ca37ca9e4cec2f70fbd584d0e2a03c2ad2dfd458e8d26e5c43f6d8d",
	"multi linux/amd64":        "41075c734f8cb8b918eb0a1714af8ec18aee8cde98bb06ce238d5d16ae139774",
	"multi linux/arm64":        "0cfd45700218604120c9b2a4521d43d739a54354851e3a921a6013805bff2d4a",
	"rocksdb linux/amd64":      "c2edbc623598ddf0b182c1490c16d65db7003be3e8e0a63d0823608a0f2886d8",
	"rocksdb linux/arm64":      "7d883284f2733d14e8655236539f6dc199d350ca97829325bdc28ce0cb911c24",
	"sqlite linux/amd64":       "a8ea2c3e99b843c6b784e386690c663a95e95d99b6c76da4d36f142595d45fba",
	"sqlite linux/arm64":       "7bb99dc015bf24402e0d399937b4b126b0a55f8f893592ceb25883b524b7a794",
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
	for _, name := range []string{"deps", "grpc", "hello", "multi", "rocksdb", "sqlite", "every-key"} {
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
