# hack/versions.sh: the versions of the tools that hack/stack.sh and
# hack/bench/bench.sh build and run, in one place; both source it after
# setting REPO_ROOT. BuildKit's daemon and buildctl are the release go.mod
# requires of BuildKit's client library, read from go.mod.
# shellcheck shell=bash

BUILDKIT_VERSION=$(awk '$1 == "github.com/moby/buildkit" { print $2 }' "$REPO_ROOT/go.mod")
BUILDX_VERSION=v0.38.2
REGISTRY_VERSION=v3.1.2
KO_VERSION=v0.19.1
GOLANGCI_LINT_VERSION=v2.15.0
# cosign signs images in the signing e2e test and the release workflow.
COSIGN_VERSION=v3.1.3
# actionlint checks .github/workflows in the unit tests.
ACTIONLINT_VERSION=v1.7.12
# The platforms of the frontend image, released (.github/workflows/release.yml)
# and built by the local stack: every platform a builder may run on, since
# the frontend's binary also runs inside builds, on the build platform.
FRONTEND_PLATFORMS=linux/amd64,linux/arm64
# syft, the independent SBOM scanner the e2e tests cross-check go-app's SBOM with.
SYFT_VERSION=v1.57.1
# Bump when the way the tools are built changes: every cached build of them
# is then rebuilt.
TOOLS_RECIPE=1

if [[ ! $BUILDKIT_VERSION =~ ^v[0-9]+\.[0-9]+\.[0-9]+$ ]]; then
	echo "hack/versions.sh: no release of github.com/moby/buildkit in $REPO_ROOT/go.mod (found '$BUILDKIT_VERSION')" >&2
	exit 1
fi
