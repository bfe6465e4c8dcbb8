//go:build linux

package main

import (
	"testing"

	"lbws/shared/loop/looptest"
)

// Requests pipelined onto idle workers run at once, each on its own
// worker.
func TestPipelinedRunTogether(t *testing.T) { looptest.PipelinedRunTogether(t, start) }

// A reset while the app runs does not make the loop spin, level- or
// edge-triggered.
func TestResetWhileWaiting(t *testing.T) {
	for _, m := range modes {
		if m.cfg.Workers == 0 {
			continue // the app runs in the loop: nothing turns meanwhile
		}
		t.Run(m.name, func(t *testing.T) { looptest.ResetWhileWaiting(t, m.start, m.cfg) })
	}
}

// A request in the app at stop is answered with Connection: close.
func TestShutdownSaysClose(t *testing.T) { looptest.ShutdownSaysClose(t, start) }
