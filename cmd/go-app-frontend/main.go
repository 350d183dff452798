// Command go-app-frontend is the go-app BuildKit frontend. BuildKit runs it
// from the frontend image named on the first line of a go-app.yaml
// ("# syntax=REGISTRY/go-app:1") and talks to it over the gateway API.
//
// The same binary, run as `go-app-frontend mkrootfs -out DIR`, writes the
// runtime files of a scratch image; the frontend runs it that way inside
// the build, from its own image.
package main

import (
	"fmt"
	"os"

	"github.com/goappfrontend/go-app/frontend"
	"github.com/moby/buildkit/frontend/gateway/grpcclient"
	"github.com/moby/buildkit/util/appcontext"
	_ "github.com/moby/buildkit/util/grpcutil/encoding/proto"
)

func main() {
	if len(os.Args) > 1 && os.Args[1] == "mkrootfs" {
		if err := mkrootfs(os.Args[2:]); err != nil {
			fmt.Fprintln(os.Stderr, "go-app-frontend mkrootfs:", err)
			os.Exit(1)
		}
		return
	}
	if err := grpcclient.RunFromEnvironment(appcontext.Context(), frontend.Build); err != nil {
		fmt.Fprintf(os.Stderr, "go-app: %v\n", err)
		os.Exit(1)
	}
}
