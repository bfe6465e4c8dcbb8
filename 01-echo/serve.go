package main

import (
	"errors"
	"io"
	"log"
	"sync"
	"time"

	"lbws/shared/sock"
	"lbws/shared/stage"
)

// bufSize is how much one read(2) may return. Any size works, because
// whatever a read returns is written back before the next read; 32 KiB
// moves a large upload in few system calls.
const bufSize = 32 << 10

// config is what serve needs to know; main fills it from the flags.
type config struct {
	IdleTimeout  time.Duration // close a connection that sends nothing for this long; 0: never
	WriteTimeout time.Duration // each write back must finish within this; 0: no limit
	Verbose      bool          // log one line per connection, not only errors
	Log          *log.Logger   // where the lines go
}

// server is the state serve shares with the goroutine that waits for
// stop.
type server struct {
	cfg config         // timeouts and logging
	ln  *sock.Listener // the listening socket
	log *log.Logger    // cfg.Log

	mu       sync.Mutex // guards the fields below
	stopping bool       // stop was closed
	cur      *sock.Conn // the connection being echoed, nil between connections
}

// serve accepts connections on the listening socket lfd and echoes each
// one until its client closes, one at a time. When stop is closed it ends
// the connection in progress, closes lfd and returns nil; it returns an
// error only if the listening socket itself fails. serve owns lfd.
func serve(stop <-chan struct{}, lfd int, cfg config) error {
	s := &server{cfg: cfg, ln: sock.NewListener(lfd), log: cfg.Log}
	defer s.ln.Close()
	done := make(chan struct{})
	defer close(done)
	go s.watch(stop, done)
	for {
		c, err := stage.Accept(s.ln, s.log)
		if errors.Is(err, sock.ErrClosed) {
			return nil
		}
		if err != nil {
			return err
		}
		if !s.begin(c) {
			c.Close()
			return nil
		}
		s.echo(c)
		s.end(c)
	}
}

// watch waits for stop, then closes the listener (which wakes the accept
// loop, see sock.Listener) and shuts the connection in progress down in
// both directions, which ends a read or write blocked on it: an echo
// connection can stay open forever, so there is nothing to wait for.
func (s *server) watch(stop <-chan struct{}, done <-chan struct{}) {
	select {
	case <-done:
		return
	case <-stop:
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.stopping = true
	if err := s.ln.Close(); err != nil {
		s.log.Print(err)
	}
	if s.cur != nil {
		s.cur.Shutdown()
	}
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

// end forgets the connection in progress and closes it. The order
// matters: once closed, its descriptor number can be reused by the next
// accept, and watch must not shut that one down by mistake.
func (s *server) end(c *sock.Conn) {
	s.mu.Lock()
	s.cur = nil
	s.mu.Unlock()
	if err := c.Close(); err != nil {
		s.log.Print(err)
	}
}

// !+echo

// echo copies everything c sends back to it, until c reaches end of file
// or fails. Each read's bytes are written back in full (Conn.Write resumes
// partial writes) before the next read, so a client that half-closes gets
// every byte back before serve closes the connection.
func (s *server) echo(c *sock.Conn) {
	buf := make([]byte, bufSize)
	var total int64
	start := time.Now()
	for {
		if s.cfg.IdleTimeout > 0 {
			c.SetReadDeadline(time.Now().Add(s.cfg.IdleTimeout))
		}
		n, err := c.Read(buf)
		if n > 0 {
			if s.cfg.WriteTimeout > 0 {
				c.SetWriteDeadline(time.Now().Add(s.cfg.WriteTimeout))
			}
			if _, werr := c.Write(buf[:n]); werr != nil {
				s.log.Printf("%s: %v after %d bytes", c.RemoteAddr(), werr, total)
				return
			}
			total += int64(n)
		}
		if err == io.EOF {
			if s.cfg.Verbose {
				s.log.Printf("%s: echoed %d bytes in %v", c.RemoteAddr(), total, time.Since(start).Round(time.Microsecond))
			}
			return
		}
		if err != nil {
			// ECONNRESET: the client reset the connection; or it sent
			// nothing for the idle timeout. One line, and on to the next
			// client.
			s.log.Printf("%s: %v after %d bytes", c.RemoteAddr(), err, total)
			return
		}
	}
}

// !-echo
