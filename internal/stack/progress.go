package stack

import (
	"regexp"
	"strconv"
	"strings"
)

// Step is one vertex of BuildKit's plain progress output.
type Step struct {
	// N is the step number ("#N").
	N int
	// Name is the vertex name, the text after "#N " on the step's first
	// line, like "[linux/arm64] go build ./cmd/hello".
	Name string
	// Cached is set by a "#N CACHED" line.
	Cached bool
	// Done is set by a "#N DONE 1.2s" line.
	Done bool
	// Error holds the text of a "#N ERROR: ..." line.
	Error string
	// Canceled is set by a "#N CANCELED" line.
	Canceled bool
	// Lines are the step's other lines (logs, status), without "#N ".
	Lines []string
}

// Ran reports whether the step ran rather than being taken from the cache.
func (s *Step) Ran() bool { return !s.Cached }

var stepLine = regexp.MustCompile(`^#(\d+) (.*)$`)

// ParseProgress parses `--progress=plain` output into its steps, in order
// of first appearance. Lines that are not "#N ..." are ignored.
func ParseProgress(out string) []*Step {
	byN := map[int]*Step{}
	var steps []*Step
	for line := range strings.Lines(out) {
		m := stepLine.FindStringSubmatch(strings.TrimRight(line, "\r\n"))
		if m == nil {
			continue
		}
		n, err := strconv.Atoi(m[1])
		if err != nil {
			continue
		}
		text := m[2]
		s := byN[n]
		if s == nil {
			s = &Step{N: n}
			byN[n] = s
			steps = append(steps, s)
			if !isStatus(text) {
				s.Name = text
				continue
			}
		}
		switch {
		case text == "CACHED":
			s.Cached = true
		case text == "CANCELED":
			s.Canceled = true
		case strings.HasPrefix(text, "DONE"):
			s.Done = true
		case strings.HasPrefix(text, "ERROR"):
			s.Error = strings.TrimSpace(strings.TrimPrefix(strings.TrimPrefix(text, "ERROR"), ":"))
		case s.Name == "" && !isStatus(text):
			s.Name = text
		case text == s.Name:
			// The header again, printed when output switches back to it.
		default:
			s.Lines = append(s.Lines, text)
		}
	}
	return steps
}

func isStatus(text string) bool {
	return text == "CACHED" || text == "CANCELED" || strings.HasPrefix(text, "DONE") || strings.HasPrefix(text, "ERROR")
}

// Find returns the steps whose name contains substr.
func Find(steps []*Step, substr string) []*Step {
	var out []*Step
	for _, s := range steps {
		if strings.Contains(s.Name, substr) {
			out = append(out, s)
		}
	}
	return out
}

// Names lists the steps' names, for failure messages.
func Names(steps []*Step) []string {
	var out []string
	for _, s := range steps {
		state := "ran"
		switch {
		case s.Error != "":
			state = "error"
		case s.Cached:
			state = "cached"
		}
		out = append(out, "#"+strconv.Itoa(s.N)+" "+s.Name+" ("+state+")")
	}
	return out
}
