package ocirun

import (
	"archive/tar"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"syscall"
	"testing"

	"github.com/goappfrontend/go-app/internal/ocirun/ocitest"
	"github.com/opencontainers/go-digest"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
)

var (
	baseLayer = []ocitest.File{
		dirEnt("etc/", 0o755),
		fileEnt("etc/passwd", 0o644, "root:x:0:0:root:/root:/sbin/nologin\nnonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin\n"),
		fileEnt("etc/group", 0o644, "root:x:0:\nnonroot:x:65532:\n"),
		dirEnt("tmp/", 0o1777),
		dirEnt("usr/", 0o755),
		dirEnt("usr/share/", 0o755),
		dirEnt("usr/share/zoneinfo/", 0o755),
		fileEnt("usr/share/zoneinfo/UTC", 0o644, "TZif2"),
		dirEnt("stale/", 0o755),
		fileEnt("stale/file", 0o644, "old"),
		fileEnt("stale/keep", 0o644, "keep"),
		dirEnt("opq/", 0o755),
		fileEnt("opq/old", 0o644, "old"),
	}
	binLayer = []ocitest.File{
		dirEnt("usr/local/", 0o755),
		dirEnt("usr/local/bin/", 0o755),
		fileEnt("usr/local/bin/hello", 0o755, "#!binary"),
		{Path: "usr/local/bin/hi", Type: tar.TypeSymlink, Mode: 0o777, Link: "hello"},
		{Path: "usr/local/bin/hello2", Type: tar.TypeLink, Link: "usr/local/bin/hello"},
		fileEnt("stale/.wh.file", 0o644, ""),
		dirEnt("opq/", 0o700),
		fileEnt("opq/new", 0o600, "new"),
		fileEnt("opq/.wh..wh..opq", 0o644, ""),
		{Path: "etc/passwd", Type: tar.TypeReg, Mode: 0o640, UID: 0, GID: 42, Body: []byte("root:x:0:0::/:/x\nnonroot:x:65532:65532::/home/nonroot:/x\n")},
	}
	helloConfig = ocispec.ImageConfig{
		User:         "65532:65532",
		Entrypoint:   []string{"/usr/local/bin/hello"},
		Env:          []string{"PATH=/usr/local/bin:/usr/bin", "SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt"},
		WorkingDir:   "/",
		ExposedPorts: map[string]struct{}{"8080/tcp": {}},
		Labels:       map[string]string{"org.opencontainers.image.title": "hello"},
	}
)

// buildxLayout writes a layout shaped like the one `docker buildx build
// --platform linux/amd64,linux/arm64 --output type=oci` writes: index.json
// pointing at an index of two images and their attestations.
func buildxLayout(t *testing.T) *layoutWriter {
	w := newLayout(t)
	arm := w.image("arm64", helloConfig, baseLayer, binLayer)
	amd := w.image("amd64", helloConfig, baseLayer, binLayer)
	inner := w.index("", arm, amd, w.attestation(arm), w.attestation(amd))
	inner.Annotations = map[string]string{"org.opencontainers.image.created": "2024-01-02T03:04:05Z"}
	w.index("index.json", inner)
	return w
}

func TestImagesNestedIndex(t *testing.T) {
	w := buildxLayout(t)
	imgs := w.images()
	if got, want := Platforms(imgs), []string{"linux/amd64", "linux/arm64"}; !reflect.DeepEqual(got, want) {
		t.Fatalf("platforms %v, want %v (attestations must be skipped)", got, want)
	}
	img, err := ImageFor(imgs, "linux/arm64")
	if err != nil {
		t.Fatal(err)
	}
	if img.Config.Architecture != "arm64" || img.Config.OS != "linux" {
		t.Errorf("config platform %s/%s", img.Config.OS, img.Config.Architecture)
	}
	if !reflect.DeepEqual(img.Config.Config.Entrypoint, []string{"/usr/local/bin/hello"}) {
		t.Errorf("entrypoint %v", img.Config.Config.Entrypoint)
	}
	if _, ok := img.Config.Config.ExposedPorts["8080/tcp"]; !ok {
		t.Errorf("exposed ports %v", img.Config.Config.ExposedPorts)
	}
	if v, _ := EnvValue(img.Config.Config.Env, "SSL_CERT_FILE"); v != "/etc/ssl/certs/ca-certificates.crt" {
		t.Errorf("SSL_CERT_FILE=%q", v)
	}
	if len(img.Manifest.Layers) != 2 {
		t.Errorf("%d layers", len(img.Manifest.Layers))
	}
	if _, err := ImageFor(imgs, "linux/s390x"); err == nil || !strings.Contains(err.Error(), "linux/amd64") {
		t.Errorf("ImageFor(missing) error %v should list the platforms there are", err)
	}
}

func TestOpenLayoutTar(t *testing.T) {
	w := buildxLayout(t)
	tarFile := filepath.Join(t.TempDir(), "out.tar")
	tarDir(t, w.dir, tarFile)
	l, err := OpenLayout(tarFile, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	imgs, err := l.Images()
	if err != nil {
		t.Fatal(err)
	}
	if len(imgs) != 2 {
		t.Fatalf("%d images from the tar layout", len(imgs))
	}
}

func TestOpenLayoutNotALayout(t *testing.T) {
	if _, err := OpenLayout(t.TempDir(), ""); err == nil {
		t.Fatal("an empty directory opened as a layout")
	}
}

func TestSingleManifestPlatformFromConfig(t *testing.T) {
	w := newLayout(t)
	d := w.image("riscv64", helloConfig, baseLayer)
	d.Platform = nil
	w.index("index.json", d)
	imgs := w.images()
	if got := Platforms(imgs); !reflect.DeepEqual(got, []string{"linux/riscv64"}) {
		t.Fatalf("platforms %v", got)
	}
}

func TestBlobPathRejectsTraversal(t *testing.T) {
	l := &Layout{Dir: t.TempDir()}
	for _, d := range []digest.Digest{"sha256:../../etc/passwd", "sha256", "sha256:", ":abc", "sha256:a/b"} {
		if _, err := l.BlobPath(d); err == nil {
			t.Errorf("BlobPath(%q) accepted", d)
		}
	}
}

func TestEntries(t *testing.T) {
	img := testImage(t)
	ents, err := img.Entries()
	if err != nil {
		t.Fatal(err)
	}
	byPath := map[string]Entry{}
	for _, e := range ents {
		byPath[e.Path] = e // later layers win
	}
	tmp := byPath["/tmp"]
	if !tmp.IsDir() || tmp.Mode&fs.ModeSticky == 0 || tmp.Mode.Perm() != 0o777 || tmp.Layer != 0 {
		t.Errorf("/tmp entry %v (layer %d), want sticky 0777 dir in layer 0", tmp, tmp.Layer)
	}
	bin := byPath["/usr/local/bin/hello"]
	if !bin.IsRegular() || bin.Mode.Perm() != 0o755 || bin.Size != int64(len("#!binary")) || bin.Layer != 1 {
		t.Errorf("hello entry %v", bin)
	}
	if pw := byPath["/etc/passwd"]; pw.GID != 42 || pw.Layer != 1 {
		t.Errorf("passwd entry %v (layer %d)", pw, pw.Layer)
	}
	if s := byPath["/usr/local/bin/hi"]; s.Type != tar.TypeSymlink || s.Linkname != "hello" {
		t.Errorf("symlink entry %v", s)
	}
	if !strings.Contains(bin.String(), "/usr/local/bin/hello") {
		t.Errorf("String() = %q", bin.String())
	}
}

func testImage(t *testing.T) *Image {
	t.Helper()
	w := buildxLayout(t)
	imgs := w.images()
	img, err := ImageFor(imgs, "linux/amd64")
	if err != nil {
		t.Fatal(err)
	}
	return img
}

func TestReadFile(t *testing.T) {
	img := testImage(t)
	for _, tc := range []struct {
		path, want string
		missing    bool
	}{
		{path: "/etc/passwd", want: "root:x:0:0::/:/x\nnonroot:x:65532:65532::/home/nonroot:/x\n"},
		{path: "/usr/share/zoneinfo/UTC", want: "TZif2"},
		{path: "stale/keep", want: "keep"},
		{path: "/stale/file", missing: true},
		{path: "/opq/old", missing: true},
		{path: "/opq/new", want: "new"},
		{path: "/tmp", missing: true},
		{path: "/nope", missing: true},
	} {
		got, err := img.ReadFile(tc.path)
		if tc.missing {
			if !errors.Is(err, fs.ErrNotExist) {
				t.Errorf("ReadFile(%s) = %q, %v; want not found", tc.path, got, err)
			}
			continue
		}
		if err != nil || string(got) != tc.want {
			t.Errorf("ReadFile(%s) = %q, %v; want %q", tc.path, got, err, tc.want)
		}
	}
}

func TestUnpack(t *testing.T) {
	img := testImage(t)
	root := filepath.Join(t.TempDir(), "rootfs")
	if err := img.Unpack(root); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(filepath.Join(root, "tmp"))
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode()&fs.ModeSticky == 0 || fi.Mode().Perm() != 0o777 {
		t.Errorf("/tmp mode %v, want sticky 0777", fi.Mode())
	}
	fi, err = os.Stat(filepath.Join(root, "usr/local/bin/hello"))
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o755 {
		t.Errorf("hello mode %v", fi.Mode())
	}
	if l, err := os.Readlink(filepath.Join(root, "usr/local/bin/hi")); err != nil || l != "hello" {
		t.Errorf("symlink: %q, %v", l, err)
	}
	fi2, err := os.Stat(filepath.Join(root, "usr/local/bin/hello2"))
	if err != nil || !os.SameFile(fi, fi2) {
		t.Errorf("hard link not the same file: %v", err)
	}
	if _, err := os.Stat(filepath.Join(root, "stale/file")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("whiteout: stale/file still there (%v)", err)
	}
	if _, err := os.Stat(filepath.Join(root, "stale/keep")); err != nil {
		t.Errorf("stale/keep: %v", err)
	}
	if _, err := os.Stat(filepath.Join(root, "opq/old")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("opaque whiteout: opq/old still there (%v)", err)
	}
	if b, err := os.ReadFile(filepath.Join(root, "opq/new")); err != nil || string(b) != "new" {
		t.Errorf("opq/new: %q, %v", b, err)
	}
	for _, name := range []string{"stale/.wh.file", "opq/.wh..wh..opq"} {
		if _, err := os.Lstat(filepath.Join(root, name)); err == nil {
			t.Errorf("whiteout file %s was written", name)
		}
	}
	b, err := os.ReadFile(filepath.Join(root, "etc/passwd"))
	if err != nil || !strings.HasPrefix(string(b), "root:x:0:0::/") {
		t.Errorf("passwd not replaced by the upper layer: %q, %v", b, err)
	}
	if os.Geteuid() == 0 {
		fi, err := os.Stat(filepath.Join(root, "etc/passwd"))
		if err != nil {
			t.Fatal(err)
		}
		if st := fi.Sys().(*syscall.Stat_t); st.Gid != 42 {
			t.Errorf("passwd gid %d, want 42", st.Gid)
		}
	}
}

func TestUnpackRefusesEscapes(t *testing.T) {
	for name, layer := range map[string][]ocitest.File{
		"dotdot":        {fileEnt("../evil", 0o644, "x")},
		"below symlink": {{Path: "link", Type: tar.TypeSymlink, Link: "/"}, fileEnt("link/evil", 0o644, "x")},
	} {
		t.Run(name, func(t *testing.T) {
			w := newLayout(t)
			w.index("index.json", w.image("amd64", helloConfig, layer))
			imgs := w.images()
			parent := t.TempDir()
			if err := imgs[0].Unpack(filepath.Join(parent, "rootfs")); err == nil {
				t.Error("Unpack accepted the entry")
			}
			if _, err := os.Stat(filepath.Join(parent, "evil")); err == nil {
				t.Error("wrote outside the root")
			}
		})
	}
}

func TestZstdLayerIsRefusedClearly(t *testing.T) {
	w := newLayout(t)
	d := w.image("amd64", helloConfig, baseLayer)
	// Point the manifest's layer at a zstd-looking blob.
	var m ocispec.Manifest
	l := &Layout{Dir: w.dir}
	if err := l.blobJSON(d, &m); err != nil {
		t.Fatal(err)
	}
	m.Layers[0] = w.blob("application/vnd.oci.image.layer.v1.tar+zstd", []byte{0x28, 0xb5, 0x2f, 0xfd, 0, 0, 0, 0})
	md := w.jsonBlob(ocispec.MediaTypeImageManifest, m)
	md.Platform = d.Platform
	w.index("index.json", md)
	imgs, err := l.Images()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := imgs[0].Entries(); err == nil || !strings.Contains(err.Error(), "zstd") {
		t.Fatalf("Entries error %v, want one about zstd", err)
	}
}

func TestUncompressedLayer(t *testing.T) {
	w := newLayout(t)
	m := manifest()
	m.Config = w.jsonBlob(ocispec.MediaTypeImageConfig, ocispec.Image{Platform: ocispec.Platform{OS: "linux", Architecture: "amd64"}})
	m.Layers = []ocispec.Descriptor{w.blob(ocispec.MediaTypeImageLayer, makeTar(t, []ocitest.File{fileEnt("a", 0o644, "A")}))}
	w.index("index.json", w.jsonBlob(ocispec.MediaTypeImageManifest, m))
	imgs := w.images()
	if b, err := imgs[0].ReadFile("/a"); err != nil || string(b) != "A" {
		t.Fatalf("ReadFile: %q, %v", b, err)
	}
}

func TestCleanEntryName(t *testing.T) {
	for in, want := range map[string]string{
		"./etc/passwd": "etc/passwd",
		"etc/":         "etc",
		"/usr//bin/.":  "usr/bin",
		"./":           "",
		"a/..b":        "a/..b",
	} {
		got, ok := cleanEntryName(in)
		if !ok || got != want {
			t.Errorf("cleanEntryName(%q) = %q, %v; want %q", in, got, ok, want)
		}
	}
	for _, in := range []string{"../x", "a/../../x", "a/.."} {
		if _, ok := cleanEntryName(in); ok {
			t.Errorf("cleanEntryName(%q) accepted", in)
		}
	}
}

func TestEnvValue(t *testing.T) {
	env := []string{"A=1", "B=x=y", "A=2", "C"}
	if v, ok := EnvValue(env, "A"); !ok || v != "2" {
		t.Errorf("A = %q, %v", v, ok)
	}
	if v, ok := EnvValue(env, "B"); !ok || v != "x=y" {
		t.Errorf("B = %q, %v", v, ok)
	}
	if _, ok := EnvValue(env, "D"); ok {
		t.Error("D found")
	}
}
