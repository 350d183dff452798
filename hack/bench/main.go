// Command bench is go-app's benchmark harness (issue 4): it builds the same
// Go apps with go-app and five other ways to a container image (or a
// binary), in several scenarios, times every build, and writes a table, a
// JSON file with the same figures, a per-vertex breakdown of BuildKit builds
// and a chart drawn from the JSON.
//
// Every contender builds with the same go build flags (-trimpath, -ldflags
// "-s -w", CGO_ENABLED=0; for the cgo app sqlite, go-app's static cgo
// flags), and the tables say what each binary's build information
// confirms. The ephemeral scenario (ephemeral.go) runs every
// build on a new, empty buildkitd that imports the previous build's
// exported cache, like a hosted CI runner.
//
// It is run by hack/bench/bench.sh (`make bench`), which starts the
// benchmark's own buildkitd and buildx builder and passes their addresses:
//
//	bench run   -repo DIR -state DIR -addr unix:///... -builder NAME -frontend REF -ko BIN -ko-base REF -out DIR [flags]
//	bench chart -in results.json -out chart.png
//	bench table -in results.json
//
// See docs/benchmarks.md for what is measured and how.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	if len(os.Args) < 2 {
		usage()
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	var err error
	switch os.Args[1] {
	case "run":
		err = cmdRun(ctx, os.Args[2:])
	case "chart":
		err = cmdChart(os.Args[2:])
	case "table":
		err = cmdTable(os.Args[2:])
	default:
		usage()
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "bench: %v\n", err)
		os.Exit(1)
	}
}

func usage() {
	fmt.Fprintln(os.Stderr, "usage: bench run|chart|table [flags] (bench CMD -h for the flags)")
	os.Exit(2)
}
