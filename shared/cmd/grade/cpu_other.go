//go:build !linux

package main

import (
	"errors"
	"time"
)

// cpuMark would be the server's CPU time at a moment; reading it needs
// Linux's /proc (the checks that judge CPU use are Linux-only).
type cpuMark struct{ ok bool }

// markCPU returns a mark that cannot tell.
func markCPU(p *process) cpuMark { return cpuMark{} }

// since cannot tell without Linux's /proc.
func (m cpuMark) since(p *process) (cpu, waited, wall time.Duration, ok bool) {
	return 0, 0, 0, false
}

// epollEvents needs Linux.
func (p *process) epollEvents() (map[int]uint32, error) {
	return nil, errors.New("epoll is Linux-only")
}

// socketFd needs Linux's /proc.
func (p *process) socketFd(local, remote string) (int, error) {
	return -1, errors.New("/proc is Linux-only")
}

// waitStopped needs Linux's /proc; elsewhere it waits a little and
// cannot tell.
func (p *process) waitStopped(d time.Duration) bool {
	time.Sleep(d / 50)
	return false
}
