package stage

import (
	"errors"
	"fmt"
	"log"
	"time"

	"golang.org/x/sys/unix"

	"lbws/shared/sock"
)

// Accept returns the next connection from ln, for a stage's accept loop.
// Errors that are no reason to stop (see sock.RetryAfter) are logged and
// retried: at once for a client that went away, after a short pause when
// the process is out of descriptors or memory, until connections close
// and accept works again. It returns sock.ErrClosed after ln.Close, and
// any other error wrapped: the listening socket itself failed.
//
// A long run of the same failure (EMFILE ten times a second) is logged
// once, when it begins, and once when it ends.
func Accept(ln *sock.Listener, logger *log.Logger) (*sock.Conn, error) {
	failed := 0
	for {
		c, err := ln.Accept()
		if err == nil {
			if failed > 0 {
				logger.Printf("accepting again after %d failed accepts", failed)
			}
			return c, nil
		}
		if errors.Is(err, sock.ErrClosed) {
			return nil, err
		}
		pause, retry := sock.RetryAfter(err)
		if !retry {
			return nil, fmt.Errorf("accept loop: %w", err)
		}
		if failed == 0 || pause == 0 {
			logger.Print(err)
		}
		failed++
		sleep(pause)
	}
}

// sleep waits for d with poll(2) on no descriptors: a plain system call.
// Out of descriptors is exactly when the accept loop sleeps, and a
// runtime that has not yet set up its timers (time.Sleep does that the
// first time) would need descriptors for its poller, and crash without.
func sleep(d time.Duration) {
	if d > 0 {
		unix.Poll(nil, int(d.Milliseconds()))
	}
}
