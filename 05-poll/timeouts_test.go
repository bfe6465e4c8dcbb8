package main

import (
	"testing"

	"lbws/shared/loop"
	"lbws/shared/loop/looptest"
)

// A keep-alive connection idle past the idle timeout is closed; one that
// keeps sending requests stays open.
func TestIdleTimeoutCloses(t *testing.T) {
	looptest.IdleTimeoutCloses(t, start, loop.Config{Workers: 4})
}

// The same with the app inline (-workers 0).
func TestIdleTimeoutClosesInline(t *testing.T) {
	looptest.IdleTimeoutCloses(t, start, loop.Config{Workers: 0})
}
