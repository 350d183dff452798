package spec

import (
	"errors"
	"os"
	"strings"
	"testing"
)

// TestRules checks the rule each kind of problem carries: the rules that
// --call check used to tell from the text of the messages.
func TestRules(t *testing.T) {
	for _, tc := range []struct {
		file string
		want Rule
	}{
		{"x: 1\n", RuleUnknownKey},
		{"main: ./a\nmain: ./b\n", RuleDuplicateKey},
		{"main: [\n", RuleInvalidYAML},
		{"main: ./a\n---\nmain: ./b\n", RuleInvalidYAML},
		{"runtime:\n  user: [a]\n", RuleWrongType},
		{"runtime:\n  workdir: app\n", RuleInvalidValue},
	} {
		_, err := Load("go-app.yaml", []byte(tc.file))
		var list Errors
		if !errors.As(err, &list) || len(list) != 1 || list[0].Rule != tc.want {
			t.Errorf("%q: %v; want one problem of rule %s", tc.file, err, tc.want.Name)
		}
	}
	for _, tc := range []struct {
		gomod []byte
		want  Rule
	}{
		{[]byte("modul example.com/x\n"), RuleInvalidGoMod},
		{[]byte("go 1.26\n"), RuleInvalidGoMod},
		{nil, RuleInvalidValue}, // no go.mod at all: reported as before the rules were values
	} {
		_, err := ParseGoMod(tc.gomod)
		var list Errors
		if !errors.As(err, &list) || len(list) != 1 || list[0].Rule != tc.want {
			t.Errorf("go.mod %q: %v; want one problem of rule %s", tc.gomod, err, tc.want.Name)
		}
	}
}

// TestRuleURLs checks that every rule's URL is the anchor of its section
// of the reference.
func TestRuleURLs(t *testing.T) {
	ref, err := os.ReadFile("../docs/reference.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range Rules {
		if want := ReferenceURL + "#" + strings.ToLower(r.Name); r.URL != want {
			t.Errorf("%s: URL %s, want %s", r.Name, r.URL, want)
		}
		if !strings.Contains(string(ref), "\n### "+r.Name+"\n") {
			t.Errorf("%s: docs/reference.md has no section ### %s (make schema)", r.Name, r.Name)
		}
	}
}
