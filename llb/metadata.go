package llb

import (
	"cmp"
	"strings"
	"time"

	"github.com/distribution/reference"
	"github.com/goappfrontend/go-app/spec"
	ocispecs "github.com/opencontainers/image-spec/specs-go/v1"
)

// shortCommitLen is the length of LdflagsVars.ShortCommit: git's shortest
// abbreviation. A fixed length keeps the value the same on every machine.
const shortCommitLen = 7

// LdflagsVars are the values of build.ldflags' variables for a build with
// metadata m and SOURCE_DATE_EPOCH epoch (nil when not given). They are the
// values of the org.opencontainers.image.* labels, with placeholders
// (spec.UnknownVersion, spec.UnknownCommit, spec.UnknownDate) for what the
// build does not give: a label is left out then.
func (m Metadata) LdflagsVars(epoch *time.Time) spec.LdflagsVars {
	v := spec.LdflagsVars{
		Version:     cmp.Or(m.Version, spec.UnknownVersion),
		Commit:      cmp.Or(m.Revision, spec.UnknownCommit),
		ShortCommit: cmp.Or(shortCommit(m.Revision), spec.UnknownCommit),
		Source:      m.Source,
		Date:        spec.UnknownDate,
	}
	if epoch != nil {
		v.Date = epoch.UTC().Format(time.RFC3339)
	}
	return v
}

// shortCommit abbreviates a commit hash, keeping the "-dirty" suffix buildx
// adds with BUILDX_GIT_CHECK_DIRTY=1.
func shortCommit(rev string) string {
	hash, dirty := strings.CutSuffix(rev, "-dirty")
	if len(hash) > shortCommitLen {
		hash = hash[:shortCommitLen]
	}
	if dirty {
		hash += "-dirty"
	}
	return hash
}

// expandLdflags returns the spec with build.ldflags expanded for this
// build. The spec is copied, never changed: every platform expands the same
// template.
func expandLdflags(opt Options) (*spec.Spec, error) {
	s := opt.Spec
	l, err := spec.ParseLdflags(s.Build.Ldflags)
	if err == nil && len(l.Vars) == 0 && !strings.Contains(s.Build.Ldflags, "{{") {
		return s, nil // nothing to expand
	}
	var ldflags string
	if err == nil {
		ldflags, err = l.Expand(opt.Metadata.LdflagsVars(opt.Epoch))
	}
	if err != nil {
		return nil, spec.Errors{&spec.Error{
			Filename: cmp.Or(s.Source.Filename, spec.DefaultFilename),
			Pos:      s.Source.Pos("build.ldflags"),
			Msg:      err.Error(),
			Rule:     spec.RuleInvalidValue,
		}}
	}
	c := *s
	c.Build.Ldflags = ldflags
	return &c, nil
}

// ownLabels are the labels go-app sets from the build. A base image's
// values of them describe the base, not this image: they are dropped, and
// set again when go-app knows them.
var ownLabels = []string{
	ocispecs.AnnotationTitle, ocispecs.AnnotationCreated,
	ocispecs.AnnotationVersion, ocispecs.AnnotationRevision, ocispecs.AnnotationSource,
	ocispecs.AnnotationBaseImageName, ocispecs.AnnotationBaseImageDigest,
}

// baseLabels are org.opencontainers.image.base.name and base.digest: the
// runtime base as written, normalised (docker.io/library/alpine:3.22 for
// alpine:3.22), and the digest go-app pinned it to. They are set only when
// the digest is known (not for a base a named context replaced).
func baseLabels(base *Image) map[string]string {
	if base == nil || base.Digest == "" {
		return nil
	}
	named, err := reference.ParseNormalizedNamed(base.Ref)
	if err != nil {
		return nil
	}
	return map[string]string{
		ocispecs.AnnotationBaseImageName:   reference.TagNameOnly(named).String(),
		ocispecs.AnnotationBaseImageDigest: base.Digest.String(),
	}
}
