package spec

import (
	"cmp"
	"path"
	"slices"
	"strconv"
	"strings"

	"github.com/distribution/reference"
)

// referenceProblem says what is wrong with an image reference, or returns
// "": it "is not " what (with the reason). A reference longer than
// maxReferenceBytes is refused before the reference grammar runs.
func referenceProblem(ref, what string) string {
	if len(ref) > maxReferenceBytes {
		return msgf("is %s long; an image reference is at most %d bytes", byteSize(len(ref)), maxReferenceBytes)
	}
	if _, err := reference.ParseNormalizedNamed(ref); err != nil {
		return msgf("is not %s (%s)", what, err.Error())
	}
	return ""
}

// binaryPath is where binary name is in the image.
func binaryPath(name string) string {
	return DefaultBinaryDir + "/" + name
}

// copiedTo is where a file of runtime.files lands in the image: Dst, or
// Dst/<last element of Src> for a Dst that ends in "/".
func copiedTo(f File) string {
	if strings.HasSuffix(f.Dst, "/") {
		return path.Join(f.Dst, path.Base(f.Src))
	}
	return path.Clean(f.Dst)
}

// filesOverBinaries checks that no file of runtime.files lands on a
// binary (or under its path), which the copy would replace.
func (v *validator) filesOverBinaries(names []string) {
	for i, f := range v.s.Runtime.Files {
		if f.Src == "" || !path.IsAbs(f.Dst) {
			continue // reported by file
		}
		to := copiedTo(f)
		for _, name := range names {
			bin := binaryPath(name)
			if to != bin && !strings.HasPrefix(to, bin+"/") {
				continue
			}
			key := "runtime.files." + strconv.Itoa(i)
			at := cmp.Or(v.at(key+".dst"), v.at(key), f.Pos)
			v.add(at, "%s copies %q to %q, the path of the binary %s, which it would replace; copy it elsewhere, like %q", key, f.Src, to, name, "/usr/local/share/"+name+"/")
			break
		}
	}
}

// inImage reports whether go-app puts something at the absolute path p of
// the image: a binary, or a file of runtime.files (or what is under one of
// their destinations, which may be a directory).
func (s *Spec) inImage(p string, names []string) bool {
	p = path.Clean(p)
	if slices.ContainsFunc(names, func(n string) bool { return binaryPath(n) == p }) {
		return true
	}
	for _, f := range s.Runtime.Files {
		if to := copiedTo(f); to == p || strings.HasPrefix(p, to+"/") {
			return true
		}
	}
	return false
}
