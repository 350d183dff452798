// Package spec defines go-app.yaml, the file a go-app build reads: its
// types (every field documented), strict loading with the position of every
// value, validation that reports all problems at once, and defaults.
//
// The smallest useful spec is one line besides the syntax line:
//
//	# syntax=goappfrontend/go-app:1
//	main: ./cmd/server
//
// # Every field
//
// A spec sets either main or binaries; everything else is optional.
//
//	# syntax=goappfrontend/go-app:1
//
//	# The one main package to build, relative to the module root ("./..."
//	# patterns are not allowed). The binary is named after its last path
//	# element ("server"); "." is named after the module path.
//	main: ./cmd/server
//
//	# Or, instead of main, several programs in one image. name defaults to
//	# the last path element of main; names must be unique plain file names.
//	# binaries:
//	#   - main: ./cmd/api
//	#   - name: worker-v2
//	#     main: ./cmd/worker
//
//	go:
//	  # Go version: 1.26, 1.26.3 or 1.27rc1. Default: the toolchain line of
//	  # go.mod (toolchain go1.26.3 gives 1.26.3), else the major.minor of its
//	  # go line (go 1.26.2 gives 1.26).
//	  version: "1.26"
//	  # Toolchain image. Default: docker.io/library/golang:<version>.
//	  image: golang:1.26
//
//	build:
//	  # Passed as -ldflags; the go command splits it, no shell sees it.
//	  ldflags: -s -w -X main.version=1.2.3
//	  # Build tags, passed as -tags=netgo,osusergo.
//	  tags: [netgo, osusergo]
//	  # Extra environment of go build. GOOS, GOARCH, GOARM, GOAMD64,
//	  # GOARM64, GO386 and CGO_ENABLED are set by go-app.
//	  env:
//	    GOEXPERIMENT: jsonv2
//	  # -trimpath (default true).
//	  trimpath: true
//	  # CGO_ENABLED=1 (default false); needs a runtime.base with a libc.
//	  cgo: false
//	  # Private modules: patterns matched against module path prefixes,
//	  # passed as GOPRIVATE (no public checksum database, no public proxy).
//	  # Credentials come from the build, never from this file:
//	  # --secret id=netrc,src=$HOME/.netrc and/or --ssh default.
//	  private: [example.com/private, "*.corp.example.com"]
//
//	# Target platforms when the build gets no --platform. Linux only:
//	# amd64 (v1 to v4), arm64, arm/v6, arm/v7, 386, ppc64le, s390x,
//	# riscv64, loong64 and mips64le. Default: the BuildKit worker's platform.
//	platforms: [linux/amd64, linux/arm64]
//
//	runtime:
//	  # scratch (default) or any image reference.
//	  base: scratch
//	  # "UID" or "UID:GID", numeric on scratch (default "65532:65532");
//	  # names like "app:app" need a base image that defines them.
//	  user: "65532:65532"
//	  # Absolute working directory (default /).
//	  workdir: /
//	  # The binary the image runs (default: the first one).
//	  entrypoint: server
//	  # Default arguments of the entrypoint.
//	  args: [--listen, ":8080"]
//	  # Environment of the image.
//	  env:
//	    TZ: UTC
//	  # Exposed ports: PORT or PORT/tcp, PORT/udp, PORT/sctp.
//	  ports: [8080, "53/udp"]
//	  # Files copied from the build context: src relative and inside the
//	  # context, dst absolute (a dst ending in / is a directory).
//	  files:
//	    - src: config/app.yaml
//	      dst: /etc/app/
//
//	# Image labels; --label values win over these.
//	labels:
//	  org.opencontainers.image.description: the example server
//
//	# The test target (--target test): go test, once, on the build platform,
//	# with the toolchain, module download, cache mounts, build.tags,
//	# build.trimpath and build.env of the build (no credentials: the module
//	# download has fetched every module the tests need).
//	test:
//	  # Packages to test, relative to the module root (default ./...).
//	  packages: [./...]
//	  # go test flags, each with its value after "=" (-run=TestAPI). -race,
//	  # -c, -o, -n, -args and -C are refused.
//	  flags: [-count=1, -short]
//	  # Environment of go test, on top of build.env. CGO_ENABLED, GOOS,
//	  # GOARCH, GOARM, GOAMD64, GOARM64 and GO386 are set by go-app.
//	  env:
//	    APP_ENV: test
//	  # -race with CGO_ENABLED=1 (default false): needs a C compiler in the
//	  # toolchain image, which the official golang images have.
//	  race: false
//
// Numbers and booleans written where a string is expected are read as the
// text they are written as (ports: [8080], version: 1.26, env values like
// PORT: 8080); trimpath and cgo must be true or false. Empty values (a key
// with nothing after it, ~ or null) leave a field unset. Anchors and aliases
// work; merge keys (<<) do not.
//
// # Using a spec
//
// A caller reads a spec in two steps:
//
//  1. Load parses go-app.yaml and checks it with Validate. Its error is
//     Errors: every unknown key (with the closest valid key as a
//     suggestion), value of the wrong type, duplicate key and invalid
//     value, each at its line and column.
//  2. FillDefaults sets what the spec leaves out, from go.mod and go-app's
//     defaults, and validates the result again: main becomes binaries[0],
//     every binary gets a name, go.version and go.image, runtime.base,
//     user, workdir and entrypoint, build.trimpath and test.packages are
//     set. Its errors (a missing or invalid go.mod, a duplicate binary name
//     that comes from the module path) are Errors too.
//
// After both, every binary has a name and main is empty. Spec.Source holds
// the file and the position of every value it set, for error messages of
// later steps. A Spec built in code can skip Load: FillDefaults validates
// it, with zero positions.
package spec
