package main

import (
	"bufio"
	"testing"

	"lbws/shared/loop"
	"lbws/shared/loop/looptest"
)

// poll has no FD_SETSIZE: a connection on a descriptor above 1024, which
// 04-select cannot watch (it keeps it waiting), is served at once.
func TestAboveFdSetSizeServed(t *testing.T) {
	const fdSetSize = 1024
	looptest.RaiseNoFile(t, fdSetSize+256)
	ts := start(t, loop.Config{Workers: 4})
	looptest.FillFdsBelow(t, fdSetSize)
	c := ts.Dial(t)
	r := bufio.NewReader(c)
	for range 3 {
		if resp := looptest.Get(t, c, r); resp.StatusCode != 200 {
			t.Fatalf("above FD_SETSIZE: %d; want 200", resp.StatusCode)
		}
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

// A client that trickles its body holds a connection, never a worker:
// with two workers, three slow uploads do not delay a GET.
func TestSlowBodiesHoldNoWorker(t *testing.T) { looptest.SlowBodiesHoldNoWorker(t, start) }
