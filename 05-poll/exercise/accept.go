package main

import (
	"time"

	"golang.org/x/sys/unix"
)

// acceptBatch bounds the connections accepted per readiness report, so a
// flood of new connections cannot starve the established ones; poll
// reports the listening socket again if more wait.
const acceptBatch = 64

// !+accept

// accept takes the connections waiting in the listen queue, up to
// acceptBatch, and makes each one of the loop's. It returns an error
// only if the listening socket fails. Errors of a new connection (a
// client that reset while queued) are skipped; a full descriptor table
// (EMFILE) pauses accepting for a moment, so the loop does not spin on a
// listening socket that stays readable, while connections close.
func (s *server) accept() error {
	// TODO(you): up to acceptBatch times, while s.accepting(): take the
	// next connection with accept4(s.lfd). EAGAIN: the queue is empty,
	// return nil.
	// Another error: sock.RetryAfter(err) says what to do; this part is
	// given, write it as it is:
	//
	//	pause, retry := sock.RetryAfter(err)
	//	if !retry { // the listening socket failed
	//		return fmt.Errorf("accept: %w", err)
	//	}
	//	if pause > 0 { // out of descriptors: pause accepting
	//		s.log.Printf("accept: %v: pausing for %v", err, pause)
	//		s.paused = time.Now().Add(pause)
	//	}
	//	continue // a client gone while it was queued: skip it
	//
	// A new connection: set TCP_NODELAY on it (responses are written
	// whole: Nagle's algorithm must not hold the end of one back), then
	// s.loop.Open it, with sock.AddrString(sa).
	return todo("accept", "accept.go")
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
