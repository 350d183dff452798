package frontend

import (
	"context"
	"strings"
	"testing"

	"github.com/goappfrontend/go-app/internal/filecap"
)

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
