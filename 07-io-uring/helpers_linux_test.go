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

// needMultishot fails the test where the kernel lacks what -multishot
// needs (Linux 6.0): this machine's has it, and the tests must run it.
func needMultishot(t *testing.T) {
	t.Helper()
	if err := supportedMultishot(); err != nil {
		t.Fatal(err)
	}
}

// start runs serve with cfg on 127.0.0.1:0 and stops it when the test
// ends (see looptest.Start); it skips the test where io_uring is
// refused.
func start(t *testing.T, cfg loop.Config) looptest.Server {
	t.Helper()
	needRing(t)
	return looptest.Start(t, serveDefault, cfg)
}

// startWith returns a start that serves with the options o (-multishot).
func startWith(o options) looptest.StartFunc {
	return func(t *testing.T, cfg loop.Config) looptest.Server {
		t.Helper()
		needRing(t)
		if o.multishot {
			needMultishot(t)
		}
		return looptest.Start(t, func(stop <-chan struct{}, lfd int, cfg loop.Config) error {
			return serve(stop, lfd, cfg, o)
		}, cfg)
	}
}

// startMultishot is start with -multishot.
var startMultishot = startWith(options{multishot: true})

// kinds are the stage's two ways of accepting and receiving: one
// submission per operation (the default), and -multishot.
var kinds = []struct {
	name  string
	start looptest.StartFunc
}{
	{"single", start},
	{"multishot", startMultishot},
}

// modes are the loop configurations the tests run under: with workers,
// and inline (-workers 0), each with and without -multishot.
var modes = []struct {
	name  string
	cfg   loop.Config
	start looptest.StartFunc
}{
	{"workers", loop.Config{Workers: 8}, start},
	{"inline", loop.Config{Workers: 0}, start},
	{"multishot-workers", loop.Config{Workers: 8}, startMultishot},
	{"multishot-inline", loop.Config{Workers: 0}, startMultishot},
}
