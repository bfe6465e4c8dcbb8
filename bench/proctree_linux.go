package main

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"strconv"
	"syscall"
	"time"
)

// clockTicks is USER_HZ, the unit of the times in /proc/PID/stat. It is
// 100 on every Linux architecture Go supports (sysconf(_SC_CLK_TCK) needs
// cgo to ask).
const clockTicks = 100

// procStat is what bench reads from one /proc/PID/stat.
type procStat struct {
	pid      int   // process id
	ppid     int   // parent's process id
	pgrp     int   // process group id
	state    byte  // R, S, D, T (stopped), Z (zombie), ...
	ticks    int64 // utime + stime + cutime + cstime, in clock ticks
	rssPages int64 // resident set size, in pages
}

// readStats reads the stat of every process; a test replaces it with a
// scripted /proc.
var readStats = readAllStats

// signalGroup sends sig to every process of group pgid; a test replaces
// it along with readStats.
var signalGroup = func(pgid int, sig syscall.Signal) error { return syscall.Kill(-pgid, sig) }

// freezeTimeout bounds how long snapshotCPU waits for the group to stop.
const freezeTimeout = 2 * time.Second

// snapshotCPU returns the CPU time of the process tree of root (see
// sampleTree) at one instant, with root's process group stopped while it
// reads. Reading /proc takes a while, and a process-per-connection server
// reaps children meanwhile: a child read while alive and then reaped
// before its parent is read is counted twice (its own times, then its
// parent's cutime), and one reaped between the two reads not at all.
// With every process of the group stopped (SIGSTOP, then SIGCONT) nobody
// reaps during the read, so each process counts exactly once: alive,
// zombie or in its reaper's cutime. at is when the group was stopped.
//
// What the kernel reaps on its own (a parent that ignores SIGCHLD) is in
// no process's times and is lost; the targets' parents all wait.
func snapshotCPU(root int) (cpu time.Duration, at time.Time, err error) {
	defer signalGroup(root, syscall.SIGCONT)
	deadline := time.Now().Add(freezeTimeout)
	for {
		// Repeated: a process forked before its parent stopped missed
		// the first signal.
		if err := signalGroup(root, syscall.SIGSTOP); err != nil {
			return 0, time.Time{}, fmt.Errorf("stop process group %d: %w", root, err)
		}
		at = time.Now()
		procs, err := readStats()
		if err != nil {
			return 0, at, err
		}
		if groupStopped(procs, root) {
			t, err := tree(procs, root)
			return t.CPU, at, err
		}
		if time.Now().After(deadline) {
			return 0, at, errors.New("process group did not stop within " + freezeTimeout.String())
		}
		time.Sleep(time.Millisecond)
	}
}

// groupStopped reports whether every process of group pgid is stopped or
// dead, and, in those that have children (the ones that can reap), every
// thread: /proc/PID/stat shows the main thread's state only, and a Go
// parent reaps from whichever thread runs its Wait.
func groupStopped(procs []procStat, pgid int) bool {
	parents := map[int]bool{}
	for _, p := range procs {
		parents[p.ppid] = true
	}
	for _, p := range procs {
		if p.pgrp != pgid {
			continue
		}
		if !isStopped(p.state) || parents[p.pid] && !threadsStopped(p.pid) {
			return false
		}
	}
	return true
}

// isStopped reports whether a /proc state is stopped or dead.
func isStopped(state byte) bool {
	return state == 'T' || state == 't' || state == 'Z' || state == 'X'
}

// threadsStopped reports whether every thread of pid is stopped or dead
// (a process that is gone counts as stopped); a test replaces it.
var threadsStopped = func(pid int) bool {
	dir := "/proc/" + strconv.Itoa(pid) + "/task/"
	tids, err := os.ReadDir(dir)
	if err != nil {
		return true
	}
	for _, e := range tids {
		b, err := os.ReadFile(dir + e.Name() + "/stat")
		if err != nil {
			continue
		}
		tid, _ := strconv.Atoi(e.Name())
		if t, err := parseStat(tid, b); err == nil && !isStopped(t.state) {
			return false
		}
	}
	return true
}

// sampleTree sums CPU time and RSS over root, its descendants, and every
// process in root's process group (workers whose parent died are
// reparented but keep the group). Its CPU figure may count a child
// reaped during the read twice or not at all: snapshotCPU is exact.
func sampleTree(root int) (treeSample, error) {
	procs, err := readStats()
	if err != nil {
		return treeSample{}, err
	}
	return tree(procs, root)
}

// tree sums procs over the tree of root.
func tree(procs []procStat, root int) (treeSample, error) {
	in := map[int]bool{root: true}
	for changed := true; changed; {
		changed = false
		for _, p := range procs {
			if !in[p.pid] && (in[p.ppid] || p.pgrp == root) {
				in[p.pid], changed = true, true
			}
		}
	}
	page := int64(os.Getpagesize())
	var t treeSample
	found := false
	for _, p := range procs {
		if in[p.pid] {
			found = found || p.pid == root
			t.Procs++
			t.pids = append(t.pids, p.pid)
			t.CPU += time.Duration(p.ticks) * time.Second / clockTicks
			t.RSSKiB += p.rssPages * page / 1024
		}
	}
	if !found {
		return t, fmt.Errorf("sample process %d: not running", root)
	}
	return t, nil
}

// readAllStats reads /proc/PID/stat of every process; processes that exit
// while it reads are skipped.
func readAllStats() ([]procStat, error) {
	dir, err := os.ReadDir("/proc")
	if err != nil {
		return nil, fmt.Errorf("read /proc: %w", err)
	}
	var out []procStat
	for _, e := range dir {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		b, err := os.ReadFile("/proc/" + e.Name() + "/stat")
		if err != nil {
			continue
		}
		if p, err := parseStat(pid, b); err == nil {
			out = append(out, p)
		}
	}
	return out, nil
}

// parseStat parses a /proc/PID/stat line (proc(5)). The command name is in
// parentheses and may hold spaces or parentheses, so fields are counted
// from the last ')'.
func parseStat(pid int, b []byte) (procStat, error) {
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return procStat{}, fmt.Errorf("stat of %d: no ')'", pid)
	}
	// f[0] is field 3 (state); field n is f[n-3].
	f := bytes.Fields(b[i+1:])
	if len(f) < 22 {
		return procStat{}, fmt.Errorf("stat of %d: %d fields", pid, len(f))
	}
	num := func(field int) int64 {
		n, _ := strconv.ParseInt(string(f[field-3]), 10, 64)
		return n
	}
	return procStat{
		pid:      pid,
		ppid:     int(num(4)),
		pgrp:     int(num(5)),
		state:    f[0][0],
		ticks:    num(14) + num(15) + num(16) + num(17),
		rssPages: num(24),
	}, nil
}

// sumPSS sums the proportional set size of pids (smaps_rollup's Pss: a
// page shared by n processes counts 1/n in each), in KiB; processes that
// exited meanwhile count 0.
func sumPSS(pids []int) int64 {
	var total int64
	for _, pid := range pids {
		b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/smaps_rollup")
		if err != nil {
			continue
		}
		for _, line := range bytes.Split(b, []byte("\n")) {
			if rest, ok := bytes.CutPrefix(line, []byte("Pss:")); ok {
				f := bytes.Fields(rest)
				if len(f) > 0 {
					n, _ := strconv.ParseInt(string(f[0]), 10, 64)
					total += n
				}
				break
			}
		}
	}
	return total
}
