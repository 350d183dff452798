// Command go-app-frontend is the go-app BuildKit frontend. BuildKit runs it
// from the frontend image named on the first line of a go-app.yaml
// ("# syntax=REGISTRY/go-app:1") and talks to it over the gateway API.
//
// The same binary has two subcommands the frontend runs inside the build,
// from its own image: `go-app-frontend mkrootfs -out DIR` writes the
// runtime files of a scratch image, and `go-app-frontend gotest -log FILE
// -- go test ...` runs the test target's go test and keeps its output;
// `modules`, `deps` and `gobuild` move Go's caches in and out of layers,
// `toolchain` makes the layer the go build steps run on (gocache.go),
// `setcap` gives the entrypoint binary its file capabilities (setcap.go),
// `cgo-install` installs the C toolchain and packages of a cgo build
// (cgoinstall.go), `cgo-libs` copies the shared libraries of a dynamic cgo
// binary into the image (cgolibs.go), `sbom` writes the SPDX document of
// the --sbom attestation (sbom.go), and
// `goauth` is the GOAUTH command of build.goauth (goauth.go).
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
	if len(os.Args) > 1 {
		switch os.Args[1] {
		case "mkrootfs":
			if err := mkrootfs(os.Args[2:]); err != nil {
				fmt.Fprintln(os.Stderr, "go-app-frontend mkrootfs:", err)
				os.Exit(1)
			}
			return
		case "gotest":
			os.Exit(gotest(os.Args[2:]))
		case "goauth":
			if err := goauth(os.Args[2:], os.Stdin, os.Stdout, os.Stderr); err != nil {
				fmt.Fprintln(os.Stderr, "go-app-frontend goauth:", err)
				os.Exit(1)
			}
			return
		case "modules", "deps", "cacheprog", "gobuild", "toolchain", "setcap", "sbom", "cgo-install", "cgo-libs":
			run := map[string]func([]string) error{"modules": modules, "deps": deps, "cacheprog": cacheprog, "gobuild": gobuild, "toolchain": toolchain, "setcap": setcap, "sbom": sbomCmd, "cgo-install": cgoInstall, "cgo-libs": cgoLibs}[os.Args[1]]
			if err := run(os.Args[2:]); err != nil {
				fmt.Fprintf(os.Stderr, "go-app-frontend %s: %v\n", os.Args[1], err)
				os.Exit(1)
			}
			return
		}
	}
	if err := grpcclient.RunFromEnvironment(appcontext.Context(), frontend.Build); err != nil {
		fmt.Fprintf(os.Stderr, "go-app: %v\n", err)
		os.Exit(1)
	}
}
