package e2e

import (
	"encoding/json"
	"io/fs"
	"path"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/containerd/platforms"
	"github.com/goappfrontend/go-app/internal/ocirun"
)

// TestSecurityPosture checks the claims of docs/security.md that the
// image contract (checkImage: user 65532:65532 in the
// config, nothing but the binaries, certificates, zoneinfo, passwd, group
// and /tmp, binaries root-owned 0755) does not check already: every entry of
// every layer is owned by root and writable by root only, nothing but the
// binaries is executable, and at run time the program's user can write
// nowhere but /tmp and finds no shell to start.
func TestSecurityPosture(t *testing.T) {
	needStack(t)

	t.Run("layers", func(t *testing.T) {
		for _, img := range buildExample(t, "hello").images {
			entries, err := img.Entries()
			if err != nil {
				t.Fatal(err)
			}
			for _, p := range postureProblems(entries) {
				t.Errorf("%s: %s", platforms.Format(img.Platform), p)
			}
		}
	})

	img := literalImage(t)
	t.Run("runtime", func(t *testing.T) {
		res := runImage(t, img, ocirun.RunConfig{Args: []string{"posture"}})
		if res.ExitCode != 0 {
			t.Fatalf("exit %d\n%s%s", res.ExitCode, res.Stdout, res.Stderr)
		}
		var got struct {
			UID, GID    int
			Writable    []string
			Executables []string
			Shells      []string
			NotRoot     []string
			Errors      []string
		}
		if err := json.Unmarshal([]byte(res.Stdout), &got); err != nil {
			t.Fatalf("output %q: %v", res.Stdout, err)
		}
		t.Logf("posture: %s", strings.TrimSpace(res.Stdout))
		if got.UID != 65532 || got.GID != 65532 {
			t.Errorf("runs as %d:%d, want 65532:65532", got.UID, got.GID)
		}
		if want := []string{"/tmp"}; !reflect.DeepEqual(got.Writable, want) {
			t.Errorf("the program can write %q, want only %q", got.Writable, want)
		}
		if want := []string{"/usr/local/bin/literal"}; !reflect.DeepEqual(got.Executables, want) {
			t.Errorf("executable files %q, want only the binary %q", got.Executables, want)
		}
		if len(got.Shells) > 0 {
			t.Errorf("files named like a shell: %q", got.Shells)
		}
		if len(got.NotRoot) > 0 {
			t.Errorf("not owned by root:root: %q", got.NotRoot)
		}
		if len(got.Errors) > 0 {
			t.Errorf("walking the file system: %q", got.Errors)
		}
	})

	t.Run("no shell", func(t *testing.T) {
		// docker run --entrypoint /bin/sh IMAGE -c 'touch /tmp/x' fails.
		ctx, cancel := ctxFor(t, 2*time.Minute)
		defer cancel()
		res, err := ocirun.Run(ctx, img.Config, rootfs(t, img), t.TempDir(), ocirun.Options{
			RunConfig: ocirun.RunConfig{Entrypoint: []string{"/bin/sh"}, Args: []string{"-c", "touch /tmp/x"}},
			IDPrefix:  containerPrefix,
		})
		if err == nil && res.ExitCode == 0 {
			t.Fatalf("/bin/sh ran in the image\n%s%s", res.Stdout, res.Stderr)
		}
		if out := res.Stdout + res.Stderr; err == nil && !strings.Contains(out, "no such file or directory") {
			t.Errorf("starting /bin/sh failed, but not for want of it: exit %d\n%s", res.ExitCode, out)
		}
		t.Logf("/bin/sh: %v, exit %d, %s", err, res.ExitCode, strings.TrimSpace(res.Stderr))
	})
}

// postureProblems checks the entries of an image's layers: owned by
// root:root, not writable by group or others (but /tmp, 1777), executable
// only in /usr/local/bin, no set-user-ID or set-group-ID bits, nothing but
// directories and regular files.
func postureProblems(entries []ocirun.Entry) []string {
	var bad []string
	for _, e := range entries {
		mode := e.Mode
		switch {
		case e.UID != 0 || e.GID != 0:
			bad = append(bad, e.String()+": not owned by root:root")
		case !e.IsDir() && !e.IsRegular():
			bad = append(bad, e.String()+": neither a directory nor a regular file")
		case mode&(fs.ModeSetuid|fs.ModeSetgid) != 0:
			bad = append(bad, e.String()+": set-user-ID or set-group-ID")
		case e.Path == "/tmp":
			if mode.Perm() != 0o777 || mode&fs.ModeSticky == 0 {
				bad = append(bad, e.String()+": want 1777")
			}
		case mode&fs.ModeSticky != 0 || mode.Perm()&0o022 != 0:
			bad = append(bad, e.String()+": writable by group or others")
		case e.IsRegular() && mode.Perm()&0o111 != 0 && path.Dir(e.Path) != "/usr/local/bin":
			bad = append(bad, e.String()+": executable outside /usr/local/bin")
		}
	}
	return bad
}

func TestPostureProblems(t *testing.T) {
	good := []ocirun.Entry{
		{Path: "/etc", Type: '5', Mode: fs.ModeDir | 0o755},
		{Path: "/etc/passwd", Type: '0', Mode: 0o644},
		{Path: "/tmp", Type: '5', Mode: fs.ModeDir | fs.ModeSticky | 0o777},
		{Path: "/usr/local/bin/app", Type: '0', Mode: 0o755},
	}
	if bad := postureProblems(good); len(bad) > 0 {
		t.Fatalf("problems in a good image: %q", bad)
	}
	for _, tc := range []struct {
		e    ocirun.Entry
		want string
	}{
		{ocirun.Entry{Path: "/etc/passwd", Type: '0', Mode: 0o644, UID: 65532}, "not owned by root"},
		{ocirun.Entry{Path: "/etc/passwd", Type: '0', Mode: 0o646}, "writable by group or others"},
		{ocirun.Entry{Path: "/etc", Type: '5', Mode: fs.ModeDir | 0o775}, "writable by group or others"},
		{ocirun.Entry{Path: "/usr/share/zoneinfo/UTC", Type: '0', Mode: 0o755}, "executable outside /usr/local/bin"},
		{ocirun.Entry{Path: "/usr/local/bin/app", Type: '0', Mode: fs.ModeSetuid | 0o755}, "set-user-ID"},
		{ocirun.Entry{Path: "/tmp", Type: '5', Mode: fs.ModeDir | 0o777}, "want 1777"},
		{ocirun.Entry{Path: "/bin", Type: '2', Mode: fs.ModeSymlink | 0o777, Linkname: "usr/bin"}, "neither a directory nor a regular file"},
	} {
		bad := postureProblems([]ocirun.Entry{tc.e})
		if len(bad) != 1 || !strings.Contains(bad[0], tc.want) {
			t.Errorf("%v: problems %q, want one saying %q", tc.e, bad, tc.want)
		}
	}
}
