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
	"deps linux/amd64":         "4f5a6e60dfc489b455dcfad89a2a0550a5a0e7f6fa087b50122025640c26dbda",
	"deps linux/arm64":         "13655297f0e129d102b0cdb6a8f37e28b07d966cb8433dd8ffdd395e58ff1079",
	"grpc linux/amd64":         "bf35e6267d0fb234f7d5b21bd78bb7c583f4f3ab79e17cbde86e8ba017e4c623",
	"grpc linux/arm64":         "6140f7a6fa907a2e88a1cd38ae3a634fc8ec3a416336ef7523cf7dd9006242c3",
	"hello linux/amd64":        "9904e3351f79f09954d0a057bc7b49d72ac415526e15338a0a8ae881d926e2b2",
	"hello linux/arm64":        "1fd1f98eaf248e18760c94bbf855ff4146940b72241892f294e04e0c71cba3f1",
	"hello linux/amd64/v3":     "c737d0383da7c02e2a06337596a70a716b390057dd49d797d8a476fbe969d88a",
	"hello linux/arm/v6":       "103bacc6db1b96462983ec2d5cf0ea8e8afa8bc0b7244f14f1d64d5985200bf7",
	"hello linux/arm/v7":       "5c23b69cf350b76ecbd60bad387087e4ef7e96bfb95640392517b79dd6fd93b2",
	"hello linux/386":          "d1959925964610f28fa9c21eaf8b8c16a92781eeb362044a32de5136722088f4",
	"hello linux/ppc64le":      "ec7a77edb46afc579859857245e73016e30a9bcd7da9f3c723a187be22bfea64",
	"hello linux/s390x":        "fe0fed1f4747609a9a9bda0045b4c512a036baccd944eba6fb7f0771a64fbeaa",
	"hello linux/riscv64":      "eb0e54f0848ad396482fd72789d5f12e9234067ff3c61028ed3f19c298e172d8",
	"hello linux/loong64":      "7bf824d4c16b3334725cd68c568c965278509d114ad1c2567e1c440f4c0f90c9",
	"hello linux/mips64le":     "7f6bb2834fe5d6737eb79565b05944457bd0474fdcf768ffe8de8eb4f42908de",
	"multi linux/amd64":        "3ea082c03241de09609b7d46ebfdf50c139751a949136086861cc206854202e8",
	"multi linux/arm64":        "531386f6c67192e48a029a0063d0e20c2c3657c8d4d4c812f6f501e5a848d1ba",
	"rocksdb linux/amd64":      "10daf538a92f0ca0c17015b8f525a7b7102ab06b6e67bf3670c3e6ec237a7a66",
	"rocksdb linux/arm64":      "270d2a5ba920fcf5748a388937f9d15adf27375905fd69651a25796308bd816e",
	"sqlite linux/amd64":       "f44ad2f1369f0d92553f3b8870b868bd39cefee6c6404e8d281e8562e4dad50f",
	"sqlite linux/arm64":       "5fa254018352fd2d445e58bcaad624fb6f53f3dd8ffc28e2e94efa1ccd35919a",
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
