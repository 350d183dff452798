package main

import (
	"bufio"
	"encoding/json"
	"io"
	"regexp"
	"sort"
	"strings"
	"time"
)

// The parts of BuildKit's progress (`--progress=rawjson`: one
// client.SolveStatus per line) the breakdown needs.
type solveStatus struct {
	Vertexes []struct {
		Digest    string     `json:"digest"`
		Name      string     `json:"name"`
		Started   *time.Time `json:"started"`
		Completed *time.Time `json:"completed"`
		Cached    bool       `json:"cached"`
		Error     string     `json:"error"`
	} `json:"vertexes"`
	Statuses []struct {
		ID        string     `json:"id"`
		Vertex    string     `json:"vertex"`
		Started   *time.Time `json:"started"`
		Completed *time.Time `json:"completed"`
	} `json:"statuses"`
}

// span is one vertex (or one status of a vertex, like "exporting layers")
// of one build, in milliseconds from the start of the client command.
type span struct {
	Name    string  `json:"name"`
	StartMs float64 `json:"start_ms"`
	EndMs   float64 `json:"end_ms"`
	Cached  bool    `json:"cached"`
	Status  bool    `json:"status"` // a status line of the vertex before it
}

// trace is the timeline of one build.
type trace struct {
	WallMs float64 `json:"wall_ms"`
	Spans  []span  `json:"spans"`
}

var (
	digestRE = regexp.MustCompile(`sha256:[0-9a-f]{64}`)
	sizeRE   = regexp.MustCompile(`\s+[0-9.]+[kKMG]?i?B\s*/\s*[0-9.]+[kKMG]?i?B$`)
)

// cleanName shortens digests so that names compare across builds.
func cleanName(s string) string {
	s = digestRE.ReplaceAllStringFunc(s, func(d string) string { return d[:7] + "…" })
	return strings.TrimSpace(sizeRE.ReplaceAllString(s, ""))
}

// parseTrace reads rawjson progress. start and end are the client
// command's start and end; BuildKit's timestamps come from the same clock.
func parseTrace(rd io.Reader, start, end time.Time) (*trace, error) {
	type vtx struct {
		name       string
		start, end time.Time
		cached     bool
		order      int
	}
	vs := map[string]*vtx{}
	type st struct {
		vertex     string
		id         string
		start, end time.Time
		order      int
	}
	sts := map[string]*st{}
	n := 0
	sc := bufio.NewScanner(rd)
	sc.Buffer(make([]byte, 1024*1024), 64*1024*1024)
	for sc.Scan() {
		line := sc.Bytes()
		if len(line) == 0 || line[0] != '{' {
			continue
		}
		var s solveStatus
		if err := json.Unmarshal(line, &s); err != nil {
			continue // buildx may print other lines (warnings)
		}
		for _, v := range s.Vertexes {
			x := vs[v.Digest]
			if x == nil {
				n++
				x = &vtx{order: n}
				vs[v.Digest] = x
			}
			if v.Name != "" {
				x.name = v.Name
			}
			if v.Started != nil && (x.start.IsZero() || v.Started.Before(x.start)) {
				x.start = *v.Started
			}
			if v.Completed != nil && v.Completed.After(x.end) {
				x.end = *v.Completed
			}
			x.cached = x.cached || v.Cached
		}
		for _, s := range s.Statuses {
			id := s.Vertex + "\x00" + s.ID
			x := sts[id]
			if x == nil {
				n++
				x = &st{vertex: s.Vertex, id: s.ID, order: n}
				sts[id] = x
			}
			if s.Started != nil && (x.start.IsZero() || s.Started.Before(x.start)) {
				x.start = *s.Started
			}
			if s.Completed != nil && s.Completed.After(x.end) {
				x.end = *s.Completed
			}
		}
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	ms := func(t time.Time) float64 { return float64(t.Sub(start).Microseconds()) / 1000 }
	tr := &trace{WallMs: float64(end.Sub(start).Microseconds()) / 1000}
	type ordered struct {
		span
		order int
	}
	var all []ordered
	for _, v := range vs {
		if v.start.IsZero() {
			continue
		}
		e := v.end
		if e.IsZero() {
			e = v.start
		}
		all = append(all, ordered{span{Name: cleanName(v.name), StartMs: ms(v.start), EndMs: ms(e), Cached: v.cached}, v.order})
	}
	for _, s := range sts {
		v := vs[s.vertex]
		if v == nil || s.start.IsZero() {
			continue
		}
		e := s.end
		if e.IsZero() {
			e = s.start
		}
		all = append(all, ordered{span{Name: cleanName(v.name) + " › " + cleanName(s.id), StartMs: ms(s.start), EndMs: ms(e), Status: true}, s.order})
	}
	sort.SliceStable(all, func(i, j int) bool {
		if all[i].StartMs != all[j].StartMs {
			return all[i].StartMs < all[j].StartMs
		}
		return all[i].order < all[j].order
	})
	for _, o := range all {
		tr.Spans = append(tr.Spans, o.span)
	}
	return tr, nil
}

// Breakdown is where the time of one kind of build goes: each vertex's
// median start and duration over the timed runs, in milliseconds from the
// start of the client command.
type Breakdown struct {
	App       string          `json:"app"`
	Scenario  string          `json:"scenario"`
	Platforms string          `json:"platforms"`
	Contender string          `json:"contender"`
	Runs      int             `json:"runs"`
	WallMs    float64         `json:"wall_ms"`
	FirstMs   float64         `json:"first_vertex_ms"` // client start-up before BuildKit reports anything
	LastMs    float64         `json:"last_vertex_end_ms"`
	BusyMs    float64         `json:"busy_ms"` // time covered by at least one vertex
	Vertices  []VertexSummary `json:"vertices"`
}

// VertexSummary is one vertex name's figures over the runs of a Breakdown.
type VertexSummary struct {
	Name       string  `json:"name"`
	Seen       int     `json:"seen"`   // in how many runs
	Cached     int     `json:"cached"` // in how many runs it was a cache hit
	StartMs    float64 `json:"start_ms"`
	DurationMs float64 `json:"duration_ms"`
	Status     bool    `json:"status,omitempty"`
}

func (r *runner) breakdowns() []Breakdown {
	var out []Breakdown
	for _, res := range r.rs.Results {
		k := res.key()
		trs := r.traces[k]
		if len(trs) == 0 {
			continue
		}
		out = append(out, summarize(k, trs))
	}
	return out
}

func summarize(k key, trs []*trace) Breakdown {
	b := Breakdown{App: k.App, Scenario: k.Scenario, Platforms: k.Platforms, Contender: k.Contender, Runs: len(trs)}
	var walls, firsts, lasts, busys []float64
	type acc struct {
		seen, cached int
		starts, durs []float64
		order        float64
		status       bool
	}
	accs := map[string]*acc{}
	var names []string
	for _, tr := range trs {
		walls = append(walls, tr.WallMs)
		first, last := -1.0, 0.0
		// A name can repeat within a build (one vertex per platform with
		// the same name): its span is first start to last end.
		type se struct{ s, e float64 }
		spans := map[string]*se{}
		cached := map[string]bool{}
		var order []string
		var ivs [][2]float64
		for _, s := range tr.Spans {
			if !s.Status {
				if first < 0 || s.StartMs < first {
					first = s.StartMs
				}
				last = max(last, s.EndMs)
				ivs = append(ivs, [2]float64{s.StartMs, s.EndMs})
			}
			x := spans[s.Name]
			if x == nil {
				spans[s.Name] = &se{s.StartMs, s.EndMs}
				order = append(order, s.Name)
				cached[s.Name] = s.Cached
			} else {
				x.s = min(x.s, s.StartMs)
				x.e = max(x.e, s.EndMs)
				cached[s.Name] = cached[s.Name] && s.Cached
			}
			if a := accs[s.Name]; a == nil {
				accs[s.Name] = &acc{order: s.StartMs, status: s.Status}
				names = append(names, s.Name)
			}
		}
		for _, n := range order {
			a := accs[n]
			a.seen++
			if cached[n] {
				a.cached++
			}
			a.starts = append(a.starts, spans[n].s)
			a.durs = append(a.durs, spans[n].e-spans[n].s)
		}
		firsts = append(firsts, max(first, 0))
		lasts = append(lasts, last)
		busys = append(busys, covered(ivs))
	}
	b.WallMs = median(walls)
	b.FirstMs = median(firsts)
	b.LastMs = median(lasts)
	b.BusyMs = median(busys)
	for _, n := range names {
		a := accs[n]
		b.Vertices = append(b.Vertices, VertexSummary{
			Name: n, Seen: a.seen, Cached: a.cached,
			StartMs: median(a.starts), DurationMs: median(a.durs), Status: a.status,
		})
	}
	sort.SliceStable(b.Vertices, func(i, j int) bool { return b.Vertices[i].StartMs < b.Vertices[j].StartMs })
	return b
}

// covered is the length of the union of intervals.
func covered(ivs [][2]float64) float64 {
	sort.Slice(ivs, func(i, j int) bool { return ivs[i][0] < ivs[j][0] })
	total, curS, curE := 0.0, 0.0, -1.0
	for _, iv := range ivs {
		if iv[0] > curE {
			if curE > curS {
				total += curE - curS
			}
			curS, curE = iv[0], iv[1]
			continue
		}
		curE = max(curE, iv[1])
	}
	if curE > curS {
		total += curE - curS
	}
	return total
}
