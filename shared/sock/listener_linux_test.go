package sock

import (
	"errors"
	"net"
	"os/exec"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// Close wakes a goroutine that is blocked in accept (on Linux through
// shutdown(SHUT_RD); built with -tags sockportable, through the macOS
// code's own connection, for a listener on one address and on all), and
// the descriptor is closed once Accept has returned.
func TestListenerCloseWakesBlockedAccept(t *testing.T) {
	for _, addr := range []string{"127.0.0.1:0", "0.0.0.0:0", "[::1]:0"} {
		lfd, err := Listen(addr)
		if err != nil {
			if addr == "[::1]:0" {
				t.Logf("no IPv6 loopback: %v", err)
				continue
			}
			t.Fatal(err)
		}
		l := NewListener(lfd)
		errc := make(chan error, 1)
		blockedIn(t, func() {
			c, err := l.Accept()
			if err == nil {
				c.Close()
			}
			errc <- err
		}, acceptCalls...)
		if err := l.Close(); err != nil {
			t.Fatalf("%s: Close: %v", addr, err)
		}
		select {
		case err := <-errc:
			if !errors.Is(err, ErrClosed) {
				t.Fatalf("%s: Accept after Close = %v; want ErrClosed", addr, err)
			}
		case <-time.After(5 * time.Second):
			t.Fatalf("%s: Accept still blocked 5s after Close", addr)
		}
		if _, err := unix.FcntlInt(uintptr(lfd), unix.F_GETFD, 0); err != unix.EBADF {
			t.Fatalf("%s: listening fd still open after Accept returned (fcntl: %v)", addr, err)
		}
	}
}

// A process can be started while another goroutine waits in Accept:
// os/exec takes syscall.ForkLock for writing, so Accept must not hold it
// for reading while it waits (it did on macOS; -tags sockportable runs
// that code here).
func TestExecWhileAcceptWaits(t *testing.T) {
	lfd, addr := listen(t, "127.0.0.1:0")
	l := NewListener(lfd)
	done := make(chan struct{})
	blockedIn(t, func() {
		c, err := l.Accept()
		if err == nil {
			c.Close()
		}
		close(done)
	}, acceptCalls...)
	ran := make(chan error, 1)
	go func() { ran <- exec.Command("true").Run() }()
	select {
	case err := <-ran:
		if err != nil {
			t.Fatalf("exec true: %v", err)
		}
	case <-time.After(5 * time.Second):
		// Let Accept return so the test can end.
		if c, err := net.Dial("tcp", addr); err == nil {
			c.Close()
		}
		t.Fatal("starting a process waited 5s for a blocked Accept")
	}
	l.Close()
	<-done
}

// Accept keeps the promise of its doc comment: once Close has returned,
// it returns ErrClosed, even for a connection accept(2) had already
// taken off the queue while Close ran; that connection is closed.
func TestAcceptAfterCloseNeverReturnsAConnection(t *testing.T) {
	lfd, addr := listen(t, "127.0.0.1:0")
	l := NewListener(lfd)
	inWindow, release := make(chan struct{}), make(chan struct{})
	afterAccept = func() { close(inWindow); <-release }
	t.Cleanup(func() { afterAccept = nil })
	type result struct {
		c   *Conn
		err error
	}
	resc := make(chan result, 1)
	go func() {
		c, err := l.Accept()
		resc <- result{c, err}
	}()
	client, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()
	<-inWindow // accept(2) returned the client's connection
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	close(release)
	res := <-resc
	if res.err == nil {
		res.c.Close()
		t.Fatal("Accept returned a connection after Close returned nil")
	}
	if !errors.Is(res.err, ErrClosed) {
		t.Fatalf("Accept = %v; want ErrClosed", res.err)
	}
	client.SetReadDeadline(time.Now().Add(5 * time.Second))
	if _, err := client.Read(make([]byte, 1)); err == nil {
		t.Fatal("the connection Accept dropped is still open")
	}
}
