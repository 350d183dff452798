package schemacheck

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math"

	"go.yaml.in/yaml/v3"
)

// maxDepth bounds the nesting of the documents Convert accepts (aliases
// included), so that a cyclic alias cannot recurse forever.
const maxDepth = 100

// Convert returns the first YAML document of data as the JSON value a JSON
// Schema validator checks, the way editors' YAML language servers see it:
// plain scalars keep their YAML type (8080 is a number, true a boolean, ~
// and an empty value null), aliases are expanded and every mapping key is a
// string. The value is nil,
// bool, float64, string, []any or map[string]any. An empty document (or one
// holding only comments) is nil.
func Convert(data []byte) (any, error) {
	var doc yaml.Node
	if err := yaml.NewDecoder(bytes.NewReader(data)).Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, nil
		}
		return nil, err
	}
	if len(doc.Content) == 0 {
		return nil, nil
	}
	return value(doc.Content[0], 0)
}

// value converts node n.
func value(n *yaml.Node, depth int) (any, error) {
	if depth > maxDepth {
		return nil, fmt.Errorf("line %d: nested more than %d levels deep", n.Line, maxDepth)
	}
	switch n.Kind {
	case yaml.AliasNode:
		if n.Alias == nil {
			return nil, fmt.Errorf("line %d: alias without an anchor", n.Line)
		}
		return value(n.Alias, depth+1)
	case yaml.ScalarNode:
		return scalar(n), nil
	case yaml.SequenceNode:
		list := make([]any, 0, len(n.Content))
		for _, item := range n.Content {
			v, err := value(item, depth+1)
			if err != nil {
				return nil, err
			}
			list = append(list, v)
		}
		return list, nil
	case yaml.MappingNode:
		m := make(map[string]any, len(n.Content)/2)
		for i := 0; i+1 < len(n.Content); i += 2 {
			k := n.Content[i]
			for k.Kind == yaml.AliasNode && k.Alias != nil {
				k = k.Alias
			}
			if k.Kind != yaml.ScalarNode {
				return nil, fmt.Errorf("line %d: a mapping key is not a scalar", k.Line)
			}
			key := k.Value
			if k.ShortTag() == "!!null" {
				key = ""
			}
			v, err := value(n.Content[i+1], depth+1)
			if err != nil {
				return nil, err
			}
			m[key] = v
		}
		return m, nil
	}
	return nil, fmt.Errorf("line %d: unexpected YAML node", n.Line)
}

// scalar converts a scalar node by its resolved tag. Numbers JSON cannot
// hold (.inf, .nan) and tags without a JSON type (timestamps, binary) stay
// the text they are written as.
func scalar(n *yaml.Node) any {
	switch n.ShortTag() {
	case "!!null":
		return nil
	case "!!bool":
		var b bool
		if n.Decode(&b) == nil {
			return b
		}
	case "!!int", "!!float":
		var f float64
		if n.Decode(&f) == nil && !math.IsInf(f, 0) && !math.IsNaN(f) {
			return f
		}
	}
	return n.Value
}
