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
// shutdown(2) with SHUT_RD does wake it: accept returns EINVAL at once, and
// every later accept on that socket fails the same way. So Close shuts the
// socket down, and the descriptor itself is closed by whichever side
// finishes last. macOS refuses to shut down a listening socket; there
// Close wakes Accept with a connection of its own, which Accept drops.
type Listener struct {
	fd int // the listening socket

	mu       sync.Mutex
	inAccept bool // a goroutine is in Accept: it closes fd after Close
	closing  bool // Close was called
	woken    bool // Close connected to the listener to wake Accept
	closed   bool // fd is closed
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

	l.mu.Lock()
	defer l.mu.Unlock()
	l.inAccept = false
	if l.closing {
		l.closeFd()
		if err == nil && l.woken {
			c.Close() // most likely Close's own wake-up connection
			err = ErrClosed
		}
		if err != nil {
			return nil, ErrClosed
		}
	}
	return c, err
}

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
	if err := unix.Shutdown(l.fd, unix.SHUT_RD); err != nil {
		l.woken = true
		if werr := wake(l.fd); werr != nil {
			return fmt.Errorf("sock: stopping accept: shutdown: %w; connect: %w", err, werr)
		}
	}
	return nil
}

// wake connects to the listening socket fd and hangs up, so that a
// blocked accept returns. A listener bound to every address (0.0.0.0 or
// ::) is reached through loopback.
func wake(fd int) error {
	sa, err := unix.Getsockname(fd)
	if err != nil {
		return err
	}
	family := unix.AF_INET
	switch a := sa.(type) {
	case *unix.SockaddrInet4:
		if a.Addr == [4]byte{} {
			a.Addr = [4]byte{127, 0, 0, 1}
		}
	case *unix.SockaddrInet6:
		family = unix.AF_INET6
		if a.Addr == [16]byte{} {
			a.Addr[15] = 1
		}
	}
	s, err := socket(family)
	if err != nil {
		return err
	}
	defer unix.Close(s)
	return unix.Connect(s, sa)
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

// RetryAfter tells an accept loop what an error from Accept means. A
// client that reset while it waited in the queue (ECONNABORTED, EPROTO) is
// no reason to stop: retry at once. A full descriptor table (EMFILE,
// ENFILE) or a short memory (ENOBUFS, ENOMEM) will pass when connections
// close: retry after pause, so the loop does not spin. Any other error
// means the listening socket itself is broken: retry is false.
func RetryAfter(err error) (pause time.Duration, retry bool) {
	switch {
	case errors.Is(err, unix.ECONNABORTED), errors.Is(err, unix.EPROTO), errors.Is(err, unix.EINTR):
		return 0, true
	case errors.Is(err, unix.EMFILE), errors.Is(err, unix.ENFILE),
		errors.Is(err, unix.ENOBUFS), errors.Is(err, unix.ENOMEM):
		return 100 * time.Millisecond, true
	}
	return 0, false
}
