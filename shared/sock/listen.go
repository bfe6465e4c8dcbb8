package sock

import (
	"fmt"
	"net/netip"
	"strconv"

	"golang.org/x/sys/unix"
)

// Backlog is the length of the queue of connections the kernel has
// completed (the three-way handshake is done) but the server has not yet
// accepted. The article's simple server passes 1, which is enough for one
// curl at a time. Under the article's load, wrk -c1000 opens 1000
// connections at once; with a short queue the kernel drops the SYNs that
// do not fit and the clients retry after one second, then three, which
// wrk reports as connect errors and timeouts that belong to the queue,
// not to the server's concurrency model. 4096 holds every wrk connection.
// Linux silently caps the value at net.core.somaxconn (4096 by default
// since Linux 5.4; 128 before).
const Backlog = 4096

// Listen creates a TCP socket bound to addr ("host:port"; an empty host
// means every IPv4 address, port 0 lets the kernel pick one) and makes it
// listen with Backlog. It returns the listening file descriptor; the
// caller closes it with unix.Close.
func Listen(addr string) (fd int, err error) {
	ap, err := resolve(addr)
	if err != nil {
		return -1, fmt.Errorf("sock: listen %s: %w", addr, err)
	}
	sa, err := sockaddr(ap)
	if err != nil {
		return -1, fmt.Errorf("sock: listen %s: %w", addr, err)
	}
	fd, err = listenOn(ap.Addr().Is6(), sa)
	if err != nil {
		return -1, fmt.Errorf("sock: listen %s: %w", addr, err)
	}
	return fd, nil
}

// !+listen

// listenOn runs socket, setsockopt, bind and listen, closing the socket
// again if any step fails.
func listenOn(ip6 bool, sa unix.Sockaddr) (int, error) {
	family := unix.AF_INET
	if ip6 {
		family = unix.AF_INET6
	}
	fd, err := socket(family)
	if err != nil {
		return -1, err
	}
	// SO_REUSEADDR lets a restarted server bind the port while connections
	// of its previous run still sit in TIME_WAIT, as the article does.
	if err := unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_REUSEADDR, 1); err != nil {
		unix.Close(fd)
		return -1, fmt.Errorf("setsockopt SO_REUSEADDR: %w", err)
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

// !-listen

// LocalAddr returns the address fd is bound to, "127.0.0.1:41235": after
// Listen(":0") it tells which port the kernel chose.
func LocalAddr(fd int) (string, error) {
	sa, err := unix.Getsockname(fd)
	if err != nil {
		return "", fmt.Errorf("sock: getsockname: %w", err)
	}
	return AddrString(sa), nil
}

// resolve turns "host:port" into an address and port. IP literals are
// parsed directly; a name such as "localhost" is looked up in /etc/hosts
// and its first address is used.
func resolve(addr string) (netip.AddrPort, error) {
	host, port, err := SplitHostPort(addr)
	if err != nil {
		return netip.AddrPort{}, err
	}
	pn, err := parsePort(port)
	if err != nil {
		return netip.AddrPort{}, err
	}
	if host == "" {
		return netip.AddrPortFrom(netip.IPv4Unspecified(), uint16(pn)), nil
	}
	ip, err := netip.ParseAddr(host)
	if err != nil {
		ip, err = lookupHost(host)
		if err != nil {
			return netip.AddrPort{}, err
		}
	}
	return netip.AddrPortFrom(ip.Unmap(), uint16(pn)), nil // Unmap keeps the zone
}

// sockaddr converts an address and port to the kernel's form. An IPv6
// zone ("fe80::1%eth0", or a number) becomes the scope id, the index of
// the interface a link-local address belongs to.
func sockaddr(ap netip.AddrPort) (unix.Sockaddr, error) {
	if ap.Addr().Is4() {
		return &unix.SockaddrInet4{Port: int(ap.Port()), Addr: ap.Addr().As4()}, nil
	}
	sa := &unix.SockaddrInet6{Port: int(ap.Port()), Addr: ap.Addr().As16()}
	if zone := ap.Addr().Zone(); zone != "" {
		if n, err := strconv.ParseUint(zone, 10, 32); err == nil {
			sa.ZoneId = uint32(n)
		} else {
			index, err := zoneIndex(zone)
			if err != nil {
				return nil, fmt.Errorf("zone %q: %w", zone, err)
			}
			sa.ZoneId = index
		}
	}
	return sa, nil
}

// AddrString formats a socket address the way net does: "1.2.3.4:80",
// "[::1]:80", "[fe80::1%eth0]:80", and an IPv4 client of a dual-stack
// listener ("[::ffff:1.2.3.4]:80" to the kernel) as "1.2.3.4:80". Other
// families (a Unix socket) print as "?".
func AddrString(sa unix.Sockaddr) string {
	switch a := sa.(type) {
	case *unix.SockaddrInet4:
		return netip.AddrPortFrom(netip.AddrFrom4(a.Addr), uint16(a.Port)).String()
	case *unix.SockaddrInet6:
		ip := netip.AddrFrom16(a.Addr).Unmap()
		if a.ZoneId != 0 && ip.Is6() {
			ip = ip.WithZone(zoneName(a.ZoneId))
		}
		return netip.AddrPortFrom(ip, uint16(a.Port)).String()
	}
	return "?"
}

// zoneName is the name of interface index, or the number if it has none.
func zoneName(index uint32) string {
	if name, err := interfaceName(index); err == nil {
		return name
	}
	return strconv.FormatUint(uint64(index), 10)
}
