package main

import (
	"fmt"
	"math"
)

// Thresholds of the checks on every run.
const (
	// littleTolerance is how far the requests in flight that wrk's figures
	// imply may stray from the connections before the row is flagged.
	littleTolerance = 0.10
	// minLatencyShare is the share of the requests of a run that must be
	// in wrk's latency histogram for its percentiles to describe the run.
	minLatencyShare = 0.90
	// maxBadStatusShare is the share of responses with status >= 400 above
	// which a run has failed: it measured errors, not the app.
	maxBadStatusShare = 0.01
	// sizeTolerance is how far the mean size of a response under load may
	// stray from the checked response's (a partial response when wrk
	// stops, a longer Date never happen to differ by more).
	sizeTolerance = 0.05
	// minCPUTicks is the fewest 10 ms ticks of CPU that make a CPU figure
	// per 1000 requests worth printing (a 2% quantisation error at most).
	minCPUTicks = 50
	// wrkBusyInterval is the time between a connection's requests below
	// which wrk's own work per request is a visible share of the cycle.
	wrkBusyInterval = 0.010 // seconds
	// fewCycles is the number of requests per connection below which a run
	// ended with a large share of its requests still waiting.
	fewCycles = 10
)

// Little is the Little's-law check of a run. wrk is a closed loop: each
// of its connections always has one request in flight, so requests in
// flight L = throughput × mean latency should equal the connections.
type Little struct {
	// InFlight is QPS × mean latency: the requests in flight wrk's own
	// figures imply.
	InFlight float64 `json:"in_flight"`
	// Connections is what wrk kept in flight.
	Connections int `json:"connections"`
	// OK is true when InFlight is within littleTolerance of Connections.
	OK bool `json:"ok"`
	// Why explains a row that is off, when bench knows the reason.
	Why string `json:"why,omitempty"`
}

// littleCheck checks m against Little's law; closes says the server closed
// every connection.
func littleCheck(m Measure, w Workload, closes bool) Little {
	l := Little{InFlight: m.QPS * m.LatencyMS.Mean / 1000, Connections: w.Connections}
	if w.Connections == 0 || m.Requests == 0 {
		return l
	}
	ratio := l.InFlight / float64(w.Connections)
	l.OK = math.Abs(ratio-1) <= littleTolerance
	if l.OK {
		return l
	}
	perConn := float64(m.Requests) / float64(w.Connections)
	interval := m.Seconds / perConn // seconds between a connection's requests
	switch {
	case ratio > 1 && m.LatencyMS.Max/1000 >= 2*interval:
		l.Why = fmt.Sprintf("wrk 4.1 adds synthetic samples to its latency for responses slower than twice "+
			"the mean interval (%s); its mean overstates", fmtMS(2*interval*1000))
	case ratio < 1 && perConn < fewCycles:
		l.Why = fmt.Sprintf("each connection finished only %s requests: those still waiting when wrk "+
			"stopped (up to one per connection) are not in its latency", sig3(perConn))
	case ratio < 1 && (!w.KeepAlive || closes):
		l.Why = "wrk's latency starts once a connection is set up: connecting, and waiting in the listen queue, is left out"
	case ratio < 1 && interval < wrkBusyInterval:
		l.Why = fmt.Sprintf("likely wrk itself: a connection's requests came every %s, and wrk's own time between "+
			"a response and the next request (on CPUs it shares with the server) is not in its latency", fmtMS(interval*1000))
	default:
		l.Why = "unexplained"
	}
	return l
}

// latencyShown reports whether m's latency percentiles describe the run:
// whether its samples are most of the requests the run started (each
// connection may have one unfinished when wrk stops).
func latencyShown(m Measure, connections int) bool {
	started := m.Requests + int64(connections)
	return m.Samples > 0 && float64(m.Samples) >= minLatencyShare*float64(started)
}

// latencyShare is the share of the run's requests in wrk's latency.
func latencyShare(m Measure, connections int) float64 {
	started := m.Requests + int64(connections)
	if started == 0 {
		return 0
	}
	return float64(m.Samples) / float64(started)
}

// runFailure returns why a run that wrk completed still failed, or "":
// no responses at all, too many error statuses, or responses that are
// not the checked one.
func runFailure(m Measure, w Workload) string {
	if m.Requests == 0 {
		e := m.Errors
		return fmt.Sprintf("no response during the run: the server answered bench's check, then none of wrk's "+
			"%d connections (connect/read/write errors %d/%d/%d)", w.Connections, e.Connect, e.Read, e.Write)
	}
	if float64(m.Status4xx5xx) > maxBadStatusShare*float64(m.Requests) {
		return fmt.Sprintf("%s of %s responses had status 400 or more", thousands(m.Status4xx5xx), thousands(m.Requests))
	}
	if m.CheckBytes > 0 {
		per := float64(m.Bytes) / float64(m.Requests)
		if math.Abs(per-float64(m.CheckBytes)) > sizeTolerance*float64(m.CheckBytes) {
			return fmt.Sprintf("responses under load averaged %.0f bytes and the checked response has %d: "+
				"they differ from the checked response (a redirect? an error page?)", per, m.CheckBytes)
		}
	}
	return ""
}
