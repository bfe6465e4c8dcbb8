package main

import (
	"testing"
	"time"

	"lbws/shared/apps"
	"lbws/shared/conformance"
	"lbws/shared/stage/stagetest"
)

// TestMinimalFailsWhatTheStageFixes pins the opening of
// docs/02-simple-wsgi.md: the naive server in ./minimal fails each case
// the chapter shows, and this stage passes it.
//   - robustness/slow-head: a head that arrives in pieces; the minimal
//     takes its first read for the whole request.
//   - headers/too-large: a head larger than the minimal's 1024-byte read;
//     it answers 200 to the part it read.
//   - robustness/header-timeout-silent: a client that connects and sends
//     nothing holds the minimal, and everyone queued behind it, forever.
//   - keepalive/connection-close: the minimal closes after every response
//     without saying so (RFC 9112 9.6).
func TestMinimalFailsWhatTheStageFixes(t *testing.T) {
	const headerTimeout = 2 * time.Second
	naive := stagetest.StartMinimal(t, "./minimal", "-addr", "127.0.0.1:0", "-delay", "0")
	ts := start(t, config{App: apps.Mux(0), HeaderTimeout: headerTimeout})
	stagetest.Story(t, naive.Addr, ts.Addr, conformance.Options{
		HeaderTimeout: headerTimeout,
		Promise408:    true,
		Timeout:       5 * time.Second,
	},
		"robustness/slow-head",
		"headers/too-large",
		"robustness/header-timeout-silent",
		"keepalive/connection-close",
	)
}
