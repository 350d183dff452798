// Command hello is a small HTTP server used as the go-app example.
//
// It answers GET / with the platform it runs on and GET /healthz with "ok".
// "hello selfcheck" prints one line of JSON describing the runtime
// environment it finds in the image (user, time zones, certificates, /tmp)
// and exits. "hello health" GETs /healthz of the server running in the same
// container and exits 0 when it answers 200, else 1: the image's
// HEALTHCHECK, which needs no curl or shell in the image.
package main

import (
	"crypto/x509"
	"encoding/json"
	"flag"
	"fmt"
	"log"
	"net"
	"net/http"
	"os"
	"os/user"
	"runtime"
	"time"
)

func main() {
	if len(os.Args) > 1 && os.Args[1] == "selfcheck" {
		if err := json.NewEncoder(os.Stdout).Encode(selfcheck()); err != nil {
			log.Fatal(err)
		}
		return
	}
	if len(os.Args) > 1 && os.Args[1] == "health" {
		os.Exit(health(os.Args[2:]))
	}

	addr := flag.String("addr", ":8080", "address to listen on")
	flag.Parse()

	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "hello from go-app on %s/%s\n", runtime.GOOS, runtime.GOARCH)
	})
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, "ok")
	})

	srv := &http.Server{
		Addr:              *addr,
		Handler:           mux,
		ReadHeaderTimeout: 10 * time.Second,
	}
	log.Printf("listening on %s", *addr)
	log.Fatal(srv.ListenAndServe())
}

// report is what "selfcheck" prints.
type report struct {
	UID         int    `json:"uid"`
	GID         int    `json:"gid"`
	GOOS        string `json:"goos"`
	GOARCH      string `json:"goarch"`
	TZ          string `json:"tz"`
	TZName      string `json:"tzname"`
	Shanghai    string `json:"shanghai"`
	Certs       int    `json:"certs"`
	TmpWritable bool   `json:"tmp_writable"`
	User        string `json:"user"`
}

func selfcheck() report {
	now := time.Now()
	r := report{
		UID:    os.Getuid(),
		GID:    os.Getgid(),
		GOOS:   runtime.GOOS,
		GOARCH: runtime.GOARCH,
		TZ:     now.Format("-07:00"),
		TZName: now.Location().String(),
	}

	if loc, err := time.LoadLocation("Asia/Shanghai"); err != nil {
		r.Shanghai = "error: " + err.Error()
	} else {
		r.Shanghai = now.In(loc).Format("-07:00")
	}

	if pool, err := x509.SystemCertPool(); err == nil {
		r.Certs = len(pool.Subjects()) //nolint:staticcheck // Subjects is deprecated but counts the system roots on Linux.
	}

	if f, err := os.CreateTemp("", "x"); err == nil {
		r.TmpWritable = true
		f.Close()
		os.Remove(f.Name())
	}

	if u, err := user.Current(); err != nil {
		r.User = "error: " + err.Error()
	} else {
		r.User = u.Username
	}
	return r
}

// health GETs /healthz of the server listening on -addr (the server's
// -addr; an address without a host means this machine) and returns the
// exit status: 0 when it answers 200, 1 otherwise (Docker reserves 2).
func health(args []string) int {
	fs := flag.NewFlagSet("health", flag.ContinueOnError)
	addr := fs.String("addr", ":8080", "address the server listens on")
	timeout := fs.Duration("timeout", 3*time.Second, "how long to wait for the answer")
	if err := fs.Parse(args); err != nil {
		return 1
	}
	host, port, err := net.SplitHostPort(*addr)
	if err != nil {
		fmt.Fprintf(os.Stderr, "health: -addr %q: %v\n", *addr, err)
		return 1
	}
	if host == "" {
		host = "127.0.0.1"
	}
	client := &http.Client{Timeout: *timeout}
	resp, err := client.Get("http://" + net.JoinHostPort(host, port) + "/healthz")
	if err != nil {
		fmt.Fprintf(os.Stderr, "health: %v\n", err)
		return 1
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		fmt.Fprintf(os.Stderr, "health: /healthz answered %s\n", resp.Status)
		return 1
	}
	fmt.Println("healthy")
	return 0
}
