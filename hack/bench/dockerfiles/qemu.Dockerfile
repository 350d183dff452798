# Contender 4: the best-practice Dockerfile without --platform=$BUILDPLATFORM
# on the builder stage, as written by many: each target platform's builder
# runs that platform's toolchain image, so linux/arm64 compiles under QEMU
# user emulation on an amd64 machine. Everything else is as in
# bestpractice.Dockerfile (its own cache mount ids).
FROM golang:1.26 AS build
WORKDIR /src
# Bench only: BuildKit leaves explicit cache mount ids out of its cache keys,
# and Go builds are reproducible, so without BENCH_CONTENDER (in the steps'
# environment and, with -X, in the binary) the bench's Dockerfiles would
# share build steps and layers with each other (the amd64 half of the QEMU
# build would be a cache hit of this file's).
ARG BENCH_CONTENDER=qemu
RUN --mount=type=bind,source=go.mod,target=go.mod \
    --mount=type=bind,source=go.sum,target=go.sum \
    --mount=type=cache,id=bench-qemu-gomodcache,target=/go/pkg/mod \
    go mod download
ARG TARGETOS TARGETARCH MAIN=.
# Bench only: every contender builds with the same flags, go-app's defaults:
# -trimpath, -ldflags "-s -w" (no symbol table, no DWARF), CGO_ENABLED=0.
RUN --mount=type=bind,target=. \
    --mount=type=cache,id=bench-qemu-gomodcache,target=/go/pkg/mod \
    --mount=type=cache,id=bench-qemu-gocache,target=/root/.cache/go-build \
    CGO_ENABLED=0 GOOS=$TARGETOS GOARCH=$TARGETARCH \
    go build -trimpath -ldflags="-s -w -X main.benchContender=$BENCH_CONTENDER" -o /out/app "$MAIN"

FROM scratch
COPY --from=build /etc/ssl/certs/ca-certificates.crt /etc/ssl/certs/ca-certificates.crt
COPY --from=build /out/app /usr/local/bin/app
USER 65532:65532
ENTRYPOINT ["/usr/local/bin/app"]
