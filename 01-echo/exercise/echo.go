package main

import (
	"errors"
	"fmt"
	"net/netip"
)

// bufSize is how much one read(2) may return. Any size works, because
// whatever a read returns is written back before the next read.
const bufSize = 32 << 10

// errNotImplemented is what each function below returns until you write
// it; serve exits with it, so the grader shows you which one is next.
var errNotImplemented = errors.New("not implemented")

// todo is the error of a function not written yet.
func todo(fn string) error {
	return fmt.Errorf("%s: %w (TODO(you) in 01-echo/exercise/echo.go; hints in hints.md)", fn, errNotImplemented)
}

// listen makes a TCP socket, lets a restarted server bind the same port
// at once (SO_REUSEADDR), binds it to ap and turns it into a listening
// queue. It returns the socket's descriptor.
func listen(ap netip.AddrPort) (int, error) {
	// TODO(you): socket(2) with SOCK_CLOEXEC, setsockopt(2)
	// SO_REUSEADDR, bind(2), listen(2) with a backlog of sock.Backlog,
	// with golang.org/x/sys/unix (add it to this file's imports, and
	// lbws/shared/sock for the backlog). Close the socket if a later
	// step fails.
	return -1, todo("listen")
}

// accept takes the next connection off the listening socket lfd and
// returns its descriptor. A signal that interrupts the wait (EINTR) is
// not an error: it waits again.
func accept(lfd int) (int, error) {
	// TODO(you): accept4(2) with SOCK_CLOEXEC (close-on-exec set on the
	// new descriptor in the same call), retried on EINTR.
	return -1, todo("accept")
}

// read reads what has arrived on fd into p, at most len(p) bytes, and
// returns how many; 0 means end of file (the client closed or
// half-closed). A signal that interrupts it (EINTR) is not an error.
func read(fd int, p []byte) (int, error) {
	// TODO(you): read(2), retried on EINTR.
	return 0, todo("read")
}

// writeAll writes every byte of p to fd. write(2) may take fewer bytes
// than it is given; the rest is written too. A signal that interrupts
// it (EINTR) is not an error.
func writeAll(fd int, p []byte) error {
	// TODO(you): write(2) in a loop until p is empty, retried on EINTR.
	return todo("writeAll")
}

// echo copies everything the client on fd sends back to it, until it
// reaches end of file (return nil) or fails (return the error). serve
// closes fd afterwards.
func echo(fd int) error {
	// TODO(you): loop: read into a buffer of bufSize; at end of file
	// return; else write back exactly what the read returned.
	return todo("echo")
}
