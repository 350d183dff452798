package spec

import (
	"os"
	"strings"
	"testing"
)

// docExample returns the annotated example of the package documentation.
func docExample(tb testing.TB) string {
	tb.Helper()
	data, err := os.ReadFile("doc.go")
	if err != nil {
		tb.Fatal(err)
	}
	_, text, ok := strings.Cut(string(data), "// # Every field\n")
	if !ok {
		tb.Fatal("doc.go has no \"Every field\" section")
	}
	text, _, _ = strings.Cut(text, "\n//\n// Numbers")
	var b strings.Builder
	for line := range strings.Lines(text) {
		if rest, ok := strings.CutPrefix(line, "//\t"); ok {
			b.WriteString(rest)
		} else if line == "//\n" {
			b.WriteString("\n")
		}
	}
	return b.String()
}

func TestDocExample(t *testing.T) {
	example := docExample(t)
	if !strings.Contains(example, "labels:") {
		t.Fatalf("example is cut short:\n%s", example)
	}
	s, err := Load("go-app.yaml", []byte(example))
	if err != nil {
		t.Fatalf("the documented example does not load:\n%v\n%s", err, example)
	}
	if err := s.FillDefaults([]byte("module example.com/server\n\ngo 1.26.2\n")); err != nil {
		t.Fatal(err)
	}
	// Every key of go-app.yaml appears in the example.
	for pattern := range expectations {
		if pattern == "" || strings.HasPrefix(pattern, "binaries") || pattern == "go.image" {
			continue // binaries and go.image are commented out: main and go.version are used
		}
		key := pattern
		if i := strings.Index(key, ".*"); i >= 0 {
			key = key[:i]
		}
		if _, ok := s.Source.Positions[key]; !ok {
			t.Errorf("the example does not set %s", key)
		}
	}
}
