package main

import (
	"bufio"
	"testing"

	"lbws/shared/loop"
	"lbws/shared/loop/looptest"
)

// A connection whose descriptor select cannot watch (at or above
// FD_SETSIZE) gets a clean 503 and a log line, not a crash: x/sys's
// FdSet.Set would index past the bitmap. The test fills every descriptor
// number below 1024 so the next accept lands above it.
func TestFdSetSizeGuard(t *testing.T) {
	looptest.RaiseNoFile(t, uint64(fdSetSize)+256)
	ts := start(t, loop.Config{Workers: 4})
	// One request first: serve makes its wake-up pipe after start
	// returns, and those descriptors must not land above the filled ones.
	c0 := ts.Dial(t)
	if r := looptest.Get(t, c0, bufio.NewReader(c0)); r.StatusCode != 200 {
		t.Fatalf("first request: %d; want 200", r.StatusCode)
	}
	looptest.FillFdsBelow(t, fdSetSize)

	c := ts.Dial(t)
	resp := looptest.Get(t, c, bufio.NewReader(c))
	if resp.StatusCode != 503 || !resp.Close || resp.Header.Get("Retry-After") == "" {
		t.Errorf("above FD_SETSIZE: %d close=%v Retry-After=%q; want 503, Connection: close, Retry-After",
			resp.StatusCode, resp.Close, resp.Header.Get("Retry-After"))
	}
	looptest.WaitLog(t, ts.Logs, "at or above the 1024 that select can watch")
	// A second one in the same burst is refused without another line.
	c2 := ts.Dial(t)
	if r := looptest.Get(t, c2, bufio.NewReader(c2)); r.StatusCode != 503 {
		t.Errorf("second connection above FD_SETSIZE: %d; want 503", r.StatusCode)
	}
	if n := ts.Logs.Count("select can watch"); n != 1 {
		t.Errorf("%d log lines for the burst; want 1", n)
	}
}

// A client sending its head one byte a second gets 408 while others are
// served.
func TestSlowHeadGets408(t *testing.T) { looptest.SlowHead408(t, start) }

// 1,000 connections of every kind leave no descriptor or goroutine.
func TestNoLeakAfter1000Connections(t *testing.T) {
	looptest.NoLeakAfter1000(t, start, loop.Config{Workers: 16})
}

// At stop, idle connections close, a request in flight is answered, and
// serve returns nil.
func TestShutdownFinishesInFlight(t *testing.T) { looptest.ShutdownFinishesInFlight(t, start) }

// With -workers 0 a shutdown keeps its deadline: requests not begun get 503.
func TestInlineShutdownBounded(t *testing.T) { looptest.InlineShutdownBounded(t, start) }
