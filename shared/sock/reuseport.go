package sock

import (
	"fmt"

	"golang.org/x/sys/unix"
)

// ListenGroup creates n listening sockets bound to the same addr, for a
// server that runs one event loop per socket (06-epoll's -loops), and
// refuses, as Listen does, an address another socket is bound to. On
// Linux the kernel spreads incoming connections over the group by a hash
// of their addresses and ports, so each loop accepts its own share
// without any lock between them. If addr's port is 0, the first socket
// gets a port from the kernel and the others bind that one. The caller
// closes the descriptors.
//
// SO_REUSEPORT is what lets the sockets share the port, but the kernel
// lets any socket with it set join (any process of the same user:
// socket(7)), so a second server started on the port would silently take
// half the connections. Hence the first socket binds without it, which
// fails with "address already in use" if any socket holds the port, with
// SO_REUSEPORT or not; it is set on that socket only after its bind, and
// on the others before theirs, so they join the group (n == 1 never sets
// it). A second ListenGroup on the port fails the same way, as its first
// socket binds without SO_REUSEPORT. What stays open is a program of the
// same user that sets SO_REUSEPORT itself and binds after us: the kernel
// lets it join, and only a socket without SO_REUSEPORT keeps it out.
func ListenGroup(addr string, n int) ([]int, error) {
	ap, err := resolve(addr)
	if err != nil {
		return nil, fmt.Errorf("sock: listen %s: %w", addr, err)
	}
	sa, err := sockaddr(ap)
	if err != nil {
		return nil, fmt.Errorf("sock: listen %s: %w", addr, err)
	}
	var fds []int
	for i := 0; i < n; i++ {
		fd, err := listenGroupSocket(ap.Addr().Is6(), sa, i > 0, n > 1)
		if err != nil {
			for _, fd := range fds {
				unix.Close(fd)
			}
			return nil, fmt.Errorf("sock: listen %s (socket %d of %d): %w", addr, i+1, n, err)
		}
		if i == 0 {
			// Every later socket binds the port the first one got.
			if sa, err = unix.Getsockname(fd); err != nil {
				unix.Close(fd)
				return nil, fmt.Errorf("sock: listen %s: getsockname: %w", addr, err)
			}
		}
		fds = append(fds, fd)
	}
	return fds, nil
}

// listenGroupSocket is listenOn with SO_REUSEPORT (socket(7)): set before
// bind if join (a later socket of the group joins the first), else after
// bind if group (the first socket, bound alone, opens the group).
func listenGroupSocket(ip6 bool, sa unix.Sockaddr, join, group bool) (int, error) {
	family := unix.AF_INET
	if ip6 {
		family = unix.AF_INET6
	}
	fd, err := socket(family)
	if err != nil {
		return -1, err
	}
	fail := func(err error) (int, error) {
		unix.Close(fd)
		return -1, err
	}
	reusePort := func() error {
		if err := unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_REUSEPORT, 1); err != nil {
			return fmt.Errorf("setsockopt SO_REUSEPORT: %w", err)
		}
		return nil
	}
	if err := unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_REUSEADDR, 1); err != nil {
		return fail(fmt.Errorf("setsockopt SO_REUSEADDR: %w", err))
	}
	if join {
		if err := reusePort(); err != nil {
			return fail(err)
		}
	}
	if err := unix.Bind(fd, sa); err != nil {
		return fail(fmt.Errorf("bind: %w", err))
	}
	if group && !join {
		// Before listen: listen(2) is where the kernel makes the group
		// that the later sockets join.
		if err := reusePort(); err != nil {
			return fail(err)
		}
	}
	if err := unix.Listen(fd, Backlog); err != nil {
		return fail(fmt.Errorf("listen: %w", err))
	}
	return fd, nil
}
