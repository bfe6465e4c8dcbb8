package sock

import (
	"fmt"
	"io"
	"os"
	"time"

	"golang.org/x/sys/unix"
)

// Conn is an accepted TCP connection on a blocking file descriptor. Read
// and Write block the calling goroutine in the kernel. (On a non-blocking
// descriptor EAGAIN would be reported as a timeout: readiness loops use
// the descriptor directly instead.) A Conn is used by
// one goroutine at a time; only CloseWrite and Shutdown may be called from
// another goroutine while a Read or Write is blocked, to wake it.
type Conn struct {
	fd     int    // the socket; -1 once closed
	remote string // peer address, "127.0.0.1:50312"

	readDeadline  time.Time     // zero: reads wait forever
	writeDeadline time.Time     // zero: writes wait forever
	rcvTimeo      time.Duration // SO_RCVTIMEO now set on fd (0: none)
	sndTimeo      time.Duration // SO_SNDTIMEO now set on fd (0: none)
}

// NewConn wraps a connected blocking socket. remote is only reported by
// RemoteAddr.
func NewConn(fd int, remote string) *Conn {
	return &Conn{fd: fd, remote: remote}
}

// Fd returns the socket's file descriptor, -1 after Close.
func (c *Conn) Fd() int { return c.fd }

// RemoteAddr returns the peer's address, "127.0.0.1:50312".
func (c *Conn) RemoteAddr() string { return c.remote }

// !+read

// Read reads up to len(p) bytes with one read(2), retried when a signal
// interrupts it. It returns io.EOF when the peer has closed or shut down
// its sending side, and a timeout error (see the package comment) when
// the read deadline passes first.
func (c *Conn) Read(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	for {
		if err := c.arm(unix.SO_RCVTIMEO, c.readDeadline, &c.rcvTimeo, "read"); err != nil {
			return 0, err
		}
		n, err := unix.Read(c.fd, p)
		switch {
		case err == unix.EINTR:
			continue
		case err == unix.EAGAIN:
			// With SO_RCVTIMEO set, EAGAIN on a blocking socket means the
			// timeout expired with nothing to read.
			return 0, &timeoutError{op: "read"}
		case err != nil:
			return 0, fmt.Errorf("sock: read %s: %w", c.remote, err)
		case n == 0:
			return 0, io.EOF
		}
		return n, nil
	}
}

// !-read

// !+write

// Write writes all of p. write(2) on a socket may take only part of the
// buffer (the send buffer filled up, or a signal or SO_SNDTIMEO cut the
// call short); Write resumes with the rest until every byte is taken, an
// error occurs, or the write deadline passes. It returns how many bytes
// the kernel accepted.
func (c *Conn) Write(p []byte) (int, error) {
	done := 0
	for done < len(p) {
		if err := c.arm(unix.SO_SNDTIMEO, c.writeDeadline, &c.sndTimeo, "write"); err != nil {
			return done, err
		}
		n, err := unix.Write(c.fd, p[done:])
		if n > 0 {
			done += n
		}
		switch {
		case n == 0 && err == nil:
			// write(2) never does this for a socket and len > 0; if it
			// did, looping would spin forever.
			return done, fmt.Errorf("sock: write %s: %w", c.remote, io.ErrShortWrite)
		case err == unix.EINTR:
			continue
		case err == unix.EAGAIN:
			return done, &timeoutError{op: "write"}
		case err != nil:
			// EPIPE or ECONNRESET: the peer is gone. The Go runtime turns
			// the SIGPIPE of a write to a closed socket into this error.
			return done, fmt.Errorf("sock: write %s: %w", c.remote, err)
		}
	}
	return done, nil
}

// !-write

// SetReadDeadline makes Reads that have not finished by t fail with a
// timeout error. The zero time removes the deadline.
func (c *Conn) SetReadDeadline(t time.Time) error {
	c.readDeadline = t
	return nil
}

// SetWriteDeadline makes a Write that has not sent everything by t stop
// with a timeout error. The zero time removes the deadline.
func (c *Conn) SetWriteDeadline(t time.Time) error {
	c.writeDeadline = t
	return nil
}

// !+closewrite

// CloseWrite shuts down the sending side (shutdown(2) with SHUT_WR): the
// peer reads end of file after the bytes already written, and can still
// send to us. This is how a client says "that is all my request".
func (c *Conn) CloseWrite() error {
	if err := unix.Shutdown(c.fd, unix.SHUT_WR); err != nil {
		return fmt.Errorf("sock: shutdown write %s: %w", c.remote, err)
	}
	return nil
}

// !-closewrite

// ShutdownRead shuts down the receiving side (shutdown(2) with SHUT_RD)
// without closing the descriptor: a Read blocked in another goroutine
// returns end of file once nothing is left to read, and writes still
// work. On Linux bytes the client already sent are still read first; on
// macOS they are discarded.
func (c *Conn) ShutdownRead() error {
	if err := unix.Shutdown(c.fd, unix.SHUT_RD); err != nil {
		return fmt.Errorf("sock: shutdown read %s: %w", c.remote, err)
	}
	return nil
}

// Shutdown shuts down both directions without closing the descriptor: a
// Read or Write blocked in another goroutine returns at once (end of file
// or an error). The owner still calls Close.
func (c *Conn) Shutdown() error {
	if err := unix.Shutdown(c.fd, unix.SHUT_RDWR); err != nil {
		return fmt.Errorf("sock: shutdown %s: %w", c.remote, err)
	}
	return nil
}

// Close closes the descriptor. Closing twice returns os.ErrClosed rather
// than closing whatever descriptor reused the number.
func (c *Conn) Close() error {
	if c.fd < 0 {
		return fmt.Errorf("sock: close %s: %w", c.remote, os.ErrClosed)
	}
	fd := c.fd
	c.fd = -1
	if err := unix.Close(fd); err != nil {
		return fmt.Errorf("sock: close %s: %w", c.remote, err)
	}
	return nil
}

// arm writes the time left until deadline into the socket option opt
// (SO_RCVTIMEO or SO_SNDTIMEO) before a blocking call, so the kernel gives
// up when the deadline passes. cur remembers the value last set, to skip
// the system call when there is no deadline and none is set.
func (c *Conn) arm(opt int, deadline time.Time, cur *time.Duration, op string) error {
	var left time.Duration
	if !deadline.IsZero() {
		left = time.Until(deadline)
		if left <= 0 {
			return &timeoutError{op: op}
		}
		// The kernel counts in microseconds and reads 0 as "forever".
		left = max(left, time.Microsecond)
	}
	if left == 0 && *cur == 0 {
		return nil
	}
	tv := unix.NsecToTimeval(left.Nanoseconds())
	if left > 0 && tv.Sec == 0 && tv.Usec == 0 {
		tv.Usec = 1
	}
	if err := unix.SetsockoptTimeval(c.fd, unix.SOL_SOCKET, opt, &tv); err != nil {
		return fmt.Errorf("sock: setsockopt %s timeout: %w", op, err)
	}
	*cur = left
	return nil
}

// timeoutError is returned when a deadline passes. It matches
// os.ErrDeadlineExceeded with errors.Is and has the Timeout method that
// callers test for, as the errors of the net package do.
type timeoutError struct {
	op string // "read" or "write"
}

// Error implements error.
func (e *timeoutError) Error() string { return "sock: " + e.op + ": i/o timeout" }

// Timeout reports that the error is a timeout.
func (e *timeoutError) Timeout() bool { return true }

// Temporary is kept for callers that still test it; a timeout is one.
func (e *timeoutError) Temporary() bool { return true }

// Unwrap lets errors.Is(err, os.ErrDeadlineExceeded) hold.
func (e *timeoutError) Unwrap() error { return os.ErrDeadlineExceeded }
