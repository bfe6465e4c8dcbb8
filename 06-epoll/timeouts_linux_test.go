package main

import (
	"testing"

	"lbws/shared/loop/looptest"
)

// A keep-alive connection idle past the idle timeout is closed; one that
// keeps sending requests stays open; level- and edge-triggered, with
// workers and inline.
func TestIdleTimeoutCloses(t *testing.T) {
	for _, m := range modes {
		t.Run(m.name, func(t *testing.T) { looptest.IdleTimeoutCloses(t, m.start, m.cfg) })
	}
}

// Out of descriptors, accept fails with EMFILE: the stage pauses
// accepting and serves again once descriptors are free, with its
// default loops (one per core) and with one edge-triggered loop, which
// must be told of the waiting connection again when it resumes.
func TestOutOfDescriptorsRecovers(t *testing.T) { looptest.OutOfDescriptorsRecovers(t) }

// The same with one edge-triggered loop.
func TestOutOfDescriptorsRecoversEdge(t *testing.T) {
	looptest.OutOfDescriptorsRecovers(t, "-loops", "1", "-edge")
}
