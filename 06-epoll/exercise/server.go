//go:build linux

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

// server is one epoll(7) loop: the listening socket, the shared
// connection state machines (loop.Loop), and an epoll instance, whose
// interest list lives in the kernel.
type server struct {
	loop   *loop.Loop
	log    *log.Logger
	lfd    int       // the listening socket, non-blocking; -1 once closed
	paused time.Time // accepting is paused until then (out of descriptors)
	buf    []byte    // every read lands here

	epfd   int               // the epoll instance
	events []unix.EpollEvent // filled by epoll_wait: only the ready descriptors
	et     uint32            // unix.EPOLLET with -edge, else 0
	lwatch bool              // the listening socket is in the interest list
	unread []bool            // by descriptor, edge-triggered: reported readable, not yet read to EAGAIN
	err    error             // the first failure of epoll_ctl, or the first TODO(you) reached (todo.go): ends serve
}

// !+serve

// serve runs the epoll loop on the listening socket lfd until stop is
// closed and the requests in flight have finished; then it returns nil.
// It returns an error only if the listening socket or epoll itself
// fails. With edge, the loop is edge-triggered. serve owns lfd.
func serve(stop <-chan struct{}, lfd int, cfg loop.Config, edge bool) error {
	s, err := newServer(lfd, cfg, edge)
	if err != nil {
		unix.Close(lfd)
		return err
	}
	defer s.closeAll()
	s.loop.StopOn(stop)
	for !s.loop.Finished() {
		err := s.turn()
		if s.err != nil {
			return s.err // a TODO(you) not written yet, or epoll_ctl failed
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
// empty. Workers wake the loop through an eventfd, in the interest list
// from the start.
func newServer(lfd int, cfg loop.Config, edge bool) (*server, error) {
	addr, err := sock.LocalAddr(lfd)
	if err != nil {
		return nil, err
	}
	if err := unix.SetNonblock(lfd, true); err != nil {
		return nil, fmt.Errorf("listening socket: %w", err)
	}
	w, err := newEventfdWaker()
	if err != nil {
		return nil, err
	}
	l, err := loop.New(addr, w, cfg)
	if err != nil {
		w.Close()
		return nil, err
	}
	epfd, err := unix.EpollCreate1(unix.EPOLL_CLOEXEC)
	if err != nil {
		l.Close()
		return nil, fmt.Errorf("epoll_create1: %w", err)
	}
	lg := cfg.Log
	if lg == nil {
		lg = log.New(io.Discard, "", 0)
	}
	s := &server{loop: l, log: lg, lfd: lfd, buf: make([]byte, readSize),
		epfd: epfd, events: make([]unix.EpollEvent, 512)}
	if edge {
		s.et = unix.EPOLLET
	}
	s.ctl(unix.EPOLL_CTL_ADD, l.WakeFd(), loop.Read)
	return s, s.err
}

// !+turn

// turn runs one turn of the loop: block in epoll_wait until something
// is ready or the next deadline, do what the workers and the timers
// changed, then what epoll reported. The interest is already in the
// kernel: nothing is rebuilt, and epoll_wait returns only the
// descriptors that are ready, O(ready) per call.
func (s *server) turn() error {
	// TODO(you): one turn, in this order:
	//   - s.watchListener() (the listening socket in or out);
	//   - wait := s.loop.Begin(), then epoll_wait(2) (unix.EpollWait)
	//     into s.events, for at most s.timeout(wait.Timeout) (msec
	//     converts it); it returns how many events it filled in;
	//   - drive every connection wait.End() returns, readable if it is
	//     marked s.unread[c.Fd()] (always false until the second part);
	//   - if s.loop.Stopping(), s.closeListener();
	//   - then epoll_wait's error: EINTR ends the turn (no events),
	//     another is the server's failure, wrapped;
	//   - then each event, by its descriptor (ev.Fd): the waker's needs
	//     nothing (End drained it); the listening socket's, while
	//     watched (s.lwatch), means accept; any other is a connection,
	//     s.loop.Conn(fd) (nil if it is gone), for s.ready, readable if
	//     EPOLLIN, EPOLLHUP or EPOLLERR is set;
	//   - return s.err (epoll_ctl's first failure, if any).
	return todo("turn", "server.go")
}

// !-turn

// !+watch

// watch brings c's registration in line with what it wants, with an
// EPOLL_CTL_MOD only when that changed: unlike select and poll, epoll
// keeps the interest between calls, so most turns make no epoll_ctl at
// all. A closed connection needs nothing: closing its descriptor took it
// out of the interest list.
func (s *server) watch(c *loop.Conn) {
	// TODO(you): if c is not closed and c.Want() differs from
	// c.Watched, the events it is registered for, record the new Want
	// in c.Watched and change the registration (EPOLL_CTL_MOD, through
	// s.ctl). Otherwise nothing: most turns need no epoll_ctl at all.
	s.reached(todo("watch", "server.go"))
}

// watchListener adds the listening socket to the interest list while
// accepting, and takes it out while not (paused, or shut down).
func (s *server) watchListener() {
	// TODO(you): when s.accepting() differs from s.lwatch (whether the
	// listening socket is in the interest list), record it in s.lwatch
	// and add the listening socket for Read (EPOLL_CTL_ADD, through
	// s.ctl), or take it out (EPOLL_CTL_DEL, with unix.EpollCtl; only
	// if it is still open: closing it took it out already).
	s.reached(todo("watchListener", "server.go"))
}

// ctl changes the interest list: op for descriptor fd, with the events
// w asks for. A failure is kept and ends serve: it means a bug, not a
// bad client.
func (s *server) ctl(op, fd int, w loop.Want) {
	// TODO(you): epoll_ctl(2) (unix.EpollCtl) on s.epfd: op for fd,
	// with an EpollEvent of the events w asks for (events(w)) plus s.et
	// (EPOLLET with -edge), and the descriptor in its Fd field (turn
	// reads it back from the events). Keep the first error, wrapped,
	// in s.err.
	s.reached(todo("ctl", "server.go"))
}

// events translates a Want into epoll's events. EPOLLHUP and EPOLLERR
// need no asking: epoll reports them always.
func events(w loop.Want) uint32 {
	var ev uint32
	if w&loop.Read != 0 {
		ev |= unix.EPOLLIN
	}
	if w&loop.Write != 0 {
		ev |= unix.EPOLLOUT
	}
	return ev
}

// !-watch

// timeout is how long epoll_wait may block: the loop's timeout, or less
// if accepting resumes sooner.
func (s *server) timeout(d time.Duration) time.Duration {
	if s.err != nil {
		return 0 // a TODO(you) was reached: do not block, serve stops
	}
	if p := time.Until(s.paused); s.lfd >= 0 && p > 0 && (d < 0 || p < d) {
		return p
	}
	return d
}

// msec converts a timeout for epoll_wait, rounding up so a deadline is
// never missed by a wake-up a little early; -1 blocks until a descriptor
// is ready.
func msec(d time.Duration) int {
	if d < 0 {
		return -1
	}
	return int((d + time.Millisecond - 1) / time.Millisecond)
}

// closeAll ends the loop: every connection still open is closed
// (requests still running are abandoned), then the listening socket, the
// epoll instance, the loop's waker and its workers.
func (s *server) closeAll() {
	for _, c := range s.loop.Conns() {
		unix.Close(c.Fd())
	}
	s.loop.Close()
	s.closeListener()
	unix.Close(s.epfd)
}

// supported reports that this stage runs here.
func supported() error { return nil }
