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
	"deps linux/amd64":         "4a8469323f26d57751ec6dda15bc3ce468bc1d71e0427e337ca6ac0c4f21ca1a",
	"deps linux/arm64":         "16433f9e61080882af352ad6817e77f7a1c1f5ab6506ec8ea0b7a816b8869209",
	"grpc linux/amd64":         "9e6b57c820cd6e96eebb4a92bae7c65d911f1efd027808b7cc3bc3f0e4a5579d",
	"grpc linux/arm64":         "b0e68e7f9a2439c8d357c09ea5b4eff77f1307663f19a034351db5b5125cdf6e",
	"hello linux/amd64":        "3f5814da3dca3c47b26dce773f4944c3add25e776d0911454c38ea15dee119ec",
	"hello linux/arm64":        "2be1385f0a4d6a4bc115a6d1d63caedc76db5b8289897fc04d492c73834e7efb",
	"hello linux/amd64/v3":     "565e86a0f0fff50d85b620012d517236fdcbc07ca19001fab329cb785484084d",
	"hello linux/arm/v6":       "610102fa4587b091793d1f9c66161d87ca8d7755b1cbee436dc62b5e4d3a06fa",
	"hello linux/arm/v7":       "42ecee23c6dfca7fcf61f4432cda8144a719d79a33da0e7c7676f1f9be7ffa44",
	"hello linux/386":          "6a84eff0ad91c1f33c94fafdfcb23b8677770a37b5c2ef390a439efbe255e232",
	"hello linux/ppc64le":      "e08f66328843094b95e28ab02e2e5d6a3ab05de13f6f905d2988d58097a5eb1e",
	"hello linux/s390x":        "69201a7cf642b91536a1ce67cac71ca1b4c10b2506c602677456576a0a618cd1",
	"hello linux/riscv64":      "7312183317ede62dbdba4dc620bc97885f5dbced5826d159b0adf3384adb5751",
	"hello linux/loong64":      "c30d8ddaed039d4aaf5ab6a143934f92ad9fe63f5f75b5a40f45619f4cfa75d0",
	"hello linux/mips64le":     "5f44dcf8b4c6988edd2eee9934d8dbcc16250f786178befb7d608e81645624d4",
	"multi linux/amd64":        "39151f28497aecfacaad24aeb925246fce20d009dabed07a38b755368c1bd162",
	"multi linux/arm64":        "d9f49e8413af1f9ee31e9a5fa7acbf2574296806b3aaf8c44e09173890dd064a",
	"rocksdb linux/amd64":      "38a48f2509e7f58fb10b68e752b743772999b1468f589d63a4d530375a6925cb",
	"rocksdb linux/arm64":      "e18185242d12551540429c8a4bb2ae81762384a121f4a8bf43f217efe659f182",
	"sqlite linux/amd64":       "3f779d3fc91f89a029d2d4a7fb95904a31a56b2d4be80c512a7cfbc67afea1cb",
	"sqlite linux/arm64":       "54decdcbef0ea38261922f8ebc0033c68553604257af77f1571953f0bd1c7656",
	"every-key linux/amd64":    "7dee5dcac5d68a0ece8a9e105e870e946b586160f7cd7531c7dd61f61ce976ad",
	"every-key linux/arm64":    "df5f43669098eee105f7dca18d63cbef2485984217b1233ca282d2975986caa7",
	"every-key linux/amd64/v3": "23d875ea25fa943d11bd96bfcba30cf8b1fa80c085b75a324bac3dcf65ac0c2c",
	"every-key linux/arm/v6":   "1cb4988f3d1c649049c80a65901b3b89e449d9758aaf635302d63e2cc2d4c377",
	"every-key linux/arm/v7":   "e48a034134346444c3529914ca76390debb1e0f9c25b1736f2e6a9b885d3ac5b",
	"every-key linux/386":      "f9bb158e76db144ae690d4568df504bf4d6a223244e9789923fa95fe1eb2afe4",
	"every-key linux/ppc64le":  "f7d642e7c6c858c407660796a7a84598f376602cea6e390a94d375f56ab8e080",
	"every-key linux/s390x":    "7828305abee7eeefff47ed0038319ee2041577c50faa2e5cc613bf5060dcdb75",
	"every-key linux/riscv64":  "4fb16ec9c3bceafdb5bc8aa139bfd293baf28cd03db54d987928a09696b9456a",
	"every-key linux/loong64":  "d392e3185f31e2df192d6db955f2f0677c053ef0608fb497e8be1da8d8d21dc2",
	"every-key linux/mips64le": "2e93d6984a7ee4a143561a79755a325e56ed96e3d4038ef898e4a4efde8e9969",
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
