package llb

import (
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
// on the build platform. Its root (the toolchain image, unchanged) is where
// every later step runs, which orders them after the download while their
// own cache keys depend on the download's inputs only. A vendored module
// skips the step.
func (b *builder) moduleDownload() llb.State {
	dl := b.run("go mod download", []string{"go", "mod", "download"}, nil,
		llb.AddMount(srcDir, modFiles(b.opt.Context, b.opt.BuildPlatform), llb.Readonly))
	return dl.Root()
}
