//go:build linux && !sockportable

package sock

import (
	"fmt"

	"golang.org/x/sys/unix"
)

// socket creates a TCP socket. SOCK_CLOEXEC is set in the same call, so a
// process that another goroutine forks and execs at that moment (stage 03
// re-executes itself per connection) cannot inherit it by accident.
func socket(family int) (int, error) {
	fd, err := unix.Socket(family, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, unix.IPPROTO_TCP)
	if err != nil {
		return -1, fmt.Errorf("socket: %w", err)
	}
	return fd, nil
}

// !+accept

// accept4 takes the next connection off fd's queue, close-on-exec set
// atomically (see socket), and retries when a signal interrupts the wait
// (EINTR). ECONNABORTED (a client that reset while queued) is returned:
// the caller logs it and accepts again.
func accept4(fd, flags int) (int, unix.Sockaddr, error) {
	for {
		nfd, sa, err := unix.Accept4(fd, flags|unix.SOCK_CLOEXEC)
		if err == unix.EINTR {
			continue
		}
		return nfd, sa, err
	}
}

// !-accept

// nonblockFlag asks accept4 for a non-blocking descriptor.
const nonblockFlag = unix.SOCK_NONBLOCK

// stopAccept wakes a thread blocked in accept(2) on the listening socket
// fd. On Linux, shutdown(SHUT_RD) does it: accept returns EINVAL at once,
// and so does every later accept on the socket.
func stopAccept(fd int) error {
	if err := unix.Shutdown(fd, unix.SHUT_RD); err != nil {
		return fmt.Errorf("sock: stopping accept: shutdown: %w", err)
	}
	return nil
}

// errNoNet is ENONET ("machine is not on the network"), which accept(2)
// on Linux may pass on from the new socket; RetryAfter retries it.
const errNoNet = unix.ENONET
