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
// marshal to (see exampleDigest), for fixed options. They were derived on
// commit c568df5, before the clean-up that made the architecture table, the
// check rules and the source ranges one place each, so that a refactor that
// changes a single byte of the LLB, its source locations or an image config
// fails here. A deliberate change updates them (run with -v to see them).
var exampleDigests = map[string]string{
	"deps linux/amd64":         "2ed866661ffd5f879b11a1c9a260d011c717abf607e4d845c49aaef7f3ec148b",
	"deps linux/arm64":         "b894ee4636e4fe8211c6ab53fc6c23198571d26bfed670145ed75a9d9ca2bd9e",
	"grpc linux/amd64":         "13d000fa8e2eeaec60c226928a1a10216092836c2dca641716d541224613d9a1",
	"grpc linux/arm64":         "f3155cddcec575eb59c8776bf168d5d7a1df8e903c1617b0d8fdc88dfcf10a53",
	"hello linux/amd64":        "180590d739746b58685b7dc28ad28cc96b7540c3d5a0b85e61dac70d58d5b299",
	"hello linux/arm64":        "6567f67d0150bedd2d4449d4880d4d3fb1c3aa879f1df0f05c0484dc9b02be4b",
	"hello linux/amd64/v3":     "98a11dae408e6dfec625eacca9c7d96881a3db12441581c5ef484f3bac7dd7cf",
	"hello linux/arm/v6":       "82d737bf69b97df31d5542ab8b90323ff277b3d09967b307c191d0f4906a4269",
	"hello linux/arm/v7":       "52689c19aac149ea38538c54eafe6082d650677f3e09b478db3c8f684f54ec11",
	"hello linux/386":          "182051195df16b03d1c2700a3cafe3db357c4f9cdb9ab9b3386518a7859296e3",
	"hello linux/ppc64le":      "63b37f524cbcb890a418f421d0d8ba9e72b81cfc76f9f0d3935c735ea4dca5c1",
	"hello linux/s390x":        "c276f99954a9cfb6209e1fc03b9b693f9ea887597b27fbc84c109b5afea5574b",
	"hello linux/riscv64":      "6e03e96315783061e8c689e28f9395430be4de761ab5742bf9ad815545cd8f00",
	"hello linux/loong64":      "d5a9c6200a0c9c3fd98c9e9e65a70de129a10d419e3a5031a2cff42f93010ab1",
	"hello linux/mips64le":     "3f68ee21281b550b7b0e3e28814af2bbac6b2a59bc3998220f4c86d4c61e63e4",
	"multi linux/amd64":        "940617a09a897a20902aed3b8ef183ca97b6ac0f897c7bd249e651b35b08ae80",
	"multi linux/arm64":        "14026b54136af60308ed5533279a047ea31ed280fe67bd05bf50d5aa4c2b1779",
	"every-key linux/amd64":    "fc99031775d26f9de0649e81f5561c538570a6230b6fcaed64604d06196770b6",
	"every-key linux/arm64":    "4631faeea129be294c7acb382c8c9af39bbd94fb04842500e045ed5845b38567",
	"every-key linux/amd64/v3": "467904aadfe4700074a8f0a9eec7cd7ed27f69feaa625d0940072c90c7f4f1ad",
	"every-key linux/arm/v6":   "8549bb47c044ba7ae847a82080376360ab1fe85bd77e58536df6135a588171eb",
	"every-key linux/arm/v7":   "031d1a79aa078020bfcf468fc920d993bae88a9dd7d22bb5b0e834c123196738",
	"every-key linux/386":      "78bc2b3a89b6aeb89a62560b4e63e87d1ddb3e15f1e5825dba74fd09ee1d4509",
	"every-key linux/ppc64le":  "65fce12a39ad026ef55042b2f78122acf7ce8483f40fcfcdbdfa1e8b75513e66",
	"every-key linux/s390x":    "7103b7b05d56d611c3c0e8ab515853041e7611f1511456a634f37c0879911650",
	"every-key linux/riscv64":  "2a76e4ebd7f9c6e7678f808cfd3282ab4abcfedaad7d24d33fedb056208de24a",
	"every-key linux/loong64":  "6365a00859b48e6195e8a6a2501bd41e683b0af58e1d46c534cd53e67ac93b5a",
	"every-key linux/mips64le": "311e0814c97d447f5aa0eeef53352346bfc08149e085da53169d4345d85ca8ea",
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
