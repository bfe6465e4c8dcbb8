//go:build linux

package main

import (
	"errors"
	"fmt"
	"time"

	"golang.org/x/sys/unix"

	"lbws/shared/sock"
)

// acceptBatch bounds the connections accepted per readiness report, so a
// flood of new connections cannot starve the established ones;
// level-triggered, epoll reports the listening socket again if more
// wait. Edge-triggered, accept goes on until EAGAIN: connections that
// arrive between two waits make one report, and any left in the queue
// would wait for the next arrival.
const acceptBatch = 64

// !+accept

// accept takes the connections waiting in the listen queue, up to
// acceptBatch (all of them, edge-triggered), and makes each one of the
// loop's, registered for what it wants. It returns an error only if the
// listening socket fails. Errors of a new connection (a
// client that reset while queued) are skipped; a full descriptor table
// (EMFILE) pauses accepting for a moment, so the loop does not spin on a
// listening socket that stays readable, while connections close.
func (s *server) accept() error {
	// TODO(you), edge-triggered (-edge, the second part): accept until
	// EAGAIN, however many wait, not at most acceptBatch: connections
	// that arrived together made one edge.
	if s.et != 0 {
		return todo("accept, edge-triggered", "accept.go")
	}
	for i := 0; i < acceptBatch && s.accepting(); i++ {
		fd, sa, err := accept4(s.lfd)
		if errors.Is(err, unix.EAGAIN) {
			return nil // the queue is empty
		}
		if err != nil {
			pause, retry := sock.RetryAfter(err)
			if !retry {
				return fmt.Errorf("accept: %w", err)
			}
			if pause > 0 {
				s.log.Printf("accept: %v: pausing for %v", err, pause)
				s.paused = time.Now().Add(pause)
			}
			continue
		}
		// Responses are written whole: do not let Nagle's algorithm hold
		// the end of one back (net/http sets it too).
		unix.SetsockoptInt(fd, unix.IPPROTO_TCP, unix.TCP_NODELAY, 1)
		s.loop.Open(fd, sock.AddrString(sa))
		for fd >= len(s.unread) {
			s.unread = append(s.unread, false)
		}
		s.unread[fd] = false
		// TODO(you): put the new connection (s.loop.Open returns it) in
		// the interest list for what it wants (EPOLL_CTL_ADD, through
		// s.ctl), and record that Want in its Watched, which watch
		// compares with.
		s.reached(todo("accept: registration", "accept.go"))
	}
	return nil
}

// !-accept

// accepting reports whether to watch the listening socket: it is open
// and accepting is not paused.
func (s *server) accepting() bool {
	return s.lfd >= 0 && !time.Now().Before(s.paused)
}

// closeListener closes the listening socket, once: at the shutdown new
// connections are refused by the kernel from then on.
func (s *server) closeListener() {
	if s.lfd < 0 {
		return
	}
	if err := unix.Close(s.lfd); err != nil {
		s.log.Printf("close listening socket: %v", err)
	}
	s.lfd = -1
}
