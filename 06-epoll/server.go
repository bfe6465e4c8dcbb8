//go:build linux

package main

import (
	"fmt"
	"time"

	"golang.org/x/sys/unix"

	"lbws/shared/loop"
)

// server is one epoll(7) loop: the shared connection state machine and
// an epoll instance, whose interest list lives in the kernel.
type server struct {
	*loop.Loop
	epfd   int               // the epoll instance
	events []unix.EpollEvent // filled by epoll_wait: only the ready descriptors
	et     uint32            // unix.EPOLLET with -edge, else 0
	lwatch bool              // the listening socket is in the interest list
	err    error             // the first failure of epoll_ctl or accept: ends serve
}

// serve runs the epoll loop on the listening socket lfd until stop is
// closed and the requests in flight have finished; then it returns nil.
// It returns an error only if the listening socket or epoll itself
// fails. serve owns lfd.
func serve(stop <-chan struct{}, lfd int, cfg loop.Config) error {
	w, err := loop.NewEventfdWaker()
	if err != nil {
		return err
	}
	l, err := loop.New(lfd, w, cfg)
	if err != nil {
		w.Close()
		return err
	}
	defer l.Close()
	epfd, err := unix.EpollCreate1(unix.EPOLL_CLOEXEC)
	if err != nil {
		return fmt.Errorf("epoll_create1: %w", err)
	}
	defer unix.Close(epfd)
	s := &server{Loop: l, epfd: epfd, events: make([]unix.EpollEvent, 512)}
	if cfg.Edge {
		s.et = unix.EPOLLET
	}
	s.ctl(unix.EPOLL_CTL_ADD, s.WakeFd(), loop.Read)
	l.StopOn(stop)
	for !l.Finished() {
		if err := s.wait(); err != nil {
			return err
		}
	}
	return nil
}

// wait runs one turn: block in epoll_wait until something is ready or
// the next deadline, then hand each ready descriptor to the loop. The
// interest is already in the kernel: nothing is rebuilt, and epoll_wait
// returns only the descriptors that are ready, O(ready) per call.
func (s *server) wait() error {
	s.watchListener()
	n, err := unix.EpollWait(s.epfd, s.events, msec(s.Timeout()))
	if err != nil {
		if err == unix.EINTR {
			return nil
		}
		return fmt.Errorf("epoll_wait: %w", err)
	}
	s.watchAll(s.OnWake()) // finished work, whether or not the eventfd woke epoll_wait
	for _, ev := range s.events[:n] {
		switch fd := int(ev.Fd); {
		case fd == s.WakeFd():
			// Drained by OnWake.
		case fd == s.ListenFd() && s.lwatch:
			s.accept()
		default:
			c := s.Conn(fd)
			if c == nil {
				continue
			}
			if ev.Events&(unix.EPOLLIN|unix.EPOLLHUP|unix.EPOLLERR) != 0 {
				s.onReadable(c)
			}
			if ev.Events&unix.EPOLLOUT != 0 {
				s.onWritable(c)
			}
		}
	}
	s.watchAll(s.Expire())
	return s.err
}

// accept takes the new connections and adds each to the interest list.
func (s *server) accept() {
	conns, err := s.Accept()
	if err != nil && s.err == nil {
		s.err = err
	}
	for _, c := range conns {
		c.Watched = c.Want()
		s.ctl(unix.EPOLL_CTL_ADD, c.Fd(), c.Watched)
	}
}

// onReadable passes a readable connection to the loop and applies what
// it wants next.
func (s *server) onReadable(c *loop.Conn) { s.watch(c, s.OnReadable(c)) }

// onWritable passes a writable connection to the loop and applies what
// it wants next.
func (s *server) onWritable(c *loop.Conn) { s.watch(c, s.OnWritable(c)) }

// watch changes c's registration to w, only if it differs from the
// registered one: one epoll_ctl per change of Want, none per event. A
// closed descriptor has already left the interest list (closing it
// removes it), so Close needs no call.
func (s *server) watch(c *loop.Conn, w loop.Want) {
	if w&loop.Close == 0 && w != c.Watched {
		c.Watched = w
		s.ctl(unix.EPOLL_CTL_MOD, c.Fd(), w)
	}
}

// watchAll applies the Want of each connection in conns.
func (s *server) watchAll(conns []*loop.Conn) {
	for _, c := range conns {
		s.watch(c, c.Want())
	}
}

// watchListener keeps the listening socket in the interest list exactly
// while the loop accepts (not after Stop, nor while accepting is paused
// for lack of descriptors). Adding it again reports a pending connection
// at once, which edge-triggered mode needs. After Stop the socket is
// closed, which took it out of the list already.
func (s *server) watchListener() {
	if accepting := s.Accepting(); accepting != s.lwatch {
		s.lwatch = accepting
		if accepting {
			s.ctl(unix.EPOLL_CTL_ADD, s.ListenFd(), loop.Read)
		} else {
			unix.EpollCtl(s.epfd, unix.EPOLL_CTL_DEL, s.ListenFd(), nil)
		}
	}
}

// ctl adds or modifies fd's registration with the events of w. A
// failure is kept in s.err and ends serve.
func (s *server) ctl(op, fd int, w loop.Want) {
	ev := unix.EpollEvent{Events: events(w) | s.et, Fd: int32(fd)}
	if err := unix.EpollCtl(s.epfd, op, fd, &ev); err != nil && s.err == nil {
		s.err = fmt.Errorf("epoll_ctl %d on fd %d: %w", op, fd, err)
	}
}

// events translates a Want into epoll events. The zero Want asks for
// nothing; epoll still reports an error or a hang-up.
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

// msec converts the loop's timeout for epoll_wait: -1 blocks until a
// descriptor is ready. It rounds up, so epoll_wait does not wake just
// before a deadline and spin until it passes.
func msec(d time.Duration) int {
	if d < 0 {
		return -1
	}
	return int((d + time.Millisecond - 1) / time.Millisecond)
}

// supported reports nil: this is Linux.
func supported() error { return nil }
