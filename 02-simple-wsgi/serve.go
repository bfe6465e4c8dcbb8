package main

import (
	"errors"
	"fmt"
	"io"
	"log"
	"sync"
	"time"

	"lbws/shared/gateway"
	"lbws/shared/http1"
	"lbws/shared/sock"
	"lbws/shared/stage"
	"lbws/shared/stage/blocking"
)

// config is what serve needs to know; main fills it from the flags.
type config struct {
	App           gateway.App   // the application to serve
	Limits        http1.Limits  // request size limits; zero fields mean the defaults
	HeaderTimeout time.Duration // time from accept to a complete head; 0: none
	BodyTimeout   time.Duration // time from the head to the end of the body; 0: none
	BodyBuffer    int           // bytes of a body read before the app runs; 0: the default
	WriteTimeout  time.Duration // time for each write of the response; 0: none
	Verbose       bool          // log one line per request
	Log           *log.Logger   // where the lines go; nil discards them
}

// server is the state serve shares with the goroutine that waits for
// stop.
type server struct {
	conns *blocking.Server // serves one connection
	ln    *sock.Listener   // the listening socket
	log   *log.Logger      // accept errors

	mu       sync.Mutex     // guards the fields below
	stopping bool           // stop was closed
	cur      *blocking.Conn // the connection being served, nil between connections
}

// !+serve

// serve accepts connections on the listening socket lfd and serves one
// request on each, one connection at a time, until stop is closed; then it
// finishes the request in progress and returns nil. It returns an error
// only if the listening socket fails. serve owns lfd and closes it.
func serve(stop <-chan struct{}, lfd int, cfg config) error {
	ln := sock.NewListener(lfd)
	defer ln.Close()
	s, err := newServer(ln, cfg)
	if err != nil {
		return err
	}
	done := make(chan struct{})
	defer close(done)
	go s.watch(stop, done)
	for {
		sc, err := stage.Accept(s.ln, s.log)
		if errors.Is(err, sock.ErrClosed) {
			return nil
		}
		if err != nil {
			return err
		}
		c := blocking.NewConn(sc)
		if s.begin(c) {
			s.conns.ServeConn(c)
		}
		s.end(c)
	}
}

// !-serve

// newServer prepares the gateway for the address ln listens on.
func newServer(ln *sock.Listener, cfg config) (*server, error) {
	local, err := sock.LocalAddr(ln.Fd())
	if err != nil {
		return nil, err
	}
	host, port, err := sock.SplitHostPort(local)
	if err != nil {
		return nil, fmt.Errorf("listening address %q: %w", local, err)
	}
	if cfg.Log == nil {
		cfg.Log = log.New(io.Discard, "", 0)
	}
	return &server{
		ln:  ln,
		log: cfg.Log,
		conns: &blocking.Server{
			// One request at a time in one process: wsgi.multithread
			// and wsgi.multiprocess are both false.
			Gateway: gateway.Server{App: cfg.App, Name: host, Port: port, Log: cfg.Log},
			// One request per connection: every response says
			// "Connection: close". A server that serves one connection
			// at a time and kept it open for a second request would
			// make every other client wait for that one.
			KeepAlive:     false,
			Limits:        cfg.Limits,
			HeaderTimeout: cfg.HeaderTimeout,
			BodyTimeout:   cfg.BodyTimeout,
			BodyBuffer:    cfg.BodyBuffer,
			WriteTimeout:  cfg.WriteTimeout,
			Verbose:       cfg.Verbose,
			Log:           cfg.Log,
		},
	}, nil
}

// watch waits for stop, then closes the listener, which wakes the accept
// loop (see sock.Listener), and stops the connection in progress: its
// request, if one has begun, finishes (its time is bounded by the
// timeouts), and a connection whose client has not sent a byte yet is
// ended at once (see blocking.Conn.Stop).
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
		s.cur.Stop()
	}
}

// begin records c as the connection in progress, so watch can see it. It
// returns false if the server is already stopping.
func (s *server) begin(c *blocking.Conn) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.stopping {
		return false
	}
	s.cur = c
	return true
}

// end forgets the connection and closes it.
func (s *server) end(c *blocking.Conn) {
	s.mu.Lock()
	s.cur = nil
	s.mu.Unlock()
	if err := c.Close(); err != nil {
		s.log.Print(err)
	}
}
