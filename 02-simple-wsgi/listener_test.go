package main

import (
	"os"
	"testing"

	"golang.org/x/sys/unix"

	"lbws/shared/apps"
)

// serve owns the descriptor it is given: when it cannot even start (here
// the descriptor is a pipe, whose address cannot be read), it still
// closes it.
func TestServeClosesItsListenerWhenItCannotStart(t *testing.T) {
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	fd, err := unix.Dup(int(r.Fd()))
	if err != nil {
		t.Fatal(err)
	}
	r.Close()
	if err := serve(make(chan struct{}), fd, config{App: apps.Mux(0)}); err == nil {
		t.Fatal("serve on a pipe returned nil")
	}
	if _, err := unix.FcntlInt(uintptr(fd), unix.F_GETFD, 0); err != unix.EBADF {
		unix.Close(fd)
		t.Fatalf("descriptor still open after serve failed (fcntl: %v)", err)
	}
}
