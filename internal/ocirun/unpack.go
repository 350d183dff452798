package ocirun

import (
	"archive/tar"
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/containerd/containerd/v2/pkg/archive"
)

// Entry is one file in a layer.
type Entry struct {
	// Layer is the index of the layer in the manifest.
	Layer int
	// Path is the cleaned absolute path in the image, like "/etc/passwd".
	Path     string
	Type     byte
	Mode     fs.FileMode
	UID, GID int
	Size     int64
	Linkname string
	// ModTime is the entry's modification time.
	ModTime time.Time
}

// IsDir reports whether e is a directory.
func (e Entry) IsDir() bool { return e.Type == tar.TypeDir }

// IsRegular reports whether e is a regular file.
func (e Entry) IsRegular() bool { return e.Type == tar.TypeReg || e.Type == '\x00' }

// String formats e like one line of `tar tv`.
func (e Entry) String() string {
	s := fmt.Sprintf("%s %d/%d %8d %s", e.Mode, e.UID, e.GID, e.Size, e.Path)
	if e.Linkname != "" {
		s += " -> " + e.Linkname
	}
	return s
}

// Whiteout prefixes (OCI image spec, "Representing Changes").
const (
	whiteoutPrefix = ".wh."
	whiteoutOpaque = ".wh..wh..opq"
)

// Layer opens layer i of img as a tar stream, decompressing it.
func (img *Image) Layer(i int) (*tar.Reader, io.Closer, error) {
	r, c, err := img.layerStream(i)
	if err != nil {
		return nil, nil, err
	}
	return tar.NewReader(r), c, nil
}

// layerStream opens layer i of img and decompresses it.
func (img *Image) layerStream(i int) (io.Reader, io.Closer, error) {
	if i < 0 || i >= len(img.Manifest.Layers) {
		return nil, nil, fmt.Errorf("no layer %d", i)
	}
	d := img.Manifest.Layers[i]
	f, err := img.layout.OpenBlob(d)
	if err != nil {
		return nil, nil, err
	}
	r, err := decompress(d.MediaType, f)
	if err != nil {
		f.Close()
		return nil, nil, fmt.Errorf("layer %d (%s): %w", i, d.Digest, err)
	}
	return r, f, nil
}

// decompress picks the decompressor from the media type, or from the
// stream's magic if the media type does not say.
func decompress(mediaType string, r io.Reader) (io.Reader, error) {
	br := bufio.NewReader(r)
	magic, _ := br.Peek(4)
	switch {
	case strings.HasSuffix(mediaType, "+zstd") || bytes.HasPrefix(magic, []byte{0x28, 0xb5, 0x2f, 0xfd}):
		return nil, errors.New("zstd layers are not supported (build with the default gzip compression)")
	case strings.HasSuffix(mediaType, "gzip") || bytes.HasPrefix(magic, []byte{0x1f, 0x8b}):
		return gzip.NewReader(br)
	default:
		return br, nil
	}
}

// Entries lists the entries of every layer, in layer order.
func (img *Image) Entries() ([]Entry, error) {
	var all []Entry
	for i := range img.Manifest.Layers {
		tr, c, err := img.Layer(i)
		if err != nil {
			return nil, err
		}
		for {
			hdr, err := tr.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				c.Close()
				return nil, fmt.Errorf("layer %d: %w", i, err)
			}
			name, ok := cleanEntryName(hdr.Name)
			if !ok {
				c.Close()
				return nil, fmt.Errorf("layer %d: bad entry name %q", i, hdr.Name)
			}
			all = append(all, Entry{
				Layer:    i,
				Path:     "/" + name,
				Type:     hdr.Typeflag,
				Mode:     hdr.FileInfo().Mode(),
				UID:      hdr.Uid,
				GID:      hdr.Gid,
				Size:     hdr.Size,
				Linkname: hdr.Linkname,
				ModTime:  hdr.ModTime,
			})
		}
		c.Close()
	}
	return all, nil
}

// ReadFile returns the content of the regular file at p ("/etc/passwd") as
// the image's layers leave it (later layers win; whiteouts delete).
func (img *Image) ReadFile(p string) ([]byte, error) {
	want, ok := cleanEntryName(p)
	if !ok || want == "" {
		return nil, fmt.Errorf("bad path %q", p)
	}
	var data []byte
	found := false
	for i := range img.Manifest.Layers {
		layerData, inLayer, hidden, err := img.readFromLayer(i, want)
		if err != nil {
			return nil, err
		}
		if hidden {
			found, data = false, nil
		}
		if inLayer {
			found, data = layerData != nil, layerData
		}
	}
	if !found {
		return nil, fmt.Errorf("%s: %w", p, fs.ErrNotExist)
	}
	return data, nil
}

// readFromLayer looks for want in layer i: inLayer reports an entry at
// want (data is nil unless it is a regular file), hidden that a whiteout in
// this layer hides want in lower layers.
func (img *Image) readFromLayer(i int, want string) (data []byte, inLayer, hidden bool, err error) {
	tr, c, err := img.Layer(i)
	if err != nil {
		return nil, false, false, err
	}
	defer c.Close()
	for {
		hdr, err := tr.Next()
		if err == io.EOF {
			return data, inLayer, hidden, nil
		}
		if err != nil {
			return nil, false, false, err
		}
		name, _ := cleanEntryName(hdr.Name)
		dir, base := path.Split(name)
		switch {
		case base == whiteoutOpaque:
			if strings.HasPrefix(want, dir) {
				hidden = true
			}
		case strings.HasPrefix(base, whiteoutPrefix):
			gone := dir + strings.TrimPrefix(base, whiteoutPrefix)
			if want == gone || strings.HasPrefix(want, gone+"/") {
				hidden = true
			}
		case name == want:
			inLayer, data = true, nil
			if hdr.Typeflag == tar.TypeReg || hdr.Typeflag == '\x00' {
				if data, err = io.ReadAll(tr); err != nil {
					return nil, false, false, err
				}
				if data == nil {
					data = []byte{}
				}
			}
		}
	}
}

// Unpack applies img's layers in order to dir, which becomes the image's
// root filesystem, with containerd's layer applier: ownership, modes
// (setuid, setgid and sticky bits included), symlinks, hard links and
// extended attributes are kept, whiteouts delete. Owners can only be set
// when running as root; otherwise they are left as they are.
func (img *Image) Unpack(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	root, err := filepath.Abs(dir)
	if err != nil {
		return err
	}
	for i := range img.Manifest.Layers {
		tr, c, err := img.layerStream(i)
		if err != nil {
			return err
		}
		err = applyTar(root, tr, layerFilter(root))
		c.Close()
		if err != nil {
			return fmt.Errorf("layer %d: %w", i, err)
		}
	}
	return nil
}

// applyTar applies the tar stream r to root with containerd's applier,
// OCI whiteouts included. keep says which entries to write; an error from
// it stops the apply.
func applyTar(root string, r io.Reader, keep archive.Filter) error {
	opts := []archive.ApplyOpt{archive.WithFilter(keep)}
	if os.Geteuid() != 0 {
		opts = append(opts, archive.WithNoSameOwner())
	}
	_, err := archive.Apply(context.Background(), root, r, opts...)
	return err
}

// layerFilter is what Unpack lets containerd's applier write to root: it
// refuses names that leave the root and entries below a symlink (which
// could point outside it), skips devices and FIFOs (they do not belong in
// these images and need privileges to create), and gives a hard link its
// target's metadata, which the applier would otherwise set on the shared
// file from the link's header.
func layerFilter(root string) archive.Filter {
	return func(hdr *tar.Header) (bool, error) {
		name, ok := cleanEntryName(hdr.Name)
		if !ok {
			return false, fmt.Errorf("bad entry name %q", hdr.Name)
		}
		if err := safeParent(root, path.Dir(name)); err != nil {
			return false, err
		}
		switch hdr.Typeflag {
		case tar.TypeDir, tar.TypeReg, '\x00' /* TypeRegA, of old tar writers */, tar.TypeSymlink:
			return true, nil
		case tar.TypeLink:
			return true, linkTargetMeta(root, hdr)
		default:
			return false, nil
		}
	}
}

// linkTargetMeta sets the owner, mode and times of the hard link hdr to
// those of its target under root.
func linkTargetMeta(root string, hdr *tar.Header) error {
	target, ok := cleanEntryName(hdr.Linkname)
	if !ok || target == "" {
		return fmt.Errorf("bad hard link target %q", hdr.Linkname)
	}
	if err := safeParent(root, path.Dir(target)); err != nil {
		return err
	}
	fi, err := os.Lstat(filepath.Join(root, filepath.FromSlash(target)))
	if err != nil {
		return err
	}
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return fmt.Errorf("hard link target %q: no owner", hdr.Linkname)
	}
	hdr.Uid, hdr.Gid = int(st.Uid), int(st.Gid)
	hdr.Mode = int64(st.Mode & 0o7777)
	hdr.ModTime, hdr.AccessTime = fi.ModTime(), fi.ModTime()
	return nil
}

// safeParent refuses to write below a symlink, which could point outside
// the root.
func safeParent(root, parent string) error {
	p := root
	for _, el := range strings.Split(strings.Trim(parent, "/"), "/") {
		if el == "" || el == "." {
			continue
		}
		p = filepath.Join(p, el)
		fi, err := os.Lstat(p)
		if errors.Is(err, fs.ErrNotExist) {
			return nil
		}
		if err != nil {
			return err
		}
		if fi.Mode()&fs.ModeSymlink != 0 {
			return fmt.Errorf("refusing to write below symlink %s", strings.TrimPrefix(p, root))
		}
	}
	return nil
}
