package main

import (
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"lbws/shared/gateway"
	"lbws/shared/http1"
	"lbws/shared/sock"
)

// lingerTimeout and lingerBytes bound the lingering close (see linger).
// net/http waits 500 ms; the client normally closes within one round trip
// of reading "Connection: close", so 250 ms is plenty and costs an
// iterative server little when a client does not close.
const (
	lingerTimeout = 250 * time.Millisecond
	lingerBytes   = 256 << 10
)

// config is what serve needs to know; main fills it from the flags.
type config struct {
	App           gateway.App   // the application to serve
	Limits        http1.Limits  // request size limits; zero fields mean the defaults
	HeaderTimeout time.Duration // time from accept to a complete head; 0: none
	BodyTimeout   time.Duration // time from the head to the end of the body; 0: none
	WriteTimeout  time.Duration // time for each write of the response; 0: none
	Verbose       bool          // log one line per request
	Log           *log.Logger   // where the lines go
}

// server is the state serve shares with the goroutine that waits for
// stop.
type server struct {
	cfg config
	gw  gateway.Server // runs the App for each request
	ln  *sock.Listener // the listening socket

	mu       sync.Mutex // guards the fields below
	stopping bool       // stop was closed
	cur      *conn      // the connection being served, nil between connections
}

// conn is an accepted connection as the request reader and the gateway
// see it: each Write gets a fresh write deadline, and the bytes read are
// counted so that stop can tell a client that has not begun its request.
type conn struct {
	*sock.Conn
	writeTimeout time.Duration // deadline of each Write; 0: none
	got          atomic.Int64  // bytes read from the client so far
}

// Read reads from the client and counts the bytes.
func (c *conn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	c.got.Add(int64(n))
	return n, err
}

// Write sends all of p within the write timeout. The deadline is per
// Write, not per response: a long response to a client that keeps reading
// is fine, a client that stops reading fails the write.
func (c *conn) Write(p []byte) (int, error) {
	if c.writeTimeout > 0 {
		c.SetWriteDeadline(time.Now().Add(c.writeTimeout))
	}
	return c.Conn.Write(p)
}

// !+serve

// serve accepts connections on the listening socket lfd and serves one
// request on each, one connection at a time, until stop is closed; then it
// finishes the request in progress and returns nil. It returns an error
// only if the listening socket fails. serve owns lfd and closes it.
func serve(stop <-chan struct{}, lfd int, cfg config) error {
	s, err := newServer(lfd, cfg)
	if err != nil {
		return err
	}
	defer s.ln.Close()
	done := make(chan struct{})
	defer close(done)
	go s.watch(stop, done)
	for {
		sc, err := s.ln.Accept()
		if errors.Is(err, sock.ErrClosed) {
			return nil
		}
		if err != nil {
			pause, retry := sock.RetryAfter(err)
			if !retry {
				return fmt.Errorf("accept loop: %w", err)
			}
			s.cfg.Log.Print(err)
			time.Sleep(pause)
			continue
		}
		c := &conn{Conn: sc, writeTimeout: cfg.WriteTimeout}
		if s.begin(c) {
			s.handle(c)
		}
		s.end(c)
	}
}

// !-serve

// newServer prepares the gateway for the address lfd listens on.
func newServer(lfd int, cfg config) (*server, error) {
	local, err := sock.LocalAddr(lfd)
	if err != nil {
		return nil, err
	}
	host, port, err := net.SplitHostPort(local)
	if err != nil {
		return nil, fmt.Errorf("listening address %q: %w", local, err)
	}
	if cfg.Log == nil {
		cfg.Log = log.New(io.Discard, "", 0)
	}
	return &server{
		cfg: cfg,
		ln:  sock.NewListener(lfd),
		// One request at a time in one process: wsgi.multithread and
		// wsgi.multiprocess are both false.
		gw: gateway.Server{App: cfg.App, Name: host, Port: port, Log: cfg.Log},
	}, nil
}

// watch waits for stop, then closes the listener, which wakes the accept
// loop (see sock.Listener). The request in progress is left to finish; its
// time is bounded by the timeouts. A connection whose client has not sent
// a byte yet has no request in progress: it is shut down, so the server
// does not wait a header timeout for a request that may never come.
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
		s.cfg.Log.Print(err)
	}
	if s.cur != nil && s.cur.got.Load() == 0 {
		s.cur.Shutdown()
	}
}

// begin records c as the connection in progress, so watch can see it. It
// returns false if the server is already stopping.
func (s *server) begin(c *conn) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.stopping {
		return false
	}
	s.cur = c
	return true
}

// end forgets the connection and closes it. It is forgotten first: once
// closed, its descriptor number can be reused by the next accept, and
// watch must not shut that one down by mistake.
func (s *server) end(c *conn) {
	s.mu.Lock()
	s.cur = nil
	s.mu.Unlock()
	if err := c.Close(); err != nil {
		s.cfg.Log.Print(err)
	}
}

// !+handle

// handle serves the one request of connection c.
func (s *server) handle(c *conn) {
	start := time.Now()
	if s.cfg.HeaderTimeout > 0 {
		c.SetReadDeadline(start.Add(s.cfg.HeaderTimeout))
	}
	r := http1.NewReader(c, s.cfg.Limits)
	r.OnContinue = func() error {
		// The client waits for this before it sends the body
		// (RFC 9110 10.1.1).
		_, err := c.Write(http1.Continue)
		return err
	}
	req, err := r.ReadRequest()
	if err != nil {
		s.refuse(c, err, start)
		return
	}
	// One request per connection, whatever the client asked for: the
	// response carries "Connection: close" (RFC 9112 9.6) and the server
	// closes after it.
	req.KeepAlive = false
	if s.cfg.BodyTimeout > 0 {
		c.SetReadDeadline(time.Now().Add(s.cfg.BodyTimeout))
	}
	res, err := s.gw.Serve(c, req, r.Body(), c.RemoteAddr())
	s.logRequest(c, req, res, err, start)
	if err == nil {
		s.linger(c)
	}
}

// !-handle

// refuse handles a request that could not be read: a malformed one gets
// its status, a client too slow to send its head gets 408 (RFC 9110
// 15.5.9), and a client that left gets nothing.
func (s *server) refuse(c *conn, err error, start time.Time) {
	var perr *http1.Error
	switch {
	case errors.As(err, &perr):
		s.logf(s.cfg.Verbose, "%s - - %d %s (%v)", c.RemoteAddr(), perr.Status, perr.Reason, since(start))
		s.sendError(c, perr.Status, perr.Reason)
	case errors.Is(err, os.ErrDeadlineExceeded):
		// Logged always, once per connection: a slow or silent client
		// holds an iterative server, and the operator should know.
		s.logf(true, "%s: no complete request head within %v (%d bytes received): 408",
			c.RemoteAddr(), s.cfg.HeaderTimeout, c.got.Load())
		s.sendError(c, 408, "no complete request head within "+s.cfg.HeaderTimeout.String())
	case errors.Is(err, io.EOF):
		// Connected and closed without a request: nothing to answer.
	default:
		// Reset, or closed in the middle of the head.
		s.logf(s.cfg.Verbose, "%s: %v", c.RemoteAddr(), err)
	}
}

// sendError writes a complete error response with Connection: close.
// Unread request bytes may follow a refused head; linger keeps them from
// turning the close into a reset that would destroy the response.
func (s *server) sendError(c *conn, status int, reason string) {
	if _, err := c.Write(http1.ErrorResponse(status, reason)); err != nil {
		s.logf(s.cfg.Verbose, "%s: sending %d: %v", c.RemoteAddr(), status, err)
		return
	}
	if status != 408 {
		s.linger(c)
	}
}

// !+linger

// linger closes the connection gently. If a socket is closed while
// unread bytes wait in its receive buffer (a body the app did not read,
// a second request the client sent early), Linux sends a reset, and the
// client may lose the response it has not read yet (RFC 9112 9.6). So
// the server first shuts down its sending side (the client reads the end
// of the response), then reads and discards until the client closes, for
// at most lingerTimeout and lingerBytes.
func (s *server) linger(c *conn) {
	if err := c.CloseWrite(); err != nil {
		return
	}
	c.SetReadDeadline(time.Now().Add(lingerTimeout))
	io.CopyN(io.Discard, c, lingerBytes)
}

// !-linger

// logRequest writes the -v line for a served request, and always a line
// for a response the client did not take in time.
func (s *server) logRequest(c *conn, req *http1.Request, res gateway.Result, err error, start time.Time) {
	line := fmt.Sprintf("%s %s %s %d %dB %v", c.RemoteAddr(), req.Method, req.Target, res.Status, res.Bytes, since(start))
	switch {
	case errors.Is(err, os.ErrDeadlineExceeded):
		s.logf(true, "%s: %v", line, err)
	case err != nil:
		s.logf(s.cfg.Verbose, "%s: %v", line, err)
	default:
		s.logf(s.cfg.Verbose, "%s", line)
	}
}

// logf logs a line when on is true.
func (s *server) logf(on bool, format string, args ...any) {
	if on {
		s.cfg.Log.Printf(format, args...)
	}
}

// since is the time since start, rounded for a log line.
func since(start time.Time) time.Duration {
	return time.Since(start).Round(10 * time.Microsecond)
}
