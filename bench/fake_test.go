package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// fakeServerEnv makes the test binary a fake server (see TestMain): its
// value is the way the server is broken.
const fakeServerEnv = "LBWS_BENCH_FAKE_SERVER"

// TestMain runs the test binary as a fake server when fakeServerEnv is set,
// so the tests can point bench at servers that fail in known ways.
func TestMain(m *testing.M) {
	if mode := os.Getenv(fakeServerEnv); mode != "" {
		os.Exit(fakeServer(mode, os.Args[1:]))
	}
	os.Exit(m.Run())
}

// fakeServer serves /hello on -addr, broken as mode says. Requests that
// carry a User-Agent come from bench itself (its readiness probe, check
// and warm-up); wrk sends none, so "under load" means "without one".
//
//	ok        answers 200 "Hello World" to everyone
//	die       exits with status 3 at the first request of the load
//	500       answers 500 to everyone
//	500-load  answers bench, then 500 under load
//	302       redirects everyone to /elsewhere, which answers 200
//	302-load  answers bench, then redirects under load
//	hang      answers bench, then never answers under load
//	slow      answers bench at once, and the load after 2.5 s
//	closes    answers everyone with Connection: close
//	limit     answers 503 while it has more than 50 connections open
//	fork      starts a process per request under load (a shell that
//	          counts to 2000) and reaps it before answering
func fakeServer(mode string, args []string) int {
	fs := flag.NewFlagSet("fake", flag.ContinueOnError)
	addr := fs.String("addr", "127.0.0.1:0", "")
	fs.Duration("delay", 0, "")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	hello := func(w http.ResponseWriter) {
		w.Header().Set("Content-Type", "text/plain")
		fmt.Fprint(w, "Hello World")
	}
	var open atomic.Int64
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		load := r.Header.Get("User-Agent") == ""
		switch {
		case mode == "closes":
			w.Header().Set("Connection", "close")
			hello(w)
		case mode == "limit" && open.Load() > 50:
			http.Error(w, "busy", http.StatusServiceUnavailable)
		case mode == "fork" && load:
			child := exec.Command("sh", "-c", "i=0; while [ $i -lt 2000 ]; do i=$((i+1)); done")
			if err := child.Run(); err != nil { // Run reaps it: wait4
				http.Error(w, err.Error(), http.StatusInternalServerError)
				return
			}
			hello(w)
		case mode == "ok", mode == "limit", mode == "fork", r.URL.Path == "/elsewhere", !load && strings.HasSuffix(mode, "-load"), !load && (mode == "hang" || mode == "die" || mode == "slow"):
			hello(w)
		case mode == "die":
			os.Exit(3)
		case strings.HasPrefix(mode, "500"):
			http.Error(w, "broken", http.StatusInternalServerError)
		case strings.HasPrefix(mode, "302"):
			http.Redirect(w, r, "/elsewhere", http.StatusFound)
		case mode == "hang":
			<-r.Context().Done()
		case mode == "slow":
			time.Sleep(2500 * time.Millisecond)
			hello(w)
		}
	})
	l, err := net.Listen("tcp", *addr)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	srv := &http.Server{Handler: h, ConnState: func(_ net.Conn, st http.ConnState) {
		switch st {
		case http.StateNew:
			open.Add(1)
		case http.StateClosed, http.StateHijacked:
			open.Add(-1)
		}
	}}
	return map[bool]int{true: 1, false: 0}[srv.Serve(l) != nil]
}

// fakeTarget is a target whose server is the test binary in mode.
func fakeTarget(mode string) Target {
	return Target{
		Name: "fake-" + mode, Kind: kindStage,
		command: func(addr string, _ time.Duration, _, _ string) (*exec.Cmd, error) {
			cmd := exec.Command(os.Args[0], "-addr", addr)
			cmd.Env = append(os.Environ(), fakeServerEnv+"="+mode)
			return cmd, nil
		},
	}
}

// tinyWorkload keeps the fake runs short and light.
var tinyWorkload = Workload{Name: "tiny-keepalive", Group: "tiny", Threads: 1, Connections: 4, KeepAlive: true,
	Summary: "a test load: no sleep, wrk -t1 -c4"}

// testRunner is a runner with a scratch directory, wrk (or fakeWrk when
// not empty) and 1 s runs.
func testRunner(t *testing.T, fakeWrk string) *runner {
	t.Helper()
	wrk, err := exec.LookPath("wrk")
	if fakeWrk != "" {
		wrk, err = fakeWrk, nil
	}
	if err != nil {
		t.Skip("wrk is not installed (apt-get install wrk)")
	}
	nofile, err := raiseNoFile(0)
	if err != nil {
		t.Fatal(err)
	}
	r := &runner{cfg: config{duration: time.Second, stdout: testWriter{t}}, wrk: wrk, nofile: nofile,
		bins: map[string]string{}, errs: map[string]error{}, raw: t.TempDir()}
	if err := r.makeScratch(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(r.tmp) })
	return r
}

// testWriter sends bench's progress lines to the test log.
type testWriter struct{ t *testing.T }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

// writeFakeWrk writes a wrk that prints a valid summary and then fails,
// as wrk does when a thread cannot start.
func writeFakeWrk(t *testing.T) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "wrk")
	script := "#!/bin/sh\n" +
		"echo 'wrk-json: {\"requests\":100,\"duration_us\":1000000,\"bytes\":10000,\"errors\":{\"connect\":0,\"read\":0,\"write\":0,\"status\":0,\"timeout\":0},\"latency_us\":{\"min\":1,\"mean\":10,\"stdev\":1,\"p50\":10,\"p90\":12,\"p99\":15,\"max\":20}}'\n" +
		"echo 'unable to create thread 1: Too many open files' >&2\n" +
		"exit 1\n"
	if err := os.WriteFile(path, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestBrokenServersFail points bench at servers that fail in the ways an
// independent review found bench reporting as successes, and wants each
// to end as a failed row that says why.
func TestBrokenServersFail(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: starts fake servers and wrk")
	}
	tests := []struct {
		mode    string
		fakeWrk bool
		want    string // in the row's error
	}{
		{mode: "die", want: "server exited during the run"},
		{mode: "500", want: "status 500"},
		{mode: "500-load", want: "status 400 or more"},
		{mode: "302", want: "status 302"},
		{mode: "302-load", want: "differ from the checked response"},
		{mode: "hang", want: "no response during the run"},
		{mode: "ok", fakeWrk: true, want: "Too many open files"},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%s-fakewrk-%v", tt.mode, tt.fakeWrk), func(t *testing.T) {
			fake := ""
			if tt.fakeWrk {
				fake = writeFakeWrk(t)
			}
			r := testRunner(t, fake)
			ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
			defer cancel()
			row := r.measure(ctx, fakeTarget(tt.mode), tinyWorkload)
			t.Logf("row error: %s", row.Error)
			if !strings.Contains(row.Error, tt.want) {
				t.Errorf("row error %q, want it to say %q; row %+v", row.Error, tt.want, row)
			}
		})
	}
}

// TestHealthyFakeServerMeasures is the control: the same harness with a
// server that works gives a measured row.
func TestHealthyFakeServerMeasures(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: starts a fake server and wrk")
	}
	r := testRunner(t, "")
	row := r.measure(t.Context(), fakeTarget("ok"), tinyWorkload)
	if row.Error != "" || row.Requests == 0 {
		t.Fatalf("healthy server: error %q, %d requests", row.Error, row.Requests)
	}
}

// TestFailedRowsEndToEnd runs bench on a healthy and a dying fake server
// and wants the failure in the JSON, in the table and in the exit status.
func TestFailedRowsEndToEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: starts fake servers and wrk")
	}
	if _, err := exec.LookPath("wrk"); err != nil {
		t.Skip("wrk is not installed (apt-get install wrk)")
	}
	out := t.TempDir()
	cfg := config{
		root: t.TempDir(), outDir: out, docsDir: filepath.Join(out, "docs"), duration: time.Second, runs: 1,
		command: "go run ./bench (test)", stdout: testWriter{t}, look: fakeLookups(nil, false),
		testTargets: []Target{fakeTarget("ok"), fakeTarget("die")}, testWorkloads: []Workload{tinyWorkload},
	}
	path, err := run(t.Context(), cfg)
	if !errors.Is(err, errRowsFailed) || !strings.Contains(err.Error(), "fake-die tiny-keepalive: server exited during the run") {
		t.Fatalf("run: %v, want errRowsFailed naming fake-die", err)
	}
	var stderr strings.Builder
	if code := report(&stderr, err); code != 3 || !strings.Contains(stderr.String(), "fake-die") {
		t.Errorf("exit status %d, stderr %q; want 3 naming the failed row", code, stderr.String())
	}
	res, err := readResults(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Rows) != 2 || res.Rows[0].Error != "" || !strings.HasPrefix(res.Rows[1].Error, "server exited during the run") {
		t.Fatalf("rows: %+v", res.Rows)
	}
	md, err := os.ReadFile(filepath.Join(out, "docs", markdownName))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"**1 run(s) failed**", "| fake-die | **failed**: server exited during the run"} {
		if !strings.Contains(string(md), want) {
			t.Errorf("results.md lacks %q:\n%s", want, md)
		}
	}
}

// TestSlowResponsesInLatency: a response slower than wrk's default 2 s
// timeout still counts in the latency (no survivor bias): bench sets wrk's
// -T beyond the run.
func TestSlowResponsesInLatency(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: starts a fake server and wrk")
	}
	r := testRunner(t, "")
	r.cfg.duration = 3 * time.Second
	w := tinyWorkload
	w.Connections = 2
	row := r.measure(t.Context(), fakeTarget("slow"), w)
	if row.Error != "" {
		t.Fatal(row.Error)
	}
	if row.Requests == 0 || row.Samples != row.Requests || row.Errors.Timeout != 0 || row.LatencyMS.P50 < 2400 {
		t.Errorf("%d responses, %d latency samples, %d timeouts, p50 %v ms: want every 2.5 s response in the latency",
			row.Requests, row.Samples, row.Errors.Timeout, row.LatencyMS.P50)
	}
}

// TestC10K holds a few hundred connections on fake servers: a healthy one
// gives memory per connection and fresh latencies; one that closes every
// connection is skipped; one that refuses connections beyond 50 fails with
// how many it held; a low open-file limit and a declared reason skip.
func TestC10K(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: starts fake servers")
	}
	r := testRunner(t, "")
	w := c10kWorkload
	w.Connections = 300

	row := r.measure(t.Context(), fakeTarget("ok"), w)
	c := row.C10K
	if row.Error != "" || row.Skipped != "" || c == nil {
		t.Fatalf("healthy server: error %q, skipped %q", row.Error, row.Skipped)
	}
	if c.Held != 300 || c.MemoryHeldKiB <= 0 || c.BytesPerConn == 0 || len(c.FreshMS) != c10kFresh ||
		c.FreshP50MS <= 0 || c.Answering != c10kRecheck || c.Rechecked != c10kRecheck || c.Procs != 1 || c.PSS {
		t.Errorf("healthy server: %+v", c)
	}
	t.Logf("fake net/http server: %.0f bytes per held connection, fresh p50 %.3f ms", c.BytesPerConn, c.FreshP50MS)

	if row := r.measure(t.Context(), fakeTarget("closes"), w); row.Skipped != "skipped: the server closes every connection: there is nothing to hold" {
		t.Errorf("server that closes: skipped %q, error %q", row.Skipped, row.Error)
	}
	if row := r.measure(t.Context(), fakeTarget("limit"), w); !strings.Contains(row.Error, "connections: connection") ||
		!strings.Contains(row.Error, "status 503") || !strings.HasPrefix(row.Error, "held ") {
		t.Errorf("server that refuses beyond 50: error %q", row.Error)
	}
	declared := fakeTarget("ok")
	declared.NoC10K = "select(2) watches descriptors below FD_SETSIZE (1024) only"
	if row := r.measure(t.Context(), declared, w); row.Skipped != "skipped: "+declared.NoC10K {
		t.Errorf("declared: skipped %q", row.Skipped)
	}
	r.nofile = 100
	if row := r.measure(t.Context(), fakeTarget("ok"), w); !strings.Contains(row.Skipped, "the open-file limit is 100, below the 364") {
		t.Errorf("low limit: skipped %q", row.Skipped)
	}
}
