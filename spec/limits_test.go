package spec

import (
	"fmt"
	"runtime"
	"strings"
	"testing"
)

// hostile are files that cost the loader unbounded time and memory before
// the limits (issue 15), each with the one problem it must now get.
func hostile() []struct{ name, yaml, want string } {
	huge := strings.Repeat("x", 900<<10)
	big := strings.Repeat("x", 60<<10)
	var unknown strings.Builder
	for i := range 1000 {
		fmt.Fprintf(&unknown, "k%d: v\n", i)
	}
	return []struct{ name, yaml, want string }{
		// The anchored value starts at column 14 and is 921600 bytes long:
		// the first alias, at 14+921600+2, crosses the budget.
		{"900 KiB value aliased 1000 times", "runtime:\n  ports: [&a " + huge + strings.Repeat(", *a", 999) + "]\n",
			"2:921616 the keys and values of the file add up to more than 1 MiB by here (counting what aliases repeat); make it smaller"},
		{"900 KiB value", "runtime:\n  ports: [" + huge + "]\n",
			"2:11 runtime.ports.0 is 900 KiB long; a value may be at most 64 KiB"},
		// main, build, env and A with their values are 61456 bytes, each
		// alias 61440 and its key 2 or 3: the 17th alias, B16 on line 21,
		// crosses 1 MiB.
		{"60 KiB value aliased into build.env", "main: ./x\nbuild:\n  env:\n    A: &a " + big + "\n" + aliasEntries(20),
			"21:10 the keys and values of the file add up to more than 1 MiB by here (counting what aliases repeat); make it smaller"},
		{"16 MiB flow list", "main: ./x\nruntime:\n  args: [" + strings.Repeat("a,", 8<<20) + "a]\n",
			// 19 bytes before line 3: the 1 MiB mark is at column 1048576-19+1.
			"3:1048558 the file is longer than 1 MiB (16.0 MiB); go-app.yaml may be at most 1 MiB, make it smaller"},
		{"200,000 items", "runtime:\n  args: [" + strings.Repeat("a,", 200000) + "a]\n",
			// 4 separators before the list, so the 99997th comma, at column
			// 9+2*99997, is the 100001st.
			"2:200003 the file has more than 100000 lines, commas, colons, dashes and brackets by here, each of which could start a YAML value; go-app.yaml holds at most 10000 values, make it smaller"},
		{"long image reference", "main: ./x\ngo:\n  image: golang:" + strings.Repeat("1", 60<<10) + "\n",
			`3:10 go.image "golang:111111111111111111111111111111111..." is 60.0 KiB long; an image reference is at most 1024 bytes; use one like golang:1.26`},
		{"long ldflags template", "main: ./x\nbuild:\n  ldflags: \"{{.Version}}" + strings.Repeat("x", 70<<10) + "\"\n",
			"3:12 build.ldflags is 70.0 KiB long; a value may be at most 64 KiB"},
		{"1000 unknown keys", unknown.String(),
			"51:1 and 950 more problems from here on (go-app reports the first 50); fix these and look again"},
	}
}

// aliasEntries are n entries of build.env that repeat the alias a.
func aliasEntries(n int) string {
	var b strings.Builder
	for i := range n {
		fmt.Fprintf(&b, "    B%d: *a\n", i)
	}
	return b.String()
}

// TestHostileCost loads each hostile file and checks the problem it gets,
// that the message is short, and what loading it costs: at most 64 MiB
// allocated (the file itself is up to 16 MiB).
func TestHostileCost(t *testing.T) {
	for _, tc := range hostile() {
		t.Run(tc.name, func(t *testing.T) {
			data := []byte(tc.yaml)
			var before, after runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&before)
			_, err := Load("go-app.yaml", data)
			runtime.ReadMemStats(&after)
			got := problemsOf(t, err)
			if len(got) == 0 || got[len(got)-1] != tc.want {
				t.Errorf("last problem of %d: %.300q\nwant %q", len(got), got[max(len(got)-1, 0):], tc.want)
			}
			if n := len(err.Error()); n > 16<<10 {
				t.Errorf("the error is %d bytes long", n)
			}
			if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 64<<20 {
				t.Errorf("Load allocated %d MiB", alloc>>20)
			}
		})
	}
}

func TestLimitsOfTheBuild(t *testing.T) {
	var bins strings.Builder
	bins.WriteString("binaries:\n")
	for i := range MaxBinaries + 1 {
		fmt.Fprintf(&bins, "  - {name: b%d, main: ./cmd/b}\n", i)
	}
	env := "main: ./x\nbuild:\n  env:\n" + strings.Repeat("", 0)
	for i := range 3 {
		env += fmt.Sprintf("    V%d: %s\n", i, strings.Repeat("v", 30<<10))
	}
	for _, tc := range []struct{ name, yaml, want string }{
		{"too many binaries", bins.String(), "2:3 binaries lists 101 binaries; an image may hold at most 100: build the others into images of their own"},
		{"build section too big", env, "3:3 build.ldflags, build.tags, build.flags, build.private, build.env and build.goauth add up to 90.0 KiB; every go build step carries them, so they may add up to at most 64 KiB: make them shorter"},
	} {
		_, err := Load("go-app.yaml", []byte(tc.yaml))
		if got := problemsOf(t, err); len(got) != 1 || got[0] != tc.want {
			t.Errorf("%s: problems %q, want %q", tc.name, got, tc.want)
		}
	}
}

// Empty documents around the spec are no second document.
func TestLoadEmptyDocuments(t *testing.T) {
	s, err := Load("go-app.yaml", []byte("---\n# nothing\n---\nmain: ./cmd/x\n---\n"))
	if err != nil || s.Main != "./cmd/x" {
		t.Errorf("main %q, err %v; want ./cmd/x, no error", s.Main, err)
	}
}
