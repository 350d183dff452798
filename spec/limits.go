package spec

import (
	"bytes"
	"fmt"
)

// Limits of go-app.yaml. go-app runs inside shared builders, where a spec is
// untrusted input to a long-lived daemon: these bound the time and memory
// any file BuildKit hands over (up to 16 MiB) can cost, and the size of the
// LLB and image config it turns into. Each is at least a hundred times what
// a real spec needs: the annotated example with every key is 5 KiB, 60
// lines and 150 values.
const (
	// MaxFileBytes is the largest go-app.yaml Load reads: 1 MiB.
	MaxFileBytes = 1 << 20
	// MaxFileNodes bounds the YAML nodes of the file before it is parsed:
	// Load counts the characters that can start a node (",", ":", "-", "?",
	// "[", "{" and line breaks, wherever they are) and refuses a file with
	// more than this many. A file has at most three nodes for each of them
	// (and three more), so its node tree stays small.
	MaxFileNodes = 100_000
	// MaxValues is how many keys and values a file may hold once its
	// aliases are expanded (an alias counts as often as it is used).
	MaxValues = 10_000
	// MaxExpandedBytes is how many bytes the keys and values of a file may
	// add up to once its aliases are expanded: an alias of a long value
	// counts its length each time it is used. 1 MiB, like MaxFileBytes: aliases
	// make nothing bigger than a file without them could be.
	MaxExpandedBytes = 1 << 20
	// MaxValueBytes is the longest key or value: 64 KiB, half of what Linux
	// allows one argument or environment string of a program (128 KiB).
	MaxValueBytes = 64 << 10
	// MaxBinaries is how many binaries one image may hold.
	MaxBinaries = 100
	// MaxBuildBytes is how many bytes build.ldflags, build.tags,
	// build.flags, build.private, the names and values of build.env and
	// build.goauth may add up to:
	// every go build step carries them, once per binary.
	MaxBuildBytes = 64 << 10
	// MaxCgoPackages is how many C packages build.cgo_packages may name.
	MaxCgoPackages = 100
	// MaxErrors is how many problems Load and FillDefaults report; the
	// rest are counted in one last problem.
	MaxErrors = 50
	// MaxNameBytes is the longest file name (a binary's name, each element
	// of a path): 255 bytes, what Linux file systems allow.
	MaxNameBytes = 255
	// MaxPathBytes is the longest path (a package, a file of
	// runtime.files, runtime.workdir): 4096 bytes, Linux's PATH_MAX.
	MaxPathBytes = 4096
)

// maxReferenceBytes is the longest image reference: a name of at most 255
// bytes, a tag of 128 and a sha512 digest fit in it.
const maxReferenceBytes = 1024

// sizeProblem reports a file that is too big to parse: longer than
// MaxFileBytes, or with more than MaxFileNodes possible YAML nodes. It
// reads every byte once and allocates nothing, and reports at the place
// where the file crosses the limit.
func sizeProblem(data []byte, p *problems) bool {
	if len(data) > MaxFileBytes {
		p.add(RuleInvalidYAML, offsetPosition(data, MaxFileBytes), "the file is longer than %s (%s); go-app.yaml may be at most %s, make it smaller",
			byteSize(MaxFileBytes), byteSize(len(data)), byteSize(MaxFileBytes))
		return true
	}
	n := 0
	for i, c := range data {
		if !startsNode(c) {
			continue
		}
		if n++; n > MaxFileNodes {
			p.add(RuleInvalidYAML, offsetPosition(data, i), "the file has more than %d lines, commas, colons, dashes and brackets by here, each of which could start a YAML value; go-app.yaml holds at most %d values, make it smaller",
				MaxFileNodes, MaxValues)
			return true
		}
	}
	return false
}

// startsNode reports whether byte c can precede a YAML node: a node
// follows one of these, or starts the file, or is the first key of a
// collection that does, so their count bounds the nodes (0x85 and 0xe2
// are bytes of the Unicode line breaks NEL, LS and PS). FuzzLoad checks
// the bound.
func startsNode(c byte) bool {
	switch c {
	case ',', ':', '-', '?', '[', '{', '\n', '\r', 0x85, 0xe2:
		return true
	}
	return false
}

// offsetPosition is the line and column (in bytes, 1-based) of byte
// offset off of data.
func offsetPosition(data []byte, off int) Position {
	off = min(off, len(data))
	line := 1 + bytes.Count(data[:off], []byte("\n"))
	col := off - bytes.LastIndexByte(data[:off], '\n')
	return Position{Line: line, Column: col}
}

// byteSize writes a size for messages: "1 MiB", "64 KiB", "1000 bytes".
func byteSize(n int) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MiB", n>>20)
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10 && n%(1<<10) == 0:
		return fmt.Sprintf("%d KiB", n>>10)
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d bytes", n)
}

// cut keeps the first MaxErrors of sorted problems and counts the others
// in one last problem, at the place of the first it leaves out.
func (errs Errors) cut() Errors {
	if len(errs) <= MaxErrors {
		return errs
	}
	first, more := errs[MaxErrors], len(errs)-MaxErrors
	return append(errs[:MaxErrors:MaxErrors], &Error{
		Filename: first.Filename,
		Pos:      first.Pos,
		Msg:      fmt.Sprintf("and %d more problems from here on (go-app reports the first %d); fix these and look again", more, MaxErrors),
		Rule:     first.Rule,
		More:     more,
	})
}
