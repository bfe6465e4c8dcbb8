//go:build linux

package main

import (
	"io"

	"golang.org/x/sys/unix"

	"lbws/shared/loop"
)

// !+ready

// ready does what epoll reported c ready for: reading (which includes a
// hang-up or an error) or writing. Whatever the report, c may have
// output to write: drive tries.
func (s *server) ready(c *loop.Conn, readable bool) {
	if c.Phase() == loop.Closed {
		return // closed earlier in this turn
	}
	if readable && c.Want()&loop.Read == 0 {
		s.probe(c)
	}
	s.drive(c, readable)
}

// !-ready

// !+drive

// drive does what c wants until it must wait for epoll: write its output
// (the socket usually has room, so a response goes out in the turn it
// was made), read if the socket was reported readable (once
// level-triggered; until EAGAIN edge-triggered), shut down the sending
// side, close. Each call reports to c what the kernel did, and c's Want
// says what comes next; then its registration follows (watch).
// Edge-triggered, a connection that stops reading before EAGAIN (its
// queue is full) is remembered as unread, and read on in the turn it
// wants more: no new edge comes for bytes already there. (The
// EPOLL_CTL_MOD of that turn re-checks the socket and reports it too,
// one turn later; the loop does not wait for it.)
func (s *server) drive(c *loop.Conn, readable bool) {
	for {
		switch w := c.Want(); {
		case w == loop.Close:
			s.close(c)
			return
		case w == loop.HalfClose:
			c.HalfClosed(unix.Shutdown(c.Fd(), unix.SHUT_WR))
		case w&loop.Write != 0 && s.write(c):
			// All written: c may want more now.
		case w&loop.Read != 0 && readable:
			readable = s.read(c)
		default:
			// TODO(you), edge-triggered (-edge, the second part):
			// still readable here means c stopped reading before
			// EAGAIN (it wants no more for now) and no new edge will
			// come for the bytes already there: remember it in
			// s.unread, so the turn that drives it next reads on.
			if s.et != 0 {
				s.reached(todo("drive, edge-triggered", "conn.go"))
			}
			s.unread[c.Fd()] = false
			s.watch(c) // it waits for epoll, or for its app
			return
		}
	}
}

// !-drive

// !+read

// read reads c's socket once into the loop's buffer and passes what it
// got to c: bytes, the end of file, or the error. It reports whether to
// read again: edge-triggered, until EAGAIN (an edge not read to the end
// is never reported again, and the connection would stall);
// level-triggered, never in the same turn (epoll reports it again).
func (s *server) read(c *loop.Conn) bool {
	for {
		n, err := unix.Read(c.Fd(), s.buf)
		switch {
		case err == unix.EINTR:
			continue
		case err == unix.EAGAIN:
			return false
		case err != nil:
			c.Failed("read", err)
			return false
		case n == 0:
			c.ReceivedEOF()
			return false
		}
		c.Received(s.buf[:n])
		// TODO(you), edge-triggered (-edge, the second part): report
		// whether to read again: level-triggered never in the same turn,
		// edge-triggered until EAGAIN.
		if s.et != 0 {
			s.reached(todo("read, edge-triggered", "conn.go"))
		}
		return false
	}
}

// !-read

// !+write

// write writes c's output until the socket takes no more (EAGAIN) or c
// has none left, and reports whether it wrote everything. A socket takes
// what fits in its send buffer: a large response goes out over several
// turns, each write taking part of it.
func (s *server) write(c *loop.Conn) bool {
	for c.Want()&loop.Write != 0 {
		n, err := unix.Write(c.Fd(), c.Output())
		switch {
		case err == unix.EINTR:
			continue
		case err == unix.EAGAIN:
			return false // epoll says when it has room (EPOLLOUT)
		case err != nil:
			c.Failed("write", err)
			return true
		case n == 0:
			c.Failed("write", io.ErrShortWrite)
			return true
		}
		c.Sent(n)
	}
	return true
}

// !-write

// !+probe

// probe settles a readiness report for a connection that asked for no
// read: a hang-up or an error, which epoll reports whatever was asked.
// Left as it is, level-triggered epoll reports it again at every call,
// and a connection waiting for its app would spin the loop until the app
// returns. A
// pending error (a reset) closes the connection: SO_ERROR reads it even
// when request bytes are still queued, which a peek would return first.
// An end of file is passed on; reported again with nothing new, the
// connection closes (see Conn.ReceivedEOF).
func (s *server) probe(c *loop.Conn) {
	errno, err := unix.GetsockoptInt(c.Fd(), unix.SOL_SOCKET, unix.SO_ERROR)
	switch {
	case err != nil:
		c.Failed("read", err)
		return
	case errno != 0:
		c.Failed("read", unix.Errno(errno))
		return
	}
	var b [1]byte
	n, _, err := unix.Recvfrom(c.Fd(), b[:], unix.MSG_PEEK)
	switch {
	case err == unix.EAGAIN || err == unix.EINTR:
	case err != nil:
		c.Failed("read", err)
	case n == 0:
		c.ReceivedEOF()
	}
}

// !-probe

// !+close

// close closes c's descriptor, as c asked, and tells c.
func (s *server) close(c *loop.Conn) {
	if err := unix.Close(c.Fd()); err != nil {
		s.log.Printf("%s: close: %v", c.RemoteAddr(), err)
	}
	c.Closed()
}

// !-close
