# Contender 2: the best-practice Dockerfile for a Go module, the way the
# Docker and Go documentation recommend it. The builder runs on the build
# platform and cross-compiles; module downloads depend on go.mod/go.sum only;
# GOMODCACHE and GOCACHE are cache mounts; the image is scratch with the
# binary, CA certificates from the builder and a non-root user.
#
#   docker buildx build -f bestpractice.Dockerfile --build-arg MAIN=./cmd/hello APPDIR
FROM --platform=$BUILDPLATFORM golang:1.26 AS build
WORKDIR /src
# Bench only: BuildKit leaves explicit cache mount ids out of its cache keys,
# and Go builds are reproducible, so without BENCH_CONTENDER (in the steps'
# environment and, with -X, in the binary) the bench's Dockerfiles would
# share build steps and layers with each other (the amd64 half of the QEMU
# build would be a cache hit of this file's).
ARG BENCH_CONTENDER=bestpractice
RUN --mount=type=bind,source=go.mod,target=go.mod \
    --mount=type=bind,source=go.sum,target=go.sum \
    --mount=type=cache,id=bench-bp-gomodcache,target=/go/pkg/mod \
    go mod download
ARG TARGETOS TARGETARCH MAIN=.
# Bench only: every contender builds with the same flags, go-app's defaults:
# -trimpath, -ldflags "-s -w" (no symbol table, no DWARF), CGO_ENABLED=0.
RUN --mount=type=bind,target=. \
    --mount=type=cache,id=bench-bp-gomodcache,target=/go/pkg/mod \
    --mount=type=cache,id=bench-bp-gocache,target=/root/.cache/go-build \
    CGO_ENABLED=0 GOOS=$TARGETOS GOARCH=$TARGETARCH \
    go build -trimpath -ldflags="-s -w -X main.benchContender=$BENCH_CONTENDER" -o /out/app "$MAIN"

FROM scratch
COPY --from=build /etc/ssl/certs/ca-certificates.crt /etc/ssl/certs/ca-certificates.crt
COPY --from=build /out/app /usr/local/bin/app
USER 65532:65532
ENTRYPOINT ["/usr/local/bin/app"]
