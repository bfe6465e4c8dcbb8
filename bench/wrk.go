package main

import (
	"bufio"
	"bytes"
	"context"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// reportLua is the wrk script whose done() prints the summary as JSON.
//
//go:embed report.lua
var reportLua []byte

// wrkJSONPrefix starts the line report.lua prints.
const wrkJSONPrefix = "wrk-json: "

// wrkMissing is the message bench exits with when wrk is not installed.
const wrkMissing = "bench: wrk not found; install it (apt-get install wrk, or brew install wrk) and run again"

// errNoWrk is returned by run when wrk is not installed; main exits 2.
var errNoWrk = errors.New(wrkMissing)

// wrkSlack is how much longer than its -d bench lets wrk run before
// killing it: wrk waits for its connections to start and stop.
const wrkSlack = 30 * time.Second

// wrkTimeoutExtra is how much longer than the run wrk's -T is. wrk leaves
// a response slower than -T (2 s by default) out of its latency histogram
// and counts it as a timeout, so with the default a server slower than
// 2 s shows the latency of its few fast answers only (survivor bias). With
// -T beyond the run, every response is in the histogram.
const wrkTimeoutExtra = 10 * time.Second

// WrkSummary is what report.lua prints: wrk's totals for one run.
type WrkSummary struct {
	// Requests is the number of complete responses.
	Requests int64 `json:"requests"`
	// DurationUS is how long the run took, in microseconds.
	DurationUS int64 `json:"duration_us"`
	// Bytes is the number of bytes read.
	Bytes int64 `json:"bytes"`
	// Errors counts wrk's errors by kind.
	Errors WrkErrors `json:"errors"`
	// LatencyUS is the latency distribution of the complete responses
	// that took less than wrk's timeout, in microseconds. wrk 4.1 adds
	// synthetic samples to it for responses slower than twice the mean
	// interval between a connection's requests (its correction for
	// coordinated omission).
	LatencyUS WrkLatency `json:"latency_us"`
}

// WrkErrors are wrk's error counters.
type WrkErrors struct {
	// Connect counts failed connection attempts.
	Connect int64 `json:"connect"`
	// Read counts read errors, including a server closing a connection
	// wrk expected to stay open.
	Read int64 `json:"read"`
	// Write counts write errors.
	Write int64 `json:"write"`
	// Status counts responses with a status of 400 or more.
	Status int64 `json:"status"`
	// Timeout counts requests that took longer than wrk's timeout.
	Timeout int64 `json:"timeout"`
}

// WrkLatency is a latency distribution, in microseconds.
type WrkLatency struct {
	Min   float64 `json:"min"`   // fastest response
	Mean  float64 `json:"mean"`  // average
	Stdev float64 `json:"stdev"` // standard deviation
	P50   float64 `json:"p50"`   // median
	P90   float64 `json:"p90"`   // 90th percentile
	P99   float64 `json:"p99"`   // 99th percentile
	Max   float64 `json:"max"`   // slowest response under the timeout
}

// QPS returns requests per second over the run.
func (s WrkSummary) QPS() float64 {
	if s.DurationUS <= 0 {
		return 0
	}
	return float64(s.Requests) / (float64(s.DurationUS) / 1e6)
}

// parseWrk finds report.lua's JSON line in wrk's output. wrk prints no
// JSON when it gives up early (it cannot connect at all, for example);
// then the error carries wrk's last line.
func parseWrk(out []byte) (WrkSummary, error) {
	var s WrkSummary
	var last string
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line != "" {
			last = line
		}
		if js, ok := strings.CutPrefix(line, wrkJSONPrefix); ok {
			if err := json.Unmarshal([]byte(js), &s); err != nil {
				return s, fmt.Errorf("wrk summary: %w", err)
			}
			return s, nil
		}
	}
	return s, fmt.Errorf("wrk printed no summary; its last line: %q", last)
}

// wrkArgs returns wrk's arguments for workload w against url.
func wrkArgs(w Workload, d time.Duration, script, url string) []string {
	secs := int(math.Ceil(d.Seconds()))
	args := []string{
		"-t" + strconv.Itoa(w.Threads),
		"-c" + strconv.Itoa(w.Connections),
		"-d" + strconv.Itoa(secs) + "s",
		"-T" + strconv.Itoa(secs+int(wrkTimeoutExtra.Seconds())) + "s",
		"-s", script,
	}
	if !w.KeepAlive {
		args = append(args, "-H", "Connection: close")
	}
	return append(args, url)
}

// quoteArgs renders a command line for the docs, quoting what has spaces.
func quoteArgs(name string, args []string) string {
	parts := []string{name}
	for _, a := range args {
		if strings.ContainsAny(a, " '\"") {
			a = "'" + a + "'"
		}
		parts = append(parts, a)
	}
	return strings.Join(parts, " ")
}

// runWrk runs wrk with args, killing it after timeout, and returns its
// combined output.
func runWrk(ctx context.Context, wrk string, args []string, timeout time.Duration) ([]byte, error) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, wrk, args...)
	cmd.SysProcAttr = &syscall.SysProcAttr{}
	setDeathSignal(cmd.SysProcAttr)
	out, err := cmd.CombinedOutput()
	if ctx.Err() != nil {
		return out, fmt.Errorf("wrk: %w", ctx.Err())
	}
	if err != nil {
		return out, fmt.Errorf("wrk: %w", err)
	}
	return out, nil
}

// wrkVersion returns the first line of `wrk -v` without the copyright.
func wrkVersion(wrk string) string {
	out, _ := exec.Command(wrk, "-v").CombinedOutput()
	line, _, _ := strings.Cut(string(out), "\n")
	line, _, _ = strings.Cut(line, " Copyright")
	return strings.TrimSpace(line)
}
