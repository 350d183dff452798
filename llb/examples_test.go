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
// when the go build steps moved onto the toolchain layer; sqlite and
// rocksdb, the cgo examples, came with cgo. A refactor that changes a
// single byte of the LLB, its source locations or an image config fails
// here. A deliberate change updates them (run with -v to see them).
var exampleDigests = map[string]string{
	"deps linux/amd64":         "e90f201ce29d53f346294f94651f78ecf21920f00f870bb51b12a04b2b342ee0",
	"deps linux/arm64":         "079d72e066a5c393fabf47d22562b06e1511ad6d968099425a6317c416259692",
	"grpc linux/amd64":         "f5a580cf8eaa8c5274e6a4de40a3c5989ef18b749ab4d244208978cbb5a01e0a",
	"grpc linux/arm64":         "f8ffc9b7a3d345df16351ae212e409e6f783112426b05106857d8827ba554f9b",
	"hello linux/amd64":        "dadae054ce8b001ed5763ebae8a3171f0c2b0103a1d992b45cebe40e0b91f334",
	"hello linux/arm64":        "8e09ab14c0668a3b77a9fe5d8fd27fced7faadf8904798ca100138862d0d2ee1",
	"hello linux/amd64/v3":     "3200544eb03054227ef0819d3a66235523276b7fd5fb5e7479f6bb55b802b454",
	"hello linux/arm/v6":       "bcacb472e70fa8eefd4458ea56ad4df7491123f79729b2b804df08d072ba94f1",
	"hello linux/arm/v7":       "57e87c62f3919c70a6f7d0f4c1b37392cc079e4f3ef584f4f00bb259959251a2",
	"hello linux/386":          "620b4521b164a94f993d04a6d09f643d8bf4a94ceab180f94e550cfced2646a8",
	"hello linux/ppc64le":      "4a6799c3fc116992ba87db526072be29daa838d025c83d23be4fd2f8b719ccac",
	"hello linux/s390x":        "4d86feeee9d016c143f7b9a3cf74735baa2a4164cae90da3ff8d5b19059e7dc5",
	"hello linux/riscv64":      "ee943b60bb561c769bd533165af7307697ac077f06120e82c3c7a29e7f38ce18",
	"hello linux/loong64":      "339b165318809f25ac00f63017163bdaabba0c73c4bb4df48efc7cfcba02bff8",
	"hello linux/mips64le":     "2d0359ede87db1e83701857b72bf5d7c8cebedf4354153a72cb720cdf3091603",
	"multi linux/amd64":        "ade45bf9a21a598a418c7630ef70a79d2b1ed5a7870682d3da26e0331e148a80",
	"multi linux/arm64":        "8712ee98243028f1f79a246c18de5202c4cf046bb0160ff0897495924ff08b92",
	"rocksdb linux/amd64":      "83c4ca676937bd88d395226cec1064e740ddddd8ad16e6339c902cf027bb1956",
	"rocksdb linux/arm64":      "a2c43acd99867ed0453c8f73ddfc59865ac98b7582bf57fe318dde94ca4be03b",
	"sqlite linux/amd64":       "897e1091cb0ecc9d818b3eab973af3a64944d2f5b947b14ddaac63701f296402",
	"sqlite linux/arm64":       "c4794426757cdff71c6a447771cf0ea80287135e130fb91c4f5e5a682496c78f",
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
