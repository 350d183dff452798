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
// when the go build steps moved onto the merge of the toolchain, module and
// dependency layers. A refactor that changes a single byte of the LLB, its
// source locations or an image config fails here. A deliberate change
// updates them (run with -v to see them).
var exampleDigests = map[string]string{
	"deps linux/amd64":         "1ec481cbdd0d8c57e4d2b1fae7d2ea4a9a9604ae3bbf76ef655bc46f91935b7c",
	"deps linux/arm64":         "d7e01ccd345d9844f13c8eb2aff75b9d0e0c851579b3836934d24cccc3dcb6b8",
	"grpc linux/amd64":         "075208c669f271a70520e3b6e98c33d735149590e1e4efa472493b9f1b51c736",
	"grpc linux/arm64":         "5e6feb682579e7d6390235f747a4f2848521f34fcf1131256d3d06cedd3c819d",
	"hello linux/amd64":        "9f6cae12a1133b0d12fe8bb7d11b7302014cb0f17fd2eb981f1c3da712c08cd9",
	"hello linux/arm64":        "9c2e577ee97934b86418ebd1538c49ba8555aa17d2336f04bf4830a60ceb6541",
	"hello linux/amd64/v3":     "f30c6037914ab0afdc6b65e9219a345a830ccb60b1f5403b881858161de3d9c9",
	"hello linux/arm/v6":       "7d1df9acda0faba047c29730eb2c90f99f0255ee36d04152a950566dac3e7e3d",
	"hello linux/arm/v7":       "d299ba664a6146ee72e86048cb90d20ace03c11b90b0ce61d225d6bb4c6bed72",
	"hello linux/386":          "baf3c4888aac2942a90313eb83c39631f7b19f67e48eb1ffd237e88282d1b09d",
	"hello linux/ppc64le":      "80e592597355eb6be0c64318321d17eff34eae93c215c371a9e060e4b2d2b5f1",
	"hello linux/s390x":        "aef22cc6e90585a785002b5e7208a3a643843eaf19042fd1854d72fa316044c5",
	"hello linux/riscv64":      "e1409fa4a01d082936e972896c0248fe9b0081925b11a3155b2d8dd152f4afbb",
	"hello linux/loong64":      "f33c31c86f723292478c3a1113f30527125498988b8b5d270be7022da84b3c9e",
	"hello linux/mips64le":     "3af6b5e9aa944898de8b04ff7151adfeb6a87dfb78276018999bee9c75c378eb",
	"multi linux/amd64":        "de7f07bae58d082966c40963cf51ff84b6443a0e64bef963ad0c4713202ea4ee",
	"multi linux/arm64":        "dae7de38ccd08917a927cb9c60dc315b2e2d121128d5b6e0d88993bbf110d553",
	"every-key linux/amd64":    "c9bb1e424e1d6ce32ee1e1f354c4f20ee509fbd1e4124c60ad217f2824c078e1",
	"every-key linux/arm64":    "8b2a3ca563655162150858dc29f7197a3dddd5354a979d06b1968defa20b1566",
	"every-key linux/amd64/v3": "97d7f1c31be9a07a4128e0e70ccf37163fd628cae384913bc701e36a89397175",
	"every-key linux/arm/v6":   "18e50f57674468606d01440d9e82fb2402baea4764270750cf1cf21be7278e5a",
	"every-key linux/arm/v7":   "c610eab51046db77259a268d86caff3b0a729428312ed3e689de92eb968c57ed",
	"every-key linux/386":      "0f96f2cd8a5939f8af0a74350efef76fe9653bd1ffa008866d309b8e6e99173c",
	"every-key linux/ppc64le":  "798e9d8289fda12e50b1e2e85e59dd0005a1dd56497fa5ecb9913a6df1aad479",
	"every-key linux/s390x":    "6a3193db275e29533d3a5638476711767862c2ef86e69c13302998649fb73467",
	"every-key linux/riscv64":  "2d91fc213fab74e8a55f9f9f34596289f75c784694c7a507888a97368c4a77a8",
	"every-key linux/loong64":  "490e02feac79377b63e34f68075eddc5864242b53f915c8f970268f867eb7b49",
	"every-key linux/mips64le": "2da76d8235d24fdefc41f642304c261587f6661ef470030b4c142b24edaed8e2",
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
