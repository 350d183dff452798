package schemacheck

import (
	"reflect"
	"testing"
)

func TestConvert(t *testing.T) {
	tests := []struct {
		yaml string
		want any
	}{
		{"", nil},
		{"# only a comment\n", nil},
		{"~\n", nil},
		{"a: 8080\n", map[string]any{"a": 8080.0}},
		{"a: 1.26\n", map[string]any{"a": 1.26}},
		{"a: 0x10\n", map[string]any{"a": 16.0}},
		{"a: true\nb: yes\nc: \"true\"\n", map[string]any{"a": true, "b": "yes", "c": "true"}},
		{"a:\nb: ~\nc: null\n", map[string]any{"a": nil, "b": nil, "c": nil}},
		{"a: .inf\nb: 2001-12-14\n", map[string]any{"a": ".inf", "b": "2001-12-14"}},
		{"8080: x\n~: y\n", map[string]any{"8080": "x", "": "y"}},
		{"a: &x [1, b]\nc: *x\n", map[string]any{"a": []any{1.0, "b"}, "c": []any{1.0, "b"}}},
	}
	for _, tt := range tests {
		got, err := Convert([]byte(tt.yaml))
		if err != nil {
			t.Errorf("Convert(%q): %v", tt.yaml, err)
			continue
		}
		if !reflect.DeepEqual(got, tt.want) {
			t.Errorf("Convert(%q) = %#v, want %#v", tt.yaml, got, tt.want)
		}
	}
	if _, err := Convert([]byte("a: [\n")); err == nil {
		t.Error("Convert of broken YAML: no error")
	}
	if _, err := Convert([]byte("? [a]\n: b\n")); err == nil {
		t.Error("Convert of a list as a key: no error")
	}
}
