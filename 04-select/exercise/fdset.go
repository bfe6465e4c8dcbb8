package main

import (
	"errors"
	"fmt"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

// !+fdsetsize

// fdSetSize is FD_SETSIZE: an fd_set is a fixed bitmap of this many
// descriptors (1024 on Linux and macOS), and select cannot watch a
// descriptor at or above it. x/sys's FdSet.Set would index past the
// bitmap and panic; fit keeps such a connection out of the sets.
const fdSetSize = int(unsafe.Sizeof(unix.FdSet{})) * 8

// !-fdsetsize

// heldRetry bounds the wait while a connection is held: a descriptor
// freed by another thread, not by the loop's own close, is noticed
// within it.
const heldRetry = 250 * time.Millisecond

// errFull is what the loop logs, once a second at most, when fit holds a
// connection back.
var errFull = errors.New("at FD_SETSIZE: not accepting until a descriptor is freed; the listen queue holds new connections")

// !+fit

// fit is select's rule for a new connection: a descriptor below
// FD_SETSIZE can go in an fd_set. accept(2) returns the lowest free
// descriptor, so one at FD_SETSIZE means every number below is taken:
// the server is full. Then the loop holds that one connection aside,
// unwatched, and stops accepting; the rest wait in the kernel's listen
// queue (sock.Backlog), which is select's backpressure, instead of being
// answered 503. After a connection closes, the loop calls fit again
// (place), and F_DUPFD moves the held connection to the lowest free
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

// held is a connection accepted on a descriptor select cannot watch yet.
type held struct {
	fd     int       // -1 if none
	remote string    // its client's address
	freed  bool      // the loop has closed a connection since the last try
	retry  time.Time // when to try again at the latest
	logged time.Time // when errFull was last logged
}

// !+hold

// hold keeps the connection on fd aside until fit places it (place).
// Meanwhile accepting stops, and every connection closes after its
// current response (loop.SetKeepAlive), so that the connections waiting
// for a descriptor, held or in the listen queue, get their turn.
func (s *server) hold(fd int, remote string, err error) {
	now := time.Now()
	s.held.fd, s.held.remote, s.held.freed, s.held.retry = fd, remote, false, now.Add(heldRetry)
	if now.Sub(s.held.logged) >= time.Second {
		s.log.Print(err)
		s.held.logged = now
	}
	s.loop.SetKeepAlive(false)
}

// place tries fit again on the held connection, if any, when a
// descriptor may have been freed (the loop closed a connection) or the
// retry time has come, and makes it one of the loop's if it fits now;
// then accepting resumes.
func (s *server) place() {
	h := &s.held
	if h.fd < 0 || !h.freed && time.Now().Before(h.retry) {
		return
	}
	fd, err := fit(h.fd)
	if err != nil {
		h.freed, h.retry = false, time.Now().Add(heldRetry)
		return
	}
	h.fd = -1
	s.loop.SetKeepAlive(true)
	s.open(fd, h.remote)
}

// !-hold

// dropHeld closes the held connection, if any.
func (s *server) dropHeld() {
	if s.held.fd >= 0 {
		unix.Close(s.held.fd)
		s.held.fd = -1
		s.loop.SetKeepAlive(true)
	}
}
