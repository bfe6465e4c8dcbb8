//go:build linux

package main

import (
	"testing"
	"time"

	"lbws/shared/apps"
	"lbws/shared/conformance"
	"lbws/shared/loop"
	"lbws/shared/stage/stagetest"
)

// TestMinimalFailsWhatTheStageFixes pins the opening of
// docs/07-io-uring.md: the naive io_uring server in ./minimal fails each
// case the chapter shows, and this stage passes it. Both run the
// article's app, 200 ms a /hello.
//   - robustness/slow-head: a head that arrives in pieces; a RECV
//     completes with whatever bytes have arrived, and the minimal takes
//     its one completion for the request.
//   - pipelining/two-gets: two requests in one completion; the minimal
//     answers the first and never sees the second (RFC 9112 9.3.2).
//   - robustness/header-timeout-silent: the minimal's io_uring_enter
//     waits for a completion without a timeout, so a client that sends
//     nothing holds its connection (and its recv buffer) forever; the
//     stage's wait ends at the earliest deadline, and it cancels the
//     RECV before it closes.
func TestMinimalFailsWhatTheStageFixes(t *testing.T) {
	const delay, headerTimeout = 200 * time.Millisecond, time.Second
	needRing(t) // the minimal needs io_uring too
	naive := stagetest.StartMinimal(t, "./minimal", "-addr", "127.0.0.1:0", "-delay", delay.String())
	ts := start(t, loop.Config{App: apps.Mux(delay), Workers: 256, HeaderTimeout: headerTimeout})
	stagetest.Story(t, naive.Addr, ts.Addr, conformance.Options{
		KeepAlive:     true,
		Pipelining:    true,
		Concurrent:    true,
		HeaderTimeout: headerTimeout,
		Timeout:       5 * time.Second,
	},
		"robustness/slow-head",
		"pipelining/two-gets",
		"robustness/header-timeout-silent",
	)
}
