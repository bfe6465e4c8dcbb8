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

// TestMinimalFailsWhatTheStageFixes pins the opening of docs/06-epoll.md:
// the naive epoll server in ./minimal fails each case the chapter shows,
// and this stage passes it. Both run the article's app, 200 ms a /hello.
//   - robustness/slow-head: a head that arrives in pieces; epoll says the
//     socket is readable, not that a whole request is there, and the
//     minimal takes its one read for the request.
//   - pipelining/two-gets: two requests in one read; the minimal
//     answers the first and never sees the second (RFC 9112 9.3.2).
//   - robustness/header-timeout-silent: the minimal's epoll_wait never
//     times out, so a client that sends nothing holds its connection
//     forever; the stage's epoll_wait timeout comes from the earliest
//     deadline.
//   - concurrency/many-connections: the minimal runs the app inline, and
//     200 connections wait 200 ms each, one after another; the stage's
//     workers run them at once.
func TestMinimalFailsWhatTheStageFixes(t *testing.T) {
	const delay, headerTimeout = 200 * time.Millisecond, time.Second
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
		"concurrency/many-connections", // last: it leaves the minimal busy for 40 s
	)
}
