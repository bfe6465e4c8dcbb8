package sock

import (
	"net"
	"net/netip"
	"testing"

	"golang.org/x/sys/unix"
)

// An IPv4 client of a listener on [::] (dual stack) is reported the way
// net reports it, "127.0.0.1:port", not "[::ffff:127.0.0.1]:port".
func TestDualStackRemoteAddr(t *testing.T) {
	lfd, err := Listen("[::]:0")
	if err != nil {
		t.Skipf("no IPv6 here: %v", err)
	}
	defer unix.Close(lfd)
	addr, err := LocalAddr(lfd)
	if err != nil {
		t.Fatal(err)
	}
	_, port, _ := net.SplitHostPort(addr)
	client, err := net.Dial("tcp4", "127.0.0.1:"+port)
	if err != nil {
		t.Skipf("listener on [::] does not take IPv4 here: %v", err)
	}
	defer client.Close()
	c, err := Accept(lfd)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if got, want := c.RemoteAddr(), client.LocalAddr().String(); got != want {
		t.Errorf("RemoteAddr = %q; want %q, as net prints it", got, want)
	}
}

// An IPv6 zone survives the trip to the kernel's address and back.
func TestIPv6ZoneKept(t *testing.T) {
	lo, err := loopbackInterface()
	if err != nil {
		t.Skip(err)
	}
	for _, zone := range []string{lo.Name, "1"} {
		ap, err := resolve("[fe80::1%" + zone + "]:80")
		if err != nil {
			t.Fatalf("resolve: %v", err)
		}
		sa, err := sockaddr(ap)
		if err != nil {
			t.Fatalf("sockaddr(%v): %v", ap, err)
		}
		s6, ok := sa.(*unix.SockaddrInet6)
		if !ok {
			t.Fatalf("sockaddr(%v) = %T; want IPv6", ap, sa)
		}
		want := uint32(lo.Index)
		if zone == "1" {
			want = 1
		}
		if s6.ZoneId != want {
			t.Errorf("zone %q: scope id %d; want %d", zone, s6.ZoneId, want)
		}
	}
	sa := &unix.SockaddrInet6{Port: 80, Addr: netip.MustParseAddr("fe80::1").As16(), ZoneId: uint32(lo.Index)}
	if got, want := AddrString(sa), "[fe80::1%"+lo.Name+"]:80"; got != want {
		t.Errorf("AddrString = %q; want %q", got, want)
	}
	if _, err := Listen("[fe80::1%no-such-interface]:0"); err == nil {
		t.Error("Listen with an unknown zone succeeded")
	}
}

// loopbackInterface returns the loopback interface.
func loopbackInterface() (*net.Interface, error) {
	ifs, err := net.Interfaces()
	if err != nil {
		return nil, err
	}
	for i := range ifs {
		if ifs[i].Flags&net.FlagLoopback != 0 {
			return &ifs[i], nil
		}
	}
	return nil, net.UnknownNetworkError("no loopback interface")
}
