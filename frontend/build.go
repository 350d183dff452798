// Package frontend is the BuildKit gateway glue of go-app.
package frontend

import (
	"context"
	"errors"

	"github.com/moby/buildkit/frontend/gateway/client"
)

// Build is the gateway entry point.
func Build(ctx context.Context, c client.Client) (*client.Result, error) {
	return nil, errors.New("not implemented yet")
}
