package main

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"time"

	"lbws/shared/hold"
)

// The c10k workload's settings.
const (
	c10kConns      = 10000            // idle keep-alive connections held
	c10kFresh      = 20               // fresh requests timed while they are held
	c10kRecheck    = 100              // held connections asked a second request at the end
	c10kDialers    = 64               // connections opened at once
	c10kSettle     = time.Second      // wait before reading the memory of the held connections
	c10kOpenLimit  = 2 * time.Minute  // to open and answer every connection
	c10kReqTimeout = 10 * time.Second // one request on one connection
	c10kExpected   = 30 * time.Second // how long a c10k row takes, for the ETA
)

// c10kWorkload holds 10,000 idle connections; it runs no wrk.
var c10kWorkload = Workload{Name: "c10k", Group: c10kGroup, Connections: c10kConns, KeepAlive: true,
	Summary: "10,000 keep-alive connections, one request each, then held idle: the server's memory per held connection, " +
		"and the latency of a request on a fresh connection while they are held"}

// C10K is what the c10k workload measured for one target.
type C10K struct {
	// Held is the number of connections held idle, each after one
	// complete response.
	Held int `json:"held"`
	// OpenSeconds is how long opening them and getting every answer took.
	OpenSeconds float64 `json:"open_seconds"`
	// MemoryBeforeKiB and MemoryHeldKiB are the server's memory before the
	// connections and while they are held: RSS for one process, PSS summed
	// over the processes for a tree of them.
	MemoryBeforeKiB int64 `json:"memory_before_kib"`
	MemoryHeldKiB   int64 `json:"memory_held_kib"`
	// PSS is true when the memory is PSS over several processes.
	PSS bool `json:"pss,omitempty"`
	// Procs is the number of the server's processes while they are held.
	Procs int `json:"procs"`
	// BytesPerConn is (MemoryHeldKiB - MemoryBeforeKiB) per held connection,
	// in bytes.
	BytesPerConn float64 `json:"bytes_per_conn"`
	// FreshMS are the latencies of the fresh requests, each on a new
	// connection while the others are held, connecting included.
	FreshMS []float64 `json:"fresh_ms"`
	// FreshP50MS is their median.
	FreshP50MS float64 `json:"fresh_p50_ms"`
	// Answering is how many of the first Rechecked held connections
	// answered a second request after all that.
	Answering int `json:"answering"`
	Rechecked int `json:"rechecked"`
}

// measureC10K runs the c10k workload on t: a row with the memory per held
// connection and the fresh requests' latency, skipped when the target does
// not hold connections or the open-file limit is too low.
func (r *runner) measureC10K(ctx context.Context, t Target, w Workload, row Row) Row {
	if t.NoC10K != "" {
		row.Skipped = "skipped: " + t.NoC10K
		return row
	}
	if need := w.Connections + fdMargin; r.nofile < uint64(need) {
		row.Skipped = fmt.Sprintf("skipped: the open-file limit is %d, below the %d that holding %s connections needs "+
			"(raise the hard limit, as root: ulimit -Hn %d)", r.nofile, need, thousands(int64(w.Connections)), need)
		return row
	}
	c, stop, closes, err := r.c10kOnce(ctx, t, w)
	row.Stop, row.ServerCloses = stop, closes
	switch {
	case closes:
		row.Skipped = "skipped: the server closes every connection: there is nothing to hold"
	case err != nil:
		row.Error = err.Error()
	}
	row.C10K = c
	return row
}

// c10kOnce starts t, checks it, opens and holds w.Connections connections
// with one answered request each, reads the server's memory, times fresh
// requests, checks that held connections still answer, and stops it.
func (r *runner) c10kOnce(ctx context.Context, t Target, w Workload) (c *C10K, stop string, closes bool, err error) {
	srv, addr, err := r.start(ctx, t, w)
	if err != nil {
		return nil, "", false, err
	}
	defer func() { stop = srv.stop(stopGrace) }()
	chk, err := checkTarget(ctx, addr, w)
	if err != nil || chk.closes {
		return nil, "", chk.closes, err
	}
	settle(ctx, srv.pid())
	c = &C10K{}
	before, _, _, err := treeMemory(srv.pid())
	if err != nil {
		return nil, "", false, err
	}
	start := time.Now()
	cl := c10kClient(addr)
	openCtx, cancel := context.WithTimeout(ctx, c10kOpenLimit)
	held, err := cl.Open(openCtx, w.Connections)
	if errors.Is(openCtx.Err(), context.DeadlineExceeded) {
		err = fmt.Errorf("opening took longer than %v: %w", c10kOpenLimit, err)
	}
	cancel()
	defer hold.CloseAll(held)
	c.Held, c.OpenSeconds = len(held), time.Since(start).Seconds()
	if err != nil {
		return c, "", false, fmt.Errorf("held %s of %s connections: %w", thousands(int64(len(held))), thousands(int64(w.Connections)), err)
	}
	time.Sleep(c10kSettle)
	after, pss, procs, err := treeMemory(srv.pid())
	if err != nil {
		return c, "", false, err
	}
	c.MemoryBeforeKiB, c.MemoryHeldKiB, c.PSS, c.Procs = before, after, pss, procs
	c.BytesPerConn = float64(after-before) * 1024 / float64(len(held))
	if err := c.timeFresh(ctx, cl); err != nil {
		return c, "", false, err
	}
	c.recheck(cl, held)
	if gone, how := srv.exited(); gone {
		return c, "", false, fmt.Errorf("server exited while holding the connections (%s)", how)
	}
	if c.Answering < c.Rechecked {
		return c, "", false, fmt.Errorf("only %d of %d held connections answered a second request", c.Answering, c.Rechecked)
	}
	return c, "", false, nil
}

// treeMemory returns the memory of the process tree of pid in KiB: RSS for
// one process, PSS summed when there are several (pss true).
func treeMemory(pid int) (kib int64, pss bool, procs int, err error) {
	t, err := sampleTree(pid)
	if err != nil {
		return 0, false, 0, err
	}
	if t.Procs > 1 {
		return sumPSS(t.pids), true, t.Procs, nil
	}
	return t.RSSKiB, false, t.Procs, nil
}

// c10kClient is how the c10k workload opens and holds connections:
// c10kDialers at a time, each answered GET /hello.
func c10kClient(addr string) *hold.Client {
	return &hold.Client{Addr: addr, Path: "/hello", UserAgent: benchAgent, Timeout: c10kReqTimeout, Parallel: c10kDialers}
}

// timeFresh times c10kFresh requests, one after another, each on a new
// connection (connecting included), and records their median.
func (c *C10K) timeFresh(ctx context.Context, cl *hold.Client) error {
	for i := range c10kFresh {
		start := time.Now()
		hc, err := cl.Dial(ctx)
		if err != nil {
			return fmt.Errorf("fresh request %d while holding the connections: %w", i+1, err)
		}
		c.FreshMS = append(c.FreshMS, float64(time.Since(start).Microseconds())/1000)
		hc.Close()
	}
	sorted := append([]float64(nil), c.FreshMS...)
	sort.Float64s(sorted)
	c.FreshP50MS = (sorted[(len(sorted)-1)/2] + sorted[len(sorted)/2]) / 2
	return nil
}

// recheck asks the first c10kRecheck held connections for a second answer.
func (c *C10K) recheck(cl *hold.Client, held []*hold.Conn) {
	for _, hc := range held[:min(c10kRecheck, len(held))] {
		c.Rechecked++
		if err := cl.Get(hc); err == nil {
			c.Answering++
		}
	}
}
