// Command deps is the go-app example with third-party dependencies: it
// prints its version (set at link time with -X main.version=...), a UUID
// from github.com/google/uuid and a title-cased phrase from
// golang.org/x/text, then exits.
package main

import (
	"fmt"

	"github.com/google/uuid"
	"golang.org/x/text/cases"
	"golang.org/x/text/language"
)

// version is overridden by the build's ldflags.
var version = "dev"

func main() {
	id := uuid.NewSHA1(uuid.NameSpaceURL, []byte("https://example.com/deps"))
	title := cases.Title(language.English).String("built by go-app")
	fmt.Printf("deps %s %s %s\n", version, id, title)
}
