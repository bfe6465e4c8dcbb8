package sock

import (
	"fmt"
)

// Accept waits for the next connection on the listening descriptor lfd and
// returns it as a blocking Conn. A signal delivered while it waits does not
// end the wait (EINTR is retried). To be able to stop a goroutine blocked
// here, use a Listener.
func Accept(lfd int) (*Conn, error) {
	fd, sa, err := accept4(lfd, 0)
	if err != nil {
		return nil, fmt.Errorf("sock: accept: %w", err)
	}
	return NewConn(fd, AddrString(sa)), nil
}

// AcceptNonblock is Accept for readiness loops: the new descriptor is
// non-blocking from the start, and when no connection is waiting it
// returns at once with an error that wraps unix.EAGAIN.
func AcceptNonblock(lfd int) (fd int, remote string, err error) {
	fd, sa, err := accept4(lfd, nonblockFlag)
	if err != nil {
		return -1, "", fmt.Errorf("sock: accept: %w", err)
	}
	return fd, AddrString(sa), nil
}
