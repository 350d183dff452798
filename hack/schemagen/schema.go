package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"reflect"
	"slices"
	"strings"
)

// The schema's identity.
const (
	schemaDialect = "https://json-schema.org/draft/2020-12/schema"
	schemaID      = "https://raw.githubusercontent.com/goappfrontend/go-app/main/spec/schema.json"
	referenceURL  = "https://github.com/goappfrontend/go-app/blob/main/docs/reference.md"
)

// obj is a JSON object of the schema.
type obj = map[string]any

// The value types go-app.yaml's loader accepts for each kind of Go field
// (spec/decode.go). A string field takes any scalar as the text it is
// written as (ports: [8080], version: 1.26); a bool field true or false,
// also quoted, in any case; every field takes an empty value (null), which
// leaves it unset.
var (
	stringTypes = []any{"string", "number", "boolean", "null"}
	boolTypes   = []any{"boolean", "string", "null"}
	// boolText is what a bool field accepts as a string (spec/decode.go
	// boolValue: strings.ToLower(value) is "true" or "false").
	boolText = `^([Tt][Rr][Uu][Ee]|[Ff][Aa][Ll][Ss][Ee])$`
)

// The schema keeps to keywords that mean the same in draft 2020-12 and in
// draft-07, which most editors' YAML support implements: no $defs, no
// prefixItems, no dependentSchemas, no unevaluatedProperties.

// schemaJSON renders the schema of the tree, with its rules, as indented
// JSON with sorted keys.
func schemaJSON(root *node) ([]byte, error) {
	used := map[string]bool{}
	s, err := schemaOf(root, used)
	if err != nil {
		return nil, err
	}
	for _, p := range slices.Sorted(maps.Keys(rules)) {
		if !used[p] {
			return nil, fmt.Errorf("hack/schemagen/rules.go has a rule for %q, which is no key of go-app.yaml any more; update or remove it", p)
		}
	}
	s["$schema"] = schemaDialect
	s["$id"] = schemaID
	s["title"] = "go-app.yaml"
	s["description"] = root.doc.plain() +
		" It is read by the go-app BuildKit frontend (goappfrontend/go-app:1). Every key: " + referenceURL
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(s); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// schemaOf returns the schema of node n and records the rules it used.
func schemaOf(n *node, used map[string]bool) (obj, error) {
	s := obj{}
	switch n.t.Kind() {
	case reflect.String:
		s["type"] = stringTypes
	case reflect.Bool:
		s["type"] = boolTypes
		s["pattern"] = boolText
	case reflect.Int:
		// spec/decode.go takes a YAML integer only (no quoted number).
		s["type"] = []any{"integer", "null"}
	case reflect.Slice:
		items, err := schemaOf(n.elem, used)
		if err != nil {
			return nil, err
		}
		s["type"] = []any{"array", "null"}
		s["items"] = items
	case reflect.Map:
		values, err := schemaOf(n.elem, used)
		if err != nil {
			return nil, err
		}
		s["type"] = []any{"object", "null"}
		s["additionalProperties"] = values
	case reflect.Struct:
		props := obj{}
		for _, f := range n.fields {
			fs, err := schemaOf(f, used)
			if err != nil {
				return nil, err
			}
			props[f.key] = fs
		}
		s["type"] = []any{"object", "null"}
		s["additionalProperties"] = false
		s["properties"] = props
	default:
		return nil, fmt.Errorf("spec.%s: no schema for a %s", n.goName, n.t.Kind())
	}
	if len(n.doc) > 0 {
		s["description"] = n.doc.plain()
	}
	if n.def != nil && n.def.literal != nil {
		s["default"] = n.def.literal
	}
	if r, ok := rules[n.path]; ok {
		used[n.path] = true
		maps.Copy(s, r.keywords)
	}
	return s, nil
}

// typeText names the values a schema accepts, for the reference: "string",
// "list of strings", "map of strings", "integer or string".
func typeText(s obj) string {
	var types []string
	switch t := s["type"].(type) {
	case string:
		types = []string{t}
	case []any:
		for _, v := range t {
			if v != "null" {
				types = append(types, v.(string))
			}
		}
	}
	if len(types) == 0 {
		return "any"
	}
	switch types[0] {
	case "array":
		items, _ := s["items"].(obj)
		return "list of " + plural(typeText(items))
	case "object":
		if _, ok := s["properties"]; ok {
			return "map"
		}
		if values, ok := s["additionalProperties"].(obj); ok {
			return "map of " + plural(typeText(values))
		}
		return "map"
	case "integer", "number":
		if slices.Contains(types, "string") {
			return types[0] + " or string"
		}
	}
	return types[0]
}

// plural makes a type name plural: "strings", "integers or strings".
func plural(t string) string {
	if strings.HasPrefix(t, "list of ") || strings.HasPrefix(t, "map of ") {
		return t // "list of lists of strings" is not needed yet
	}
	words := strings.Split(t, " or ")
	for i, w := range words {
		words[i] = w + "s"
	}
	return strings.Join(words, " or ")
}
