package main

import (
	"errors"
	"fmt"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"

	"lbws/shared/loop"
)

// !+fdsetsize

// fdSetSize is FD_SETSIZE: an fd_set is a fixed bitmap of this many
// descriptors (1024 on Linux and macOS), and select cannot watch a
// descriptor at or above it. x/sys's FdSet.Set would index past the
// bitmap and panic; fit keeps such a connection out of the sets.
const fdSetSize = int(unsafe.Sizeof(unix.FdSet{})) * 8

// !-fdsetsize

// !+fit

// errFull is what the loop logs, once a second at most, when fit holds a
// connection back.
var errFull = errors.New("at FD_SETSIZE: not accepting until a descriptor is freed; the listen queue holds new connections")

// fit is select's rule for a new connection (the loop's Config.Fit): a
// descriptor below FD_SETSIZE can go in an fd_set. accept(2) returns the
// lowest free descriptor, so one at FD_SETSIZE means every number below
// is taken: the server is full. Then the loop keeps that one connection
// aside, unwatched, and stops accepting; the rest wait in the kernel's
// listen queue (sock.Backlog), which is select's backpressure, instead
// of being answered 503. After a connection closes, the loop calls fit
// again, and F_DUPFD moves the held connection to the lowest free
// descriptor, now below FD_SETSIZE; a number held for a moment by
// another thread is handled the same way.
func fit(fd int) (int, error) {
	if fd < fdSetSize {
		return fd, nil
	}
	low, err := unix.FcntlInt(uintptr(fd), unix.F_DUPFD_CLOEXEC, 0)
	if err != nil {
		return fd, fmt.Errorf("%w (F_DUPFD: %v)", errFull, err)
	}
	if low >= fdSetSize {
		unix.Close(low)
		return fd, errFull
	}
	unix.Close(fd) // the copy shares the socket, and its O_NONBLOCK
	return low, nil
}

// !-fit

// server is one select(2) loop: the shared connection state machine and
// the connections watched in the current turn.
type server struct {
	*loop.Loop
	watched []*loop.Conn // the connections in this turn's fd_sets
}

// !+serve

// serve runs the select loop on the listening socket lfd until stop is
// closed and the requests in flight have finished; then it returns nil.
// It returns an error only if the listening socket or select itself
// fails. serve owns lfd.
func serve(stop <-chan struct{}, lfd int, cfg loop.Config) error {
	w, err := loop.NewPipeWaker()
	if err != nil {
		return err
	}
	if max(lfd, w.Fd()) >= fdSetSize {
		// select could never watch them: refuse to start rather than
		// index past an fd_set.
		w.Close()
		return fmt.Errorf("select: listening socket %d or wake-up pipe %d is at or above FD_SETSIZE (%d)", lfd, w.Fd(), fdSetSize)
	}
	cfg.Fit = fit
	l, err := loop.New(lfd, w, cfg)
	if err != nil {
		w.Close()
		return err
	}
	defer l.Close()
	l.StopOn(stop)
	s := &server{Loop: l}
	for !l.Finished() {
		if err := s.wait(); err != nil {
			return err
		}
	}
	return nil
}

// !-serve

// !+wait

// wait runs one turn: build the fd_sets from what every connection
// wants, block in select until something is ready or the next deadline,
// then hand each ready descriptor to the loop.
func (s *server) wait() error {
	var rd, wr unix.FdSet
	n := s.interest(&rd, &wr)
	if _, err := unix.Select(n, &rd, &wr, nil, timeval(s.Timeout())); err != nil {
		if err == unix.EINTR {
			return nil
		}
		return fmt.Errorf("select: %w", err)
	}
	s.OnWake() // finished work, whether or not the pipe woke select
	if s.Accepting() && rd.IsSet(s.ListenFd()) {
		if _, err := s.Accept(); err != nil {
			return err
		}
	}
	for _, c := range s.watched {
		if rd.IsSet(c.Fd()) {
			s.onReadable(c)
		}
		if wr.IsSet(c.Fd()) {
			s.onWritable(c)
		}
	}
	s.Expire()
	return nil
}

// !-wait

// !+interest

// interest fills the read and write sets: the wake-up pipe, the
// listening socket while accepting, and each connection by its Want. It
// returns select's first argument, the highest descriptor plus one.
// Select keeps no interest between calls: every turn rebuilds the sets,
// and the kernel scans them all, which is why select is O(n) per call.
func (s *server) interest(rd, wr *unix.FdSet) int {
	top := s.WakeFd()
	rd.Set(s.WakeFd())
	if s.Accepting() {
		rd.Set(s.ListenFd())
		top = max(top, s.ListenFd())
	}
	s.watched = s.watched[:0]
	for _, c := range s.Conns() {
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

// onReadable passes a readable connection to the loop. What it wants
// next needs no translation here: the next turn's interest reads it.
func (s *server) onReadable(c *loop.Conn) { s.OnReadable(c) }

// onWritable passes a writable connection to the loop.
func (s *server) onWritable(c *loop.Conn) { s.OnWritable(c) }

// timeval converts the loop's timeout for select: nil blocks until a
// descriptor is ready.
func timeval(d time.Duration) *unix.Timeval {
	if d < 0 {
		return nil
	}
	tv := unix.NsecToTimeval(d.Nanoseconds())
	return &tv
}
