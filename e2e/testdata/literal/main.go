// Command literal is the program of the e2e tests that check what reaches
// `go build` and the image config, and what a process can do in the image.
//
//	literal           print the -X variables, the build settings, the
//	                  arguments and the environment it got, as JSON
//	literal posture   walk the file system and print, as JSON, what the
//	                  process can write, which files are executable, and
//	                  whether anything looks like a shell
package main

import (
	"encoding/json"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"runtime/debug"
	"slices"
	"strings"
	"syscall"
)

// Set with -X by the test's build.ldflags.
var msg, quote, tick, nl, dollar string

// tagged is set by tagged.go, built with the goappe2e tag.
var tagged bool

func main() {
	out := json.NewEncoder(os.Stdout)
	if len(os.Args) > 1 && os.Args[1] == "posture" {
		_ = out.Encode(posture())
		return
	}
	settings := map[string]string{}
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, s := range bi.Settings {
			settings[s.Key] = s.Value
		}
	}
	env := map[string]string{}
	for _, kv := range os.Environ() {
		k, v, _ := strings.Cut(kv, "=")
		env[k] = v
	}
	_ = out.Encode(map[string]any{
		"vars":     map[string]string{"msg": msg, "quote": quote, "tick": tick, "nl": nl, "dollar": dollar},
		"tagged":   tagged,
		"settings": settings,
		"args":     os.Args[1:],
		"env":      env,
	})
}

type report struct {
	UID, GID int
	// Writable are the paths the process could open for writing or create
	// a file in.
	Writable []string
	// Executables are the regular files with an execute bit.
	Executables []string
	// Shells are the files named like a shell or a multi-call binary.
	Shells []string
	// NotRoot are the paths not owned by root:root.
	NotRoot []string
	// Errors met on the way.
	Errors []string
}

var shells = []string{"sh", "bash", "ash", "dash", "zsh", "ksh", "csh", "tcsh", "busybox", "toybox"}

func posture() report {
	r := report{UID: os.Getuid(), GID: os.Getgid()}
	_ = filepath.WalkDir("/", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			r.Errors = append(r.Errors, err.Error())
			return nil
		}
		switch p {
		case "/proc", "/sys", "/dev": // mounted by the runtime, not the image
			return fs.SkipDir
		}
		info, err := os.Lstat(p)
		if err != nil {
			r.Errors = append(r.Errors, err.Error())
			return nil
		}
		if st, ok := info.Sys().(*syscall.Stat_t); ok && (st.Uid != 0 || st.Gid != 0) {
			r.NotRoot = append(r.NotRoot, p)
		}
		if slices.Contains(shells, path.Base(p)) {
			r.Shells = append(r.Shells, p)
		}
		switch {
		case d.IsDir():
			if f, err := os.CreateTemp(p, ".posture-"); err == nil {
				f.Close()
				os.Remove(f.Name())
				r.Writable = append(r.Writable, p)
			}
		case info.Mode().IsRegular():
			if info.Mode()&0o111 != 0 {
				r.Executables = append(r.Executables, p)
			}
			if f, err := os.OpenFile(p, os.O_WRONLY, 0); err == nil {
				f.Close()
				r.Writable = append(r.Writable, p)
			}
		}
		return nil
	})
	return r
}
