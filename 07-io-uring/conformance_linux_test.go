//go:build linux

package main

import (
	"testing"

	"lbws/shared/loop"
	"lbws/shared/loop/looptest"
)

// TestConformance runs the shared HTTP suite against the loop with a
// worker pool.
func TestConformance(t *testing.T) { looptest.Conformance(t, start, loop.Config{Workers: 64}) }

// TestConformanceInline runs the suite with -workers 0: the app runs
// inside the loop.
func TestConformanceInline(t *testing.T) { looptest.Conformance(t, start, loop.Config{Workers: 0}) }

// TestConformanceMultishot runs the suite with -multishot, with a worker
// pool.
func TestConformanceMultishot(t *testing.T) {
	looptest.Conformance(t, startMultishot, loop.Config{Workers: 64})
}

// TestConformanceMultishotInline runs the suite with -multishot and
// -workers 0.
func TestConformanceMultishotInline(t *testing.T) {
	looptest.Conformance(t, startMultishot, loop.Config{Workers: 0})
}
