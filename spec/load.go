package spec

import (
	"bytes"
	"errors"
	"io"
	"reflect"
	"regexp"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Load reads go-app.yaml strictly and checks it with Validate. filename is
// used in error messages; data is the file's content.
//
// An empty file, or one holding only comments, is an empty spec, which is
// valid: it builds the module's one main package (see FillDefaults).
// Unknown keys (with the
// closest valid key as a suggestion), values of the wrong type, duplicate
// keys and invalid values are all reported together, as Errors, each at the
// line and column of the offending key or value.
//
// The returned Spec is never nil: on error it holds what could be read, with
// its Source filled. Positions of values are recorded in Spec.Source.
func Load(filename string, data []byte) (*Spec, error) {
	s := &Spec{Source: SourceInfo{Filename: filename, Data: data, Positions: map[string]Position{}}}
	p := &problems{filename: displayName(filename)}
	if sizeProblem(data, p) {
		return s, p.list.Err()
	}
	root := parse(data, p)
	if len(p.list) > 0 {
		return s, p.list.Err() // validating a file that is not YAML says nothing useful
	}
	if root == nil {
		return s, s.Validate().Err()
	}
	d := newDecoder(p, s.Source.Positions)
	d.decode(root, reflect.ValueOf(s).Elem(), "", "")
	if d.over != nil {
		return s, Errors{d.over}.Err() // a file too big to look at further
	}
	if r := resolve(root); r.Kind != yaml.MappingNode && !isNull(r) {
		return s, p.list.Err() // not a spec
	}
	return s, merge(p.list, s.Validate()).Err()
}

// merge adds to decoding errors the validation errors at other positions:
// a value of the wrong type is not also reported as invalid.
func merge(decoding, validation Errors) Errors {
	taken := make(map[Position]bool, len(decoding))
	for _, e := range decoding {
		taken[e.Pos] = true
	}
	for _, e := range validation {
		if e.Pos == (Position{}) || !taken[e.Pos] {
			decoding = append(decoding, e)
		}
	}
	return decoding
}

// parse returns the root node of the one YAML document in data that holds
// something, or nil when none does. Empty documents (a --- line with
// nothing after it) are ignored; a second document that holds something
// is a problem, as go-app would ignore it.
func parse(data []byte, p *problems) (root *yaml.Node) {
	defer func() {
		if r := recover(); r != nil {
			root = nil
			p.add(RuleInvalidYAML, Position{}, "cannot read the file as YAML (%v)", r)
		}
	}()
	dec := yaml.NewDecoder(bytes.NewReader(data))
	for {
		var doc yaml.Node
		if err := dec.Decode(&doc); err != nil {
			if !errors.Is(err, io.EOF) {
				syntaxError(data, err, p)
				return nil
			}
			return root
		}
		switch {
		case len(doc.Content) == 0 || isNull(doc.Content[0]):
		case root == nil:
			root = doc.Content[0]
		default:
			p.add(RuleInvalidYAML, position(&doc), "the file holds a second YAML document (the first is at line %d), which go-app would ignore; go-app.yaml is one document: remove this --- line and what follows, or merge the two", root.Line)
			return nil
		}
	}
}

// yamlLine matches the line number in the errors of the YAML parser.
var yamlLine = regexp.MustCompile(`^yaml: line (\d+): `)

// syntaxError reports an error of the YAML parser at its line.
func syntaxError(data []byte, err error, p *problems) {
	msg := err.Error()
	var at Position
	if m := yamlLine.FindStringSubmatch(msg); m != nil {
		at.Line, _ = strconv.Atoi(m[1])
		msg = msg[len(m[0]):]
	}
	msg = strings.TrimPrefix(msg, "yaml: ")
	if tabIndented(data, at.Line) {
		msg += "; indent with spaces, YAML does not allow tabs"
	}
	p.add(RuleInvalidYAML, at, "invalid YAML: %s", msg)
}

// tabIndented reports whether line n (1-based) of data is indented with a
// tab.
func tabIndented(data []byte, n int) bool {
	if n < 1 {
		return false
	}
	i := 0
	for line := range bytes.Lines(data) {
		if i++; i == n {
			indent := line[:len(line)-len(bytes.TrimLeft(line, " \t"))]
			return bytes.ContainsRune(indent, '\t')
		}
	}
	return false
}
