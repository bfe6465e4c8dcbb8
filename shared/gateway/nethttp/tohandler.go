// Package nethttp joins the gateway to net/http both ways: FromHandler
// runs any net/http handler (a ServeMux, a router) as a gateway.App, and
// ToHandler serves an App with net/http. It is a package of its own so
// that the stages, which import the gateway, link neither net/http nor
// net: a process 03-fork starts per connection would pay for their
// initialisation.
package nethttp

import (
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"

	"lbws/shared/gateway"
	"lbws/shared/http1"
)

// !+tohandler

// ToHandler returns an http.Handler that serves app with net/http: the
// benchmark's reference server runs the same application code as the
// stages. The app runs on the same Exchange as under Serve, so every
// check applies: a fault is a 500 and a log line if nothing was sent,
// otherwise the connection is aborted; a request body that fails is
// answered 400, 413 or 408.
func ToHandler(app gateway.App) http.Handler {
	return Handler(&gateway.Server{App: app, Multithread: true})
}

// !-tohandler

// Handler returns an http.Handler that serves s.App with net/http, with
// s's name, port and log. SERVER_NAME and SERVER_PORT come from the
// listener's address (or the Host field) when s.Name and s.Port are
// empty.
func Handler(s *gateway.Server) http.Handler { return handler{s} }

// handler is the http.Handler of Handler.
type handler struct {
	s *gateway.Server // runs the App
}

// ServeHTTP runs the App for a net/http request. The gateway drives an
// Exchange in its event form (ServeFramed): net/http does the framing, so
// the exchange hands it the status, header fields and body bytes instead
// of encoded bytes.
func (h handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	// Echo-style apps read the body while they write the response; without
	// full duplex net/http closes the request body at the first flush.
	// The error only says the ResponseWriter cannot do it (HTTP/2).
	_ = http.NewResponseController(w).EnableFullDuplex()
	fr := &gateway.FramedRequest{
		Method:           r.Method,
		Target:           r.RequestURI,
		Path:             r.URL.Path,
		RawQuery:         r.URL.RawQuery,
		Proto:            r.Proto,
		Close:            r.Close,
		Header:           r.Header,
		Host:             r.Host,
		TransferEncoding: r.TransferEncoding,
		ContentLength:    r.ContentLength,
		TLS:              r.TLS != nil,
		RemoteAddr:       r.RemoteAddr,
		LocalAddr:        r.Host,
		Body:             httpInput{r.Body},
	}
	if r.ProtoMajor == 1 && r.ProtoMinor == 0 {
		fr.Proto = "HTTP/1.0"
	}
	if a, ok := r.Context().Value(http.LocalAddrContextKey).(net.Addr); ok {
		fr.LocalAddr = a.String()
	}
	if err := checkTarget(r); err != nil {
		fr.Refuse = err.Error()
	}
	res := h.s.ServeFramed(fr, framer{w})
	if res.Abort {
		// Tells net/http to drop the connection without logging.
		panic(http.ErrAbortHandler)
	}
	if res.KeepAlive && r.Header.Get("Expect") == "" {
		// A body the app left unread must be read (RFC 9112 6.3) for
		// the connection to carry the next request. Closing it does
		// that, up to net/http's bound of 256 KiB (beyond it net/http
		// closes the connection after the response), and it must
		// happen here: in full duplex mode, net/http closes the body
		// only after it stopped watching the connection, and a body
		// that reaches its end then starts a read that collides with
		// the next request's ("invalid concurrent Body.Read call",
		// golang/go#68560).
		r.Body.Close()
	}
}

// checkTarget refuses what net/http accepts in a request-target but the
// shared parser does not: a fragment (RFC 9112 3.2: origin-form has none),
// userinfo in the absolute-form (RFC 9110 4.2.4), an empty host in it
// (RFC 9110 4.2.1), and the asterisk-form outside OPTIONS (RFC 9112
// 3.2.4).
func checkTarget(r *http.Request) error {
	switch {
	case strings.IndexByte(r.RequestURI, '#') >= 0:
		return errors.New("fragment in the request-target")
	case r.URL.User != nil:
		return errors.New("userinfo in the request-target")
	case r.URL.Scheme != "" && r.URL.Host == "":
		return errors.New("empty host in the request-target")
	case r.RequestURI == "*" && r.Method != "OPTIONS":
		return errors.New("asterisk-form outside OPTIONS")
	}
	return nil
}

// httpInput is wsgi.input under ServeHTTP: net/http's request body, whose
// read errors become what the shared parser would have returned, so the
// exchange answers them alike.
type httpInput struct {
	r io.Reader // net/http's request body
}

// Read reads the body. A body over http.MaxBytesReader's limit is 413
// (RFC 9110 15.5.14); a malformed chunked body, which net/http reports
// as a plain error, is 400 (RFC 9112 7.1). A deadline (408) and a client
// that went away are passed on.
func (in httpInput) Read(p []byte) (int, error) {
	n, err := in.r.Read(p)
	var mbe *http.MaxBytesError
	switch {
	case err == nil, errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF),
		errors.Is(err, os.ErrDeadlineExceeded), errors.Is(err, net.ErrClosed),
		errors.Is(err, http.ErrBodyReadAfterClose):
		return n, err
	case errors.As(err, &mbe):
		return n, fmt.Errorf("%w: %w", &http1.Error{Status: 413, Reason: "request body too large"}, err)
	}
	return n, fmt.Errorf("%w: %w", &http1.Error{Status: 400, Reason: "malformed request body"}, err)
}

// framer is the gateway.Framer of a net/http response.
type framer struct {
	w http.ResponseWriter // net/http's response
}

// Head hands the status and header fields to net/http.
func (f framer) Head(code int, reason string, headers []gateway.Header, contentLength int64, close bool) error {
	h := f.w.Header()
	for _, hf := range headers {
		h.Add(hf.Name, hf.Value)
	}
	if contentLength >= 0 && code != 204 {
		h.Set("Content-Length", strconv.FormatInt(contentLength, 10))
	}
	if close {
		h.Set("Connection", "close")
	}
	f.w.WriteHeader(code)
	return nil
}

// Body hands body bytes to net/http and flushes them, so a streamed body
// streams.
func (f framer) Body(p []byte) error {
	if _, err := f.w.Write(p); err != nil {
		return err
	}
	if fl, ok := f.w.(http.Flusher); ok {
		fl.Flush()
	}
	return nil
}
