package main

import (
	"io"
	"log"
	"testing"
	"time"

	"lbws/shared/apps"
	"lbws/shared/loop"
	"lbws/shared/loop/looptest"
	"lbws/shared/stage/stagetest"
)

// start runs serve with cfg on 127.0.0.1:0 and stops it when the test
// ends. A nil App is apps.Mux(0); unset timeouts get values that keep the
// tests short.
func start(t *testing.T, cfg loop.Config) looptest.Server {
	t.Helper()
	if cfg.App == nil {
		cfg.App = apps.Mux(0)
	}
	if cfg.HeaderTimeout == 0 {
		cfg.HeaderTimeout = 5 * time.Second
	}
	cfg.Verbose = true
	ts := stagetest.Start(t, func(stop <-chan struct{}, lfd int, logs io.Writer) error {
		cfg.Log = log.New(logs, "", 0)
		return serve(stop, lfd, cfg)
	})
	return looptest.Server{Addr: ts.Addr, Logs: ts.Logs, Stop: ts.Stop}
}
