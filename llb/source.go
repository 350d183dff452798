package llb

import (
	"github.com/goappfrontend/go-app/spec"
	"github.com/moby/buildkit/solver/pb"
)

// SourceRange is the range of the spec file from start to end, for the
// source locations of ops, errors and subrequest answers. A position is
// the range from it to itself; the lines of a section, the range from
// spec.Position{Line: first} to spec.Position{Line: last}.
func SourceRange(start, end spec.Position) *pb.Range {
	return &pb.Range{
		Start: &pb.Position{Line: int32(start.Line), Character: int32(start.Column)},
		End:   &pb.Position{Line: int32(end.Line), Character: int32(end.Column)},
	}
}

// SourceRanges are the ranges of the positions that have a line, each its
// own (see SourceRange); nil when none has.
func SourceRanges(at ...spec.Position) []*pb.Range {
	var rs []*pb.Range
	for _, p := range at {
		if p.Line > 0 {
			rs = append(rs, SourceRange(p, p))
		}
	}
	return rs
}

// SectionRange is the range of the lines of the top-level section key of
// s; ok is false when the file does not set it.
func SectionRange(s *spec.Spec, key string) (r *pb.Range, ok bool) {
	first, last, ok := s.Source.Lines(key)
	if !ok {
		return nil, false
	}
	return SourceRange(spec.Position{Line: first}, spec.Position{Line: last}), true
}
