package sbom

import (
	"bufio"
	"crypto/sha1" //nolint:gosec // SPDX 2.3 requires a SHA1 checksum on every file
	"crypto/sha256"
	"debug/buildinfo"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"strings"
	"time"
)

// A Plan is what the frontend knows about a result before it is built: the
// document's name and time, where the binaries and the runtime files are,
// and where they came from. The `go-app-frontend sbom` step turns it into
// an Input by reading the result: the binaries' build information and
// digests, the files' digests.
type Plan struct {
	Name           string          `json:"name"`
	Created        time.Time       `json:"created"`
	CreatorComment string          `json:"creatorComment,omitempty"`
	Binaries       []PlanBinary    `json:"binaries"`
	Components     []PlanComponent `json:"components,omitempty"`
}

// PlanBinary is a binary of the result.
type PlanBinary struct {
	// Path is the binary's absolute path in the result.
	Path     string `json:"path"`
	Version  string `json:"version,omitempty"`
	Revision string `json:"revision,omitempty"`
}

// PlanComponent is a Component whose files' digests are still to be read.
type PlanComponent struct {
	Name       string `json:"name"`
	Version    string `json:"version,omitempty"`
	PURL       string `json:"purl,omitempty"`
	Purpose    string `json:"purpose,omitempty"`
	SourceInfo string `json:"sourceInfo,omitempty"`
	Comment    string `json:"comment,omitempty"`
	// Files are absolute paths in the result.
	Files []string `json:"files,omitempty"`
	// Zoneinfo, when set, makes this the time zone database Go ships,
	// $GOROOT/lib/time/zoneinfo.zip: its SHA-256 and its tz release (DATA
	// in $GOROOT/lib/time/update.bash) become the component's.
	Zoneinfo bool `json:"zoneinfo,omitempty"`
}

// Read makes the Input of plan from the result mounted at root: every
// path of the plan is read under root. goroot is the GOROOT of the Go
// toolchain, for a Zoneinfo component.
func Read(plan Plan, root, goroot string) (Input, error) {
	in := Input{Name: plan.Name, Created: plan.Created, CreatorComment: plan.CreatorComment}
	for _, pb := range plan.Binaries {
		b, err := readBinary(root, pb)
		if err != nil {
			return Input{}, err
		}
		in.Binaries = append(in.Binaries, b)
	}
	for _, pc := range plan.Components {
		c := Component{Name: pc.Name, Version: pc.Version, PURL: pc.PURL, Purpose: pc.Purpose, SourceInfo: pc.SourceInfo, Comment: pc.Comment}
		for _, p := range pc.Files {
			sha1, sha256, err := digests(filepath.Join(root, filepath.FromSlash(path.Clean("/"+p))))
			if err != nil {
				return Input{}, fmt.Errorf("%s: %w", pc.Name, err)
			}
			c.Files = append(c.Files, File{Path: p, SHA1: sha1, SHA256: sha256})
		}
		if pc.Zoneinfo {
			if goroot == "" {
				return Input{}, errors.New("no GOROOT for the time zone database")
			}
			_, sum, err := digests(filepath.Join(goroot, "lib", "time", "zoneinfo.zip"))
			if err != nil {
				return Input{}, fmt.Errorf("%s: %w", pc.Name, err)
			}
			c.SHA256 = sum
			if c.Version == "" {
				c.Version = tzRelease(filepath.Join(goroot, "lib", "time", "update.bash"))
			}
		}
		in.Components = append(in.Components, c)
	}
	return in, nil
}

func readBinary(root string, pb PlanBinary) (Binary, error) {
	file := filepath.Join(root, filepath.FromSlash(path.Clean("/"+pb.Path)))
	info, err := buildinfo.ReadFile(file)
	if err != nil {
		return Binary{}, fmt.Errorf("reading the Go build information of %s: %w", pb.Path, err)
	}
	sha1, sha256, err := digests(file)
	if err != nil {
		return Binary{}, err
	}
	return Binary{Path: pb.Path, SHA1: sha1, SHA256: sha256, Info: info, Version: pb.Version, Revision: pb.Revision}, nil
}

// digests are the hex SHA-1 and SHA-256 of a file.
func digests(file string) (string, string, error) {
	f, err := os.Open(file)
	if err != nil {
		return "", "", err
	}
	defer f.Close()
	h1, h256 := sha1.New(), sha256.New() //nolint:gosec // see the import
	if _, err := io.Copy(io.MultiWriter(h1, h256), f); err != nil {
		return "", "", err
	}
	return hex.EncodeToString(h1.Sum(nil)), hex.EncodeToString(h256.Sum(nil)), nil
}

// tzRelease is the tz release of Go's zoneinfo.zip, the DATA= line of
// update.bash, or "" when it is not there.
func tzRelease(updateBash string) string {
	f, err := os.Open(updateBash)
	if err != nil {
		return ""
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(strings.TrimSpace(sc.Text()), "DATA="); ok {
			return strings.Trim(v, `"'`)
		}
	}
	return ""
}
