package main

import (
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"
)

// groupMembers returns the pids of the processes in process group pgid.
func groupMembers(t *testing.T, pgid int) []int {
	t.Helper()
	procs, err := readAllStats()
	if err != nil {
		t.Fatal(err)
	}
	var out []int
	for _, p := range procs {
		if p.pgrp == pgid {
			out = append(out, p.pid)
		}
	}
	return out
}

func TestStopKillsTheWholeGroup(t *testing.T) {
	if _, err := os.Stat("/proc/self/stat"); err != nil {
		t.Skip("needs /proc")
	}
	// The shell ignores SIGTERM and so do the children it forks, like a
	// server that hangs in shutdown with workers.
	cmd := exec.Command("sh", "-c", `trap "" TERM; sleep 60 & sleep 60 & echo started; wait`)
	srv, err := startServer(cmd)
	if err != nil {
		t.Fatal(err)
	}
	pgid := srv.pid()
	deadline := time.Now().Add(5 * time.Second)
	for len(groupMembers(t, pgid)) < 3 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if n := len(groupMembers(t, pgid)); n < 3 {
		t.Fatalf("group has %d processes, want 3", n)
	}
	got := srv.stop(200 * time.Millisecond)
	if !strings.HasPrefix(got, "killed: still running 200ms after SIGTERM") {
		t.Errorf("stop = %q", got)
	}
	// SIGKILL is delivered asynchronously to the orphaned sleeps.
	for len(groupMembers(t, pgid)) > 0 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	for _, pid := range groupMembers(t, pgid) {
		b, _ := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
		if p, err := parseStat(pid, b); err == nil && !strings.Contains(string(b), ") Z ") {
			t.Errorf("process %d of the group survived: %+v", pid, p)
		}
	}
}
