package main

import (
	"fmt"
	"html"
	"io"
	"math"
	"strings"
)

// Chart geometry, in SVG user units (pixels): a legend, then a panel per
// workload with one line per row, the row's name on the left, its bar on
// a log scale in the middle, its figure on the right.
const (
	chartW    = 980.0 // the whole chart
	nameRight = 265.0 // right edge of the row names
	plotLeft  = 275.0 // the value 10^lo of a panel's axis
	plotRight = 760.0 // the value 10^hi
	rowH      = 20.0  // one row
	barH      = 11.0  // one bar, centred in its row
	titleH    = 24.0  // a panel's title
	axisH     = 34.0  // a panel's tick labels and axis name
	panelGap  = 16.0  // between panels
	legendRow = 20.0  // one line of the legend
	legendCol = 245.0 // one entry of the legend
	minBarW   = 3.0   // no bar is thinner, whatever its value
	reasonMax = 110   // characters of a gap's reason
)

// Kinds of chart rows, each with its colour and legend entry.
const (
	kindOurs    = "ours"    // a stage of this repository
	kindFigure  = "article" // the article's own figure
	kindPython  = "python"  // the article's servers in Python, and gunicorn
	kindGoPeer  = "go"      // net/http, fasthttp, nbio
	kindNginx   = "nginx"   // fixed body, no app
	kindGap     = "gap"     // a failed row: no figure, the reason instead
	kindNotRun  = "notrun"  // a row not run (skipped) or a figure never measured
	boundColour = "#222222"
)

// legendEntries are the legend, in order: kind, colour, text.
var legendEntries = []struct{ kind, colour, text string }{
	{kindOurs, "#2b6cb0", "ours: the Go stages"},
	{kindFigure, "#b0b0b0", "the article's figure (2020, its machine)"},
	{kindPython, "#dd8452", "the Python peers: the article's models, gunicorn"},
	{kindGoPeer, "#8172b3", "Go peers: net/http, fasthttp, nbio"},
	{kindNginx, "#6a9a5b", "nginx: fixed body, no app (the ceiling)"},
	{"bound", boundColour, "Little's-law bound of the row's model"},
	{kindGap, "#c0392b", "✗ failed: no figure, the reason on its line"},
	{kindNotRun, "#777777", "– not run or not measured: why on its line"},
}

// colour returns the colour of a kind.
func colour(kind string) string {
	for _, e := range legendEntries {
		if e.kind == kind {
			return e.colour
		}
	}
	return "#000000"
}

// chartBar is one line of a panel: a bar, or a gap with its reason.
type chartBar struct {
	label    string  // the name readers know
	qps      float64 // the bar's length (the panel's unit)
	bound    float64 // the model's Little's-law bound; 0 for none
	kind     string  // one of the kinds above
	reason   string  // a gap's reason: why there is no figure
	figure   string  // the text past the bar; empty: fmtQPS(qps)
	target   string  // the row's target ("" for the article's figure)
	workload string  // the row's workload
}

// chartPanel is one workload's rows, on its own log axis.
type chartPanel struct {
	title string     // the workload, as the tables name it
	axis  string     // what the bars measure
	bars  []chartBar // top to bottom
}

// writeChart draws r as an SVG: a legend, then a panel per workload in
// which every row of that workload has a line, on a log scale so that 5
// and 5,000 requests a second are both visible. A measured row is a bar
// coloured by what it is, with its model's bound as a dashed mark and
// its figure written past both; a failed or skipped row is a gap marked
// ✗ with its reason. In the article workloads the article's own rows come
// first, each as the article's figure, the same model in Python here,
// and our Go stage.
func writeChart(w io.Writer, r *Results) error {
	panels := chartPanels(r)
	legendH := legendRow * math.Ceil(float64(len(legendEntries))/3)
	height := 10 + legendH + panelGap
	for _, p := range panels {
		height += panelHeight(p) + panelGap
	}
	var b strings.Builder
	fmt.Fprintf(&b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n")
	fmt.Fprintf(&b, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%.0f\" height=\"%.0f\" viewBox=\"0 0 %.0f %.0f\" "+
		"font-family=\"DejaVu Sans, Liberation Sans, Arial, sans-serif\" font-size=\"11\">\n", chartW, height, chartW, height)
	fmt.Fprintf(&b, "<rect width=\"100%%\" height=\"100%%\" fill=\"#ffffff\"/>\n")
	writeLegend(&b, 10)
	y := 10 + legendH + panelGap
	for _, p := range panels {
		writePanel(&b, p, y)
		y += panelHeight(p) + panelGap
	}
	b.WriteString("</svg>\n")
	if _, err := io.WriteString(w, b.String()); err != nil {
		return fmt.Errorf("write chart: %w", err)
	}
	return nil
}

// writeLegend draws the legend, three entries a line, from y down.
func writeLegend(b *strings.Builder, y float64) {
	b.WriteString("<g id=\"legend\">\n")
	for i, e := range legendEntries {
		x := 10 + float64(i%3)*legendCol*1.3
		ly := y + float64(i/3)*legendRow
		fmt.Fprintf(b, "<g class=\"legend-entry\" data-kind=\"%s\">", e.kind)
		switch e.kind {
		case "bound":
			fmt.Fprintf(b, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\" stroke-width=\"1.5\" stroke-dasharray=\"3,2\"/>",
				x+7, ly, x+7, ly+14, e.colour)
		case kindGap, kindNotRun:
			fmt.Fprintf(b, "<text x=\"%.1f\" y=\"%.1f\" fill=\"%s\" font-weight=\"bold\">%s</text>", x+2, ly+11, e.colour, gapMark(e.kind))
		default:
			fmt.Fprintf(b, "<rect x=\"%.1f\" y=\"%.1f\" width=\"14\" height=\"%.0f\" fill=\"%s\"/>", x, ly+1.5, barH, e.colour)
		}
		text := strings.TrimPrefix(e.text, gapMark(e.kind)+" ")
		fmt.Fprintf(b, "<text x=\"%.1f\" y=\"%.1f\">%s</text></g>\n", x+20, ly+11, esc(text))
	}
	b.WriteString("</g>\n")
}

// panelHeight is the height of a panel with its bars.
func panelHeight(p chartPanel) float64 {
	return titleH + float64(len(p.bars))*rowH + axisH
}

// logAxis is a panel's scale: powers of ten from 10^lo to 10^hi.
type logAxis struct{ lo, hi float64 }

// newLogAxis fits whole decades around the bars and bounds, starting at
// 1 or below.
func newLogAxis(bars []chartBar) logAxis {
	lo, hi := 0.0, 1.0
	for _, b := range bars {
		for _, v := range []float64{b.qps, b.bound} {
			if v > 0 && b.kind != kindGap && b.kind != kindNotRun {
				lo = math.Min(lo, math.Floor(math.Log10(v)))
				hi = math.Max(hi, math.Ceil(math.Log10(v)+1e-9))
			}
		}
	}
	return logAxis{lo, hi}
}

// x places v on the axis; values at or below 10^lo sit at its start.
func (a logAxis) x(v float64) float64 {
	if v <= 0 {
		return plotLeft
	}
	f := (math.Log10(v) - a.lo) / (a.hi - a.lo)
	return plotLeft + math.Max(0, f)*(plotRight-plotLeft)
}

// writePanel draws a panel whose top is at y.
func writePanel(b *strings.Builder, p chartPanel, y float64) {
	ax := newLogAxis(p.bars)
	top := y + titleH
	bottom := top + float64(len(p.bars))*rowH
	fmt.Fprintf(b, "<g class=\"panel\" data-title=\"%s\">\n", esc(p.title))
	fmt.Fprintf(b, "<text x=\"10\" y=\"%.1f\" font-size=\"13\" font-weight=\"bold\">%s</text>\n", y+15, esc(p.title))
	for d := ax.lo; d <= ax.hi; d++ {
		x := ax.x(math.Pow(10, d))
		fmt.Fprintf(b, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#dddddd\"/>", x, top, x, bottom)
		fmt.Fprintf(b, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\" fill=\"#444444\">%s</text>\n",
			x, bottom+13, decade(d))
	}
	fmt.Fprintf(b, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#444444\"/>\n", plotLeft, bottom, plotRight, bottom)
	fmt.Fprintf(b, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\" fill=\"#444444\">%s (log scale)</text>\n",
		(plotLeft+plotRight)/2, bottom+28, esc(p.axis))
	for i, bar := range p.bars {
		writeBar(b, bar, ax, top+float64(i)*rowH)
	}
	b.WriteString("</g>\n")
}

// writeBar draws one row whose top is at y: its name, then its bar,
// bound and figure, or its gap and reason.
func writeBar(b *strings.Builder, bar chartBar, ax logAxis, y float64) {
	mid := y + rowH/2
	fmt.Fprintf(b, "<g class=\"row %s\" data-target=\"%s\" data-workload=\"%s\">", bar.kind, esc(bar.target), esc(bar.workload))
	fmt.Fprintf(b, "<text class=\"name\" x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\">%s</text>", nameRight, mid+4, esc(bar.label))
	if bar.kind == kindGap || bar.kind == kindNotRun {
		fmt.Fprintf(b, "<text class=\"mark\" x=\"%.1f\" y=\"%.1f\" fill=\"%s\" font-weight=\"bold\">%s</text>",
			plotLeft, mid+4, colour(bar.kind), gapMark(bar.kind))
		fmt.Fprintf(b, "<text class=\"reason\" x=\"%.1f\" y=\"%.1f\" fill=\"%s\">%s</text></g>\n",
			plotLeft+14, mid+4, colour(bar.kind), esc(oneLine(bar.reason, reasonMax)))
		return
	}
	end := math.Max(ax.x(bar.qps), plotLeft+minBarW)
	fmt.Fprintf(b, "<rect class=\"bar\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"%s\"/>",
		plotLeft, mid-barH/2, end-plotLeft, barH, colour(bar.kind))
	figure := bar.figure
	if figure == "" {
		figure = fmtQPS(bar.qps)
	}
	if bar.bound <= 0 {
		fmt.Fprintf(b, "<text class=\"figure\" x=\"%.1f\" y=\"%.1f\">%s</text></g>\n", end+5, mid+4, esc(figure))
		return
	}
	bx := ax.x(bar.bound)
	fmt.Fprintf(b, "<line class=\"bound\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\" stroke-width=\"1.5\" stroke-dasharray=\"3,2\"/>",
		bx, y+1, bx, y+rowH-1, boundColour)
	bound := "bound " + fmtQPS(bar.bound)
	if end+5+textWidth(figure)+5 < bx { // room between the bar and its bound
		fmt.Fprintf(b, "<text class=\"figure\" x=\"%.1f\" y=\"%.1f\">%s</text>", end+5, mid+4, esc(figure))
		fmt.Fprintf(b, "<text class=\"bound-label\" x=\"%.1f\" y=\"%.1f\" fill=\"#555555\">%s</text></g>\n", bx+5, mid+4, esc(bound))
		return
	}
	fmt.Fprintf(b, "<text class=\"figure\" x=\"%.1f\" y=\"%.1f\">%s (%s)</text></g>\n", math.Max(end, bx)+5, mid+4, esc(figure), esc(bound))
}

// textWidth is a generous estimate of the width of s at the chart's
// 11-pixel font: no viewer draws it wider, so text placed by it clears
// what follows.
func textWidth(s string) float64 { return 7.5 * float64(len([]rune(s))) }

// gapMark is the mark of a row without a bar: ✗ failed, – not run.
func gapMark(kind string) string {
	if kind == kindGap {
		return "✗"
	}
	return "–"
}

// decade writes 10^d as the tables write numbers: 0.1, 1, 1,000.
func decade(d float64) string {
	if d < 0 {
		return fmt.Sprintf("%g", math.Pow(10, d))
	}
	return thousands(int64(math.Round(math.Pow(10, d))))
}

// esc escapes text for SVG.
func esc(s string) string { return html.EscapeString(s) }

// chartKind is what a measured row is, for its colour.
func chartKind(row *Row) string {
	switch {
	case row.FixedBody:
		return kindNginx
	case row.Kind == kindStage:
		return kindOurs
	case row.Kind == kindArticle || row.Target == "gunicorn":
		return kindPython
	}
	return kindGoPeer
}

// chartPanels makes a panel per workload with a line for every row of it.
func chartPanels(r *Results) []chartPanel {
	var out []chartPanel
	for _, w := range r.Workloads {
		p := chartPanel{title: w.Name + ": " + w.Summary, axis: "requests per second"}
		if w.Group == c10kGroup {
			p = chartPanel{title: fmt.Sprintf("c10k: server memory per idle keep-alive connection, %s held", thousands(int64(w.Connections))),
				axis: "bytes per held connection"}
		}
		for _, row := range chartOrder(r, w) {
			if row == nil {
				continue
			}
			p.bars = append(p.bars, rowBar(row, w))
		}
		if w.Name == "article-keepalive" {
			p.bars = withArticleFigures(p.bars)
		}
		if len(p.bars) > 0 {
			out = append(out, p)
		}
	}
	return out
}

// chartOrder returns the rows of workload w: in the article workloads the
// article's rows first, each as its Python model then our Go stage, then
// the others in the order measured.
func chartOrder(r *Results, w Workload) []*Row {
	var out []*Row
	first := map[string]bool{}
	if w.Group == "article" {
		for _, a := range articleTable {
			for _, name := range []string{a.python, a.target} {
				if row := findRow(r, name, w.Name); row != nil && !first[name] {
					out = append(out, row)
				}
				first[name] = true
			}
		}
	}
	for i := range r.Rows {
		if row := &r.Rows[i]; row.Workload == w.Name && !first[row.Target] {
			out = append(out, row)
		}
	}
	return out
}

// withArticleFigures puts the article's figure before the first bar of
// each of its rows' targets: its number, or a gap saying it has none.
func withArticleFigures(bars []chartBar) []chartBar {
	var out []chartBar
	done := map[string]bool{}
	for _, bar := range bars {
		for _, a := range articleTable {
			if done[a.server] || (bar.target != a.python && bar.target != a.target) {
				continue
			}
			done[a.server] = true
			fig := chartBar{label: "the article: " + a.short, qps: a.figure, kind: kindFigure, figure: a.qps, workload: bar.workload}
			if a.figure == 0 {
				fig.kind, fig.reason = kindNotRun, strings.ReplaceAll(articleTodo, "`", "")
			}
			out = append(out, fig)
		}
		out = append(out, bar)
	}
	return out
}

// rowBar is a row's line: its bar, or a gap with the reason.
func rowBar(row *Row, w Workload) chartBar {
	bar := chartBar{label: rowLabel(row), kind: chartKind(row), target: row.Target, workload: row.Workload}
	switch {
	case row.Error != "":
		bar.kind, bar.reason = kindGap, "failed: "+row.Error
	case row.Skipped != "":
		bar.kind, bar.reason = kindNotRun, "not run: "+strings.TrimPrefix(row.Skipped, "skipped: ")
	case w.Group == c10kGroup && row.C10K == nil:
		bar.kind, bar.reason = kindNotRun, "no figure"
	case w.Group == c10kGroup:
		bar.qps = max(row.C10K.BytesPerConn, 0)
		bar.figure = sig3(bar.qps) + " bytes"
	default:
		bar.qps, bar.bound = row.QPS, row.BoundQPS
	}
	return bar
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
