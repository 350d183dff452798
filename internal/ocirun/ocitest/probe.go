package ocitest

import (
	_ "embed"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
)

// probeSource is the probe, a program for tests to run in containers:
//
//	probe info         print uid, gid, cwd, args, env and hostname as JSON
//	probe serve ADDR   answer GET / with "probe GOARCH" on ADDR
//	probe exit N       exit with status N
//
//go:embed testdata/probe/main.go
var probeSource []byte

// BuildProbe compiles the probe for linux/goarch with the host's Go (cgo
// on or off) and returns the binary's path. It skips the test under -short
// or when there is no go command.
func BuildProbe(t testing.TB, goarch string, cgo bool) string {
	t.Helper()
	if testing.Short() {
		t.Skip("builds a Go program; skipped with -short")
	}
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command to build the probe")
	}
	// Build it as a module of its own, so nothing depends on the state of
	// this repository's go.mod.
	src := t.TempDir()
	if err := os.WriteFile(filepath.Join(src, "main.go"), probeSource, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(src, "go.mod"), []byte("module probe\n\ngo 1.22\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), "probe-"+goarch)
	cmd := exec.Command(goBin, "build", "-trimpath", "-o", out, ".")
	cmd.Dir = src
	cgoEnabled := "0"
	if cgo {
		cgoEnabled = "1"
	}
	cmd.Env = append(os.Environ(), "GOOS=linux", "GOARCH="+goarch, "CGO_ENABLED="+cgoEnabled, "GOFLAGS=", "GOWORK=off")
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build probe for %s: %v\n%s", goarch, err, b)
	}
	return out
}

// EtcRootfs makes a root filesystem holding only /etc/passwd (root, and
// nonroot as 65532:65532 with home /home/nonroot) and /etc/group (root,
// staff as 50, nonroot as 65532).
func EtcRootfs(t testing.TB) string {
	t.Helper()
	root := t.TempDir()
	if err := os.MkdirAll(filepath.Join(root, "etc"), 0o755); err != nil {
		t.Fatal(err)
	}
	write := func(name, body string) {
		if err := os.WriteFile(filepath.Join(root, "etc", name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("passwd", "root:x:0:0:root:/root:/sbin/nologin\n# comment\nnonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin\n")
	write("group", "root:x:0:\nstaff:x:50:\nnonroot:x:65532:\n")
	return root
}

// ProbeRootfs makes a root filesystem holding the probe for goarch as
// /usr/local/bin/probe, the /etc of EtcRootfs, a sticky /tmp and /srv.
func ProbeRootfs(t testing.TB, goarch string) string {
	t.Helper()
	bin := BuildProbe(t, goarch, false)
	root := EtcRootfs(t)
	for _, d := range []string{"usr/local/bin", "tmp", "srv"} {
		if err := os.MkdirAll(filepath.Join(root, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Chmod(filepath.Join(root, "tmp"), os.ModeSticky|0o777); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(bin)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(root, "usr/local/bin/probe"), b, 0o755); err != nil {
		t.Fatal(err)
	}
	return root
}

// ProbeConfig is the config of an image of ProbeRootfs: it runs `probe
// info` as nonroot in /srv, with FROM_IMAGE=yes in its environment.
func ProbeConfig() ocispec.Image {
	return ocispec.Image{Platform: ocispec.Platform{OS: "linux"}, Config: ocispec.ImageConfig{
		User:       "nonroot",
		Entrypoint: []string{"/usr/local/bin/probe"},
		Cmd:        []string{"info"},
		Env:        []string{"PATH=/usr/local/bin", "FROM_IMAGE=yes"},
		WorkingDir: "/srv",
	}}
}

// FreeAddr returns a loopback address ("127.0.0.1:PORT") with a port that
// was free a moment ago, for a server in a test container.
func FreeAddr(t testing.TB) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return addr
}
