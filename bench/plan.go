package main

import (
	"fmt"
	"io"
	"strings"
	"time"
)

// runOverhead is the time a run takes beyond wrk's -d: build share, start,
// readiness probe, wrk's connection set-up, stop. Measured on the reference
// machine; only the ETA depends on it.
const runOverhead = 2 * time.Second

// plannedRun is one target under one workload.
type plannedRun struct {
	t    Target   // the server
	w    Workload // the load
	runs int      // repetitions of a wrk workload; 0 means 1
}

// expected is how long the run should take.
func (p plannedRun) expected(d time.Duration) time.Duration {
	switch {
	case p.t.Missing != "" || (p.w.Group == c10kGroup && p.t.NoC10K != ""):
		return 0
	case p.w.Group == c10kGroup:
		return c10kExpected
	}
	return (d + runOverhead) * time.Duration(max(p.runs, 1))
}

// makePlan crosses targets with workloads, workload-major so a partial
// run has every target for the first workloads, leaving out the workloads
// a target does not run.
func makePlan(ts []Target, ws []Workload) []plannedRun {
	var out []plannedRun
	for _, w := range ws {
		for _, t := range ts {
			if t.runsIn(w) {
				out = append(out, plannedRun{t: t, w: w})
			}
		}
	}
	return out
}

// expectedTotal is the plan's expected duration.
func expectedTotal(plan []plannedRun, d time.Duration) time.Duration {
	var total time.Duration
	for _, p := range plan {
		total += p.expected(d)
	}
	return total
}

// printPlan shows what will run and how long it should take.
func printPlan(w io.Writer, plan []plannedRun, ts []Target, ws []Workload, d time.Duration, jsonPath string) {
	runs := 1
	if len(plan) > 0 {
		runs = max(plan[0].runs, 1)
	}
	fmt.Fprintf(w, "bench: %d cells (wrk cells: %d run(s) of %v each), expected to take about %v; results in %s\n",
		len(plan), runs, d, expectedTotal(plan, d).Round(time.Second), jsonPath)
	for _, wl := range ws {
		fmt.Fprintf(w, "  workload %-19s %s\n", wl.Name, wl.Summary)
	}
	for _, t := range ts {
		status := "will run"
		if t.Missing != "" {
			status = t.Missing
		}
		fmt.Fprintf(w, "  target   %-19s %s\n", t.Name, status)
	}
}

// selectTargets returns the targets named in list, each name matching a
// target exactly or as a prefix ("02" for "02-simple-wsgi" and its
// variants); an empty list selects all.
func selectTargets(all []Target, list []string) ([]Target, error) {
	if len(list) == 0 {
		return all, nil
	}
	want := map[string]bool{}
	var unknown []string
	for _, name := range list {
		n := 0
		for _, t := range all {
			if t.Name == name || strings.HasPrefix(t.Name, name+"-") {
				want[t.Name] = true
				n++
			}
		}
		if n == 0 {
			unknown = append(unknown, name)
		}
	}
	if len(unknown) > 0 {
		names := make([]string, len(all))
		for i, t := range all {
			names[i] = t.Name
		}
		return nil, fmt.Errorf("unknown target(s) %s; known: %s", strings.Join(unknown, ", "), strings.Join(names, ", "))
	}
	var out []Target
	for _, t := range all {
		if want[t.Name] {
			out = append(out, t)
		}
	}
	return out, nil
}
