//go:build linux

package main

import (
	"testing"

	"lbws/shared/loop"
	"lbws/shared/loop/looptest"
)

// TestConformance runs the shared HTTP suite against one level-triggered
// loop with a worker pool.
func TestConformance(t *testing.T) { looptest.Conformance(t, start, loop.Config{Workers: 64}) }

// TestConformanceInline runs the suite with -workers 0: the app runs
// inside the loop.
func TestConformanceInline(t *testing.T) { looptest.Conformance(t, start, loop.Config{Workers: 0}) }

// TestConformanceEdge runs the suite edge-triggered (-edge), where every
// read, write and accept must go on until EAGAIN.
func TestConformanceEdge(t *testing.T) {
	looptest.Conformance(t, startEdge, loop.Config{Workers: 64})
}

// TestConformanceEdgeInline is -edge -workers 0.
func TestConformanceEdgeInline(t *testing.T) {
	looptest.Conformance(t, startEdge, loop.Config{Workers: 0})
}

// TestConformanceLoops2 runs the suite against -loops 2: two loops, two
// SO_REUSEPORT sockets on one port, one shared worker pool.
func TestConformanceLoops2(t *testing.T) {
	looptest.Conformance(t, func(t *testing.T, cfg loop.Config) looptest.Server {
		return startLoops(t, 2, cfg)
	}, loop.Config{Workers: 64})
}
