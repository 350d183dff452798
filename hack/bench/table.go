package main

import (
	"flag"
	"fmt"
	"strings"
)

func cmdTable(args []string) error {
	fl := flag.NewFlagSet("table", flag.ExitOnError)
	in := fl.String("in", "results.json", "results file")
	_ = fl.Parse(args)
	rs, err := readResults(*in)
	if err != nil {
		return err
	}
	fmt.Print(renderMarkdown(rs))
	return nil
}

func secs(s float64) string {
	switch {
	case s == 0:
		return "–"
	case s < 10:
		return fmt.Sprintf("%.2f s", s)
	case s < 100:
		return fmt.Sprintf("%.1f s", s)
	default:
		return fmt.Sprintf("%.0f s", s)
	}
}

func ratio(x float64) string {
	if x == 0 {
		return "–"
	}
	return fmt.Sprintf("%.2f×", x)
}

func bytesStr(n int64) string {
	switch {
	case n < 1024:
		return fmt.Sprintf("%d B", n)
	case n < 1024*1024:
		return fmt.Sprintf("%.0f KiB", float64(n)/1024)
	default:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1024*1024))
	}
}

func contenderTitle(rs *Results, id string) string {
	for _, c := range rs.Contenders {
		if c.ID == id {
			return c.Title
		}
	}
	return id
}

// renderMarkdown is the table printed at the end of a run and written to
// results.md: the figures, the targets of issue 4, and where the time of
// go-app's and the Dockerfile's rebuilds goes.
func renderMarkdown(rs *Results) string {
	var b strings.Builder
	p := func(format string, a ...any) { fmt.Fprintf(&b, format, a...) }
	p("# go-app benchmark results\n\n")
	p("Run %s, %.0f min. Machine: %d CPUs (%s), %d GiB, %s, kernel %s; %s; BuildKit %s; %s; %s.\n\n",
		rs.Started.Format("2006-01-02 15:04 UTC"), rs.DurationSeconds/60, rs.Machine.CPUs, rs.Machine.CPUModel,
		rs.Machine.MemGiB, rs.Machine.OS, rs.Machine.Kernel, rs.Machine.Go, rs.Machine.BuildKit, rs.Machine.Buildx, "ko "+rs.Machine.Ko)
	dirty := ""
	if rs.Config.Dirty {
		dirty = " with uncommitted changes"
	}
	p("Frontend image `%s`, built from commit %.12s%s.\n\n", rs.Config.Frontend, rs.Config.Commit, dirty)
	if len(rs.Load) > 0 {
		hi := rs.Load[0]
		for _, l := range rs.Load {
			if l.Load1 > hi.Load1 {
				hi = l
			}
		}
		p("Load average (1 min) at start %.2f, at end %.2f, highest sample %.2f (%s).\n\n",
			rs.Load[0].Load1, rs.Load[len(rs.Load)-1].Load1, hi.Load1, hi.What)
	}
	var runs, busy, ephemeral int
	for _, r := range rs.Results {
		for _, l := range r.RunLoad {
			runs++
			if l > 3 {
				busy++
			}
			if r.Scenario == scEphemeral {
				ephemeral++
			}
		}
	}
	if runs > 0 {
		p("%d of %d timed runs started with a 1-minute load average above 3 (the bench itself keeps it near 2 on 2 cores; more means other work on the machine", busy, runs)
		if ephemeral > 0 {
			p(", except for the %d ephemeral runs: each starts right after its preparation's build, which the 1-minute average still counts", ephemeral)
		}
		p(").\n\n")
	}
	p("Times are wall-clock seconds of the client command (median, min–max of the timed runs); ")
	p("ratios are medians divided by the best-practice Dockerfile's and by ko's. Image figures are for linux/amd64: ")
	p("compressed layer bytes, layer count, and the uncompressed bytes of the files besides the binary.\n\n")
	for _, a := range rs.Apps {
		p("## %s\n\n", a.Name)
		if a.Cgo != nil {
			p("A cgo app (C packages %s, tags %s): go-app builds it against the cross Dockerfile and the QEMU Dockerfile; "+
				"\"× Dockerfile\" divides by the cross Dockerfile's median.\n\n",
				strings.Join(a.Cgo.Packages, ", "), strings.Join(a.Cgo.Tags, ", "))
		}
		p("| scenario | platforms | contender | runs | median | min–max | × Dockerfile | × ko | image | layers | besides binary |\n")
		p("|---|---|---|--:|--:|--:|--:|--:|--:|--:|--:|\n")
		for _, sc := range rs.Scenarios {
			for _, ps := range rs.PlatformSets {
				first := true
				for _, c := range rs.Contenders {
					r := rs.find(key{a.Name, sc, ps.Name, c.ID})
					if r == nil {
						continue
					}
					scn, psn := "", ""
					if first {
						scn, psn = scenarioTitles[sc], ps.Name
						first = false
					}
					name := c.Title
					if c.ID == "goapp" {
						name = "**" + name + "**"
					}
					if c.Control && (r.Skipped != "" || len(r.Runs) == 0) && r.Error == "" {
						continue
					}
					switch {
					case r.Skipped != "":
						p("| %s | %s | %s | – | %s | | | | | | |\n", scn, psn, name, r.Skipped)
						continue
					case r.Error != "":
						p("| %s | %s | %s | %d | FAILED | | | | | | |\n", scn, psn, name, len(r.Runs))
						continue
					}
					img, layers, besides := "", "", ""
					if r.Image != nil {
						img = bytesStr(r.Image.CompressedBytes)
						layers = fmt.Sprint(r.Image.Layers)
						besides = bytesStr(r.Image.BesidesBinaryBytes)
					}
					p("| %s | %s | %s | %d | %s | %s–%s | %s | %s | %s | %s | %s |\n", scn, psn, name, len(r.Runs),
						secs(r.Median), secs(r.Min), secs(r.Max), ratio(r.RatioDockerfile), ratio(r.RatioKo), img, layers, besides)
				}
			}
		}
		p("\n%s\n\n", flagsLine(rs, a.Name, nil))
		renderEphemeral(&b, rs, a)
	}
	renderTargets(&b, rs)
	renderBreakdowns(&b, rs)
	if len(rs.Errors) > 0 {
		p("## Failed builds\n\n")
		for _, e := range rs.Errors {
			p("```\n%s\n```\n", e)
		}
	}
	return b.String()
}

// renderTargets checks the figures issue 4 holds go-app to.
func renderTargets(b *strings.Builder, rs *Results) {
	p := func(format string, a ...any) { fmt.Fprintf(b, format, a...) }
	p("## Targets (issue 4)\n\n")
	p("| target | app | platforms | go-app | reference | figure | met |\n|---|---|---|--:|--:|--:|---|\n")
	verdict := func(ok bool) string {
		if ok {
			return "yes"
		}
		return "**no**"
	}
	for _, a := range rs.Apps {
		for _, ps := range rs.PlatformSets {
			g := func(sc string) *Result {
				r := rs.find(key{a.Name, sc, ps.Name, "goapp"})
				if r == nil || r.Median == 0 {
					return nil
				}
				return r
			}
			other := func(sc, c string) *Result {
				r := rs.find(key{a.Name, sc, ps.Name, c})
				if r == nil || r.Median == 0 {
					return nil
				}
				return r
			}
			if r, d := g(scOneLine), other(scOneLine, "dockerfile"); r != nil && d != nil {
				x := r.Median / d.Median
				p("| one-line change ≤ 1.0× best-practice Dockerfile | %s | %s | %s | %s | %.2f× | %s |\n", a.Name, ps.Name, secs(r.Median), secs(d.Median), x, verdict(x <= 1.0))
			}
			if r, k := g(scOneLine), other(scOneLine, "ko"); r != nil && k != nil {
				x := r.Median / k.Median
				p("| one-line change ≤ 1.3× ko | %s | %s | %s | %s | %.2f× | %s |\n", a.Name, ps.Name, secs(r.Median), secs(k.Median), x, verdict(x <= 1.3))
			}
			if r, q := g(scCold), other(scCold, "qemu"); r != nil && q != nil {
				x := q.Median / r.Median
				p("| cold build ≥ 5× faster than QEMU | %s | %s | %s | %s | %.1f× faster | %s |\n", a.Name, ps.Name, secs(r.Median), secs(q.Median), x, verdict(x >= 5))
			}
			if r, q := g(scCold), other(scCold, "cgo-qemu"); r != nil && q != nil {
				x := q.Median / r.Median
				p("| cgo: cold build ≥ 4× faster than the QEMU Dockerfile | %s | %s | %s | %s | %.1f× faster | %s |\n", a.Name, ps.Name, secs(r.Median), secs(q.Median), x, verdict(x >= 4))
			}
			if r, d := g(scOneLine), other(scOneLine, "cgo-cross"); r != nil && d != nil {
				x := r.Median / d.Median
				p("| cgo: one-line change ≤ 1.0× the cross Dockerfile | %s | %s | %s | %s | %.2f× | %s |\n", a.Name, ps.Name, secs(r.Median), secs(d.Median), x, verdict(x <= 1.0))
			}
			if r, d := g(scNoChange), other(scNoChange, "dockerfile"); r != nil && d != nil {
				x := r.Median / d.Median
				p("| no-change rebuild ≤ 1.2× Dockerfile frontend | %s | %s | %s | %s | %.2f× | %s |\n", a.Name, ps.Name, secs(r.Median), secs(d.Median), x, verdict(x <= 1.2))
			}
		}
		var img *Image
		for _, r := range rs.Results {
			if r.App == a.Name && r.Contender == "goapp" && r.Image != nil {
				img = r.Image
				break
			}
		}
		if img != nil {
			p("| runtime files besides the binary ≤ 1 MiB | %s | linux/amd64 | %s | 1 MiB | | %s |\n", a.Name, bytesStr(img.BesidesBinaryBytes), verdict(img.BesidesBinaryBytes <= 1<<20))
			p("| ≤ 3 layers | %s | linux/amd64 | %d | 3 | | %s |\n", a.Name, img.Layers, verdict(img.Layers <= 3))
		}
	}
	p("\n%s\n\n", flagsLine(rs, "", []string{"goapp", "dockerfile", "ko", "qemu", "cgo-cross", "cgo-qemu"}))
}

// flagsLine says how the contenders (ids, or all that have results) called
// go build, for the results of app (or of all apps): as configured, and
// what their linux/amd64 binaries' build information and ELF sections say.
func flagsLine(rs *Results, app string, ids []string) string {
	var parts []string
	for _, c := range rs.Contenders {
		if ids != nil && !contains(ids, c.ID) {
			continue
		}
		var seen []string
		ran := false
		for _, r := range rs.Results {
			if r.Contender != c.ID || (app != "" && r.App != app) || r.Skipped != "" {
				continue
			}
			ran = ran || len(r.Runs) > 0 || r.Error != ""
			if r.GoBuild != "" && !contains(seen, r.GoBuild) {
				seen = append(seen, r.GoBuild)
			}
		}
		if !ran {
			continue
		}
		var configured []string
		for _, x := range rs.Apps {
			if f := c.flagsFor(x); (app == "" || x.Name == app) && c.builds(x) && !contains(configured, f) {
				configured = append(configured, f)
			}
		}
		flags := strings.Join(configured, " / ")
		if flags == "" {
			flags = "not recorded"
		}
		binary := "not read"
		if len(seen) > 0 {
			binary = "`" + strings.Join(seen, "` / `") + "`"
		}
		parts = append(parts, fmt.Sprintf("%s `%s` (binary: %s)", c.Title, flags, binary))
	}
	if len(parts) == 0 {
		return ""
	}
	return "go build flags, as configured (and what the linux/amd64 binary's build information and ELF sections say): " + strings.Join(parts, "; ") + "."
}

// renderEphemeral shows the caches of the ephemeral scenario of app: what
// each timed run started from and what it exported.
func renderEphemeral(b *strings.Builder, rs *Results, a App) {
	p := func(format string, a ...any) { fmt.Fprintf(b, format, a...) }
	var rows []*Result
	for _, ps := range rs.PlatformSets {
		for _, c := range rs.Contenders {
			if r := rs.find(key{a.Name, scEphemeral, ps.Name, c.ID}); r != nil && r.Skipped == "" {
				rows = append(rows, r)
			}
		}
	}
	if len(rows) == 0 {
		return
	}
	p("### %s: ephemeral runner, caches\n\n", a.Name)
	p("Each run uses a new, empty buildkitd (ko: new, empty GOCACHE and GOMODCACHE); see the note below. ")
	p("%s\n\n", ephemeralSizes(rs.Config.EphemeralCache))
	p("| platforms | contender | runs | median | min–max | × Dockerfile | × ko | cache restored | cache exported |\n")
	p("|---|---|--:|--:|--:|--:|--:|--:|--:|\n")
	for _, r := range rows {
		name := contenderTitle(rs, r.Contender)
		if r.Contender == "goapp" {
			name = "**" + name + "**"
		}
		if r.Error != "" {
			p("| %s | %s | %d | FAILED | | | | | |\n", r.Platforms, name, len(r.Runs))
			continue
		}
		imp, exp := "–", "–"
		if len(r.CacheImportBytes) > 0 && medianBytes(r.CacheImportBytes) > 0 {
			imp = bytesStr(medianBytes(r.CacheImportBytes))
		}
		if len(r.CacheExportBytes) > 0 && medianBytes(r.CacheExportBytes) > 0 {
			exp = bytesStr(medianBytes(r.CacheExportBytes))
		}
		p("| %s | %s | %d | %s | %s–%s | %s | %s | %s | %s |\n", r.Platforms, name, len(r.Runs),
			secs(r.Median), secs(r.Min), secs(r.Max), ratio(r.RatioDockerfile), ratio(r.RatioKo), imp, exp)
	}
	var ids []string
	for _, r := range rows {
		ids = append(ids, r.Contender)
	}
	p("\n%s\n\n", flagsLine(rs, a.Name, ids))
	p("%s\n\n", ephemeralNote(rs.Config.EphemeralCache))
}

// renderBreakdowns shows, for go-app and the best-practice Dockerfile (with
// the built-in frontend and as a frontend image), where
// the time of the amd64 no-change and one-line-change rebuilds goes.
func renderBreakdowns(b *strings.Builder, rs *Results) {
	p := func(format string, a ...any) { fmt.Fprintf(b, format, a...) }
	var shown bool
	for _, a := range rs.Apps {
		// A cgo app's breakdowns are for every platform set: its targets
		// are for amd64+arm64.
		psets := []string{"amd64"}
		if a.Cgo != nil {
			psets = nil
			for _, ps := range rs.PlatformSets {
				psets = append(psets, ps.Name)
			}
		}
		for _, sc := range []string{scCold, scNoChange, scOneLine, scEphemeral} {
			for _, pc := range cross(psets, []string{"goapp", "dockerfile", "dockerfile-gw", "cgo-cross"}) {
				ps, c := pc[0], pc[1]
				var bd *Breakdown
				for i := range rs.Breakdowns {
					x := &rs.Breakdowns[i]
					if x.App == a.Name && x.Scenario == sc && x.Platforms == ps && x.Contender == c {
						bd = x
					}
				}
				if bd == nil {
					continue
				}
				if !shown {
					p("## Where the time goes (linux/amd64 builds; every platform set of a cgo app)\n\n")
					p("Medians over the timed runs, in ms from the start of `docker buildx build`, from BuildKit's progress (`--progress=rawjson`). ")
					p("\"before\" is the client's start-up until BuildKit reports the first vertex; \"after\" is from the end of the last vertex to the exit of the client. ")
					p("Lines with › are status lines within the vertex above.\n\n")
					shown = true
				}
				p("### %s, %s, %s\n\n", a.Name, scenarioTitles[sc]+psetSuffix(ps, a), contenderTitle(rs, c))
				p("wall %.0f ms = before %.0f + vertices from %.0f to %.0f (covering %.0f) + after %.0f; %d runs.\n\n",
					bd.WallMs, bd.FirstMs, bd.FirstMs, bd.LastMs, bd.BusyMs, bd.WallMs-bd.LastMs, bd.Runs)
				p("| vertex | cached | start | duration |\n|---|--:|--:|--:|\n")
				for _, v := range bd.Vertices {
					name := strings.ReplaceAll(v.Name, "|", "\\|")
					if r := []rune(name); len(r) > 90 {
						name = string(r[:87]) + "…"
					}
					cached := fmt.Sprintf("%d/%d", v.Cached, v.Seen)
					if v.Status {
						cached = ""
					}
					p("| %s | %s | %.0f | %.0f |\n", name, cached, v.StartMs, v.DurationMs)
				}
				p("\n%s\n\n", flagsLine(rs, a.Name, []string{c}))
			}
		}
	}
}

// cross is every pair of an item of xs and an item of ys, xs outermost.
func cross(xs, ys []string) [][2]string {
	var out [][2]string
	for _, x := range xs {
		for _, y := range ys {
			out = append(out, [2]string{x, y})
		}
	}
	return out
}

// psetSuffix names platform set ps in a breakdown's title, where it is not
// the amd64 of every app's breakdowns.
func psetSuffix(ps string, a App) string {
	if a.Cgo == nil {
		return ""
	}
	return ", " + ps
}
