// Command api is the HTTP half of the go-app multi-binary example: it
// answers GET / with "api" on :8081.
package main

import (
	"fmt"
	"log"
	"net/http"
	"time"
)

func main() {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintln(w, "api")
	})
	srv := &http.Server{
		Addr:              ":8081",
		Handler:           mux,
		ReadHeaderTimeout: 10 * time.Second,
	}
	log.Print("api listening on :8081")
	log.Fatal(srv.ListenAndServe())
}
