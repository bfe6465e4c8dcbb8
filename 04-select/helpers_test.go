package main

import (
	"testing"

	"lbws/shared/loop"
	"lbws/shared/loop/looptest"
)

// start runs serve with cfg on 127.0.0.1:0 and stops it when the test
// ends (see looptest.Start).
func start(t *testing.T, cfg loop.Config) looptest.Server {
	return looptest.Start(t, serve, cfg)
}
