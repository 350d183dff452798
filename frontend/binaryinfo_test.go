package frontend

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/goappfrontend/go-app/internal/elfcheck/elftest"
	"github.com/goappfrontend/go-app/internal/filecap"
)

// TestVerifyFIPS checks that a spec in FIPS 140-3 mode gets binaries whose
// build info records GOFIPS140, and an error naming the binary, its Go and
// the spec lines when one does not (a go.image whose Go ignores it).
func TestVerifyFIPS(t *testing.T) {
	bins := elftest.Binaries(t)
	for _, tc := range []struct {
		name, yaml string
		bin        []byte
		want       string
		lines      []int
	}{
		{"carried", "# syntax=x\nmain: ./cmd/api\nbuild:\n  env:\n    GOFIPS140: latest\n", bins["fips"], "", nil},
		{"not asked for", "# syntax=x\nmain: ./cmd/api\n", bins["amd64"], "", nil},
		{
			"missing", "# syntax=x\nmain: ./cmd/api\ngo:\n  image: example.com/go:1.23\nbuild:\n  env:\n    GOFIPS140: latest\n", bins["amd64"],
			"binary /usr/local/bin/api was built without FIPS 140-3 mode: its build info has no GOFIPS140 setting, though build.env.GOFIPS140 is latest; its Go, go1.",
			[]int{2, 7, 4},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, sm := loadSpec(t, tc.yaml)
			ref := &fakeRef{files: map[string][]byte{"/usr/local/bin/api": tc.bin}}
			err := verifyBinaries(context.Background(), ref, s, sm, binPaths(s), elftest.Linux("amd64"))
			if tc.want == "" {
				if err != nil {
					t.Fatalf("err = %v, want none", err)
				}
				return
			}
			if err == nil || !strings.HasPrefix(err.Error(), tc.want) || !strings.Contains(err.Error(), "needs Go 1.24 or later") {
				t.Fatalf("err = %v\nwant one starting\n%s", err, tc.want)
			}
			if got := sourceLines(err); !slices.Equal(got, tc.lines) {
				t.Errorf("error points at lines %v, want %v", got, tc.lines)
			}
		})
	}
}

func TestVerifyCapabilities(t *testing.T) {
	yaml := "# syntax=x\nbinaries:\n  - main: ./cmd/api\n  - main: ./cmd/tool\nruntime:\n  capabilities: [cap_net_bind_service]\n"
	s, sm := loadSpec(t, yaml)
	good, _ := filecap.Encode([]string{"cap_net_bind_service"})
	other, _ := filecap.Encode([]string{"cap_net_raw"})
	files := map[string][]byte{"/usr/local/bin/api": []byte("x"), "/usr/local/bin/tool": []byte("x")}
	for _, tc := range []struct {
		name   string
		xattrs map[string]map[string][]byte
		want   string
	}{
		{"carried", map[string]map[string][]byte{"/usr/local/bin/api": {filecap.Xattr: good}}, ""},
		{"dropped", nil, "binary /usr/local/bin/api lacks the file capabilities cap_net_bind_service in the image (it has no security.capability attribute)"},
		{"others", map[string]map[string][]byte{"/usr/local/bin/api": {filecap.Xattr: other}}, "binary /usr/local/bin/api lacks the file capabilities cap_net_bind_service in the image (its security.capability attribute is 0100000200200000000000000000000000000000, want 0100000200040000000000000000000000000000)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ref := &fakeRef{files: files, xattrs: tc.xattrs}
			err := verifyCapabilities(context.Background(), ref, s, sm, binPaths(s))
			switch {
			case tc.want == "" && err != nil:
				t.Fatalf("err = %v, want none", err)
			case tc.want != "" && (err == nil || !strings.HasPrefix(err.Error(), tc.want)):
				t.Fatalf("err = %v, want one starting %q", err, tc.want)
			}
			if tc.want != "" {
				if lines := sourceLines(err); len(lines) != 1 || lines[0] != 6 {
					t.Errorf("error points at lines %v, want [6]", lines)
				}
			}
		})
	}
}
