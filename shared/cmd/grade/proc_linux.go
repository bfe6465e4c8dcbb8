package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// threadInWrite returns a thread of the server that is blocked in
// write(2) (the first field of /proc/PID/task/TID/syscall is the number
// of the system call a sleeping thread is in), or 0 if none is.
func (p *process) threadInWrite() int {
	dir := fmt.Sprintf("/proc/%d/task", p.pid())
	ents, err := os.ReadDir(dir)
	if err != nil {
		return 0
	}
	want := strconv.Itoa(syscall.SYS_WRITE) + " "
	for _, e := range ents {
		b, err := os.ReadFile(filepath.Join(dir, e.Name(), "syscall"))
		if err == nil && strings.HasPrefix(string(b), want) {
			tid, _ := strconv.Atoi(e.Name())
			return tid
		}
	}
	return 0
}

// interruptWrite sends SIGURG to a server thread blocked in write(2) (on
// a full socket: the client is not reading), which makes the write
// return the bytes it took so far. Go's runtime catches
// SIGURG (it preempts goroutines with it) and ignores one it did not
// send. It returns the thread, or 0 if none was blocked.
func (p *process) interruptWrite() int {
	tid := p.threadInWrite()
	if tid != 0 {
		syscall.Tgkill(p.pid(), tid, syscall.SIGURG)
	}
	return tid
}

// settle waits, up to d, until no thread of the server or of its
// children is running or runnable (state R in /proc/PID/task/TID/stat)
// in three samples in a row: whatever the server does with the bytes it
// has just read, it has done. A check that must see that nothing came back uses it instead of
// a guess of how long the server may take.
func (p *process) settle(d time.Duration) {
	idle := 0
	for deadline := time.Now().Add(d); idle < 3 && time.Now().Before(deadline); time.Sleep(time.Millisecond) {
		idle++
		if p.running() {
			idle = 0
		}
	}
}

// running reports whether a thread of the server, or of a process it
// started (03-fork's children serve the connections), is running or
// runnable (state R in /proc/PID/task/TID/stat).
func (p *process) running() bool {
	pids := []int{p.pid()}
	for _, m := range p.liveChildren() {
		pids = append(pids, m.pid)
	}
	for _, pid := range pids {
		dir := fmt.Sprintf("/proc/%d/task", pid)
		ents, err := os.ReadDir(dir)
		if err != nil {
			continue
		}
		for _, e := range ents {
			b, err := os.ReadFile(filepath.Join(dir, e.Name(), "stat"))
			if err != nil {
				continue
			}
			// The state follows the command name, which is in
			// parentheses and may hold spaces.
			if i := strings.LastIndexByte(string(b), ')'); i >= 0 && i+2 < len(b) && b[i+2] == 'R' {
				return true
			}
		}
	}
	return false
}

// member is one process of the server's session: the server and every
// process it started, however deep, unless one left the session
// (setsid) on purpose.
type member struct {
	pid, ppid int
	state     byte // 'R', 'S', 'Z' (a zombie: exited, not yet reaped), ...
}

// members lists the processes of the server's session. The grader starts
// the server as the leader of a session of its own (setsid), so its
// children, and theirs, share its session id even after they are
// reparented (an orphan) or move to a process group of their own (as
// 03-fork's children do).
func (p *process) members() []member {
	ents, err := os.ReadDir("/proc")
	if err != nil {
		return nil
	}
	sid := p.pid()
	var out []member
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		b, err := os.ReadFile(filepath.Join("/proc", e.Name(), "stat"))
		if err != nil {
			continue // it exited while we looked
		}
		// After the command name, in parentheses and possibly with
		// spaces: state ppid pgrp session ...
		i := strings.LastIndexByte(string(b), ')')
		if i < 0 {
			continue
		}
		fs := strings.Fields(string(b[i+1:]))
		if len(fs) < 4 {
			continue
		}
		ppid, _ := strconv.Atoi(fs[1])
		session, _ := strconv.Atoi(fs[3])
		if session == sid {
			out = append(out, member{pid: pid, ppid: ppid, state: fs[0][0]})
		}
	}
	return out
}

// liveChildren returns the processes of the server's session other than
// the server that have not exited (zombies are not counted: they hold
// nothing but their entry in the process table).
func (p *process) liveChildren() []member {
	var out []member
	for _, m := range p.members() {
		if m.pid != p.pid() && m.state != 'Z' {
			out = append(out, m)
		}
	}
	return out
}

// zombies returns the server's children that have exited and that it has
// not reaped (waited for).
func (p *process) zombies() []member {
	var out []member
	for _, m := range p.members() {
		if m.ppid == p.pid() && m.state == 'Z' {
			out = append(out, m)
		}
	}
	return out
}

// treeFdCount counts the open descriptors of the server and of every
// process it started (03-fork serves each connection in a child).
func (p *process) treeFdCount() (int, error) {
	n, err := p.fdCount()
	if err != nil {
		return 0, err
	}
	for _, m := range p.liveChildren() {
		ents, err := os.ReadDir(fmt.Sprintf("/proc/%d/fd", m.pid))
		if err == nil {
			n += len(ents)
		}
	}
	return n, nil
}

// killTree ends the server and every process of its session: it stops
// the server first (SIGSTOP), so that it cannot start another child
// while the grader looks, then kills every member, children first. A
// child that moved to a process group of its own is found by its session
// id all the same.
func (p *process) killTree() {
	syscall.Kill(p.pid(), syscall.SIGSTOP)
	for range 50 {
		ms := p.liveChildren()
		if len(ms) == 0 {
			break
		}
		for _, m := range ms {
			syscall.Kill(m.pid, syscall.SIGKILL)
		}
		time.Sleep(2 * time.Millisecond)
	}
	syscall.Kill(-p.pid(), syscall.SIGKILL) // the server's process group
	p.cmd.Process.Kill()
}
