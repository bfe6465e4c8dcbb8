package gateway

import (
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"

	"lbws/shared/http1"
)

// !+tohandler

// ToHandler returns an http.Handler that serves app with net/http: the
// benchmark's reference server runs the same application code as the
// stages. The app runs on the same Exchange as under Serve, so every
// check applies: a fault is a 500 and a log line if nothing was sent,
// otherwise the connection is aborted; a request body that fails is
// answered 400, 413 or 408.
func ToHandler(app App) http.Handler {
	return &Server{App: app, Multithread: true}
}

// !-tohandler

// ServeHTTP runs s.App for a net/http request, so a Server is also an
// http.Handler. It drives an Exchange in its event form: net/http does
// the framing, so the exchange hands it the status, header fields and
// body bytes instead of encoded bytes. SERVER_NAME and SERVER_PORT come
// from the listener's address (or the Host field) when s.Name and s.Port
// are empty.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	// Echo-style apps read the body while they write the response; without
	// full duplex net/http closes the request body at the first flush.
	// The error only says the ResponseWriter cannot do it (HTTP/2).
	_ = http.NewResponseController(w).EnableFullDuplex()
	x := exchangePool.Get().(*Exchange)
	defer x.Release()
	x.beginHTTP(s, w, r)
	for x.state != stateDone {
		x.step()
	}
	if x.abort != nil && x.enc.HeaderWritten() {
		// Tells net/http to drop the connection without logging.
		panic(http.ErrAbortHandler)
	}
	if x.inputErr() == nil && x.enc.KeepAlive() && r.Header.Get("Expect") == "" {
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

// beginHTTP is Start for a net/http request.
func (x *Exchange) beginHTTP(s *Server, w http.ResponseWriter, r *http.Request) {
	x.s, x.hw, x.state = s, w, stateBody
	x.method, x.target = r.Method, r.RequestURI
	version := http1.HTTP11
	if r.ProtoMajor == 1 && r.ProtoMinor == 0 {
		version = http1.HTTP10
	}
	x.enc.ResetTo(version, r.Method == "HEAD", !r.Close)
	if err := checkTarget(r); err != nil {
		x.enc.DisableKeepAlive()
		x.answer(400, err.Error())
		return
	}
	env := s.environFromHTTP(r, httpInput{r.Body})
	x.in = &env.in
	x.body = x.runApp(env)
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

// httpHead hands the status and header fields to net/http. The encoder
// still chooses the framing, so the length checks are the same as under
// Serve; net/http writes the bytes.
func (x *Exchange) httpHead(code int, reason string, headers []Header, contentLength int64) error {
	if _, err := x.enc.AppendHeader(x.sink[:0], code, reason, headers, contentLength); err != nil {
		return x.setAbort(fmt.Errorf("gateway: %w", err))
	}
	h := x.hw.Header()
	for _, f := range headers {
		h.Add(f.Name, f.Value)
	}
	if contentLength >= 0 && code != 204 {
		h.Set("Content-Length", strconv.FormatInt(contentLength, 10))
	}
	if !x.enc.KeepAlive() {
		// A failed request body, or a response whose end is the close
		// (RFC 9112 9.6).
		h.Set("Connection", "close")
	}
	x.hw.WriteHeader(code)
	return nil
}

// httpBody hands body bytes to net/http and flushes them, so a streamed
// body streams.
func (x *Exchange) httpBody(p []byte) error {
	_, n, err := x.enc.AppendChunkStart(x.sink[:0], len(p))
	if n > 0 {
		if _, werr := x.hw.Write(p[:n]); werr != nil {
			return x.setAbort(fmt.Errorf("gateway: write response: %w", werr))
		}
		if f, ok := x.hw.(http.Flusher); ok {
			f.Flush()
		}
	}
	if err != nil {
		return x.encodeError(err)
	}
	return nil
}

// environFromHTTP builds the Environ for a net/http request.
func (s *Server) environFromHTTP(r *http.Request, body io.Reader) *Environ {
	e := &Environ{
		RequestMethod:  r.Method,
		PathInfo:       r.URL.Path,
		QueryString:    r.URL.RawQuery,
		ContentType:    r.Header.Get("Content-Type"),
		ServerName:     s.Name,
		ServerPort:     s.Port,
		ServerProtocol: r.Proto,
		RequestURI:     r.RequestURI,
		Errors:         logWriter{s},
		URLScheme:      "http",
		Multithread:    s.Multithread,
		Multiprocess:   s.Multiprocess,
	}
	e.in.r = body
	e.Input = &e.in
	e.Headers = e.vars[:0]
	if r.TLS != nil {
		e.URLScheme = "https"
	}
	if r.ContentLength >= 0 && r.Header.Get("Content-Length") != "" {
		e.ContentLength = strconv.FormatInt(r.ContentLength, 10)
	}
	e.RemoteAddr, e.RemotePort = splitAddr(r.RemoteAddr)
	if e.ServerName == "" {
		e.ServerName, e.ServerPort = serverAddr(r)
	}
	for name, vs := range r.Header {
		if fieldIs(name, "Content-Type") || fieldIs(name, "Content-Length") || hasUnderscore(name) {
			// See addField.
			continue
		}
		e.addHeader(cgiName(name), strings.Join(vs, ", "))
	}
	if len(r.TransferEncoding) > 0 {
		e.setHeader("HTTP_TRANSFER_ENCODING", strings.Join(r.TransferEncoding, ", "))
	}
	e.setHeader("HTTP_HOST", r.Host)
	return e
}

// serverAddr returns the host and port the request came in on.
func serverAddr(r *http.Request) (string, string) {
	if a, ok := r.Context().Value(http.LocalAddrContextKey).(net.Addr); ok {
		return splitAddr(a.String())
	}
	return splitAddr(r.Host)
}
