package spec

import (
	"maps"
	"path"
	"slices"
	"strconv"
	"strings"
	"unicode"
)

// pinnedEnv are the variables go-app sets in the steps that run the go
// command, with what to do instead of setting them in build.env or
// test.env: a value there would win over go-app's.
var pinnedEnv = map[string]string{
	"CGO_ENABLED":   "is set by go-app; use build.cgo: true instead",
	"GOTOOLCHAIN":   "is set by go-app to local, so that the toolchain image's Go builds; set go.version (or go.image) to build with another Go",
	"GOROOT":        "is the Go installation of the toolchain image; set go.image to build with another one",
	"PATH":          "is the toolchain image's, so that go is the image's Go (a PATH into the build context would run a go from the repository); set go.image to build with another toolchain",
	"GOCACHE":       "is set by go-app to its build cache mount (and the layers --cache-to exports); remove it",
	"GOMODCACHE":    "is set by go-app to its module cache mount (and the layers --cache-to exports); remove it",
	"GOCACHEPROG":   "would replace the build cache go-app mounts; remove it",
	"HOME":          "is the toolchain image's: go-app puts the netrc secret in $HOME/.netrc there; remove it",
	"NETRC":         "is set by go-app to the build secret netrc; pass --secret id=netrc,src=$HOME/.netrc instead",
	"SSH_AUTH_SOCK": "is set by go-app to the agent of --ssh default; pass --ssh default instead",
	"GOOS":          "is set by go-app from the target platform; use --platform or platforms: instead",
	"GOARCH":        "is set by go-app from the target platform; use --platform or platforms: instead",
}

// otherCPUEnv are the CPU-level settings of architectures go-app does not
// build for.
var otherCPUEnv = []string{"GOMIPS", "GOWASM"}

// envProblem says why variable k, set to val, cannot be set in build.env
// or test.env, or returns "".
func envProblem(k, val string) string {
	if why, ok := pinnedEnv[k]; ok {
		return why
	}
	if problem := goValueProblem(k, val); problem != "" {
		return problem
	}
	if slices.Contains(otherCPUEnv, k) {
		return "selects the CPU level of an architecture go-app does not build for; remove it"
	}
	for _, a := range Arches {
		if a.GoVariable != k {
			continue
		}
		if vr, ok := variantFor(a, val); ok {
			return msgf("selects the CPU of %s binaries, which go-app sets from the target platform's variant so that the image says what CPU it needs; use --platform or platforms: with a variant, like linux/%s/%s", a.GOARCH, a.GOARCH, vr.Name)
		}
		return msgf("selects the CPU of %s binaries, which go-app leaves at Go's default: the image's platform, linux/%s, has no variant to say that its binaries need another CPU; remove it", a.GOARCH, a.GOARCH)
	}
	return ""
}

// variantFor returns the variant of a whose Go setting is val, else its
// first variant that is not the baseline; ok is false for an architecture
// without variants.
func variantFor(a Arch, val string) (v Variant, ok bool) {
	if i := slices.IndexFunc(a.Variants, func(v Variant) bool { return v.Go == val && val != "" }); i >= 0 {
		return a.Variants[i], true
	}
	i := slices.IndexFunc(a.Variants, func(v Variant) bool { return !v.Baseline })
	if i < 0 {
		return Variant{}, false
	}
	return a.Variants[i], true
}

// build checks the build section.
func (v *validator) build() {
	b := v.s.Build
	for i, tag := range b.Tags {
		key := "build.tags." + strconv.Itoa(i)
		switch {
		case tag == "":
			v.add(v.at(key), "%s is empty; remove it or name a build tag", key)
		case strings.ContainsFunc(tag, func(r rune) bool { return r == ',' || unicode.IsSpace(r) }):
			v.add(v.at(key), "%s %q must be one tag, without spaces or commas; list each tag separately", key, tag)
		}
	}
	v.envRules("build.env", b.Env)
	v.fips()
	v.cgo()
	v.buildFlags()
	v.buildBytes()
	v.private()
	v.goauth()
	v.ldflags()
}

// envRules checks the names of build.env or test.env (section): valid
// names, none that go-app sets itself.
func (v *validator) envRules(section string, env map[string]string) {
	for _, k := range v.envNames(section, env) {
		if problem := envProblem(k, env[k]); problem != "" {
			v.add(v.at(section+"."+k), "%s.%s %s", section, k, problem)
		}
	}
}

// buildBytes checks that what every go build step carries from the build
// section fits in MaxBuildBytes.
func (v *validator) buildBytes() {
	b := v.s.Build
	n := len(b.Ldflags)
	for _, t := range b.Tags {
		n += len(t) + 1
	}
	for _, p := range b.Private {
		n += len(p) + 1
	}
	for _, f := range b.Flags {
		n += len(f) + 1
	}
	for k, val := range b.Env {
		n += len(k) + len(val) + 2
	}
	for _, a := range b.GoAuth {
		n += len(a.URL) + len(a.Secret) + 2
	}
	if n > MaxBuildBytes {
		v.add(v.at("build"), "build.ldflags, build.tags, build.flags, build.private, build.env and build.goauth add up to %s; every go build step carries them, so they may add up to at most %s: make them shorter", byteSize(n), byteSize(MaxBuildBytes))
	}
}

// private checks build.private: each item one GOPRIVATE pattern, and no
// second source of GOPRIVATE in build.env.
func (v *validator) private() {
	b := v.s.Build
	for i, p := range b.Private {
		key := "build.private." + strconv.Itoa(i)
		if problem := privateProblem(p); problem != "" {
			v.add(v.at(key), "%s %s", key, problem)
		}
	}
	if _, ok := b.Env["GOPRIVATE"]; ok && len(b.Private) > 0 {
		v.add(v.at("build.env.GOPRIVATE"), "build.env.GOPRIVATE conflicts with build.private; list the patterns in build.private only")
	}
}

// privateProblem says what is wrong with a build.private pattern, or
// returns "". The go command ignores malformed GOPRIVATE patterns silently,
// so everything that can never match a module path is an error here.
func privateProblem(p string) string {
	switch {
	case p == "":
		return "is empty; remove it or write a module path pattern, like example.com/private"
	case strings.ContainsFunc(p, func(r rune) bool { return r == ',' || unicode.IsSpace(r) }):
		return msgf("%q must be one pattern, without spaces or commas; list each pattern separately", p)
	case strings.Contains(p, "://"):
		_, rest, _ := strings.Cut(p, "://")
		return msgf("%q is a URL; write the module path without a scheme, like %q", p, rest)
	case strings.HasPrefix(p, "/"):
		return msgf("%q must not start with \"/\"; module paths start with a host name, like example.com/private", p)
	case strings.Contains(p, "..."):
		fix := strings.TrimSuffix(strings.TrimSuffix(p, "..."), "/")
		if fix == "" || strings.Contains(fix, "...") {
			fix = "example.com/private"
		}
		return msgf("%q uses \"...\", which GOPRIVATE does not know; a pattern already matches every module path it is a prefix of, so write %q", p, fix)
	}
	if _, err := path.Match(p, ""); err != nil {
		return msgf("%q is not a valid pattern (%v); use * and ? wildcards, like *.corp.example.com", p, err)
	}
	return ""
}

// envNames checks the variable names of env, the map at path, and returns
// the valid ones, sorted.
func (v *validator) envNames(path string, env map[string]string) []string {
	var valid []string
	for _, k := range slices.Sorted(maps.Keys(env)) {
		if !envName.MatchString(k) {
			v.add(v.at(join(path, k)), "%s key %q is not a valid variable name; use letters, digits and \"_\", not starting with a digit", path, k)
			continue
		}
		valid = append(valid, k)
	}
	return valid
}
