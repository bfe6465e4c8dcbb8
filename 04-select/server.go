package main

import (
	"fmt"
	"io"
	"log"
	"time"

	"golang.org/x/sys/unix"

	"lbws/shared/loop"
	"lbws/shared/sock"
)

// readSize is the size of the loop's read buffer: every read of every
// connection lands in it, and the connection copies out only an
// unfinished head.
const readSize = 64 << 10

// server is one select(2) loop: the listening socket, the shared
// connection state machines (loop.Loop), and the connections in this
// turn's fd_sets.
type server struct {
	loop   *loop.Loop
	log    *log.Logger
	lfd    int       // the listening socket, non-blocking; -1 once closed
	paused time.Time // accepting is paused until then (out of descriptors)
	buf    []byte    // every read lands here

	watched []*loop.Conn // the connections in this turn's fd_sets
	held    held         // a connection accepted at or above FD_SETSIZE (fit)
}

// !+serve

// serve runs the select loop on the listening socket lfd until stop is
// closed and the requests in flight have finished; then it returns nil.
// It returns an error only if the listening socket or select itself
// fails. serve owns lfd.
func serve(stop <-chan struct{}, lfd int, cfg loop.Config) error {
	s, err := newServer(lfd, cfg)
	if err != nil {
		unix.Close(lfd)
		return err
	}
	defer s.closeAll()
	s.loop.StopOn(stop)
	for !s.loop.Finished() {
		if err := s.turn(); err != nil {
			return err
		}
	}
	return nil
}

// !-serve

// newServer makes the loop for the listening socket lfd, which it makes
// non-blocking: accept must return EAGAIN, not block, once the queue is
// empty. Workers wake the loop through a pipe.
func newServer(lfd int, cfg loop.Config) (*server, error) {
	addr, err := sock.LocalAddr(lfd)
	if err != nil {
		return nil, err
	}
	if err := unix.SetNonblock(lfd, true); err != nil {
		return nil, fmt.Errorf("listening socket: %w", err)
	}
	w, err := loop.NewPipeWaker()
	if err != nil {
		return nil, err
	}
	if max(lfd, w.Fd()) >= fdSetSize {
		// select could never watch them: refuse to start rather than
		// index past an fd_set.
		w.Close()
		return nil, fmt.Errorf("select: listening socket %d or wake-up pipe %d is at or above FD_SETSIZE (%d)", lfd, w.Fd(), fdSetSize)
	}
	l, err := loop.New(addr, w, cfg)
	if err != nil {
		w.Close()
		return nil, err
	}
	lg := cfg.Log
	if lg == nil {
		lg = log.New(io.Discard, "", 0)
	}
	return &server{loop: l, log: lg, lfd: lfd, buf: make([]byte, readSize), held: held{fd: -1}}, nil
}

// !+turn

// turn runs one turn of the loop: build the fd_sets from what every
// connection wants, block in select until something is ready or the
// next deadline, do what the workers and the timers changed, then what
// select reported.
func (s *server) turn() error {
	s.place()
	var rd, wr unix.FdSet
	n := s.interest(&rd, &wr)
	wait := s.loop.Begin()
	_, err := unix.Select(n, &rd, &wr, nil, timeval(s.timeout(wait.Timeout)))
	for _, c := range wait.End() {
		s.drive(c, false)
	}
	if s.loop.Stopping() {
		s.closeListener()
	}
	switch {
	case err == unix.EINTR:
		return nil // a signal: the sets are not filled in
	case err != nil:
		return fmt.Errorf("select: %w", err)
	}
	if s.lfd >= 0 && rd.IsSet(s.lfd) {
		if err := s.accept(); err != nil {
			return err
		}
	}
	for _, c := range s.watched {
		if r, w := rd.IsSet(c.Fd()), wr.IsSet(c.Fd()); r || w {
			s.ready(c, r)
		}
	}
	return nil
}

// !-turn

// !+interest

// interest fills the read and write sets: the wake-up pipe, the
// listening socket while accepting, and each connection by its Want. It
// returns select's first argument, the highest descriptor plus one.
// select keeps no interest between calls: every turn rebuilds the sets,
// and the kernel scans them all, which is why select is O(n) per call.
func (s *server) interest(rd, wr *unix.FdSet) int {
	top := s.loop.WakeFd()
	rd.Set(s.loop.WakeFd())
	if s.accepting() {
		rd.Set(s.lfd)
		top = max(top, s.lfd)
	}
	s.watched = s.watched[:0]
	for _, c := range s.loop.Conns() {
		w := c.Want()
		if w&loop.Read != 0 {
			rd.Set(c.Fd())
		}
		if w&loop.Write != 0 {
			wr.Set(c.Fd())
		}
		top = max(top, c.Fd())
		s.watched = append(s.watched, c)
	}
	return top + 1
}

// !-interest

// timeout is how long select may block: the loop's timeout, or less if
// accepting resumes sooner or the held connection is due another try.
func (s *server) timeout(d time.Duration) time.Duration {
	for _, t := range []time.Time{s.paused, s.held.retry} {
		if p := time.Until(t); s.lfd >= 0 && p > 0 && (d < 0 || p < d) {
			d = p
		}
	}
	return d
}

// timeval converts a timeout for select: nil blocks until a descriptor
// is ready.
func timeval(d time.Duration) *unix.Timeval {
	if d < 0 {
		return nil
	}
	tv := unix.NsecToTimeval(d.Nanoseconds())
	return &tv
}

// closeAll ends the loop: every connection still open is closed
// (requests still running are abandoned), then the listening socket, the
// loop's waker and its workers.
func (s *server) closeAll() {
	for _, c := range s.loop.Conns() {
		unix.Close(c.Fd())
	}
	s.loop.Close()
	s.closeListener()
}
