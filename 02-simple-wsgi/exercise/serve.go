package main

import (
	"errors"
	"fmt"
	"io"
	"log"
	"time"

	"lbws/shared/gateway"
	"lbws/shared/http1"
	"lbws/shared/sock"
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

// server is what the accept loop and the exchanges share.
type server struct {
	cfg config         // limits, timeouts, logging
	gw  gateway.Server // runs cfg.App for a parsed request
	ln  *sock.Listener // the listening socket
	log *log.Logger    // cfg.Log
}

// errNotImplemented is what each function below returns until you write
// it; the server exits with it, so the grader shows you which one is
// next.
var errNotImplemented = errors.New("not implemented")

// todo is the error of a function not written yet.
func todo(fn string) error {
	return fmt.Errorf("%s: %w (TODO(you) in 02-simple-wsgi/exercise/serve.go; hints in hints.md)", fn, errNotImplemented)
}

// serve accepts connections on the listening socket lfd and serves one
// request on each, one connection at a time, until stop is closed; then
// it finishes the connection in progress and returns nil.
func serve(stop <-chan struct{}, lfd int, cfg config) error {
	ln := sock.NewListener(lfd)
	defer ln.Close()
	local, err := sock.LocalAddr(lfd)
	if err != nil {
		return err
	}
	host, port, err := sock.SplitHostPort(local)
	if err != nil {
		return fmt.Errorf("listening address %q: %w", local, err)
	}
	s := &server{cfg: cfg, ln: ln, log: cfg.Log,
		gw: gateway.Server{App: cfg.App, Name: host, Port: port, Log: cfg.Log}}
	done := make(chan struct{})
	defer close(done)
	go func() {
		select {
		case <-stop:
			// Closing the listener wakes a blocked accept, which
			// returns sock.ErrClosed. The connection in progress, if
			// any, is finished first: the loop is busy with it.
			ln.Close()
		case <-done:
		}
	}()
	return s.acceptLoop()
}

// acceptLoop accepts one connection at a time, serves one exchange on it
// and closes it. It returns nil once the listener is closed, and an error
// only if the listening socket itself fails.
func (s *server) acceptLoop() error {
	// TODO(you): loop: take the next connection with stage.Accept(s.ln,
	// s.log); sock.ErrClosed means the server is stopping (return nil),
	// another error is the listener failing (return it). Serve one
	// exchange on the connection, log its error, and close it.
	return todo("acceptLoop")
}

// exchange reads one request from c, runs the app through the gateway
// and writes its response, which says "Connection: close" (RFC 9112
// section 9.6); a malformed request gets its status instead. Then it
// closes gently (see linger). It returns an error that ended the
// exchange early, for the log; the caller closes c.
func (s *server) exchange(c *sock.Conn) error {
	// TODO(you): read one request head with an http1.Reader on c, by
	// s.cfg.HeaderTimeout (c.SetReadDeadline); read its whole body, by
	// s.cfg.BodyTimeout. A head or body that fails is refused, as the
	// stage does: an *http1.Error with its status, a timeout
	// (os.ErrDeadlineExceeded) with 408 (RFC 9110 section 15.5.9):
	// write http1.ErrorResponse(status, reason), then linger. Run
	// s.gw.ServeWith with gateway.ExchangeOptions{Close: true}, its
	// writes by s.cfg.WriteTimeout (c.SetWriteDeadline, as before a
	// refusal); linger.
	return todo("exchange")
}

// linger closes gently: it shuts down the sending side, so the client
// reads the end of the response, then reads and discards what the client
// still sends, until it closes, for at most a quarter second. Closing a
// socket with unread bytes in it sends a reset instead, and the client
// may lose the response it has not read yet (RFC 9112 section 9.6).
func linger(c *sock.Conn) {
	if err := c.CloseWrite(); err != nil {
		return
	}
	c.SetReadDeadline(time.Now().Add(250 * time.Millisecond))
	io.CopyN(io.Discard, c, 256<<10)
}
