# Builds the go-app frontend image: a static binary in scratch, with the
# labels BuildKit reads from a gateway frontend image.
ARG GO_VERSION=1.26

FROM --platform=$BUILDPLATFORM golang:${GO_VERSION} AS build
WORKDIR /src
ARG TARGETOS TARGETARCH TARGETVARIANT
RUN --mount=type=bind,source=go.mod,target=go.mod \
    --mount=type=bind,source=go.sum,target=go.sum \
    --mount=type=cache,target=/go/pkg/mod \
    go mod download
RUN --mount=type=bind,target=. \
    --mount=type=cache,target=/go/pkg/mod \
    --mount=type=cache,target=/root/.cache/go-build \
    CGO_ENABLED=0 GOOS=$TARGETOS GOARCH=$TARGETARCH GOARM=${TARGETVARIANT#v} \
    go build -trimpath -ldflags=-s -o /out/go-app-frontend ./cmd/go-app-frontend

FROM scratch
LABEL moby.buildkit.frontend.network.none="true"
LABEL moby.buildkit.frontend.caps="moby.buildkit.frontend.inputs,moby.buildkit.frontend.subrequests,moby.buildkit.frontend.contexts"
LABEL org.opencontainers.image.title="go-app" \
      org.opencontainers.image.description="BuildKit frontend: go-app.yaml to a multi-platform Go container image"
COPY --from=build /out/go-app-frontend /bin/go-app-frontend
ENTRYPOINT ["/bin/go-app-frontend"]
