package main

// rule adds keywords to the schema of one key path. Each rule states a
// check that spec.Load already makes (the function named in why), and
// rejects only values that check rejects: the schema must never reject a
// file Load accepts (TestSchemaAcceptsWhatLoadAccepts checks it on every
// spec of the tests and on edge cases). Where the check is not expressible
// without lookahead or a parser (image references, "..." in a package
// path), there is no rule and the schema is looser than Load.
//
// Patterns keep to the syntax that Go's regexp (RE2) and ECMA-262 read
// alike: no lookaround, no \d or \s (they differ on non-ASCII), no POSIX
// classes, and no "." (it does not match a newline, which Load may accept):
// a prefix is checked with ^ and an alternative like (/|$).
type rule struct {
	why      string // the check in package spec this rule repeats
	keywords obj    // added to (and overriding) the generated schema
}

// Patterns shared by rules.
const (
	// envNamePattern is spec's envName.
	envNamePattern = `^[A-Za-z_][A-Za-z0-9_]*$`
	// noSpace excludes the ASCII characters unicode.IsSpace reports, which
	// spec rejects in tags, module patterns and label keys.
	noSpace = `\t\n\v\f\r `
)

// rules are keyed by node path ("runtime.ports[]" is an item of
// runtime.ports, "" the whole file).
var rules = map[string]rule{
	"": {
		why: "validator.binaries: use either main or binaries, not both (a main that is empty and an empty list of binaries count as not set)",
		keywords: obj{
			"if": obj{
				"required":   []any{"main"},
				"properties": obj{"main": obj{"not": obj{"enum": []any{nil, ""}}}},
			},
			"then": obj{
				"properties": obj{"binaries": obj{"maxItems": 0}},
			},
		},
	},
	"main": {
		why: `packageProblem: "." or a path that starts with "./" (empty leaves main unset)`,
		keywords: obj{
			"type":    []any{"string", "null"},
			"pattern": `^(\.(/|$)|$)`,
		},
	},
	"module": {
		why: "validator.module: relative to the build context, so not absolute (empty leaves module unset); any scalar's text is a directory name (module: 0)",
		keywords: obj{
			"pattern": `^([^/]|$)`,
		},
	},
	"build.goauth[]": {
		why:      "validator.goauth: build.goauth.N.url is required (so an empty item is an error too)",
		keywords: obj{"type": "object", "required": []any{"url"}},
	},
	"build.goauth[].url": {
		why: "goAuthURLProblem: starts with https://",
		keywords: obj{
			"type":    "string",
			"pattern": `^https://`,
		},
	},
	"binaries[]": {
		why:      "validator.mainPackage: binaries.N.main is required (so an empty item is an error too)",
		keywords: obj{"type": "object", "required": []any{"main"}},
	},
	"binaries[].main": {
		why: `validator.mainPackage and packageProblem: required, "." or a path that starts with "./"`,
		keywords: obj{
			"type":    "string",
			"pattern": `^\.(/|$)`,
		},
	},
	"binaries[].name": {
		why:      "validator.binaryName and validFileName: letters, digits, '.', '_' and '-' (empty: named after main)",
		keywords: obj{"pattern": `^[A-Za-z0-9._-]*$`},
	},
	"go.version": {
		why: "validator.toolchain and goVersion: 1.N, 1.N.P, with an optional rcN or betaN (a number like 1.26 is its text)",
		keywords: obj{
			"type":    []any{"string", "number", "null"},
			"pattern": `^(1\.[0-9]+(\.[0-9]+)?((rc|beta)[0-9]+)?)?$`,
		},
	},
	"build.tags[]": {
		why: "validator.build: a tag is not empty and has no comma or space",
		keywords: obj{
			"type":    []any{"string", "number", "boolean"},
			"pattern": `^[^,` + noSpace + `]+$`,
		},
	},
	"build.env": {
		why: "validator.envNames and validator.build: variable names; CGO_ENABLED and the platform's variables (platformEnv) are go-app's",
		keywords: obj{
			"propertyNames": obj{
				"pattern": envNamePattern,
				"not":     obj{"enum": []any{"CGO_ENABLED", "GOOS", "GOARCH", "GOARM", "GOAMD64", "GOARM64", "GO386"}},
			},
		},
	},
	"build.private[]": {
		why: "privateProblem: not empty, no comma or space, no leading /",
		keywords: obj{
			"type":    []any{"string", "number", "boolean"},
			"pattern": `^[^/,` + noSpace + `][^,` + noSpace + `]*$`,
		},
	},
	"platforms": {
		why:      "validator.platforms: the same platform twice (the same text is the same platform)",
		keywords: obj{"uniqueItems": true},
	},
	"platforms[]": {
		why: "ParsePlatform: linux (any case, containerd lowercases it), an architecture and an optional variant",
		keywords: obj{
			"type":    "string",
			"pattern": `^[Ll][Ii][Nn][Uu][Xx](\(\))?/[A-Za-z0-9_.-]+(/[A-Za-z0-9_.-]+)?$`,
		},
	},
	"runtime.user": {
		why: `validator.user: "USER" or "USER:GROUP" (names need a base image; scratch takes IDs, which the schema does not check)`,
		keywords: obj{
			"pattern": `^([A-Za-z0-9_][A-Za-z0-9_.-]*(:[A-Za-z0-9_][A-Za-z0-9_.-]*)?)?$`,
		},
	},
	"runtime.workdir": {
		why: "validator.runtime: an absolute path",
		keywords: obj{
			"type":    []any{"string", "null"},
			"pattern": `^(/|$)`,
		},
	},
	"runtime.env": {
		why:      "validator.envNames: variable names",
		keywords: obj{"propertyNames": obj{"pattern": envNamePattern}},
	},
	"runtime.ports[]": {
		why: "validPort: 1 to 65535, optionally followed by /tcp, /udp or /sctp",
		keywords: obj{
			"type":    []any{"integer", "string"},
			"minimum": 1,
			"maximum": 65535,
			"pattern": `^0*([1-9][0-9]{0,3}|[1-5][0-9]{4}|6[0-4][0-9]{3}|65[0-4][0-9]{2}|655[0-2][0-9]|6553[0-5])(/(tcp|udp|sctp))?$`,
		},
	},
	"runtime.files[]": {
		why:      "validator.file: src and dst are required (so an empty item is an error too)",
		keywords: obj{"type": "object", "required": []any{"src", "dst"}},
	},
	"runtime.files[].src": {
		why: "validator.file: a relative path",
		keywords: obj{
			"type":    []any{"string", "number", "boolean"},
			"pattern": `^[^/]`,
		},
	},
	"runtime.files[].dst": {
		why: "validator.file: an absolute path",
		keywords: obj{
			"type":    "string",
			"pattern": `^/`,
		},
	},
	"labels": {
		why:      "validator.labels: a key is not empty and has no space",
		keywords: obj{"propertyNames": obj{"pattern": `^[^` + noSpace + `]+$`}},
	},
}
