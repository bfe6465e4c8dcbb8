package main

import (
	"lbws/shared/loop"
)

// !+ready

// ready does what poll reported c ready for: reading (which includes a
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

// drive does what c wants until it must wait for poll: write its output
// (the socket usually has room, so a response goes out in the turn it
// was made), read once if the socket was reported readable, shut down
// the sending side, close. Each call reports to c what the kernel did,
// and c's Want says what comes next.
func (s *server) drive(c *loop.Conn, readable bool) {
	// TODO(you): loop on c.Want() until c must wait:
	//   - Close: s.close(c), and return;
	//   - HalfClose: shutdown(2) the sending side (SHUT_WR), reported
	//     with c.HalfClosed;
	//   - Write: s.write(c); if it wrote everything, ask again;
	//   - Read, and readable: s.read(c), once (level-triggered: poll
	//     reports the socket again next turn if more is there);
	//   - anything else: return (it waits for poll, or for its app).
	s.reached(todo("drive", "conn.go"))
}

// !-drive

// !+read

// read reads c's socket once into the loop's buffer and passes what it
// got to c: bytes, the end of file, or the error.
func (s *server) read(c *loop.Conn) {
	// TODO(you): read(2) c's socket once into s.buf, retried on EINTR;
	// report what came: bytes (c.Received), the end of file
	// (c.ReceivedEOF) or an error (c.Failed). EAGAIN is neither: nothing
	// is there after all, report nothing.
	s.reached(todo("read", "conn.go"))
}

// !-read

// !+write

// write writes c's output until the socket takes no more (EAGAIN) or c
// has none left, and reports whether it wrote everything. A socket takes
// what fits in its send buffer: a large response goes out over several
// turns, each write taking part of it.
func (s *server) write(c *loop.Conn) bool {
	// TODO(you): write(2) c.Output() while c wants Write, reporting each
	// count with c.Sent (a write may take part of it); EINTR: again;
	// EAGAIN: the socket is full, return false (the next turn asks for
	// POLLOUT); an error: c.Failed, return true. Return true once
	// everything is written.
	s.reached(todo("write", "conn.go"))
	return false
}

// !-write

// !+probe

// probe settles a readiness report for a connection that asked for no
// read: a hang-up or an error, which poll reports whatever was asked.
// Left as it is, poll reports it again at every call, and a connection
// waiting for its app would spin the loop until the app returns. A
// pending error (a reset) closes the connection: SO_ERROR reads it even
// when request bytes are still queued, which a peek would return first.
// An end of file is passed on; reported again with nothing new, the
// connection closes (see Conn.ReceivedEOF).
func (s *server) probe(c *loop.Conn) {
	// TODO(you): poll reported a connection that asked for no read:
	// find out why, or it reports it again at every call. A pending
	// error (getsockopt SO_ERROR, not zero): c.Failed. Else peek one
	// byte (recvfrom with MSG_PEEK, which leaves it in the socket): 0
	// bytes is the end of file, c.ReceivedEOF; an error other than
	// EAGAIN or EINTR, c.Failed; a byte, nothing to do (the request is
	// read when c wants it).
	s.reached(todo("probe", "conn.go"))
}

// !-probe

// !+close

// close closes c's descriptor, as c asked, and tells c.
func (s *server) close(c *loop.Conn) {
	// TODO(you): close(2) c's descriptor (log an error, there is nothing
	// else to do with it), then tell c (c.Closed).
	s.reached(todo("close", "conn.go"))
}

// !-close
