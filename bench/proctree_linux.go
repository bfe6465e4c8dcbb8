package main

import (
	"bytes"
	"fmt"
	"os"
	"strconv"
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
	ticks    int64 // utime + stime + cutime + cstime, in clock ticks
	rssPages int64 // resident set size, in pages
}

// sampleTree sums CPU time and RSS over root, its descendants, and every
// process in root's process group (workers whose parent died are
// reparented but keep the group).
func sampleTree(root int) (treeSample, error) {
	procs, err := readAllStats()
	if err != nil {
		return treeSample{}, err
	}
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
