package main

// The gotest subcommand runs the go test command line it is given and
// copies its output, stdout and stderr in the order they come, both to its
// own stdout (which BuildKit shows in the build progress) and to a log file
// (which becomes the result of go-app's test target). It exits with the
// exit code of go test, so a failing test fails the build step.
//
// Usage:
//
//	go-app-frontend gotest -log /out/test.log -- go test -trimpath ./...
//
// The frontend runs its own image's binary this way in the test step; it is
// never given a shell command line, only the argument vector after "--".

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
)

// gotest is the subcommand's entry point; args follow "gotest". It returns
// the exit code to exit with.
func gotest(args []string) int {
	fs := flag.NewFlagSet("gotest", flag.ContinueOnError)
	logFile := fs.String("log", "", "file to copy the output of the command to")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	return runTest(*logFile, fs.Args(), os.Stdout, os.Stderr)
}

// runTest runs args with its output copied to stdout and to logFile, and
// returns the exit code to exit with: the command's own, or 2 when it could
// not be run.
func runTest(logFile string, args []string, stdout, stderr io.Writer) int {
	if logFile == "" || len(args) == 0 {
		fmt.Fprintln(stderr, "usage: go-app-frontend gotest -log FILE -- COMMAND [ARG...]")
		return 2
	}
	f, err := os.OpenFile(logFile, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		fmt.Fprintf(stderr, "gotest: %v\n", err)
		return 2
	}
	// One writer for both streams: exec.Cmd then writes them from one
	// goroutine at a time, in the order the command wrote them.
	out := io.MultiWriter(stdout, f)
	cmd := exec.Command(args[0], args[1:]...)
	cmd.Stdout = out
	cmd.Stderr = out
	runErr := cmd.Run()
	if err := f.Close(); err != nil {
		fmt.Fprintf(stderr, "gotest: %v\n", err)
		return 2
	}
	var exit *exec.ExitError
	switch {
	case runErr == nil:
		return 0
	case errors.As(runErr, &exit) && exit.ExitCode() > 0:
		return exit.ExitCode()
	default:
		fmt.Fprintf(stderr, "gotest: %v\n", runErr)
		return 2
	}
}
