package blocking

import (
	"bytes"
	"errors"
	"io"
	"os"
	"slices"
	"time"

	"lbws/shared/http1"
)

// !+readfirst

// readFirst reads the body of req from body, up to bound bytes, before
// the app runs, and returns what the app reads as wsgi.input: the body
// from memory if it ended within the bound, else the bytes read followed
// by the rest, streamed from the connection. An error (a malformed or
// oversized body, a timeout, a client that left) comes back before the
// app has seen the request, so the server answers it itself: an app that
// does not read its body cannot answer 200 to a broken one.
func readFirst(body io.Reader, req *http1.Request, bound int) (io.Reader, error) {
	if !req.HasBody() {
		return body, nil
	}
	n := req.BodyBuffer(bound)
	buf := make([]byte, 0, min(n, 4<<10))
	for len(buf) < n {
		if len(buf) == cap(buf) {
			buf = slices.Grow(buf, min(cap(buf), n-len(buf)))
		}
		k, err := body.Read(buf[len(buf):min(cap(buf), n)])
		buf = buf[:len(buf)+k]
		if err == io.EOF {
			return bytes.NewReader(buf), nil
		}
		if err != nil {
			return nil, err
		}
	}
	return io.MultiReader(bytes.NewReader(buf), body), nil
}

// !-readfirst

// refuseBody answers a request whose body failed before the app ran: a
// malformed or oversized body gets its status, a body that did not arrive
// in time 408 (RFC 9110 15.5.9), logged always (a slow client holds the
// connection); a client that left gets nothing, and a line only with -v
// (its doing, not the server's). Where the failed body ends is unknown,
// so the connection ends after it (RFC 9112 6.3).
func (s *Server) refuseBody(c *Conn, req *http1.Request, err error, start time.Time) {
	var perr *http1.Error
	switch {
	case errors.As(err, &perr):
		s.logf(s.Verbose, "%s %s %s %d %s (%v)", c.RemoteAddr(), req.Method, req.Target, perr.Status, perr.Reason, since(start))
		s.sendError(c, perr.Status, perr.Reason)
	case errors.Is(err, os.ErrDeadlineExceeded):
		s.logf(true, "%s %s %s: request body not received within %v: 408", c.RemoteAddr(), req.Method, req.Target, s.BodyTimeout)
		s.sendError(c, 408, "request body not received within "+s.BodyTimeout.String())
	default:
		s.logf(s.Verbose, "%s %s %s: %v", c.RemoteAddr(), req.Method, req.Target, err)
	}
}
