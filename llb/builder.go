package llb

import (
	"cmp"
	"path"
	"strings"

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

// modFiles is the build context reduced to ModFilePatterns. BuildKit keys a
// file op on the content of what it selects, so this state (and everything
// downstream of it) keeps its cache key while other files change. Like
// every op shared by all targets it is pinned to the build platform, so it
// has one digest and runs once for a multi-platform build.
func modFiles(ctx llb.State, buildPlatform ocispecs.Platform) llb.State {
	return llb.Scratch().File(llb.Copy(ctx, "/", "/", &llb.CopyInfo{
		IncludePatterns:     ModFilePatterns,
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
	mods := modFiles(b.opt.Context, b.opt.BuildPlatform)
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
	return opts, env
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
