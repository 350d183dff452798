// Package spec defines go-app.yaml, the file a go-app build reads: its
// types (every field documented), strict loading with the position of every
// value, validation that reports all problems at once, and defaults.
//
// The smallest spec is the syntax line alone: it builds the module's one
// main package (see Zero config). Naming the package takes one more line:
//
//	# syntax=goappfrontend/go-app:1
//	main: ./cmd/server
//
// # Every field
//
// Every field is optional. A spec sets main or binaries, not both; with
// neither, go-app finds the main package itself (see Zero config).
//
//	# syntax=goappfrontend/go-app:1
//
//	# The directory of the Go module, relative to the build context
//	# (default ".", the root). go build and go test run there; main,
//	# binaries and test.packages are relative to it. A go.work there or
//	# above is used as the go command uses it; replace directives may
//	# point at other directories of the context (see Monorepos).
//	module: .
//
//	# The one main package to build, relative to the module root ("./..."
//	# patterns are not allowed). The binary is named after its last path
//	# element ("server"); "." is named after the module path. Leave out
//	# main and binaries to build the module's only main package.
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
//	  # Or, instead of version, the toolchain image, whose Go builds.
//	  # Default: docker.io/library/golang:<version>.
//	  # image: golang:1.26
//
//	build:
//	  # Passed as -ldflags; the go command splits it, no shell sees it.
//	  # {{.Version}}, {{.Commit}}, {{.ShortCommit}}, {{.Source}} and
//	  # {{.Date}} are replaced by the build's values (see "Version
//	  # stamping" below).
//	  ldflags: -X main.version={{.Version}} -X main.commit={{.Commit}} -X main.date={{.Date}}
//	  # Build tags, passed as -tags=netgo,osusergo.
//	  tags: [netgo, osusergo]
//	  # More go build flags, each with its value after "=": -cover,
//	  # -covermode=..., -coverpkg=..., -race (needs cgo: true) and
//	  # -buildmode=exe or pie (pie needs a runtime.base with a libc).
//	  flags: [-cover]
//	  # Extra environment of go mod download, go build and go test. What
//	  # go-app sets (GOOS, GOARCH, CGO_ENABLED, the CPU level like GOAMD64,
//	  # GOTOOLCHAIN, PATH, GOCACHE, GOMODCACHE, HOME, NETRC, ...) cannot be
//	  # set here.
//	  env:
//	    GOEXPERIMENT: jsonv2
//	  # -ldflags "-s -w" before ldflags: no symbol table, no DWARF
//	  # (default true; false keeps them for debuggers).
//	  strip: true
//	  # -trimpath (default true).
//	  trimpath: true
//	  # CGO_ENABLED=1 (default false), with the distribution's gcc (a cross
//	  # gcc for another target) installed with apt: it needs a Debian
//	  # go.image, by default golang:<version>-bookworm.
//	  cgo: false
//	  # The C libraries, as Debian packages, installed for each target's
//	  # architecture with build.cgo, like [libsqlite3-dev].
//	  cgo_packages: []
//	  # static (default: -extldflags -static, netgo and osusergo, runs on
//	  # scratch) or dynamic (needs a runtime.base with glibc).
//	  cgo_link: static
//	  # Private modules: patterns matched against module path prefixes,
//	  # passed as GOPRIVATE (no public checksum database, no public proxy).
//	  # Credentials come from the build, never from this file:
//	  # --secret id=netrc,src=$HOME/.netrc and/or --ssh default.
//	  private: [example.com/private, "*.corp.example.com"]
//	  # Private modules in the module layer that --cache-to exports
//	  # (default false: a new builder downloads them again).
//	  cache_private: false
//	  # Tokens for HTTPS module servers, like a private GOPROXY (GOAUTH,
//	  # Go 1.24+): each from a build secret (default id goauth), like
//	  # --secret id=goauth,env=PROXY_TOKEN, sent as a Bearer token.
//	  goauth:
//	    - url: https://proxy.corp.example.com/
//	      secret: goauth
//
//	# Target platforms when the build gets no --platform. Linux only:
//	# amd64 (v1 to v4), arm64, arm/v6, arm/v7, 386, ppc64le, s390x,
//	# riscv64, loong64 and mips64le. Default: the BuildKit worker's platform.
//	platforms: [linux/amd64, linux/arm64]
//
//	runtime:
//	  # scratch (default) or any image reference. On an image, the labels
//	  # org.opencontainers.image.base.name and base.digest name it and the
//	  # digest it was pinned to.
//	  base: scratch
//	  # "UID" or "UID:GID", numeric on scratch (default "65532:65532");
//	  # names like "app:app" need a base image that defines them.
//	  user: "65532:65532"
//	  # Absolute working directory (default /).
//	  workdir: /
//	  # The binary the image runs (default: the first one).
//	  entrypoint: server
//	  # File capabilities of the entrypoint binary (setcap ...=+ep), like
//	  # binding a port below 1024 as a user other than root.
//	  capabilities: [cap_net_bind_service]
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
//	  # The image's health check (Dockerfile HEALTHCHECK), run directly, in
//	  # exec form: command's first element is a binary's name (run from
//	  # /usr/local/bin) or an absolute path. Go durations; a duration or
//	  # retries left out takes the engine's default.
//	  healthcheck:
//	    command: [server, health]
//	    interval: 30s
//	    timeout: 5s
//	    start_period: 10s
//	    start_interval: 1s
//	    retries: 3
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
// PORT: 8080); strip, trimpath, cgo and test.race must be true or false,
// runtime.healthcheck.retries a whole number. Empty values (a key with
// nothing after it, ~ or null) leave a field unset. Anchors and aliases
// work; merge keys (<<) do not.
//
// A file holds one YAML document, of at most 1 MiB (MaxFileBytes) and
// 100,000 lines, commas, colons, dashes and brackets (MaxFileNodes). Once
// its aliases are expanded it holds at most 10,000 keys and values
// (MaxValues) of at most 1 MiB together (MaxExpandedBytes), none longer
// than 64 KiB (MaxValueBytes); a file name or path element at most 255
// bytes, a path 4096 and an image reference 1024. No value holds a NUL
// byte, and only arguments, environment values, labels and build.ldflags
// hold tabs and line breaks, no other control character. go-app reports
// the first 50 problems of a file (MaxErrors) and how many more there
// are. At most 100 binaries (MaxBinaries) go in one image, and
// build.ldflags, build.tags, build.flags, build.private, build.env and
// build.goauth add up to at most 64 KiB (MaxBuildBytes), as every go build
// step carries them. These limits keep what any file can cost a shared
// builder small: the LLB of one platform stays under 16 MiB and its image
// config under 4 MiB. A real spec is a hundred times smaller.
//
// # Zero config
//
// A spec without main and binaries (only the syntax line, comments, an
// empty document, or other keys only) builds the module's one main
// package, which go-app finds in the build context before it fills the
// defaults. It reads the package clause of the .go files at the module
// root and in the directories of ./cmd (./cmd/NAME), and builds:
//
//   - the module root (main: "."), when it is a main package, even if
//     ./cmd holds main packages too: the root is what `go build` and
//     `go install` build, and ./cmd then usually holds development tools;
//   - else the one main package ./cmd/NAME.
//
// Several main packages under ./cmd (listed, sorted) or none are an error
// at the top of the file that asks for main or binaries.
//
// Only files `go build` compiles for linux count: not _test.go files,
// not files whose names start with "_" or ".", not files whose name suffix
// (x_windows.go) or //go:build line rules linux out on every architecture
// go-app builds for. Tags in build.tags count as set, cgo as build.cgo,
// release and goexperiment tags as either; any other tag is unset, as in
// `go build`, so //go:build ignore files never count. Deeper directories
// (./cmd/NAME/sub, ./internal/...) are not looked at. A spec that sets
// main or binaries reads nothing for this.
//
// # Monorepos
//
// module names the directory of the module to build when it is not the
// root of the build context (services/api). The build context must hold
// every module the build compiles from source: go-app sends the whole
// context, and the go commands run in /src/<module>. A go.work file in the
// module directory or above it makes the build a workspace build (unless
// build.env sets GOWORK=off); module may then be the workspace root, with
// main naming a package of one of its modules (./services/api). Zero
// config then looks at the root and ./cmd/NAME of every workspace module
// and builds the one main package it finds. replace directives of go.mod
// (and go.work) that point at directories (../../lib) must point inside
// the context at a directory with a go.mod; `--call check` reports one
// that does not, at its line of go.mod or go.work, and so for a use
// directive of go.work. The module download step sees only the go.mod,
// go.sum, go.work and go.work.sum files of the context, so a .go edit in
// any module never downloads again. A workspace vendored with `go work
// vendor` (vendor/modules.txt next to go.work) builds without a download,
// like a vendored module.
//
// # Version stamping
//
// build.ldflags is a Go text/template that may hold only text, variables
// written {{.Name}}, and string constants like {{"{{"}} for literal braces
// (no functions, conditions or pipelines). The variables (LdflagsVars):
//
//   - {{.Version}}: the VERSION build argument, as given (a leading "v" is
//     kept); "dev" without one. buildx sends no git tag: pass it, like
//     --build-arg VERSION=$(git describe --tags).
//   - {{.Commit}}: the full commit hash buildx sends for a build context
//     in a git work tree (vcs:revision); "none" without one.
//   - {{.ShortCommit}}: its first 7 characters; "none" without one.
//   - {{.Source}}: the URL of the git remote (vcs:source); empty without.
//   - {{.Date}}: SOURCE_DATE_EPOCH as RFC 3339 in UTC, like
//     2023-11-14T22:13:20Z; without it 1970-01-01T00:00:00Z, never the
//     build time, so that the same source keeps the same -ldflags and the
//     go command's build cache.
//
// The same values, when the build gives them, become the labels
// org.opencontainers.image.version, revision, source and created. An
// unknown variable is an error at the position of build.ldflags, as is a
// value that holds spaces or quotes (the go command would split -ldflags
// there).
//
// # Using a spec
//
// A caller reads a spec in two steps:
//
//  1. Load parses go-app.yaml and checks it with Validate. Its error is
//     Errors: every unknown key (with the closest valid key as a
//     suggestion), value of the wrong type, duplicate key and invalid
//     value, each at its line and column and with the Rule it breaks.
//  2. FillDefaults sets what the spec leaves out, from go.mod and go-app's
//     defaults, and validates the result again: main becomes binaries[0],
//     every binary gets a name, go.version and go.image, runtime.base,
//     user, workdir and entrypoint, build.strip, build.trimpath and
//     test.packages are set. Its errors (a missing or invalid go.mod, a
//     duplicate binary name that comes from the module path) are Errors
//     too. A spec without main and binaries must get its Main first (the
//     frontend sets the package it found in the build context);
//     FillDefaults reports one that still builds nothing.
//
// After both, every binary has a name and main is empty. Spec.Source holds
// the file and the position of every value it set, for error messages of
// later steps. A Spec built in code can skip Load: FillDefaults validates
// it, with zero positions.
package spec
