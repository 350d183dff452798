package ocirun

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// tarEntry is one entry of a test layer.
type tarEntry struct {
	name     string
	typ      byte
	mode     int64
	uid, gid int
	body     string
	link     string
}

func dirEnt(name string, mode int64) tarEntry {
	return tarEntry{name: name, typ: tar.TypeDir, mode: mode}
}

func fileEnt(name string, mode int64, body string) tarEntry {
	return tarEntry{name: name, typ: tar.TypeReg, mode: mode, body: body}
}

func makeTar(t *testing.T, ents []tarEntry) []byte {
	t.Helper()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, e := range ents {
		hdr := &tar.Header{
			Name:     e.name,
			Typeflag: e.typ,
			Mode:     e.mode,
			Uid:      e.uid,
			Gid:      e.gid,
			Linkname: e.link,
			ModTime:  time.Unix(1700000000, 0),
			Format:   tar.FormatPAX,
		}
		if e.typ == tar.TypeReg {
			hdr.Size = int64(len(e.body))
		}
		if err := tw.WriteHeader(hdr); err != nil {
			t.Fatal(err)
		}
		if e.typ == tar.TypeReg {
			if _, err := tw.Write([]byte(e.body)); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func gzipBytes(t *testing.T, b []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	if _, err := zw.Write(b); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
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

func (w *layoutWriter) blob(mediaType string, b []byte) Descriptor {
	w.t.Helper()
	sum := sha256.Sum256(b)
	hexSum := hex.EncodeToString(sum[:])
	p := filepath.Join(w.dir, "blobs", "sha256", hexSum)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		w.t.Fatal(err)
	}
	if err := os.WriteFile(p, b, 0o644); err != nil {
		w.t.Fatal(err)
	}
	return Descriptor{MediaType: mediaType, Digest: "sha256:" + hexSum, Size: int64(len(b))}
}

func (w *layoutWriter) jsonBlob(mediaType string, v any) Descriptor {
	w.t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		w.t.Fatal(err)
	}
	return w.blob(mediaType, b)
}

// image writes config, layers (gzip) and manifest and returns the
// manifest's descriptor with its platform set.
func (w *layoutWriter) image(arch string, cfg ContainerConfig, layers ...[]tarEntry) Descriptor {
	w.t.Helper()
	m := Manifest{SchemaVersion: 2, MediaType: MediaTypeOCIManifest}
	ic := ImageConfig{OS: "linux", Architecture: arch, Config: cfg, Created: "2024-01-02T03:04:05Z"}
	ic.RootFS.Type = "layers"
	for _, l := range layers {
		raw := makeTar(w.t, l)
		sum := sha256.Sum256(raw)
		ic.RootFS.DiffIDs = append(ic.RootFS.DiffIDs, "sha256:"+hex.EncodeToString(sum[:]))
		m.Layers = append(m.Layers, w.blob("application/vnd.oci.image.layer.v1.tar+gzip", gzipBytes(w.t, raw)))
	}
	m.Config = w.jsonBlob("application/vnd.oci.image.config.v1+json", ic)
	d := w.jsonBlob(MediaTypeOCIManifest, m)
	d.Platform = &Platform{OS: "linux", Architecture: arch}
	return d
}

// attestation writes a BuildKit-style attestation manifest for subject.
func (w *layoutWriter) attestation(subject Descriptor) Descriptor {
	w.t.Helper()
	m := Manifest{SchemaVersion: 2, MediaType: MediaTypeOCIManifest,
		Config: w.blob("application/vnd.oci.image.config.v1+json", []byte(`{"architecture":"unknown","os":"unknown","config":{},"rootfs":{"type":"layers","diff_ids":[]}}`)),
		Layers: []Descriptor{w.blob("application/vnd.in-toto+json", []byte(`{"_type":"https://in-toto.io/Statement/v0.1"}`))},
	}
	d := w.jsonBlob(MediaTypeOCIManifest, m)
	d.Platform = &Platform{OS: "unknown", Architecture: "unknown"}
	d.Annotations = map[string]string{
		"vnd.docker.reference.digest": subject.Digest,
		"vnd.docker.reference.type":   "attestation-manifest",
	}
	return d
}

func (w *layoutWriter) index(file string, ds ...Descriptor) Descriptor {
	w.t.Helper()
	idx := Index{SchemaVersion: 2, MediaType: MediaTypeOCIIndex, Manifests: ds}
	if file != "" {
		b, err := json.Marshal(idx)
		if err != nil {
			w.t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(w.dir, file), b, 0o644); err != nil {
			w.t.Fatal(err)
		}
		return Descriptor{}
	}
	return w.jsonBlob(MediaTypeOCIIndex, idx)
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
	err = filepath.Walk(dir, func(p string, fi os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		if rel == "." {
			return nil
		}
		hdr, err := tar.FileInfoHeader(fi, "")
		if err != nil {
			return err
		}
		hdr.Name = filepath.ToSlash(rel)
		if err := tw.WriteHeader(hdr); err != nil {
			return err
		}
		if fi.Mode().IsRegular() {
			b, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			_, err = tw.Write(b)
			return err
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
}
