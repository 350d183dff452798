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
	"deps linux/amd64":         "fb04765862d8569497c8d25eba198df0260d3c93f592b2fb7cb894b4ab729f99",
	"deps linux/arm64":         "84b71aa95e13ee923d33a1b95bb3f37454fbbcdd10a7b38540a58883989fd076",
	"grpc linux/amd64":         "3ebd232cc91c923f44f7ba759cb1a49190f07279679b3796adc8fba1f4b5d122",
	"grpc linux/arm64":         "c6917c99d5f8653560527be5bba244881c4e3f1f00e5a14ef327d143ce7786ac",
	"hello linux/amd64":        "af919849a1cf5b9ca5df4c56f01256456ef38503a62552b633da3247356056c0",
	"hello linux/arm64":        "5b7ef681a9890febfaab95faf58e61d4696fce5b97f7f6f028cb3049eac6d097",
	"hello linux/amd64/v3":     "5d856ac3931cfac4b9c03e5f6c5cead37afb633a6dd6c57048ec28ad833606ed",
	"hello linux/arm/v6":       "f747c4f91c053d3160f8779bc038028b23fc9f75af90d5a1ca7724f0e7952446",
	"hello linux/arm/v7":       "981c599231885b2049e0b12262d00a3c3767d8be2668010af2435590e4a1a3b0",
	"hello linux/386":          "9f7adc248c94082db05a7ebed70ef2aa73fb4625ffc7ecf1f1af90e683ae88d5",
	"hello linux/ppc64le":      "5fb450e090636696f0bc90e64a84b727cad0cfe7b397d41fe497a5cb7199ab06",
	"hello linux/s390x":        "8eefa6ba4e1908642d97cc8be076463461ce53d1eaf7f5743253c4fbb493b4bd",
	"hello linux/riscv64":      "5ad6836fd0769ac13b2c5e6b4b9863d00052c07d8c70f68f643dba16bff48724",
	"hello linux/loong64":      "dab971c6083fc5d869c00c2cbf7e5a6664bc499310fe0f35e3b6801beb84cb1e",
	"hello linux/mips64le":     "ef4f063724e5cd9ca964a3961723a6b2e769b66a80ac9008d3bffbdd9ccc6338",
	"multi linux/amd64":        "41075c734f8cb8b918eb0a1714af8ec18aee8cde98bb06ce238d5d16ae139774",
	"multi linux/arm64":        "0cfd45700218604120c9b2a4521d43d739a54354851e3a921a6013805bff2d4a",
	"rocksdb linux/amd64":      "bf288f416d1b9577b9a0227671b9acc388024c68fc05c2671d6889f8aac322eb",
	"rocksdb linux/arm64":      "0b6529f4e0b0a6ecbade5e3624b7a1deebcec602fc27535075106ee61eda0f4e",
	"sqlite linux/amd64":       "25e3ca885f924f7ed27532c8e58b0efe58a13673b897e86d595be451a84303d6",
	"sqlite linux/arm64":       "715f11f9758bbe1c54c0f4c9e2d3c3d2b5cf298157e791bfe8e73f9468c7d7ed",
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
