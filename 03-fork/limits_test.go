package main

import (
	"bytes"
	"log"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"lbws/shared/stage/stagetest"
)

// -max-children 0 means no bound, as its help says: it stays 0, without
// a line about the process limit, even when that limit is finite (before,
// it became the limit less a margin: "-max-children 0 does not fit under
// the process limit ... using 96298"). A bound over the limit is still
// lowered, with the line.
func TestMaxChildrenZeroIsNoBound(t *testing.T) {
	limit := finiteProcessLimit(t)
	var logb bytes.Buffer
	logger := log.New(&logb, "", 0)
	if got := fitProcessLimit(0, logger); got != 0 || logb.Len() != 0 {
		t.Errorf("-max-children 0 under a process limit of %d: %d, log %q; want 0 (no bound) and no line", limit, got, logb.String())
	}
	want := max(int(limit)-procMargin, 1)
	if got := fitProcessLimit(int(limit), logger); got != want || !strings.Contains(logb.String(), "does not fit") {
		t.Errorf("-max-children %d under a process limit of %d: %d, log %q; want %d and a line saying so", limit, limit, got, logb.String(), want)
	}

	// The stage itself, started with the finite limit.
	p := stagetest.StartProcess(t, "-addr", "127.0.0.1:0", "-max-children", "0")
	p.Signal(t, syscall.SIGTERM)
	if code := p.Wait(t, 10*time.Second); code != 0 {
		t.Errorf("exit status %d; want 0", code)
	}
	if log := p.Stderr.String(); strings.Contains(log, "does not fit") {
		t.Errorf("-max-children 0 logged a bound:\n%s", log)
	}
}

// finiteProcessLimit makes sure this process (and the processes it
// starts) has a finite soft limit on processes, setting a large one for
// the test if there is none, and returns it.
func finiteProcessLimit(t *testing.T) uint64 {
	t.Helper()
	var old unix.Rlimit
	if err := unix.Getrlimit(unix.RLIMIT_NPROC, &old); err != nil {
		t.Skipf("no process limit here: %v", err)
	}
	if old.Cur != unix.RLIM_INFINITY {
		return old.Cur
	}
	lim := unix.Rlimit{Cur: min(1<<20, old.Max), Max: old.Max}
	if err := unix.Setrlimit(unix.RLIMIT_NPROC, &lim); err != nil {
		t.Fatalf("setrlimit: %v", err)
	}
	t.Cleanup(func() {
		if err := unix.Setrlimit(unix.RLIMIT_NPROC, &old); err != nil {
			t.Errorf("restoring the process limit: %v", err)
		}
	})
	return lim.Cur
}
