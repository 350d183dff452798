package main

import (
	"archive/tar"
	"bufio"
	"bytes"
	"compress/gzip"
	"debug/buildinfo"
	"debug/elf"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// Just enough of the OCI image layout to measure an image.
type ociDescriptor struct {
	MediaType   string            `json:"mediaType"`
	Digest      string            `json:"digest"`
	Size        int64             `json:"size"`
	Annotations map[string]string `json:"annotations,omitempty"`
	Platform    *struct {
		OS           string `json:"os"`
		Architecture string `json:"architecture"`
		Variant      string `json:"variant,omitempty"`
	} `json:"platform,omitempty"`
}

type ociIndex struct {
	MediaType string          `json:"mediaType"`
	Manifests []ociDescriptor `json:"manifests"`
	// set when the blob is an image manifest
	Config *ociDescriptor  `json:"config"`
	Layers []ociDescriptor `json:"layers"`
}

type ociConfig struct {
	OS           string `json:"os"`
	Architecture string `json:"architecture"`
}

func blobPath(dir, digest string) (string, error) {
	alg, hex, ok := strings.Cut(digest, ":")
	if !ok || alg == "" || hex == "" || strings.ContainsAny(hex, "/.") {
		return "", fmt.Errorf("bad digest %q", digest)
	}
	return filepath.Join(dir, "blobs", alg, hex), nil
}

func readBlobJSON(dir, digest string, v any) error {
	p, err := blobPath(dir, digest)
	if err != nil {
		return err
	}
	b, err := os.ReadFile(p)
	if err != nil {
		return err
	}
	return json.Unmarshal(b, v)
}

// findManifest walks the layout's indexes to the image manifest of platform
// ("os/arch"), skipping attestation manifests.
func findManifest(dir string, descs []ociDescriptor, platform string, depth int) (*ociIndex, error) {
	if depth > 4 {
		return nil, fmt.Errorf("indexes nested too deep")
	}
	for _, d := range descs {
		if d.Annotations["vnd.docker.reference.type"] == "attestation-manifest" {
			continue
		}
		if d.Platform != nil && d.Platform.OS+"/"+d.Platform.Architecture != platform {
			continue
		}
		var m ociIndex
		if err := readBlobJSON(dir, d.Digest, &m); err != nil {
			return nil, err
		}
		if len(m.Manifests) > 0 {
			if found, err := findManifest(dir, m.Manifests, platform, depth+1); err != nil || found != nil {
				return found, err
			}
			continue
		}
		if m.Config == nil {
			continue
		}
		var c ociConfig
		if err := readBlobJSON(dir, m.Config.Digest, &c); err != nil {
			return nil, err
		}
		if c.OS+"/"+c.Architecture == platform {
			return &m, nil
		}
	}
	return nil, nil
}

// inspectLayout measures the image of platform in an OCI layout directory:
// compressed layer bytes, layer count, and the uncompressed bytes of the ELF
// executables and of everything else.
func inspectLayout(dir, platform string) (*Image, error) {
	var idx ociIndex
	b, err := os.ReadFile(filepath.Join(dir, "index.json"))
	if err != nil {
		return nil, err
	}
	if err := json.Unmarshal(b, &idx); err != nil {
		return nil, err
	}
	m, err := findManifest(dir, idx.Manifests, platform, 0)
	if err != nil {
		return nil, err
	}
	if m == nil {
		return nil, fmt.Errorf("no %s image in %s", platform, dir)
	}
	img := &Image{Platform: platform, Layers: len(m.Layers)}
	for _, l := range m.Layers {
		img.CompressedBytes += l.Size
		if err := scanLayer(dir, l, img); err != nil {
			return nil, fmt.Errorf("layer %s: %w", l.Digest, err)
		}
	}
	return img, nil
}

func scanLayer(dir string, l ociDescriptor, img *Image) error {
	p, err := blobPath(dir, l.Digest)
	if err != nil {
		return err
	}
	f, err := os.Open(p)
	if err != nil {
		return err
	}
	defer f.Close()
	br := bufio.NewReader(f)
	var rd io.Reader = br
	if magic, _ := br.Peek(2); bytes.Equal(magic, []byte{0x1f, 0x8b}) {
		zr, err := gzip.NewReader(br)
		if err != nil {
			return err
		}
		defer zr.Close()
		rd = zr
	} else if strings.Contains(l.MediaType, "zstd") {
		return fmt.Errorf("zstd layers are not supported")
	}
	tr := tar.NewReader(rd)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		if h.Typeflag != tar.TypeReg {
			continue
		}
		if strings.HasPrefix(filepath.Base(h.Name), ".wh.") {
			continue
		}
		var head [4]byte
		n, _ := io.ReadFull(tr, head[:])
		img.Files++
		if n == 4 && bytes.Equal(head[:], []byte("\x7fELF")) {
			img.BinaryBytes += h.Size
			if h.Size > img.goBin {
				b, err := io.ReadAll(io.MultiReader(bytes.NewReader(head[:]), tr))
				if err != nil {
					return err
				}
				if gb, err := goBuild(bytes.NewReader(b)); err == nil {
					img.GoBuild, img.goBin = gb, h.Size
				}
			}
		} else {
			img.BesidesBinaryBytes += h.Size
		}
	}
}

// goBuild describes how a Go binary was built, from the binary itself: the
// settings of its build information as `go version -m` prints them
// (CGO_ENABLED, -trimpath, -tags, ...; without GOOS, GOARCH, the compiler,
// the default build mode and VCS stamps), whether it has a symbol table
// and DWARF, and whether it is statically linked. The go command leaves
// -ldflags out of the build information of a -trimpath build, so -s and -w
// are read from the ELF sections.
func goBuild(r io.ReaderAt) (string, error) {
	bi, err := buildinfo.Read(r)
	if err != nil {
		return "", err
	}
	var parts []string
	for _, s := range bi.Settings {
		switch {
		case s.Key == "GOOS", s.Key == "GOARCH", s.Key == "-compiler", s.Key == "DefaultGODEBUG",
			s.Key == "-buildmode" && s.Value == "exe", strings.HasPrefix(s.Key, "vcs"):
			continue
		}
		v := s.Value
		if strings.ContainsAny(v, " \t\"'") {
			v = strconv.Quote(v)
		}
		parts = append(parts, s.Key+"="+v)
	}
	f, err := elf.NewFile(r)
	if err != nil {
		return "", err
	}
	// A dynamically linked binary names its loader (PT_INTERP).
	linked := "statically linked"
	for _, pr := range f.Progs {
		if pr.Type == elf.PT_INTERP {
			linked = "dynamically linked"
		}
	}
	var symtab, dwarf bool
	for _, sec := range f.Sections {
		switch {
		case sec.Name == ".symtab":
			symtab = true
		case strings.HasPrefix(sec.Name, ".debug_"), strings.HasPrefix(sec.Name, ".zdebug_"):
			dwarf = true
		}
	}
	switch {
	case !symtab && !dwarf:
		parts = append(parts, "stripped (no symbol table, no DWARF: -s -w)")
	case symtab && dwarf:
		parts = append(parts, "NOT stripped (symbol table and DWARF)")
	case symtab:
		parts = append(parts, "symbol table, no DWARF (-w only)")
	default:
		parts = append(parts, "DWARF, no symbol table (-s only)")
	}
	parts = append(parts, linked)
	return strings.Join(parts, " "), nil
}

// binaryGoBuild is goBuild of a binary file.
func binaryGoBuild(file string) (string, error) {
	f, err := os.Open(file)
	if err != nil {
		return "", err
	}
	defer f.Close()
	return goBuild(f)
}
