package ocirun

import (
	"archive/tar"
	"bufio"
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"
	"time"
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
	return tar.NewReader(r), f, nil
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
// root filesystem: ownership, modes (setuid, setgid and sticky bits
// included), symlinks and hard links are kept, whiteouts delete. Owners can
// only be set when running as root; otherwise they are left as they are.
func (img *Image) Unpack(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	root, err := filepath.Abs(dir)
	if err != nil {
		return err
	}
	for i := range img.Manifest.Layers {
		tr, c, err := img.Layer(i)
		if err != nil {
			return err
		}
		err = applyLayer(root, tr)
		c.Close()
		if err != nil {
			return fmt.Errorf("layer %d: %w", i, err)
		}
	}
	return nil
}

type dirMeta struct {
	path string
	hdr  *tar.Header
}

func applyLayer(root string, tr *tar.Reader) error {
	var dirs []dirMeta
	written := map[string]bool{} // entries of this layer, which an opaque whiteout keeps
	for {
		hdr, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return err
		}
		name, ok := cleanEntryName(hdr.Name)
		if !ok {
			return fmt.Errorf("bad entry name %q", hdr.Name)
		}
		if name == "" {
			dirs = append(dirs, dirMeta{root, hdr})
			continue
		}
		parent, base := path.Split(name)
		if err := safeParent(root, parent); err != nil {
			return err
		}
		dst := filepath.Join(root, filepath.FromSlash(name))

		if base == whiteoutOpaque {
			d := filepath.Join(root, filepath.FromSlash(parent))
			ents, err := os.ReadDir(d)
			if err != nil && !errors.Is(err, fs.ErrNotExist) {
				return err
			}
			for _, e := range ents {
				if written[path.Join(parent, e.Name())] {
					continue
				}
				if err := os.RemoveAll(filepath.Join(d, e.Name())); err != nil {
					return err
				}
			}
			continue
		}
		if strings.HasPrefix(base, whiteoutPrefix) {
			gone := filepath.Join(root, filepath.FromSlash(parent), strings.TrimPrefix(base, whiteoutPrefix))
			if err := os.RemoveAll(gone); err != nil {
				return err
			}
			continue
		}

		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			return err
		}
		written[name] = true
		// A new entry replaces what an earlier layer left, except that a
		// directory over a directory merges.
		if fi, err := os.Lstat(dst); err == nil && !(fi.IsDir() && hdr.Typeflag == tar.TypeDir) {
			if err := os.RemoveAll(dst); err != nil {
				return err
			}
		}

		switch hdr.Typeflag {
		case tar.TypeDir:
			if err := os.Mkdir(dst, 0o700); err != nil && !errors.Is(err, fs.ErrExist) {
				return err
			}
			dirs = append(dirs, dirMeta{dst, hdr})
			continue
		case tar.TypeReg, '\x00':
			f, err := os.OpenFile(dst, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
			if err != nil {
				return err
			}
			if err := copyAndClose(f, tr); err != nil {
				return err
			}
		case tar.TypeSymlink:
			if err := os.Symlink(hdr.Linkname, dst); err != nil {
				return err
			}
		case tar.TypeLink:
			target, ok := cleanEntryName(hdr.Linkname)
			if !ok || target == "" {
				return fmt.Errorf("bad hard link target %q", hdr.Linkname)
			}
			if err := safeParent(root, path.Dir(target)); err != nil {
				return err
			}
			if err := os.Link(filepath.Join(root, filepath.FromSlash(target)), dst); err != nil {
				return err
			}
			continue // a hard link shares its target's metadata
		default:
			// Devices and FIFOs do not belong in these images and need
			// privileges to create: skip them.
			continue
		}
		if err := setMeta(dst, hdr); err != nil {
			return err
		}
	}
	// Directories last, so writing their content does not undo their modes.
	for i := len(dirs) - 1; i >= 0; i-- {
		if err := setMeta(dirs[i].path, dirs[i].hdr); err != nil {
			return err
		}
	}
	return nil
}

// safeParent refuses to write below a symlink, which could point outside
// the root.
func safeParent(root, parent string) error {
	p := root
	for _, el := range strings.Split(strings.Trim(parent, "/"), "/") {
		if el == "" {
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

func setMeta(p string, hdr *tar.Header) error {
	if os.Geteuid() == 0 {
		if err := os.Lchown(p, hdr.Uid, hdr.Gid); err != nil {
			return err
		}
	}
	if hdr.Typeflag == tar.TypeSymlink {
		return nil
	}
	mode := hdr.FileInfo().Mode() & (fs.ModePerm | fs.ModeSetuid | fs.ModeSetgid | fs.ModeSticky)
	if err := os.Chmod(p, mode); err != nil {
		return err
	}
	if !hdr.ModTime.IsZero() {
		_ = os.Chtimes(p, hdr.ModTime, hdr.ModTime)
	}
	return nil
}

// copyAndClose copies r into f and closes f, returning the first error.
func copyAndClose(f *os.File, r io.Reader) error {
	_, err := io.Copy(f, r)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}
