package spec

import (
	"cmp"
	"maps"
	"path"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode"

	"github.com/containerd/platforms"
)

var (
	// goVersion matches the Go versions go.version accepts.
	goVersion = regexp.MustCompile(`^1\.\d+(\.\d+)?((rc|beta)\d+)?$`)
	// envName matches a valid environment variable name.
	envName = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)
	// fileName matches a plain file name (which "." and ".." are not).
	fileName = regexp.MustCompile(`^[A-Za-z0-9._-]+$`)
	// userPart matches a user or group name or ID.
	userPart = regexp.MustCompile(`^[A-Za-z0-9_][A-Za-z0-9_.-]*$`)
	// digits matches a decimal number.
	digits = regexp.MustCompile(`^[0-9]+$`)
)

// scratch is the runtime base that is no image at all.
const scratch = "scratch"

// maxID is the largest UID or GID runtime.user accepts.
const maxID = 1<<31 - 1

// Validate checks every rule of go-app.yaml and returns all problems, sorted,
// each at the position of the offending value (the zero Position when the
// spec has no Source).
//
// Validate works before and after FillDefaults. Before, a binary named after
// the module (main "." without a name) is not known yet, so the checks that
// need every binary's name (unique names, runtime.entrypoint) skip it;
// FillDefaults runs Validate again once the names are set.
func (s *Spec) Validate() Errors {
	v := &validator{s: s, problems: problems{filename: displayName(s.Source.Filename)}}
	v.module()
	v.binaries()
	v.toolchain()
	v.build()
	v.platforms()
	v.runtime()
	v.labels()
	v.test()
	return v.list.sorted()
}

// displayName is the name of the spec file in messages.
func displayName(filename string) string {
	return cmp.Or(filename, DefaultFilename)
}

// validator collects the problems of one spec.
type validator struct {
	s *Spec
	problems
}

// add records an invalid value at pos (RuleInvalidValue).
func (v *validator) add(pos Position, format string, args ...any) {
	v.problems.add(RuleInvalidValue, pos, format, args...)
}

// at returns the position of the first of the key paths that has one.
func (v *validator) at(paths ...string) Position {
	for _, p := range paths {
		if pos, ok := v.s.Source.Positions[p]; ok {
			return pos
		}
	}
	return Position{}
}

// has reports whether the file sets the key path, even to an empty value.
func (v *validator) has(path string) bool {
	_, ok := v.s.Source.Positions[path]
	return ok
}

// declared is a binary to build with the key path it is declared at.
type declared struct {
	Binary
	path string // "binaries.1", or "" for main
}

// key is the key path of a key of the binary: "binaries.1.name", "main".
func (t declared) key(k string) string {
	return join(t.path, k)
}

// declaredBinaries returns main and binaries, each with its key path.
func (s *Spec) declaredBinaries() []declared {
	var ts []declared
	if s.Main != "" {
		ts = append(ts, declared{Binary: Binary{Main: s.Main, Pos: s.Source.Pos("main")}})
	}
	for i, b := range s.Binaries {
		ts = append(ts, declared{Binary: b, path: "binaries." + strconv.Itoa(i)})
	}
	return ts
}

// binaries checks main and binaries, the binary names and
// runtime.entrypoint.
func (v *validator) binaries() {
	s := v.s
	switch {
	case s.Main != "" && len(s.Binaries) > 0:
		v.add(v.at("main"), "use either main or binaries, not both")
	case s.Main == "" && len(s.Binaries) == 0:
		v.nothingToBuild()
	case len(s.Binaries) > MaxBinaries:
		v.add(v.at("binaries"), "binaries lists %d binaries; an image may hold at most %d: build the others into images of their own", len(s.Binaries), MaxBinaries)
	}
	var names []string
	first := map[string]declared{}
	known := true
	for _, t := range s.declaredBinaries() {
		if !v.mainPackage(t) {
			known = false
			continue
		}
		name := v.binaryName(t)
		if name == "" {
			known = false
			continue
		}
		if f, dup := first[name]; dup {
			at := v.namePos(t)
			v.add(at, "duplicate binary name %q (also %s); give one of them another name", name, v.where(f, at))
			continue
		}
		first[name] = t
		names = append(names, name)
	}
	if known {
		v.entrypoint(names)
		v.healthcheckCommand(names)
		v.filesOverBinaries(names)
	}
}

// nothingToBuild reports a spec without main and binaries that has one of
// the keys with an empty value. A spec that leaves out both keys is valid:
// the frontend finds the main package in the build context (see
// FillDefaults).
func (v *validator) nothingToBuild() {
	switch {
	case v.has("binaries"):
		v.add(v.at("binaries"), "binaries is empty; list at least one binary, like - main: ./cmd/api")
	case v.has("main"):
		v.add(v.at("main"), "main is empty; set it to the package to build, like ./cmd/server")
	}
}

// mainPackage checks the package of a binary and reports whether it is
// valid.
func (v *validator) mainPackage(t declared) bool {
	at := cmp.Or(v.at(t.key("main")), t.Pos)
	if t.Main == "" {
		v.add(at, "%s is required; set it to the package to build, like ./cmd/api", t.key("main"))
		return false
	}
	if problem := packageProblem(t.Main); problem != "" {
		v.add(at, "%s %q %s", t.key("main"), t.Main, problem)
		return false
	}
	return true
}

// packageProblem says what is wrong with a main package path, or returns "".
func packageProblem(pkg string) string {
	switch {
	case strings.Contains(pkg, "..."):
		return "is a pattern; name one main package, like ./cmd/server, and list several under binaries"
	case path.IsAbs(pkg):
		return "must be relative to the module root, like ./cmd/server"
	case escapes(pkg):
		return "points outside the module; name a package inside it, like ./cmd/server"
	case pkg != "." && !strings.HasPrefix(pkg, "./"):
		return msgf("must start with \"./\" to be a directory of the module; write %q", "./"+pkg)
	}
	return pathProblem(pkg)
}

// escapes reports whether the relative path p leads out of its root.
func escapes(p string) bool {
	p = path.Clean(p)
	return p == ".." || strings.HasPrefix(p, "../")
}

// binaryName checks the name of a binary and returns it, or "" when it is
// not known before FillDefaults.
func (v *validator) binaryName(t declared) string {
	if t.Name != "" {
		if len(t.Name) > MaxNameBytes {
			v.add(v.namePos(t), "%s %q is %d bytes long; file systems allow at most %d bytes in a name", t.key("name"), t.Name, len(t.Name), MaxNameBytes)
		} else if !validFileName(t.Name) {
			v.add(v.namePos(t), "%s %q must be a plain file name: letters, digits, \".\", \"_\" and \"-\", and not \".\" or \"..\"", t.key("name"), t.Name)
		}
		return t.Name
	}
	name := defaultName(t.Main, "")
	if name != "" && !validFileName(name) {
		fix := "list it under binaries with a name"
		if t.path != "" {
			fix = "set " + t.key("name")
		}
		v.add(v.namePos(t), "the binary name %q taken from %s is not a plain file name (letters, digits, \".\", \"_\" and \"-\"); %s", name, t.key("main"), fix)
	}
	return name
}

// validFileName reports whether name can be the file name of a binary.
func validFileName(name string) bool {
	return fileName.MatchString(name) && name != "." && name != ".."
}

// namePos is where the name of a binary comes from.
func (v *validator) namePos(t declared) Position {
	return cmp.Or(v.at(t.key("name"), t.key("main")), t.Pos)
}

// where says where the name of a binary comes from, for a message at
// position from.
func (v *validator) where(t declared, from Position) string {
	at := v.namePos(t)
	switch at.Line {
	case 0:
		return cmp.Or(t.path, "main")
	case from.Line:
		return msgf("at line %d, column %d", at.Line, at.Column)
	}
	return msgf("at line %d", at.Line)
}

// entrypoint checks that runtime.entrypoint names one of the binaries.
func (v *validator) entrypoint(names []string) {
	ep := v.s.Runtime.Entrypoint
	if ep == "" || len(names) == 0 || slices.Contains(names, ep) {
		return
	}
	v.add(v.at("runtime.entrypoint"), "runtime.entrypoint %q is not a binary of this spec; use one of: %s", ep, someOf(names))
}

// toolchain checks go.version and go.image.
func (v *validator) toolchain() {
	g := v.s.Go
	if g.Version != "" && !goVersion.MatchString(g.Version) {
		v.add(v.at("go.version"), "go.version %q is not a Go version; use one like \"1.26\" or \"1.26.3\"", g.Version)
	}
	if g.Image != "" {
		if problem := referenceProblem(g.Image, "a valid image reference"); problem != "" {
			v.add(v.at("go.image"), "go.image %q %s; use one like golang:1.26", g.Image, problem)
		}
	}
	if goVersion.MatchString(g.Version) && g.Image != "" && v.has("go.version") && v.has("go.image") {
		v.add(v.at("go.version"), "go.version is not used when go.image is set (line %d): the image's Go builds; remove go.version, or go.image to build with %s", v.at("go.image").Line, DefaultImageRepo+":"+shorten(g.Version))
	}
}

// platforms checks the target platforms.
func (v *validator) platforms() {
	seen := map[string]int{}
	for i, p := range v.s.Platforms {
		key := "platforms." + strconv.Itoa(i)
		plat, err := ParsePlatform(p)
		if err != nil {
			v.add(v.at(key), "%s %v", key, err)
			continue
		}
		norm := platforms.Format(plat)
		if j, dup := seen[norm]; dup {
			v.add(v.at(key), "%s %q is the same platform as platforms.%d (%s); remove one", key, p, j, norm)
			continue
		}
		seen[norm] = i
	}
}

// onScratch reports whether the program runs on scratch.
func (s *Spec) onScratch() bool {
	return cmp.Or(s.Runtime.Base, DefaultBase) == scratch
}

// runtime checks the runtime section.
func (v *validator) runtime() {
	r := v.s.Runtime
	if r.Base != "" && r.Base != scratch {
		if problem := referenceProblem(r.Base, "scratch or a valid image reference"); problem != "" {
			v.add(v.at("runtime.base"), "runtime.base %q %s; use one like alpine:3.22", r.Base, problem)
		}
	}
	if r.User != "" {
		v.user(r.User)
	}
	switch {
	case r.Workdir == "":
	case !path.IsAbs(r.Workdir):
		v.add(v.at("runtime.workdir"), "runtime.workdir %q must be an absolute path, like /app", r.Workdir)
	case pathProblem(r.Workdir) != "":
		v.add(v.at("runtime.workdir"), "runtime.workdir %s", pathProblem(r.Workdir))
	}
	v.envNames("runtime.env", r.Env)
	for i, p := range r.Ports {
		if !validPort(p) {
			key := "runtime.ports." + strconv.Itoa(i)
			v.add(v.at(key), "%s %q is not a port; use a number from 1 to 65535, optionally followed by /tcp, /udp or /sctp, like 8080 or \"53/udp\"", key, p)
		}
	}
	for i, f := range r.Files {
		v.file("runtime.files."+strconv.Itoa(i), f)
	}
	v.healthcheck()
	v.capabilities()
}

// user checks runtime.user: numeric on scratch, names allowed elsewhere.
func (v *validator) user(user string) {
	at := v.at("runtime.user")
	parts := strings.Split(user, ":")
	if len(parts) > 2 || slices.ContainsFunc(parts, func(p string) bool { return !userPart.MatchString(p) }) {
		v.add(at, "runtime.user %q must be \"USER\" or \"USER:GROUP\", like \"65532:65532\" or \"app:app\"", user)
		return
	}
	numeric := true
	for _, part := range parts {
		if !digits.MatchString(part) {
			numeric = false
			continue
		}
		if id, err := strconv.ParseUint(part, 10, 64); err != nil || id > maxID {
			v.add(at, "runtime.user %q has an ID out of range; use IDs from 0 to %d", user, maxID)
			return
		}
	}
	if !numeric && v.s.onScratch() {
		v.add(at, "runtime.user %q must be a numeric UID or UID:GID on scratch, like \"65532:65532\"; user names need a runtime.base that defines them", user)
	}
}

// validPort reports whether p is "PORT" or "PORT/PROTOCOL".
func validPort(p string) bool {
	num, proto, hasProto := strings.Cut(p, "/")
	if hasProto && proto != "tcp" && proto != "udp" && proto != "sctp" {
		return false
	}
	if !digits.MatchString(num) {
		return false
	}
	n, err := strconv.Atoi(num)
	return err == nil && n >= 1 && n <= 65535
}

// file checks one of runtime.files, declared at key.
func (v *validator) file(key string, f File) {
	item := cmp.Or(v.at(key), f.Pos)
	src := cmp.Or(v.at(key+".src"), item)
	switch {
	case f.Src == "":
		v.add(src, "%s.src is required; set it to a path in the build context, like config/app.yaml", key)
	case path.IsAbs(f.Src):
		v.add(src, "%s.src %q must be relative to the build context, like config/app.yaml", key, f.Src)
	case escapes(f.Src):
		v.add(src, "%s.src %q points outside the build context; name a path inside it", key, f.Src)
	case pathProblem(f.Src) != "":
		v.add(src, "%s.src %s", key, pathProblem(f.Src))
	}
	dst := cmp.Or(v.at(key+".dst"), item)
	switch {
	case f.Dst == "":
		v.add(dst, "%s.dst is required; set it to an absolute path in the image, like /etc/app/", key)
	case !path.IsAbs(f.Dst):
		v.add(dst, "%s.dst %q must be an absolute path in the image, like /etc/app/", key, f.Dst)
	case path.Clean(f.Dst) == "/":
		v.add(dst, "%s.dst must not be the root directory; copy into a directory like /etc/app/", key)
	case pathProblem(f.Dst) != "":
		v.add(dst, "%s.dst %s", key, pathProblem(f.Dst))
	}
}

// labels checks the label keys.
func (v *validator) labels() {
	for _, k := range slices.Sorted(maps.Keys(v.s.Labels)) {
		at := cmp.Or(v.at(join("labels", k)), v.at("labels"))
		switch {
		case k == "":
			v.add(at, "labels has an empty key; give every label a name")
		case strings.ContainsFunc(k, unicode.IsSpace):
			v.add(at, "label key %q must not contain spaces; use a name like org.example.team", k)
		}
	}
}
