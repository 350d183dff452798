// Package ocitest makes test fixtures for the ocirun package and its
// users: OCI image layouts shaped like the ones docker buildx writes, and
// small ELF files. It uses only the standard library.
package ocitest

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"debug/elf"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"time"
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
	// ...), marshalled as is.
	Config any
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

type descriptor struct {
	MediaType   string            `json:"mediaType"`
	Digest      string            `json:"digest"`
	Size        int64             `json:"size"`
	Platform    map[string]string `json:"platform,omitempty"`
	Annotations map[string]string `json:"annotations,omitempty"`
}

type writer struct{ dir string }

func (w writer) blob(mediaType string, b []byte) (descriptor, error) {
	sum := sha256.Sum256(b)
	h := hex.EncodeToString(sum[:])
	p := filepath.Join(w.dir, "blobs", "sha256", h)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return descriptor{}, err
	}
	if err := os.WriteFile(p, b, 0o644); err != nil {
		return descriptor{}, err
	}
	return descriptor{MediaType: mediaType, Digest: "sha256:" + h, Size: int64(len(b))}, nil
}

func (w writer) json(mediaType string, v any) (descriptor, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return descriptor{}, err
	}
	return w.blob(mediaType, b)
}

// WriteLayout writes an OCI image layout to dir like `docker buildx build
// --output type=oci,tar=false` does: index.json points at an image index
// holding each image (gzip layers) and an attestation manifest for it.
func WriteLayout(dir string, imgs ...Image) error {
	w := writer{dir}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, "oci-layout"), []byte(`{"imageLayoutVersion":"1.0.0"}`), 0o644); err != nil {
		return err
	}
	var manifests []descriptor
	for _, img := range imgs {
		osName := img.OS
		if osName == "" {
			osName = "linux"
		}
		var layers []descriptor
		var diffIDs []string
		for _, files := range img.Layers {
			raw, err := Tar(files)
			if err != nil {
				return err
			}
			sum := sha256.Sum256(raw)
			diffIDs = append(diffIDs, "sha256:"+hex.EncodeToString(sum[:]))
			var gz bytes.Buffer
			zw := gzip.NewWriter(&gz)
			if _, err := zw.Write(raw); err != nil {
				return err
			}
			if err := zw.Close(); err != nil {
				return err
			}
			d, err := w.blob("application/vnd.oci.image.layer.v1.tar+gzip", gz.Bytes())
			if err != nil {
				return err
			}
			layers = append(layers, d)
		}
		cfg, err := w.json("application/vnd.oci.image.config.v1+json", map[string]any{
			"os": osName, "architecture": img.Arch, "config": img.Config,
			"rootfs": map[string]any{"type": "layers", "diff_ids": diffIDs},
		})
		if err != nil {
			return err
		}
		m, err := w.json("application/vnd.oci.image.manifest.v1+json", map[string]any{
			"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
			"config": cfg, "layers": layers,
		})
		if err != nil {
			return err
		}
		m.Platform = map[string]string{"os": osName, "architecture": img.Arch}
		manifests = append(manifests, m)

		stmt, err := w.blob("application/vnd.in-toto+json", []byte(`{"_type":"https://in-toto.io/Statement/v0.1"}`))
		if err != nil {
			return err
		}
		acfg, err := w.blob("application/vnd.oci.image.config.v1+json", []byte(`{"architecture":"unknown","os":"unknown","config":{},"rootfs":{"type":"layers","diff_ids":[]}}`))
		if err != nil {
			return err
		}
		att, err := w.json("application/vnd.oci.image.manifest.v1+json", map[string]any{
			"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
			"config": acfg, "layers": []descriptor{stmt},
		})
		if err != nil {
			return err
		}
		att.Platform = map[string]string{"os": "unknown", "architecture": "unknown"}
		att.Annotations = map[string]string{"vnd.docker.reference.digest": m.Digest, "vnd.docker.reference.type": "attestation-manifest"}
		manifests = append(manifests, att)
	}
	inner, err := w.json("application/vnd.oci.image.index.v1+json", map[string]any{
		"schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json", "manifests": manifests,
	})
	if err != nil {
		return err
	}
	top, err := json.Marshal(map[string]any{
		"schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json", "manifests": []descriptor{inner},
	})
	if err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, "index.json"), top, 0o644)
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
		dynstr := "\x00"
		var offsets []uint64
		for _, n := range needed {
			offsets = append(offsets, uint64(len(dynstr)))
			dynstr += n + "\x00"
		}
		dynstrOff := dataStart + data.Len()
		data.WriteString(dynstr)
		for data.Len()%8 != 0 {
			data.WriteByte(0)
		}
		dynOff := dataStart + data.Len()
		for _, o := range offsets {
			write(&data, elf.Dyn64{Tag: int64(elf.DT_NEEDED), Val: o})
		}
		write(&data, elf.Dyn64{Tag: int64(elf.DT_NULL)})
		dynSize := dataStart + data.Len() - dynOff
		shstr := "\x00.dynstr\x00.dynamic\x00.shstrtab\x00"
		shstrOff := dataStart + data.Len()
		data.WriteString(shstr)
		for data.Len()%8 != 0 {
			data.WriteByte(0)
		}
		shoff = dataStart + data.Len()
		write(&shdrs, elf.Section64{})
		write(&shdrs, elf.Section64{Name: 1, Type: uint32(elf.SHT_STRTAB), Off: uint64(dynstrOff), Size: uint64(len(dynstr)), Addralign: 1})
		write(&shdrs, elf.Section64{Name: 9, Type: uint32(elf.SHT_DYNAMIC), Off: uint64(dynOff), Size: uint64(dynSize), Link: 1, Addralign: 8, Entsize: 16})
		write(&shdrs, elf.Section64{Name: 18, Type: uint32(elf.SHT_STRTAB), Off: uint64(shstrOff), Size: uint64(len(shstr)), Addralign: 1})
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
