# Contender 3: the common naive Dockerfile: the whole context copied before
# the build, no module layer, no cache mounts, so any change to any file
# recompiles everything from an empty Go build cache and downloads every
# module again.
#
# It keeps --platform=$BUILDPLATFORM and cross-compiles, so that it measures
# the missing caching only; emulation is what contender 4 measures.
FROM --platform=$BUILDPLATFORM golang:1.26 AS build
WORKDIR /src
# Bench only: BuildKit leaves explicit cache mount ids out of its cache keys,
# and Go builds are reproducible, so without BENCH_CONTENDER (in the steps'
# environment and, with -X, in the binary) the bench's Dockerfiles would
# share build steps and layers with each other (the amd64 half of the QEMU
# build would be a cache hit of this file's).
ARG BENCH_CONTENDER=naive
COPY . .
ARG TARGETOS TARGETARCH MAIN=.
# Bench only: every contender builds with the same flags, go-app's defaults:
# -trimpath, -ldflags "-s -w" (no symbol table, no DWARF), CGO_ENABLED=0.
RUN CGO_ENABLED=0 GOOS=$TARGETOS GOARCH=$TARGETARCH go build -trimpath -ldflags="-s -w -X main.benchContender=$BENCH_CONTENDER" -o /out/app "$MAIN"

FROM scratch
COPY --from=build /out/app /app
ENTRYPOINT ["/app"]
