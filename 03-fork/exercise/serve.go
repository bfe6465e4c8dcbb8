package main

import (
	"errors"
	"fmt"
	"log"
	"os"
	"syscall"
	"time"

	"lbws/shared/sock"
	"lbws/shared/stage"
)

// errNotImplemented is what each function with a TODO(you) returns until
// you write it; the server exits with it, so the grader shows you which
// one is next.
var errNotImplemented = errors.New("not implemented")

// todo is the error of a function not written yet.
func todo(fn, file string) error {
	return fmt.Errorf("%s: %w (TODO(you) in 03-fork/exercise/%s; hints in hints.md)", fn, errNotImplemented, file)
}

// serve accepts connections on the listening socket lfd and hands each
// to a new child process, until stop is closed; then it stops accepting,
// tells every child to finish, waits for them and returns nil. It
// returns an error if the listening socket fails, or the reaper does.
func serve(stop <-chan struct{}, lfd int, f stage.Flags, logger *log.Logger) error {
	ln := sock.NewListener(lfd)
	defer ln.Close()
	kids, err := newChildren(logger)
	if err != nil {
		return err
	}
	defer kids.close()
	reapErr := make(chan error, 1) // the reaper's error, sent before it closes the listener
	done := make(chan struct{})
	defer close(done)
	go func() {
		select {
		case <-stop:
		case err := <-kids.failed:
			reapErr <- err
		case <-done:
			return
		}
		ln.Close() // wakes Accept with sock.ErrClosed
	}()
	for {
		c, err := stage.Accept(ln, logger)
		if errors.Is(err, sock.ErrClosed) {
			break
		}
		if err != nil {
			kids.finish(f.Shutdown)
			return err
		}
		// os.File owns the descriptor from here: closing it closes the
		// connection's descriptor, and start must (see there).
		file := os.NewFile(uintptr(c.Fd()), "connection from "+c.RemoteAddr())
		pid, err := kids.start(file, c.RemoteAddr())
		if errors.Is(err, errNotImplemented) {
			kids.signalAll(syscall.SIGKILL)
			return err
		}
		if err != nil {
			logger.Printf("%s: %v", c.RemoteAddr(), err)
			continue
		}
		if f.Verbose {
			logger.Printf("%s: child %d", c.RemoteAddr(), pid)
		}
	}
	select {
	case err := <-reapErr:
		// Nobody reaps any more: kill the children, and exit with the
		// reaper's error.
		kids.signalAll(syscall.SIGKILL)
		return err
	default:
	}
	return kids.finish(f.Shutdown)
}

// finish tells every child to finish the request in progress (SIGTERM;
// an idle child closes its connection at once), waits up to timeout for
// them to exit, kills those still running, and reaps them all. It
// returns an error if it had to kill.
func (k *children) finish(timeout time.Duration) error {
	k.signalAll(syscall.SIGTERM)
	left := k.waitAll(timeout)
	if left == 0 {
		return nil
	}
	k.signalAll(syscall.SIGKILL)
	k.waitAll(0)
	return fmt.Errorf("shutdown: %d children still busy after %v: killed", left, timeout)
}
