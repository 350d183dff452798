package ocirun

import (
	"archive/tar"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
)

// Media types this package understands.
const (
	MediaTypeOCIIndex       = "application/vnd.oci.image.index.v1+json"
	MediaTypeOCIManifest    = "application/vnd.oci.image.manifest.v1+json"
	MediaTypeDockerList     = "application/vnd.docker.distribution.manifest.list.v2+json"
	MediaTypeDockerManifest = "application/vnd.docker.distribution.manifest.v2+json"
)

// Descriptor is an OCI content descriptor.
type Descriptor struct {
	MediaType    string            `json:"mediaType"`
	Digest       string            `json:"digest"`
	Size         int64             `json:"size"`
	Platform     *Platform         `json:"platform,omitempty"`
	Annotations  map[string]string `json:"annotations,omitempty"`
	ArtifactType string            `json:"artifactType,omitempty"`
}

// Platform is the platform of an index entry or image config.
type Platform struct {
	OS           string `json:"os"`
	Architecture string `json:"architecture"`
	Variant      string `json:"variant,omitempty"`
}

// String formats p as "os/arch[/variant]".
func (p Platform) String() string {
	s := p.OS + "/" + p.Architecture
	if p.Variant != "" {
		s += "/" + p.Variant
	}
	return s
}

// Index is an OCI image index (or a Docker manifest list).
type Index struct {
	SchemaVersion int          `json:"schemaVersion"`
	MediaType     string       `json:"mediaType,omitempty"`
	Manifests     []Descriptor `json:"manifests"`
}

// Manifest is an OCI image manifest.
type Manifest struct {
	SchemaVersion int               `json:"schemaVersion"`
	MediaType     string            `json:"mediaType,omitempty"`
	Config        Descriptor        `json:"config"`
	Layers        []Descriptor      `json:"layers"`
	Annotations   map[string]string `json:"annotations,omitempty"`
}

// ImageConfig is the part of an OCI image config this package reads.
type ImageConfig struct {
	Created      string          `json:"created,omitempty"`
	OS           string          `json:"os"`
	Architecture string          `json:"architecture"`
	Variant      string          `json:"variant,omitempty"`
	Config       ContainerConfig `json:"config"`
	RootFS       struct {
		Type    string   `json:"type"`
		DiffIDs []string `json:"diff_ids"`
	} `json:"rootfs"`
	History []struct {
		Created    string `json:"created,omitempty"`
		CreatedBy  string `json:"created_by,omitempty"`
		Comment    string `json:"comment,omitempty"`
		EmptyLayer bool   `json:"empty_layer,omitempty"`
	} `json:"history,omitempty"`
}

// ContainerConfig is the "config" object of an image config: how to run it.
type ContainerConfig struct {
	User         string              `json:"User,omitempty"`
	ExposedPorts map[string]struct{} `json:"ExposedPorts,omitempty"`
	Env          []string            `json:"Env,omitempty"`
	Entrypoint   []string            `json:"Entrypoint,omitempty"`
	Cmd          []string            `json:"Cmd,omitempty"`
	WorkingDir   string              `json:"WorkingDir,omitempty"`
	Labels       map[string]string   `json:"Labels,omitempty"`
	StopSignal   string              `json:"StopSignal,omitempty"`
}

// EnvValue returns the value of the variable key in env ("K=V" strings) and
// whether it is set. The last setting wins.
func EnvValue(env []string, key string) (string, bool) {
	val, ok := "", false
	for _, kv := range env {
		k, v, _ := strings.Cut(kv, "=")
		if k == key {
			val, ok = v, true
		}
	}
	return val, ok
}

// Layout is an OCI image layout directory.
type Layout struct {
	// Dir is the layout's root, the directory holding index.json.
	Dir string
}

// OpenLayout opens the OCI image layout at path: a directory (as written
// by `--output type=oci,dest=DIR,tar=false`) or a tar archive of one (as
// written by `--output type=oci,dest=FILE.tar`), which is extracted to a
// new directory under scratch (a temporary directory if scratch is empty).
func OpenLayout(path, scratch string) (*Layout, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	dir := path
	if !fi.IsDir() {
		if dir, err = os.MkdirTemp(scratch, "oci-layout-"); err != nil {
			return nil, err
		}
		if err := extractLayoutTar(path, dir); err != nil {
			return nil, fmt.Errorf("extract %s: %w", path, err)
		}
	}
	l := &Layout{Dir: dir}
	var marker struct {
		ImageLayoutVersion string `json:"imageLayoutVersion"`
	}
	if err := l.readJSON(filepath.Join(dir, "oci-layout"), &marker); err != nil {
		return nil, fmt.Errorf("%s is not an OCI image layout: %w", path, err)
	}
	return l, nil
}

// extractLayoutTar unpacks a tar of an OCI layout (only regular files and
// directories; nothing else belongs in one).
func extractLayoutTar(file, dir string) error {
	f, err := os.Open(file)
	if err != nil {
		return err
	}
	defer f.Close()
	tr := tar.NewReader(f)
	for {
		hdr, err := tr.Next()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		name, ok := cleanEntryName(hdr.Name)
		if !ok {
			return fmt.Errorf("bad entry name %q", hdr.Name)
		}
		if name == "" {
			continue
		}
		dst := filepath.Join(dir, filepath.FromSlash(name))
		switch hdr.Typeflag {
		case tar.TypeDir:
			if err := os.MkdirAll(dst, 0o755); err != nil {
				return err
			}
		case tar.TypeReg:
			if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
				return err
			}
			out, err := os.Create(dst)
			if err != nil {
				return err
			}
			if err := copyAndClose(out, tr); err != nil {
				return err
			}
		}
	}
}

// BlobPath is the file of a blob in the layout.
func (l *Layout) BlobPath(digest string) (string, error) {
	alg, hex, ok := strings.Cut(digest, ":")
	if !ok || alg == "" || hex == "" || strings.ContainsAny(digest, "/\\.") {
		return "", fmt.Errorf("bad digest %q", digest)
	}
	return filepath.Join(l.Dir, "blobs", alg, hex), nil
}

// ReadBlob reads a whole blob (for manifests and configs; layers are
// streamed by OpenBlob).
func (l *Layout) ReadBlob(d Descriptor) ([]byte, error) {
	p, err := l.BlobPath(d.Digest)
	if err != nil {
		return nil, err
	}
	b, err := os.ReadFile(p)
	if err != nil {
		return nil, err
	}
	if d.Size > 0 && int64(len(b)) != d.Size {
		return nil, fmt.Errorf("blob %s: size %d, descriptor says %d", d.Digest, len(b), d.Size)
	}
	return b, nil
}

// OpenBlob opens a blob for reading.
func (l *Layout) OpenBlob(d Descriptor) (*os.File, error) {
	p, err := l.BlobPath(d.Digest)
	if err != nil {
		return nil, err
	}
	return os.Open(p)
}

func (l *Layout) readJSON(file string, v any) error {
	b, err := os.ReadFile(file)
	if err != nil {
		return err
	}
	return json.Unmarshal(b, v)
}

func (l *Layout) blobJSON(d Descriptor, v any) error {
	b, err := l.ReadBlob(d)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(b, v); err != nil {
		return fmt.Errorf("blob %s: %w", d.Digest, err)
	}
	return nil
}

// Index reads the layout's top-level index.json.
func (l *Layout) Index() (*Index, error) {
	var idx Index
	if err := l.readJSON(filepath.Join(l.Dir, "index.json"), &idx); err != nil {
		return nil, err
	}
	return &idx, nil
}

// Image is one platform's image in a layout.
type Image struct {
	// Platform is the platform of the index entry (or, for a layout that
	// holds a single manifest without one, of the config).
	Platform Platform
	// Descriptor is the manifest's descriptor in its index.
	Descriptor Descriptor
	Manifest   Manifest
	Config     ImageConfig
	// RawConfig is the config blob as stored.
	RawConfig []byte

	layout *Layout
}

// IsAttestation reports whether an index entry is a BuildKit attestation
// manifest (provenance or SBOM) rather than an image.
func IsAttestation(d Descriptor) bool {
	if d.Annotations["vnd.docker.reference.type"] == "attestation-manifest" {
		return true
	}
	return d.Platform != nil && d.Platform.OS == "unknown" && d.Platform.Architecture == "unknown"
}

// Images returns the layout's images, one per platform, sorted by platform.
// Nested indexes are followed; attestation manifests are skipped.
func (l *Layout) Images() ([]*Image, error) {
	idx, err := l.Index()
	if err != nil {
		return nil, err
	}
	var out []*Image
	if err := l.collect(idx, 0, &out); err != nil {
		return nil, err
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Platform.String() < out[j].Platform.String() })
	return out, nil
}

func (l *Layout) collect(idx *Index, depth int, out *[]*Image) error {
	if depth > 8 {
		return errors.New("indexes nested too deep")
	}
	for _, d := range idx.Manifests {
		switch d.MediaType {
		case MediaTypeOCIIndex, MediaTypeDockerList:
			var sub Index
			if err := l.blobJSON(d, &sub); err != nil {
				return err
			}
			if err := l.collect(&sub, depth+1, out); err != nil {
				return err
			}
		case MediaTypeOCIManifest, MediaTypeDockerManifest:
			if IsAttestation(d) {
				continue
			}
			img, err := l.image(d)
			if err != nil {
				return err
			}
			*out = append(*out, img)
		default:
			// Other artifacts are not images.
		}
	}
	return nil
}

func (l *Layout) image(d Descriptor) (*Image, error) {
	img := &Image{Descriptor: d, layout: l}
	if err := l.blobJSON(d, &img.Manifest); err != nil {
		return nil, fmt.Errorf("manifest: %w", err)
	}
	raw, err := l.ReadBlob(img.Manifest.Config)
	if err != nil {
		return nil, fmt.Errorf("config of %s: %w", d.Digest, err)
	}
	if err := json.Unmarshal(raw, &img.Config); err != nil {
		return nil, fmt.Errorf("config of %s: %w", d.Digest, err)
	}
	img.RawConfig = raw
	if d.Platform != nil {
		img.Platform = *d.Platform
	} else {
		img.Platform = Platform{OS: img.Config.OS, Architecture: img.Config.Architecture, Variant: img.Config.Variant}
	}
	return img, nil
}

// ImageFor returns the image of platform p ("linux/arm64") among imgs.
func ImageFor(imgs []*Image, p string) (*Image, error) {
	var have []string
	for _, img := range imgs {
		if img.Platform.String() == p {
			return img, nil
		}
		have = append(have, img.Platform.String())
	}
	return nil, fmt.Errorf("no image for %s (have %v)", p, have)
}

// Platforms lists the platforms of imgs.
func Platforms(imgs []*Image) []string {
	var ps []string
	for _, img := range imgs {
		ps = append(ps, img.Platform.String())
	}
	return ps
}

// cleanEntryName turns a tar entry name into a clean slash-separated path
// relative to the root ("" for the root itself). It refuses names that
// leave the root.
func cleanEntryName(name string) (string, bool) {
	n := path.Clean("/" + strings.TrimPrefix(name, "./"))
	if strings.Contains(name, "..") {
		for _, el := range strings.Split(name, "/") {
			if el == ".." {
				return "", false
			}
		}
	}
	return strings.TrimPrefix(n, "/"), true
}
