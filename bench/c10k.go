package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"sort"
	"sync"
	"time"
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

// heldConn is one connection the c10k workload holds.
type heldConn struct {
	c  net.Conn      // the connection
	br *bufio.Reader // its reader, which may hold nothing between responses
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
	held, err := holdConns(ctx, addr, w.Connections)
	defer closeAll(held)
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
	if err := c.timeFresh(ctx, addr); err != nil {
		return c, "", false, err
	}
	c.recheck(held)
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

// holdConns opens n connections to addr, c10kDialers at a time, each with
// one complete response to GET /hello, and returns those it holds; the
// error is the first failure.
func holdConns(ctx context.Context, addr string, n int) ([]heldConn, error) {
	ctx, cancel := context.WithTimeout(ctx, c10kOpenLimit)
	defer cancel()
	slots := make([]heldConn, n)
	var (
		mu    sync.Mutex
		first error
		wg    sync.WaitGroup
	)
	sem := make(chan struct{}, c10kDialers)
	for i := 0; i < n && ctx.Err() == nil; i++ {
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			hc, err := openOne(ctx, addr)
			if err != nil {
				mu.Lock()
				if first == nil {
					first = fmt.Errorf("connection %d: %w", i+1, err)
					cancel() // one failure ends the opening: the row fails
				}
				mu.Unlock()
				return
			}
			slots[i] = hc
		}()
	}
	wg.Wait()
	var held []heldConn
	for _, hc := range slots {
		if hc.c != nil {
			held = append(held, hc)
		}
	}
	if first == nil && ctx.Err() != nil {
		first = fmt.Errorf("opening took longer than %v: %w", c10kOpenLimit, ctx.Err())
	}
	return held, first
}

// openOne opens a connection and gets one answer on it, keeping it open.
func openOne(ctx context.Context, addr string) (heldConn, error) {
	d := net.Dialer{Timeout: c10kReqTimeout}
	c, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return heldConn{}, err
	}
	hc := heldConn{c: c, br: bufio.NewReaderSize(c, 512)}
	if err := hc.get(addr); err != nil {
		c.Close()
		return heldConn{}, err
	}
	return hc, nil
}

// get sends GET /hello on a kept-alive connection and reads a 200 answer.
func (hc heldConn) get(addr string) error {
	_ = hc.c.SetDeadline(time.Now().Add(c10kReqTimeout))
	defer hc.c.SetDeadline(time.Time{})
	req := "GET /hello HTTP/1.1\r\nHost: " + addr + "\r\nUser-Agent: " + benchAgent + "\r\n\r\n"
	if _, err := io.WriteString(hc.c, req); err != nil {
		return err
	}
	resp, err := http.ReadResponse(hc.br, &http.Request{Method: http.MethodGet})
	if err != nil {
		return err
	}
	_, err = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("status %s", resp.Status)
	}
	return nil
}

// closeAll closes the held connections.
func closeAll(held []heldConn) {
	for _, hc := range held {
		hc.c.Close()
	}
}

// timeFresh times c10kFresh requests, one after another, each on a new
// connection (connecting included), and records their median.
func (c *C10K) timeFresh(ctx context.Context, addr string) error {
	for i := range c10kFresh {
		start := time.Now()
		hc, err := openOne(ctx, addr)
		if err != nil {
			return fmt.Errorf("fresh request %d while holding the connections: %w", i+1, err)
		}
		c.FreshMS = append(c.FreshMS, float64(time.Since(start).Microseconds())/1000)
		hc.c.Close()
	}
	sorted := append([]float64(nil), c.FreshMS...)
	sort.Float64s(sorted)
	c.FreshP50MS = (sorted[(len(sorted)-1)/2] + sorted[len(sorted)/2]) / 2
	return nil
}

// recheck asks the first c10kRecheck held connections for a second answer.
func (c *C10K) recheck(held []heldConn) {
	addr := ""
	for _, hc := range held[:min(c10kRecheck, len(held))] {
		if addr == "" {
			addr = hc.c.RemoteAddr().String()
		}
		c.Rechecked++
		if err := hc.get(addr); err == nil {
			c.Answering++
		}
	}
}
