package filecap

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

func TestEncode(t *testing.T) {
	got, err := Encode([]string{"cap_net_bind_service", "CAP_CHECKPOINT_RESTORE", "kill"})
	if err != nil {
		t.Fatal(err)
	}
	// magic 0x02000001; permitted bits 5 and 10; bit 40-32=8 of the high word.
	want := []byte{1, 0, 0, 2, 0x20, 0x04, 0, 0, 0, 0, 0, 0, 0x00, 0x01, 0, 0, 0, 0, 0, 0}
	if !bytes.Equal(got, want) {
		t.Errorf("Encode = % x, want % x", got, want)
	}
	if _, err := Encode([]string{"cap_root"}); err == nil {
		t.Error("Encode of an unknown capability: no error")
	}
}

// TestSetLikeSetcap checks Set against setcap and getcap, when this machine
// has them and may set the attribute (root).
func TestSetLikeSetcap(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("setting security.capability needs CAP_SETFCAP")
	}
	setcap, err1 := exec.LookPath("setcap")
	getcap, err2 := exec.LookPath("getcap")
	if err1 != nil || err2 != nil {
		t.Skip("no setcap/getcap here")
	}
	dir := t.TempDir()
	ours, theirs := filepath.Join(dir, "ours"), filepath.Join(dir, "theirs")
	for _, f := range []string{ours, theirs} {
		if err := os.WriteFile(f, []byte("x"), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := Set(ours, []string{"cap_net_bind_service", "cap_net_raw"}); err != nil {
		t.Skipf("this file system takes no security.capability: %v", err)
	}
	if out, err := exec.Command(setcap, "cap_net_bind_service,cap_net_raw=+ep", theirs).CombinedOutput(); err != nil {
		t.Fatalf("setcap: %v: %s", err, out)
	}
	a, b := make([]byte, 64), make([]byte, 64)
	na, err := unix.Lgetxattr(ours, Xattr, a)
	if err != nil {
		t.Fatal(err)
	}
	nb, err := unix.Lgetxattr(theirs, Xattr, b)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a[:na], b[:nb]) {
		t.Errorf("Set wrote % x, setcap % x", a[:na], b[:nb])
	}
	out, err := exec.Command(getcap, ours).CombinedOutput()
	if err != nil || !strings.Contains(string(out), "cap_net_bind_service,cap_net_raw=ep") {
		t.Errorf("getcap %s: %s (%v)", ours, out, err)
	}
}
