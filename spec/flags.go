package spec

import (
	"slices"
	"strconv"
	"strings"
	"unicode"
)

// buildFlagFixes are go build flags build.flags refuses because a key of
// the spec (or go-app itself) sets them, with what to do instead.
var buildFlagFixes = map[string]string{
	"ldflags":  "use build.ldflags",
	"tags":     "use build.tags",
	"trimpath": "use build.trimpath",
	"o":        "go-app names the binaries; use binaries[].name",
	"pgo":      "go-app uses the default.pgo of a main package's directory, as -pgo=auto does; put the profile there",
	"mod":      "go-app downloads the modules itself, or builds from vendor/ when vendor/modules.txt exists",
	"modfile":  "go-app builds the module of go.mod at the root of the build context",
	"C":        "main and binaries[].main name packages relative to the module root",
	"buildvcs": "go-app sets -buildvcs=false (the toolchain image may have no git); stamp versions with build.ldflags",
	"msan":     "it needs clang and cgo with the memory sanitizer, which go-app does not set up",
	"asan":     "it needs cgo with the address sanitizer, which go-app does not set up",
}

// coverModes are the values of -covermode.
var coverModes = []string{"set", "count", "atomic"}

// buildFlags checks build.flags: only the flags go-app passes on, each one
// item, in a form the go command takes, and what each needs.
func (v *validator) buildFlags() {
	for i, f := range v.s.Build.Flags {
		key := "build.flags." + strconv.Itoa(i)
		if problem := v.buildFlagProblem(f); problem != "" {
			v.add(v.at(key), "%s %s", key, problem)
		}
	}
}

// buildFlagProblem says what is wrong with one item of build.flags, or
// returns "".
func (v *validator) buildFlagProblem(f string) string {
	switch {
	case f == "":
		return "is empty; remove it or write a go build flag, like -cover"
	case !strings.HasPrefix(f, "-") || f == "-" || f == "--":
		return msgf("%q is not a flag; flags start with \"-\", like -cover, with their value after \"=\"", f)
	case strings.ContainsFunc(f, unicode.IsSpace):
		return msgf("%q must be one flag, without spaces; list each flag separately, with its value after \"=\", like -covermode=atomic", f)
	}
	name, val, hasVal := strings.Cut(strings.TrimLeft(f, "-"), "=")
	switch name {
	case "cover", "race":
		if hasVal {
			return msgf("%q takes no value; write -%s, or leave it out", f, name)
		}
		if name == "race" && !v.s.Build.Cgo {
			return msgf("%q needs cgo, which the race detector is built on; set build.cgo: true (and a runtime.base with a libc) or remove it", f)
		}
		return ""
	case "covermode":
		return v.coverModeProblem(f, val)
	case "coverpkg":
		if val == "" || strings.Contains(val, ",,") || strings.HasPrefix(val, ",") || strings.HasSuffix(val, ",") {
			return msgf("%q needs package patterns after \"=\", comma-separated, like -coverpkg=./...", f)
		}
		return ""
	case "buildmode":
		return v.buildModeProblem(f, val)
	}
	if fix, ok := buildFlagFixes[name]; ok {
		return msgf("%q cannot be used: %s", f, fix)
	}
	return msgf("%q is not a flag build.flags passes to go build; it takes -cover, -covermode=MODE, -coverpkg=PATTERNS, -race and -buildmode=exe or pie", f)
}

// coverModeProblem checks -covermode=val (flag f).
func (v *validator) coverModeProblem(f, val string) string {
	if !strings.Contains(f, "=") || !slices.Contains(coverModes, val) {
		return msgf("%q must be -covermode=set, -covermode=count or -covermode=atomic", f)
	}
	if val != "atomic" && v.hasBuildFlag("race") {
		return msgf("%q cannot be used with -race, which needs -covermode=atomic; write -covermode=atomic", f)
	}
	return ""
}

// buildModeProblem checks -buildmode=val (flag f).
func (v *validator) buildModeProblem(f, val string) string {
	switch val {
	case "exe", "default":
		return ""
	case "pie":
		if v.s.onScratch() {
			return msgf("%q makes a binary that needs the dynamic loader, which scratch does not have; set runtime.base to an image with a libc or remove it", f)
		}
		return ""
	}
	return msgf("%q cannot be used: go-app builds executables; write -buildmode=exe or -buildmode=pie", f)
}

// hasBuildFlag reports whether build.flags holds the flag name, written
// with one or two dashes and without a value.
func (v *validator) hasBuildFlag(name string) bool {
	for _, f := range v.s.Build.Flags {
		if strings.TrimLeft(f, "-") == name {
			return true
		}
	}
	return false
}
