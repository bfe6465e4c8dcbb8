//go:build !linux

package main

import (
	"errors"
	"syscall"
	"time"
)

// interruptWrite would interrupt a server thread blocked in write(2); it
// needs Linux's /proc, so elsewhere it does nothing and returns 0: the
// echo check then cannot provoke a partial write, only read what comes
// back.
func (p *process) interruptWrite() int { return 0 }

// settle would wait until the server is idle; it needs Linux's /proc, so
// elsewhere it waits d/10, a guess.
func (p *process) settle(d time.Duration) { time.Sleep(d / 10) }

// member is a process of the server's session; finding them needs
// Linux's /proc.
type member struct {
	pid, ppid int
	state     byte
}

// liveChildren would list the server's children; it needs Linux's /proc.
func (p *process) liveChildren() []member { return nil }

// zombies would list the server's unreaped children; it needs Linux's
// /proc.
func (p *process) zombies() []member { return nil }

// treeFdCount counts the server's descriptors only: finding its
// children needs Linux's /proc (the checks that count are Linux-only).
func (p *process) treeFdCount() (int, error) { return p.fdCount() }

// killTree kills the server's process group (the grader made the server
// the leader of a session and a group of its own); a child that left the
// group is not found without Linux's /proc.
func (p *process) killTree() {
	syscall.Kill(-p.pid(), syscall.SIGKILL)
	p.cmd.Process.Kill()
}

// diagSock would ask the kernel for one socket (Linux's sock_diag); the
// callers then read /proc/net/tcp, which is Linux-only too.
func diagSock(local, remote string) (string, int64, int64, bool, error) {
	return "", 0, 0, false, errors.New("sock_diag is Linux-only")
}
