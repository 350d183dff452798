// Package schemacheck validates go-app.yaml files against the JSON schema
// of go-app.yaml (spec/schema.json) with a JSON Schema validator, for the
// tests that check the schema against the examples and the spec loader.
package schemacheck

import (
	"bytes"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// Draft is the JSON Schema draft a schema is compiled as.
type Draft int

const (
	// Declared compiles the schema as the draft its $schema names.
	Declared Draft = iota
	// Draft7 compiles the schema as draft-07, the draft most editors' YAML
	// support implements, whatever its $schema says.
	Draft7
)

// draft7 is draft-07's meta-schema.
const draft7 = "http://json-schema.org/draft-07/schema#"

// Schema is a compiled schema.
type Schema struct {
	s *jsonschema.Schema
}

// Compile compiles the schema in data (JSON) as draft d. The compiler
// checks the schema against its draft's meta-schema first.
func Compile(data []byte, d Draft) (*Schema, error) {
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("the schema is not JSON: %w", err)
	}
	obj, ok := doc.(map[string]any)
	if !ok {
		return nil, errors.New("the schema is not a JSON object")
	}
	id, _ := obj["$id"].(string)
	if id == "" {
		id = "schema.json"
	}
	if d == Draft7 {
		clone := make(map[string]any, len(obj))
		for k, v := range obj {
			clone[k] = v
		}
		clone["$schema"] = draft7
		doc = clone
	}
	c := jsonschema.NewCompiler()
	if err := c.AddResource(id, doc); err != nil {
		return nil, err
	}
	s, err := c.Compile(id)
	if err != nil {
		return nil, err
	}
	return &Schema{s: s}, nil
}

// Problem is one reason a document does not match the schema.
type Problem struct {
	// Instance is the JSON pointer of the value: "/runtime/ports/0", "" for
	// the whole file.
	Instance string
	// Keyword is the JSON pointer of the schema keyword that rejects it.
	Keyword string
	// Message says what is wrong.
	Message string
}

func (p Problem) String() string {
	return fmt.Sprintf("%s: %s (%s)", cmpOr(p.Instance, "/"), p.Message, p.Keyword)
}

func cmpOr(a, b string) string {
	if a == "" {
		return b
	}
	return a
}

// ValidateYAML checks the YAML document data against the schema. It
// returns the problems (none when data matches), or an error when data is
// not YAML.
func (s *Schema) ValidateYAML(data []byte) ([]Problem, error) {
	v, err := Convert(data)
	if err != nil {
		return nil, err
	}
	return s.Validate(v), nil
}

// Validate checks a JSON value against the schema and returns the
// problems, the innermost ones, sorted.
func (s *Schema) Validate(v any) []Problem {
	err := s.s.Validate(v)
	if err == nil {
		return nil
	}
	var ve *jsonschema.ValidationError
	if !errors.As(err, &ve) {
		return []Problem{{Message: err.Error()}}
	}
	var out []Problem
	var walk func(u *jsonschema.OutputUnit)
	walk = func(u *jsonschema.OutputUnit) {
		if u.Error != nil && len(u.Errors) == 0 {
			out = append(out, Problem{Instance: u.InstanceLocation, Keyword: u.KeywordLocation, Message: u.Error.String()})
		}
		for i := range u.Errors {
			walk(&u.Errors[i])
		}
	}
	walk(ve.BasicOutput())
	if len(out) == 0 {
		out = append(out, Problem{Message: strings.TrimSpace(ve.Error())})
	}
	slices.SortFunc(out, func(a, b Problem) int { return strings.Compare(a.String(), b.String()) })
	return slices.Compact(out)
}
