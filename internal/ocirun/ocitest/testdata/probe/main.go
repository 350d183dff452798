// Command probe is run in containers by the ocirun and e2e tests (see
// ocitest.BuildProbe).
//
//	probe info         print uid, gid, cwd, args, env and hostname as JSON
//	probe serve ADDR   answer GET / with "probe" on ADDR
//	probe exit N       exit with status N
package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"runtime"
	"strconv"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: probe info|serve ADDR|exit N")
		os.Exit(2)
	}
	switch os.Args[1] {
	case "info":
		cwd, _ := os.Getwd()
		host, _ := os.Hostname()
		_ = json.NewEncoder(os.Stdout).Encode(map[string]any{
			"uid": os.Getuid(), "gid": os.Getgid(), "cwd": cwd, "args": os.Args,
			"env": os.Environ(), "hostname": host, "goarch": runtime.GOARCH,
		})
	case "serve":
		http.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
			fmt.Fprintf(w, "probe %s\n", runtime.GOARCH)
		})
		fmt.Fprintln(os.Stderr, http.ListenAndServe(os.Args[2], nil))
		os.Exit(1)
	case "exit":
		n, _ := strconv.Atoi(os.Args[2])
		os.Exit(n)
	}
}
