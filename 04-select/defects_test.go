package main

import (
	"testing"

	"lbws/shared/loop"
	"lbws/shared/loop/looptest"
)

// Requests pipelined onto idle workers run at once, each on its own
// worker.
func TestPipelinedRunTogether(t *testing.T) { looptest.PipelinedRunTogether(t, start) }

// A reset while the app runs does not make the loop spin.
func TestResetWhileWaiting(t *testing.T) { looptest.ResetWhileWaiting(t, start, loop.Config{}) }

// A request in the app at stop is answered with Connection: close.
func TestShutdownSaysClose(t *testing.T) { looptest.ShutdownSaysClose(t, start) }
