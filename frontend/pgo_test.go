package frontend

import (
	"maps"
	"testing"
	"testing/fstest"

	"github.com/goappfrontend/go-app/spec"
)

// pgoContext is a build context with a profile for ./cmd/api and the
// module root, and a directory named default.pgo in ./cmd/worker.
var pgoContext = fstest.MapFS{
	"go.mod":                   {Data: []byte("module example.com/m\n")},
	"default.pgo":              {Data: []byte("root profile")},
	"cmd/api/main.go":          {Data: []byte("package main\n")},
	"cmd/api/default.pgo":      {Data: []byte("profile")},
	"cmd/worker/default.pgo/x": {Data: []byte("not a profile")},
	"cmd/worker/main.go":       {Data: []byte("package main\n")},
	"cmd/other/main.go":        {Data: []byte("package main\n")},
	"cmd/other/cpu.pprof":      {Data: []byte("not where go build looks")},
	"internal/x/default.pgo":   {Data: []byte("not a main package")},
	// A module in a subdirectory (module: services/api).
	"services/api/go.mod":              {Data: []byte("module example.com/api\n")},
	"services/api/cmd/srv/main.go":     {Data: []byte("package main\n")},
	"services/api/cmd/srv/default.pgo": {Data: []byte("profile")},
}

func TestFindProfiles(t *testing.T) {
	bins := []spec.Binary{{Name: "api", Main: "./cmd/api"}, {Name: "worker", Main: "./cmd/worker"}, {Name: "other", Main: "./cmd/other/"}, {Name: "m", Main: "."}}
	got := findProfiles(pgoContext, ".", bins)
	want := map[string]string{"api": "cmd/api/default.pgo", "m": "default.pgo"}
	if !maps.Equal(got, want) {
		t.Errorf("profiles = %v, want %v", got, want)
	}
	if got := findProfiles(pgoContext, ".", bins[1:3]); got != nil {
		t.Errorf("profiles = %v, want none", got)
	}
	// Main packages are relative to the module's directory; the profile
	// paths to the build context.
	got = findProfiles(pgoContext, "services/api", []spec.Binary{{Name: "srv", Main: "./cmd/srv"}, {Name: "api", Main: "./cmd/api"}})
	if want := map[string]string{"srv": "services/api/cmd/srv/default.pgo"}; !maps.Equal(got, want) {
		t.Errorf("profiles in services/api = %v, want %v", got, want)
	}
}

func TestProfileNote(t *testing.T) {
	for _, tc := range []struct {
		pkgs []string
		want string
	}{
		{[]string{"./cmd/api"}, "PGO: ./cmd/api uses cmd/api/default.pgo"},
		{[]string{"./cmd/worker", "./cmd/other"}, "PGO: no default.pgo in ./cmd/worker, ./cmd/other (go build -pgo=auto uses the default.pgo of a main package's directory)"},
		{[]string{".", "./cmd/other"}, "PGO: . uses default.pgo; no default.pgo in ./cmd/other"},
	} {
		if got := profileNote(pgoContext, ".", tc.pkgs); got != tc.want {
			t.Errorf("profileNote(%q) = %q, want %q", tc.pkgs, got, tc.want)
		}
	}
}
