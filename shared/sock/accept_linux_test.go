package sock

import (
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// On Linux, shutdown(SHUT_RD) on a listening socket wakes a thread blocked
// in accept; this is how the stages stop accepting on SIGTERM.
func TestShutdownWakesAccept(t *testing.T) {
	lfd, _ := listen(t, "127.0.0.1:0")
	errc := make(chan error, 1)
	go func() {
		c, err := Accept(lfd)
		if err == nil {
			c.Close()
		}
		errc <- err
	}()
	time.Sleep(20 * time.Millisecond)
	if err := unix.Shutdown(lfd, unix.SHUT_RD); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-errc:
		if err == nil {
			t.Fatal("Accept returned a connection after shutdown")
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Accept still blocked 5s after shutdown(SHUT_RD)")
	}
}
