package spec

// DefaultFilename is the name BuildKit's -f/--file usually points at.
const DefaultFilename = "go-app.yaml"

// Defaults applied by FillDefaults.
const (
	DefaultBase        = "scratch"
	DefaultUser        = "65532:65532"
	DefaultWorkdir     = "/"
	DefaultImageRepo   = "docker.io/library/golang"
	DefaultBinaryDir   = "/usr/local/bin"
	DefaultRuntimePATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
	// DefaultCgoSuite is the Debian release of the default toolchain image
	// of a cgo build: docker.io/library/golang:<go.version>-bookworm.
	DefaultCgoSuite = "bookworm"
)

// How cgo binaries link (Build.CgoLink).
const (
	CgoLinkStatic  = "static"
	CgoLinkDynamic = "dynamic"
)

// Spec is the whole go-app.yaml.
type Spec struct {
	// Module is the directory of the Go module to build, relative to the
	// build context, like "services/api" (default ".", the context root).
	// The go commands run there: main, binaries and test.packages are
	// relative to it, zero config looks for the main package there, and
	// go.mod is read from it. A go.work in it or in a directory above it
	// (inside the context) makes the build a workspace build, as the go
	// command does: Module may then also be the workspace root, without a
	// go.mod, with main naming a package of a workspace module, like
	// ./services/api. replace directives may point at other directories
	// of the context, like ../../lib. Every module the build compiles from
	// source must be inside the build context.
	Module string `yaml:"module,omitempty" json:"module,omitempty"`

	// Main is the import path (relative to the module root, like "./cmd/server"
	// or ".") of the one main package to build. The binary is named after its
	// last path element (the module name for "."). Use Binaries instead to
	// build several programs into one image.
	Main string `yaml:"main,omitempty" json:"main,omitempty"`

	// Binaries lists several programs to build into the image, at most 100
	// (MaxBinaries). The first one is the image's entrypoint unless
	// Runtime.Entrypoint names another.
	Binaries []Binary `yaml:"binaries,omitempty" json:"binaries,omitempty"`

	// Go selects the Go toolchain that compiles the program.
	Go Go `yaml:"go,omitempty" json:"go,omitempty"`

	// Build holds the options of `go build`.
	Build Build `yaml:"build,omitempty" json:"build,omitempty"`

	// Platforms are the target platforms ("linux/amd64", "linux/arm/v7", ...)
	// built when the caller passes no --platform. Default: the platform of the
	// BuildKit worker.
	Platforms []string `yaml:"platforms,omitempty" json:"platforms,omitempty"`

	// Runtime describes the image the program runs in.
	Runtime Runtime `yaml:"runtime,omitempty" json:"runtime,omitempty"`

	// Labels are added to the image config. The caller's --label values win
	// over these; both win over the org.opencontainers.image.* labels go-app
	// sets itself.
	Labels map[string]string `yaml:"labels,omitempty" json:"labels,omitempty"`

	// Test holds the options of the test target (`--target test`), which
	// runs `go test` once, on the build platform.
	Test Test `yaml:"test,omitempty" json:"test,omitempty"`

	// Source records where each value was found in the file; filled by Load.
	Source SourceInfo `yaml:"-" json:"-"`
}

// Binary is one program built into the image.
type Binary struct {
	// Name is the file name of the binary in the image (in /usr/local/bin),
	// at most 255 bytes. Default: the last path element of Main.
	Name string `yaml:"name,omitempty" json:"name,omitempty"`

	// Main is the main package to build, relative to the module root, like
	// "./cmd/api".
	Main string `yaml:"main" json:"main"`

	// Pos is where this binary is declared in the file; filled by Load.
	Pos Position `yaml:"-" json:"-"`
}

// Go selects the Go toolchain.
type Go struct {
	// Version is the Go version to build with, like "1.26" or "1.26.3".
	// Default: the toolchain line of go.mod if it has one, else the
	// major.minor of its go line.
	Version string `yaml:"version,omitempty" json:"version,omitempty"`

	// Image is the toolchain image reference; its Go builds, so Version
	// must then be left out. Default: docker.io/library/golang:<Version>. It always runs on the build
	// platform; a `--build-context <image>=...` named context replaces it
	// the same way it replaces a FROM image in a Dockerfile.
	Image string `yaml:"image,omitempty" json:"image,omitempty"`
}

// Build holds the options passed to `go build`.
type Build struct {
	// Ldflags is passed as -ldflags; the go command splits it (quotes work as
	// in the go command), no shell sees it. Example: "-X main.version=1.2.3".
	// It is a template: {{.Version}}, {{.Commit}}, {{.ShortCommit}},
	// {{.Source}} and {{.Date}} are replaced by the build's values (see
	// LdflagsVars), like "-X main.version={{.Version}}".
	Ldflags string `yaml:"ldflags,omitempty" json:"ldflags,omitempty"`

	// Tags are the build tags, passed as -tags=a,b.
	Tags []string `yaml:"tags,omitempty" json:"tags,omitempty"`

	// Env is extra environment for `go mod download`, `go build` and `go test`,
	// like GOEXPERIMENT, GOFLAGS or GOPROXY. The compile of the dependencies
	// ahead gets it too, so that the dependency layer matches.
	// GOEXPERIMENT is a comma-separated list of experiments, like
	// jsonv2,greenteagc. GOFIPS140 (latest, a module version like v1.0.0,
	// inprocess, certified or off) builds in FIPS 140-3 mode: it needs Go
	// 1.24 or later (an older Go, which would ignore it, is an error), and
	// every binary is checked to carry it in its build info.
	// What go-app sets cannot be set here: GOOS, GOARCH and CGO_ENABLED;
	// the CPU level of every architecture (GOAMD64, GOARM, GOARM64, GO386,
	// GOPPC64, GORISCV64, GOMIPS64, GOMIPS, GOWASM), which comes from the
	// target platform's variant; GOTOOLCHAIN, GOROOT and PATH (the
	// toolchain image's Go builds); GOCACHE, GOMODCACHE and GOCACHEPROG
	// (go-app's cache mounts); HOME, NETRC and SSH_AUTH_SOCK (the
	// credentials of --secret id=netrc and --ssh). Ldflags, Tags, Flags,
	// Private and Env add up to at most 64 KiB (MaxBuildBytes).
	Env map[string]string `yaml:"env,omitempty" json:"env,omitempty"`

	// Strip passes -ldflags "-s -w" before Ldflags (default true): no symbol
	// table and no DWARF debug information, about 30% smaller binaries,
	// faster links and pushes. Panics and profiles keep their function names
	// and lines; set false for a debugger like Delve.
	Strip *bool `yaml:"strip,omitempty" json:"strip,omitempty"`

	// Trimpath passes -trimpath (default true), which also makes builds
	// reproducible.
	Trimpath *bool `yaml:"trimpath,omitempty" json:"trimpath,omitempty"`

	// Flags are go build flags that go-app does not set itself, each one
	// item with its value after "=": -cover, -covermode=set|count|atomic,
	// -coverpkg=PATTERNS, -race (with build.cgo: true, which the race
	// detector needs) and -buildmode=exe or -buildmode=pie (a PIE binary
	// needs the dynamic loader: a runtime.base with a libc, not scratch).
	// They reach every go build step and the step that compiles the
	// dependencies ahead, so that the dependency layer still matches. The
	// test target does not get them (see test.flags and test.race).
	Flags []string `yaml:"flags,omitempty" json:"flags,omitempty"`

	// Cgo sets CGO_ENABLED=1 (default false) and builds with the C
	// toolchain of the toolchain image's distribution, installed with apt:
	// gcc for the build platform, the distribution's cross gcc (like
	// gcc-aarch64-linux-gnu) for another target, with CC, CXX, PKG_CONFIG
	// and PKG_CONFIG_LIBDIR set for the target. It needs a Debian-based
	// go.image; the default is then docker.io/library/golang:<version>-bookworm
	// (DefaultCgoSuite), so that package names do not change with Go.
	// Binaries link statically by default (see CgoLink), so scratch stays
	// the runtime base.
	Cgo bool `yaml:"cgo,omitempty" json:"cgo,omitempty"`

	// CgoPackages are the C libraries to build against, as packages of the
	// toolchain image's distribution: Debian -dev packages like
	// libsqlite3-dev or librocksdb-dev, at most 100 (MaxCgoPackages). They
	// are installed for each target platform's architecture (multiarch,
	// libsqlite3-dev:arm64), in a layer keyed on this list and the
	// toolchain image: a change of the Go source never installs them again.
	// Plain names only: no architecture (":arm64") and no version ("=3.40").
	CgoPackages []string `yaml:"cgo_packages,omitempty" json:"cgo_packages,omitempty"`

	// CgoLink is how cgo binaries link: "static" (default) passes
	// -linkmode external -extldflags -static and the tags netgo and
	// osusergo, so that the binary needs no libc and runs on scratch;
	// "dynamic" links against the shared C libraries, which the runtime
	// image must then have: a runtime.base with glibc, like
	// gcr.io/distroless/base-debian12 or debian:12-slim.
	CgoLink string `yaml:"cgo_link,omitempty" json:"cgo_link,omitempty"`

	// Private are the module path patterns of private modules, like
	// "example.com/private" or "*.corp.example.com": globs matched against
	// module path prefixes, as described by `go help module-private`. They
	// become GOPRIVATE (comma-joined) of `go mod download` and `go build`, so
	// these modules skip the public checksum database and are fetched from
	// their version control server, or from a private GOPROXY set in Env
	// together with GONOPROXY: none.
	//
	// Credentials never go in the spec: the download and build steps (and no
	// other) read a netrc file from the build secret "netrc"
	// (`--secret id=netrc,src=$HOME/.netrc`) and reach the SSH agent of
	// `--ssh default`; both are optional.
	Private []string `yaml:"private,omitempty" json:"private,omitempty"`

	// CachePrivate puts private modules (those Private or GOPRIVATE in Env
	// match) in the module layer that `--cache-to ...,mode=max` exports
	// (default false). go-app keeps the downloaded modules and the compiled
	// dependencies in layers so that a new builder with `--cache-from`
	// skips the download and the compile; private modules are left out of
	// them and downloaded again by such a builder, with the credentials,
	// unless the exported cache is as private as the source and this is
	// true. Credentials are never in a layer either way.
	CachePrivate bool `yaml:"cache_private,omitempty" json:"cache_private,omitempty"`

	// GoAuth sends a token from a build secret to an HTTPS server the go
	// command fetches modules from, like a private GOPROXY: GOAUTH (Go
	// 1.24 and later) as an alternative to a netrc file. The module
	// download and go build steps (and no other) get the secrets mounted
	// and GOAUTH set to "netrc;" (a netrc secret keeps working) and a
	// command of the frontend binary that prints the tokens; a secret the
	// build does not pass sends no token. GOAUTH cannot then be set in Env
	// too.
	GoAuth []GoAuth `yaml:"goauth,omitempty" json:"goauth,omitempty"`
}

// GoAuth is one token for the go command's HTTPS requests (GOAUTH).
type GoAuth struct {
	// URL is the prefix of the URLs that get the token, like
	// "https://proxy.corp.example.com/": https only, no spaces or ";".
	URL string `yaml:"url" json:"url"`

	// Secret is the id of the build secret holding the token (default
	// "goauth"), passed like `--secret id=goauth,env=PROXY_TOKEN`. A bare
	// token is sent as "Authorization: Bearer TOKEN"; a value with a
	// scheme, like "Basic dXNlcjpwYXNz", is sent as it is.
	Secret string `yaml:"secret,omitempty" json:"secret,omitempty"`

	// Pos is where this entry is declared; filled by Load.
	Pos Position `yaml:"-" json:"-"`
}

// DefaultGoAuthSecret is the build secret of a build.goauth entry that
// names none.
const DefaultGoAuthSecret = "goauth"

// Runtime describes the image the program runs in.
type Runtime struct {
	// Base is the runtime base image: "scratch" (default) or any image
	// reference. On scratch go-app adds CA certificates, zoneinfo,
	// /etc/passwd, /etc/group and /tmp. On an image, the labels
	// org.opencontainers.image.base.name and base.digest record the
	// reference (normalised) and the digest it was pinned to.
	Base string `yaml:"base,omitempty" json:"base,omitempty"`

	// User the program runs as, "UID" or "UID:GID" (default "65532:65532").
	// On scratch it must be numeric; go-app writes the matching passwd and
	// group entries ("nonroot").
	User string `yaml:"user,omitempty" json:"user,omitempty"`

	// Workdir is the working directory of the program (default "/").
	Workdir string `yaml:"workdir,omitempty" json:"workdir,omitempty"`

	// Entrypoint names the binary (one of Binaries' names) the image runs.
	// Default: the first binary.
	Entrypoint string `yaml:"entrypoint,omitempty" json:"entrypoint,omitempty"`

	// Capabilities are Linux file capabilities of the entrypoint binary,
	// like [cap_net_bind_service] for a server that runs as a user other
	// than root and listens on a port below 1024. They are written as the
	// security.capability extended attribute of the binary in the image's
	// layer, permitted and effective, as `setcap cap_net_bind_service=+ep`
	// does; the container must allow them (Docker's default capability
	// set has cap_net_bind_service). The binaries target and the other
	// binaries get none.
	Capabilities []string `yaml:"capabilities,omitempty" json:"capabilities,omitempty"`

	// Args are the default arguments of the entrypoint (the image's Cmd).
	Args []string `yaml:"args,omitempty" json:"args,omitempty"`

	// Env is added to the image's environment.
	Env map[string]string `yaml:"env,omitempty" json:"env,omitempty"`

	// Ports are exposed ports: 8080, "8080/tcp" or "53/udp".
	Ports []string `yaml:"ports,omitempty" json:"ports,omitempty"`

	// Files are extra files or directories copied from the build context into
	// the image.
	Files []File `yaml:"files,omitempty" json:"files,omitempty"`

	// Healthcheck is how a container engine checks that the program is
	// healthy: the image config's Healthcheck (Dockerfile HEALTHCHECK).
	Healthcheck Healthcheck `yaml:"healthcheck,omitempty" json:"healthcheck,omitempty"`
}

// Healthcheck is the image's health check. It runs a command in the
// container, directly (exec form: scratch has no shell); exit status 0
// means healthy, anything else unhealthy. Durations are Go durations like
// "30s" or "1m30s"; a duration or retries left out (or 0) takes the
// engine's default (Docker: interval 30s, timeout 30s, start_period 0,
// start_interval 5s, retries 3).
type Healthcheck struct {
	// Command is the check: its first element is one of the binaries'
	// names (run from /usr/local/bin) or an absolute path in the image,
	// the rest its arguments, like [server, health]. On scratch an
	// absolute path must be one go-app puts there: a binary's or one of
	// runtime.files.
	Command []string `yaml:"command,omitempty" json:"command,omitempty"`

	// Interval is the time between two checks.
	Interval string `yaml:"interval,omitempty" json:"interval,omitempty"`

	// Timeout is how long a check may run before it counts as failed.
	Timeout string `yaml:"timeout,omitempty" json:"timeout,omitempty"`

	// StartPeriod is the time the program gets to start: failed checks
	// during it do not count.
	StartPeriod string `yaml:"start_period,omitempty" json:"start_period,omitempty"`

	// StartInterval is the time between two checks during StartPeriod.
	StartInterval string `yaml:"start_interval,omitempty" json:"start_interval,omitempty"`

	// Retries is how many checks in a row must fail for the container to
	// be unhealthy.
	Retries int `yaml:"retries,omitempty" json:"retries,omitempty"`
}

// File is a file or directory copied from the build context into the image.
type File struct {
	// Src is a path in the build context, relative, inside the context.
	Src string `yaml:"src" json:"src"`
	// Dst is the absolute path in the image. A Dst ending in "/" is a
	// directory that receives Src under its own name. It must not be a
	// binary's path, which the copy would replace.
	Dst string `yaml:"dst" json:"dst"`

	// Pos is where this file is declared; filled by Load.
	Pos Position `yaml:"-" json:"-"`
}

// Position is a place in go-app.yaml, 1-based. The zero Position means
// "not in the file" (a default).
type Position struct {
	Line   int
	Column int
}

// SourceInfo is the file a Spec was loaded from.
type SourceInfo struct {
	// Filename is the name used in error messages.
	Filename string
	// Data is the file's content.
	Data []byte
	// Positions maps a dotted key path ("main", "build.ldflags",
	// "binaries.1.main", "runtime.env.TZ") to where its value starts.
	Positions map[string]Position
}

// Pos returns where the value at a dotted key path starts, or the zero
// Position.
func (s SourceInfo) Pos(path string) Position {
	return s.Positions[path]
}

// DefaultTestPackages are the packages the test target tests when
// test.packages is not set.
var DefaultTestPackages = []string{"./..."}

// Test holds the options of `go test` for the test target. The test target
// uses the toolchain, module download, cache mounts, build.tags,
// build.trimpath and build.env of the build; it runs on the build platform
// (never emulated), once whatever --platform says.
type Test struct {
	// Packages are the packages to test, relative to the module root:
	// "./...", "./internal/...", ".". Default: ["./..."]; at the root of
	// a go.work workspace without a go.mod, where ./... matches nothing,
	// "./DIR/..." of each workspace module.
	Packages []string `yaml:"packages,omitempty" json:"packages,omitempty"`

	// Flags are extra flags of `go test`, each one item with its value
	// after "=": ["-count=1", "-short", "-run=TestAPI", "-timeout=5m"].
	// A -tags here replaces build.tags for the tests (the go command takes
	// the last one).
	Flags []string `yaml:"flags,omitempty" json:"flags,omitempty"`

	// Env is extra environment of `go test`, on top of build.env.
	Env map[string]string `yaml:"env,omitempty" json:"env,omitempty"`

	// Race runs the tests with the race detector (-race), which needs cgo:
	// CGO_ENABLED=1 and a C compiler in the toolchain image (the official
	// golang images have gcc).
	Race bool `yaml:"race,omitempty" json:"race,omitempty"`
}
