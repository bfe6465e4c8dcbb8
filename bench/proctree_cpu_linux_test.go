package main

import (
	"context"
	"io"
	"net/http"
	"os"
	"os/exec"
	"runtime"
	"sync"
	"syscall"
	"testing"
	"time"
)

// scriptedProc is a /proc in which a parent (pid 100) reaps its child
// (pid 50: a low pid, as after the pids wrapped) right after the child's
// stat was read, unless the group is stopped: the reaping that a
// process-per-connection server does all the time while bench reads.
type scriptedProc struct {
	stopped bool  // SIGSTOP was sent and no SIGCONT since
	reaped  bool  // the child is in the parent's cutime
	reads   int   // readStats calls
	signals []int // signals sent, in order
}

// read is readStats: /proc in pid order, the child first.
func (p *scriptedProc) read() ([]procStat, error) {
	p.reads++
	state := byte('S')
	if p.stopped {
		state = 'T'
	}
	parent := procStat{pid: 100, ppid: 1, pgrp: 100, state: state, ticks: 10}
	if p.reaped {
		return []procStat{{pid: 100, ppid: 1, pgrp: 100, state: state, ticks: 10 + 40}}, nil
	}
	child := procStat{pid: 50, ppid: 100, pgrp: 100, state: state, ticks: 40}
	if !p.stopped {
		// Reaped between the read of the child and that of its parent.
		p.reaped = true
		parent.ticks += 40
	}
	return []procStat{child, parent}, nil
}

// signal is signalGroup.
func (p *scriptedProc) signal(pgid int, sig syscall.Signal) error {
	p.signals = append(p.signals, int(sig))
	p.stopped = sig == syscall.SIGSTOP
	return nil
}

// useScripted makes readStats, signalGroup and threadsStopped use p for
// the test.
func useScripted(t *testing.T, p *scriptedProc) {
	oldRead, oldSignal, oldThreads := readStats, signalGroup, threadsStopped
	t.Cleanup(func() { readStats, signalGroup, threadsStopped = oldRead, oldSignal, oldThreads })
	readStats, signalGroup = p.read, p.signal
	threadsStopped = func(int) bool { return p.stopped }
}

// A child reaped while /proc is read is counted once: 10 ticks of the
// parent and 40 of the child, 500 ms. The plain sample (the old way)
// counts it twice, once alive and once in its parent's cutime.
func TestSnapshotCPUCountsAReapedChildOnce(t *testing.T) {
	old := &scriptedProc{}
	useScripted(t, old)
	s, err := sampleTree(100)
	if err != nil {
		t.Fatal(err)
	}
	if s.CPU != 900*time.Millisecond {
		t.Fatalf("the scripted race did not happen: sampleTree = %v, want the double count, 900ms", s.CPU)
	}

	p := &scriptedProc{}
	useScripted(t, p)
	cpu, _, err := snapshotCPU(100)
	if err != nil {
		t.Fatal(err)
	}
	if cpu != 500*time.Millisecond {
		t.Errorf("snapshotCPU = %v, want 500ms: the parent's 10 ticks and the child's 40, once", cpu)
	}
	want := []int{int(syscall.SIGSTOP), int(syscall.SIGCONT)}
	if len(p.signals) != 2 || p.signals[0] != want[0] || p.signals[1] != want[1] {
		t.Errorf("signals %v, want SIGSTOP then SIGCONT", p.signals)
	}
}

// A real process-per-request server, loaded while bench snapshots it over
// and over: the snapshots never go down, the run's CPU is at most what
// wait4 reports for the server's whole life (its own time and its
// reaped children's, exactly), and the cores used are at most the
// machine's.
func TestSnapshotCPUOfAForkingServer(t *testing.T) {
	if _, err := os.Stat("/proc/self/stat"); err != nil {
		t.Skip("needs /proc")
	}
	addr, err := freeAddr()
	if err != nil {
		t.Fatal(err)
	}
	srv, err := startServer(fakeTarget("fork").mustCommand(t, addr))
	if err != nil {
		t.Fatal(err)
	}
	defer srv.stop(stopGrace)
	if err := srv.waitReady(context.Background(), "http://"+addr+"/hello", readyTimeout); err != nil {
		t.Fatal(err)
	}
	before, beforeAt, err := snapshotCPU(srv.pid())
	if err != nil {
		t.Fatal(err)
	}

	// Snapshots, back to back, while the load runs.
	stop := make(chan struct{})
	var snaps []time.Duration
	var wg sync.WaitGroup
	wg.Go(func() {
		for {
			select {
			case <-stop:
				return
			default:
			}
			if cpu, _, err := snapshotCPU(srv.pid()); err == nil {
				snaps = append(snaps, cpu)
			}
			time.Sleep(20 * time.Millisecond) // let the server run
		}
	})
	client := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}, Timeout: 30 * time.Second}
	var load sync.WaitGroup
	for range 4 {
		load.Go(func() {
			for range 15 {
				req, _ := http.NewRequest("GET", "http://"+addr+"/hello", nil)
				req.Header.Set("User-Agent", "") // none: the fake server's load
				resp, err := client.Do(req)
				if err != nil {
					t.Error(err)
					return
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode != 200 {
					t.Errorf("status %d", resp.StatusCode)
					return
				}
			}
		})
	}
	load.Wait()
	close(stop)
	wg.Wait()
	after, afterAt, err := snapshotCPU(srv.pid())
	if err != nil {
		t.Fatal(err)
	}
	srv.stop(stopGrace)
	ru := srv.cmd.ProcessState.SysUsage().(*syscall.Rusage)
	exact := time.Duration(ru.Utime.Nano() + ru.Stime.Nano())

	for i := 1; i < len(snaps); i++ {
		if snaps[i] < snaps[i-1] {
			t.Errorf("snapshot %d: %v, below the one before (%v): a process was counted twice or not at all", i, snaps[i], snaps[i-1])
		}
	}
	run := after - before
	if run <= 0 || run > exact {
		t.Errorf("CPU during the load %v; want more than 0 and at most %v, the server's whole life from wait4", run, exact)
	}
	if cores := run.Seconds() / afterAt.Sub(beforeAt).Seconds(); cores > float64(runtime.NumCPU()) {
		t.Errorf("%.2f cores used, on a machine with %d", cores, runtime.NumCPU())
	}
	t.Logf("%d snapshots; CPU %v during the load, %v in the server's life (wait4)", len(snaps), run, exact)
}

// mustCommand is t's command for addr.
func (t Target) mustCommand(tb testing.TB, addr string) *exec.Cmd {
	tb.Helper()
	cmd, err := t.command(addr, 0, "", "")
	if err != nil {
		tb.Fatal(err)
	}
	return cmd
}
