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

// Where shutdown cannot wake accept (macOS), Close connects to the
// listener instead and Accept drops that connection. Linux does not need
// it, but the path is exercised here directly.
func TestListenerWakeByConnecting(t *testing.T) {
	for _, addr := range []string{"127.0.0.1:0", "0.0.0.0:0"} {
		lfd, err := Listen(addr)
		if err != nil {
			t.Fatal(err)
		}
		l := NewListener(lfd)
		errc := make(chan error, 1)
		go func() {
			_, err := l.Accept()
			errc <- err
		}()
		time.Sleep(20 * time.Millisecond)
		l.mu.Lock()
		l.closing, l.woken = true, true
		err = wake(lfd)
		l.mu.Unlock()
		if err != nil {
			t.Fatalf("%s: wake: %v", addr, err)
		}
		select {
		case err := <-errc:
			if !errors.Is(err, ErrClosed) {
				t.Fatalf("%s: Accept after wake = %v; want ErrClosed", addr, err)
			}
		case <-time.After(5 * time.Second):
			t.Fatalf("%s: Accept still blocked 5s after wake", addr)
		}
	}
}
