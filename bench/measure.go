package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// newRow fills in what a row knows before it runs.
func newRow(t Target, w Workload) Row {
	row := Row{
		Target: t.Name, Kind: t.Kind, Workload: w.Name, Note: t.Note,
		Connections: w.Connections, DelayMS: float64(w.Delay.Microseconds()) / 1000,
		KeepAlive: w.KeepAlive, FixedBody: t.FixedBody, BoundQPS: w.Bound(),
	}
	if t.FixedBody {
		row.BoundQPS = 0 // it does not run the app: no bound applies
	}
	return row
}

// missingRow is the row of a target that is not installed.
func missingRow(t Target, w Workload) Row {
	row := newRow(t, w)
	row.Skipped = t.Missing
	return row
}

// measure runs one target under one workload and returns its row; a
// failure is recorded in the row, never fatal to the whole run.
func (r *runner) measure(ctx context.Context, t Target, w Workload) Row {
	if t.Missing != "" {
		return missingRow(t, w)
	}
	row := newRow(t, w)
	if err := r.errs[t.Name]; err != nil {
		row.Error = err.Error()
		return row
	}
	if err := r.measureInto(ctx, t, w, &row); err != nil {
		row.Error = err.Error()
	}
	return row
}

// measureInto starts the target, waits until it answers, runs wrk while
// sampling the server's processes, and stops the target.
func (r *runner) measureInto(ctx context.Context, t Target, w Workload, row *Row) error {
	addr, err := freeAddr()
	if err != nil {
		return err
	}
	dir, err := os.MkdirTemp(r.tmp, t.Name+"-")
	if err != nil {
		return fmt.Errorf("run directory: %w", err)
	}
	cmd, err := t.command(addr, w.Delay, r.bins[t.Name], dir)
	if err != nil {
		return err
	}
	srv, err := startServer(cmd)
	if err != nil {
		return err
	}
	defer func() { row.Stop = srv.stop(stopGrace) }()
	url := "http://" + addr + "/hello"
	if err := srv.waitReady(ctx, url, readyTimeout); err != nil {
		return err
	}
	args := wrkArgs(w, r.cfg.duration, r.script, url)
	row.Wrk = strings.Replace(quoteArgs("wrk", args), r.script, "bench/report.lua", 1)

	before, beforeErr := sampleTree(srv.pid())
	sampler := startRSSSampler(srv.pid())
	out, wrkErr := runWrk(ctx, r.wrk, args, r.cfg.duration+wrkSlack)
	peak := sampler.stop()
	after, afterErr := sampleTree(srv.pid())

	if err := r.saveRaw(t, w, row, out, srv); err != nil {
		return err
	}
	sum, err := parseWrk(out)
	if err != nil {
		if wrkErr != nil {
			return fmt.Errorf("%w; %w", wrkErr, err)
		}
		return err
	}
	fillRow(row, sum)
	if beforeErr == nil && afterErr == nil {
		row.CPUSeconds = (after.CPU - before.CPU).Seconds()
		if row.Requests > 0 {
			row.CPUPer1000 = row.CPUSeconds / float64(row.Requests) * 1000
		}
	}
	row.PeakRSSKiB, row.Procs = peak.RSSKiB, peak.Procs
	return nil
}

// fillRow copies wrk's summary into the row.
func fillRow(row *Row, s WrkSummary) {
	ms := func(us float64) float64 { return us / 1000 }
	row.Requests = s.Requests
	row.Seconds = float64(s.DurationUS) / 1e6
	row.QPS = s.QPS()
	row.LatencyMS = Latency{P50: ms(s.LatencyUS.P50), P90: ms(s.LatencyUS.P90), P99: ms(s.LatencyUS.P99),
		Max: ms(s.LatencyUS.Max), Mean: ms(s.LatencyUS.Mean)}
	row.Errors = SocketErrors{Connect: s.Errors.Connect, Read: s.Errors.Read, Write: s.Errors.Write, Timeout: s.Errors.Timeout}
	row.Non2xx = s.Errors.Status
	if row.BoundQPS > 0 {
		row.BoundShare = row.QPS / row.BoundQPS
	}
}

// saveRaw writes wrk's output and the tail of the server's output to
// <results>/<date>-<host>/<target>-<workload>.txt.
func (r *runner) saveRaw(t Target, w Workload, row *Row, out []byte, srv *server) error {
	name := t.Name + "-" + w.Name + ".txt"
	text := fmt.Sprintf("$ %s\n%s\n--- server output (tail) ---\n%s\n", row.Wrk, out, srv.out.Tail())
	if err := os.WriteFile(filepath.Join(r.raw, name), []byte(text), 0o644); err != nil {
		return fmt.Errorf("save wrk output: %w", err)
	}
	row.Raw = filepath.Base(r.raw) + "/" + name
	return nil
}
