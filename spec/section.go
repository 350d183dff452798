package spec

import (
	"bytes"
	"strings"
)

// Lines returns the lines of the file a top-level key spans, 1-based: from
// the line of the key to the last line of its value, leaving out blank and
// comment lines at the end. ok is false when the file does not set key at
// the top level.
func (s SourceInfo) Lines(key string) (first, last int, ok bool) {
	if _, set := s.Positions[key]; !set || strings.Contains(key, ".") {
		return 0, 0, false
	}
	n := 0
	for line := range bytes.Lines(s.Data) {
		n++
		text := strings.TrimRight(string(line), "\r\n")
		if first == 0 {
			if rest, found := strings.CutPrefix(text, key); found && strings.HasPrefix(strings.TrimLeft(rest, " \t"), ":") {
				first, last = n, n
			}
			continue
		}
		trimmed := strings.TrimSpace(text)
		switch {
		case trimmed == "" || strings.HasPrefix(trimmed, "#"):
			// Belongs to the section only if more of it follows.
		case text[0] == ' ' || text[0] == '\t' || text[0] == '-' && !strings.HasPrefix(text, "---"):
			last = n
		default:
			return first, last, true
		}
	}
	return first, last, first > 0
}
