package main

import (
	"math"
	"strings"
	"testing"
	"time"
)

func TestLittleCheck(t *testing.T) {
	ka := Workload{Connections: 1000, KeepAlive: true, Delay: 200 * time.Millisecond}
	cl := Workload{Connections: 50, KeepAlive: false}
	tests := []struct {
		name   string
		m      Measure
		w      Workload
		closes bool
		ok     bool
		why    string // in Why
	}{
		{"net/http at its bound", Measure{Requests: 300000, Seconds: 60, QPS: 5000, LatencyMS: Latency{Mean: 201, Max: 300}}, ka, false, true, ""},
		{"iterative server, 200 s cycle in a 60 s run", Measure{Requests: 300, Seconds: 60, QPS: 5, LatencyMS: Latency{Mean: 30000, Max: 60000}}, ka, false, false, "finished only 0.300 requests"},
		{"nginx with wrk's synthetic samples", Measure{Requests: 6000000, Seconds: 60, QPS: 100000, LatencyMS: Latency{Mean: 26, Max: 2000}}, ka, false, false, "synthetic samples"},
		{"close workload leaves connecting out", Measure{Requests: 1000000, Seconds: 60, QPS: 16000, LatencyMS: Latency{Mean: 2, Max: 20}}, cl, false, false, "once a connection is set up"},
		{"keep-alive row of a server that closes", Measure{Requests: 1000000, Seconds: 60, QPS: 16000, LatencyMS: Latency{Mean: 2, Max: 20}}, Workload{Connections: 50, KeepAlive: true}, true, false, "once a connection is set up"},
		{"too few in flight at a high rate: wrk", Measure{Requests: 1000000, Seconds: 60, QPS: 16000, LatencyMS: Latency{Mean: 2, Max: 20}}, Workload{Connections: 50, KeepAlive: true}, false, false, "likely wrk itself"},
		{"too few in flight, no known reason", Measure{Requests: 30000, Seconds: 60, QPS: 500, LatencyMS: Latency{Mean: 50, Max: 200}}, Workload{Connections: 50, KeepAlive: true}, false, false, "unexplained"},
		{"too many in flight without slow outliers", Measure{Requests: 1000000, Seconds: 60, QPS: 16000, LatencyMS: Latency{Mean: 5, Max: 5}}, Workload{Connections: 50, KeepAlive: true}, false, false, "unexplained"},
	}
	for _, tt := range tests {
		got := littleCheck(tt.m, tt.w, tt.closes)
		if got.OK != tt.ok || !strings.Contains(got.Why, tt.why) || got.Connections != tt.w.Connections {
			t.Errorf("%s: %+v, want ok %v and why containing %q", tt.name, got, tt.ok, tt.why)
		}
	}
}

func TestLatencyShown(t *testing.T) {
	tests := []struct {
		m     Measure
		conns int
		want  bool
	}{
		{Measure{Requests: 300000, Samples: 300000}, 1000, true},
		{Measure{Requests: 300, Samples: 300}, 1000, false},   // 23% of the requests started finished
		{Measure{Requests: 2384, Samples: 72}, 1000, false},   // wrk's 2 s timeout dropped the rest
		{Measure{Requests: 10000, Samples: 9000}, 50, false},  // 10% left the histogram
		{Measure{Requests: 100000, Samples: 99000}, 50, true}, //
		{Measure{}, 50, false},                                // nothing measured
	}
	for _, tt := range tests {
		if got := latencyShown(tt.m, tt.conns); got != tt.want {
			t.Errorf("latencyShown(%+v, %d) = %v, want %v", tt.m, tt.conns, got, tt.want)
		}
	}
}

func TestRunFailure(t *testing.T) {
	w := Workload{Connections: 4}
	tests := []struct {
		name string
		m    Measure
		want string // "" for a run that stands
	}{
		{"healthy", Measure{Requests: 1000, Bytes: 117000, CheckBytes: 117}, ""},
		{"a partial response at the end", Measure{Requests: 1000, Bytes: 117050, CheckBytes: 117}, ""},
		{"no responses", Measure{Errors: SocketErrors{Read: 4}}, "no response during the run"},
		{"a few 503s", Measure{Requests: 1000, Bytes: 117000, CheckBytes: 117, Status4xx5xx: 10}, ""},
		{"mostly 500s", Measure{Requests: 1000, Bytes: 117000, CheckBytes: 117, Status4xx5xx: 11}, "11 of 1,000 responses had status 400 or more"},
		{"redirects", Measure{Requests: 1000, Bytes: 174000, CheckBytes: 113}, "differ from the checked response"},
	}
	for _, tt := range tests {
		got := runFailure(tt.m, w)
		if (tt.want == "") != (got == "") || !strings.Contains(got, tt.want) {
			t.Errorf("%s: runFailure = %q, want %q", tt.name, got, tt.want)
		}
	}
}

func TestFillCPU(t *testing.T) {
	var short Measure
	short.Seconds, short.Requests = 5, 25
	fillCPU(&short, 10*time.Millisecond, 5*time.Second) // one tick
	if short.CPUTicks != 1 || short.CPUPer1000 != 0 || short.Cores != 0.002 {
		t.Errorf("one tick: %+v, want no CPU per 1000 requests", short)
	}
	var long Measure
	long.Seconds, long.Requests = 60, 300000
	fillCPU(&long, 9*time.Second, 60*time.Second)
	if long.CPUTicks != 900 || long.Cores != 0.15 || math.Abs(long.CPUPer1000-0.03) > 1e-12 {
		t.Errorf("900 ticks: %+v", long)
	}
}

// TestPartialRunsKeepDocs: only a full run (or -docs) replaces
// docs/results.md; and two runs never share a results file name.
func TestPartialRunsKeepDocs(t *testing.T) {
	tests := []struct {
		set  map[string]bool
		runs int
		want bool // partial
	}{
		{map[string]bool{}, 3, false},
		{map[string]bool{"targets": true}, 3, true},
		{map[string]bool{"workloads": true}, 3, true},
		{map[string]bool{"duration": true}, 3, true},
		{map[string]bool{"runs": true}, 1, true},
		{map[string]bool{"runs": true}, 5, false},
		{map[string]bool{"out": true}, 3, false},
	}
	for _, tt := range tests {
		if got := isPartial(tt.set, tt.runs); got != tt.want {
			t.Errorf("isPartial(%v, %d) = %v, want %v", tt.set, tt.runs, got, tt.want)
		}
	}
	if writesDocs(config{partial: true}) || writesDocs(config{quick: true}) || !writesDocs(config{}) {
		t.Error("writesDocs: only a full run writes docs/")
	}
	at := time.Date(2026, 11, 27, 5, 0, 0, 0, time.UTC)
	a, b := resultsName(at, "vm", false, false), resultsName(at, "vm", false, false)
	if a == b || !strings.HasPrefix(a, "2026-11-27T050000Z-vm-") {
		t.Errorf("two runs in the same second on hosts named vm: %q and %q", a, b)
	}
	if q, p := resultsName(at, "vm", true, true), resultsName(at, "vm", false, true); !strings.HasSuffix(q, "-quick") || !strings.HasSuffix(p, "-partial") {
		t.Errorf("names %q, %q: want -quick and -partial", q, p)
	}
}
