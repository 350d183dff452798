package main

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/goappfrontend/go-app/internal/filecap"
	"golang.org/x/sys/unix"
)

func TestSetcap(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("setting security.capability needs CAP_SETFCAP")
	}
	dir := t.TempDir()
	in, out := filepath.Join(dir, "in", "server"), filepath.Join(dir, "out", "server")
	if err := os.MkdirAll(filepath.Dir(in), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(in, []byte("\x7fELF binary"), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := setcap([]string{"-in", in, "-out", out, "-caps", "cap_net_bind_service"}); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(out)
	if err != nil || string(data) != "\x7fELF binary" {
		t.Fatalf("copy = %q, %v", data, err)
	}
	if fi, _ := os.Stat(out); fi.Mode().Perm() != 0o755 {
		t.Errorf("mode %v, want 0755", fi.Mode())
	}
	want, _ := filecap.Encode([]string{"cap_net_bind_service"})
	got := make([]byte, 64)
	n, err := unix.Lgetxattr(out, filecap.Xattr, got)
	if err != nil || !bytes.Equal(got[:n], want) {
		t.Errorf("xattr = % x (%v), want % x", got[:n], err, want)
	}
	if err := setcap([]string{"-in", in, "-out", out, "-caps", "cap_nope"}); err == nil {
		t.Error("an unknown capability: no error")
	}
}
