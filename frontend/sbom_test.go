package frontend

import (
	"testing"

	ocispecs "github.com/opencontainers/image-spec/specs-go/v1"
)

func TestSBOMGeneratorGiven(t *testing.T) {
	for _, tc := range []struct {
		opts map[string]string
		want bool
	}{
		{map[string]string{}, false},
		{map[string]string{"attest:sbom": ""}, false},                                      // buildctl --opt attest:sbom=
		{map[string]string{"attest:sbom": "type=sbom"}, false},                             // buildx --sbom=true
		{map[string]string{"attest:sbom": "type=sbom,generator=example.com/scan:1"}, true}, // buildx --sbom=generator=...
		{map[string]string{"attest:sbom": "generator=example.com/scan:1"}, true},
		{map[string]string{"build-arg:BUILDKIT_ATTEST_SBOM": "generator=example.com/scan:1"}, true},
		{map[string]string{"attest:provenance": "generator=x", "attest:sbom": "type=sbom"}, false},
		{map[string]string{"attest:sbom": "type=sbom,\"scan-context=true\""}, false},
	} {
		got, err := sbomGeneratorGiven(tc.opts)
		if err != nil || got != tc.want {
			t.Errorf("%v: %v, %v; want %v", tc.opts, got, err, tc.want)
		}
	}
	if _, err := sbomGeneratorGiven(map[string]string{"attest:sbom": "\"unterminated"}); err == nil {
		t.Error("a malformed option parses")
	}
}

func TestExportID(t *testing.T) {
	arm := ocispecs.Platform{OS: "linux", Architecture: "arm64"}
	if got := exportID(&arm); got != "linux/arm64" {
		t.Errorf("exportID(linux/arm64) = %q", got)
	}
	arm7 := ocispecs.Platform{OS: "linux", Architecture: "arm", Variant: "v7"}
	if got := exportID(&arm7); got != "linux/arm/v7" {
		t.Errorf("exportID(linux/arm/v7) = %q", got)
	}
	if exportID(nil) == "" {
		t.Error("exportID(nil) is empty")
	}
}
