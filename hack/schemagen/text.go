package main

import (
	"go/doc/comment"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// A doc comment becomes a list of blocks. Paragraph, heading and list item
// text is one line each, with code spans in backquotes: the backquotes the
// comment has (`go build`) and the key references schemagen puts in.
type blockKind int

const (
	paragraph blockKind = iota
	heading
	list
	code
)

type block struct {
	kind  blockKind
	text  string   // paragraph, heading
	items []string // list
	code  string   // code, with its final newline
}

// docText is a doc comment, parsed and with its Go names of spec fields
// replaced by their keys.
type docText []block

// parseDoc parses a doc comment and translates the Go field names in its
// prose with tr (nil: no translation).
func parseDoc(doc string, tr *translator) docText {
	var p comment.Parser
	return parseBlocks(p.Parse(doc).Content, tr)
}

// parseBlocks turns parsed doc comment blocks into a docText.
func parseBlocks(blocks []comment.Block, tr *translator) docText {
	var out docText
	first := true
	prose := func(ts []comment.Text) string {
		s := inline(ts)
		if tr != nil {
			s = tr.translate(s, first)
		}
		first = false
		return s
	}
	for _, b := range blocks {
		switch b := b.(type) {
		case *comment.Paragraph:
			out = append(out, block{kind: paragraph, text: prose(b.Text)})
		case *comment.Heading:
			out = append(out, block{kind: heading, text: prose(b.Text)})
		case *comment.List:
			var items []string
			for _, it := range b.Items {
				var parts []string
				for _, c := range it.Content {
					if para, ok := c.(*comment.Paragraph); ok {
						parts = append(parts, prose(para.Text))
					}
				}
				items = append(items, strings.Join(parts, " "))
			}
			out = append(out, block{kind: list, items: items})
		case *comment.Code:
			out = append(out, block{kind: code, code: b.Text})
		}
	}
	return out
}

// inline flattens doc comment text into one line.
func inline(ts []comment.Text) string {
	var b strings.Builder
	var walk func(ts []comment.Text)
	walk = func(ts []comment.Text) {
		for _, t := range ts {
			switch t := t.(type) {
			case comment.Plain:
				b.WriteString(string(t))
			case comment.Italic:
				b.WriteString(string(t))
			case *comment.Link:
				walk(t.Text)
			case *comment.DocLink:
				walk(t.Text)
			}
		}
	}
	walk(ts)
	return strings.Join(strings.Fields(b.String()), " ")
}

// plain renders the text for a JSON schema description: paragraphs
// separated by blank lines, list items as "- item", code indented.
func (d docText) plain() string {
	var parts []string
	for _, b := range d {
		switch b.kind {
		case paragraph, heading:
			parts = append(parts, b.text)
		case list:
			parts = append(parts, "- "+strings.Join(b.items, "\n- "))
		case code:
			parts = append(parts, indent(b.code, "    "))
		}
	}
	return strings.Join(parts, "\n\n")
}

// markdown renders the text as Markdown, code blocks fenced with lang.
func (d docText) markdown(lang string) string {
	var parts []string
	for _, b := range d {
		switch b.kind {
		case paragraph:
			parts = append(parts, mdInline(b.text))
		case heading:
			parts = append(parts, "**"+mdInline(b.text)+"**")
		case list:
			var items []string
			for _, it := range b.items {
				items = append(items, "- "+mdInline(it))
			}
			parts = append(parts, strings.Join(items, "\n"))
		case code:
			parts = append(parts, "```"+lang+"\n"+b.code+"```")
		}
	}
	return strings.Join(parts, "\n\n")
}

// indent puts prefix before every non-empty line of s, without the final
// newline.
func indent(s, prefix string) string {
	var b strings.Builder
	for line := range strings.Lines(strings.TrimSuffix(s, "\n")) {
		if strings.TrimSpace(line) != "" {
			b.WriteString(prefix)
		}
		b.WriteString(line)
	}
	return b.String()
}

// mdInline renders one line of text with `code` spans as Markdown: the
// characters Markdown would take for markup are escaped outside the spans.
func mdInline(s string) string {
	var b strings.Builder
	for i, part := range strings.Split(s, "`") {
		if i%2 == 1 {
			b.WriteString("`" + part + "`")
			continue
		}
		for _, r := range part {
			if strings.ContainsRune(`\*_<>[]|`, r) {
				b.WriteByte('\\')
			}
			b.WriteRune(r)
		}
	}
	return b.String()
}

// translator replaces the Go names of spec fields in one struct's doc
// comments with their keys: "Runtime.Entrypoint" becomes
// `runtime.entrypoint`, "Binaries" `binaries`, and the field name a field's
// comment starts with ("Ports are exposed ports") the key itself. An
// unqualified name is looked up among the fields of the struct the comment
// is in, then among the top-level keys.
type translator struct {
	root   reflect.Type // spec.Spec
	cur    reflect.Type // the struct the comment belongs to
	path   string       // cur's key path ("runtime", "binaries[]")
	inList bool         // cur is a list item: its own keys are written without path
	field  string       // the Go field the comment documents; "" for a type's comment
	key    string       // that field's key
}

// ordinaryWords are field names that are also words of the comments'
// prose: "the Go version" is about Go, not go:. They are translated only as
// the first word of their own field's comment or as part of a dotted name
// (Go.Version).
var ordinaryWords = map[string]bool{"Go": true}

// goName matches what may be a Go name of a field, dotted or not.
var goName = regexp.MustCompile(`[A-Z][A-Za-z0-9]*(?:\.[A-Z][A-Za-z0-9]*)*`)

// translate translates the prose of one line; first says whether the line
// opens the comment.
func (tr *translator) translate(s string, first bool) string {
	var b strings.Builder
	for i, part := range strings.Split(s, "`") {
		if i > 0 {
			b.WriteString("`")
		}
		if i%2 == 1 {
			b.WriteString(part)
			continue
		}
		b.WriteString(tr.translateProse(part, first && i == 0))
	}
	return b.String()
}

func (tr *translator) translateProse(s string, opens bool) string {
	var b strings.Builder
	last := 0
	for _, m := range goName.FindAllStringIndex(s, -1) {
		start, end := m[0], m[1]
		if start > 0 {
			if r, _ := utf8.DecodeLastRuneInString(s[:start]); isNameRune(r) || strings.ContainsRune("./-", r) {
				continue
			}
		}
		if end < len(s) {
			if r, _ := utf8.DecodeRuneInString(s[end:]); isNameRune(r) || r == '-' {
				continue
			}
		}
		word := s[start:end]
		var key string
		switch {
		case opens && start == 0 && word == tr.field && tr.field != "":
			key = tr.key
		default:
			var ok bool
			if key, ok = tr.resolve(word); !ok {
				continue
			}
		}
		b.WriteString(s[last:start])
		if start > 0 && s[start-1] == '<' && end < len(s) && s[end] == '>' {
			b.WriteString(key) // a placeholder: golang:<go.version>
		} else {
			b.WriteString("`" + key + "`")
		}
		last = end
	}
	b.WriteString(s[last:])
	return b.String()
}

func isNameRune(r rune) bool {
	return r == '_' || unicode.IsLetter(r) || unicode.IsDigit(r)
}

// resolve returns the key a Go name refers to.
func (tr *translator) resolve(name string) (string, bool) {
	parts := strings.Split(name, ".")
	if len(parts) == 1 && ordinaryWords[name] {
		return "", false
	}
	if p, ok := fieldPath(tr.cur, tr.path, parts); ok {
		if tr.inList {
			return strings.TrimPrefix(p, tr.path+"."), true
		}
		return p, true
	}
	if tr.cur != tr.root {
		return fieldPath(tr.root, "", parts)
	}
	return "", false
}

// fieldPath follows Go field names from struct t at key path path and
// returns the key path they lead to.
func fieldPath(t reflect.Type, path string, names []string) (string, bool) {
	for i, name := range names {
		if t.Kind() != reflect.Struct {
			return "", false
		}
		f, ok := t.FieldByName(name)
		if !ok || len(f.Index) != 1 {
			return "", false
		}
		key, ok := yamlKey(f)
		if !ok {
			return "", false
		}
		path = joinPath(path, key)
		t = deref(f.Type)
		if i < len(names)-1 && t.Kind() == reflect.Slice {
			t = deref(t.Elem())
			path += "[]"
		}
	}
	return path, true
}

// summary turns a type's comment into a description of its values:
// "Binary is one program built into the image." becomes "One program built
// into the image.", "Build holds the options" "Holds the options".
func summary(doc, typeName string) string {
	rest, ok := strings.CutPrefix(doc, typeName+" is ")
	if !ok {
		if rest, ok = strings.CutPrefix(doc, typeName+" "); !ok {
			return doc
		}
	}
	r, size := utf8.DecodeRuneInString(rest)
	return string(unicode.ToUpper(r)) + rest[size:]
}

// defaultValue is what a key is when the file does not set it, as its doc
// comment says.
type defaultValue struct {
	text    string // one line, with `code` spans
	literal any    // the value itself, when the comment writes it (true, false, "/"); else nil
}

var (
	// "(default true)", `(default "65532:65532")`
	defaultParen = regexp.MustCompile(`\(default ([^)]+)\)`)
	// `"scratch" (default)`
	defaultAfter = regexp.MustCompile(`("[^"]*"|\S+) \(default\)`)
	// "Default: the first binary."
	defaultSentence = regexp.MustCompile(`(?:^|\s)Default: (.+?)\.(?:\s|$)`)
)

// findDefault returns the default a doc comment states, or nil.
func findDefault(d docText) *defaultValue {
	for _, re := range []*regexp.Regexp{defaultParen, defaultAfter, defaultSentence} {
		for _, b := range d {
			if b.kind != paragraph {
				continue
			}
			if m := re.FindStringSubmatch(b.text); m != nil {
				v := strings.TrimSpace(m[1])
				return &defaultValue{text: v, literal: literalValue(v)}
			}
		}
	}
	return nil
}

// literalValue returns the value that s writes when it is true, false or a
// quoted string, else nil.
func literalValue(s string) any {
	switch s {
	case "true":
		return true
	case "false":
		return false
	}
	if strings.HasPrefix(s, `"`) {
		if v, err := strconv.Unquote(s); err == nil {
			return v
		}
	}
	return nil
}
