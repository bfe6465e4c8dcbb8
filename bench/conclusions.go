package main

import (
	"fmt"
	"strings"
)

// atBound is the share of its bound above which a row is "at its bound".
const atBound = 0.9

// writeConclusions states what the data says, sentence by sentence, each
// only when the rows it needs were measured: nothing here describes a
// stage that has not run.
func writeConclusions(b *strings.Builder, r *Results) {
	var out []string
	out = append(out, boundConclusions(r)...)
	out = append(out, articleConclusions(r)...)
	out = append(out, overheadConclusion(r)...)
	out = append(out, cpuConclusion(r)...)
	out = append(out, littleConclusion(r)...)
	if len(out) == 0 {
		return
	}
	b.WriteString("## What this run shows\n\n")
	for _, s := range out {
		b.WriteString("- " + s + "\n")
	}
	b.WriteString("\n")
}

// boundConclusions sorts the article-keepalive rows into those at their
// model's bound and those below it.
func boundConclusions(r *Results) []string {
	var at, below []string
	for i := range r.Rows {
		row := &r.Rows[i]
		if row.Workload != "article-keepalive" || !measured(row) || row.BoundQPS <= 0 {
			continue
		}
		s := fmt.Sprintf("%s (%s of %s)", rowName(row), fmtQPS(row.QPS), fmtQPS(row.BoundQPS))
		if row.BoundShare >= atBound {
			at = append(at, s)
		} else {
			below = append(below, s+cpuBusy(row, r.Machine.Cores))
		}
	}
	var out []string
	if len(at) > 0 {
		out = append(out, fmt.Sprintf("With the article's load (keep-alive), these reach %.0f%% or more of their model's bound, "+
			"so the model, not the code, limits them: %s.", 100*atBound, strings.Join(at, ", ")))
	}
	if len(below) > 0 {
		out = append(out, fmt.Sprintf("These stay below %.0f%% of their model's bound: %s.", 100*atBound, strings.Join(below, ", ")))
	}
	return out
}

// cpuBusy says when a row's server kept nearly every core busy.
func cpuBusy(row *Row, cores int) string {
	if cores > 0 && row.Cores >= 0.8*float64(cores) {
		return fmt.Sprintf(", with %.2f of %d cores busy", row.Cores, cores)
	}
	return ""
}

// articleConclusions compares each of the article's figures with the
// bound of the model it claims, with the same model in Python here and
// with our Go stage.
func articleConclusions(r *Results) []string {
	var out []string
	for _, a := range articleTable {
		goRow, py := findRow(r, a.target, "article-keepalive"), findRow(r, a.python, "article-keepalive")
		var ref *Row
		for _, row := range []*Row{goRow, py} {
			if ref == nil && measured(row) && row.BoundQPS > 0 {
				ref = row
			}
		}
		if a.figure == 0 || ref == nil {
			continue
		}
		verdict := "within"
		if a.figure > ref.BoundQPS*1.01 {
			verdict = "above"
		}
		var served []string
		if measured(py) {
			served = append(served, fmt.Sprintf("the same model in Python here (%s) served %s", rowName(py), fmtQPS(py.QPS)))
		}
		if measured(goRow) {
			served = append(served, fmt.Sprintf("our %s served %s", rowName(goRow), fmtQPS(goRow.QPS)))
		}
		s := fmt.Sprintf("The article's %s for %s is %s that model's bound of %s; %s.",
			a.qps, strings.ToLower(a.server[:1])+a.server[1:], verdict, fmtQPS(ref.BoundQPS), strings.Join(served, ", and "))
		if verdict == "above" {
			s += " It cannot come from the app the article shows."
		}
		out = append(out, s)
	}
	return out
}

// overheadConclusion names the fastest server running the app without a
// sleep, and where net/http stands.
func overheadConclusion(r *Results) []string {
	var best, ref *Row
	for i := range r.Rows {
		row := &r.Rows[i]
		if row.Workload != "overhead-keepalive" || !measured(row) || row.FixedBody {
			continue
		}
		if best == nil || row.QPS > best.QPS {
			best = row
		}
		if row.Target == "nethttp" {
			ref = row
		}
	}
	if best == nil {
		return nil
	}
	s := fmt.Sprintf("Without the sleep (overhead-keepalive), %s serves the most requests of the servers that run the app: %s/s",
		rowName(best), fmtQPS(best.QPS))
	if ref != nil && ref != best && ref.QPS > 0 {
		s += fmt.Sprintf(", %s× net/http's %s/s", sig3(best.QPS/ref.QPS), fmtQPS(ref.QPS))
	}
	return []string{s + "."}
}

// cpuConclusion tests the article's claim that non-blocking I/O takes less
// CPU than gunicorn's pre-fork, per request, where both were measured.
func cpuConclusion(r *Results) []string {
	guni := findRow(r, "gunicorn", "overhead-keepalive")
	if !measured(guni) || guni.CPUPer1000 <= 0 {
		return nil
	}
	var less, more []string
	for i := range r.Rows {
		row := &r.Rows[i]
		loop := strings.HasPrefix(row.Target, "04-") || strings.HasPrefix(row.Target, "05-") || strings.HasPrefix(row.Target, "06-")
		if row.Workload != "overhead-keepalive" || !loop || !measured(row) || row.CPUPer1000 <= 0 {
			continue
		}
		s := fmt.Sprintf("%s %s s", rowName(row), sig3(row.CPUPer1000))
		if row.CPUPer1000 < guni.CPUPer1000 {
			less = append(less, s)
		} else {
			more = append(more, s)
		}
	}
	if len(less)+len(more) == 0 {
		return nil
	}
	s := fmt.Sprintf("The article says non-blocking I/O takes less CPU than gunicorn's pre-fork. "+
		"Per 1000 requests without the sleep, gunicorn used %s CPU s", sig3(guni.CPUPer1000))
	if len(less) > 0 {
		s += "; less: " + strings.Join(less, ", ")
	}
	if len(more) > 0 {
		s += "; as much or more: " + strings.Join(more, ", ")
	}
	return []string{s + "."}
}

// littleConclusion counts the rows that pass the Little's-law check.
func littleConclusion(r *Results) []string {
	n, ok := 0, 0
	for i := range r.Rows {
		if row := &r.Rows[i]; measured(row) && row.Little.Connections > 0 {
			n++
			if row.Little.OK {
				ok++
			}
		}
	}
	if n == 0 {
		return nil
	}
	s := fmt.Sprintf("Little's-law check: %d of %d measured rows have QPS × mean latency within %.0f%% of the connections",
		ok, n, 100*littleTolerance)
	if ok < n {
		s += "; the notes under each table say why the others are off"
	}
	return []string{s + "."}
}
