package sock

import (
	"errors"
	"net"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// Both the listening socket and every accepted one are close-on-exec, so
// a process that stage 03 starts inherits neither by accident.
func TestSocketsAreCloseOnExec(t *testing.T) {
	lfd, addr := listen(t, "127.0.0.1:0")
	wantCloexec(t, "listening socket", lfd)
	client, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()
	c, err := Accept(lfd)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	wantCloexec(t, "accepted socket", c.Fd())

	client2, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer client2.Close()
	fd, _, err := AcceptNonblock(lfd)
	for i := 0; i < 500 && errors.Is(err, unix.EAGAIN); i++ {
		time.Sleep(time.Millisecond)
		fd, _, err = AcceptNonblock(lfd)
	}
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(fd)
	wantCloexec(t, "socket from AcceptNonblock", fd)
}

// wantCloexec fails unless fd has FD_CLOEXEC set.
func wantCloexec(t *testing.T, what string, fd int) {
	t.Helper()
	flags, err := unix.FcntlInt(uintptr(fd), unix.F_GETFD, 0)
	if err != nil {
		t.Fatalf("%s: fcntl: %v", what, err)
	}
	if flags&unix.FD_CLOEXEC == 0 {
		t.Errorf("%s (fd %d) is not close-on-exec", what, fd)
	}
}
