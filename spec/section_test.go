package spec

import "testing"

func TestLines(t *testing.T) {
	data := yamlText(
		"# syntax=goappfrontend/go-app:1", // 1
		"main: ./cmd/server",              // 2
		"test:",                           // 3
		"  # the fast ones",               // 4
		"  flags: [-short]",               // 5
		"",                                // 6
		"  race: true",                    // 7
		"# the image",                     // 8
		"runtime: {ports: [8080]}",        // 9
		"binaries:",                       // 10
		"- main: ./cmd/a",                 // 11
		"",                                // 12
	)
	s, err := Load("go-app.yaml", []byte(data))
	if err == nil {
		t.Fatal("main and binaries together: want an error")
	}
	for _, tc := range []struct {
		key         string
		first, last int
		ok          bool
	}{
		{"main", 2, 2, true},
		{"test", 3, 7, true},
		{"runtime", 9, 9, true},
		{"binaries", 10, 11, true},
		{"labels", 0, 0, false},
		{"test.flags", 0, 0, false},
	} {
		first, last, ok := s.Source.Lines(tc.key)
		if first != tc.first || last != tc.last || ok != tc.ok {
			t.Errorf("Lines(%q) = %d, %d, %v; want %d, %d, %v", tc.key, first, last, ok, tc.first, tc.last, tc.ok)
		}
	}
	// A key only mentioned in a comment or in another key's value is not
	// found.
	s, _ = Load("go-app.yaml", []byte("main: ./cmd/test\n"))
	if _, _, ok := s.Source.Lines("test"); ok {
		t.Error("found test in a spec without a test section")
	}
}
