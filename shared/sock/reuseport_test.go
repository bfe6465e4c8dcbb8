package sock

import (
	"errors"
	"net"
	"testing"

	"golang.org/x/sys/unix"
)

// ListenGroup binds every socket to the port the first one got.
func TestListenGroupSharesOnePort(t *testing.T) {
	fds, err := ListenGroup("127.0.0.1:0", 3)
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		for _, fd := range fds {
			unix.Close(fd)
		}
	}()
	if len(fds) != 3 {
		t.Fatalf("%d sockets; want 3", len(fds))
	}
	first, _ := LocalAddr(fds[0])
	for _, fd := range fds[1:] {
		if a, _ := LocalAddr(fd); a != first {
			t.Errorf("socket bound to %s; want %s like the first", a, first)
		}
	}
	c, err := net.Dial("tcp", first)
	if err != nil {
		t.Fatalf("dial the group: %v", err)
	}
	c.Close()
}

// A plain Listen on the group's port fails: SO_REUSEPORT is what lets
// the group share it.
func TestListenGroupPortIsTaken(t *testing.T) {
	fds, err := ListenGroup("127.0.0.1:0", 2)
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		for _, fd := range fds {
			unix.Close(fd)
		}
	}()
	addr, _ := LocalAddr(fds[0])
	if fd, err := Listen(addr); err == nil {
		unix.Close(fd)
		t.Fatalf("Listen(%s) succeeded on a port the group holds", addr)
	}
}

// A second group on the port of a first is refused, whatever its size:
// the first socket of a group binds without SO_REUSEPORT, so only the
// group's own sockets share the port.
func TestListenGroupRefusesAnotherGroup(t *testing.T) {
	fds, err := ListenGroup("127.0.0.1:0", 2)
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		for _, fd := range fds {
			unix.Close(fd)
		}
	}()
	addr, _ := LocalAddr(fds[0])
	for _, n := range []int{1, 2} {
		more, err := ListenGroup(addr, n)
		if err == nil {
			for _, fd := range more {
				unix.Close(fd)
			}
			t.Errorf("ListenGroup(%s, %d) succeeded on a port another group holds", addr, n)
		} else if !errors.Is(err, unix.EADDRINUSE) {
			t.Errorf("ListenGroup(%s, %d): %v; want address already in use", addr, n, err)
		}
	}
}
