package main

import (
	"os"
	"os/exec"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestParseStat(t *testing.T) {
	// A command name with spaces and parentheses, as proc(5) allows.
	line := []byte("4242 (a) b (c) S 1 4242 4242 0 -1 4194560 100 0 0 0 250 50 7 3 20 0 1 0 100 1000000 321 18446744073709551615 0 0\n")
	got, err := parseStat(4242, line)
	if err != nil {
		t.Fatal(err)
	}
	want := procStat{pid: 4242, ppid: 1, pgrp: 4242, state: 'S', ticks: 250 + 50 + 7 + 3, rssPages: 321}
	if diff := cmp.Diff(want, got, cmp.AllowUnexported(procStat{})); diff != "" {
		t.Errorf("parseStat (-want +got):\n%s", diff)
	}
	if _, err := parseStat(1, []byte("1 (short) S 0")); err == nil {
		t.Error("parseStat accepted a truncated line")
	}
}

func TestSampleTreeCountsChildren(t *testing.T) {
	// A shell with two children in its process group.
	srv, err := startServer(exec.Command("sh", "-c", "sleep 60 & sleep 60 & wait"))
	if err != nil {
		t.Fatal(err)
	}
	defer srv.stop(time.Second)
	var s treeSample
	for deadline := time.Now().Add(5 * time.Second); s.Procs < 3 && time.Now().Before(deadline); {
		time.Sleep(10 * time.Millisecond)
		if s, err = sampleTree(srv.pid()); err != nil {
			t.Fatal(err)
		}
	}
	if s.Procs != 3 {
		t.Errorf("Procs = %d, want 3 (sh and two sleeps)", s.Procs)
	}
	if s.RSSKiB <= 0 {
		t.Errorf("RSSKiB = %d, want > 0", s.RSSKiB)
	}
}

func TestSampleTreeOfAMissingProcess(t *testing.T) {
	cmd := exec.Command("true")
	if err := cmd.Run(); err != nil {
		t.Fatal(err)
	}
	if _, err := sampleTree(cmd.Process.Pid); err == nil {
		t.Error("sampleTree of a reaped process returned no error")
	}
}

func TestRSSSamplerKeepsThePeak(t *testing.T) {
	s := startRSSSampler(os.Getpid())
	time.Sleep(3 * sampleInterval / 2)
	peak := s.stop()
	if peak.RSSKiB <= 0 || peak.Procs < 1 {
		t.Errorf("peak = %+v, want this process's RSS", peak)
	}
}
