package sock

import (
	"errors"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// On Linux, Close wakes a goroutine blocked in Accept (through
// shutdown(SHUT_RD)), and the descriptor is closed once Accept returned.
func TestListenerCloseWakesAccept(t *testing.T) {
	lfd, err := Listen("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	l := NewListener(lfd)
	errc := make(chan error, 1)
	go func() {
		c, err := l.Accept()
		if err == nil {
			c.Close()
		}
		errc <- err
	}()
	time.Sleep(20 * time.Millisecond)
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-errc:
		if !errors.Is(err, ErrClosed) {
			t.Fatalf("Accept after Close = %v; want ErrClosed", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Accept still blocked 5s after Close")
	}
	if _, err := unix.FcntlInt(uintptr(lfd), unix.F_GETFD, 0); err != unix.EBADF {
		t.Fatalf("listening fd still open after Accept returned (fcntl: %v)", err)
	}
}
