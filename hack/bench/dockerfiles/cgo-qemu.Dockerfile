# Contender for cgo apps: the common Dockerfile for a Go module that links C
# libraries. The builder stage has no --platform=$BUILDPLATFORM: each target
# platform's builder runs that platform's golang image with its own gcc and
# C libraries, so on an amd64 machine the linux/arm64 half (apt, the
# compiler, gcc, the linker) runs under QEMU user emulation. Otherwise as
# cgo-cross.Dockerfile: cache mounts for apt and Go, a module download
# layer, a static binary on scratch (its own cache mount ids).
#
#   docker buildx build -f cgo-qemu.Dockerfile --platform linux/amd64,linux/arm64 \
#     --build-arg CGO_PACKAGES=libsqlite3-dev --build-arg TAGS=libsqlite3,netgo,osusergo APPDIR
FROM golang:1.26-bookworm AS build
# Bench only: BuildKit leaves explicit cache mount ids out of its cache keys,
# and Go builds are reproducible, so without BENCH_CONTENDER (in the steps'
# environment and, with -X, in the binary) the bench's Dockerfiles would
# share build steps and layers with each other.
ARG BENCH_CONTENDER=cgo-qemu
# The C packages of the app, as Debian names them (bench: from the app's
# go-app.yaml, build.cgo_packages).
ARG CGO_PACKAGES
RUN --mount=type=cache,id=bench-cgo-qemu-apt-cache,target=/var/cache/apt,sharing=locked \
    --mount=type=cache,id=bench-cgo-qemu-apt-lib,target=/var/lib/apt,sharing=locked \
    set -eu; \
    rm -f /etc/apt/apt.conf.d/docker-clean; \
    echo 'Binary::apt::APT::Keep-Downloaded-Packages "true";' >/etc/apt/apt.conf.d/keep-cache; \
    apt-get update; \
    DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends gcc libc6-dev $CGO_PACKAGES
WORKDIR /src
RUN --mount=type=bind,source=go.mod,target=go.mod \
    --mount=type=bind,source=go.sum,target=go.sum \
    --mount=type=cache,id=bench-cgo-qemu-gomodcache,target=/go/pkg/mod \
    go mod download
ARG MAIN=. TAGS
# Bench only: every contender builds with the same flags, go-app's defaults
# for cgo: a static link by gcc with libm last, the tags netgo and osusergo
# (in TAGS), -trimpath, -ldflags "-s -w".
RUN --mount=type=bind,target=. \
    --mount=type=cache,id=bench-cgo-qemu-gomodcache,target=/go/pkg/mod \
    --mount=type=cache,id=bench-cgo-qemu-gocache,target=/root/.cache/go-build \
    CGO_ENABLED=1 go build -trimpath -tags="$TAGS" \
        -ldflags="-s -w -linkmode external -extldflags '-static -lm' -X main.benchContender=$BENCH_CONTENDER" \
        -o /out/app "$MAIN"

FROM scratch
COPY --from=build /etc/ssl/certs/ca-certificates.crt /etc/ssl/certs/ca-certificates.crt
COPY --from=build /out/app /usr/local/bin/app
USER 65532:65532
ENTRYPOINT ["/usr/local/bin/app"]
