package main

import (
	"fmt"
	"image/color"
	"io"
	"math"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/text"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgsvg"
)

// Chart geometry: a panel per workload, one horizontal bar per target.
const (
	chartWidth = 9 * vg.Inch
	barPitch   = 0.36 * vg.Inch // height of one bar's row, its name above the bar
	panelExtra = 0.9 * vg.Inch  // a panel's title and axis
)

// Colours of the chart.
var (
	oursColor    = color.RGBA{R: 0x2b, G: 0x6c, B: 0xb0, A: 0xff}
	articleColor = color.RGBA{R: 0xb0, G: 0xb0, B: 0xb0, A: 0xff}
	ceilingColor = color.RGBA{R: 0x6a, G: 0x9a, B: 0x5b, A: 0xff}
)

// chartBar is one bar of a panel.
type chartBar struct {
	label string  // the name readers know
	qps   float64 // the bar's length
	bound float64 // the model's Little's-law bound, drawn over the bar; 0 for none
	kind  string  // "ours", "article" or "ceiling"
}

// chartPanel is one workload's group of bars, on its own linear axis.
type chartPanel struct {
	title string     // the workload, as the tables name it
	axis  string     // what the bars measure
	bars  []chartBar // top to bottom
}

// writeChart draws r as an SVG: a panel per workload with a linear axis
// (5 and 5,000 do not share one scale, so each bar carries its figure),
// our rows as bars, the article's own figures in grey under the rows that
// play their part, each model's bound as a dashed mark on its own bar, and
// nginx, which does not run the app, in a "ceiling" panel of its own
// instead of the article's groups.
func writeChart(w io.Writer, r *Results) error {
	panels := chartPanels(r)
	height := vg.Length(0)
	for _, p := range panels {
		height += panelHeight(p)
	}
	height = max(height, panelExtra)
	c := vgsvg.New(chartWidth, height)
	dc := draw.New(c)
	top := height
	for _, p := range panels {
		pl, err := buildPanel(p)
		if err != nil {
			return err
		}
		h := panelHeight(p)
		pl.Draw(draw.Crop(dc, 0, 0, top-h, top-height))
		top -= h
	}
	if _, err := c.WriteTo(w); err != nil {
		return fmt.Errorf("write chart: %w", err)
	}
	return nil
}

// panelHeight is the height a panel needs for its bars.
func panelHeight(p chartPanel) vg.Length {
	return panelExtra + vg.Length(len(p.bars))*barPitch
}

// chartPanels groups the measured rows into panels, one per workload,
// with nginx's rows of the article workloads moved to a ceiling panel.
func chartPanels(r *Results) []chartPanel {
	var out []chartPanel
	ceiling := chartPanel{title: "ceiling: nginx answers a fixed body without the app's sleep (not the same app)",
		axis: "requests per second"}
	for _, w := range r.Workloads {
		if w.Group == c10kGroup {
			if p := c10kPanel(r, w); len(p.bars) > 0 {
				out = append(out, p)
			}
			continue
		}
		p := chartPanel{title: w.Name + ": " + w.Summary, axis: "requests per second"}
		for i := range r.Rows {
			row := &r.Rows[i]
			if row.Workload != w.Name || !measured(row) {
				continue
			}
			if row.FixedBody && w.Delay > 0 {
				ceiling.bars = append(ceiling.bars, chartBar{label: rowLabel(row) + ", " + w.Name, qps: row.QPS, kind: "ceiling"})
				continue
			}
			p.bars = append(p.bars, chartBar{label: rowLabel(row), qps: row.QPS, bound: row.BoundQPS, kind: "ours"})
			if a, ok := articleFigure(row.Target); ok && w.Name == "article-keepalive" {
				p.bars = append(p.bars, chartBar{label: "the article's figure for it: " + a.qps, qps: a.figure, kind: "article"})
			}
		}
		if len(p.bars) > 0 {
			out = append(out, p)
		}
	}
	if len(ceiling.bars) > 0 {
		out = append(out, ceiling)
	}
	return out
}

// c10kPanel is the c10k workload's panel: bytes of server memory per held
// connection.
func c10kPanel(r *Results, w Workload) chartPanel {
	p := chartPanel{title: fmt.Sprintf("c10k: server memory per idle keep-alive connection, %s held", thousands(int64(w.Connections))),
		axis: "bytes per held connection"}
	for i := range r.Rows {
		row := &r.Rows[i]
		if row.Workload == w.Name && measured(row) && row.C10K != nil {
			p.bars = append(p.bars, chartBar{label: rowLabel(row), qps: max(row.C10K.BytesPerConn, 0), kind: "ours"})
		}
	}
	return p
}

// rowLabel is a row's name in the chart.
func rowLabel(row *Row) string {
	name := row.Target
	if row.Label != "" {
		name = row.Label
	}
	if row.ServerCloses {
		name += " (closes)"
	}
	return name
}

// articleFigure returns the article's row that target plays, when the
// article printed a figure for it.
func articleFigure(target string) (articleRow, bool) {
	for _, a := range articleTable {
		if a.target == target && a.figure > 0 {
			return a, true
		}
	}
	return articleRow{}, false
}

// buildPanel lays out one panel: horizontal bars on a linear axis from 0.
func buildPanel(p chartPanel) (*plot.Plot, error) {
	pl := plot.New()
	pl.Title.Text = p.title
	pl.Title.TextStyle.Font.Size = vg.Points(10)
	pl.X.Label.Text = p.axis
	n := len(p.bars)
	top := 1.0
	names := make([]string, n)
	for i, b := range p.bars {
		names[n-1-i] = b.label // y counts from the bottom
		top = math.Max(top, math.Max(b.qps, b.bound))
	}
	for _, kind := range []string{"ours", "article", "ceiling"} {
		if err := addBars(pl, p.bars, kind); err != nil {
			return nil, err
		}
	}
	if err := addBounds(pl, p.bars); err != nil {
		return nil, err
	}
	if err := addFigures(pl, p.bars); err != nil {
		return nil, err
	}
	// Each name is written above its bar from the axis on, left-aligned:
	// viewers without the Liberation fonts draw wider glyphs than gonum
	// measures, which would push right-aligned names into the bars.
	if err := addNames(pl, names); err != nil {
		return nil, err
	}
	pl.HideY()
	pl.X.Tick.Marker = plainTicks{}
	pl.Y.Min, pl.Y.Max = -0.5, float64(n)-0.1
	pl.X.Min = 0
	pl.X.Max = top * 1.18 // room for the figures past the longest bar
	return pl, nil
}

// addNames writes names[i] above bar i (counted from the bottom).
func addNames(pl *plot.Plot, names []string) error {
	var xy plotter.XYLabels
	for i, name := range names {
		xy.XYs = append(xy.XYs, plotter.XY{X: 0, Y: float64(i) + 0.18})
		xy.Labels = append(xy.Labels, name)
	}
	labels, err := plotter.NewLabels(xy)
	if err != nil {
		return fmt.Errorf("chart names: %w", err)
	}
	for i := range labels.TextStyle {
		labels.TextStyle[i].XAlign = text.XLeft
		labels.TextStyle[i].YAlign = text.YBottom
		labels.TextStyle[i].Font.Size = vg.Points(9)
	}
	pl.Add(labels)
	return nil
}

// addBars draws the bars of one kind; the others are zero there.
func addBars(pl *plot.Plot, bars []chartBar, kind string) error {
	n := len(bars)
	vals := make(plotter.Values, n)
	any := false
	for i, b := range bars {
		if b.kind == kind {
			vals[n-1-i] = b.qps
			any = true
		}
	}
	if !any {
		return nil
	}
	bc, err := plotter.NewBarChart(vals, barPitch*0.4)
	if err != nil {
		return fmt.Errorf("chart bars: %w", err)
	}
	bc.Horizontal = true
	bc.LineStyle.Width = 0
	bc.Color = map[string]color.Color{"ours": oursColor, "article": articleColor, "ceiling": ceilingColor}[kind]
	pl.Add(bc)
	return nil
}

// addBounds draws each bar's Little's-law bound as a dashed mark across
// its row.
func addBounds(pl *plot.Plot, bars []chartBar) error {
	n := len(bars)
	for i, b := range bars {
		if b.bound <= 0 {
			continue
		}
		y := float64(n - 1 - i)
		line, err := plotter.NewLine(plotter.XYs{{X: b.bound, Y: y - 0.45}, {X: b.bound, Y: y + 0.45}})
		if err != nil {
			return fmt.Errorf("chart bound: %w", err)
		}
		line.Width = vg.Points(1.5)
		line.Dashes = []vg.Length{vg.Points(3), vg.Points(2)}
		line.Color = color.Black
		pl.Add(line)
	}
	return nil
}

// addFigures writes each bar's QPS past its end, and its bound when the
// bar is far from it.
func addFigures(pl *plot.Plot, bars []chartBar) error {
	n := len(bars)
	var xy plotter.XYLabels
	for i, b := range bars {
		if b.kind == "article" {
			continue // its figure is in its name, as the article printed it
		}
		label := fmtQPS(b.qps)
		if b.bound > 0 {
			label += " (bound " + fmtQPS(b.bound) + ")"
		}
		xy.XYs = append(xy.XYs, plotter.XY{X: b.qps, Y: float64(n - 1 - i)})
		xy.Labels = append(xy.Labels, label)
	}
	labels, err := plotter.NewLabels(xy)
	if err != nil {
		return fmt.Errorf("chart labels: %w", err)
	}
	for i := range labels.TextStyle {
		labels.TextStyle[i].XAlign = text.XLeft
		labels.TextStyle[i].YAlign = text.YCenter
		labels.TextStyle[i].Font.Size = vg.Points(8)
	}
	labels.Offset = vg.Point{X: vg.Points(3)}
	pl.Add(labels)
	return nil
}

// plainTicks labels a linear axis with round numbers written as the tables
// write them (5,000, not 5000.00).
type plainTicks struct{}

// Ticks returns gonum's default ticks relabelled.
func (plainTicks) Ticks(min, max float64) []plot.Tick {
	ticks := plot.DefaultTicks{}.Ticks(min, max)
	for i := range ticks {
		if ticks[i].Label != "" {
			ticks[i].Label = sig3(ticks[i].Value)
		}
	}
	return ticks
}
