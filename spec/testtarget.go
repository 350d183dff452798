package spec

import (
	"path"
	"slices"
	"strconv"
	"strings"
	"unicode"
)

// fillTestDefaults sets test.packages when the spec leaves it out.
func (s *Spec) fillTestDefaults() {
	if len(s.Test.Packages) == 0 {
		s.Test.Packages = slices.Clone(DefaultTestPackages)
	}
}

// test checks the test section: package patterns, flags and env.
func (v *validator) test() {
	t := v.s.Test
	if v.has("test.packages") && len(t.Packages) == 0 {
		v.add(v.at("test.packages"), "test.packages is empty; remove it to test ./... or list packages, like [./...]")
	}
	for i, p := range t.Packages {
		key := "test.packages." + strconv.Itoa(i)
		if problem := testPackageProblem(p); problem != "" {
			v.add(v.at(key), "%s %s", key, problem)
		}
	}
	for i, f := range t.Flags {
		key := "test.flags." + strconv.Itoa(i)
		var prev string
		if i > 0 {
			prev = t.Flags[i-1]
		}
		if problem := testFlagProblem(f, prev); problem != "" {
			v.add(v.at(key), "%s %s", key, problem)
		}
	}
	for _, k := range v.envNames("test.env", t.Env) {
		switch {
		case k == "CGO_ENABLED":
			v.add(v.at("test.env."+k), "test.env.CGO_ENABLED is set by go-app; use test.race: true (or build.cgo: true) instead")
		case k == "GOOS" || k == "GOARCH" || slices.ContainsFunc(Arches, func(a Arch) bool { return a.GoVariable == k }):
			v.add(v.at("test.env."+k), "test.env.%s cannot be set: the tests run on the build platform, natively; remove it", k)
		case envProblem(k, t.Env[k]) != "":
			v.add(v.at("test.env."+k), "test.env.%s %s", k, envProblem(k, t.Env[k]))
		}
	}
}

// testPackageProblem says what is wrong with a test.packages pattern, or
// returns "".
func testPackageProblem(p string) string {
	switch {
	case p == "":
		return "is empty; remove it or name packages, like ./..."
	case strings.HasPrefix(p, "-"):
		return msgf("%q is a flag; put it under test.flags", p)
	case strings.ContainsFunc(p, unicode.IsSpace):
		return msgf("%q must be one package pattern, without spaces; list each pattern separately", p)
	case path.IsAbs(p):
		return msgf("%q must be relative to the module root, like ./...", p)
	case escapes(p):
		return msgf("%q points outside the module; name packages inside it, like ./...", p)
	case p != "." && !strings.HasPrefix(p, "./"):
		return msgf("%q must start with \"./\" to be a directory of the module; write %q", p, "./"+p)
	}
	return ""
}

// rejectedTestFlags are go test flags that would make the test target not
// run the tests it names, with what to do instead.
var rejectedTestFlags = map[string]string{
	"race": "use test.race: true, which also sets CGO_ENABLED=1",
	"c":    "it compiles the test binaries without running them; remove it",
	"o":    "it writes a test binary the test target does not keep; remove it",
	"n":    "it prints the commands without running the tests; remove it",
	"args": "it would pass test.packages to the test binary; remove it",
	"C":    "the tests run in the module root; list packages under test.packages instead",
}

// testFlagProblem says what is wrong with a test.flags item, or returns "".
// prev is the item before it, to recognise a value written as its own item.
func testFlagProblem(f, prev string) string {
	switch {
	case f == "":
		return "is empty; remove it or write a go test flag, like -short"
	case !strings.HasPrefix(f, "-") || f == "-" || f == "--":
		if strings.HasPrefix(prev, "-") && !strings.Contains(prev, "=") {
			return msgf("%q is not a flag; write a flag and its value as one item, like %q", f, prev+"="+f)
		}
		return msgf("%q is not a flag; flags start with \"-\", like -short (packages go under test.packages)", f)
	case strings.ContainsFunc(strings.SplitN(f, "=", 2)[0], unicode.IsSpace):
		return msgf("%q must be one flag; list each flag separately, with its value after \"=\"", f)
	}
	name, _, _ := strings.Cut(strings.TrimLeft(f, "-"), "=")
	if why, ok := rejectedTestFlags[name]; ok {
		return msgf("%q cannot be used: %s", f, why)
	}
	return ""
}
