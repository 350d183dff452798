package main

// `go-app-frontend goauth -token URL=FILE... [URL]` is the GOAUTH command
// of the module download and go build steps (build.goauth): the go command
// runs it before its first HTTPS request, and again with the URL and the
// server's response on stdin after a 4xx answer. Each time it prints, for
// every URL prefix whose secret file the build mounted, the prefix and an
// Authorization header (see `go help goauth`).

import (
	"bytes"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"unicode"
)

// goauth is `go-app-frontend goauth`.
func goauth(args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("goauth", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var tokens multiFlag
	fs.Var(&tokens, "token", "URL=FILE: send the token in FILE to URLs under URL (repeatable)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 && stdin != nil {
		_, _ = io.Copy(io.Discard, stdin) // the failed response; the answer does not change
	}
	var out bytes.Buffer
	for _, t := range tokens {
		url, file, ok := strings.Cut(t, "=")
		if !ok || !strings.HasPrefix(url, "https://") {
			return fmt.Errorf("-token %q: want https://PREFIX=FILE", t)
		}
		value, err := authorization(file)
		if err != nil {
			return err
		}
		if value == "" {
			fmt.Fprintf(stderr, "go-app: no build secret %s (--secret id=%s,...): no token for %s\n", filepath.Base(file), filepath.Base(file), url)
			continue
		}
		fmt.Fprintf(&out, "%s\n\nAuthorization: %s\n\n", url, value)
	}
	_, err := stdout.Write(out.Bytes())
	return err
}

// authorization is the Authorization header value of the token in file:
// "Bearer TOKEN" for a bare token, the value as it is when it names its
// scheme ("Basic dXNlcjpwYXNz"); "" when the file is missing or empty.
func authorization(file string) (string, error) {
	b, err := os.ReadFile(file)
	if os.IsNotExist(err) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("reading the build secret %s: %w", filepath.Base(file), err)
	}
	v := strings.TrimSpace(string(b))
	if strings.ContainsFunc(v, func(r rune) bool { return unicode.IsControl(r) }) {
		return "", fmt.Errorf("the build secret %s holds a line break or another control character; it must hold one token", filepath.Base(file))
	}
	if v == "" || strings.Contains(v, " ") {
		return v, nil
	}
	return "Bearer " + v, nil
}
