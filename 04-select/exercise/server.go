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

	err error // the first TODO(you) reached that is not written yet (todo.go)
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
		err := s.turn()
		if s.err != nil {
			return s.err // a TODO(you) not written yet
		}
		if err != nil {
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
	// TODO(you): one turn, in this order:
	//   - s.place() (given, fdset.go: a held connection may fit now);
	//   - two fd_sets, rd and wr, filled by s.interest;
	//   - wait := s.loop.Begin(), then select(2) (unix.Select) on the
	//     sets, for at most s.timeout(wait.Timeout) (timeval converts it);
	//   - drive every connection wait.End() returns (not readable: End
	//     says what workers and timers changed, not what select saw);
	//   - if s.loop.Stopping(), s.closeListener();
	//   - then select's error: EINTR ends the turn (the sets are not
	//     filled in), another is the server's failure, wrapped;
	//   - then its report: the listening socket readable means accept;
	//     each watched connection readable or writable goes to s.ready.
	return todo("turn", "server.go")
}

// !-turn

// !+interest

// interest fills the read and write sets: the wake-up pipe, the
// listening socket while accepting, and each connection by its Want. It
// returns select's first argument, the highest descriptor plus one.
// select keeps no interest between calls: every turn rebuilds the sets,
// and the kernel scans them all, which is why select is O(n) per call.
func (s *server) interest(rd, wr *unix.FdSet) int {
	// TODO(you): set the wake-up pipe (s.loop.WakeFd()) in rd; the
	// listening socket too while s.accepting(); then each connection of
	// s.loop.Conns() by its Want (Read: rd, Write: wr), appended to
	// s.watched, which turn walks after select. Return the highest
	// descriptor set, plus one.
	s.watched = s.watched[:0]
	s.reached(todo("interest", "server.go"))
	return 0
}

// !-interest

// timeout is how long select may block: the loop's timeout, or less if
// accepting resumes sooner or the held connection is due another try.
func (s *server) timeout(d time.Duration) time.Duration {
	if s.err != nil {
		return 0 // a TODO(you) was reached: do not block, serve stops
	}
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
