package ocirun

import (
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/goappfrontend/go-app/internal/ocirun/ocitest"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
)

func TestRuntimeSpecLikeDockerRun(t *testing.T) {
	root := ocitest.EtcRootfs(t)
	cfg := ocispec.Image{Platform: ocispec.Platform{OS: "linux", Architecture: "arm64"}, Config: ocispec.ImageConfig{
		User:       "65532:65532",
		Entrypoint: []string{"/usr/local/bin/hello"},
		Cmd:        []string{"-addr", ":8080"},
		Env:        []string{"PATH=/usr/local/bin:/bin", "SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt", "TZ=UTC"},
		WorkingDir: "/srv",
	}}
	spec, err := RuntimeSpec(cfg, root, RunConfig{Env: []string{"TZ=Asia/Shanghai", "EXTRA=1"}})
	if err != nil {
		t.Fatal(err)
	}
	p := spec.Process
	if want := []string{"/usr/local/bin/hello", "-addr", ":8080"}; !reflect.DeepEqual(p.Args, want) {
		t.Errorf("args %v, want %v", p.Args, want)
	}
	if p.User.UID != 65532 || p.User.GID != 65532 {
		t.Errorf("user %+v", p.User)
	}
	if p.Cwd != "/srv" {
		t.Errorf("cwd %q", p.Cwd)
	}
	wantEnv := []string{"PATH=/usr/local/bin:/bin", "SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt", "TZ=Asia/Shanghai", "EXTRA=1", "HOSTNAME=go-app", "HOME=/home/nonroot"}
	if !reflect.DeepEqual(p.Env, wantEnv) {
		t.Errorf("env %v, want %v", p.Env, wantEnv)
	}
	if p.Terminal {
		t.Error("terminal")
	}
	if spec.Root.Path != root || spec.Root.Readonly {
		t.Errorf("root %+v", spec.Root)
	}
	for _, ns := range spec.Linux.Namespaces {
		if ns.Type == "network" {
			t.Error("a network namespace: the container's servers would not be reachable on the host's loopback")
		}
	}
	var types []string
	for _, ns := range spec.Linux.Namespaces {
		types = append(types, string(ns.Type))
	}
	for _, want := range []string{"mount", "pid"} {
		if !slices.Contains(types, want) {
			t.Errorf("namespaces %v lack %s", types, want)
		}
	}
	var dests []string
	for _, m := range spec.Mounts {
		dests = append(dests, m.Destination)
	}
	for _, want := range []string{"/proc", "/dev"} {
		if !slices.Contains(dests, want) {
			t.Errorf("mounts %v lack %s", dests, want)
		}
	}
}

func TestRuntimeSpecOverrides(t *testing.T) {
	root := ocitest.EtcRootfs(t)
	cfg := ocispec.Image{Config: ocispec.ImageConfig{Entrypoint: []string{"/usr/local/bin/api"}, Cmd: []string{"serve"}}}

	spec, err := RuntimeSpec(cfg, root, RunConfig{Args: []string{"selfcheck"}})
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"/usr/local/bin/api", "selfcheck"}; !reflect.DeepEqual(spec.Process.Args, want) {
		t.Errorf("Args override: %v, want %v", spec.Process.Args, want)
	}

	spec, err = RuntimeSpec(cfg, root, RunConfig{Entrypoint: []string{"/usr/local/bin/worker"}})
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"/usr/local/bin/worker"}; !reflect.DeepEqual(spec.Process.Args, want) {
		t.Errorf("Entrypoint override: %v, want %v", spec.Process.Args, want)
	}

	spec, err = RuntimeSpec(cfg, root, RunConfig{Args: []string{}})
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"/usr/local/bin/api"}; !reflect.DeepEqual(spec.Process.Args, want) {
		t.Errorf("empty Args override: %v, want %v", spec.Process.Args, want)
	}

	// Defaults: root user, "/" as cwd, docker's PATH.
	if spec.Process.User.UID != 0 || spec.Process.User.GID != 0 || spec.Process.Cwd != "/" {
		t.Errorf("defaults: user %+v cwd %q", spec.Process.User, spec.Process.Cwd)
	}
	if v, _ := EnvValue(spec.Process.Env, "PATH"); v != DefaultPATH {
		t.Errorf("PATH %q", v)
	}
	if v, _ := EnvValue(spec.Process.Env, "HOME"); v != "/root" {
		t.Errorf("HOME %q", v)
	}

	if _, err := RuntimeSpec(ocispec.Image{}, root, RunConfig{}); err == nil {
		t.Error("no command accepted")
	}
	if _, err := RuntimeSpec(ocispec.Image{Config: ocispec.ImageConfig{Cmd: []string{"x"}, WorkingDir: "rel"}}, root, RunConfig{}); err == nil {
		t.Error("relative working directory accepted")
	}
}

func TestResolveUser(t *testing.T) {
	root := ocitest.EtcRootfs(t)
	for _, tc := range []struct {
		spec     string
		uid, gid uint32
		home     string
		err      string
	}{
		{spec: "", uid: 0, gid: 0, home: "/root"},
		{spec: "65532:65532", uid: 65532, gid: 65532, home: "/home/nonroot"},
		{spec: "65532", uid: 65532, gid: 65532, home: "/home/nonroot"},
		{spec: "1234", uid: 1234, gid: 0, home: "/"},
		{spec: "1234:99", uid: 1234, gid: 99, home: "/"},
		{spec: "nonroot", uid: 65532, gid: 65532, home: "/home/nonroot"},
		{spec: "nonroot:staff", uid: 65532, gid: 50, home: "/home/nonroot"},
		{spec: "ghost", err: `user "ghost" not found`},
		{spec: "nonroot:ghosts", err: `group "ghosts" not found`},
	} {
		u, home, err := resolveUser(root, tc.spec)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("resolveUser(%q) error %v, want %q", tc.spec, err, tc.err)
			}
			continue
		}
		if err != nil || u.UID != tc.uid || u.GID != tc.gid || home != tc.home {
			t.Errorf("resolveUser(%q) = %+v, %q, %v; want %d:%d %q", tc.spec, u, home, err, tc.uid, tc.gid, tc.home)
		}
	}
}

func TestMergeEnv(t *testing.T) {
	got := mergeEnv([]string{"A=1", "B=2"}, []string{"B=3", "C=4"})
	if want := []string{"A=1", "B=3", "C=4"}; !reflect.DeepEqual(got, want) {
		t.Fatalf("mergeEnv = %v, want %v", got, want)
	}
}
