package main

import (
	"bufio"
	"fmt"
	"net"
	"os"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// With -prefork the same few processes serve every connection, one
// request each, and say so with Connection: close.
func TestPreforkWorkersServeEveryConnection(t *testing.T) {
	ts := start(t, config{Prefork: 2})
	workers := workersUp(t, ts.Addr, 2)
	for i := range 10 {
		c := ts.Dial(t)
		resp, body := get(t, c, bufio.NewReader(c), "/pid")
		c.Close()
		if pid, err := strconv.Atoi(strings.TrimSpace(body)); err != nil || !slices.Contains(workers, pid) {
			t.Errorf("connection %d served by %q; want one of the workers %v", i, body, workers)
		}
		if !resp.Close {
			t.Errorf("connection %d: response without Connection: close", i)
		}
	}
	kids := childrenOf(t, os.Getpid())
	if len(kids) != 2 {
		t.Errorf("children %v; want the 2 workers", kids)
	}
	for _, k := range kids {
		if !slices.Contains(workers, k.pid) {
			t.Errorf("child %d is not one of the workers %v", k.pid, workers)
		}
	}
}

// A worker that dies (SIGKILL: it cannot finish anything) is reaped and
// replaced, and the server keeps its number of workers.
func TestPreforkKilledWorkerIsReplaced(t *testing.T) {
	ts := start(t, config{Prefork: 2})
	workers := workersUp(t, ts.Addr, 2)
	victim := workers[0]
	if err := syscall.Kill(victim, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	var kids []proc
	replaced := func() bool {
		kids = childrenOf(t, os.Getpid())
		return len(kids) == 2 && !slices.ContainsFunc(kids, func(p proc) bool { return p.pid == victim })
	}
	if !waitFor(20*time.Second, replaced) {
		t.Fatalf("after killing worker %d: children %v; want it reaped and a new one in its place", victim, kids)
	}
	want := fmt.Sprintf("child %d killed by signal killed", victim)
	if n := ts.Logs.Count(want); n != 1 {
		t.Errorf("log says %q %d times; want once:\n%s", want, n, ts.Logs)
	}
	now := workersUp(t, ts.Addr, 2)
	if slices.Contains(now, victim) {
		t.Errorf("workers answering %v include the killed one", now)
	}
}

// -max-requests recycles a worker: after that many requests it exits and
// a fresh process takes its place.
func TestPreforkMaxRequests(t *testing.T) {
	ts := start(t, config{Prefork: 1, MaxRequests: 2})
	var pids []int
	for range 6 {
		c, err := net.Dial("tcp", ts.Addr)
		if err != nil {
			t.Fatal(err)
		}
		c.SetDeadline(time.Now().Add(20 * time.Second))
		pids = append(pids, pidOn(t, c, bufio.NewReader(c)))
		c.Close()
	}
	if pids[0] != pids[1] || pids[2] != pids[3] || pids[4] != pids[5] ||
		pids[1] == pids[2] || pids[3] == pids[4] || pids[1] == pids[4] {
		t.Errorf("one worker, -max-requests 2: six requests served by %v; want three processes, two requests each", pids)
	}
	if n := ts.Logs.Count("killed") + ts.Logs.Count("exited"); n != 0 {
		t.Errorf("a recycled worker exits with status 0; the log has %d failures:\n%s", n, ts.Logs)
	}
}
