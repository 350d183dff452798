package ocirun

import (
	"archive/tar"
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"

	"github.com/containerd/platforms"
	"github.com/opencontainers/go-digest"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
)

// Docker's media types for a manifest list and a manifest, which
// image-spec does not define.
const (
	mediaTypeDockerList     = "application/vnd.docker.distribution.manifest.list.v2+json"
	mediaTypeDockerManifest = "application/vnd.docker.distribution.manifest.v2+json"
)

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
	var marker ocispec.ImageLayout
	if err := l.readJSON(filepath.Join(dir, ocispec.ImageLayoutFile), &marker); err != nil {
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
	return applyTar(dir, f, func(hdr *tar.Header) (bool, error) {
		if _, ok := cleanEntryName(hdr.Name); !ok {
			return false, fmt.Errorf("bad entry name %q", hdr.Name)
		}
		return hdr.Typeflag == tar.TypeDir || hdr.Typeflag == tar.TypeReg, nil
	})
}

// BlobPath is the file of a blob in the layout.
func (l *Layout) BlobPath(d digest.Digest) (string, error) {
	if err := d.Validate(); err != nil {
		return "", fmt.Errorf("bad digest %q: %w", d, err)
	}
	return filepath.Join(l.Dir, ocispec.ImageBlobsDir, d.Algorithm().String(), d.Encoded()), nil
}

// ReadBlob reads a whole blob (for manifests and configs; layers are
// streamed by OpenBlob).
func (l *Layout) ReadBlob(d ocispec.Descriptor) ([]byte, error) {
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
func (l *Layout) OpenBlob(d ocispec.Descriptor) (*os.File, error) {
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

func (l *Layout) blobJSON(d ocispec.Descriptor, v any) error {
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
func (l *Layout) Index() (*ocispec.Index, error) {
	var idx ocispec.Index
	if err := l.readJSON(filepath.Join(l.Dir, ocispec.ImageIndexFile), &idx); err != nil {
		return nil, err
	}
	return &idx, nil
}

// Image is one platform's image in a layout.
type Image struct {
	// Platform is the platform of the index entry (or, for a layout that
	// holds a single manifest without one, of the config).
	Platform ocispec.Platform
	// Descriptor is the manifest's descriptor in its index.
	Descriptor ocispec.Descriptor
	Manifest   ocispec.Manifest
	Config     ocispec.Image
	// RawConfig is the config blob as stored.
	RawConfig []byte

	layout *Layout
}

// IsAttestation reports whether an index entry is a BuildKit attestation
// manifest (provenance or SBOM) rather than an image.
func IsAttestation(d ocispec.Descriptor) bool {
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
	slices.SortStableFunc(out, func(a, b *Image) int {
		return cmp.Compare(platforms.Format(a.Platform), platforms.Format(b.Platform))
	})
	return out, nil
}

func (l *Layout) collect(idx *ocispec.Index, depth int, out *[]*Image) error {
	if depth > 8 {
		return errors.New("indexes nested too deep")
	}
	for _, d := range idx.Manifests {
		switch d.MediaType {
		case ocispec.MediaTypeImageIndex, mediaTypeDockerList:
			var sub ocispec.Index
			if err := l.blobJSON(d, &sub); err != nil {
				return err
			}
			if err := l.collect(&sub, depth+1, out); err != nil {
				return err
			}
		case ocispec.MediaTypeImageManifest, mediaTypeDockerManifest:
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

func (l *Layout) image(d ocispec.Descriptor) (*Image, error) {
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
		c := img.Config.Platform
		img.Platform = ocispec.Platform{OS: c.OS, Architecture: c.Architecture, Variant: c.Variant}
	}
	return img, nil
}

// ImageFor returns the image of platform p ("linux/arm64") among imgs.
func ImageFor(imgs []*Image, p string) (*Image, error) {
	i := slices.IndexFunc(imgs, func(img *Image) bool { return platforms.Format(img.Platform) == p })
	if i < 0 {
		return nil, fmt.Errorf("no image for %s (have %v)", p, Platforms(imgs))
	}
	return imgs[i], nil
}

// Platforms lists the platforms of imgs.
func Platforms(imgs []*Image) []string {
	var ps []string
	for _, img := range imgs {
		ps = append(ps, platforms.Format(img.Platform))
	}
	return ps
}

// cleanEntryName turns a tar entry name into a clean slash-separated path
// relative to the root ("" for the root itself). It refuses names that
// leave the root.
func cleanEntryName(name string) (string, bool) {
	if slices.Contains(strings.Split(name, "/"), "..") {
		return "", false
	}
	return strings.TrimPrefix(path.Clean("/"+strings.TrimPrefix(name, "./")), "/"), true
}
