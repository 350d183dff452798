package spec

import (
	"cmp"
	"path"
	"strings"
)

// fallbackName names the binary of a module whose path gives no usable
// file name.
const fallbackName = "app"

// FillDefaults sets every value the spec leaves out, from go.mod and from
// go-app's defaults, then validates the result. gomod is the content of
// go.mod at the root of the build context, nil when there is none (an
// error: go-app builds Go modules). Call it on a spec Load accepted.
//
// A spec without main and binaries (zero config) must get its main package
// first: the frontend sets Main to the one it finds in the build context.
// FillDefaults reports a spec that still has nothing to build.
//
//   - main becomes binaries[0], declared where main was;
//   - a binary without a name is named like `go build` names it: after the
//     last element of its package path, or of the module path for ".",
//     skipping a major version suffix like v2 ("app" when the module path
//     gives no plain file name);
//   - go.version comes from go.mod (see Module.GoVersion), go.image is
//     DefaultImageRepo:<go.version>, or DefaultImageRepo:<go.version>-bookworm
//     (DefaultCgoSuite) with build.cgo (see Spec.DefaultImage);
//   - build.strip and build.trimpath are true, build.cgo_link is static;
//   - test.packages is DefaultTestPackages (./...);
//   - runtime.base is DefaultBase, runtime.user DefaultUser,
//     runtime.workdir DefaultWorkdir and runtime.entrypoint the first
//     binary.
//
// Its errors are Errors: problems of go.mod, or those Validate finds once
// every binary has its name (a duplicate name, a runtime.entrypoint that is
// no binary).
func (s *Spec) FillDefaults(gomod []byte) error {
	return s.FillDefaultsFrom(GoFiles{GoMod: gomod})
}

// FillTestDefaults is FillDefaults for the test target, which builds no
// binary: a spec without main and binaries (a library module) is fine.
func (s *Spec) FillTestDefaults(gomod []byte) error {
	return s.fillDefaults(GoFiles{GoMod: gomod}, false)
}

// GoFiles are the files of the build context the defaults come from.
type GoFiles struct {
	// GoMod is the go.mod of the module directory (Spec.ModuleDir), nil
	// when it has none.
	GoMod []byte
	// GoWork is the go.work the go command uses there, nil without one;
	// GoWorkPath is its path in the build context. Its toolchain or go
	// line gives the Go version, and the module directory may then be a
	// workspace root without a go.mod.
	GoWork     []byte
	GoWorkPath string
	// WorkspaceModules are the directories of the workspace's modules,
	// relative to the module directory. At a workspace root without a
	// go.mod, where ./... matches no package, they are the test target's
	// default packages: ./DIR/... for each.
	WorkspaceModules []string
}

// FillDefaultsFrom is FillDefaults for a module in a directory of the
// build context or in a workspace (see Module).
func (s *Spec) FillDefaultsFrom(f GoFiles) error {
	return s.fillDefaults(f, true)
}

// FillTestDefaultsFrom is FillTestDefaults for a module in a directory of
// the build context or in a workspace.
func (s *Spec) FillTestDefaultsFrom(f GoFiles) error {
	return s.fillDefaults(f, false)
}

// goVersionFrom reads the module and the Go version of the files: a
// workspace's go.work decides the version, as it does for the go command.
func (s *Spec) goVersionFrom(f GoFiles) (Module, error) {
	name := path.Join(s.ModuleDir(), goModName)
	if f.GoWork == nil {
		return parseGoMod(name, f.GoMod)
	}
	work, err := ParseGoWork(f.GoWorkPath, f.GoWork)
	if err != nil || f.GoMod == nil {
		return work, err
	}
	mod, err := parseGoMod(name, f.GoMod)
	mod.Go, mod.Toolchain = cmp.Or(work.Go, mod.Go), cmp.Or(work.Toolchain, mod.Toolchain)
	return mod, err
}

func (s *Spec) fillDefaults(f GoFiles, needBinaries bool) error {
	mod, err := s.goVersionFrom(f)
	if err != nil {
		return err
	}
	s.fillBinaries(mod.Path)
	if f.GoMod == nil && len(s.Test.Packages) == 0 {
		for _, d := range f.WorkspaceModules {
			s.Test.Packages = append(s.Test.Packages, "./"+path.Join(d, "..."))
		}
	}

	var errs Errors
	if needBinaries && len(s.Binaries) == 0 {
		errs = append(errs, &Error{Filename: displayName(s.Source.Filename), Msg: "nothing to build: set main (e.g. main: ./cmd/server) or binaries", Rule: RuleInvalidValue})
	}
	if s.Go.Version == "" {
		s.Go.Version = mod.GoVersion()
	}
	if s.Go.Image == "" {
		if s.Go.Version == "" {
			errs = append(errs, &Error{Filename: cmp.Or(f.GoWorkPath, path.Join(s.ModuleDir(), goModName)), Msg: "no go line to pick the Go version from; add one, like go 1.26, or set go.version in " + displayName(s.Source.Filename), Rule: RuleInvalidGoMod})
		} else {
			s.Go.Image = s.DefaultImage()
		}
	}

	if s.Build.Strip == nil {
		strip := true
		s.Build.Strip = &strip
	}
	s.Build.CgoLink = cmp.Or(s.Build.CgoLink, CgoLinkStatic)
	if s.Build.Trimpath == nil {
		trimpath := true
		s.Build.Trimpath = &trimpath
	}

	s.fillTestDefaults()

	r := &s.Runtime
	r.Base = cmp.Or(r.Base, DefaultBase)
	r.User = cmp.Or(r.User, DefaultUser)
	r.Workdir = cmp.Or(r.Workdir, DefaultWorkdir)
	if r.Entrypoint == "" && len(s.Binaries) > 0 {
		r.Entrypoint = s.Binaries[0].Name
	}
	return append(errs, s.Validate()...).Err()
}

// fillBinaries turns main into binaries[0] and names every binary.
func (s *Spec) fillBinaries(modulePath string) {
	if s.Main != "" && len(s.Binaries) == 0 {
		s.Binaries = []Binary{{Main: s.Main, Pos: s.Source.Pos("main")}}
		s.Main = ""
		if at, ok := s.Source.Positions["main"]; ok {
			s.Source.Positions["binaries.0"] = at
			s.Source.Positions["binaries.0.main"] = at
		}
	}
	for i := range s.Binaries {
		b := &s.Binaries[i]
		if b.Name != "" {
			continue
		}
		if b.Name = defaultName(b.Main, ""); b.Name == "" {
			b.Name = defaultName(b.Main, modulePath)
			if !validFileName(b.Name) {
				b.Name = fallbackName
			}
		}
	}
}

// defaultName is the name `go build` gives the binary of package pkg, a
// path relative to the root of module modulePath: the last element of its
// import path, or the one before when that is a major version suffix like
// v2. It is "" when it depends on modulePath and modulePath is "".
func defaultName(pkg, modulePath string) string {
	var elems []string
	if modulePath != "" {
		elems = strings.Split(modulePath, "/")
	}
	if rel := path.Clean(pkg); rel != "." {
		elems = append(elems, strings.Split(rel, "/")...)
	}
	n := len(elems)
	if n > 1 && isMajorVersion(elems[n-1]) {
		n--
	}
	if n == 0 || n == 1 && modulePath == "" && isMajorVersion(elems[0]) {
		return ""
	}
	return elems[n-1]
}

// isMajorVersion reports whether a path element is a major version suffix,
// v2 or above, as `go build` sees it.
func isMajorVersion(elem string) bool {
	if len(elem) < 2 || elem[0] != 'v' || elem[1] == '0' || elem == "v1" {
		return false
	}
	for _, c := range elem[1:] {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}
