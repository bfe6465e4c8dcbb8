package main

import (
	"strings"
	"syscall"
	"testing"
)

func TestRaiseNoFile(t *testing.T) {
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		t.Fatal(err)
	}
	got, err := raiseNoFile(64)
	if err != nil {
		t.Fatal(err)
	}
	if want := min(lim.Max, maxNoFile); got < want {
		t.Errorf("soft limit %d, want at least %d", got, want)
	}
	if lim.Max >= 1<<40 {
		t.Skip("hard limit is unlimited: cannot test the refusal")
	}
	_, err = raiseNoFile(int(lim.Max) + 1)
	if err == nil || !strings.Contains(err.Error(), "hard limit") || !strings.Contains(err.Error(), "ulimit -Hn") {
		t.Errorf("raiseNoFile above the hard limit: %v, want a refusal saying how to raise it", err)
	}
}
