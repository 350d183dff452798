package spec

import (
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// Go settings of build.env that go-app checks beyond their names.
var (
	// experimentList matches a GOEXPERIMENT value: names, each optionally
	// prefixed by "no", separated by commas.
	experimentList = regexp.MustCompile(`^[A-Za-z0-9_]+(,[A-Za-z0-9_]+)*$`)
	// fipsVersion matches a GOFIPS140 value: off, latest, an alias of
	// $GOROOT/lib/fips140 (inprocess, certified) or a module version.
	fipsVersion = regexp.MustCompile(`^(off|latest|inprocess|certified|v\d+\.\d+\.\d+(-[0-9a-f]+)?)$`)
	// goMinorRE is the minor version of a go.version.
	goMinorRE = regexp.MustCompile(`^1\.(\d+)`)
)

// FIPSMinGo is the first Go minor version (1.N) that builds in FIPS 140-3
// mode; older go commands ignore GOFIPS140.
const FIPSMinGo = 24

// goValueProblem says what is wrong with the value of a Go setting k of
// build.env or test.env whose value the go command reads, or returns "".
func goValueProblem(k, val string) string {
	switch k {
	case "GOEXPERIMENT":
		if val != "" && !experimentList.MatchString(val) {
			return msgf("%q must be experiment names separated by commas, without spaces, like jsonv2,greenteagc (a \"no\" prefix turns one off)", val)
		}
	case "GOFIPS140":
		if !fipsVersion.MatchString(val) {
			return msgf("%q is not a GOFIPS140 setting; use latest (the FIPS 140-3 module of the toolchain), a frozen module version like v1.0.0, inprocess, certified, or off", val)
		}
	}
	return ""
}

// FIPS reports whether the spec builds in FIPS 140-3 mode: build.env sets
// GOFIPS140 to something besides off.
func (s *Spec) FIPS() bool {
	v, ok := s.Build.Env["GOFIPS140"]
	return ok && v != "off"
}

// fips checks what FIPS 140-3 mode needs: a Go that knows it, no
// GOEXPERIMENT=boringcrypto and no purego build tag, which the go command
// refuses together with it.
func (v *validator) fips() {
	s := v.s
	if !s.FIPS() {
		return
	}
	at := v.at("build.env.GOFIPS140")
	if minor, ok := s.goMinor(); ok && minor < FIPSMinGo {
		from := msgf("go.version is %q", s.Go.Version)
		if !v.has("go.version") {
			from = msgf("the Go version from go.mod is %s", s.Go.Version)
		}
		v.add(at, "build.env.GOFIPS140 needs Go 1.%d or later, which builds in FIPS 140-3 mode (older Go ignores GOFIPS140 and builds a binary without it), but %s; set go.version: \"1.%d\" or later", FIPSMinGo, from, FIPSMinGo)
	}
	for _, e := range strings.Split(s.Build.Env["GOEXPERIMENT"], ",") {
		if e == "boringcrypto" {
			v.add(v.at("build.env.GOEXPERIMENT"), "build.env.GOEXPERIMENT boringcrypto cannot be used with build.env.GOFIPS140 (line %d): the go command refuses both; remove one", at.Line)
		}
	}
	if i := slices.Index(s.Build.Tags, "purego"); i >= 0 {
		v.add(v.at("build.tags."+strconv.Itoa(i)), "the build tag purego cannot be used with build.env.GOFIPS140 (line %d): the go command refuses both; remove one", at.Line)
	}
}

// goMinor returns N of the Go 1.N that builds, when the spec says which:
// go.version (or go.mod's), unless go.image names another toolchain image.
func (s *Spec) goMinor() (int, bool) {
	m := goMinorRE.FindStringSubmatch(s.Go.Version)
	if m == nil || s.Go.Image != "" && s.Go.Image != s.DefaultImage() {
		return 0, false
	}
	n, err := strconv.Atoi(m[1])
	return n, err == nil
}
