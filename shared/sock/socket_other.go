//go:build !linux

package sock

import (
	"fmt"
	"syscall"

	"golang.org/x/sys/unix"
)

// socket creates a TCP socket. macOS has no SOCK_CLOEXEC flag, so
// close-on-exec is set by a second call while syscall.ForkLock is held,
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

// accept4 emulates Linux's accept4 with accept plus fcntl calls under
// syscall.ForkLock, and retries on EINTR. The only flag it knows is
// unix.O_NONBLOCK (passed by AcceptNonblock).
func accept4(fd, flags int) (int, unix.Sockaddr, error) {
	syscall.ForkLock.RLock()
	defer syscall.ForkLock.RUnlock()
	for {
		nfd, sa, err := unix.Accept(fd)
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return -1, nil, err
		}
		unix.CloseOnExec(nfd)
		if flags&unix.O_NONBLOCK != 0 {
			if err := unix.SetNonblock(nfd, true); err != nil {
				unix.Close(nfd)
				return -1, nil, err
			}
		}
		return nfd, sa, nil
	}
}

// nonblockFlag asks accept4 for a non-blocking descriptor.
const nonblockFlag = unix.O_NONBLOCK
