package main

import (
	"flag"
	"fmt"
	"image/color"
	"os"
	"slices"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
)

// contenderStyle gives every contender the same color and marker in every
// panel; go-app is the large red disc.
var contenderStyle = map[string]struct {
	color color.RGBA
	shape draw.GlyphDrawer
	size  vg.Length
}{
	"goapp":      {color.RGBA{R: 214, G: 39, B: 40, A: 255}, draw.CircleGlyph{}, 5},
	"dockerfile": {color.RGBA{R: 31, G: 119, B: 180, A: 255}, draw.BoxGlyph{}, 4},
	"naive":      {color.RGBA{R: 127, G: 127, B: 127, A: 255}, draw.CrossGlyph{}, 4},
	"qemu":       {color.RGBA{R: 148, G: 103, B: 189, A: 255}, draw.TriangleGlyph{}, 4},
	"ko":         {color.RGBA{R: 44, G: 160, B: 44, A: 255}, draw.PyramidGlyph{}, 4},
	"host":       {color.RGBA{R: 255, G: 127, B: 14, A: 255}, draw.RingGlyph{}, 4},
	"goapp-cold": {color.RGBA{R: 240, G: 150, B: 150, A: 255}, draw.RingGlyph{}, 5},
	"cgo-cross":  {color.RGBA{R: 31, G: 119, B: 180, A: 255}, draw.BoxGlyph{}, 4},
	"cgo-qemu":   {color.RGBA{R: 148, G: 103, B: 189, A: 255}, draw.TriangleGlyph{}, 4},
}

func cmdChart(args []string) error {
	fl := flag.NewFlagSet("chart", flag.ExitOnError)
	in := fl.String("in", "results.json", "results file")
	out := fl.String("out", "chart.png", "PNG to write")
	_ = fl.Parse(args)
	rs, err := readResults(*in)
	if err != nil {
		return err
	}
	return drawChart(rs, *out)
}

// errPoints is a scatter's points with their min–max as y errors.
type errPoints struct {
	plotter.XYs
	plotter.YErrors
}

// drawChart draws one panel per app: every scenario × platform set on the x
// axis, the median time of each contender as a marker with its min–max, on a
// log scale.
func drawChart(rs *Results, file string) error {
	type group struct{ sc, ps string }
	var groups []group
	for _, sc := range rs.Scenarios {
		for _, ps := range rs.PlatformSets {
			groups = append(groups, group{sc, ps.Name})
		}
	}
	short := map[string]string{scCold: "cold", scNoChange: "no change", scOneLine: "one-line .go", scGoMod: "go.mod + dep", scEphemeral: "ephemeral CI"}
	var ticks []plot.Tick
	for i, g := range groups {
		ticks = append(ticks, plot.Tick{Value: float64(i), Label: short[g.sc] + "\n" + g.ps})
	}
	var shown []Contender
	for _, c := range rs.Contenders {
		ran := slices.ContainsFunc(rs.Results, func(r Result) bool { return r.Contender == c.ID && r.Median > 0 })
		if !c.Control && ran {
			shown = append(shown, c)
		}
	}
	n := len(shown)
	width := 0.8
	var plots [][]*plot.Plot
	for _, a := range rs.Apps {
		p := plot.New()
		p.Title.Text = fmt.Sprintf("%s: wall time per build (median and min–max, log scale)", a.Name)
		p.Y.Label.Text = "seconds"
		p.Y.Scale = plot.LogScale{}
		p.Y.Tick.Marker = plot.LogTicks{Prec: -1}
		p.X.Tick.Marker = plot.ConstantTicks(ticks)
		p.X.Min, p.X.Max = -0.6, float64(len(groups))-0.4
		p.Legend.Top = true
		p.Legend.Left = true
		grid := plotter.NewGrid()
		grid.Vertical.Color = nil
		p.Add(grid)
		lo, hi := 0.0, 0.0
		for ci, c := range shown {
			var pts errPoints
			for gi, g := range groups {
				r := rs.find(key{a.Name, g.sc, g.ps, c.ID})
				if r == nil || r.Median <= 0 {
					continue
				}
				x := float64(gi) - width/2 + width*(float64(ci)+0.5)/float64(n)
				pts.XYs = append(pts.XYs, plotter.XY{X: x, Y: r.Median})
				pts.YErrors = append(pts.YErrors, struct{ Low, High float64 }{r.Median - r.Min, r.Max - r.Median})
				if lo == 0 || r.Min < lo {
					lo = r.Min
				}
				hi = max(hi, r.Max)
			}
			if len(pts.XYs) == 0 {
				continue
			}
			st := contenderStyle[c.ID]
			s, err := plotter.NewScatter(pts.XYs)
			if err != nil {
				return err
			}
			s.GlyphStyle.Color = st.color
			s.GlyphStyle.Shape = st.shape
			s.GlyphStyle.Radius = vg.Points(float64(st.size))
			eb, err := plotter.NewYErrorBars(pts)
			if err != nil {
				return err
			}
			eb.LineStyle.Color = st.color
			eb.CapWidth = vg.Points(4)
			p.Add(eb, s)
			p.Legend.Add(c.Title, s)
		}
		if lo > 0 {
			p.Y.Min, p.Y.Max = lo/2, hi*20 // room above the points for the legend
		}
		plots = append(plots, []*plot.Plot{p})
	}
	if len(plots) == 0 {
		return fmt.Errorf("no apps in the results")
	}
	w, h := 32*vg.Centimeter, vg.Length(len(plots))*14*vg.Centimeter
	img := vgimg.NewWith(vgimg.UseWH(w, h), vgimg.UseDPI(110))
	dc := draw.New(img)
	t := draw.Tiles{Rows: len(plots), Cols: 1, PadX: vg.Millimeter, PadY: 4 * vg.Millimeter,
		PadTop: 2 * vg.Millimeter, PadBottom: 2 * vg.Millimeter, PadLeft: 2 * vg.Millimeter, PadRight: 4 * vg.Millimeter}
	canvases := plot.Align(plots, t, dc)
	for i := range plots {
		plots[i][0].Draw(canvases[i][0])
	}
	f, err := os.Create(file)
	if err != nil {
		return err
	}
	if _, err := (vgimg.PngCanvas{Canvas: img}).WriteTo(f); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
