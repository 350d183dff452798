# Contender for cgo apps: a cross-compiling Dockerfile for a Go module that
# links C libraries, written by hand the best-practice way. The builder runs
# on the build platform; Debian's gcc builds for the build platform's
# architecture and its cross gcc (gcc-aarch64-linux-gnu) for another, with
# the target's C libraries from Debian's multiarch packages
# (libsqlite3-dev:arm64), so nothing runs under emulation. apt's downloads
# and lists, GOMODCACHE and GOCACHE are cache mounts; module downloads depend
# on go.mod/go.sum only; the binary links statically and the image is
# scratch.
#
#   docker buildx build -f cgo-cross.Dockerfile --platform linux/amd64,linux/arm64 \
#     --build-arg CGO_PACKAGES=libsqlite3-dev --build-arg TAGS=libsqlite3,netgo,osusergo APPDIR
FROM --platform=$BUILDPLATFORM golang:1.26-bookworm AS build
# Bench only: BuildKit leaves explicit cache mount ids out of its cache keys,
# and Go builds are reproducible, so without BENCH_CONTENDER (in the steps'
# environment and, with -X, in the binary) the bench's Dockerfiles would
# share build steps and layers with each other.
ARG BENCH_CONTENDER=cgo-cross
ARG TARGETOS TARGETARCH
# The C packages of the app, as Debian names them (bench: from the app's
# go-app.yaml, build.cgo_packages).
ARG CGO_PACKAGES
# The C toolchain for the target, and the C libraries for its architecture.
# The official image deletes downloaded packages after every install
# (docker-clean); keep them in the cache mount instead.
RUN --mount=type=cache,id=bench-cgo-cross-apt-cache,target=/var/cache/apt,sharing=locked \
    --mount=type=cache,id=bench-cgo-cross-apt-lib,target=/var/lib/apt,sharing=locked \
    set -eu; \
    rm -f /etc/apt/apt.conf.d/docker-clean; \
    echo 'Binary::apt::APT::Keep-Downloaded-Packages "true";' >/etc/apt/apt.conf.d/keep-cache; \
    if [ "$TARGETARCH" = "$(dpkg --print-architecture)" ]; then \
        pkgs="gcc libc6-dev $CGO_PACKAGES"; \
    else \
        case "$TARGETARCH" in \
        arm64) cross=aarch64-linux-gnu ;; \
        amd64) cross=x86-64-linux-gnu ;; \
        *) echo "no cross gcc for $TARGETARCH in this Dockerfile" >&2; exit 1 ;; \
        esac; \
        dpkg --add-architecture "$TARGETARCH"; \
        pkgs="gcc-$cross libc6-dev:$TARGETARCH"; \
        for p in $CGO_PACKAGES; do pkgs="$pkgs $p:$TARGETARCH"; done; \
    fi; \
    apt-get update; \
    DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends $pkgs
WORKDIR /src
RUN --mount=type=bind,source=go.mod,target=go.mod \
    --mount=type=bind,source=go.sum,target=go.sum \
    --mount=type=cache,id=bench-cgo-cross-gomodcache,target=/go/pkg/mod \
    go mod download
ARG MAIN=. TAGS
# Bench only: every contender builds with the same flags, go-app's defaults
# for cgo: a static link by gcc with libm last, the tags netgo and osusergo
# (in TAGS), -trimpath, -ldflags "-s -w".
RUN --mount=type=bind,target=. \
    --mount=type=cache,id=bench-cgo-cross-gomodcache,target=/go/pkg/mod \
    --mount=type=cache,id=bench-cgo-cross-gocache,target=/root/.cache/go-build \
    set -eu; \
    case "$TARGETARCH" in \
    amd64) triplet=x86_64-linux-gnu ;; \
    arm64) triplet=aarch64-linux-gnu ;; \
    *) echo "no cross gcc for $TARGETARCH in this Dockerfile" >&2; exit 1 ;; \
    esac; \
    CGO_ENABLED=1 GOOS=$TARGETOS GOARCH=$TARGETARCH CC=$triplet-gcc \
    PKG_CONFIG_LIBDIR=/usr/lib/$triplet/pkgconfig:/usr/share/pkgconfig \
    go build -trimpath -tags="$TAGS" \
        -ldflags="-s -w -linkmode external -extldflags '-static -lm' -X main.benchContender=$BENCH_CONTENDER" \
        -o /out/app "$MAIN"

FROM scratch
COPY --from=build /etc/ssl/certs/ca-certificates.crt /etc/ssl/certs/ca-certificates.crt
COPY --from=build /out/app /usr/local/bin/app
USER 65532:65532
ENTRYPOINT ["/usr/local/bin/app"]
