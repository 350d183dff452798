// Package ocitest makes test fixtures for the ocirun package and its
// users: OCI image layouts shaped like the ones docker buildx writes, and
// small ELF files.
package ocitest

import (
	"archive/tar"
	"bytes"
	"cmp"
	"compress/gzip"
	"debug/elf"
	"encoding/binary"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"time"

	"github.com/opencontainers/go-digest"
	"github.com/opencontainers/image-spec/specs-go"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
)

// File is one entry of a layer.
type File struct {
	Path     string // relative, like "etc/passwd"
	Type     byte   // tar.TypeReg, tar.TypeDir, tar.TypeSymlink, tar.TypeLink
	Mode     int64  // permission bits plus 0o1000 (sticky) etc.
	UID, GID int
	Body     []byte
	Link     string
}

// Dir is a directory entry.
func Dir(p string, mode int64) File { return File{Path: p, Type: tar.TypeDir, Mode: mode} }

// Reg is a regular file entry.
func Reg(p string, mode int64, body []byte) File {
	return File{Path: p, Type: tar.TypeReg, Mode: mode, Body: body}
}

// Image is one platform's image.
type Image struct {
	OS, Arch string
	// Config is the image config's "config" object (User, Env, Entrypoint,
	// ...).
	Config ocispec.ImageConfig
	Layers [][]File
}

// Tar makes an uncompressed tar of files.
func Tar(files []File) ([]byte, error) {
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, f := range files {
		hdr := &tar.Header{Name: f.Path, Typeflag: f.Type, Mode: f.Mode, Uid: f.UID, Gid: f.GID,
			Linkname: f.Link, ModTime: time.Unix(1700000000, 0), Format: tar.FormatPAX}
		if f.Type == tar.TypeReg {
			hdr.Size = int64(len(f.Body))
		}
		if err := tw.WriteHeader(hdr); err != nil {
			return nil, err
		}
		if f.Type == tar.TypeReg {
			if _, err := tw.Write(f.Body); err != nil {
				return nil, err
			}
		}
	}
	err := tw.Close()
	return buf.Bytes(), err
}

// Gzip compresses b, as the layers of a layout are.
func Gzip(b []byte) ([]byte, error) {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	if _, err := zw.Write(b); err != nil {
		return nil, err
	}
	err := zw.Close()
	return buf.Bytes(), err
}

type writer struct{ dir string }

func (w writer) blob(mediaType string, b []byte) (ocispec.Descriptor, error) {
	d := digest.FromBytes(b)
	p := filepath.Join(w.dir, ocispec.ImageBlobsDir, d.Algorithm().String(), d.Encoded())
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return ocispec.Descriptor{}, err
	}
	if err := os.WriteFile(p, b, 0o644); err != nil {
		return ocispec.Descriptor{}, err
	}
	return ocispec.Descriptor{MediaType: mediaType, Digest: d, Size: int64(len(b))}, nil
}

func (w writer) json(mediaType string, v any) (ocispec.Descriptor, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return ocispec.Descriptor{}, err
	}
	return w.blob(mediaType, b)
}

// v2 is the schema version of manifests and indexes.
var v2 = specs.Versioned{SchemaVersion: 2}

// WriteLayout writes an OCI image layout to dir like `docker buildx build
// --output type=oci,tar=false` does: index.json points at an image index
// holding each image (gzip layers) and an attestation manifest for it.
func WriteLayout(dir string, imgs ...Image) error {
	w := writer{dir}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	layout, err := json.Marshal(ocispec.ImageLayout{Version: ocispec.ImageLayoutVersion})
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, ocispec.ImageLayoutFile), layout, 0o644); err != nil {
		return err
	}
	var manifests []ocispec.Descriptor
	for _, img := range imgs {
		m, err := w.image(img)
		if err != nil {
			return err
		}
		att, err := w.attestation(m)
		if err != nil {
			return err
		}
		manifests = append(manifests, m, att)
	}
	inner, err := w.json(ocispec.MediaTypeImageIndex, ocispec.Index{Versioned: v2, MediaType: ocispec.MediaTypeImageIndex, Manifests: manifests})
	if err != nil {
		return err
	}
	top, err := json.Marshal(ocispec.Index{Versioned: v2, MediaType: ocispec.MediaTypeImageIndex, Manifests: []ocispec.Descriptor{inner}})
	if err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, ocispec.ImageIndexFile), top, 0o644)
}

// image writes img's layers, config and manifest and returns the
// manifest's descriptor, with its platform.
func (w writer) image(img Image) (ocispec.Descriptor, error) {
	platform := ocispec.Platform{OS: cmp.Or(img.OS, "linux"), Architecture: img.Arch}
	cfg := ocispec.Image{Platform: platform, Config: img.Config, RootFS: ocispec.RootFS{Type: "layers"}}
	var layers []ocispec.Descriptor
	for _, files := range img.Layers {
		raw, err := Tar(files)
		if err != nil {
			return ocispec.Descriptor{}, err
		}
		cfg.RootFS.DiffIDs = append(cfg.RootFS.DiffIDs, digest.FromBytes(raw))
		gz, err := Gzip(raw)
		if err != nil {
			return ocispec.Descriptor{}, err
		}
		d, err := w.blob(ocispec.MediaTypeImageLayerGzip, gz)
		if err != nil {
			return ocispec.Descriptor{}, err
		}
		layers = append(layers, d)
	}
	c, err := w.json(ocispec.MediaTypeImageConfig, cfg)
	if err != nil {
		return ocispec.Descriptor{}, err
	}
	m, err := w.json(ocispec.MediaTypeImageManifest, ocispec.Manifest{Versioned: v2, MediaType: ocispec.MediaTypeImageManifest, Config: c, Layers: layers})
	m.Platform = &platform
	return m, err
}

// attestation writes a BuildKit attestation manifest for the image m and
// returns its descriptor.
func (w writer) attestation(m ocispec.Descriptor) (ocispec.Descriptor, error) {
	stmt, err := w.blob("application/vnd.in-toto+json", []byte(`{"_type":"https://in-toto.io/Statement/v0.1"}`))
	if err != nil {
		return ocispec.Descriptor{}, err
	}
	acfg, err := w.blob(ocispec.MediaTypeImageConfig, []byte(`{"architecture":"unknown","os":"unknown","config":{},"rootfs":{"type":"layers","diff_ids":[]}}`))
	if err != nil {
		return ocispec.Descriptor{}, err
	}
	att, err := w.json(ocispec.MediaTypeImageManifest, ocispec.Manifest{Versioned: v2, MediaType: ocispec.MediaTypeImageManifest, Config: acfg, Layers: []ocispec.Descriptor{stmt}})
	att.Platform = &ocispec.Platform{OS: "unknown", Architecture: "unknown"}
	att.Annotations = map[string]string{"vnd.docker.reference.digest": m.Digest.String(), "vnd.docker.reference.type": "attestation-manifest"}
	return att, err
}

// ELF builds a minimal little-endian ELF executable: a header, a PT_INTERP
// program header if interp is not empty and, if needed is not empty (64-bit
// only), a .dynamic section listing those DT_NEEDED libraries.
func ELF(class elf.Class, machine elf.Machine, interp string, needed ...string) ([]byte, error) {
	var data, phdrs, shdrs bytes.Buffer
	le := binary.LittleEndian
	is64 := class == elf.ELFCLASS64
	ehsize, phentsize, shentsize := 52, 32, 40
	if is64 {
		ehsize, phentsize, shentsize = 64, 56, 64
	}
	phnum := 0
	if interp != "" {
		phnum = 1
	}
	dataStart := ehsize + phnum*phentsize
	write := func(buf *bytes.Buffer, v any) {
		_ = binary.Write(buf, le, v) // writes to a bytes.Buffer do not fail
	}

	if interp != "" {
		off := dataStart + data.Len()
		data.WriteString(interp + "\x00")
		n := uint64(len(interp) + 1)
		if is64 {
			write(&phdrs, elf.Prog64{Type: uint32(elf.PT_INTERP), Flags: uint32(elf.PF_R), Off: uint64(off), Filesz: n, Memsz: n, Align: 1})
		} else {
			write(&phdrs, elf.Prog32{Type: uint32(elf.PT_INTERP), Flags: uint32(elf.PF_R), Off: uint32(off), Filesz: uint32(n), Memsz: uint32(n), Align: 1})
		}
	}

	shnum, shstrndx, shoff := 0, 0, 0
	if len(needed) > 0 {
		if !is64 {
			return nil, errors.New("ocitest.ELF: DT_NEEDED only for 64-bit")
		}
		shoff = writeDynamic(&data, &shdrs, dataStart, needed)
		shnum, shstrndx = 4, 3
	}

	var out bytes.Buffer
	var ident [elf.EI_NIDENT]byte
	copy(ident[:], elf.ELFMAG)
	ident[elf.EI_CLASS] = byte(class)
	ident[elf.EI_DATA] = byte(elf.ELFDATA2LSB)
	ident[elf.EI_VERSION] = byte(elf.EV_CURRENT)
	if is64 {
		write(&out, elf.Header64{Ident: ident, Type: uint16(elf.ET_EXEC), Machine: uint16(machine), Version: uint32(elf.EV_CURRENT),
			Phoff: uint64(ehsize), Shoff: uint64(shoff), Ehsize: uint16(ehsize), Phentsize: uint16(phentsize), Phnum: uint16(phnum),
			Shentsize: uint16(shentsize), Shnum: uint16(shnum), Shstrndx: uint16(shstrndx)})
	} else {
		write(&out, elf.Header32{Ident: ident, Type: uint16(elf.ET_EXEC), Machine: uint16(machine), Version: uint32(elf.EV_CURRENT),
			Phoff: uint32(ehsize), Ehsize: uint16(ehsize), Phentsize: uint16(phentsize), Phnum: uint16(phnum),
			Shentsize: uint16(shentsize)})
	}
	out.Write(phdrs.Bytes())
	out.Write(data.Bytes())
	out.Write(shdrs.Bytes())
	return out.Bytes(), nil
}

// writeDynamic appends to data a .dynstr and a .dynamic section listing
// needed as DT_NEEDED, and a .shstrtab; it writes their headers (after a
// null one) to shdrs and returns the file offset of the section headers,
// which follow data. dataStart is the file offset of data.
func writeDynamic(data, shdrs *bytes.Buffer, dataStart int, needed []string) (shoff int) {
	write := func(buf *bytes.Buffer, v any) {
		_ = binary.Write(buf, binary.LittleEndian, v) // writes to a bytes.Buffer do not fail
	}
	pad := func() {
		for data.Len()%8 != 0 {
			data.WriteByte(0)
		}
	}
	dynstr := "\x00"
	var offsets []uint64
	for _, n := range needed {
		offsets = append(offsets, uint64(len(dynstr)))
		dynstr += n + "\x00"
	}
	dynstrOff := dataStart + data.Len()
	data.WriteString(dynstr)
	pad()
	dynOff := dataStart + data.Len()
	for _, o := range offsets {
		write(data, elf.Dyn64{Tag: int64(elf.DT_NEEDED), Val: o})
	}
	write(data, elf.Dyn64{Tag: int64(elf.DT_NULL)})
	dynSize := dataStart + data.Len() - dynOff
	shstr := "\x00.dynstr\x00.dynamic\x00.shstrtab\x00"
	shstrOff := dataStart + data.Len()
	data.WriteString(shstr)
	pad()
	write(shdrs, elf.Section64{})
	write(shdrs, elf.Section64{Name: 1, Type: uint32(elf.SHT_STRTAB), Off: uint64(dynstrOff), Size: uint64(len(dynstr)), Addralign: 1})
	write(shdrs, elf.Section64{Name: 9, Type: uint32(elf.SHT_DYNAMIC), Off: uint64(dynOff), Size: uint64(dynSize), Link: 1, Addralign: 8, Entsize: 16})
	write(shdrs, elf.Section64{Name: 18, Type: uint32(elf.SHT_STRTAB), Off: uint64(shstrOff), Size: uint64(len(shstr)), Addralign: 1})
	return dataStart + data.Len()
}
