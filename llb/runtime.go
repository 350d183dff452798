package llb

import (
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/goappfrontend/go-app/spec"
	"github.com/moby/buildkit/client/llb"
	ocispecs "github.com/opencontainers/image-spec/specs-go/v1"
)

// root owns every file of the runtime image.
var rootOwner = &llb.ChownOpt{User: &llb.UserOpt{UID: 0}, Group: &llb.UserOpt{UID: 0}}

// UserIDs parses a numeric "UID" or "UID:GID"; a missing GID equals UID.
func UserIDs(user string) (uid, gid int, err error) {
	u, g, hasGroup := strings.Cut(user, ":")
	if uid, err = strconv.Atoi(u); err != nil {
		return 0, 0, err
	}
	gid = uid
	if hasGroup {
		if gid, err = strconv.Atoi(g); err != nil {
			return 0, 0, err
		}
	}
	return uid, gid, nil
}

// runtimeFiles writes the files a static binary needs on scratch: the
// frontend image's own binary, run as `mkrootfs` in the plain toolchain
// image, copies the CA bundle, unpacks zoneinfo and writes passwd, group
// and /tmp. It depends on neither the source nor go.mod and compiles
// nothing, so it is built once per toolchain, frontend and user, for every
// platform, in well under a second.
func (b *builder) runtimeFiles() (llb.State, error) {
	uid, gid, err := UserIDs(b.opt.Spec.Runtime.User)
	if err != nil {
		return llb.State{}, err
	}
	bin, err := frontendBinary(b.opt.Frontend)
	if err != nil {
		return llb.State{}, err
	}
	var ro []llb.RunOption
	for _, kv := range imageEnv(b.opt.Toolchain.Config) {
		k, v, _ := strings.Cut(kv, "=")
		ro = append(ro, llb.AddEnv(k, v))
	}
	run := b.opt.Toolchain.State.Run(append(ro,
		llb.Args([]string{bin, "mkrootfs",
			"-out", outDir, "-uid", strconv.Itoa(uid), "-gid", strconv.Itoa(gid)}),
		llb.Dir("/"),
		llb.AddEnv("GOTOOLCHAIN", "local"),
		llb.Platform(b.opt.BuildPlatform),
		llb.AddMount(frontendDir, b.opt.Frontend.State, llb.Readonly),
		llb.WithCustomName("runtime files: CA certificates, zoneinfo, passwd, group, /tmp"),
	)...)
	return run.AddMount(outDir, llb.Scratch()), nil
}

// frontendBinary is the path of the frontend binary (the frontend image's
// entrypoint) where steps mount the frontend image: its mkrootfs and gotest
// subcommands do the work no toolchain command does.
func frontendBinary(h *Image) (string, error) {
	if h == nil || h.Config == nil || len(h.Config.Config.Entrypoint) == 0 || !strings.HasPrefix(h.Config.Config.Entrypoint[0], "/") {
		return "", errors.New("llb: the frontend image (Options.Frontend) with an absolute entrypoint is needed")
	}
	return frontendDir + h.Config.Config.Entrypoint[0], nil
}

// datedLayer copies a tree into a new layer with every entry dated t, so
// the layer digest depends on content only.
func datedLayer(tree llb.State, t time.Time, name string, opts ...llb.ConstraintsOpt) llb.State {
	return llb.Scratch().File(llb.Copy(tree, "/", "/", &llb.CopyInfo{
		CopyDirContentsOnly: true,
		CreatedTime:         &t,
	}), append(opts, llb.WithCustomName(name))...)
}

// assemble builds the runtime root filesystem: the base (scratch plus the
// runtime files, or the base image), for the debug image the busybox layer,
// and one layer with the binaries and the spec's extra files. Merge keeps
// them separate layers, so a code change re-exports only the binaries.
// binaries is that last layer.
func assemble(opt Options, b *builder, target ocispecs.Platform, outs []binaryOut) (rootfs, binaries llb.State, err error) {
	t := filesTime(opt)
	plat := platformName(target)

	// The first copy into scratch starts the chain; later ones extend it, so
	// all of them are one file op.
	var actions *llb.FileAction
	copyIn := func(from llb.State, src, dst string, ci *llb.CopyInfo) {
		if actions == nil {
			actions = llb.Copy(from, src, dst, ci)
			return
		}
		actions = actions.Copy(from, src, dst, ci)
	}
	collected := func() *llb.CopyInfo { return &llb.CopyInfo{CreateDestPath: true, ChownOpt: rootOwner} }
	var top llb.State
	if len(outs) == 1 && len(opt.Spec.Runtime.Files) == 0 {
		// One binary: one copy makes the layer, dated, the directories it
		// creates too. (A later copy into a directory would give it the
		// time of the build, hence the dated copy of the whole tree below.)
		ci := collected()
		ci.CreatedTime = &t
		copyIn(outs[0].state, "/"+outs[0].name, spec.DefaultBinaryDir+"/"+outs[0].name, ci)
		top = llb.Scratch().File(actions, llb.WithCustomName(plat+" binaries layer"))
	} else {
		for _, o := range outs {
			copyIn(o.state, "/"+o.name, spec.DefaultBinaryDir+"/"+o.name, collected())
		}
		for _, f := range opt.Spec.Runtime.Files {
			copyIn(opt.Context, f.Src, f.Dst, collected())
		}
		// Exported only as the dated layer (see compile).
		tree := llb.Scratch().File(actions, llb.WithCustomName(plat+" collect binaries"), llb.WithoutExportCache())
		top = datedLayer(tree, t, plat+" binaries layer")
	}

	layers := []llb.State{top}
	name := plat + " image"
	if opt.Debug != nil {
		layers = []llb.State{debugLayer(opt.Debug, target, t), top}
		name = plat + " debug image"
	}
	if base := opt.Base; base != nil {
		if s := opt.Spec.Build; s.Cgo && !s.CgoStatic() {
			layers = append([]llb.State{b.cgoLibraries(target, outs, base, t)}, layers...)
		}
		return llb.Merge(append([]llb.State{base.State}, layers...), llb.WithCustomName(name+" on "+base.Ref)), top, nil
	}
	files, err := b.runtimeFiles()
	if err != nil {
		return llb.State{}, llb.State{}, err
	}
	return llb.Merge(append([]llb.State{datedLayer(files, t, "runtime files layer", llb.Platform(b.opt.BuildPlatform))}, layers...), llb.WithCustomName(name)), top, nil
}
