package spec

import (
	"iter"
	"reflect"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// decoder fills a Spec from a YAML node tree, checking every key and type
// against the Spec's fields and their yaml tags.
type decoder struct {
	problems  *problems
	positions map[string]Position
	// values and bytes are what is left of MaxValues and
	// MaxExpandedBytes; over is the problem of a file that exceeds one.
	values, bytes int
	over          *Error
	// alias is where the outermost alias being expanded is, nil outside
	// aliases: a file over budget is reported at the alias that made it so.
	alias *Position
}

// newDecoder returns a decoder with the whole budget.
func newDecoder(p *problems, positions map[string]Position) *decoder {
	return &decoder{problems: p, positions: positions, values: MaxValues, bytes: MaxExpandedBytes}
}

// entry is one key of a mapping with its value.
type entry struct {
	key   string
	at    Position // where the key is
	value *yaml.Node
}

// decode stores the value of node n in v. path is the dotted key path of the
// value ("runtime.ports.1"), pattern the same path with list indexes and map
// keys written as "*" ("runtime.ports.*").
func (d *decoder) decode(n *yaml.Node, v reflect.Value, path, pattern string) {
	at := position(n)
	if n.Kind == yaml.AliasNode && d.alias == nil {
		d.alias = &at
		defer func() { d.alias = nil }()
	}
	n = resolve(n)
	if !d.spend(at, n) {
		return
	}
	if path != "" {
		d.positions[path] = at
	}
	setPos(v, at)
	if isNull(n) {
		return // an empty value leaves the field unset
	}
	d.decodeValue(n, v, at, path, pattern)
}

// spend counts one more value or key, node n at position at, and its
// bytes, and reports whether the file is still within MaxValues and
// MaxExpandedBytes. The first time it is not, it records the problem.
func (d *decoder) spend(at Position, n *yaml.Node) bool {
	if d.over != nil {
		return false
	}
	d.values--
	if n.Kind == yaml.ScalarNode {
		d.bytes -= len(n.Value)
	}
	switch {
	case d.values < 0:
		d.over = &Error{Pos: at, Msg: msgf("the file holds more than %d values (counting what aliases repeat); make it smaller", MaxValues)}
	case d.bytes < 0:
		d.over = &Error{Pos: at, Msg: msgf("the keys and values of the file add up to more than %s by here (counting what aliases repeat); make it smaller", byteSize(MaxExpandedBytes))}
	default:
		return true
	}
	if d.alias != nil {
		d.over.Pos = *d.alias
	}
	d.over.Filename, d.over.Rule = d.problems.filename, RuleInvalidYAML
	return false
}

// decodeValue stores the non-empty value of node n in v, or reports that it
// has the wrong type and returns false.
func (d *decoder) decodeValue(n *yaml.Node, v reflect.Value, at Position, path, pattern string) bool {
	ok := false
	switch v.Kind() {
	case reflect.String:
		if ok = n.Kind == yaml.ScalarNode; ok && d.text(n.Value, at, path, pattern) {
			v.SetString(n.Value)
		}
	case reflect.Bool:
		var b bool
		if b, ok = boolValue(n); ok {
			v.SetBool(b)
		}
	case reflect.Int:
		var i int64
		if i, ok = intValue(n); ok && !v.OverflowInt(i) {
			v.SetInt(i)
		} else {
			ok = false
		}
	case reflect.Slice:
		if ok = n.Kind == yaml.SequenceNode; ok {
			d.decodeList(n, v, path, pattern)
		}
	case reflect.Map:
		if ok = n.Kind == yaml.MappingNode; ok {
			d.decodeMap(n, v, path, pattern)
		}
	case reflect.Struct:
		if ok = n.Kind == yaml.MappingNode; ok {
			d.decodeStruct(n, v, path, pattern)
		}
	case reflect.Pointer:
		p := reflect.New(v.Type().Elem())
		if !d.decodeValue(n, p.Elem(), at, path, pattern) {
			return false
		}
		v.Set(p)
		return true
	}
	if !ok {
		d.mismatch(n, at, path, pattern)
	}
	return ok
}

// decodeList stores the items of sequence n in the slice v.
func (d *decoder) decodeList(n *yaml.Node, v reflect.Value, path, pattern string) {
	list := reflect.MakeSlice(v.Type(), len(n.Content), len(n.Content))
	for i, item := range n.Content {
		d.decode(item, list.Index(i), join(path, strconv.Itoa(i)), join(pattern, "*"))
	}
	v.Set(list)
}

// decodeMap stores the entries of mapping n in the map v, whose keys are
// strings.
func (d *decoder) decodeMap(n *yaml.Node, v reflect.Value, path, pattern string) {
	m := reflect.MakeMapWithSize(v.Type(), len(n.Content)/2)
	for e := range d.entries(n, path) {
		if !d.key(e.key, e.at, path) {
			continue
		}
		elem := reflect.New(v.Type().Elem()).Elem()
		d.decode(e.value, elem, join(path, e.key), join(pattern, "*"))
		m.SetMapIndex(reflect.ValueOf(e.key), elem)
	}
	v.Set(m)
}

// decodeStruct stores the entries of mapping n in the fields of struct v,
// reporting keys that are no field of it.
func (d *decoder) decodeStruct(n *yaml.Node, v reflect.Value, path, pattern string) {
	fields := fieldsOf(v.Type())
	for e := range d.entries(n, path) {
		i, ok := fields.index(e.key)
		if !ok {
			d.problems.add(RuleUnknownKey, e.at, "%s", unknownKey(e.key, path, fields.names()))
			continue
		}
		d.decode(e.value, v.Field(i), join(path, e.key), join(pattern, e.key))
	}
}

// entries yields the entries of mapping n, reporting (and skipping) keys that
// are not plain scalars, merge keys and duplicate keys.
func (d *decoder) entries(n *yaml.Node, path string) iter.Seq[entry] {
	return func(yield func(entry) bool) {
		seen := make(map[string]Position, len(n.Content)/2)
		for i := 0; i+1 < len(n.Content); i += 2 {
			at, key := position(n.Content[i]), resolve(n.Content[i])
			if !d.spend(at, key) {
				return
			}
			switch {
			case key.Kind != yaml.ScalarNode:
				d.problems.add(RuleInvalidValue, at, "a key%s is %s; keys must be plain names", in(path), describe(key))
				continue
			case key.ShortTag() == "!!merge":
				d.problems.add(RuleInvalidValue, at, "merge keys (<<)%s are not supported; write the keys out", in(path))
				continue
			}
			name := key.Value
			if isNull(key) {
				name = ""
			}
			if first, dup := seen[name]; dup {
				d.problems.add(RuleDuplicateKey, at, "duplicate key %q%s (first at line %d); remove one", name, in(path), first.Line)
				continue
			}
			seen[name] = at
			if !yield(entry{key: name, at: at, value: n.Content[i+1]}) {
				return
			}
		}
	}
}

// mismatch reports a value of the wrong type.
func (d *decoder) mismatch(n *yaml.Node, at Position, path, pattern string) {
	d.problems.add(RuleWrongType, at, "%s must be %s, not %s", label(path), expected(pattern), describe(n))
}

// resolve follows aliases to the node they stand for.
func resolve(n *yaml.Node) *yaml.Node {
	for range 100 {
		if n.Kind != yaml.AliasNode || n.Alias == nil {
			return n
		}
		n = n.Alias
	}
	return n
}

// isNull reports whether n is an empty value: "~", "null" or nothing.
func isNull(n *yaml.Node) bool {
	return n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null"
}

// boolValue returns the boolean scalar n holds. Quoted "true" and "false"
// are accepted too; YAML 1.1 words like yes and on are not.
func boolValue(n *yaml.Node) (value, ok bool) {
	if n.Kind != yaml.ScalarNode {
		return false, false
	}
	switch strings.ToLower(n.Value) {
	case "true":
		return true, true
	case "false":
		return false, true
	}
	return false, false
}

// intValue returns the integer scalar n holds. Quoted numbers are not
// integers.
func intValue(n *yaml.Node) (int64, bool) {
	if n.Kind != yaml.ScalarNode || n.ShortTag() != "!!int" {
		return 0, false
	}
	var i int64
	if err := n.Decode(&i); err != nil {
		return 0, false
	}
	return i, true
}

// position is where node n starts.
func position(n *yaml.Node) Position {
	return Position{Line: n.Line, Column: n.Column}
}

// setPos sets the Pos field of a struct like Binary or File.
func setPos(v reflect.Value, at Position) {
	if v.Kind() != reflect.Struct {
		return
	}
	if f := v.FieldByName("Pos"); f.IsValid() && f.CanSet() && f.Type() == reflect.TypeFor[Position]() {
		f.Set(reflect.ValueOf(at))
	}
}

// describe names what node n holds, for messages.
func describe(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a map"
	case yaml.SequenceNode:
		return "a list"
	case yaml.ScalarNode:
		return quote(n.Value)
	}
	return "an unexpected YAML node"
}

// quote quotes s for a message, shortening it when it is long: the first
// 40 characters, then "...".
func quote(s string) string {
	return strconv.Quote(shorten(s))
}

// shorten returns the first 40 characters of s, then "...", or s when it
// is not longer.
func shorten(s string) string {
	const max = 40
	n := 0
	for i := range s {
		if n == max {
			return s[:i] + "..."
		}
		n++
	}
	return s
}

// join appends a key to a dotted path.
func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

// label names the value at path in messages; a long map key in it is
// shortened.
func label(path string) string {
	if path == "" {
		return "the file"
	}
	if len(path) > 100 {
		return quote(path)
	}
	return path
}

// in says where a key is, for messages about keys: "" at the top level.
func in(path string) string {
	if path == "" {
		return ""
	}
	return " in " + path
}
