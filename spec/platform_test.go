package spec

import (
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/containerd/platforms"
)

func TestSupportedPlatforms(t *testing.T) {
	// The text the message had when it was written by hand.
	const want = "linux/amd64 (variants v1 to v4), linux/arm64, linux/arm/v7, linux/arm/v6, linux/386, linux/ppc64le, linux/s390x, linux/riscv64, linux/loong64 or linux/mips64le"
	if got := SupportedPlatforms(); got != want {
		t.Errorf("SupportedPlatforms() =\n%s\nwant\n%s", got, want)
	}
}

func TestPlatformArch(t *testing.T) {
	for _, tc := range []struct {
		platform       string
		ok             bool
		goVar, goValue string
	}{
		{"linux/amd64", true, "GOAMD64", ""},
		{"linux/amd64/v1", true, "GOAMD64", ""},
		{"linux/amd64/v4", true, "GOAMD64", "v4"},
		{"linux/amd64/v5", false, "", ""},
		{"linux/arm", true, "GOARM", "7"},
		{"linux/arm/v6", true, "GOARM", "6"},
		{"linux/arm/v5", false, "", ""},
		{"linux/arm64/v8", true, "GOARM64", ""},
		{"linux/arm64/v9", false, "GOARM64", ""},
		{"linux/riscv64", true, "GORISCV64", ""},
		{"linux/sparc64", false, "", ""},
	} {
		a, v, ok := PlatformArch(platforms.Normalize(platforms.MustParse(tc.platform)))
		if ok != tc.ok || a.GoVariable != tc.goVar || v.Go != tc.goValue {
			t.Errorf("%s: %s=%q, %v; want %s=%q, %v", tc.platform, a.GoVariable, v.Go, ok, tc.goVar, tc.goValue, tc.ok)
		}
	}
	for _, goarch := range Architectures() {
		if p, err := ParsePlatform("linux/" + goarch); err != nil {
			t.Errorf("%s: %v", goarch, err)
		} else if a, _, _ := PlatformArch(p); a.ELF.Machine == 0 || a.Name == "" {
			t.Errorf("%s has no ELF machine or name", goarch)
		}
	}
}

// TestDocListsArches checks that the annotated example of doc.go (and so
// docs/reference.md) names every architecture of the table and every
// variant of those that have several.
func TestDocListsArches(t *testing.T) {
	doc, err := os.ReadFile("doc.go")
	if err != nil {
		t.Fatal(err)
	}
	_, text, ok := strings.Cut(string(doc), "# Target platforms")
	text, _, _ = strings.Cut(text, "platforms:")
	if !ok {
		t.Fatal("doc.go has no comment on platforms")
	}
	text = strings.ReplaceAll(text, "//\t# ", "")
	for _, a := range Arches {
		want := []string{a.GOARCH}
		if len(a.Variants) > 1 && !a.Variants[0].Baseline {
			want = nil
			for _, v := range a.Variants {
				want = append(want, a.GOARCH+"/"+v.Name)
			}
		}
		for _, w := range want {
			if !regexp.MustCompile(`(^|[\s(,])` + regexp.QuoteMeta(w) + `[\s,.]`).MatchString(text) {
				t.Errorf("doc.go's comment on platforms does not name %s:\n%s", w, text)
			}
		}
	}
}
