package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"
)

// newRow fills in what a row knows before it runs.
func newRow(t Target, w Workload) Row {
	row := Row{
		Target: t.Name, Label: t.Label, Kind: t.Kind, Workload: w.Name, Note: t.Note, Mark: t.Mark,
		Connections: w.Connections, DelayMS: float64(w.Delay.Microseconds()) / 1000,
		KeepAlive: w.KeepAlive, FixedBody: t.FixedBody, Model: t.Model, Backlog: t.Backlog,
	}
	if !t.FixedBody { // a fixed body skips the app: no bound applies
		row.BoundQPS, row.Bound = t.Model.Bound(w)
	}
	return row
}

// measure runs one target under one workload r.cfg.runs times and returns
// its row, the median run's figures with every run kept; a failure is
// recorded in the row, never fatal to the whole run. A cell that fails
// once is not repeated.
func (r *runner) measure(ctx context.Context, t Target, w Workload) Row {
	row := newRow(t, w)
	if t.Missing != "" {
		row.Skipped = t.Missing
		return row
	}
	if err := r.errs[t.Pkg]; err != nil {
		row.Error = err.Error()
		return row
	}
	if w.Group == c10kGroup {
		return r.measureC10K(ctx, t, w, row)
	}
	runs := max(r.cfg.runs, 1)
	var ms []Measure
	for i := range runs {
		m, closes, err := r.measureOnce(ctx, t, w, i+1, runs)
		if err != nil {
			m.Error = err.Error()
		}
		row.ServerCloses = row.ServerCloses || closes
		ms = append(ms, m)
		if m.Error != "" || ctx.Err() != nil {
			row.Error = m.Error
			if runs > 1 {
				row.Error = fmt.Sprintf("run %d of %d: %s", i+1, runs, m.Error)
			}
			break
		}
	}
	aggregate(&row, ms)
	return row
}

// aggregate puts the run with the median QPS into the row, with the range
// of QPS over the runs and every run when there are several.
func aggregate(row *Row, ms []Measure) {
	if len(ms) == 0 {
		return
	}
	if row.Error != "" {
		row.Measure = ms[len(ms)-1]
		return
	}
	sorted := append([]Measure(nil), ms...)
	sort.SliceStable(sorted, func(i, j int) bool { return sorted[i].QPS < sorted[j].QPS })
	row.Measure = sorted[len(sorted)/2]
	if len(ms) > 1 {
		row.Runs = ms
		row.QPSMin, row.QPSMax = sorted[0].QPS, sorted[len(sorted)-1].QPS
	}
	if row.BoundQPS > 0 {
		row.BoundShare = row.QPS / row.BoundQPS
	}
}

// measureOnce starts the target, waits until it answers, checks its
// answer, warms it up, runs wrk while sampling the server's processes,
// judges the run and stops the target. closes reports that the server
// closes every connection.
func (r *runner) measureOnce(ctx context.Context, t Target, w Workload, run, runs int) (m Measure, closes bool, err error) {
	srv, addr, err := r.start(ctx, t, w)
	if err != nil {
		return m, false, err
	}
	defer func() { m.Stop = srv.stop(stopGrace) }()
	c, err := checkTarget(ctx, addr, w)
	if err != nil {
		return m, false, err
	}
	m.CheckBytes, closes = c.bytes, c.closes
	warm := warmConcurrency
	if n := t.Model.inFlight(w); n > 0 {
		warm = min(warm, n)
	}
	if err := warmUp(ctx, addr, w, warm, srv.pid()); err != nil {
		return m, closes, err
	}
	url := "http://" + addr + "/hello"
	args := wrkArgs(w, r.cfg.duration, r.script, url)
	m.Wrk = strings.Replace(quoteArgs("wrk", args), r.script, "bench/report.lua", 1)

	before, beforeAt, beforeErr := snapshotCPU(srv.pid())
	sampler := startRSSSampler(srv.pid())
	out, wrkErr := runWrk(ctx, r.wrk, args, r.cfg.duration+wrkSlack)
	peak := sampler.stop()
	after, afterAt, afterErr := snapshotCPU(srv.pid())

	if m.Raw, err = r.saveRaw(t, w, run, runs, m.Wrk, out, srv); err != nil {
		return m, closes, err
	}
	if gone, how := srv.exited(); gone {
		return m, closes, fmt.Errorf("server exited during the run (%s): %s", how, oneLine(lastLine(srv.out.Tail()), 200))
	}
	sum, parseErr := parseWrk(out)
	if wrkErr != nil {
		return m, closes, fmt.Errorf("%w; its last line: %q", wrkErr, lastLine(string(out)))
	}
	if parseErr != nil {
		return m, closes, parseErr
	}
	fillMeasure(&m, sum)
	if beforeErr == nil && afterErr == nil {
		fillCPU(&m, after-before, afterAt.Sub(beforeAt))
	}
	m.PeakRSSKiB, m.PeakPSSKiB, m.Procs = peak.RSSKiB, peak.PSSKiB, peak.Procs
	if f := runFailure(m, w); f != "" {
		return m, closes, errors.New(f)
	}
	m.Little = littleCheck(m, w, closes)
	return m, closes, nil
}

// start starts target t for workload w on a free port and waits until it
// answers; the caller stops the server.
func (r *runner) start(ctx context.Context, t Target, w Workload) (*server, string, error) {
	addr, err := freeAddr()
	if err != nil {
		return nil, "", err
	}
	dir, err := os.MkdirTemp(r.tmp, t.Name+"-")
	if err != nil {
		return nil, "", fmt.Errorf("run directory: %w", err)
	}
	cmd, err := t.command(addr, w.Delay, r.bins[t.Pkg], dir)
	if err != nil {
		return nil, "", err
	}
	srv, err := startServer(cmd)
	if err != nil {
		return nil, "", err
	}
	if err := srv.waitReady(ctx, "http://"+addr+"/hello", readyTimeout); err != nil {
		srv.stop(stopGrace)
		return nil, "", err
	}
	return srv, addr, nil
}

// fillMeasure copies wrk's summary into m.
func fillMeasure(m *Measure, s WrkSummary) {
	ms := func(us float64) float64 { return us / 1000 }
	m.Requests, m.Bytes = s.Requests, s.Bytes
	m.Seconds = float64(s.DurationUS) / 1e6
	m.QPS = s.QPS()
	m.LatencyMS = Latency{P50: ms(s.LatencyUS.P50), P90: ms(s.LatencyUS.P90), P99: ms(s.LatencyUS.P99),
		Max: ms(s.LatencyUS.Max), Mean: ms(s.LatencyUS.Mean)}
	m.Samples = max(s.Requests-s.Errors.Timeout, 0)
	m.Errors = SocketErrors{Connect: s.Errors.Connect, Read: s.Errors.Read, Write: s.Errors.Write, Timeout: s.Errors.Timeout}
	m.Status4xx5xx = s.Errors.Status
}

// fillCPU records the server's CPU time during the run, cpu over the wall
// time between its two snapshots: the cores it kept busy (over that same
// window, which holds wrk's run, so it cannot exceed the machine's CPUs),
// and the CPU per 1000 requests when there are enough ticks.
func fillCPU(m *Measure, cpu, wall time.Duration) {
	m.CPUSeconds = cpu.Seconds()
	m.CPUTicks = int64(m.CPUSeconds/cpuTick.Seconds() + 0.5)
	if wall > 0 {
		m.Cores = m.CPUSeconds / wall.Seconds()
	}
	if m.CPUTicks >= minCPUTicks && m.Requests > 0 {
		m.CPUPer1000 = m.CPUSeconds / float64(m.Requests) * 1000
	}
}

// saveRaw writes wrk's output and the tail of the server's output to
// <results>/<name>/<target>-<workload>[-runN].txt and returns that path
// relative to the results file.
func (r *runner) saveRaw(t Target, w Workload, run, runs int, wrk string, out []byte, srv *server) (string, error) {
	name := t.Name + "-" + w.Name
	if runs > 1 {
		name += fmt.Sprintf("-run%d", run)
	}
	name += ".txt"
	text := fmt.Sprintf("$ %s\n%s\n--- server output (tail) ---\n%s\n", wrk, out, srv.out.Tail())
	if err := os.WriteFile(filepath.Join(r.raw, name), []byte(text), 0o644); err != nil {
		return "", fmt.Errorf("save wrk output: %w", err)
	}
	return filepath.Base(r.raw) + "/" + name, nil
}

// lastLine returns the last non-blank line of s.
func lastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return strings.TrimSpace(lines[len(lines)-1])
}
