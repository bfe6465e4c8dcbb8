package main

import (
	"testing"
	"time"

	"lbws/shared/apps"
	"lbws/shared/conformance"
)

// TestConformance runs the shared HTTP suite against 02. This server
// serves one request per connection, one connection at a time, so the
// keep-alive, pipelining and concurrency groups are skipped, each with
// that reason.
func TestConformance(t *testing.T) {
	// 3 s, not 1 s: the iterative server starts the clock at accept,
	// and on a loaded machine (CI under -race) a client's goroutine can
	// take over a second to send the head it has just dialled for.
	const headerTimeout = 3 * time.Second
	conformance.NoLeaks(t)
	ts := start(t, config{App: apps.Mux(0), HeaderTimeout: headerTimeout})
	conformance.Run(t, ts.Addr, conformance.Options{
		KeepAlive:     false, // every response says Connection: close
		Pipelining:    false, // so a second request never reaches the parser
		Concurrent:    false, // one connection at a time
		HeaderTimeout: headerTimeout,
		Promise408:    true, // a slow head gets 408 (blocking.Server.refuse)
	})
}
