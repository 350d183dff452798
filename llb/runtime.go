package llb

import (
	_ "embed"
	"strconv"
	"strings"
	"time"

	"github.com/goappfrontend/go-app/spec"
	"github.com/moby/buildkit/client/llb"
	ocispecs "github.com/opencontainers/image-spec/specs-go/v1"
)

// mkrootfsSource is the program that writes the runtime files (CA bundle,
// zoneinfo, passwd, group, /tmp) from the toolchain image's own copies.
//
//go:embed mkrootfs/main.go
var mkrootfsSource []byte

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

// runtimeFiles writes the files a static binary needs on scratch. It runs
// on the plain toolchain image, so it depends on neither the source nor
// go.mod and is built once per toolchain and user, for every platform.
func (b *builder) runtimeFiles() (llb.State, error) {
	uid, gid, err := UserIDs(b.opt.Spec.Runtime.User)
	if err != nil {
		return llb.State{}, err
	}
	helper := llb.Scratch().File(llb.Mkfile("/mkrootfs.go", 0o644, mkrootfsSource, llb.WithCreatedTime(fileTime)),
		llb.WithCustomName("go-app runtime files helper"), llb.Platform(b.opt.BuildPlatform))
	run := b.exec(b.opt.Toolchain.State, "runtime files: CA certificates, zoneinfo, passwd, group, /tmp",
		[]string{"go", "run", "-trimpath", helperDir + "/mkrootfs.go",
			"-out", outDir, "-uid", strconv.Itoa(uid), "-gid", strconv.Itoa(gid)},
		[]string{"CGO_ENABLED=0"},
		llb.Dir(helperDir),
		llb.AddMount(helperDir, helper, llb.Readonly))
	return run.AddMount(outDir, llb.Scratch()), nil
}

// stamp copies a tree into a new layer with every entry dated t, so the
// layer digest depends on content only.
func stamp(tree llb.State, t time.Time, name string, opts ...llb.ConstraintsOpt) llb.State {
	return llb.Scratch().File(llb.Copy(tree, "/", "/", &llb.CopyInfo{
		CopyDirContentsOnly: true,
		CreatedTime:         &t,
	}), append(opts, llb.WithCustomName(name))...)
}

// assemble builds the runtime root filesystem: the base (scratch plus the
// runtime files, or the base image) and one layer with the binaries and the
// spec's extra files. Merge keeps them separate layers, so a code change
// re-exports only the binaries.
func assemble(opt Options, b *builder, target ocispecs.Platform, outs []binaryOut) (llb.State, error) {
	t := fileTime
	if opt.Epoch != nil {
		t = opt.Epoch.UTC()
	}
	plat := platformName(target)

	// The first copy into scratch starts the chain; later ones extend it, so
	// all of them are one file op.
	var actions *llb.FileAction
	copyIn := func(from llb.State, src, dst string) {
		ci := &llb.CopyInfo{CreateDestPath: true, ChownOpt: rootOwner}
		if actions == nil {
			actions = llb.Copy(from, src, dst, ci)
			return
		}
		actions = actions.Copy(from, src, dst, ci)
	}
	for _, o := range outs {
		copyIn(o.state, "/"+o.name, spec.DefaultBinaryDir+"/"+o.name)
	}
	for _, f := range opt.Spec.Runtime.Files {
		copyIn(opt.Context, f.Src, f.Dst)
	}
	tree := llb.Scratch().File(actions, llb.WithCustomName(plat+" collect binaries"))
	top := stamp(tree, t, plat+" binaries layer")

	base := opt.Base
	if base != nil {
		return llb.Merge([]llb.State{base.State, top}, llb.WithCustomName(plat+" image on "+base.Ref)), nil
	}
	files, err := b.runtimeFiles()
	if err != nil {
		return llb.State{}, err
	}
	return llb.Merge([]llb.State{stamp(files, t, "runtime files layer", llb.Platform(b.opt.BuildPlatform)), top}, llb.WithCustomName(plat+" image")), nil
}
