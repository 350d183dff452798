package spec

import (
	"reflect"
	"regexp"
	"slices"
	"strings"
	"sync"
	"text/template"
	tparse "text/template/parse"
	"unicode"
	"unicode/utf8"
)

// LdflagsVars are the values build.ldflags can use, written {{.Name}}, like
// "-X main.version={{.Version}}". The names follow GoReleaser's. Every value
// comes from the build, never from the time it runs: a build of the same
// source with the same build arguments gets the same -ldflags, so the go
// command's build cache keeps working.
type LdflagsVars struct {
	// Version is the VERSION build argument (--build-arg VERSION=1.2.3),
	// as given: a leading "v" is kept. Without one it is "dev".
	Version string
	// Commit is the full commit hash of the build context, from the git
	// information buildx sends (vcs:revision; it ends in "-dirty" when
	// BUILDX_GIT_CHECK_DIRTY=1 and the work tree has changes). Without one
	// it is "none".
	Commit string
	// ShortCommit is the first 7 characters of Commit (keeping a "-dirty"
	// suffix), or "none".
	ShortCommit string
	// Source is the URL of the git remote of the build context (vcs:source),
	// or empty.
	Source string
	// Date is SOURCE_DATE_EPOCH as RFC 3339 in UTC, like
	// 2023-11-14T22:13:20Z. Without it, it is 1970-01-01T00:00:00Z, the date
	// of every file in the image then: never the build time, which would
	// change the -ldflags (and relink every binary) on every build.
	Date string
}

// Placeholders of LdflagsVars for values the build does not give.
const (
	UnknownVersion = "dev"
	UnknownCommit  = "none"
	UnknownDate    = "1970-01-01T00:00:00Z"
)

// ldflagsOrigins says where each variable's value comes from, for messages.
var ldflagsOrigins = map[string]string{
	"Version":     "the VERSION build argument",
	"Commit":      "the vcs:revision build option",
	"ShortCommit": "the vcs:revision build option",
	"Source":      "the vcs:source build option",
	"Date":        "the SOURCE_DATE_EPOCH build argument",
}

// LdflagsVarNames are the names of the variables build.ldflags can use, in
// the order of LdflagsVars.
func LdflagsVarNames() []string {
	t := reflect.TypeFor[LdflagsVars]()
	names := make([]string, t.NumField())
	for i := range names {
		names[i] = t.Field(i).Name
	}
	return names
}

// Ldflags is a parsed build.ldflags.
type Ldflags struct {
	tmpl *template.Template
	// Vars are the variables it uses, each once, in the order of
	// LdflagsVars.
	Vars []string
}

// ParseLdflags parses build.ldflags, a text/template that may hold only
// text, {{.Name}} for a variable of LdflagsVars and {{"..."}} for literal
// text ({{"{{"}} writes two braces). It executes the template once with
// placeholder values, so that a template it accepts always expands. Its
// error says what to change, without a position.
//
// A build parses the same build.ldflags when it loads the spec, when it
// fills its defaults and for each target platform: the last result is
// kept, so that it is parsed once.
func ParseLdflags(ldflags string) (*Ldflags, error) {
	last.Lock()
	defer last.Unlock()
	if last.set && last.src == ldflags {
		return last.l, last.err
	}
	l, err := parseLdflags(ldflags)
	last.set, last.src, last.l, last.err = true, ldflags, l, err
	return l, err
}

// last is the last build.ldflags ParseLdflags parsed, and its result: a
// parsed template is never changed, and executing it is safe from several
// goroutines.
var last struct {
	sync.Mutex
	set bool
	src string
	l   *Ldflags
	err error
}

func parseLdflags(ldflags string) (*Ldflags, error) {
	if len(ldflags) > MaxValueBytes {
		return nil, errorf("build.ldflags is %s long; it may be at most %s", byteSize(len(ldflags)), byteSize(MaxValueBytes))
	}
	tmpl, err := template.New("ldflags").Option("missingkey=error").Parse(ldflags)
	if err != nil {
		msg := shortenLong(templatePrefix.ReplaceAllString(err.Error(), ""))
		return nil, errorf("build.ldflags is not a valid template: %s; %s", msg, ldflagsHint())
	}
	l := &Ldflags{tmpl: tmpl}
	used := map[string]bool{}
	if tmpl.Tree != nil {
		if err := checkNodes(tmpl, tmpl.Tree.Root, used); err != nil {
			return nil, err
		}
	}
	for _, name := range LdflagsVarNames() {
		if used[name] {
			l.Vars = append(l.Vars, name)
		}
	}
	sample := LdflagsVars{Version: "1.2.3", Commit: "0123456789abcdef", ShortCommit: "0123456", Source: "https://example.com/x.git", Date: UnknownDate}
	if _, err := l.expand(sample); err != nil {
		return nil, errorf("build.ldflags cannot be expanded: %s; %s", shortenLong(templatePrefix.ReplaceAllString(err.Error(), "")), ldflagsHint())
	}
	return l, nil
}

// shortenLong cuts an error of text/template, which may quote the
// template, to 200 bytes.
func shortenLong(msg string) string {
	if len(msg) <= 200 {
		return msg
	}
	return strings.ToValidUTF8(msg[:200], "") + "..."
}

// templatePrefix is how text/template starts its errors.
var templatePrefix = regexp.MustCompile(`template: ldflags:(\d+:)*\s*`)

// ldflagsHint says what build.ldflags may hold.
func ldflagsHint() string {
	return "build.ldflags can use " + varList() + `, and {{"{{"}} for two literal braces`
}

// varList lists the variables as {{.Name}}.
func varList() string {
	names := LdflagsVarNames()
	for i, n := range names {
		names[i] = "{{." + n + "}}"
	}
	return strings.Join(names[:len(names)-1], ", ") + " and " + names[len(names)-1]
}

// checkNodes accepts text, {{.Name}} and {{"..."}} only, recording the
// variables used.
func checkNodes(tmpl *template.Template, list *tparse.ListNode, used map[string]bool) error {
	if list == nil {
		return nil
	}
	for _, n := range list.Nodes {
		switch n := n.(type) {
		case *tparse.TextNode, *tparse.CommentNode:
			continue
		case *tparse.ActionNode:
			if name, ok := variable(n.Pipe); ok {
				if !slices.Contains(LdflagsVarNames(), name) {
					return unknownVar(tmpl, n, name)
				}
				used[name] = true
				continue
			}
			if literal(n.Pipe) {
				continue
			}
		}
		_, context := tmpl.ErrorContext(n)
		return errorf("build.ldflags holds %s, which go-app does not expand; %s", actionText(context), ldflagsHint())
	}
	return nil
}

// variable returns Name of a pipeline that is just .Name.
func variable(p *tparse.PipeNode) (string, bool) {
	if p == nil || len(p.Decl) > 0 || len(p.Cmds) != 1 || len(p.Cmds[0].Args) != 1 {
		return "", false
	}
	f, ok := p.Cmds[0].Args[0].(*tparse.FieldNode)
	if !ok || len(f.Ident) != 1 {
		return "", false
	}
	return f.Ident[0], true
}

// literal reports whether a pipeline is just a string constant.
func literal(p *tparse.PipeNode) bool {
	if p == nil || len(p.Decl) > 0 || len(p.Cmds) != 1 || len(p.Cmds[0].Args) != 1 {
		return false
	}
	_, ok := p.Cmds[0].Args[0].(*tparse.StringNode)
	return ok
}

// unknownVar is the error for {{.Name}} with a Name that is no variable.
func unknownVar(tmpl *template.Template, n tparse.Node, name string) error {
	_, context := tmpl.ErrorContext(n)
	msg := msgf("build.ldflags uses %s, which is no variable", actionText(context))
	if s := closest(name, LdflagsVarNames()); s != "" {
		msg += msgf(" (did you mean {{.%s}}?)", s)
	}
	return errorf("%s; the variables are %s", msg, varList())
}

// actionText shows a node as written in the template, shortened.
func actionText(context string) string {
	if !strings.HasPrefix(context, "{{") {
		context = "{{" + context + "}}"
	}
	return quote(context)
}

// Expand returns build.ldflags with the variables replaced by v. A value
// the template uses must hold no white space or quotes: the go command
// splits -ldflags at spaces, and quotes change how it splits, so such a
// value would smuggle in more linker flags.
func (l *Ldflags) Expand(v LdflagsVars) (string, error) {
	rv := reflect.ValueOf(v)
	for _, name := range l.Vars {
		val := rv.FieldByName(name).String()
		if i := strings.IndexFunc(val, splitsLdflags); i >= 0 {
			r, _ := utf8.DecodeRuneInString(val[i:])
			return "", errorf("build.ldflags uses {{.%s}}, whose value %s (from %s) holds %s; the go command would split -ldflags there: use a value without spaces or quotes",
				name, quote(val), ldflagsOrigins[name], describeRune(r))
		}
	}
	return l.expand(v)
}

func (l *Ldflags) expand(v LdflagsVars) (string, error) {
	var b strings.Builder
	if err := l.tmpl.Execute(&b, v); err != nil {
		return "", err
	}
	return b.String(), nil
}

// splitsLdflags reports whether the go command splits -ldflags at r, or
// treats it as a quote.
func splitsLdflags(r rune) bool {
	return unicode.IsSpace(r) || r == '"' || r == '\''
}

// describeRune names a character for messages.
func describeRune(r rune) string {
	if unicode.IsSpace(r) {
		return "white space"
	}
	return msgf("a %c quote", r)
}

// ldflags checks that build.ldflags is a template go-app can expand.
func (v *validator) ldflags() {
	if l := v.s.Build.Ldflags; strings.Contains(l, "{{") || strings.Contains(l, "}}") {
		if _, err := ParseLdflags(l); err != nil {
			v.add(v.at("build.ldflags"), "%v", err)
		}
	}
}
