package spec

import (
	"errors"
	"testing"
)

func TestErrorFormat(t *testing.T) {
	tests := []struct {
		err  Error
		want string
	}{
		{Error{Filename: "go-app.yaml", Pos: Position{3, 7}, Msg: "bad"}, "go-app.yaml:3:7: bad"},
		{Error{Filename: "go-app.yaml", Pos: Position{3, 0}, Msg: "bad"}, "go-app.yaml:3: bad"},
		{Error{Filename: "go-app.yaml", Msg: "bad"}, "go-app.yaml: bad"},
		{Error{Msg: "bad"}, "bad"},
	}
	for _, tt := range tests {
		if got := tt.err.Error(); got != tt.want {
			t.Errorf("Error() = %q, want %q", got, tt.want)
		}
	}
}

func TestErrors(t *testing.T) {
	errs := Errors{
		{Filename: "f", Pos: Position{5, 1}, Msg: "c"},
		nil,
		{Filename: "f", Pos: Position{2, 9}, Msg: "b"},
		{Filename: "f", Msg: "a"},
		{Filename: "f", Pos: Position{2, 3}, Msg: "b0"},
	}
	if got, want := errs.Error(), "f: a\nf:2:3: b0\nf:2:9: b\nf:5:1: c"; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
	err := errs.Err()
	var list Errors
	if !errors.As(err, &list) || len(list) != 4 || list[0].Msg != "a" {
		t.Errorf("errors.As(Errors) = %v", list)
	}
	var one *Error
	if !errors.As(err, &one) || one.Msg != "a" {
		t.Errorf("errors.As(*Error) = %v", one)
	}
	if Errors(nil).Err() != nil {
		t.Error("Errors(nil).Err() is not nil")
	}
}
