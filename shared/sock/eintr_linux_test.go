package sock

import (
	"os"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// A signal that interrupts a blocked Read does not end it. With
// SO_RCVTIMEO set (a read deadline), Linux does not restart read(2) after
// a signal handler even with SA_RESTART: it fails with EINTR (signal(7)),
// and Conn.Read must go round again with the time left.
func TestReadRetriesAfterSignal(t *testing.T) {
	c, client := pair(t)
	c.SetReadDeadline(time.Now().Add(10 * time.Second))
	type result struct {
		n   int
		err error
	}
	resc := make(chan result, 1)
	buf := make([]byte, 16)
	tid := blockedIn(t, func() {
		n, err := c.Read(buf)
		resc <- result{n, err}
	}, unix.SYS_READ)
	// SIGURG is the signal the Go runtime itself uses to preempt
	// goroutines: its handler runs and returns, which is all we need.
	for range 5 {
		if err := unix.Tgkill(os.Getpid(), tid, syscall.SIGURG); err != nil {
			t.Fatal(err)
		}
		time.Sleep(10 * time.Millisecond)
	}
	select {
	case res := <-resc:
		t.Fatalf("Read returned (%d, %v) after signals, before any data", res.n, res.err)
	default:
	}
	client.Write([]byte("after"))
	res := <-resc
	if res.err != nil || string(buf[:res.n]) != "after" {
		t.Fatalf("Read = %q, %v; want the bytes sent after the signals", buf[:res.n], res.err)
	}
}
