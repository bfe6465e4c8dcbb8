package main

import (
	"bytes"
	"encoding/xml"
	"io"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// svgElem is an element of the chart with the attributes the tests read.
type svgElem struct {
	name, class, id, target, workload, kind string
	x, x1, width                            float64
	text                                    string
	children                                []*svgElem
}

// parseChart renders r and parses the SVG into a tree.
func parseChart(t *testing.T, r *Results) *svgElem {
	t.Helper()
	var b bytes.Buffer
	if err := writeChart(&b, r); err != nil {
		t.Fatal(err)
	}
	dec := xml.NewDecoder(&b)
	root := &svgElem{}
	stack := []*svgElem{root}
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("the chart is not well-formed XML: %v", err)
		}
		switch tok := tok.(type) {
		case xml.StartElement:
			e := &svgElem{name: tok.Name.Local}
			for _, a := range tok.Attr {
				f, _ := strconv.ParseFloat(a.Value, 64)
				switch a.Name.Local {
				case "class":
					e.class = a.Value
				case "id":
					e.id = a.Value
				case "data-target":
					e.target = a.Value
				case "data-workload":
					e.workload = a.Value
				case "data-kind":
					e.kind = a.Value
				case "x":
					e.x = f
				case "x1":
					e.x1 = f
				case "width":
					e.width = f
				}
			}
			top := stack[len(stack)-1]
			top.children = append(top.children, e)
			stack = append(stack, e)
		case xml.CharData:
			stack[len(stack)-1].text += string(tok)
		case xml.EndElement:
			stack = stack[:len(stack)-1]
		}
	}
	return root
}

// all returns the elements under e for which keep is true, in order.
func (e *svgElem) all(keep func(*svgElem) bool) []*svgElem {
	var out []*svgElem
	for _, c := range e.children {
		if keep(c) {
			out = append(out, c)
		}
		out = append(out, c.all(keep)...)
	}
	return out
}

// hasClass reports whether e's class list holds c.
func (e *svgElem) hasClass(c string) bool { return slices.Contains(strings.Fields(e.class), c) }

// chartRows returns the chart's row groups.
func chartRows(root *svgElem) []*svgElem {
	return root.all(func(e *svgElem) bool { return e.name == "g" && e.hasClass("row") })
}

// TestChartHasEveryRow: every row of the results, measured, failed or
// skipped, has exactly one line in the chart, and a failed or skipped row
// is a gap that gives its reason, never a silent absence.
func TestChartHasEveryRow(t *testing.T) {
	r := fixture(t)
	seen := map[string]int{}
	for _, g := range chartRows(parseChart(t, r)) {
		if g.target != "" {
			seen[g.target+" "+g.workload]++
		}
	}
	for _, row := range r.Rows {
		key := row.Target + " " + row.Workload
		if seen[key] != 1 {
			t.Errorf("row %s has %d lines in the chart, want 1", key, seen[key])
		}
	}
	for _, g := range chartRows(parseChart(t, r)) {
		row := findRow(r, g.target, g.workload)
		if row == nil || (row.Error == "" && row.Skipped == "") {
			continue
		}
		reasons := g.all(func(e *svgElem) bool { return e.hasClass("reason") })
		want := oneLine(row.Error+row.Skipped, 40)
		want = strings.TrimPrefix(strings.TrimSuffix(want, "…"), "skipped: ")
		if len(reasons) != 1 || !strings.Contains(reasons[0].text, want) {
			t.Errorf("%s %s: gap without its reason %q", g.target, g.workload, want)
		}
		if len(g.all(func(e *svgElem) bool { return e.hasClass("bar") })) != 0 {
			t.Errorf("%s %s: a row without figures has a bar", g.target, g.workload)
		}
	}
}

// TestChartLegend: the chart has a legend naming ours, the article's
// figure, the Python peers, nginx and the Little's-law bound.
func TestChartLegend(t *testing.T) {
	root := parseChart(t, fixture(t))
	legend := root.all(func(e *svgElem) bool { return e.id == "legend" })
	if len(legend) != 1 {
		t.Fatalf("%d legends, want 1", len(legend))
	}
	var got []string
	for _, e := range legend[0].all(func(e *svgElem) bool { return e.hasClass("legend-entry") }) {
		got = append(got, e.kind)
	}
	for _, want := range []string{kindOurs, kindFigure, kindPython, kindNginx, "bound", kindGap} {
		if !slices.Contains(got, want) {
			t.Errorf("legend lacks %q: has %v", want, got)
		}
	}
}

// TestChartSmallBarsVisible: on the log scale a bar of 5 requests a
// second is a visible bar, not a sliver beside a bar of 5,000.
func TestChartSmallBarsVisible(t *testing.T) {
	for _, g := range chartRows(parseChart(t, fixture(t))) {
		for _, bar := range g.all(func(e *svgElem) bool { return e.hasClass("bar") }) {
			if bar.width < 40 {
				t.Errorf("%s %s: bar %.1f px wide", g.target, g.workload, bar.width)
			}
		}
	}
}

// TestChartFiguresClearOfBounds: a bar's figure is written wholly before
// its bound's dashed line or past it, never under it.
func TestChartFiguresClearOfBounds(t *testing.T) {
	r := fixture(t)
	findRow(r, "04-select-inline", "article-keepalive").QPS = 3.5 // just below its bound of 5
	findRow(r, "nethttp", "article-keepalive").QPS = 40           // far below its bound of 5,000
	n := 0
	for _, g := range chartRows(parseChart(t, r)) {
		bounds := g.all(func(e *svgElem) bool { return e.hasClass("bound") })
		labels := g.all(func(e *svgElem) bool { return e.hasClass("figure") || e.hasClass("bound-label") })
		if len(bounds) == 0 {
			continue
		}
		n++
		bx := bounds[0].x1
		for _, l := range labels {
			if l.x <= bx+2 && l.x+textWidth(l.text) >= bx-2 {
				t.Errorf("%s %s: %q from x %.1f runs under the bound line at %.1f", g.target, g.workload, l.text, l.x, bx)
			}
		}
		if len(labels) == 0 {
			t.Errorf("%s %s: no figure", g.target, g.workload)
		}
	}
	if n == 0 {
		t.Error("no bound lines in the chart")
	}
}

// TestChartArticleGroups: in the article's keep-alive panel each of the
// article's rows comes as its figure (or "not measured" for its todo),
// the same model in Python, and our Go stage.
func TestChartArticleGroups(t *testing.T) {
	panels := chartPanels(fixture(t))
	var got []string
	for _, b := range panels[0].bars[:8] {
		got = append(got, b.kind+" "+b.label)
	}
	want := []string{
		"notrun the article: single process", "notrun article-py-iterative", "ours 02-simple-wsgi (closes)",
		"article the article: multi-process", "gap 03-fork",
		"article the article: non-blocking I/O", "python article-py-select", "ours 04-select-inline",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("article-keepalive panel (-want +got):\n%s", diff)
	}
}
