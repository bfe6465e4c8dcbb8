package blocking

import (
	"errors"
	"io"
	"log"
	"os"
	"time"

	"lbws/shared/gateway"
	"lbws/shared/http1"
	"lbws/shared/stage"
)

// lingerTimeout and lingerBytes bound the lingering close (see linger).
// net/http waits 500 ms; the client normally closes within one round trip
// of reading "Connection: close", so 250 ms is plenty and costs a server
// that serves one connection at a time little when a client does not
// close.
const (
	lingerTimeout = 250 * time.Millisecond
	lingerBytes   = 256 << 10
)

// Server serves connections with blocking I/O. Its fields are set before
// the first ServeConn and not changed after; one Server may serve many
// connections at once.
type Server struct {
	Gateway   gateway.Server // runs the App for each request (SERVER_NAME, SERVER_PORT, wsgi.multi*)
	Limits    http1.Limits   // request size limits; zero fields mean the defaults
	KeepAlive bool           // serve further requests on a connection that allows it (RFC 9112 9.3)

	HeaderTimeout time.Duration // from accept (or a request's first byte) to a complete head; 0: none
	BodyTimeout   time.Duration // from the head to the end of the body; 0: none
	IdleTimeout   time.Duration // wait for the next request on a kept-alive connection; 0: HeaderTimeout
	WriteTimeout  time.Duration // each write of a response; 0: none
	BodyBuffer    int           // bytes of a request body read before the app runs (see readFirst); 0: stage.DefaultBodyBuffer

	Verbose bool        // log one line per request
	Log     *log.Logger // where the lines go; nil discards them
}

// ServeConn serves requests on c until the connection is done: the
// client closed, a request or response failed, the response said
// "Connection: close", or Stop was called. It closes gently (see linger)
// but leaves c open; the caller closes it.
func (s *Server) ServeConn(c *Conn) {
	c.writeTimeout = s.WriteTimeout
	r := http1.NewReader(c, s.Limits)
	r.OnContinue = func() error {
		// The client waits for this before it sends the body
		// (RFC 9110 10.1.1).
		_, err := c.Write(http1.Continue)
		return err
	}
	start := time.Now()
	if s.HeaderTimeout > 0 {
		c.sc.SetReadDeadline(start.Add(s.HeaderTimeout))
	}
	// The first request is read even after Stop: Stop has shut the
	// receiving side down, so the read returns at once, with the request
	// if it already reached the kernel.
	for first := true; ; first = false {
		if !first {
			if !c.nextRequest() {
				return
			}
			start = s.awaitNext(c)
		}
		if !s.serveOne(c, r, start, first) {
			return
		}
	}
}

// awaitNext arms the idle deadline for the next request on a kept-alive
// connection, and the header deadline from its first byte. It returns
// the time the wait began.
func (s *Server) awaitNext(c *Conn) time.Time {
	now := time.Now()
	idle := s.IdleTimeout
	if idle <= 0 {
		idle = s.HeaderTimeout
	}
	c.sc.SetReadDeadline(time.Time{})
	if idle > 0 {
		c.sc.SetReadDeadline(now.Add(idle))
	}
	if s.HeaderTimeout > 0 {
		c.firstByte = func() { c.sc.SetReadDeadline(time.Now().Add(s.HeaderTimeout)) }
	}
	return now
}

// !+serveone

// serveOne reads and answers one request. It reports whether the
// connection may carry another.
func (s *Server) serveOne(c *Conn, r *http1.Reader, start time.Time, first bool) bool {
	req, err := r.ReadRequest()
	c.firstByte = nil
	if err != nil {
		s.refuse(c, err, start, first)
		return false
	}
	// Without keep-alive, or when stopping, the response carries
	// "Connection: close" (RFC 9112 9.6) and the server closes after it;
	// Closing sees a Stop that comes while the app runs.
	opt := gateway.ExchangeOptions{Close: !s.KeepAlive || c.stopped(), Closing: c.stopped}
	if s.BodyTimeout > 0 {
		c.sc.SetReadDeadline(time.Now().Add(s.BodyTimeout))
	}
	bound := s.BodyBuffer
	if bound <= 0 {
		bound = stage.DefaultBodyBuffer
	}
	body, err := readFirst(r.Body(), req, bound)
	if err != nil {
		s.refuseBody(c, req, err, start)
		return false
	}
	res, err := s.Gateway.ServeWith(c, req, body, c.RemoteAddr(), opt)
	s.logRequest(c, req, res, err, start)
	switch {
	case err != nil:
		return false
	case !res.KeepAlive:
		s.linger(c)
		return false
	}
	return true
}

// !-serveone

// refuse handles a request that could not be read: a malformed one gets
// its status, a client too slow to send its head gets 408 (RFC 9110
// 15.5.9), and a client that left gets nothing. On a kept-alive
// connection, a client that sent nothing within the idle timeout is
// closed on without a word (RFC 9112 9.3).
func (s *Server) refuse(c *Conn, err error, start time.Time, first bool) {
	var perr *http1.Error
	switch {
	case errors.As(err, &perr):
		s.logf(s.Verbose, "%s - - %d %s (%v)", c.RemoteAddr(), perr.Status, perr.Reason, since(start))
		s.sendError(c, perr.Status, perr.Reason)
	case errors.Is(err, os.ErrDeadlineExceeded) && !first && c.received() == 0:
		s.logf(s.Verbose, "%s: idle, closing", c.RemoteAddr())
	case errors.Is(err, os.ErrDeadlineExceeded):
		// Logged always, once per connection: a slow or silent client
		// holds a server that serves one connection at a time, and the
		// operator should know.
		s.logf(true, "%s: no complete request head within %v (%d bytes received): 408",
			c.RemoteAddr(), s.HeaderTimeout, c.received())
		s.sendError(c, 408, "no complete request head within "+s.HeaderTimeout.String())
	case errors.Is(err, io.EOF):
		// Connected and closed without a request: nothing to answer.
	case errors.Is(err, http1.ErrUnreadBody):
		// The app left a body too long to skip: the connection ends
		// after the response already sent, gently, so that the unread
		// body does not turn the close into a reset (see linger).
		s.logf(s.Verbose, "%s: %v", c.RemoteAddr(), err)
		s.linger(c)
	default:
		// Reset, or closed in the middle of the head.
		s.logf(s.Verbose, "%s: %v", c.RemoteAddr(), err)
	}
}

// sendError writes a complete error response with Connection: close.
// Unread request bytes may follow a refused head (and a slow client may
// still be sending its head after a 408); linger keeps them from turning
// the close into a reset that would destroy the response. Lingering is
// bounded (lingerTimeout), so a slowloris gains nothing by it.
func (s *Server) sendError(c *Conn, status int, reason string) {
	if _, err := c.Write(http1.ErrorResponse(status, reason)); err != nil {
		s.logf(s.Verbose, "%s: sending %d: %v", c.RemoteAddr(), status, err)
		return
	}
	s.linger(c)
}

// !+linger

// linger closes the connection gently. If a socket is closed while
// unread bytes wait in its receive buffer (a body the app did not read,
// a second request the client sent early), Linux sends a reset, and the
// client may lose the response it has not read yet (RFC 9112 9.6). So
// the server first shuts down its sending side (the client reads the end
// of the response), then reads and discards until the client closes, for
// at most lingerTimeout and lingerBytes.
func (s *Server) linger(c *Conn) {
	if err := c.sc.CloseWrite(); err != nil {
		return
	}
	c.sc.SetReadDeadline(time.Now().Add(lingerTimeout))
	io.CopyN(io.Discard, c.sc, lingerBytes)
}

// !-linger
