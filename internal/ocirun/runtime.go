package ocirun

import (
	"cmp"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strconv"
	"strings"

	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// DefaultPATH is the PATH a container gets when its image sets none, as
// with docker run.
const DefaultPATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

// RunConfig says how to run an image, on top of its config.
type RunConfig struct {
	// Args, when not nil, replaces the image's Cmd (docker run IMAGE ARGS...).
	Args []string
	// Entrypoint, when not nil, replaces the image's Entrypoint and Cmd
	// (docker run --entrypoint, with Args as the arguments).
	Entrypoint []string
	// Env is added to the image's environment ("K=V"; a K the image sets is
	// replaced).
	Env []string
	// Hostname of the container (default "go-app").
	Hostname string
}

// dockerDefaultCaps are the capabilities Docker gives a container by
// default.
var dockerDefaultCaps = []string{
	"CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FSETID", "CAP_FOWNER", "CAP_MKNOD",
	"CAP_NET_RAW", "CAP_SETGID", "CAP_SETUID", "CAP_SETFCAP", "CAP_SETPCAP",
	"CAP_NET_BIND_SERVICE", "CAP_SYS_CHROOT", "CAP_KILL", "CAP_AUDIT_WRITE",
}

// RuntimeSpec builds the OCI runtime spec that runs an image the way
// `docker run --network host IMAGE` does: the process is Entrypoint + Cmd
// (as overridden by rc), with the image's environment plus rc.Env, its
// working directory and its user (a name is looked up in the root
// filesystem's /etc/passwd and /etc/group). The container gets its own
// mount, PID, IPC and UTS namespaces but shares the host's network, so a
// server in it is reachable on 127.0.0.1. rootfs is the unpacked image;
// the spec names it by absolute path.
func RuntimeSpec(cfg ocispec.Image, rootfs string, rc RunConfig) (*specs.Spec, error) {
	c := cfg.Config
	var args []string
	switch {
	case rc.Entrypoint != nil:
		args = append(append(args, rc.Entrypoint...), rc.Args...)
	case rc.Args != nil:
		args = append(append(args, c.Entrypoint...), rc.Args...)
	default:
		args = append(append(args, c.Entrypoint...), c.Cmd...)
	}
	if len(args) == 0 {
		return nil, errors.New("no command: the image has no Entrypoint or Cmd and none was given")
	}

	absRoot, err := filepath.Abs(rootfs)
	if err != nil {
		return nil, err
	}
	user, home, err := resolveUser(absRoot, c.User)
	if err != nil {
		return nil, err
	}

	env := mergeEnv(c.Env, rc.Env)
	if _, ok := EnvValue(env, "PATH"); !ok {
		env = append([]string{"PATH=" + DefaultPATH}, env...)
	}
	hostname := cmp.Or(rc.Hostname, "go-app")
	if _, ok := EnvValue(env, "HOSTNAME"); !ok {
		env = append(env, "HOSTNAME="+hostname)
	}
	if _, ok := EnvValue(env, "HOME"); !ok {
		env = append(env, "HOME="+home)
	}

	cwd := cmp.Or(c.WorkingDir, "/")
	if !path.IsAbs(cwd) {
		return nil, fmt.Errorf("working directory %q is not absolute", cwd)
	}

	return &specs.Spec{
		Version: "1.0.2",
		Process: &specs.Process{
			User: user,
			Args: args,
			Env:  env,
			Cwd:  cwd,
			Capabilities: &specs.LinuxCapabilities{
				Bounding:  dockerDefaultCaps,
				Effective: dockerDefaultCaps,
				Permitted: dockerDefaultCaps,
			},
			NoNewPrivileges: true,
		},
		Root:     &specs.Root{Path: absRoot, Readonly: false},
		Hostname: hostname,
		Mounts: []specs.Mount{
			{Destination: "/proc", Type: "proc", Source: "proc"},
			{Destination: "/dev", Type: "tmpfs", Source: "tmpfs", Options: []string{"nosuid", "strictatime", "mode=755", "size=65536k"}},
			{Destination: "/dev/pts", Type: "devpts", Source: "devpts", Options: []string{"nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620"}},
			{Destination: "/dev/shm", Type: "tmpfs", Source: "shm", Options: []string{"nosuid", "noexec", "nodev", "mode=1777", "size=65536k"}},
			{Destination: "/dev/mqueue", Type: "mqueue", Source: "mqueue", Options: []string{"nosuid", "noexec", "nodev"}},
			// Without a network namespace of its own a container cannot
			// mount a new sysfs: bind the host's, read-only.
			{Destination: "/sys", Type: "bind", Source: "/sys", Options: []string{"rbind", "nosuid", "noexec", "nodev", "ro"}},
		},
		Linux: &specs.Linux{
			Namespaces: []specs.LinuxNamespace{{Type: specs.PIDNamespace}, {Type: specs.IPCNamespace}, {Type: specs.UTSNamespace}, {Type: specs.MountNamespace}},
			MaskedPaths: []string{
				"/proc/acpi", "/proc/asound", "/proc/kcore", "/proc/keys", "/proc/latency_stats",
				"/proc/timer_list", "/proc/timer_stats", "/proc/sched_debug", "/proc/scsi",
				"/sys/firmware", "/sys/devices/virtual/powercap",
			},
			ReadonlyPaths: []string{
				"/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger",
			},
		},
	}, nil
}

// mergeEnv returns base with extra applied: a variable in extra replaces
// the same variable in base, in place; new ones are appended.
func mergeEnv(base, extra []string) []string {
	out := append([]string(nil), base...)
	for _, kv := range extra {
		k, _, _ := strings.Cut(kv, "=")
		replaced := false
		for i, old := range out {
			if ok, _, _ := strings.Cut(old, "="); ok == k {
				out[i] = kv
				replaced = true
			}
		}
		if !replaced {
			out = append(out, kv)
		}
	}
	return out
}

// resolveUser turns an image's User ("", "uid", "uid:gid", "name",
// "name:group") into ids, looking names up in the root filesystem's
// /etc/passwd and /etc/group like Docker does; home is the user's home
// directory from /etc/passwd, or "/".
func resolveUser(rootfs, spec string) (specs.User, string, error) {
	userPart, groupPart, hasGroup := strings.Cut(spec, ":")
	userPart = cmp.Or(userPart, "0")
	passwd, _ := readEtc(rootfs, "passwd")
	var u specs.User
	home := "/"
	found := false
	if id, err := strconv.ParseUint(userPart, 10, 32); err == nil {
		u.UID = uint32(id)
		for _, f := range passwd {
			if len(f) >= 6 && f[2] == userPart {
				if gid, err := strconv.ParseUint(f[3], 10, 32); err == nil {
					u.GID = uint32(gid)
				}
				home = f[5]
				break
			}
		}
		// A numeric user need not be in /etc/passwd: gid 0, home "/".
	} else {
		for _, f := range passwd {
			if len(f) >= 6 && f[0] == userPart {
				uid, err1 := strconv.ParseUint(f[2], 10, 32)
				gid, err2 := strconv.ParseUint(f[3], 10, 32)
				if err1 != nil || err2 != nil {
					return specs.User{}, "", fmt.Errorf("bad /etc/passwd line for %q", userPart)
				}
				u.UID, u.GID, home = uint32(uid), uint32(gid), f[5]
				found = true
				break
			}
		}
		if !found {
			return specs.User{}, "", fmt.Errorf("user %q not found in the image's /etc/passwd", userPart)
		}
	}
	if hasGroup {
		if id, err := strconv.ParseUint(groupPart, 10, 32); err == nil {
			u.GID = uint32(id)
		} else {
			groups, _ := readEtc(rootfs, "group")
			ok := false
			for _, f := range groups {
				if len(f) >= 3 && f[0] == groupPart {
					gid, err := strconv.ParseUint(f[2], 10, 32)
					if err != nil {
						return specs.User{}, "", fmt.Errorf("bad /etc/group line for %q", groupPart)
					}
					u.GID, ok = uint32(gid), true
					break
				}
			}
			if !ok {
				return specs.User{}, "", fmt.Errorf("group %q not found in the image's /etc/group", groupPart)
			}
		}
	}
	return u, cmp.Or(home, "/"), nil
}

// readEtc reads a colon-separated file of the root filesystem
// (/etc/passwd, /etc/group) without following symlinks out of it.
func readEtc(rootfs, name string) ([][]string, error) {
	p := filepath.Join(rootfs, "etc", name)
	fi, err := os.Lstat(p)
	if err != nil {
		return nil, err
	}
	if !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("/etc/%s is not a regular file: %w", name, fs.ErrInvalid)
	}
	b, err := os.ReadFile(p)
	if err != nil {
		return nil, err
	}
	var out [][]string
	for line := range strings.Lines(string(b)) {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		out = append(out, strings.Split(line, ":"))
	}
	return out, nil
}
