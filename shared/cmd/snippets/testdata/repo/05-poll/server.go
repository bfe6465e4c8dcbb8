// Package main is a fixture for the snippets tool's tests: a cut-down
// readiness loop in the shape of stage 05.
package main

import "fmt"

// !+wait

// wait blocks until a descriptor in fds is ready and returns the ready
// ones.
func wait(fds []int) []int {
	pfds := newPollFds(fds)
	n := pollCall(pfds)
	var ready []int
	for _, p := range pfds {
		if p.revents != 0 {
			ready = append(ready, p.fd)
		}
	}
	fmt.Println(n, "ready")
	return ready
}

// !-wait

// pollFd is a stand-in for unix.PollFd.
type pollFd struct {
	fd      int // the descriptor
	revents int // what happened
}

func newPollFds(fds []int) []pollFd {
	var p []pollFd
	for _, fd := range fds {
		p = append(p, pollFd{fd: fd, revents: 1})
	}
	return p
}

func pollCall(p []pollFd) int { return len(p) }
