package spec

import (
	"reflect"
	"testing"
)

func TestDistance(t *testing.T) {
	tests := []struct {
		a, b string
		want int
	}{
		{"", "", 0},
		{"main", "main", 0},
		{"mian", "main", 1},
		{"ldflag", "ldflags", 1},
		{"lable", "labels", 2},
		{"kitten", "sitting", 3},
		{"", "abc", 3},
		{"go", "os", 2},
		{"héllo", "hello", 1},
	}
	for _, tt := range tests {
		if got := distance(tt.a, tt.b); got != tt.want {
			t.Errorf("distance(%q, %q) = %d, want %d", tt.a, tt.b, got, tt.want)
		}
		if got := distance(tt.b, tt.a); got != tt.want {
			t.Errorf("distance(%q, %q) = %d, want %d", tt.b, tt.a, got, tt.want)
		}
	}
}

func TestClosest(t *testing.T) {
	keys := fieldsOf(reflect.TypeFor[Spec]()).names()
	tests := map[string]string{
		"mian":       "main",
		"Main":       "main",
		"binary":     "binaries",
		"platform":   "platforms",
		"lable":      "labels",
		"runtim":     "runtime",
		"os":         "",
		"foo":        "",
		"dockerfile": "",
	}
	for key, want := range tests {
		if got := closest(key, keys); got != want {
			t.Errorf("closest(%q) = %q, want %q", key, got, want)
		}
	}
}

// TestExpectations checks that every key pattern of Spec says what its
// value must be, and that no stale pattern is left.
func TestExpectations(t *testing.T) {
	patterns := map[string]bool{"": true}
	var walk func(t reflect.Type, pattern string)
	walk = func(t reflect.Type, pattern string) {
		switch t.Kind() {
		case reflect.Struct:
			for _, f := range fieldsOf(t) {
				p := join(pattern, f.name)
				patterns[p] = true
				walk(t.Field(f.index).Type, p)
			}
		case reflect.Slice, reflect.Map:
			p := join(pattern, "*")
			patterns[p] = true
			walk(t.Elem(), p)
		case reflect.Pointer:
			walk(t.Elem(), pattern)
		}
	}
	walk(reflect.TypeFor[Spec](), "")
	for p := range patterns {
		if _, ok := expectations[p]; !ok {
			t.Errorf("no expectation for %q", p)
		}
	}
	for p := range expectations {
		if !patterns[p] {
			t.Errorf("expectation for %q, which is no key of Spec", p)
		}
	}
}
