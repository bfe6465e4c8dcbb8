package main

import (
	"errors"
	"fmt"
	"io"
	"log"
	"sync"
	"time"

	"golang.org/x/sys/unix"

	"lbws/shared/sock"
)

// bufSize is how much one read(2) may return. Any size works, because
// whatever a read returns is written back before the next read; 32 KiB
// moves a large upload in few system calls.
const bufSize = 32 << 10

// server is the state serve shares with the goroutine that waits for
// stop. Everything below mu is guarded by it.
type server struct {
	lfd int         // listening socket
	log *log.Logger // one line per connection event

	mu       sync.Mutex
	stopping bool       // stop was closed: the next accept error ends serve
	closed   bool       // lfd is closed: its number may belong to another file now
	cur      *sock.Conn // the connection being echoed, nil between connections
}

// serve accepts connections on the listening socket lfd and echoes each
// one until its client closes, one at a time. When stop is closed it ends
// the connection in progress, closes lfd and returns nil; it returns an
// error only if the listening socket itself fails. serve owns lfd and
// closes it before it returns.
func serve(stop <-chan struct{}, lfd int, logger *log.Logger) error {
	s := &server{lfd: lfd, log: logger}
	done := make(chan struct{})
	defer close(done)
	defer s.closeListener()
	go s.watch(stop, done)
	for {
		c, err := sock.Accept(lfd)
		if err != nil {
			if s.isStopping() {
				return nil
			}
			if err := s.acceptFailed(err); err != nil {
				return err
			}
			continue
		}
		if !s.begin(c) {
			c.Close()
			return nil
		}
		s.echo(c)
		s.end(c)
	}
}

// watch waits for stop and then wakes the accept loop. On Linux, close(2)
// of the listening descriptor does not wake a thread blocked in accept(2)
// on it (the call keeps its reference to the socket), but shutdown(2) with
// SHUT_RD does: accept returns EINVAL at once. It is one system call and
// no timer; the price is that on macOS, where shutdown of a listener is
// refused, the server stops at its next connection instead. The
// connection in progress is shut down in both directions, which ends a
// read or write blocked on it.
func (s *server) watch(stop <-chan struct{}, done <-chan struct{}) {
	select {
	case <-done:
		return
	case <-stop:
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.stopping = true
	if s.closed {
		return
	}
	if err := unix.Shutdown(s.lfd, unix.SHUT_RD); err != nil {
		s.log.Printf("shutdown listener: %v", err)
	}
	if s.cur != nil {
		s.cur.Shutdown()
	}
}

// isStopping reports whether stop has been closed.
func (s *server) isStopping() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.stopping
}

// begin records c as the connection in progress, so watch can end it. It
// returns false if the server is already stopping.
func (s *server) begin(c *sock.Conn) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.stopping {
		return false
	}
	s.cur = c
	return true
}

// end forgets the connection in progress and closes it. The order matters:
// once closed, its descriptor number can be reused by the next accept, and
// watch must not shut that one down by mistake.
func (s *server) end(c *sock.Conn) {
	s.mu.Lock()
	s.cur = nil
	s.mu.Unlock()
	if err := c.Close(); err != nil {
		s.log.Print(err)
	}
}

// closeListener closes lfd, under the lock so watch cannot shut down a
// descriptor number that has been reused.
func (s *server) closeListener() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.closed = true
	if err := unix.Close(s.lfd); err != nil {
		s.log.Printf("close listener: %v", err)
	}
}

// acceptFailed decides what an accept error means. A client that reset
// while it waited in the queue (ECONNABORTED) or a full descriptor table
// (EMFILE, ENFILE, which a later close will cure) is logged and the loop
// goes on, after a pause in the second case so it does not spin. Anything
// else means the listening socket is broken, and ends serve.
func (s *server) acceptFailed(err error) error {
	switch {
	case errors.Is(err, unix.ECONNABORTED), errors.Is(err, unix.EPROTO):
		s.log.Print(err)
		return nil
	case errors.Is(err, unix.EMFILE), errors.Is(err, unix.ENFILE),
		errors.Is(err, unix.ENOBUFS), errors.Is(err, unix.ENOMEM):
		s.log.Printf("%v; pausing 100ms", err)
		time.Sleep(100 * time.Millisecond)
		return nil
	}
	return fmt.Errorf("accept loop: %w", err)
}

// echo copies everything c sends back to it, until c reaches end of file
// or fails. Each read's bytes are written back in full (Conn.Write resumes
// partial writes) before the next read, so a client that half-closes gets
// every byte back before serve closes the connection.
func (s *server) echo(c *sock.Conn) {
	buf := make([]byte, bufSize)
	var total int64
	start := time.Now()
	for {
		n, err := c.Read(buf)
		if n > 0 {
			if _, werr := c.Write(buf[:n]); werr != nil {
				s.log.Printf("%s: %v after %d bytes", c.RemoteAddr(), werr, total)
				return
			}
			total += int64(n)
		}
		if err == io.EOF {
			s.log.Printf("%s: echoed %d bytes in %v", c.RemoteAddr(), total, time.Since(start).Round(time.Microsecond))
			return
		}
		if err != nil {
			// ECONNRESET: the client reset the connection. One line, and on
			// to the next client.
			s.log.Printf("%s: %v after %d bytes", c.RemoteAddr(), err, total)
			return
		}
	}
}
