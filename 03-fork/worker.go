package main

import (
	"errors"
	"fmt"
	"log"
	"sync"

	"golang.org/x/sys/unix"

	"lbws/shared/sock"
	"lbws/shared/stage"
	"lbws/shared/stage/blocking"
)

// worker is a prefork worker: it accepts on the listening socket it
// shares with its parent and the other workers, and serves one request
// per connection.
type worker struct {
	srv         *blocking.Server // serves a connection, without keep-alive
	maxRequests int              // exit after this many; 0: never
	log         *log.Logger      // accept errors, recycling

	mu       sync.Mutex     // guards the fields below
	stopping bool           // stop was closed
	cur      *blocking.Conn // the connection being served, nil while in accept
}

// serveWorker runs a prefork worker until it has served cfg.MaxRequests
// requests, the listening socket is shut down, or stop is closed. A
// worker told to stop while it waits in accept returns at once (the
// process then exits, abandoning the accept); one that is serving
// finishes the request first.
//
// The worker cannot stop its accept with sock.Listener.Close, as 02
// does: that shuts the listening socket down, and the socket is shared
// (the parent and every worker hold the same one), so it would stop
// every worker. Only the parent does that, at shutdown (stopAccepting).
func serveWorker(stop <-chan struct{}, cfg config) error {
	srv, err := newBlocking(cfg, false)
	if err != nil {
		return err
	}
	w := &worker{srv: srv, maxRequests: cfg.MaxRequests, log: cfg.Log}
	done := make(chan error, 1)
	go func() { done <- w.loop() }()
	select {
	case err := <-done:
		return err
	case <-stop:
	}
	if w.stop() {
		return nil
	}
	return <-done
}

// !+worker

// loop accepts and serves connections one at a time. Each connection
// carries one request: the response says "Connection: close", as
// gunicorn's sync worker does, so a client holds the worker for one
// request and no longer.
func (w *worker) loop() error {
	// Never closed: see serveWorker.
	ln := sock.NewListener(connFd)
	for served := 0; w.maxRequests == 0 || served < w.maxRequests; {
		sc, err := stage.Accept(ln, w.log)
		if errors.Is(err, unix.EINVAL) {
			return nil // the parent shut the listening socket down: stopping
		}
		if err != nil {
			return fmt.Errorf("worker: %w", err)
		}
		c := blocking.NewConn(sc)
		if !w.begin(c) {
			c.Close()
			return nil
		}
		w.srv.ServeConn(c)
		served++
		if !w.end(c) {
			return nil
		}
	}
	if w.srv.Verbose {
		w.log.Printf("served -max-requests %d: exiting, the parent starts a fresh worker", w.maxRequests)
	}
	return nil
}

// !-worker

// begin records c as the connection in progress; it returns false if the
// worker is stopping.
func (w *worker) begin(c *blocking.Conn) bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.stopping {
		return false
	}
	w.cur = c
	return true
}

// end closes c and reports whether the worker may accept another.
func (w *worker) end(c *blocking.Conn) bool {
	w.mu.Lock()
	w.cur = nil
	stopping := w.stopping
	w.mu.Unlock()
	if err := c.Close(); err != nil {
		w.log.Print(err)
	}
	return !stopping
}

// stop marks the worker as stopping. It returns true if the worker is
// waiting in accept, with nothing to finish; otherwise the connection in
// progress is stopped (see blocking.Conn.Stop) and loop returns after it.
func (w *worker) stop() bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.stopping = true
	if w.cur == nil {
		return true
	}
	w.cur.Stop()
	return false
}
