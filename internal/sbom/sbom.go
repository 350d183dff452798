// Package sbom writes the SPDX 2.3 document go-app attaches to what it
// builds (the `--sbom` attestation): the Go modules linked into each binary,
// read from the binary's build information, not from go.mod, so that it
// lists what was linked, version for version; the Go standard library with
// the Go version; and the other things go-app puts in the image (the CA
// bundle, the time zone data, a runtime base image), with where they came
// from.
//
// The document depends on its input only: packages, files and relationships
// come in a fixed order, the creation time is the caller's (the
// SOURCE_DATE_EPOCH of the build, else the image's creation time), and the
// document namespace is derived from the document's own content, so the same
// build gives the same bytes.
package sbom

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"regexp"
	"runtime/debug"
	"slices"
	"strings"
	"time"

	"github.com/package-url/packageurl-go"
	"github.com/spdx/tools-golang/spdx/v2/common"
	spdx "github.com/spdx/tools-golang/spdx/v2/v2_3"
)

// Tool is the name of the creator tool in every document.
const Tool = "go-app"

// NamespacePrefix starts every document namespace; the rest is the
// SHA-256 of the document with an empty namespace.
const NamespacePrefix = "https://github.com/goappfrontend/go-app/spdx/"

// Input is what a document describes: one platform's result of a build.
type Input struct {
	// Name is the document's name, e.g. "example.com/hello linux/amd64".
	Name string
	// Created is the document's creation time.
	Created time.Time
	// CreatorComment says what made the document (the frontend image).
	CreatorComment string
	// Binaries are the Go binaries of the result, in order.
	Binaries []Binary
	// Components are the other things go-app adds: runtime files, images.
	Components []Component
}

// Binary is a Go binary of the result.
type Binary struct {
	// Path is where the binary is in the result ("/usr/local/bin/api").
	Path string
	// SHA1 and SHA256 are the hex digests of the binary.
	SHA1, SHA256 string
	// Info is the binary's build information (runtime/debug.BuildInfo, as debug/buildinfo reads it).
	Info *debug.BuildInfo
	// Version and Revision are what the build says about the main module
	// (VERSION, vcs:revision) when the build information has no version
	// ("(devel)") or no vcs.revision.
	Version, Revision string
}

// Component is something in the result that is not a Go module: a runtime
// file go-app writes (CA bundle, time zone data) or an image the result is
// built on.
type Component struct {
	Name    string
	Version string
	// PURL is the package URL, if it has one.
	PURL string
	// Purpose is SPDX's primaryPackagePurpose (FILE, CONTAINER, ...).
	Purpose string
	// SourceInfo says where it came from.
	SourceInfo string
	// Comment says what go-app did with it.
	Comment string
	// SHA256 is the hex digest of what it was made from (an archive), if
	// known.
	SHA256 string
	// Files are the files of the result that it is, with their digests.
	Files []File
}

// File is a file of the result.
type File struct {
	Path         string
	SHA1, SHA256 string
}

// develVersion is the version the go command gives a main module it
// knows no version of.
const develVersion = "(devel)"

// Stdlib is the name of the Go standard library package, as syft and
// other scanners name it.
const Stdlib = "stdlib"

// Document builds the SPDX document of in. Its namespace is empty until
// Marshal sets it.
func Document(in Input) (*spdx.Document, error) {
	d := &docBuilder{
		doc: &spdx.Document{
			SPDXVersion:       spdx.Version,
			DataLicense:       spdx.DataLicense,
			SPDXIdentifier:    "DOCUMENT",
			DocumentName:      in.Name,
			CreationInfo:      creationInfo(in),
			DocumentNamespace: "",
		},
		pkgs: map[string]*spdx.Package{},
		ids:  map[common.ElementID]string{},
	}
	for _, b := range in.Binaries {
		if err := d.binary(b, in.Created); err != nil {
			return nil, err
		}
	}
	for _, c := range in.Components {
		d.component(c)
	}
	return d.doc, nil
}

func creationInfo(in Input) *spdx.CreationInfo {
	return &spdx.CreationInfo{
		Creators:       []common.Creator{{CreatorType: "Tool", Creator: Tool}},
		Created:        in.Created.UTC().Format(time.RFC3339),
		CreatorComment: in.CreatorComment,
	}
}

// Marshal encodes doc as JSON with its namespace set from its content: the
// SHA-256 of the document encoded with an empty namespace.
func Marshal(doc *spdx.Document) ([]byte, error) {
	d := *doc
	d.DocumentNamespace = ""
	b, err := encode(&d)
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256(b)
	d.DocumentNamespace = NamespacePrefix + hex.EncodeToString(sum[:])
	return encode(&d)
}

func encode(doc *spdx.Document) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(doc); err != nil {
		return nil, fmt.Errorf("encoding the SPDX document: %w", err)
	}
	return buf.Bytes(), nil
}

type docBuilder struct {
	doc *spdx.Document
	// pkgs are the packages by key (name@version), so that a module linked
	// into two binaries is one package.
	pkgs map[string]*spdx.Package
	// ids maps every SPDX id in use to the key it was made for.
	ids map[common.ElementID]string
}

// binary adds the binary file, its main module, its dependencies and the
// standard library, and the relationships between them.
func (d *docBuilder) binary(b Binary, created time.Time) error {
	if b.Info == nil {
		return fmt.Errorf("binary %s has no Go build information", b.Path)
	}
	f := &spdx.File{
		FileName:           b.Path,
		FileSPDXIdentifier: d.id("File-"+b.Path, "file:"+b.Path),
		FileTypes:          []string{"BINARY"},
		Checksums:          checksums(b.SHA1, b.SHA256),
		LicenseConcluded:   "NOASSERTION",
		FileCopyrightText:  "NOASSERTION",
		Annotations: []spdx.Annotation{{
			Annotator:         common.Annotator{AnnotatorType: "Tool", Annotator: Tool},
			AnnotationDate:    created.UTC().Format(time.RFC3339),
			AnnotationType:    "OTHER",
			AnnotationComment: buildSettings(b.Info),
		}},
	}
	d.doc.Files = append(d.doc.Files, f)
	d.describes(f.FileSPDXIdentifier)

	main := d.mainModule(b)
	d.relate(f.FileSPDXIdentifier, common.TypeRelationshipContains, main.PackageSPDXIdentifier)
	std := d.stdlib(b.Info.GoVersion)
	d.relate(f.FileSPDXIdentifier, common.TypeRelationshipContains, std.PackageSPDXIdentifier)
	d.relate(main.PackageSPDXIdentifier, common.TypeRelationshipDependsOn, std.PackageSPDXIdentifier)
	for _, dep := range b.Info.Deps {
		p := d.module(dep)
		d.relate(f.FileSPDXIdentifier, common.TypeRelationshipContains, p.PackageSPDXIdentifier)
		d.relate(main.PackageSPDXIdentifier, common.TypeRelationshipDependsOn, p.PackageSPDXIdentifier)
	}
	return nil
}

// buildSettings is the build information the way `go version -m` prints
// it, without the modules: the Go version, the main package and the build
// settings.
func buildSettings(info *debug.BuildInfo) string {
	lines := []string{"go\t" + info.GoVersion, "path\t" + info.Path}
	for _, s := range info.Settings {
		lines = append(lines, "build\t"+s.Key+"="+s.Value)
	}
	return strings.Join(lines, "\n")
}

// mainModule is the package of the binary's main module.
func (d *docBuilder) mainModule(b Binary) *spdx.Package {
	m := b.Info.Main
	version := m.Version
	var notes []string
	if (version == "" || version == develVersion) && b.Version != "" {
		version = b.Version
		notes = append(notes, "the version is the build's VERSION: the binary's build information has none")
	}
	revision := setting(b.Info, "vcs.revision")
	if revision == "" && b.Revision != "" {
		revision = b.Revision
		notes = append(notes, "the revision is the build's vcs:revision")
	}
	if revision != "" {
		notes = append([]string{"vcs revision " + revision}, notes...)
	}
	p := d.goPackage(m.Path, version, m.Sum, "APPLICATION")
	if len(notes) > 0 && !strings.Contains(p.PackageComment, notes[0]) {
		p.PackageComment = joinNonEmpty("; ", p.PackageComment, strings.Join(notes, "; "))
	}
	if src := setting(b.Info, "vcs.url"); src != "" && p.PackageSourceInfo == "" {
		p.PackageSourceInfo = "built from " + src
	}
	return p
}

// module is the package of a dependency: the module that replaces it, when
// replaced (that is the code that was linked), with the replaced one in its
// comment.
func (d *docBuilder) module(dep *debug.Module) *spdx.Package {
	m := dep
	comment := ""
	if dep.Replace != nil {
		m = dep.Replace
		comment = "replaces " + strings.TrimSpace(dep.Path+" "+dep.Version)
	}
	p := d.goPackage(m.Path, m.Version, m.Sum, "LIBRARY")
	if comment != "" && !strings.Contains(p.PackageComment, comment) {
		p.PackageComment = joinNonEmpty("; ", p.PackageComment, comment)
	}
	return p
}

// goPackage is the package of a Go module, made the first time it is asked
// for.
func (d *docBuilder) goPackage(path, version, sum, purpose string) *spdx.Package {
	key := "golang:" + path + "@" + version
	if p, ok := d.pkgs[key]; ok {
		return p
	}
	p := &spdx.Package{
		PackageName:             path,
		PackageSPDXIdentifier:   d.id("Package-golang-"+path+"-"+version, key),
		PackageVersion:          version,
		PackageDownloadLocation: "NOASSERTION",
		FilesAnalyzed:           false,
		PackageLicenseConcluded: "NOASSERTION",
		PackageLicenseDeclared:  "NOASSERTION",
		PackageCopyrightText:    "NOASSERTION",
		PrimaryPackagePurpose:   purpose,
	}
	if c, ok := h1Checksum(sum); ok {
		p.PackageChecksums = []common.Checksum{c}
		p.PackageComment = "go.sum " + sum
	}
	switch {
	case strings.HasPrefix(path, ".") || strings.HasPrefix(path, "/"):
		// a replacement by a local directory: no package URL
	case version == "" || version == develVersion:
		p.PackageExternalReferences = []*spdx.PackageExternalReference{purlRef(GoPURL(path, ""))}
	default:
		p.PackageExternalReferences = []*spdx.PackageExternalReference{purlRef(GoPURL(path, version))}
	}
	d.add(key, p)
	return p
}

// stdlib is the Go standard library package of a Go version ("go1.26.0").
func (d *docBuilder) stdlib(goVersion string) *spdx.Package {
	version, _, _ := strings.Cut(goVersion, " ") // "go1.26.0 X:nocoverageredesign"
	key := "golang:" + Stdlib + "@" + version
	if p, ok := d.pkgs[key]; ok {
		return p
	}
	v := strings.TrimPrefix(version, "go")
	p := &spdx.Package{
		PackageName:             Stdlib,
		PackageSPDXIdentifier:   d.id("Package-golang-stdlib-"+version, key),
		PackageVersion:          version,
		PackageDownloadLocation: "NOASSERTION",
		FilesAnalyzed:           false,
		PackageLicenseConcluded: "NOASSERTION",
		PackageLicenseDeclared:  "BSD-3-Clause",
		PackageCopyrightText:    "NOASSERTION",
		PackageComment:          "the Go standard library and runtime of " + goVersion + ", linked into the binary",
		PrimaryPackagePurpose:   "LIBRARY",
		PackageExternalReferences: []*spdx.PackageExternalReference{
			purlRef(GoPURL(Stdlib, v)),
			{Category: common.CategorySecurity, RefType: common.TypeSecurityCPE23Type, Locator: "cpe:2.3:a:golang:go:" + v + ":-:*:*:*:*:*:*"},
		},
	}
	d.add(key, p)
	return p
}

// component adds a package that is not a Go module, with its files.
func (d *docBuilder) component(c Component) {
	key := "component:" + c.Name + "@" + c.Version
	p := &spdx.Package{
		PackageName:             c.Name,
		PackageSPDXIdentifier:   d.id("Package-"+c.Name, key),
		PackageVersion:          c.Version,
		PackageDownloadLocation: "NOASSERTION",
		FilesAnalyzed:           false,
		PackageSourceInfo:       c.SourceInfo,
		PackageLicenseConcluded: "NOASSERTION",
		PackageLicenseDeclared:  "NOASSERTION",
		PackageCopyrightText:    "NOASSERTION",
		PackageComment:          c.Comment,
		PrimaryPackagePurpose:   c.Purpose,
	}
	if c.SHA256 != "" {
		p.PackageChecksums = []common.Checksum{{Algorithm: common.SHA256, Value: c.SHA256}}
	}
	if c.PURL != "" {
		p.PackageExternalReferences = []*spdx.PackageExternalReference{purlRef(c.PURL)}
	}
	d.add(key, p)
	d.describes(p.PackageSPDXIdentifier)
	for _, f := range c.Files {
		sf := &spdx.File{
			FileName:           f.Path,
			FileSPDXIdentifier: d.id("File-"+f.Path, "file:"+f.Path),
			FileTypes:          []string{"OTHER"},
			Checksums:          checksums(f.SHA1, f.SHA256),
			LicenseConcluded:   "NOASSERTION",
			FileCopyrightText:  "NOASSERTION",
		}
		d.doc.Files = append(d.doc.Files, sf)
		d.relate(p.PackageSPDXIdentifier, common.TypeRelationshipContains, sf.FileSPDXIdentifier)
	}
}

func (d *docBuilder) add(key string, p *spdx.Package) {
	d.pkgs[key] = p
	d.doc.Packages = append(d.doc.Packages, p)
}

func (d *docBuilder) describes(id common.ElementID) {
	d.relate("DOCUMENT", common.TypeRelationshipDescribe, id)
}

func (d *docBuilder) relate(a common.ElementID, rel string, b common.ElementID) {
	for _, r := range d.doc.Relationships {
		if r.RefA.ElementRefID == a && r.RefB.ElementRefID == b && r.Relationship == rel {
			return
		}
	}
	d.doc.Relationships = append(d.doc.Relationships, &spdx.Relationship{
		RefA:         common.MakeDocElementID("", string(a)),
		RefB:         common.MakeDocElementID("", string(b)),
		Relationship: rel,
	})
}

// idChars are the characters an SPDX id may not have.
var idChars = regexp.MustCompile(`[^A-Za-z0-9.-]+`)

// id is an SPDX element id made from name, unique in the document: two
// keys whose names map to the same id get -2, -3, ... in the order they
// come, which is the input's.
func (d *docBuilder) id(name, key string) common.ElementID {
	base := strings.Trim(idChars.ReplaceAllString(name, "-"), "-")
	id := common.ElementID(base)
	for n := 2; ; n++ {
		if k, ok := d.ids[id]; !ok || k == key {
			break
		}
		id = common.ElementID(fmt.Sprintf("%s-%d", base, n))
	}
	d.ids[id] = key
	return id
}

// GoPURL is the package URL of a Go module version.
func GoPURL(path, version string) string {
	ns, name := "", path
	if i := strings.LastIndex(path, "/"); i >= 0 {
		ns, name = path[:i], path[i+1:]
	}
	return packageurl.NewPackageURL(packageurl.TypeGolang, ns, name, version, nil, "").ToString()
}

func purlRef(purl string) *spdx.PackageExternalReference {
	return &spdx.PackageExternalReference{Category: common.CategoryPackageManager, RefType: common.TypePackageManagerPURL, Locator: purl}
}

// h1Checksum turns a go.sum hash ("h1:" and the base64 of a SHA-256) into
// an SPDX SHA256 checksum.
func h1Checksum(sum string) (common.Checksum, bool) {
	b64, ok := strings.CutPrefix(sum, "h1:")
	if !ok {
		return common.Checksum{}, false
	}
	b, err := base64.StdEncoding.DecodeString(b64)
	if err != nil || len(b) != sha256.Size {
		return common.Checksum{}, false
	}
	return common.Checksum{Algorithm: common.SHA256, Value: hex.EncodeToString(b)}, true
}

func checksums(sha1, sha256 string) []common.Checksum {
	var cs []common.Checksum
	if sha1 != "" {
		cs = append(cs, common.Checksum{Algorithm: common.SHA1, Value: sha1})
	}
	if sha256 != "" {
		cs = append(cs, common.Checksum{Algorithm: common.SHA256, Value: sha256})
	}
	return cs
}

func setting(info *debug.BuildInfo, key string) string {
	i := slices.IndexFunc(info.Settings, func(s debug.BuildSetting) bool { return s.Key == key })
	if i < 0 {
		return ""
	}
	return info.Settings[i].Value
}

func joinNonEmpty(sep string, parts ...string) string {
	var out []string
	for _, p := range parts {
		if p != "" {
			out = append(out, p)
		}
	}
	return strings.Join(out, sep)
}
