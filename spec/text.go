package spec

import (
	"path"
	"strings"
	"unicode"
	"unicode/utf8"
)

// freeText are the key patterns whose values may hold tabs and line
// breaks: arguments, environment values and labels, which reach a program
// or the image config as they are. No value may hold another control
// character, and none a NUL byte, which no argument, environment variable,
// file name or label can carry.
var freeText = map[string]bool{
	"build.ldflags":                 true,
	"build.env.*":                   true,
	"runtime.args.*":                true,
	"runtime.env.*":                 true,
	"runtime.healthcheck.command.*": true,
	"labels.*":                      true,
	"test.env.*":                    true,
}

// text checks a string value at path (pattern) before it is stored: its
// length and its characters. It reports whether the value is fine.
func (d *decoder) text(s string, at Position, path, pattern string) bool {
	if len(s) > MaxValueBytes {
		d.problems.add(RuleInvalidValue, at, "%s is %s long; a value may be at most %s", label(path), byteSize(len(s)), byteSize(MaxValueBytes))
		return false
	}
	if problem := controlProblem(s, freeText[pattern]); problem != "" {
		d.problems.add(RuleInvalidValue, at, "%s %q %s", label(path), s, problem)
		return false
	}
	return true
}

// key checks a key of a map of names (build.env, labels, ...) at path,
// like text checks a value, and reports whether it is fine.
func (d *decoder) key(k string, at Position, path string) bool {
	if len(k) > MaxValueBytes {
		d.problems.add(RuleInvalidValue, at, "a key of %s is %s long; a key may be at most %s", label(path), byteSize(len(k)), byteSize(MaxValueBytes))
		return false
	}
	if problem := controlProblem(k, false); problem != "" {
		d.problems.add(RuleInvalidValue, at, "the key %q of %s %s", k, label(path), problem)
		return false
	}
	return true
}

// controlProblem says what is wrong with the control characters of s, or
// returns "": a NUL byte anywhere, another control character (or an
// invalid UTF-8 byte) unless free is true and it is a tab or a line break.
func controlProblem(s string, free bool) string {
	for i, r := range s {
		switch {
		case r == 0:
			return msgf("holds a NUL byte at byte %d, which no program, file name or label can carry; remove it", i+1)
		case r == utf8.RuneError && !strings.HasPrefix(s[i:], "\uFFFD"):
			return msgf("holds a byte that is not UTF-8 at byte %d; remove it", i+1)
		case free && (r == '\t' || r == '\n' || r == '\r'):
		case unicode.IsControl(r):
			return msgf("holds the control character U+%04X at byte %d; remove it (write names, paths and tags in printable characters)", r, i+1)
		}
	}
	return ""
}

// pathProblem says what is too long in a path of the image, the build
// context or the module, or returns "": the whole path (MaxPathBytes) or
// one of its elements (MaxNameBytes).
func pathProblem(p string) string {
	if len(p) > MaxPathBytes {
		return msgf("is %s long; a path may be at most %d bytes", byteSize(len(p)), MaxPathBytes)
	}
	for elem := range strings.SplitSeq(path.Clean(p), "/") {
		if len(elem) > MaxNameBytes {
			return msgf("has an element of %d bytes, %q; file systems allow at most %d bytes in a name", len(elem), elem, MaxNameBytes)
		}
	}
	return ""
}
