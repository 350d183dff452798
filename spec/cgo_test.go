package spec

import (
	"strings"
	"testing"
)

func TestCgoPackagesBound(t *testing.T) {
	pkgs := make([]string, MaxCgoPackages+1)
	for i := range pkgs {
		pkgs[i] = "lib" + strings.Repeat("x", i+1) + "-dev"
	}
	s := &Spec{Main: ".", Build: Build{Cgo: true, CgoPackages: pkgs}}
	errs := s.Validate()
	if len(errs) != 1 || !strings.Contains(errs[0].Msg, "build.cgo_packages names 101 packages; at most 100 are allowed") {
		t.Errorf("problems %v", errs)
	}
	s.Build.CgoPackages = pkgs[:MaxCgoPackages]
	if errs := s.Validate(); len(errs) != 0 {
		t.Errorf("%d packages: %v", MaxCgoPackages, errs)
	}
}

func TestDefaultImage(t *testing.T) {
	s := &Spec{Go: Go{Version: "1.26"}}
	if got := s.DefaultImage(); got != "docker.io/library/golang:1.26" {
		t.Errorf("without cgo: %s", got)
	}
	s.Build.Cgo = true
	if got := s.DefaultImage(); got != "docker.io/library/golang:1.26-bookworm" {
		t.Errorf("with cgo: %s", got)
	}
}
