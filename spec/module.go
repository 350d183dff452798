package spec

import (
	"net/url"
	"path"
	"regexp"
	"strconv"
	"strings"
	"unicode"
)

// ModuleDir is the directory of the module a spec builds, relative to the
// build context and cleaned: "." for the context root (module left out),
// "services/api".
func (s *Spec) ModuleDir() string {
	if s.Module == "" {
		return "."
	}
	return path.Clean(strings.TrimPrefix(s.Module, "./"))
}

// module checks the module key: a relative directory inside the context.
func (v *validator) module() {
	m := v.s.Module
	at := v.at("module")
	switch {
	case m == "":
	case path.IsAbs(m):
		v.add(at, "module %q must be relative to the build context, like services/api", m)
	case escapes(m):
		v.add(at, "module %q points outside the build context; name a directory inside it, or build from a context that holds it", m)
	case strings.ContainsFunc(m, func(r rune) bool { return unicode.IsSpace(r) || r == '*' || r == '?' || r == '[' || r == '\\' }):
		v.add(at, "module %q must be a plain directory path, without spaces, wildcards or backslashes, like services/api", m)
	case pathProblem(m) != "":
		v.add(at, "module %s", pathProblem(m))
	}
}

// secretID matches the ids of build secrets go-app accepts.
var secretID = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]*$`)

// goAuthMinor is the first Go 1.N whose go command reads GOAUTH.
const goAuthMinor = 24

// goauth checks build.goauth: https URL prefixes, each once, secret ids,
// no GOAUTH in build.env, and a Go that reads GOAUTH.
func (v *validator) goauth() {
	b := v.s.Build
	seen := map[string]int{}
	for i, a := range b.GoAuth {
		key := "build.goauth." + strconv.Itoa(i)
		item := v.at(key)
		if problem := goAuthURLProblem(a.URL); problem != "" {
			v.add(cmpPos(v.at(key+".url"), item, a.Pos), "%s.url %s", key, problem)
		} else if j, dup := seen[a.URL]; dup {
			v.add(cmpPos(v.at(key+".url"), item, a.Pos), "%s.url %q is also build.goauth.%d.url; the go command sends one token to a URL: remove one", key, a.URL, j)
		} else {
			seen[a.URL] = i
		}
		if a.Secret != "" && !secretID.MatchString(a.Secret) {
			v.add(cmpPos(v.at(key+".secret"), item, a.Pos), "%s.secret %q is not a build secret id; use letters, digits, \".\", \"_\" and \"-\", like goauth", key, a.Secret)
		}
	}
	if len(b.GoAuth) == 0 {
		return
	}
	if _, ok := b.Env["GOAUTH"]; ok {
		v.add(v.at("build.env.GOAUTH"), "build.env.GOAUTH conflicts with build.goauth, which sets GOAUTH; remove one")
	}
	if minor, ok := v.s.goMinor(); ok && minor < goAuthMinor {
		v.add(v.at("build.goauth"), "build.goauth needs Go 1.%d or later (GOAUTH), and the build uses Go %s (go.version, or the go line of go.mod); raise it, or use --secret id=netrc instead", goAuthMinor, v.s.Go.Version)
	}
}

// goAuthURLProblem says what is wrong with a build.goauth URL, or "".
func goAuthURLProblem(u string) string {
	switch {
	case u == "":
		return "is required; set it to the URL prefix that gets the token, like https://proxy.corp.example.com/"
	case !strings.HasPrefix(u, "https://"):
		return msgf("%q must start with https://: the go command sends GOAUTH headers over HTTPS only", u)
	case strings.ContainsFunc(u, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) || r == ';' }):
		return msgf("%q must not hold spaces, control characters or \";\" (GOAUTH separates its commands and arguments with them)", u)
	}
	p, err := url.Parse(u)
	if err != nil || p.Host == "" || p.User != nil || p.RawQuery != "" || p.Fragment != "" {
		return msgf("%q is not a URL prefix like https://proxy.corp.example.com/ (a host, an optional path; no user, query or fragment)", u)
	}
	return ""
}

// cmpPos is the first of the positions that has a line.
func cmpPos(ps ...Position) Position {
	for _, p := range ps {
		if p.Line > 0 {
			return p
		}
	}
	return Position{}
}
