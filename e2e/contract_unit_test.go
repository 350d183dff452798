package e2e

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/goappfrontend/go-app/internal/ocirun"
	"github.com/goappfrontend/go-app/internal/ocirun/ocitest"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
)

// These tests need no stack: they check that the contract checks accept a
// conforming image and catch each kind of violation, on images made here.

type fixture struct {
	arch   string
	config ocispec.ImageConfig
	layers [][]ocitest.File
}

func elfFor(t *testing.T, arch, interp string) []byte {
	t.Helper()
	m, c, ok := ocirun.ExpectedELF(arch)
	if !ok {
		t.Fatalf("no ELF machine for %s", arch)
	}
	b, err := ocitest.ELF(c, m, interp)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// goodHello is an image that meets the contract for examples["hello"].
func goodHello(t *testing.T, arch string) fixture {
	return fixture{
		arch: arch,
		config: ocispec.ImageConfig{
			User:         "65532:65532",
			Entrypoint:   []string{"/usr/local/bin/hello"},
			WorkingDir:   "/",
			Env:          []string{runtimePATH, sslCertFile},
			ExposedPorts: map[string]struct{}{"8080/tcp": {}},
			Labels: map[string]string{
				"org.opencontainers.image.title":   "hello",
				"org.opencontainers.image.created": "2024-01-02T03:04:05Z",
				"org.opencontainers.image.version": "1.2.3",
				"foo":                              "bar",
			},
		},
		layers: [][]ocitest.File{
			{
				ocitest.Dir("etc/", 0o755),
				ocitest.Reg("etc/passwd", 0o644, []byte("root:x:0:0:root:/root:/sbin/nologin\nnonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin\n")),
				ocitest.Reg("etc/group", 0o644, []byte("root:x:0:\nnonroot:x:65532:\n")),
				ocitest.Dir("etc/ssl/", 0o755),
				ocitest.Dir("etc/ssl/certs/", 0o755),
				ocitest.Reg("etc/ssl/certs/ca-certificates.crt", 0o644, []byte("-----BEGIN CERTIFICATE-----\n")),
				ocitest.Dir("tmp/", 0o1777),
				ocitest.Dir("usr/", 0o755),
				ocitest.Dir("usr/share/", 0o755),
				ocitest.Dir("usr/share/zoneinfo/", 0o755),
				ocitest.Dir("usr/share/zoneinfo/Asia/", 0o755),
				ocitest.Reg("usr/share/zoneinfo/Asia/Shanghai", 0o644, []byte("TZif2")),
				ocitest.Reg("usr/share/zoneinfo/UTC", 0o644, []byte("TZif2")),
			},
			{
				ocitest.Dir("usr/", 0o755),
				ocitest.Dir("usr/local/", 0o755),
				ocitest.Dir("usr/local/bin/", 0o755),
				ocitest.Reg("usr/local/bin/hello", 0o755, elfFor(t, arch, "")),
			},
		},
	}
}

func (f fixture) image(t *testing.T) *ocirun.Image {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "oci")
	if err := ocitest.WriteLayout(dir, ocitest.Image{Arch: f.arch, Config: f.config, Layers: f.layers}); err != nil {
		t.Fatal(err)
	}
	l, err := ocirun.OpenLayout(dir, "")
	if err != nil {
		t.Fatal(err)
	}
	imgs, err := l.Images()
	if err != nil {
		t.Fatal(err)
	}
	if len(imgs) != 1 {
		t.Fatalf("%d images in the fixture", len(imgs))
	}
	return imgs[0]
}

func allProblems(ex example, img *ocirun.Image) []string {
	bad, _ := fileProblems(ex, img)
	return append(configProblems(ex, img), bad...)
}

func TestContractChecksAcceptConformingImage(t *testing.T) {
	for _, arch := range []string{"amd64", "arm64"} {
		img := goodHello(t, arch).image(t)
		if bad := allProblems(examples["hello"], img); len(bad) > 0 {
			t.Errorf("%s: a conforming image has problems:\n%s", arch, strings.Join(bad, "\n"))
		}
	}
}

func TestContractChecksCatchViolations(t *testing.T) {
	replace := func(f *fixture, layer int, p string, with *ocitest.File) {
		var out []ocitest.File
		for _, e := range f.layers[layer] {
			if e.Path != p {
				out = append(out, e)
			} else if with != nil {
				out = append(out, *with)
			}
		}
		f.layers[layer] = out
	}
	for _, tc := range []struct {
		name   string
		mutate func(t *testing.T, f *fixture)
		want   string
	}{
		{"tmp without sticky bit", func(t *testing.T, f *fixture) {
			d := ocitest.Dir("tmp/", 0o777)
			replace(f, 0, "tmp/", &d)
		}, "/tmp"},
		{"dynamic binary", func(t *testing.T, f *fixture) {
			b := ocitest.Reg("usr/local/bin/hello", 0o755, elfFor(t, f.arch, "/lib/ld-linux.so.2"))
			replace(f, 1, "usr/local/bin/hello", &b)
		}, "program interpreter"},
		{"binary for another arch", func(t *testing.T, f *fixture) {
			b := ocitest.Reg("usr/local/bin/hello", 0o755, elfFor(t, "arm64", ""))
			replace(f, 1, "usr/local/bin/hello", &b)
		}, "want EM_X86_64"},
		{"binary mode", func(t *testing.T, f *fixture) {
			b := ocitest.Reg("usr/local/bin/hello", 0o775, elfFor(t, f.arch, ""))
			replace(f, 1, "usr/local/bin/hello", &b)
		}, "mode 0755"},
		{"binary owner", func(t *testing.T, f *fixture) {
			b := ocitest.Reg("usr/local/bin/hello", 0o755, elfFor(t, f.arch, ""))
			b.UID = 65532
			replace(f, 1, "usr/local/bin/hello", &b)
		}, "uid 0"},
		{"extra binary", func(t *testing.T, f *fixture) {
			f.layers[1] = append(f.layers[1], ocitest.Reg("usr/local/bin/sh", 0o755, elfFor(t, f.arch, "")))
		}, "/usr/local/bin holds [hello sh]"},
		{"extra top-level dir", func(t *testing.T, f *fixture) {
			f.layers[0] = append(f.layers[0], ocitest.Dir("bin/", 0o755))
		}, "/bin (unexpected top-level entry)"},
		{"extra file in etc", func(t *testing.T, f *fixture) {
			f.layers[0] = append(f.layers[0], ocitest.Reg("etc/shadow", 0o600, []byte("x")))
		}, "unexpected entries:\n  /etc/shadow"},
		{"whiteout", func(t *testing.T, f *fixture) {
			f.layers[1] = append(f.layers[1], ocitest.Reg("etc/.wh.group", 0o644, nil))
		}, "whiteout /etc/.wh.group"},
		{"no nonroot user", func(t *testing.T, f *fixture) {
			p := ocitest.Reg("etc/passwd", 0o644, []byte("root:x:0:0:root:/root:/sbin/nologin\n"))
			replace(f, 0, "etc/passwd", &p)
		}, `/etc/passwd has no line starting "nonroot:x:65532:65532:"`},
		{"no nonroot group", func(t *testing.T, f *fixture) {
			replace(f, 0, "etc/group", nil)
		}, "read /etc/group"},
		{"certs mode", func(t *testing.T, f *fixture) {
			c := ocitest.Reg("etc/ssl/certs/ca-certificates.crt", 0o600, []byte("x"))
			replace(f, 0, "etc/ssl/certs/ca-certificates.crt", &c)
		}, "ca-certificates.crt"},
		{"empty certs", func(t *testing.T, f *fixture) {
			c := ocitest.Reg("etc/ssl/certs/ca-certificates.crt", 0o644, nil)
			replace(f, 0, "etc/ssl/certs/ca-certificates.crt", &c)
		}, "non-empty"},
		{"no Shanghai", func(t *testing.T, f *fixture) {
			replace(f, 0, "usr/share/zoneinfo/Asia/Shanghai", nil)
		}, "no /usr/share/zoneinfo/Asia/Shanghai"},
		{"too big", func(t *testing.T, f *fixture) {
			f.layers[0] = append(f.layers[0], ocitest.Reg("usr/share/zoneinfo/Big", 0o644, make([]byte, maxNonBinary)))
		}, "besides the binaries take"},
		{"four layers", func(t *testing.T, f *fixture) {
			f.layers = append(f.layers, []ocitest.File{ocitest.Dir("tmp/", 0o1777)}, []ocitest.File{ocitest.Dir("tmp/", 0o1777)})
		}, "4 layers"},
		{"root user", func(t *testing.T, f *fixture) { f.config.User = "0:0" }, `User "0:0"`},
		{"workdir", func(t *testing.T, f *fixture) { f.config.WorkingDir = "/app" }, "WorkingDir"},
		{"entrypoint", func(t *testing.T, f *fixture) { f.config.Entrypoint = []string{"/hello"} }, "Entrypoint"},
		{"no SSL_CERT_FILE", func(t *testing.T, f *fixture) { f.config.Env = []string{runtimePATH} }, "lacks SSL_CERT_FILE"},
		{"ports", func(t *testing.T, f *fixture) { f.config.ExposedPorts = nil }, "ExposedPorts"},
		{"no created label", func(t *testing.T, f *fixture) {
			delete(f.config.Labels, "org.opencontainers.image.created")
		}, "no org.opencontainers.image.created"},
		{"created not RFC 3339", func(t *testing.T, f *fixture) {
			f.config.Labels["org.opencontainers.image.created"] = "yesterday"
		}, "not RFC 3339"},
		{"caller label lost", func(t *testing.T, f *fixture) {
			delete(f.config.Labels, "foo")
		}, "label foo="},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := goodHello(t, "amd64")
			tc.mutate(t, &f)
			bad := allProblems(examples["hello"], f.image(t))
			for _, p := range bad {
				if strings.Contains(p, tc.want) {
					return
				}
			}
			t.Errorf("no problem mentions %q; problems:\n%s", tc.want, strings.Join(bad, "\n"))
		})
	}
}

func TestContractChecksPlatformMismatch(t *testing.T) {
	f := goodHello(t, "arm64")
	img := f.image(t)
	img.Platform.Architecture = "amd64" // as if the index entry disagreed with the config
	bad := strings.Join(configProblems(examples["hello"], img), "\n")
	if !strings.Contains(bad, `config architecture "arm64", index entry "amd64"`) {
		t.Errorf("problems:\n%s", bad)
	}
}
