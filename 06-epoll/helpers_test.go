package main

import (
	"log"
	"sync"
	"testing"
	"time"

	"lbws/shared/apps"
	"lbws/shared/loop"
	"lbws/shared/loop/looptest"
	"lbws/shared/sock"
	"lbws/shared/stage/stagetest"
)

// start runs serve with cfg on 127.0.0.1:0 and stops it when the test
// ends (see looptest.Start).
func start(t *testing.T, cfg loop.Config) looptest.Server {
	return looptest.Start(t, level, cfg)
}

// startEdge is start with an edge-triggered loop (-edge).
func startEdge(t *testing.T, cfg loop.Config) looptest.Server {
	return looptest.Start(t, edge, cfg)
}

// level and edge are serve for looptest, level- and edge-triggered.
func level(stop <-chan struct{}, lfd int, cfg loop.Config) error { return serve(stop, lfd, cfg, false) }
func edge(stop <-chan struct{}, lfd int, cfg loop.Config) error  { return serve(stop, lfd, cfg, true) }

// startLoops runs serveLoops with n loops on a SO_REUSEPORT group at
// 127.0.0.1:0, as main does, and stops them when the test ends.
func startLoops(t *testing.T, n int, cfg loop.Config) looptest.Server {
	t.Helper()
	if cfg.App == nil {
		cfg.App = apps.Mux(0)
	}
	lfds, err := sock.ListenGroup("127.0.0.1:0", n)
	if err != nil {
		t.Fatal(err)
	}
	addr, err := sock.LocalAddr(lfds[0])
	if err != nil {
		t.Fatal(err)
	}
	logs := &stagetest.LogBuffer{}
	cfg.Log = log.New(logs, "", 0)
	cfg.Verbose = true
	stop := make(chan struct{})
	done := make(chan error, 1)
	go func() { done <- serveLoops(stop, lfds, cfg, false) }()
	var once sync.Once
	stopFunc := func(t testing.TB) {
		once.Do(func() {
			close(stop)
			select {
			case err := <-done:
				if err != nil {
					t.Errorf("serveLoops returned %v; want nil after stop", err)
				}
			case <-time.After(stagetest.DefaultStopTimeout):
				t.Errorf("serveLoops did not return within %v of stop", stagetest.DefaultStopTimeout)
			}
		})
	}
	t.Cleanup(func() {
		stopFunc(t)
		if t.Failed() {
			t.Logf("server log:\n%s", logs)
		}
	})
	return looptest.Server{Addr: addr, Logs: logs, Stop: stopFunc}
}
