package main

import (
	"testing"
	"time"

	"lbws/shared/conformance"
)

// TestConformance runs the shared HTTP suite against the process-per-
// connection model. Each connection has a process of its own that keeps
// it open for more requests, so every group runs: keep-alive, pipelining
// and many connections at once.
func TestConformance(t *testing.T) {
	// 8 s, not 1: the many-connections case starts 200 processes at
	// once, and on a loaded machine under -race a child can sit between
	// setting its deadline and its first read for seconds; once the
	// deadline has passed, sock.Conn's Read (like net.Conn's) reports the
	// timeout without trying the socket, though the request waits in it
	// (CI with other work on the machine: 21 of 200 got 408 with 3 s).
	const headerTimeout = 8 * time.Second
	// Every connection starts a process, under -race one that takes
	// about 80 ms of CPU to start: the 100 sequential connections of one
	// case, or 200 at once in another, need more than the default 10 s
	// on a busy machine with two cores.
	const caseTimeout = time.Minute
	// The stalled-reader case pushes a 4 MiB body and its echo through a
	// 4 KiB window; on a busy machine under -race that takes more than
	// the 5 s the other tests allow a body and a write.
	const bodyTimeout = 30 * time.Second
	conformance.NoLeaks(t)
	ts := start(t, config{HeaderTimeout: headerTimeout, BodyTimeout: bodyTimeout, WriteTimeout: bodyTimeout})
	conformance.Run(t, ts.Addr, conformance.Options{
		KeepAlive:     true,
		Pipelining:    true,
		Concurrent:    true,
		HeaderTimeout: headerTimeout,
		Timeout:       caseTimeout,
	})
}

// TestConformancePrefork runs the suite against -prefork: a worker
// serves one request per connection and says "Connection: close", as
// gunicorn's sync worker does, so the keep-alive and pipelining groups
// are skipped. Workers serve connections at the same time as each other.
func TestConformancePrefork(t *testing.T) {
	const headerTimeout, bodyTimeout = 3 * time.Second, 30 * time.Second // see TestConformance
	conformance.NoLeaks(t)
	ts := start(t, config{HeaderTimeout: headerTimeout, BodyTimeout: bodyTimeout, WriteTimeout: bodyTimeout, Prefork: 8})
	conformance.Run(t, ts.Addr, conformance.Options{
		KeepAlive:     false, // every response says Connection: close
		Pipelining:    false, // so a second request never reaches the parser
		Concurrent:    true,  // 8 workers
		HeaderTimeout: headerTimeout,
	})
}
