package ocirun

import (
	"context"
	"testing"
	"time"

	"github.com/goappfrontend/go-app/internal/ocirun/ocitest"
)

// Running containers needs root and runc: those tests are e2e tests
// (e2e/runprobe_test.go), which fail rather than skip when runc cannot run.

func TestGetWhenUpNoServer(t *testing.T) {
	start := time.Now()
	_, _, err := GetWhenUp(context.Background(), nil, "http://"+ocitest.FreeAddr(t)+"/", time.Second)
	if err == nil {
		t.Fatal("GET of a closed port succeeded")
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("gave up after %s, want about 1s", d)
	}
}
