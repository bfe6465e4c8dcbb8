package main

import (
	"fmt"
	"image/color"
	"io"
	"math"
	"strconv"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/plotutil"
	"gonum.org/v1/plot/text"
	"gonum.org/v1/plot/vg"
)

// Chart size: wide enough for one group of bars per workload.
const (
	chartWidth  = 9 * vg.Inch
	chartHeight = 5 * vg.Inch
)

// writeChart draws r as an SVG: one group of bars per workload, one bar
// per target, QPS on a log scale (5 and 100,000 share the chart), and
// each workload's Little's-law bound as a dashed line over its group.
func writeChart(w io.Writer, r *Results) error {
	p, err := buildChart(r)
	if err != nil {
		return err
	}
	wt, err := p.WriterTo(chartWidth, chartHeight, "svg")
	if err != nil {
		return fmt.Errorf("chart: %w", err)
	}
	if _, err := wt.WriteTo(w); err != nil {
		return fmt.Errorf("write chart: %w", err)
	}
	return nil
}

// buildChart lays out the plot.
func buildChart(r *Results) (*plot.Plot, error) {
	p := plot.New()
	p.Title.Text = "Requests per second (log scale) and the Little's-law bound"
	p.Y.Label.Text = "requests/s"
	p.Y.Scale = floorLogScale{}
	p.Y.Tick.Marker = decadeTicks{}
	p.Legend.Top = true
	p.Legend.Left = true

	names := make([]string, len(r.Workloads))
	for i, w := range r.Workloads {
		names[i] = w.Name
	}
	targets := chartTargets(r)
	width := barWidth(len(names), len(targets))
	top := 1.0
	for j, t := range targets {
		vals := make(plotter.Values, len(names))
		for i, w := range names {
			vals[i] = qpsOf(r, t, w)
			top = math.Max(top, vals[i])
		}
		bars, err := plotter.NewBarChart(vals, width)
		if err != nil {
			return nil, fmt.Errorf("chart bars for %s: %w", t, err)
		}
		bars.Color = plotutil.Color(j)
		bars.LineStyle.Width = 0
		bars.Offset = vg.Length(float64(j)-float64(len(targets)-1)/2) * width
		p.Add(bars)
		p.Legend.Add(t, bars)
		labels, err := barLabels(vals, bars.Offset)
		if err != nil {
			return nil, fmt.Errorf("chart labels for %s: %w", t, err)
		}
		p.Add(labels)
	}
	for i, w := range r.Workloads {
		if b := w.Bound(); b > 0 {
			if err := addBound(p, float64(i), b, i == firstBounded(r)); err != nil {
				return nil, err
			}
			top = math.Max(top, b)
		}
	}
	p.NominalX(names...)
	// Half a group of room on either side, so the outer groups fit.
	p.X.Min, p.X.Max = -0.5, float64(len(names))-0.5
	p.Y.Min = 1
	// Two decades of headroom keep the legend clear of the bars.
	p.Y.Max = math.Pow(10, math.Ceil(math.Log10(top))+2)
	return p, nil
}

// barLabels writes each bar's QPS above it, turned upright so that narrow
// bars keep their figures apart.
func barLabels(vals plotter.Values, offset vg.Length) (*plotter.Labels, error) {
	var xy plotter.XYLabels
	for i, v := range vals {
		if v <= 0 {
			continue
		}
		xy.XYs = append(xy.XYs, plotter.XY{X: float64(i), Y: v})
		xy.Labels = append(xy.Labels, shortQPS(v))
	}
	labels, err := plotter.NewLabels(xy)
	if err != nil {
		return nil, err
	}
	for i := range labels.TextStyle {
		labels.TextStyle[i].Rotation = math.Pi / 2
		labels.TextStyle[i].XAlign = text.XLeft
		labels.TextStyle[i].YAlign = text.YCenter
		labels.TextStyle[i].Font.Size = vg.Points(8)
	}
	labels.Offset = vg.Point{X: offset, Y: vg.Points(2)}
	return labels, nil
}

// shortQPS writes a bar's figure in a few characters: 4.7, 38, 4.7k, 156k.
func shortQPS(v float64) string {
	switch {
	case v < 10:
		return strconv.FormatFloat(v, 'f', 1, 64)
	case v < 1000:
		return strconv.FormatFloat(v, 'f', 0, 64)
	case v < 10000:
		return strconv.FormatFloat(v/1000, 'f', 1, 64) + "k"
	}
	return strconv.FormatFloat(v/1000, 'f', 0, 64) + "k"
}

// chartTargets lists the targets with at least one measured row, in the
// order of the rows.
func chartTargets(r *Results) []string {
	seen := map[string]bool{}
	var out []string
	for _, row := range r.Rows {
		if row.Skipped == "" && row.Error == "" && !seen[row.Target] {
			seen[row.Target] = true
			out = append(out, row.Target)
		}
	}
	return out
}

// qpsOf returns the QPS of target under workload, 0 when not measured.
func qpsOf(r *Results, target, workload string) float64 {
	for _, row := range r.Rows {
		if row.Target == target && row.Workload == workload && row.Error == "" && row.Skipped == "" {
			return row.QPS
		}
	}
	return 0
}

// barWidth fits groups*targets bars in the plot with gaps between groups.
func barWidth(groups, targets int) vg.Length {
	if groups == 0 || targets == 0 {
		return vg.Points(10)
	}
	usable := float64(chartWidth - vg.Inch) // less the axis and margins
	return vg.Length(0.8 * usable / float64(groups*targets))
}

// firstBounded is the index of the first workload with a bound, which
// carries the bound's legend entry.
func firstBounded(r *Results) int {
	for i, w := range r.Workloads {
		if w.Bound() > 0 {
			return i
		}
	}
	return -1
}

// addBound draws a dashed line at y = bound across group x.
func addBound(p *plot.Plot, x, bound float64, legend bool) error {
	line, err := plotter.NewLine(plotter.XYs{{X: x - 0.45, Y: bound}, {X: x + 0.45, Y: bound}})
	if err != nil {
		return fmt.Errorf("chart bound: %w", err)
	}
	line.Width = vg.Points(2)
	line.Dashes = []vg.Length{vg.Points(6), vg.Points(3)}
	line.Color = color.Black
	p.Add(line)
	if legend {
		p.Legend.Add(fmt.Sprintf("Little's-law bound (%s/s)", fmtQPS(bound)), line)
	}
	return nil
}

// floorLogScale is a log scale that draws values at or below the axis
// minimum at the minimum, so a bar starting at 0 (or a target that
// answered nothing) does not make the log undefined.
type floorLogScale struct{}

// Normalize returns the fractional logarithmic distance of x between min
// and max, with x raised to min.
func (floorLogScale) Normalize(min, max, x float64) float64 {
	return plot.LogScale{}.Normalize(min, max, math.Max(x, min))
}

// decadeTicks labels each power of ten with a short readable number
// (1, 10, 100, 1k ... 1M) and puts unlabelled minor ticks between.
type decadeTicks struct{}

// Ticks returns the ticks between min and max.
func (decadeTicks) Ticks(min, max float64) []plot.Tick {
	var ticks []plot.Tick
	for d := math.Pow(10, math.Floor(math.Log10(min))); d <= max; d *= 10 {
		for k := 1.0; k < 10; k++ {
			v := d * k
			if v < min || v > max {
				continue
			}
			label := ""
			if k == 1 {
				label = shortNumber(v)
			}
			ticks = append(ticks, plot.Tick{Value: v, Label: label})
		}
	}
	return ticks
}

// shortNumber writes 1000 as "1k" and 1000000 as "1M".
func shortNumber(v float64) string {
	switch {
	case v >= 1e6:
		return fmt.Sprintf("%gM", v/1e6)
	case v >= 1e3:
		return fmt.Sprintf("%gk", v/1e3)
	}
	return fmt.Sprintf("%g", v)
}
