package spec

import (
	"reflect"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"
)

// field is a key of a struct in go-app.yaml.
type field struct {
	name  string // the key, from the yaml tag
	index int    // the struct field's index
}

// fields are the keys of one struct type, in declaration order.
type fields []field

// fieldsOf returns the keys of struct type t: its exported fields with a
// yaml tag other than "-".
func fieldsOf(t reflect.Type) fields {
	var fs fields
	for i := range t.NumField() {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
		if f.IsExported() && name != "" && name != "-" {
			fs = append(fs, field{name: name, index: i})
		}
	}
	return fs
}

// index returns the field index of key.
func (fs fields) index(key string) (int, bool) {
	for _, f := range fs {
		if f.name == key {
			return f.index, true
		}
	}
	return 0, false
}

// names returns the keys.
func (fs fields) names() []string {
	names := make([]string, len(fs))
	for i, f := range fs {
		names[i] = f.name
	}
	return names
}

// expectations says what the value at each key pattern must be, for type
// errors. A pattern is a key path with list indexes and map keys written as
// "*". Every pattern of Spec has one (a test checks).
var expectations = map[string]string{
	"":                       "a map of keys, like main: ./cmd/server",
	"module":                 "a directory of the build context, like services/api",
	"main":                   "a package path, like ./cmd/server",
	"binaries":               "a list of binaries, like [{main: ./cmd/api}, {main: ./cmd/worker}]",
	"binaries.*":             "a map, like {name: api, main: ./cmd/api}",
	"binaries.*.name":        "a file name, like api",
	"binaries.*.main":        "a package path, like ./cmd/api",
	"go":                     `a map, like {version: "1.26"}`,
	"go.version":             `a Go version, like "1.26"`,
	"go.image":               "an image reference, like golang:1.26",
	"build":                  `a map, like {ldflags: "-s -w", tags: [netgo]}`,
	"build.ldflags":          `a string, like "-s -w" (quote one that starts with {{)`,
	"build.tags":             "a list of strings, like [netgo, osusergo]",
	"build.private":          `a list of module path patterns, like [example.com/private, "*.corp.example.com"]`,
	"build.private.*":        "a module path pattern, like example.com/private",
	"build.tags.*":           "a string, like netgo",
	"build.flags":            "a list of go build flags, like [-cover, -buildmode=pie]",
	"build.flags.*":          "a go build flag, like -cover",
	"build.env":              "a map of names to values, like {GOEXPERIMENT: jsonv2}",
	"build.env.*":            "a string",
	"build.strip":            "true or false",
	"build.trimpath":         "true or false",
	"build.cgo":              "true or false",
	"build.cgo_packages":     "a list of Debian packages, like [libsqlite3-dev]",
	"build.cgo_packages.*":   "a Debian package name, like libsqlite3-dev",
	"build.cgo_link":         "static or dynamic",
	"build.cache_private":    "true or false",
	"build.goauth":           "a list of tokens, like [{url: https://proxy.corp.example.com/, secret: goauth}]",
	"build.goauth.*":         "a map, like {url: https://proxy.corp.example.com/, secret: goauth}",
	"build.goauth.*.url":     "an https URL prefix, like https://proxy.corp.example.com/",
	"build.goauth.*.secret":  "a build secret id, like goauth",
	"platforms":              "a list of platforms, like [linux/amd64, linux/arm64]",
	"platforms.*":            "a platform, like linux/arm64",
	"runtime":                "a map, like {base: scratch, ports: [8080]}",
	"runtime.base":           "an image reference or scratch",
	"runtime.user":           `a user, like "65532:65532"`,
	"runtime.workdir":        "an absolute path, like /app",
	"runtime.entrypoint":     "a binary name, like api",
	"runtime.capabilities":   "a list of Linux capabilities, like [cap_net_bind_service]",
	"runtime.capabilities.*": "a Linux capability, like cap_net_bind_service",
	"runtime.args":           "a list of strings, like [serve, --verbose]",
	"runtime.args.*":         "a string",
	"runtime.env":            "a map of names to values, like {TZ: UTC}",
	"runtime.env.*":          "a string",
	"runtime.ports":          `a list, like [8080, "53/udp"]`,
	"runtime.ports.*":        `a port, like 8080 or "53/udp"`,
	"runtime.files":          "a list of files, like [{src: config.yaml, dst: /etc/app/}]",
	"runtime.files.*":        "a map, like {src: config.yaml, dst: /etc/app/}",
	"runtime.files.*.src":    "a path in the build context, like config.yaml",
	"runtime.files.*.dst":    "an absolute path in the image, like /etc/app/",
	"labels":                 "a map of names to values, like {org.example.team: web}",
	"labels.*":               "a string",
	"test":                   "a map, like {packages: [./...], flags: [-short]}",
	"test.packages":          "a list of packages, like [./..., ./cmd/...]",
	"test.packages.*":        "a package pattern, like ./...",
	"test.flags":             "a list of go test flags, like [-count=1, -short]",
	"test.flags.*":           "a go test flag, like -run=TestAPI",
	"test.env":               "a map of names to values, like {APP_ENV: test}",
	"test.env.*":             "a string",
	"test.race":              "true or false",

	"runtime.healthcheck":                `a map, like {command: [server, health], interval: 30s}`,
	"runtime.healthcheck.command":        "a list of strings, like [server, health]",
	"runtime.healthcheck.command.*":      "a string",
	"runtime.healthcheck.interval":       "a duration, like 30s",
	"runtime.healthcheck.timeout":        "a duration, like 5s",
	"runtime.healthcheck.start_period":   "a duration, like 10s",
	"runtime.healthcheck.start_interval": "a duration, like 1s",
	"runtime.healthcheck.retries":        "a whole number, like 3",
}

// expected says what the value at pattern must be.
func expected(pattern string) string {
	if e, ok := expectations[pattern]; ok {
		return e
	}
	return "another kind of value"
}

// unknownKey is the message for a key that is not one of known, at path:
// it suggests the closest known key, or the same key at another place, or
// lists the known keys. A key with characters other than ASCII (a
// homoglyph like a Cyrillic "а" for "a", an invisible space) is shown with
// them escaped and named, so that it does not look like the suggestion.
func unknownKey(key, path string, known []string) string {
	shown := msgf("%q", key)
	if !isASCII(key) {
		shown = nonASCII(key)
	}
	if s := closest(key, known); s != "" {
		return msgf("unknown key %s%s; did you mean %q?", shown, in(path), s)
	}
	if other := elsewhere(key, path); len(other) > 0 {
		return msgf("unknown key %s%s; did you mean %s?", shown, in(path), orList(other))
	}
	return msgf("unknown key %s%s; valid keys are %s", shown, in(path), strings.Join(known, ", "))
}

// isASCII reports whether s holds ASCII characters only.
func isASCII(s string) bool {
	for i := range len(s) {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// nonASCII shows a key that holds characters other than ASCII: quoted with
// them escaped, then the first few named by code point, like
// "m\u0430in" (U+0430 at character 2).
func nonASCII(key string) string {
	var at []string
	n := 0
	for _, r := range key {
		n++
		if r >= utf8.RuneSelf && len(at) < 3 {
			at = append(at, msgf("U+%04X at character %d", r, n))
		}
	}
	return msgf("%s (%s, not ASCII)", strconv.QuoteToASCII(shorten(key)), strings.Join(at, ", "))
}

// orList quotes words and joins them with "or".
func orList(words []string) string {
	quoted := make([]string, len(words))
	for i, w := range words {
		quoted[i] = msgf("%q", w)
	}
	return strings.Join(quoted, " or ")
}

// someOf lists at most 10 names for a message, each shortened, then how
// many more there are.
func someOf(names []string) string {
	const max = 10
	list := make([]string, 0, max)
	for _, n := range names[:min(len(names), max)] {
		list = append(list, shorten(n))
	}
	if len(names) <= max {
		return strings.Join(list, ", ")
	}
	return msgf("%s and %d more", strings.Join(list, ", "), len(names)-max)
}

// maxKeyRunes is the longest key closest compares: no key is that long.
const maxKeyRunes = 64

// closest returns the candidate nearest to key, or "" when none is close
// enough to be a likely typo. Case is ignored. It compares only what can
// be close: key and candidates of at most maxKeyRunes characters, whose
// lengths differ by no more than the distance allowed.
func closest(key string, candidates []string) string {
	best, bestDist := "", -1
	k := strings.ToLower(key)
	kn := utf8.RuneCountInString(k)
	if len(key) > 4*maxKeyRunes || kn > maxKeyRunes {
		return ""
	}
	for _, c := range candidates {
		if len(c) > 4*maxKeyRunes {
			continue
		}
		lc := strings.ToLower(c)
		cn := utf8.RuneCountInString(lc)
		if limit := (len(k) + len(c)) / 4; cn > maxKeyRunes || max(kn-cn, cn-kn) > limit {
			continue
		}
		d := distance(k, lc)
		if d <= (len(k)+len(c))/4 && (bestDist < 0 || d < bestDist) {
			best, bestDist = c, d
		}
	}
	return best
}

// distance is the Levenshtein distance between a and b, counting a swap of
// two neighbouring characters as one edit (optimal string alignment).
func distance(a, b string) int {
	x, y := []rune(a), []rune(b)
	// rows[i%3] is row i of the usual dynamic programming table.
	var rows [3][]int
	for i := range rows {
		rows[i] = make([]int, len(y)+1)
	}
	for j := range rows[0] {
		rows[0][j] = j
	}
	for i := 1; i <= len(x); i++ {
		cur, prev, prev2 := rows[i%3], rows[(i-1)%3], rows[(i+1)%3]
		cur[0] = i
		for j := 1; j <= len(y); j++ {
			cost := 1
			if x[i-1] == y[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && x[i-1] == y[j-2] && x[i-2] == y[j-1] {
				cur[j] = min(cur[j], prev2[j-2]+1)
			}
		}
	}
	return rows[len(x)%3][len(y)]
}

// keyPaths maps each key of go-app.yaml that is not inside a list to the
// dotted paths it appears at ("env": "build.env", "runtime.env").
var keyPaths = sync.OnceValue(func() map[string][]string {
	paths := map[string][]string{}
	var walk func(t reflect.Type, prefix string)
	walk = func(t reflect.Type, prefix string) {
		for _, f := range fieldsOf(t) {
			p := join(prefix, f.name)
			paths[f.name] = append(paths[f.name], p)
			if ft := t.Field(f.index).Type; ft.Kind() == reflect.Struct {
				walk(ft, p)
			}
		}
	}
	walk(reflect.TypeFor[Spec](), "")
	return paths
})

// elsewhere returns the other paths where key is valid, for a key put at
// the wrong level (ports at the top instead of in runtime).
func elsewhere(key, path string) []string {
	var other []string
	for _, p := range keyPaths()[strings.ToLower(key)] {
		if p != join(path, key) {
			other = append(other, p)
		}
	}
	return other
}
