package sock

import (
	"errors"
	"fmt"
	"sync"
	"time"

	"golang.org/x/sys/unix"
)

// ErrClosed is returned by Listener.Accept after Close.
var ErrClosed = errors.New("sock: listener closed")

// Listener is a listening socket whose blocking Accept another goroutine
// can interrupt with Close: this is how a stage stops accepting when
// SIGTERM arrives.
//
// Closing the descriptor is not enough for that. On Linux, close(2) does
// not wake a thread blocked in accept(2) on the same descriptor (the call
// holds its own reference to the socket), and worse, the number could be
// reused by the next open file while accept is about to be called on it.
// So Close wakes the blocked accept (stopAccept: on Linux shutdown(2) with
// SHUT_RD, after which every accept on the socket fails with EINVAL; on
// macOS, which refuses to shut down a listening socket, a connection of
// its own), and the descriptor is closed by whichever side finishes last.
//
// Once Close has been called, Accept returns ErrClosed and never a
// connection: one that the kernel handed over while Close ran (a client,
// or Close's own wake-up connection) is closed at once, like every other
// connection still in the queue when a listening socket closes.
type Listener struct {
	fd int // the listening socket

	mu       sync.Mutex // guards the fields below
	inAccept bool       // a goroutine is in Accept: it closes fd after Close
	closing  bool       // Close was called
	closed   bool       // fd is closed
}

// NewListener wraps the listening socket fd, as returned by Listen. The
// Listener owns it from then on.
func NewListener(fd int) *Listener { return &Listener{fd: fd} }

// Fd returns the listening descriptor, for LocalAddr and for stages that
// hand it to other processes.
func (l *Listener) Fd() int { return l.fd }

// Accept waits for the next connection, like the package-level Accept.
// After Close it returns ErrClosed. Only one goroutine may call Accept at
// a time.
func (l *Listener) Accept() (*Conn, error) {
	l.mu.Lock()
	if l.closing {
		l.closeFd()
		l.mu.Unlock()
		return nil, ErrClosed
	}
	l.inAccept = true
	l.mu.Unlock()

	c, err := Accept(l.fd)
	if afterAccept != nil {
		afterAccept()
	}

	l.mu.Lock()
	defer l.mu.Unlock()
	l.inAccept = false
	if l.closing {
		if c != nil {
			c.Close()
		}
		l.closeFd()
		return nil, ErrClosed
	}
	return c, err
}

// afterAccept, when set by a test, runs between accept(2) returning and
// Accept taking the lock: the window in which Close may run.
var afterAccept func()

// Close stops the listener: a blocked Accept returns ErrClosed and the
// kernel refuses new connections. It may be called from any goroutine,
// more than once.
func (l *Listener) Close() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closing {
		return nil
	}
	l.closing = true
	if !l.inAccept {
		return l.closeFd()
	}
	return stopAccept(l.fd)
}

// closeFd closes the descriptor once. l.mu is held.
func (l *Listener) closeFd() error {
	if l.closed {
		return nil
	}
	l.closed = true
	if err := unix.Close(l.fd); err != nil {
		return fmt.Errorf("sock: close listener: %w", err)
	}
	return nil
}

// RetryAfter tells an accept loop what an error from Accept means.
//
// accept(2) reports some errors of the new connection rather than of the
// listening socket: a client that reset while it waited in the queue
// (ECONNABORTED), and on Linux the pending network errors of the new
// socket, which the man page says to treat like EAGAIN and retry (EPROTO,
// ENOPROTOOPT, ENETDOWN, EHOSTDOWN, ENONET, EHOSTUNREACH, EOPNOTSUPP,
// ENETUNREACH), and EPERM when a firewall rule refused the connection.
// None is a reason to stop: retry at once. A full descriptor table
// (EMFILE, ENFILE) or a short memory (ENOBUFS, ENOMEM) will pass when
// connections close: retry after pause, so the loop does not spin. Any
// other error means the listening socket itself is broken: retry is false.
func RetryAfter(err error) (pause time.Duration, retry bool) {
	for _, e := range retryNow {
		if errors.Is(err, e) {
			return 0, true
		}
	}
	for _, e := range retryLater {
		if errors.Is(err, e) {
			return ShortPause, true
		}
	}
	return 0, false
}

// ShortPause is how long RetryAfter asks an accept loop to wait when the
// process is out of descriptors or memory.
const ShortPause = 100 * time.Millisecond

// retryNow and retryLater are the accept errors RetryAfter retries (see
// there).
var (
	retryNow = []error{
		unix.EINTR, unix.ECONNABORTED, unix.EPROTO, unix.ENOPROTOOPT,
		unix.ENETDOWN, unix.EHOSTDOWN, unix.EHOSTUNREACH,
		unix.EOPNOTSUPP, unix.ENETUNREACH, unix.EPERM, errNoNet,
	}
	retryLater = []error{unix.EMFILE, unix.ENFILE, unix.ENOBUFS, unix.ENOMEM}
)
