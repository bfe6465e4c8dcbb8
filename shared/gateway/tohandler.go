package gateway

import (
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
)

// !+tohandler

// ToHandler returns an http.Handler that serves app with net/http: the
// benchmark's reference server runs the same application code as the
// stages. Faults of the app are handled as Serve handles them: a 500 and a
// log line if nothing was sent, otherwise the connection is aborted.
func ToHandler(app App) http.Handler {
	return &Server{App: app, Multithread: true}
}

// !-tohandler

// ServeHTTP runs s.App for a net/http request, so a Server is also an
// http.Handler. SERVER_NAME and SERVER_PORT come from the listener's
// address (or the Host field) when s.Name and s.Port are empty.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	// Echo-style apps read the body while they write the response; without
	// full duplex net/http closes the request body at the first flush.
	// The error only says the ResponseWriter cannot do it (HTTP/2).
	_ = http.NewResponseController(w).EnableFullDuplex()
	x := &httpExchange{s: s, w: w, r: r}
	b := x.runApp(s.environFromHTTP(r))
	x.iterate(b)
	x.closeBody(b)
	if x.fault == nil && !x.head.called {
		x.fault = errors.New("gateway: app returned without calling start_response")
	}
	if x.fault != nil {
		x.answerFault()
		return
	}
	if !x.committed {
		x.commit(int64(len(x.hold)))
	}
	if x.head.contentLength >= 0 && x.written != x.head.contentLength && r.Method != "HEAD" {
		// net/http closes the connection itself after a short body and
		// refuses the excess of a long one; say why in the log.
		s.logf("%s %s: %v", r.Method, r.RequestURI, ErrLengthAbused)
	}
}

// httpExchange is the state of one request served through ServeHTTP.
type httpExchange struct {
	s         *Server             // the server
	w         http.ResponseWriter // the client
	r         *http.Request       // the request
	head      responseHead        // what the app passed to start_response
	committed bool                // status and headers have gone to w
	hold      []byte              // copy of the first chunk, while the length is open
	written   int64               // body bytes given to w
	fault     error               // the first thing the app did wrong
}

// runApp calls the App, turning a panic into a fault.
func (x *httpExchange) runApp(env *Environ) (b Body) {
	defer x.recoverInto("app")
	return x.s.App(env, x.start)
}

// start is the StartResponse given to the app.
func (x *httpExchange) start(status string, headers []Header, excInfo error) (WriteFunc, error) {
	if err := x.head.start(status, headers, excInfo, x.committed); err != nil {
		x.setFault(err)
		return nil, err
	}
	if excInfo != nil {
		x.s.logf("gateway: %s %s: app error: %v", x.r.Method, x.r.RequestURI, excInfo)
	}
	return x.write, nil
}

// write is PEP 3333's write(): p is sent before it returns.
func (x *httpExchange) write(p []byte) error {
	if x.fault != nil {
		return x.fault
	}
	return x.emit(p, false)
}

// iterate sends the Body's chunks until io.EOF or a fault.
func (x *httpExchange) iterate(b Body) {
	for b != nil && x.fault == nil {
		chunk, err := x.next(b)
		switch {
		case errors.Is(err, io.EOF):
			return
		case err != nil:
			x.setFault(fmt.Errorf("gateway: body: %w", err))
		case x.fault != nil || len(chunk) == 0:
		case !x.head.called:
			x.setFault(ErrNoStart)
		default:
			if err := x.emit(chunk, true); err != nil {
				// The client went away: net/http cleans up.
				return
			}
		}
	}
}

// next calls b.Next, turning a panic into a fault.
func (x *httpExchange) next(b Body) (chunk []byte, err error) {
	defer x.recoverInto("body Next")
	return b.Next()
}

// closeBody calls b.Close, turning a panic into a fault.
func (x *httpExchange) closeBody(b Body) {
	if b == nil {
		return
	}
	defer x.recoverInto("body Close")
	if err := b.Close(); err != nil {
		x.s.logf("gateway: %s %s: body Close: %v", x.r.Method, x.r.RequestURI, err)
	}
}

// recoverInto turns a panic into a fault. It must be deferred directly.
func (x *httpExchange) recoverInto(what string) {
	if v := recover(); v != nil {
		x.setFault(fmt.Errorf("gateway: panic in %s: %v", what, v))
	}
}

// setFault records the first fault.
func (x *httpExchange) setFault(err error) {
	if x.fault == nil {
		x.fault = err
	}
}

// emit writes one chunk and flushes it; the first chunk of a body of open
// length is held back so a one-chunk body gets a Content-Length.
func (x *httpExchange) emit(chunk []byte, canHold bool) error {
	if !x.committed {
		if canHold && x.hold == nil && x.head.contentLength < 0 {
			x.hold = append([]byte{}, chunk...)
			return nil
		}
		if err := x.commit(x.head.contentLength); err != nil {
			return err
		}
	}
	if err := x.send(chunk); err != nil {
		return err
	}
	if f, ok := x.w.(http.Flusher); ok {
		f.Flush()
	}
	return nil
}

// commit writes the status and headers, then any held chunk.
func (x *httpExchange) commit(contentLength int64) error {
	x.committed = true
	h := x.w.Header()
	for _, f := range x.head.headers {
		h.Add(f.Name, f.Value)
	}
	if contentLength >= 0 && x.head.code != 204 {
		h.Set("Content-Length", strconv.FormatInt(contentLength, 10))
	}
	x.w.WriteHeader(x.head.code)
	if x.hold == nil {
		return nil
	}
	hold := x.hold
	x.hold = nil
	return x.send(hold)
}

// send writes p to the client.
func (x *httpExchange) send(p []byte) error {
	n, err := x.w.Write(p)
	x.written += int64(n)
	if err != nil {
		return fmt.Errorf("gateway: write response: %w", err)
	}
	return nil
}

// answerFault logs the fault and answers 500, or aborts the connection if
// the response has begun.
func (x *httpExchange) answerFault() {
	x.s.logf("%s %s: %v", x.r.Method, x.r.RequestURI, x.fault)
	if x.committed {
		// Tells net/http to drop the connection without logging again.
		panic(http.ErrAbortHandler)
	}
	http.Error(x.w, "500 Internal Server Error", http.StatusInternalServerError)
}

// environFromHTTP builds the Environ for a net/http request.
func (s *Server) environFromHTTP(r *http.Request) *Environ {
	e := &Environ{
		RequestMethod:  r.Method,
		PathInfo:       r.URL.Path,
		QueryString:    r.URL.RawQuery,
		ContentType:    r.Header.Get("Content-Type"),
		ServerName:     s.Name,
		ServerPort:     s.Port,
		ServerProtocol: r.Proto,
		RequestURI:     r.RequestURI,
		Headers:        make(map[string]string, len(r.Header)+1),
		Input:          r.Body,
		Errors:         logWriter{s},
		URLScheme:      "http",
		Multithread:    s.Multithread,
		Multiprocess:   s.Multiprocess,
	}
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
		if fieldIs(name, "Content-Type") || fieldIs(name, "Content-Length") {
			continue
		}
		addField(e, name, strings.Join(vs, ", "))
	}
	if len(r.TransferEncoding) > 0 {
		e.Headers["HTTP_TRANSFER_ENCODING"] = strings.Join(r.TransferEncoding, ", ")
	}
	e.Headers["HTTP_HOST"] = r.Host
	return e
}

// serverAddr returns the host and port the request came in on.
func serverAddr(r *http.Request) (string, string) {
	if a, ok := r.Context().Value(http.LocalAddrContextKey).(net.Addr); ok {
		return splitAddr(a.String())
	}
	return splitAddr(r.Host)
}
