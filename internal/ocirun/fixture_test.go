package ocirun

import (
	"archive/tar"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/goappfrontend/go-app/internal/ocirun/ocitest"
	"github.com/opencontainers/go-digest"
	"github.com/opencontainers/image-spec/specs-go"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
)

// Test layers are lists of ocitest.File.

func dirEnt(name string, mode int64) ocitest.File { return ocitest.Dir(name, mode) }

func fileEnt(name string, mode int64, body string) ocitest.File {
	return ocitest.Reg(name, mode, []byte(body))
}

func makeTar(t *testing.T, files []ocitest.File) []byte {
	t.Helper()
	b, err := ocitest.Tar(files)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func gzipBytes(t *testing.T, b []byte) []byte {
	t.Helper()
	gz, err := ocitest.Gzip(b)
	if err != nil {
		t.Fatal(err)
	}
	return gz
}

// layoutWriter writes an OCI layout for tests.
type layoutWriter struct {
	t   *testing.T
	dir string
}

func newLayout(t *testing.T) *layoutWriter {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "oci-layout"), []byte(`{"imageLayoutVersion":"1.0.0"}`), 0o644); err != nil {
		t.Fatal(err)
	}
	return &layoutWriter{t: t, dir: dir}
}

func (w *layoutWriter) blob(mediaType string, b []byte) ocispec.Descriptor {
	w.t.Helper()
	d := digest.FromBytes(b)
	p := filepath.Join(w.dir, "blobs", d.Algorithm().String(), d.Encoded())
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		w.t.Fatal(err)
	}
	if err := os.WriteFile(p, b, 0o644); err != nil {
		w.t.Fatal(err)
	}
	return ocispec.Descriptor{MediaType: mediaType, Digest: d, Size: int64(len(b))}
}

func (w *layoutWriter) jsonBlob(mediaType string, v any) ocispec.Descriptor {
	w.t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		w.t.Fatal(err)
	}
	return w.blob(mediaType, b)
}

// image writes config, layers (gzip) and manifest and returns the
// manifest's descriptor with its platform set.
func (w *layoutWriter) image(arch string, cfg ocispec.ImageConfig, layers ...[]ocitest.File) ocispec.Descriptor {
	w.t.Helper()
	m := manifest()
	created := time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)
	ic := ocispec.Image{Platform: ocispec.Platform{OS: "linux", Architecture: arch}, Config: cfg, Created: &created}
	ic.RootFS.Type = "layers"
	for _, l := range layers {
		raw := makeTar(w.t, l)
		ic.RootFS.DiffIDs = append(ic.RootFS.DiffIDs, digest.FromBytes(raw))
		m.Layers = append(m.Layers, w.blob(ocispec.MediaTypeImageLayerGzip, gzipBytes(w.t, raw)))
	}
	m.Config = w.jsonBlob(ocispec.MediaTypeImageConfig, ic)
	d := w.jsonBlob(ocispec.MediaTypeImageManifest, m)
	d.Platform = &ocispec.Platform{OS: "linux", Architecture: arch}
	return d
}

// manifest is an empty OCI image manifest.
func manifest() ocispec.Manifest {
	return ocispec.Manifest{Versioned: specs.Versioned{SchemaVersion: 2}, MediaType: ocispec.MediaTypeImageManifest}
}

// attestation writes a BuildKit-style attestation manifest for subject.
func (w *layoutWriter) attestation(subject ocispec.Descriptor) ocispec.Descriptor {
	w.t.Helper()
	m := manifest()
	m.Config = w.blob(ocispec.MediaTypeImageConfig, []byte(`{"architecture":"unknown","os":"unknown","config":{},"rootfs":{"type":"layers","diff_ids":[]}}`))
	m.Layers = []ocispec.Descriptor{w.blob("application/vnd.in-toto+json", []byte(`{"_type":"https://in-toto.io/Statement/v0.1"}`))}
	d := w.jsonBlob(ocispec.MediaTypeImageManifest, m)
	d.Platform = &ocispec.Platform{OS: "unknown", Architecture: "unknown"}
	d.Annotations = map[string]string{
		"vnd.docker.reference.digest": subject.Digest.String(),
		"vnd.docker.reference.type":   "attestation-manifest",
	}
	return d
}

func (w *layoutWriter) index(file string, ds ...ocispec.Descriptor) ocispec.Descriptor {
	w.t.Helper()
	idx := ocispec.Index{Versioned: specs.Versioned{SchemaVersion: 2}, MediaType: ocispec.MediaTypeImageIndex, Manifests: ds}
	if file != "" {
		b, err := json.Marshal(idx)
		if err != nil {
			w.t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(w.dir, file), b, 0o644); err != nil {
			w.t.Fatal(err)
		}
		return ocispec.Descriptor{}
	}
	return w.jsonBlob(ocispec.MediaTypeImageIndex, idx)
}

// images opens the layout and returns its images.
func (w *layoutWriter) images() []*Image {
	w.t.Helper()
	l, err := OpenLayout(w.dir, "")
	if err != nil {
		w.t.Fatal(err)
	}
	imgs, err := l.Images()
	if err != nil {
		w.t.Fatal(err)
	}
	return imgs
}

// tarDir packs a directory into a tar file (for the tar form of a layout).
func tarDir(t *testing.T, dir, dst string) {
	t.Helper()
	f, err := os.Create(dst)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	tw := tar.NewWriter(f)
	if err := tw.AddFS(os.DirFS(dir)); err != nil {
		t.Fatal(err)
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
}
