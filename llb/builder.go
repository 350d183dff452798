package llb

import (
	"cmp"
	"path"
	"strings"

	"github.com/goappfrontend/go-app/spec"
	"github.com/moby/buildkit/client/llb"
	ocispecs "github.com/opencontainers/image-spec/specs-go/v1"
)

// ModFilePatterns select the files `go mod download` depends on. Only these
// are copied into the download step, so editing a .go file leaves it cached
// and editing go.mod re-runs it.
var ModFilePatterns = []string{
	"go.mod", "go.sum", "go.work", "go.work.sum",
	"**/go.mod", "**/go.sum",
}

// modFilePatterns are ModFilePatterns for the module in directory dir of
// the context: the go command also reads a go.work (and go.work.sum) in
// any directory between dir and the root.
func modFilePatterns(dir string) []string {
	patterns := ModFilePatterns
	for d := dir; d != "."; d = path.Dir(d) {
		patterns = append(patterns[:len(patterns):len(patterns)], d+"/go.work", d+"/go.work.sum")
	}
	return patterns
}

// modFiles is the build context reduced to ModFilePatterns. BuildKit keys a
// file op on the content of what it selects, so this state (and everything
// downstream of it) keeps its cache key while other files change. Like
// every op shared by all targets it is pinned to the build platform, so it
// has one digest and runs once for a multi-platform build.
func modFiles(ctx llb.State, s *spec.Spec, buildPlatform ocispecs.Platform) llb.State {
	return llb.Scratch().File(llb.Copy(ctx, "/", "/", &llb.CopyInfo{
		IncludePatterns:     modFilePatterns(s.ModuleDir()),
		CopyDirContentsOnly: true,
		AllowEmptyWildcard:  true,
		AllowWildcard:       true,
	}), llb.WithCustomName("go.mod and go.sum"), llb.Platform(buildPlatform))
}

// moduleDownload runs `go mod download` with only the module files mounted,
// on the build platform, through the frontend binary's `modules`
// subcommand: the download fills the GOMODCACHE cache mount, then the
// modules of the build list (without their zips, and without private
// modules unless build.cache_private) are copied to the step's output, the
// module layer (b.modules), which a cache export carries to a new builder.
// The step's root (the toolchain image, unchanged) is where the later steps
// that run on the toolchain image run, which orders them after the
// download while their own cache keys depend on the download's inputs
// only. A vendored module skips the step.
//
// A failing download points at the spec line that says where modules come
// from (build.private, else build.env.GOPRIVATE or build.env.GOPROXY): the
// usual cause is a private module without credentials.
func (b *builder) moduleDownload() {
	mods := modFiles(b.opt.Context, b.opt.Spec, b.opt.BuildPlatform)
	opts := []llb.RunOption{
		llb.AddMount(srcDir, mods, llb.Readonly),
		b.frontendMount(),
	}
	src := b.opt.Spec.Source
	for _, l := range b.location(cmp.Or(src.Pos("build.private"), src.Pos("build.env.GOPRIVATE"), src.Pos("build.env.GOPROXY"))) {
		opts = append(opts, l)
	}
	args := []string{b.frontendBin, "modules", "-out", modLayerDir}
	if b.opt.Spec.Build.CachePrivate {
		args = append(args, "-keep-private")
	}
	dl := b.run(b.root, "go mod download", args, nil, opts...)
	b.root = dl.Root()
	layer := dl.AddMount(modLayerDir, llb.Scratch())
	b.modules = &layer
}

// Credentials of private modules. They reach `go mod download` and `go
// build` only, never the runtime files step, and never a layer: BuildKit
// mounts secrets and the SSH agent socket for the duration of one step and
// keeps them out of the step's output and cache key.
const (
	// NetrcSecret is the id of the build secret holding a netrc file
	// (`--secret id=netrc,src=$HOME/.netrc`). It is mounted at $HOME/.netrc
	// of the builder, where git (through curl) reads it, and NETRC points the
	// go command at it.
	NetrcSecret = "netrc"
	// SSHAgentID is the id of the SSH agent socket `--ssh default` forwards,
	// for git over SSH.
	SSHAgentID = "default"
	// SSHAgentSocket is where the agent socket is mounted; SSH_AUTH_SOCK
	// points at it.
	SSHAgentSocket = "/run/buildkit/ssh_agent.0"
)

// credentials returns the mounts and environment that give a module
// download the caller's credentials. Both mounts are optional: a build
// without --secret id=netrc or --ssh runs the same steps without them.
func (b *builder) credentials() ([]llb.RunOption, []string) {
	netrc := path.Join(cmp.Or(envValue(b.env, "HOME"), "/root"), ".netrc")
	opts := []llb.RunOption{
		llb.AddSecret(netrc, llb.SecretID(NetrcSecret), llb.SecretOptional),
		llb.AddSSHSocket(llb.SSHID(SSHAgentID), llb.SSHSocketTarget(SSHAgentSocket), llb.SSHOptional),
	}
	env := []string{"NETRC=" + netrc, "SSH_AUTH_SOCK=" + SSHAgentSocket}
	if p := b.opt.Spec.Build.Private; len(p) > 0 {
		env = append(env, "GOPRIVATE="+strings.Join(p, ","))
	}
	// A vendored build fetches nothing, and its go build step has no
	// frontend image mounted to run.
	if auth := b.opt.Spec.Build.GoAuth; len(auth) > 0 && b.frontendBin != "" && !b.opt.Vendor {
		mounts, goauth := b.goAuth(auth)
		opts = append(opts, mounts...)
		env = append(env, goauth)
	}
	return opts, env
}

// goAuthDir is where the secrets of build.goauth are mounted, each under
// its id.
const goAuthDir = "/run/go-app/goauth"

// GoAuthRunner is the subcommand of the frontend binary that GOAUTH runs:
// it prints the tokens of the mounted secrets as the go command reads
// them (see `go help goauth`).
const GoAuthRunner = "goauth"

// goAuth returns the secret mounts of build.goauth and GOAUTH: netrc
// first, so that a netrc secret keeps working, then the command line of
// the frontend binary (the go command runs a GOAUTH entry other than off,
// netrc and git as a command),
// given each URL prefix with the file of its secret. The go command splits
// the command at spaces; the spec allows none in a URL or secret id.
func (b *builder) goAuth(auth []spec.GoAuth) ([]llb.RunOption, string) {
	var opts []llb.RunOption
	mounted := map[string]bool{}
	cmd := []string{b.frontendBin, GoAuthRunner}
	for _, a := range auth {
		id := cmp.Or(a.Secret, spec.DefaultGoAuthSecret)
		file := goAuthDir + "/" + id
		if !mounted[id] {
			mounted[id] = true
			opts = append(opts, llb.AddSecret(file, llb.SecretID(id), llb.SecretOptional))
		}
		cmd = append(cmd, "-token", a.URL+"="+file)
	}
	return opts, "GOAUTH=netrc;" + strings.Join(cmd, " ")
}

// envValue returns the value of key in a KEY=VALUE list; the last one wins.
func envValue(env []string, key string) string {
	val := ""
	for _, kv := range env {
		if k, v, _ := strings.Cut(kv, "="); k == key {
			val = v
		}
	}
	return val
}
