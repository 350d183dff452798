// Package e2e holds the end-to-end tests of go-app. They build the
// examples with the real frontend image on a local BuildKit stack (see
// hack/stack.sh) through `docker buildx build`, `docker buildx bake` and
// `buildctl`, check the images against the frontend's contract (config,
// layers, files, static ELF binaries) and run them with runc, arm64 through
// QEMU. The libraries they use, internal/stack (the stack, buildx and
// buildctl) and internal/ocirun (OCI layouts, runc), are shared with
// hack/demo; the tests here that need root and runc but no BuildKit cover
// ocirun's container runs.
//
// The stack is found through BUILDKIT_HOST, GOAPP_FRONTEND_IMAGE,
// GOAPP_BUILDX_BUILDER and GOAPP_REGISTRY (what `hack/stack.sh env`
// prints). Without a usable stack the tests skip, unless CI=true or
// GOAPP_E2E=1, which make a missing stack a failure. A first run compiles
// the standard library for two platforms: give `go test` a -timeout of
// 30m or more.
package e2e
