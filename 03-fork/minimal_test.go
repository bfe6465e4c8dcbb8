package main

import (
	"os"
	"testing"
	"time"

	"lbws/shared/conformance"
	"lbws/shared/stage/stagetest"
)

// TestMinimalFailsWhatTheStageFixes pins the opening of docs/03-fork.md:
// the naive forking server in ./minimal leaves a zombie per connection
// (nobody calls wait4) and fails the conformance cases the chapter
// shows; this stage reaps every child and passes those cases.
//   - robustness/slow-head: a head that arrives in pieces; the minimal's
//     child takes its first read for the whole request.
//   - keepalive/http11-persists: the minimal's child answers one request
//     and exits; the stage's child serves the connection (RFC 9112 9.3).
func TestMinimalFailsWhatTheStageFixes(t *testing.T) {
	const headerTimeout = 3 * time.Second
	naive := stagetest.StartMinimal(t, "./minimal", "-addr", "127.0.0.1:0", "-delay", "0")
	ts := start(t, config{HeaderTimeout: headerTimeout})

	// Three connections each: the minimal's three children stay zombies,
	// the stage's are reaped (the stage runs in this test process).
	zombiesOf := func(pid int) (zombies, all int) {
		for _, p := range childrenOf(t, pid) {
			if p.pid == naive.Pid() {
				continue // the minimal is this test's child too
			}
			all++
			if p.state == 'Z' {
				zombies++
			}
		}
		return zombies, all
	}
	for _, addr := range []string{naive.Addr, ts.Addr} {
		for range 3 {
			if err := shortHello(addr); err != nil {
				t.Fatalf("%s: %v", addr, err)
			}
		}
	}
	if !waitFor(10*time.Second, func() bool { z, _ := zombiesOf(naive.Pid()); return z == 3 }) {
		t.Errorf("minimal: children %v; want 3 zombies (the chapter's ps shows them)", childrenOf(t, naive.Pid()))
	}
	if !waitFor(10*time.Second, func() bool { _, all := zombiesOf(os.Getpid()); return all == 0 }) {
		t.Errorf("stage: children %v; want none left, each reaped", childrenOf(t, os.Getpid()))
	}

	stagetest.Story(t, naive.Addr, ts.Addr, conformance.Options{
		KeepAlive:     true,
		Concurrent:    true,
		HeaderTimeout: headerTimeout,
		Timeout:       30 * time.Second,
	},
		"robustness/slow-head",
		"keepalive/http11-persists",
	)
}
