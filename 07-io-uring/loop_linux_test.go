//go:build linux

package main

import (
	"testing"

	"lbws/shared/loop"
	"lbws/shared/loop/looptest"
)

// The tests every loop stage runs (shared/loop/looptest), with workers
// and inline where both apply, each with and without -multishot.

// A keep-alive connection idle past the idle timeout is closed (its recv
// in flight cancelled, then the CLOSE); one that keeps sending requests
// stays open.
func TestIdleTimeoutCloses(t *testing.T) {
	for _, m := range modes {
		t.Run(m.name, func(t *testing.T) { looptest.IdleTimeoutCloses(t, m.start, m.cfg) })
	}
}

// 1,000 connections of every kind leave no descriptor or goroutine.
func TestNoLeakAfter1000Connections(t *testing.T) {
	for _, m := range modes {
		t.Run(m.name, func(t *testing.T) { looptest.NoLeakAfter1000(t, m.start, m.cfg) })
	}
}

// A reset while the app runs does not make the loop turn: nothing is in
// flight for the connection while it waits for its app.
func TestResetWhileWaiting(t *testing.T) {
	for _, k := range kinds {
		t.Run(k.name, func(t *testing.T) { looptest.ResetWhileWaiting(t, k.start, loop.Config{Workers: 8}) })
	}
}

// A request in the app at stop is answered with Connection: close, and
// the listening socket refuses new connections once the stop begins
// (its ACCEPT in flight is cancelled).
func TestShutdownSaysClose(t *testing.T) {
	for _, k := range kinds {
		t.Run(k.name, func(t *testing.T) { looptest.ShutdownSaysClose(t, k.start) })
	}
}

// At stop, idle connections close, a request in flight is answered, and
// serve returns nil.
func TestShutdownFinishesInFlight(t *testing.T) {
	for _, k := range kinds {
		t.Run(k.name, func(t *testing.T) { looptest.ShutdownFinishesInFlight(t, k.start) })
	}
}

// With -workers 0 a shutdown keeps its deadline: requests not begun get 503.
func TestInlineShutdownBounded(t *testing.T) {
	for _, k := range kinds {
		t.Run(k.name, func(t *testing.T) { looptest.InlineShutdownBounded(t, k.start) })
	}
}

// Requests pipelined onto idle workers run at once, each on its own
// worker.
func TestPipelinedRunTogether(t *testing.T) {
	for _, k := range kinds {
		t.Run(k.name, func(t *testing.T) { looptest.PipelinedRunTogether(t, k.start) })
	}
}

// A client sending its head one byte a second gets 408 while others are
// served.
func TestSlowHeadGets408(t *testing.T) {
	for _, k := range kinds {
		t.Run(k.name, func(t *testing.T) { looptest.SlowHead408(t, k.start) })
	}
}

// A client that trickles its body holds a connection, never a worker.
func TestSlowBodiesHoldNoWorker(t *testing.T) {
	for _, k := range kinds {
		t.Run(k.name, func(t *testing.T) { looptest.SlowBodiesHoldNoWorker(t, k.start) })
	}
}

// Out of descriptors, the ACCEPT completes with EMFILE: the stage pauses
// accepting and serves again once descriptors are free. (With
// -multishot: TestMultishotOutOfDescriptorsRecovers.)
func TestOutOfDescriptorsRecovers(t *testing.T) {
	needRing(t)
	looptest.OutOfDescriptorsRecovers(t)
}
