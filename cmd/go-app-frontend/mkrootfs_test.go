package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// withCABundles points mkrootfs at test bundles for one test.
func withCABundles(t *testing.T, paths ...string) {
	saved := caBundles
	caBundles = paths
	t.Cleanup(func() { caBundles = saved })
}

func TestRun(t *testing.T) {
	dir := t.TempDir()
	bundle := filepath.Join(dir, "cert.pem")
	pem := "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n"
	if err := os.WriteFile(bundle, []byte(pem), 0o600); err != nil {
		t.Fatal(err)
	}
	// The first existing, non-empty bundle wins.
	empty := filepath.Join(dir, "empty.crt")
	if err := os.WriteFile(empty, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	withCABundles(t, filepath.Join(dir, "missing.crt"), empty, bundle)
	out := t.TempDir()
	if err := run(out, 65532, 65533, ""); err != nil {
		t.Fatal(err)
	}
	read := func(p string) string {
		b, err := os.ReadFile(filepath.Join(out, p))
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	if got := read("etc/ssl/certs/ca-certificates.crt"); got != pem {
		t.Errorf("CA bundle = %q, want the test bundle", got)
	}
	if got := read("etc/passwd"); got != "root:x:0:0:root:/root:/sbin/nologin\nnonroot:x:65532:65533:nonroot:/nonexistent:/sbin/nologin\n" {
		t.Errorf("passwd = %q", got)
	}
	if got := read("etc/group"); got != "root:x:0:\nnonroot:x:65533:\n" {
		t.Errorf("group = %q", got)
	}
	st, err := os.Stat(filepath.Join(out, "tmp"))
	if err != nil || st.Mode() != os.ModeDir|os.ModeSticky|0o777 {
		t.Errorf("/tmp mode = %v, %v", st.Mode(), err)
	}
	for _, f := range []string{"etc/passwd", "etc/ssl/certs/ca-certificates.crt", "usr/share/zoneinfo/UTC"} {
		if st, err := os.Stat(filepath.Join(out, f)); err != nil || st.Mode() != 0o644 {
			t.Errorf("%s mode = %v, %v", f, st.Mode(), err)
		}
	}
	// The unpacked database is one Go's time package can load.
	b, err := os.ReadFile(filepath.Join(out, "usr/share/zoneinfo/Asia/Shanghai"))
	if err != nil {
		t.Fatal(err)
	}
	loc, err := time.LoadLocationFromTZData("Asia/Shanghai", b)
	if err != nil {
		t.Fatal(err)
	}
	if _, off := time.Date(2026, 1, 1, 0, 0, 0, 0, loc).Zone(); off != 8*3600 {
		t.Errorf("offset = %d", off)
	}
}

func TestNoCABundle(t *testing.T) {
	withCABundles(t, filepath.Join(t.TempDir(), "missing.crt"))
	err := run(t.TempDir(), 1, 1, "")
	if err == nil || !strings.Contains(err.Error(), "no CA bundle") {
		t.Fatalf("err = %v", err)
	}
}

func TestMissingZoneinfo(t *testing.T) {
	err := run(t.TempDir(), 1, 1, t.TempDir())
	if err == nil || !strings.Contains(err.Error(), "zoneinfo.zip") {
		t.Fatalf("err = %v", err)
	}
}
