package spec

import (
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// TestCapabilityTable checks the table against <linux/capability.h> when
// this machine has it.
func TestCapabilityTable(t *testing.T) {
	data, err := os.ReadFile("/usr/include/linux/capability.h")
	if err != nil {
		t.Skipf("no linux/capability.h to compare with: %v", err)
	}
	def := regexp.MustCompile(`(?m)^#define CAP_([A-Z_]+)\s+(\d+)\s*$`)
	n := 0
	for _, m := range def.FindAllStringSubmatch(string(data), -1) {
		num, _ := strconv.Atoi(m[2])
		name := strings.ToLower(m[1])
		if name == "last_cap" {
			continue
		}
		n++
		if got, ok := CapabilityNumber("CAP_" + m[1]); !ok || got != num {
			t.Errorf("CAP_%s is %d in capability.h, %d (%v) here", m[1], num, got, ok)
		}
	}
	if n != len(Capabilities) {
		t.Errorf("capability.h defines %d capabilities, the table %d", n, len(Capabilities))
	}
}

func TestRuntimeCapabilities(t *testing.T) {
	for _, tc := range []struct {
		name, yaml string
		want       []string
	}{
		{name: "good", yaml: yamlText("main: .", "runtime:", "  capabilities: [cap_net_bind_service, CAP_NET_RAW, sys_time]")},
		{
			name: "unknown and duplicate",
			yaml: yamlText("main: .", "runtime:", "  capabilities:", "    - cap_net_bind_servce", "    - cap_net_bind_service", "    - NET_BIND_SERVICE", "    - root"),
			want: []string{
				`4:7 runtime.capabilities.0 "cap_net_bind_servce" is not a Linux capability; did you mean "cap_net_bind_service"?`,
				`6:7 runtime.capabilities.2 "NET_BIND_SERVICE" is the same capability as runtime.capabilities.1; remove one`,
				`7:7 runtime.capabilities.3 "root" is not a Linux capability; name a Linux capability, like cap_net_bind_service`,
			},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Load("go-app.yaml", []byte(tc.yaml))
			if got := problemsOf(t, err); !slices.Equal(got, tc.want) {
				t.Errorf("problems:\n%q\nwant:\n%q", got, tc.want)
			}
		})
	}
}
