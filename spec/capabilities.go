package spec

import (
	"strconv"
	"strings"
)

// Capabilities are the Linux capabilities by number, as
// <linux/capability.h> names them, without CAP_ and in lower case: the one
// table runtime.capabilities is checked against and the frontend's
// setcap step encodes from.
var Capabilities = []string{
	"chown", "dac_override", "dac_read_search", "fowner", "fsetid", "kill",
	"setgid", "setuid", "setpcap", "linux_immutable", "net_bind_service",
	"net_broadcast", "net_admin", "net_raw", "ipc_lock", "ipc_owner",
	"sys_module", "sys_rawio", "sys_chroot", "sys_ptrace", "sys_pacct",
	"sys_admin", "sys_boot", "sys_nice", "sys_resource", "sys_time",
	"sys_tty_config", "mknod", "lease", "audit_write", "audit_control",
	"setfcap", "mac_override", "mac_admin", "syslog", "wake_alarm",
	"block_suspend", "audit_read", "perfmon", "bpf", "checkpoint_restore",
}

// CapabilityNumber returns the number of a capability written as
// cap_net_bind_service, CAP_NET_BIND_SERVICE or net_bind_service.
func CapabilityNumber(name string) (int, bool) {
	n := strings.TrimPrefix(strings.ToLower(name), "cap_")
	for i, c := range Capabilities {
		if c == n {
			return i, true
		}
	}
	return 0, false
}

// capabilities checks runtime.capabilities: known capabilities, each once,
// and a binary to give them to.
func (v *validator) capabilities() {
	seen := map[int]int{}
	for i, c := range v.s.Runtime.Capabilities {
		key := "runtime.capabilities." + strconv.Itoa(i)
		n, ok := CapabilityNumber(c)
		if !ok {
			fix := "name a Linux capability, like cap_net_bind_service"
			if s := closest(strings.TrimPrefix(strings.ToLower(c), "cap_"), Capabilities); s != "" {
				fix = msgf("did you mean %q?", "cap_"+s)
			}
			v.add(v.at(key), "%s %q is not a Linux capability; %s", key, c, fix)
			continue
		}
		if j, dup := seen[n]; dup {
			v.add(v.at(key), "%s %q is the same capability as runtime.capabilities.%d; remove one", key, c, j)
			continue
		}
		seen[n] = i
	}
}
