package main

import (
	"testing"

	"lbws/shared/loop/looptest"
)

// Requests pipelined onto idle workers run at once, each on its own
// worker.
func TestPipelinedRunTogether(t *testing.T) { looptest.PipelinedRunTogether(t, start) }
