package main

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// userHZ is the unit of the CPU times in /proc/PID/stat: clock ticks of
// USER_HZ, 100 a second on Linux whatever the kernel's own tick rate.
const userHZ = 100

// cpuMark is the CPU time the server had used at a moment, and the time
// its threads had spent runnable, waiting for a CPU.
type cpuMark struct {
	at        time.Time
	run, wait time.Duration // of the server and its children, every thread
	ok        bool          // false if it could not be read
}

// markCPU reads p's CPU time now; a zero mark if p is nil or /proc
// cannot tell.
func markCPU(p *process) cpuMark {
	if p == nil {
		return cpuMark{}
	}
	run, wait, err := p.schedTimes()
	if err != nil {
		return cpuMark{}
	}
	return cpuMark{at: time.Now(), run: run, wait: wait, ok: true}
}

// since returns the CPU time p used since m, the time its threads spent
// waiting for a CPU (runnable, not running: on a loaded machine a loop
// that spins gets part of a CPU, and waits for it the rest of the time)
// and the wall time that passed.
func (m cpuMark) since(p *process) (cpu, waited, wall time.Duration, ok bool) {
	if !m.ok {
		return 0, 0, 0, false
	}
	now := markCPU(p)
	if !now.ok {
		return 0, 0, 0, false
	}
	return now.run - m.run, now.wait - m.wait, now.at.Sub(m.at), true
}

// schedTimes returns the time the threads of the server and of its live
// children have run and have waited to run: the first two fields of
// /proc/PID/task/TID/schedstat, in nanoseconds. Where the kernel has no
// schedstat, the CPU time of /proc/PID/stat (utime + stime), with no
// wait.
func (p *process) schedTimes() (run, wait time.Duration, err error) {
	pids := []int{p.pid()}
	for _, m := range p.liveChildren() {
		pids = append(pids, m.pid)
	}
	for i, pid := range pids {
		r, w, err := schedstat(pid)
		if err != nil {
			t, terr := statTicks(pid)
			if terr != nil {
				if i == 0 {
					return 0, 0, terr
				}
				continue // a child that has just exited
			}
			r, w = time.Duration(t)*time.Second/userHZ, 0
		}
		run += r
		wait += w
	}
	return run, wait, nil
}

// schedstat sums the run and wait times of every thread of pid.
func schedstat(pid int) (run, wait time.Duration, err error) {
	dir := fmt.Sprintf("/proc/%d/task", pid)
	ents, err := os.ReadDir(dir)
	if err != nil {
		return 0, 0, err
	}
	n := 0
	for _, e := range ents {
		b, err := os.ReadFile(filepath.Join(dir, e.Name(), "schedstat"))
		if err != nil {
			continue
		}
		fs := strings.Fields(string(b))
		if len(fs) < 2 {
			continue
		}
		r, err1 := strconv.ParseInt(fs[0], 10, 64)
		w, err2 := strconv.ParseInt(fs[1], 10, 64)
		if err1 != nil || err2 != nil {
			continue
		}
		run += time.Duration(r)
		wait += time.Duration(w)
		n++
	}
	if n == 0 {
		return 0, 0, fmt.Errorf("no schedstat in %s", dir)
	}
	return run, wait, nil
}

// statTicks reads utime + stime of one process.
func statTicks(pid int) (int64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, fmt.Errorf("reading the CPU time: %w", err)
	}
	// After the command name, in parentheses and possibly with spaces,
	// field 3 (state) is the first: utime and stime are 14 and 15.
	i := strings.LastIndexByte(string(b), ')')
	if i < 0 {
		return 0, fmt.Errorf("reading the CPU time: /proc/%d/stat has no command name", pid)
	}
	fs := strings.Fields(string(b[i+1:]))
	if len(fs) < 13 {
		return 0, fmt.Errorf("reading the CPU time: /proc/%d/stat is short", pid)
	}
	u, err1 := strconv.ParseInt(fs[11], 10, 64)
	s, err2 := strconv.ParseInt(fs[12], 10, 64)
	if err1 != nil || err2 != nil {
		return 0, fmt.Errorf("reading the CPU time: /proc/%d/stat: %q %q", pid, fs[11], fs[12])
	}
	return u + s, nil
}

// epollEvents returns, for each descriptor registered in one of the
// server's epoll instances, the events it was registered with: the
// "tfd: N events: X" lines of /proc/PID/fdinfo/EPFD, for every EPFD whose
// link in /proc/PID/fd is anon_inode:[eventpoll].
func (p *process) epollEvents() (map[int]uint32, error) {
	dir := fmt.Sprintf("/proc/%d/fd", p.pid())
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("listing the server's descriptors: %w", err)
	}
	out := map[int]uint32{}
	for _, e := range ents {
		if l, err := os.Readlink(filepath.Join(dir, e.Name())); err != nil || l != "anon_inode:[eventpoll]" {
			continue
		}
		f, err := os.Open(fmt.Sprintf("/proc/%d/fdinfo/%s", p.pid(), e.Name()))
		if err != nil {
			continue
		}
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			// tfd:        7 events: 80000019 data: 7  pos:0 ino:... sdev:...
			fs := strings.Fields(sc.Text())
			if len(fs) < 4 || fs[0] != "tfd:" || fs[2] != "events:" {
				continue
			}
			fd, err1 := strconv.Atoi(fs[1])
			ev, err2 := strconv.ParseUint(fs[3], 16, 32)
			if err1 == nil && err2 == nil {
				out[fd] = uint32(ev)
			}
		}
		f.Close()
	}
	return out, nil
}

// socketFd returns the server's descriptor of the TCP connection local
// -> remote (keys as tcpKey makes them, from the server's side), or -1:
// its inode from /proc/net/tcp, then the descriptor whose link is
// socket:[inode].
func (p *process) socketFd(local, remote string) (int, error) {
	f, err := os.Open("/proc/net/tcp")
	if err != nil {
		return -1, err
	}
	inode := ""
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fs := strings.Fields(sc.Text())
		if len(fs) > 9 && fs[1] == local && fs[2] == remote {
			inode = fs[9]
			break
		}
	}
	f.Close()
	if inode == "" {
		return -1, nil
	}
	dir := fmt.Sprintf("/proc/%d/fd", p.pid())
	ents, err := os.ReadDir(dir)
	if err != nil {
		return -1, err
	}
	for _, e := range ents {
		if l, err := os.Readlink(filepath.Join(dir, e.Name())); err == nil && l == "socket:["+inode+"]" {
			return strconv.Atoi(e.Name())
		}
	}
	return -1, nil
}

// waitStopped waits, up to d, until every thread of the server is
// stopped (state T in /proc/PID/task/TID/stat: a SIGSTOP has taken
// effect; kill returns before it has), and reports whether they are.
func (p *process) waitStopped(d time.Duration) bool {
	dir := fmt.Sprintf("/proc/%d/task", p.pid())
	for deadline := time.Now().Add(d); ; time.Sleep(time.Millisecond) {
		ents, err := os.ReadDir(dir)
		if err != nil {
			return false
		}
		stopped := len(ents) > 0
		for _, e := range ents {
			b, err := os.ReadFile(filepath.Join(dir, e.Name(), "stat"))
			if err != nil {
				continue
			}
			if i := strings.LastIndexByte(string(b), ')'); i < 0 || i+2 >= len(b) || b[i+2] != 'T' {
				stopped = false
				break
			}
		}
		if stopped || time.Now().After(deadline) {
			return stopped
		}
	}
}
