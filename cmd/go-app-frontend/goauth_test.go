package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestGoAuth(t *testing.T) {
	dir := t.TempDir()
	write := func(name, data string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(data), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	bare := write("goauth", "s3cr3t\n")
	basic := write("basic", "Basic dXNlcjpwYXNz")
	args := []string{
		"-token", "https://proxy.example.com/=" + bare,
		"-token", "https://git.example.com/api/=" + basic,
		"-token", "https://other.example.com/=" + filepath.Join(dir, "missing"),
	}
	var out, errOut bytes.Buffer
	if err := goauth(args, nil, &out, &errOut); err != nil {
		t.Fatal(err)
	}
	want := "https://proxy.example.com/\n\nAuthorization: Bearer s3cr3t\n\n" +
		"https://git.example.com/api/\n\nAuthorization: Basic dXNlcjpwYXNz\n\n"
	if out.String() != want {
		t.Errorf("output %q\nwant   %q", out.String(), want)
	}
	if !strings.Contains(errOut.String(), "no build secret missing") {
		t.Errorf("stderr %q does not say that the secret is missing", errOut.String())
	}

	// The retry after a 4xx: the URL as an argument, the response on stdin.
	out.Reset()
	stdin := strings.NewReader("HTTP/1.1 401 Unauthorized\r\n\r\n")
	if err := goauth(append(args, "https://proxy.example.com/mod/@v/list"), stdin, &out, &errOut); err != nil || out.String() != want {
		t.Errorf("retry: %v, output %q", err, out.String())
	}

	// A token with a line break would inject a header.
	write("goauth", "tok\nX-Evil: 1")
	out.Reset()
	if err := goauth(args[:2], nil, &out, &errOut); err == nil || out.Len() != 0 {
		t.Errorf("a token with a line break: err %v, output %q", err, out.String())
	}
}
