package gocache

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"
)

// The GOCACHEPROG protocol (Go 1.24+, cmd/go/internal/cacheprog): the go
// command starts the program, reads its capabilities, then sends one JSON
// request a line and reads one JSON response for each.
type progRequest struct {
	ID       int64
	Command  string
	ActionID []byte `json:",omitempty"`
	OutputID []byte `json:",omitempty"`
	BodySize int64  `json:",omitempty"`
}

type progResponse struct {
	ID            int64
	Err           string     `json:",omitempty"`
	KnownCommands []string   `json:",omitempty"`
	Miss          bool       `json:",omitempty"`
	OutputID      []byte     `json:",omitempty"`
	Size          int64      `json:",omitempty"`
	Time          *time.Time `json:",omitempty"`
	DiskPath      string     `json:",omitempty"`
}

// ProgStats counts what ServeCacheProg did.
type ProgStats struct {
	// FromLayer, FromMount: gets answered from out, or copied from mount.
	FromLayer, FromMount int
	// Misses are gets answered with a miss; Puts the objects compiled
	// (written to out, and to mount when there is one).
	Misses, Puts int
}

func (s ProgStats) String() string {
	return fmt.Sprintf("%d packages compiled, %d taken from the builder's build cache", s.Puts, s.FromMount)
}

// ServeCacheProg is a GOCACHEPROG program for the dependency step: the go
// command's build cache is out (a fresh directory, the step's output layer,
// in the go command's own disk layout, so that a go build can use it as its
// GOCACHE), read and written through to mount (the builder's GOCACHE cache
// mount, in the same layout): what the long-lived builder compiled before
// is copied into out instead of being compiled again, and what is compiled
// goes into out and into mount, where the dependency step of the next
// go.mod finds it. out so ends up with exactly the build cache of the
// packages built, wherever each entry came from.
func ServeCacheProg(r io.Reader, w io.Writer, mount, out string) (ProgStats, error) {
	var st ProgStats
	enc := json.NewEncoder(w)
	if err := enc.Encode(progResponse{KnownCommands: []string{"get", "put", "close"}}); err != nil {
		return st, err
	}
	in := &progReader{r: bufio.NewReaderSize(r, 1<<20)}
	for {
		var req progRequest
		if err := in.request(&req); err != nil {
			if err == io.EOF {
				return st, nil
			}
			return st, err
		}
		resp := progResponse{ID: req.ID}
		switch req.Command {
		case "get":
			e, path, from, err := progGet(mount, out, req.ActionID)
			switch {
			case err != nil:
				resp.Err = err.Error()
			case path == "":
				resp.Miss = true
				st.Misses++
			default:
				resp.OutputID, resp.Size, resp.Time, resp.DiskPath = e.output, e.size, &e.time, path
				if from == out {
					st.FromLayer++
				} else {
					st.FromMount++
				}
			}
		case "put":
			var body []byte
			if req.BodySize > 0 {
				var err error
				if body, err = in.body(req.BodySize); err != nil {
					return st, fmt.Errorf("reading the body of put %d: %w", req.ID, err)
				}
			}
			path, err := progPut(out, req.ActionID, req.OutputID, body)
			if err == nil && mount != "" {
				// Best effort: the mount only saves a later compile.
				_, _ = progPut(mount, req.ActionID, req.OutputID, body)
			}
			if err != nil {
				resp.Err = err.Error()
			} else {
				resp.DiskPath = path
				st.Puts++
			}
		case "close":
			return st, enc.Encode(resp)
		default:
			resp.Err = "unknown command " + strconv.Quote(req.Command)
		}
		if err := enc.Encode(resp); err != nil {
			return st, err
		}
	}
}

// progReader reads the go command's side of the protocol: each request is
// a JSON object on a line of its own, and the body of a put follows it as
// a JSON string of standard base64, which has no escapes. The bodies (the
// compiled packages) are nearly all of the bytes: they are read straight
// into a buffer and decoded in one go, which costs a fraction of what a
// JSON decoder's scan of the string does.
type progReader struct {
	r       *bufio.Reader
	encoded []byte // reused for the base64 text of each body
	decoded []byte // reused for each body: a put's body is written before the next is read
}

// request reads the next request, skipping blank lines; io.EOF at the end.
func (p *progReader) request(req *progRequest) error {
	for {
		line, err := p.r.ReadBytes('\n')
		if len(bytes.TrimSpace(line)) > 0 {
			return json.Unmarshal(line, req)
		}
		if err != nil {
			return err
		}
	}
}

// body reads the JSON string of a put's body, of size decoded bytes.
func (p *progReader) body(size int64) ([]byte, error) {
	if size > maxBody {
		return nil, fmt.Errorf("body of %d bytes, more than %d", size, int64(maxBody))
	}
	for {
		c, err := p.r.ReadByte()
		if err != nil {
			return nil, err
		}
		if c == '"' {
			break
		}
		if c != ' ' && c != '\t' && c != '\r' && c != '\n' {
			return nil, fmt.Errorf("body starts with %q, not a JSON string", c)
		}
	}
	n := base64.StdEncoding.EncodedLen(int(size))
	p.encoded = slices.Grow(p.encoded[:0], n)[:n]
	if _, err := io.ReadFull(p.r, p.encoded); err != nil {
		return nil, err
	}
	if c, err := p.r.ReadByte(); err != nil || c != '"' {
		return nil, fmt.Errorf("body is not %d bytes of base64 in a JSON string", size)
	}
	p.decoded = slices.Grow(p.decoded[:0], int(size))[:size]
	m, err := base64.StdEncoding.Decode(p.decoded, p.encoded)
	if err != nil || int64(m) != size {
		return nil, fmt.Errorf("body is not %d bytes of base64 (%d decoded, %v)", size, m, err)
	}
	return p.decoded, nil
}

// maxBody bounds the body of one put: Go's largest package archives are
// tens of MB.
const maxBody = 1 << 30

// entry is an action entry of the go command's disk cache.
type entry struct {
	output []byte
	size   int64
	time   time.Time
}

// diskName is the file of a hash in a build cache: DIR/xx/HEX-kind.
func diskName(dir string, id []byte, kind string) string {
	return filepath.Join(dir, fmt.Sprintf("%02x", id[0]), hex.EncodeToString(id)+"-"+kind)
}

// readEntry reads the action entry of id in dir, and checks that its output
// file is there with the size it says ("v1 ACTION OUTPUT SIZE TIME\n", the
// go command's own format).
func readEntry(dir string, id []byte) (entry, []byte, bool) {
	raw, err := os.ReadFile(diskName(dir, id, "a"))
	if err != nil {
		return entry{}, nil, false
	}
	f := strings.Fields(string(raw))
	if len(f) != 5 || f[0] != "v1" || f[1] != hex.EncodeToString(id) {
		return entry{}, nil, false
	}
	out, err1 := hex.DecodeString(f[2])
	size, err2 := strconv.ParseInt(f[3], 10, 64)
	nanos, err3 := strconv.ParseInt(f[4], 10, 64)
	if err1 != nil || err2 != nil || err3 != nil || len(out) == 0 {
		return entry{}, nil, false
	}
	fi, err := os.Stat(diskName(dir, out, "d"))
	if err != nil || !fi.Mode().IsRegular() || fi.Size() != size {
		return entry{}, nil, false
	}
	return entry{output: out, size: size, time: time.Unix(0, nanos)}, raw, true
}

// progGet answers a get from out, else from mount (copying the entry and
// its output into out); path is "" for a miss.
func progGet(mount, out string, id []byte) (e entry, path, from string, err error) {
	if len(id) == 0 {
		return e, "", "", fmt.Errorf("get without an action id")
	}
	if e, _, ok := readEntry(out, id); ok {
		return e, diskName(out, e.output, "d"), out, nil
	}
	if mount == "" {
		return e, "", "", nil
	}
	e, raw, ok := readEntry(mount, id)
	if !ok {
		return e, "", "", nil
	}
	dst := diskName(out, e.output, "d")
	if fi, err := os.Stat(dst); err != nil || fi.Size() != e.size {
		if err := copyCacheFile(diskName(mount, e.output, "d"), dst, e.size); err != nil {
			return e, "", "", nil // gone meanwhile: a miss, the go command compiles
		}
	}
	if err := writeCacheFile(diskName(out, id, "a"), raw); err != nil {
		return e, "", "", err
	}
	return e, dst, mount, nil
}

// progPut stores an object in out (the layer or the mount), in the go
// command's disk layout.
func progPut(out string, id, output, body []byte) (string, error) {
	if len(id) == 0 || len(output) == 0 {
		return "", fmt.Errorf("put without an action or output id")
	}
	dst := diskName(out, output, "d")
	if fi, err := os.Stat(dst); err != nil || fi.Size() != int64(len(body)) {
		if err := writeCacheFile(dst, body); err != nil {
			return "", err
		}
	}
	ent := fmt.Sprintf("v1 %x %x %20d %20d\n", id, output, len(body), time.Now().UnixNano())
	return dst, writeCacheFile(diskName(out, id, "a"), []byte(ent))
}

// writeCacheFile writes data to p the way the go command writes its own
// build cache (cmd/go/internal/cache): in place, without truncating first,
// then cut to length. An output file is named by the hash of its content,
// so every writer of it writes the same bytes, and the action entry that
// names it, with its size, is written after it: a build sharing the mount
// reads no file, a short one (which that size rejects) or the right one. A
// temporary file and a rename would double the file system operations and
// leave the temporary file in the shared mount when the step is killed.
func writeCacheFile(p string, data []byte) error {
	f, err := openCacheFile(p)
	if err != nil {
		return err
	}
	_, err = f.Write(data)
	return closeCacheFile(f, int64(len(data)), err)
}

// copyCacheFile copies the cache file src, of size bytes, to dst as
// writeCacheFile writes (the copy stays in the kernel: copy_file_range).
func copyCacheFile(src, dst string, size int64) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	f, err := openCacheFile(dst)
	if err != nil {
		return err
	}
	n, err := io.Copy(f, in)
	if err == nil && n != size {
		err = fmt.Errorf("%s: %d bytes, the action entry says %d", src, n, size)
	}
	return closeCacheFile(f, n, err)
}

// openCacheFile opens p for writing in place, creating it and its
// directory (one of the cache's 256) if need be.
func openCacheFile(p string) (*os.File, error) {
	f, err := os.OpenFile(p, os.O_RDWR|os.O_CREATE, 0o666)
	if errors.Is(err, fs.ErrNotExist) {
		if err := os.MkdirAll(filepath.Dir(p), 0o777); err != nil {
			return nil, err
		}
		f, err = os.OpenFile(p, os.O_RDWR|os.O_CREATE, 0o666)
	}
	return f, err
}

// closeCacheFile cuts f to size after a write that ended with err, and
// closes it.
func closeCacheFile(f *os.File, size int64, err error) error {
	if err == nil {
		err = f.Truncate(size)
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}
