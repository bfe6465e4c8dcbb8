//go:build linux

package main

import (
	"testing"

	"lbws/shared/loop"
	"lbws/shared/loop/looptest"
)

// needRing skips the test, with the reason, where io_uring is refused
// (the kernel, its sysctl, a seccomp filter, or LBWS_URING_REFUSE).
func needRing(t *testing.T) {
	t.Helper()
	if err := supported(); err != nil {
		if isRefused(err) {
			t.Skip(err)
		}
		t.Fatal(err)
	}
}

// start runs serve with cfg on 127.0.0.1:0 and stops it when the test
// ends (see looptest.Start); it skips the test where io_uring is
// refused.
func start(t *testing.T, cfg loop.Config) looptest.Server {
	t.Helper()
	needRing(t)
	return looptest.Start(t, serve, cfg)
}

// modes are the loop configurations the tests run under: with workers,
// and inline (-workers 0).
var modes = []struct {
	name string
	cfg  loop.Config
}{
	{"workers", loop.Config{Workers: 8}},
	{"inline", loop.Config{Workers: 0}},
}
