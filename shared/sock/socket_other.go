//go:build !linux || sockportable

// This file is what macOS (and any Unix without accept4 and SOCK_CLOEXEC)
// uses. Built with -tags sockportable it replaces socket_linux.go on Linux
// too, so its tests run there (.ci/run does that).

package sock

import (
	"fmt"
	"syscall"

	"golang.org/x/sys/unix"
)

// socket creates a TCP socket. Without a SOCK_CLOEXEC flag, close-on-exec
// is set by a second call while syscall.ForkLock is held for reading,
// which is how the standard library keeps a concurrent fork from
// inheriting the descriptor in between.
func socket(family int) (int, error) {
	syscall.ForkLock.RLock()
	defer syscall.ForkLock.RUnlock()
	fd, err := unix.Socket(family, unix.SOCK_STREAM, unix.IPPROTO_TCP)
	if err != nil {
		return -1, fmt.Errorf("socket: %w", err)
	}
	unix.CloseOnExec(fd)
	return fd, nil
}

// accept4 emulates Linux's accept4 with accept and fcntl. The accept and
// the close-on-exec that follows it run under syscall.ForkLock, like
// socket; but the lock must never be held while the thread waits for a
// client, or every fork and exec of the process (os/exec, stage 03) would
// wait for the next connection. So the listening socket is made
// non-blocking, the wait is a poll(2) outside the lock, and the accept
// under the lock returns at once (EAGAIN if another process took the
// connection first: then it waits again). Unless flags holds
// unix.O_NONBLOCK (AcceptNonblock), in which case EAGAIN is returned.
func accept4(fd, flags int) (int, unix.Sockaddr, error) {
	if err := unix.SetNonblock(fd, true); err != nil {
		return -1, nil, err
	}
	for {
		if flags&unix.O_NONBLOCK == 0 {
			if err := waitReadable(fd); err != nil {
				return -1, nil, err
			}
		}
		syscall.ForkLock.RLock()
		nfd, sa, err := unix.Accept(fd)
		if err == nil {
			unix.CloseOnExec(nfd)
		}
		syscall.ForkLock.RUnlock()
		switch {
		case err == unix.EINTR:
			continue
		case err == unix.EAGAIN && flags&unix.O_NONBLOCK == 0:
			continue
		case err != nil:
			return -1, nil, err
		}
		// BSD sockets inherit O_NONBLOCK from the listener: set the mode
		// the caller asked for.
		if err := unix.SetNonblock(nfd, flags&unix.O_NONBLOCK != 0); err != nil {
			unix.Close(nfd)
			return -1, nil, err
		}
		return nfd, sa, nil
	}
}

// waitReadable blocks until the listening socket fd has a connection to
// accept (or an error), retrying when a signal interrupts the wait.
func waitReadable(fd int) error {
	for {
		_, err := unix.Poll([]unix.PollFd{{Fd: int32(fd), Events: unix.POLLIN}}, -1)
		if err != unix.EINTR {
			return err
		}
	}
}

// errNoNet stands for Linux's ENONET, which macOS does not have; the
// value matches no error accept returns.
const errNoNet = unix.Errno(0)

// nonblockFlag asks accept4 for a non-blocking descriptor.
const nonblockFlag = unix.O_NONBLOCK

// stopAccept wakes a thread blocked in accept on the listening socket fd.
// macOS refuses to shut down a listening socket (ENOTCONN), so it
// connects to the socket instead: the waiting Accept takes that
// connection, sees that the Listener is closing, and drops it.
func stopAccept(fd int) error {
	if err := wake(fd); err != nil {
		return fmt.Errorf("sock: stopping accept: connect: %w", err)
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
