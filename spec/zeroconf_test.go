package spec

import (
	"slices"
	"testing"
)

// TestLoadZeroConfig checks that a spec without main and binaries loads:
// the frontend finds its main package in the build context.
func TestLoadZeroConfig(t *testing.T) {
	for name, data := range map[string]string{
		"empty file":         "",
		"syntax line":        "# syntax=goappfrontend/go-app:1\n",
		"comments":           "# syntax=goappfrontend/go-app:1\n\n# builds the module's program\n",
		"empty document":     "# syntax=goappfrontend/go-app:1\n---\n",
		"null document":      "# syntax=goappfrontend/go-app:1\n~\n",
		"empty map":          "# syntax=goappfrontend/go-app:1\n{}\n",
		"other keys only":    yamlText("# syntax=goappfrontend/go-app:1", "runtime:", "  ports: [8080]"),
		"no trailing return": "# syntax=goappfrontend/go-app:1",
	} {
		t.Run(name, func(t *testing.T) {
			s, err := Load("go-app.yaml", []byte(data))
			if err != nil {
				t.Fatalf("Load: %v", err)
			}
			if s.Main != "" || len(s.Binaries) != 0 {
				t.Errorf("main %q, binaries %v; want neither", s.Main, s.Binaries)
			}
		})
	}
}

// TestLoadZeroConfigEmptyKeys checks that main or binaries written without
// a value stay errors: they are no request for zero config.
func TestLoadZeroConfigEmptyKeys(t *testing.T) {
	for data, want := range map[string]string{
		"main:\n":        "1:6 main is empty; set it to the package to build, like ./cmd/server",
		"main: ~\n":      "1:7 main is empty; set it to the package to build, like ./cmd/server",
		"binaries: []\n": "1:11 binaries is empty; list at least one binary, like - main: ./cmd/api",
		"binaries:\n":    "1:10 binaries is empty; list at least one binary, like - main: ./cmd/api",
	} {
		_, err := Load("go-app.yaml", []byte(data))
		if got := problemsOf(t, err); !slices.Equal(got, []string{want}) {
			t.Errorf("Load(%q) = %q, want %q", data, got, want)
		}
	}
}

// TestFillDefaultsZeroConfig checks FillDefaults on an empty spec: with the
// main package the frontend found it builds like a written main; without
// one it says there is nothing to build.
func TestFillDefaultsZeroConfig(t *testing.T) {
	const gomod = "module example.com/tools/hello\n\ngo 1.26\n"
	for main, name := range map[string]string{".": "hello", "./cmd/api": "api"} {
		s, err := Load("go-app.yaml", []byte("# syntax=goappfrontend/go-app:1\n"))
		if err != nil {
			t.Fatal(err)
		}
		s.Main = main
		if err := s.FillDefaults([]byte(gomod)); err != nil {
			t.Fatalf("main %s: %v", main, err)
		}
		want := []Binary{{Name: name, Main: main}}
		if !slices.Equal(s.Binaries, want) || s.Runtime.Entrypoint != name {
			t.Errorf("main %s: binaries %v, entrypoint %q; want %v, %q", main, s.Binaries, s.Runtime.Entrypoint, want, name)
		}
	}

	s, err := Load("go-app.yaml", []byte("# syntax=goappfrontend/go-app:1\n"))
	if err != nil {
		t.Fatal(err)
	}
	want := "go-app.yaml: nothing to build: set main (e.g. main: ./cmd/server) or binaries"
	if got := errString(s.FillDefaults([]byte(gomod))); got != want {
		t.Errorf("FillDefaults without main = %q, want %q", got, want)
	}
	if got := errString((&Spec{}).FillDefaults([]byte(gomod))); got != want {
		t.Errorf("FillDefaults of a Spec{} = %q, want %q", got, want)
	}
}

// TestFillTestDefaultsLibrary: the test target of a module without a main
// package (a library) gets its defaults without an error.
func TestFillTestDefaultsLibrary(t *testing.T) {
	s, err := Load("go-app.yaml", []byte("# syntax=goappfrontend/go-app:1\ntest:\n  flags: [-short]\n"))
	if err != nil {
		t.Fatal(err)
	}
	if err := s.FillTestDefaults([]byte("module example.com/lib\n\ngo 1.26\n")); err != nil {
		t.Fatalf("FillTestDefaults of a library: %v", err)
	}
	if len(s.Binaries) != 0 || s.Go.Image != "docker.io/library/golang:1.26" || !slices.Equal(s.Test.Packages, DefaultTestPackages) {
		t.Errorf("binaries %v, go.image %q, test.packages %v", s.Binaries, s.Go.Image, s.Test.Packages)
	}
	// go.mod problems are still reported.
	if err := s.FillTestDefaults(nil); err == nil {
		t.Error("FillTestDefaults without go.mod: no error")
	}
}
