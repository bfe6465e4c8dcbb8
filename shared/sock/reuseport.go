package sock

import (
	"fmt"

	"golang.org/x/sys/unix"
)

// ListenGroup creates n listening sockets bound to the same addr, each
// with SO_REUSEPORT, for a server that runs one event loop per socket
// (06-epoll's -loops). On Linux the kernel spreads incoming connections
// over the group by a hash of their addresses and ports, so each loop
// accepts its own share without any lock between them. If addr's port
// is 0, the first socket gets a port from the kernel and the others bind
// that one. The caller closes the descriptors.
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
		fd, err := listenReusePort(ap.Addr().Is6(), sa)
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

// listenReusePort is listenOn with SO_REUSEPORT set before bind, which
// is what lets several sockets of one user bind the same address and port
// (socket(7)).
func listenReusePort(ip6 bool, sa unix.Sockaddr) (int, error) {
	family := unix.AF_INET
	if ip6 {
		family = unix.AF_INET6
	}
	fd, err := socket(family)
	if err != nil {
		return -1, err
	}
	for _, opt := range []struct {
		opt  int
		name string
	}{{unix.SO_REUSEADDR, "SO_REUSEADDR"}, {unix.SO_REUSEPORT, "SO_REUSEPORT"}} {
		if err := unix.SetsockoptInt(fd, unix.SOL_SOCKET, opt.opt, 1); err != nil {
			unix.Close(fd)
			return -1, fmt.Errorf("setsockopt %s: %w", opt.name, err)
		}
	}
	if err := unix.Bind(fd, sa); err != nil {
		unix.Close(fd)
		return -1, fmt.Errorf("bind: %w", err)
	}
	if err := unix.Listen(fd, Backlog); err != nil {
		unix.Close(fd)
		return -1, fmt.Errorf("listen: %w", err)
	}
	return fd, nil
}
