package main

import (
	"io"

	"golang.org/x/sys/unix"

	"lbws/shared/loop"
)

// !+ready

// ready does what select reported c ready for: reading or writing.
// Whatever the report, c may have output to write: drive tries. select
// reports only what was asked: a hang-up or an error shows as readable,
// and only to a connection that wants to read.
func (s *server) ready(c *loop.Conn, readable bool) {
	if c.Phase() == loop.Closed {
		return // closed earlier in this turn
	}
	s.drive(c, readable)
}

// !-ready

// !+drive

// drive does what c wants until it must wait for select: write its output
// (the socket usually has room, so a response goes out in the turn it
// was made), read once if the socket was reported readable, shut down
// the sending side, close. Each call reports to c what the kernel did,
// and c's Want says what comes next.
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
			s.read(c)
			readable = false // level-triggered: select reports it again if more is there
		default:
			return // it waits for select, or for its app
		}
	}
}

// !-drive

// !+read

// read reads c's socket once into the loop's buffer and passes what it
// got to c: bytes, the end of file, or the error.
func (s *server) read(c *loop.Conn) {
	for {
		n, err := unix.Read(c.Fd(), s.buf)
		switch {
		case err == unix.EINTR:
			continue
		case err == unix.EAGAIN:
		case err != nil:
			c.Failed("read", err)
		case n == 0:
			c.ReceivedEOF()
		default:
			c.Received(s.buf[:n])
		}
		return
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
			return false // select says when it has room (the write set)
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

// !+close

// close closes c's descriptor, as c asked, and tells c.
func (s *server) close(c *loop.Conn) {
	if err := unix.Close(c.Fd()); err != nil {
		s.log.Printf("%s: close: %v", c.RemoteAddr(), err)
	}
	c.Closed()
	s.held.freed = true // a descriptor below FD_SETSIZE for the held connection
}

// !-close
