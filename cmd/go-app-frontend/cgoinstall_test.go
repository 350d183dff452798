package main

import (
	"slices"
	"strings"
	"testing"
)

func TestUnknownPackages(t *testing.T) {
	out := []byte(strings.Join([]string{
		"Reading package lists...",
		"E: Unable to locate package libnope-dev:arm64",
		"E: Package 'libold-dev' has no installation candidate",
		"E: Unable to locate package libnope-dev:arm64",
		"E: Couldn't find any package by glob 'lib*x'",
	}, "\n"))
	if got, want := unknownPackages(out), []string{"libnope-dev:arm64", "libold-dev", "lib*x"}; !slices.Equal(got, want) {
		t.Errorf("unknownPackages = %q, want %q", got, want)
	}
}

func TestCgoInstallUsage(t *testing.T) {
	for _, args := range [][]string{nil, {"-arch", "arm64"}, {"--", "gcc"}} {
		if err := cgoInstall(args); err == nil || !strings.Contains(err.Error(), "usage") {
			t.Errorf("cgoInstall(%q) = %v, want the usage", args, err)
		}
	}
}
