package main

import (
	"bytes"
	"regexp"
	"testing"
	"time"
)

func TestProgressLines(t *testing.T) {
	var out bytes.Buffer
	ts := []Target{{Name: "nethttp"}, {Name: "gunicorn", Missing: gunicornMissing}}
	plan := makePlan(ts, workloads[:1])
	d := 10 * time.Second
	p := newProgress(&out, expectedTotal(plan, d), false)
	p.begin(1, 2, plan[0])
	p.end(plan[0], Row{Connections: 1000, Measure: Measure{Requests: 46030, Samples: 46030, Seconds: 10, QPS: 4603,
		LatencyMS: Latency{P50: 202, P99: 229, Mean: 210}, Cores: 0.05, PeakRSSKiB: 2048,
		Little: Little{InFlight: 966.6, Connections: 1000, OK: true}}}, d)
	p.begin(2, 2, plan[1])
	skipped := newRow(plan[1].t, plan[1].w)
	skipped.Skipped = plan[1].t.Missing
	p.end(plan[1], skipped, d)
	p.finish()
	want := regexp.MustCompile(`^\[1/2\] nethttp article-keepalive  elapsed 0s  left ~12s
      4,600 req/s  p50 202 ms  p99 229 ms  samples 46,030 \(98%\)  in flight 967 of 1,000 ✓  errors 0  timeouts 0  status>=400 0  cores 0.05  peak 2.00 MiB
\[2/2\] gunicorn article-keepalive  elapsed 0s  left ~0s
      skipped: not installed \(apt-get install gunicorn python3-flask\)
$`)
	if !want.MatchString(out.String()) {
		t.Errorf("progress output:\n%s", out.String())
	}
}

func TestExpectedTotal(t *testing.T) {
	ts := []Target{{Name: "02-simple-wsgi", Pkg: "./02-simple-wsgi"}, {Name: "nginx"}, {Name: "gunicorn", Missing: "x"}}
	plan := makePlan(ts, workloads)
	if len(plan) != 12 {
		t.Fatalf("plan has %d runs, want 12", len(plan))
	}
	// 8 runs that happen; the missing peer costs nothing.
	want := 8 * (60*time.Second + runOverhead)
	if got := expectedTotal(plan, 60*time.Second); got != want {
		t.Errorf("expectedTotal = %v, want %v", got, want)
	}
	if plan[0].w.Name != plan[2].w.Name || plan[0].t.Name == plan[1].t.Name {
		t.Errorf("plan is not workload-major: %v %v", plan[0], plan[1])
	}
}
