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

// server is one poll(2) loop: the listening socket, the shared
// connection state machines (loop.Loop), and this turn's pollfds.
type server struct {
	loop   *loop.Loop
	log    *log.Logger
	lfd    int       // the listening socket, non-blocking; -1 once closed
	paused time.Time // accepting is paused until then (out of descriptors)
	buf    []byte    // every read lands here

	fds     []unix.PollFd // this turn's pollfds: wake-up, listener, then one per connection
	watched []*loop.Conn  // the connection of each pollfd after the first two

	err error // the first TODO(you) reached that is not written yet (todo.go)
}

// !+serve

// serve runs the poll loop on the listening socket lfd until stop is
// closed and the requests in flight have finished; then it returns nil.
// It returns an error only if the listening socket or poll itself fails.
// serve owns lfd.
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
	l, err := loop.New(addr, w, cfg)
	if err != nil {
		w.Close()
		return nil, err
	}
	lg := cfg.Log
	if lg == nil {
		lg = log.New(io.Discard, "", 0)
	}
	return &server{loop: l, log: lg, lfd: lfd, buf: make([]byte, readSize)}, nil
}

// !+turn

// turn runs one turn of the loop: build the pollfds from what every
// connection wants, block in poll until something is ready or the next
// deadline, do what the workers and the timers changed, then what poll
// reported.
func (s *server) turn() error {
	// TODO(you): one turn, in this order:
	//   - s.interest() fills s.fds;
	//   - wait := s.loop.Begin(), then poll(2) (unix.Poll) on s.fds, for
	//     at most s.timeout(wait.Timeout) (msec converts it);
	//   - drive every connection wait.End() returns (not readable: End
	//     says what workers and timers changed, not what poll saw);
	//   - if s.loop.Stopping(), s.closeListener();
	//   - then poll's error: EINTR ends the turn (revents are not set),
	//     another is the server's failure, wrapped;
	//   - then its report, in each pollfd's Revents: the listening
	//     socket's (s.fds[1]) means accept, while it is open; each
	//     connection's (s.fds[i+2] is s.watched[i]) goes to s.ready,
	//     readable if POLLIN, POLLHUP or POLLERR is set.
	return todo("turn", "server.go")
}

// !-turn

// !+interest

// interest fills this turn's pollfds: the wake-up pipe, the listening
// socket while accepting, and each connection with the events its Want
// asks for. poll keeps no interest between calls: every turn passes the
// whole array, and the kernel checks every entry, which is why poll is
// O(n) per call.
func (s *server) interest() {
	// TODO(you): s.fds is this turn's pollfds, rebuilt from empty
	// (s.fds[:0] keeps its array): first the wake-up pipe
	// (s.loop.WakeFd()) for POLLIN, then the listening socket for
	// POLLIN, as -1 while not s.accepting() (poll skips a negative
	// descriptor, and turn finds it at index 1 either way), then each
	// connection of s.loop.Conns() with events(c.Want()), appended to
	// s.watched in the same order.
	s.fds = append(s.fds[:0], unix.PollFd{Fd: -1}, unix.PollFd{Fd: -1}) // until you do: two entries poll skips
	s.watched = s.watched[:0]
	s.reached(todo("interest", "server.go"))
}

// events translates a Want into poll's events. POLLHUP and POLLERR need
// no asking: poll reports them always.
func events(w loop.Want) int16 {
	var ev int16
	if w&loop.Read != 0 {
		ev |= unix.POLLIN
	}
	if w&loop.Write != 0 {
		ev |= unix.POLLOUT
	}
	return ev
}

// !-interest

// timeout is how long poll may block: the loop's timeout, or less if
// accepting resumes sooner.
func (s *server) timeout(d time.Duration) time.Duration {
	if s.err != nil {
		return 0 // a TODO(you) was reached: do not block, serve stops
	}
	if p := time.Until(s.paused); s.lfd >= 0 && p > 0 && (d < 0 || p < d) {
		return p
	}
	return d
}

// msec converts a timeout for poll, rounding up so a deadline is never
// missed by a wake-up a little early; -1 blocks until a descriptor is
// ready.
func msec(d time.Duration) int {
	if d < 0 {
		return -1
	}
	return int((d + time.Millisecond - 1) / time.Millisecond)
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
