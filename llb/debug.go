package llb

import (
	"strings"
	"time"

	"github.com/moby/buildkit/client/llb"
	ocispecs "github.com/opencontainers/image-spec/specs-go/v1"
)

// The debug image (the frontend's debug target) is the runtime image plus
// a static busybox: a shell and the core utilities, for `docker run
// --entrypoint sh` when a production image misbehaves. It keeps the
// image's user, entrypoint, arguments and working directory. The default
// image never holds any of it: only Options.Debug adds the layer.
const (
	// DebugImageRef is the image busybox is taken from: the official
	// busybox image built against musl, whose busybox is static, so it
	// runs on scratch. It is pulled for the target platform, never run
	// during the build. A named context of the same name replaces it
	// (`--build-context busybox:1.37.0-musl=docker-image://...`).
	DebugImageRef = "docker.io/library/busybox:1.37.0-musl"
	// DebugDir is where the debug image keeps busybox and its applets
	// (the /bin of DebugImageRef): a directory of its own, so that
	// nothing of the runtime image is replaced, added at the end of PATH.
	DebugDir = "/busybox"
)

// debugLayer is the layer of the debug image: DebugImageRef's /bin (busybox
// and its applets, which the copy keeps as the hard links they are) in
// DebugDir, owned by root, every entry dated t.
func debugLayer(img *Image, target ocispecs.Platform, t time.Time) llb.State {
	tree := llb.Scratch().File(llb.Copy(img.State, "/bin/", DebugDir+"/", &llb.CopyInfo{
		CopyDirContentsOnly: true,
		CreateDestPath:      true,
		ChownOpt:            rootOwner,
	}), llb.WithCustomName(platformName(target)+" debug shell: busybox from "+img.Ref+" in "+DebugDir))
	return datedLayer(tree, t, platformName(target)+" debug shell layer")
}

// debugPATH is the PATH of the debug image: the runtime image's, then
// DebugDir, so that the image's own programs come first.
func debugPATH(env []string) []string {
	path := envValue(env, "PATH")
	if path == "" {
		return mergeEnv(env, []string{"PATH=" + DebugDir})
	}
	for _, dir := range strings.Split(path, ":") {
		if dir == DebugDir {
			return env
		}
	}
	return mergeEnv(env, []string{"PATH=" + path + ":" + DebugDir})
}
