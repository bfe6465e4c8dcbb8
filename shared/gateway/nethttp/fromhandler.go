package nethttp

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/textproto"
	"net/url"
	"sort"
	"strconv"
	"strings"

	"lbws/shared/gateway"
)

// !+fromhandler

// FromHandler returns an App that runs h, any net/http handler (a
// ServeMux, a router), on our servers: the article's point that one server
// runs any framework that speaks the gateway interface.
//
// The handler runs in the App call, in the server's goroutine: no
// goroutine and no channel per request. What it writes is collected until
// it calls Flush (http.Flusher) or has written 32 KiB; then it goes out
// through PEP 3333's write callable, so a streaming handler streams (under
// a blocking server the bytes are on the wire before Flush returns). A
// handler that returns having written less than 32 KiB without flushing
// gets an exact Content-Length. As in net/http the status defaults to
// 200, only the first WriteHeader counts, headers changed after the
// response started are ignored, and a missing Content-Type is sniffed
// from the first bytes. Hop-by-hop fields the handler sets (a Connection:
// close, say) are dropped: the server decides about the connection. A
// panic in the handler is a panic in the App, which the server turns into
// a 500. Once a write fails (the client went away) the request's context
// is cancelled and Write returns the error.
func FromHandler(h http.Handler) gateway.App {
	return func(env *gateway.Environ, start gateway.StartResponse) gateway.Body {
		r, err := newHTTPRequest(env)
		if err != nil {
			msg := []byte("400 Bad Request: " + err.Error() + "\n")
			_, _ = start("400 Bad Request", []gateway.Header{
				{Name: "Content-Type", Value: "text/plain; charset=utf-8"},
				{Name: "Content-Length", Value: strconv.Itoa(len(msg))},
			}, nil)
			return gateway.Bytes(msg)
		}
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		rw := &handlerWriter{start: start, header: make(http.Header), cancel: cancel}
		h.ServeHTTP(rw, r.WithContext(ctx))
		return rw.finish()
	}
}

// !-fromhandler

// newHTTPRequest builds the *http.Request net/http's server would have
// built for the request env describes.
func newHTTPRequest(env *gateway.Environ) (*http.Request, error) {
	target := env.RequestURI
	if target == "" {
		target = (&url.URL{Path: env.PathInfo, RawQuery: env.QueryString}).RequestURI()
	}
	u, err := url.ParseRequestURI(target)
	if err != nil {
		return nil, fmt.Errorf("gateway: request-target: %w", err)
	}
	major, minor, ok := http.ParseHTTPVersion(env.ServerProtocol)
	if !ok {
		major, minor = 1, 1
	}
	r := &http.Request{
		Method:     env.RequestMethod,
		URL:        u,
		Proto:      env.ServerProtocol,
		ProtoMajor: major,
		ProtoMinor: minor,
		Header:     httpHeader(env),
		Host:       env.Get("HTTP_HOST"),
		RemoteAddr: env.RemoteAddr,
		RequestURI: target,
		Body:       http.NoBody,
	}
	if env.RemotePort != "" {
		r.RemoteAddr = net.JoinHostPort(env.RemoteAddr, env.RemotePort)
	}
	if u.Host != "" {
		r.Host = u.Host
	}
	setHTTPBody(r, env)
	return r, nil
}

// httpHeader turns the HTTP_* variables back into canonical field names
// (HTTP_USER_AGENT becomes User-Agent). Host is carried in Request.Host
// and Transfer-Encoding in Request.TransferEncoding, as net/http does.
func httpHeader(env *gateway.Environ) http.Header {
	h := make(http.Header, len(env.Headers)+2)
	for _, v := range env.Headers {
		k := v.Name
		if k == "HTTP_HOST" || k == "HTTP_TRANSFER_ENCODING" || !strings.HasPrefix(k, "HTTP_") {
			continue
		}
		name := textproto.CanonicalMIMEHeaderKey(strings.ReplaceAll(k[len("HTTP_"):], "_", "-"))
		h[name] = []string{v.Value}
	}
	if env.ContentType != "" {
		h["Content-Type"] = []string{env.ContentType}
	}
	if env.ContentLength != "" {
		h["Content-Length"] = []string{env.ContentLength}
	}
	return h
}

// setHTTPBody sets Body, ContentLength and TransferEncoding the way
// net/http's server does: ContentLength -1 for a chunked body, 0 and
// http.NoBody for none.
func setHTTPBody(r *http.Request, env *gateway.Environ) {
	if n, err := strconv.ParseInt(env.ContentLength, 10, 64); err == nil {
		r.ContentLength = n
	} else if te := env.Get("HTTP_TRANSFER_ENCODING"); te != "" {
		r.ContentLength, r.TransferEncoding = -1, []string{"chunked"}
	}
	if r.ContentLength != 0 && env.Input != nil {
		r.Body = io.NopCloser(env.Input)
	}
}

// flushSize is how much a handler may write before FromHandler sends it
// on as a chunk without being asked to flush.
const flushSize = 32 << 10

// handlerWriter is the http.ResponseWriter FromHandler gives the handler.
type handlerWriter struct {
	start  gateway.StartResponse // start_response
	cancel context.CancelFunc    // cancels the handler's request context
	header http.Header           // fields the handler sets
	code   int                   // status; 0 until WriteHeader or Write
	write  gateway.WriteFunc     // from start; nil until the response started
	buf    []byte                // body bytes not yet sent
	err    error                 // the first error of start or write; sticky
}

// Header returns the response header map.
func (rw *handlerWriter) Header() http.Header { return rw.header }

// WriteHeader records the status; later calls are ignored, as are 1xx
// informational statuses, which the gateway cannot send.
func (rw *handlerWriter) WriteHeader(code int) {
	if rw.code != 0 || (code >= 100 && code < 200) {
		return
	}
	rw.code = code
}

// Write collects p, sending it on when flushSize is reached.
func (rw *handlerWriter) Write(p []byte) (int, error) {
	if rw.err != nil {
		return 0, rw.err
	}
	if rw.code == 0 {
		rw.WriteHeader(http.StatusOK)
	}
	rw.buf = append(rw.buf, p...)
	if len(rw.buf) >= flushSize {
		if err := rw.flush(); err != nil {
			return 0, err
		}
	}
	return len(p), nil
}

// Flush sends what was written so far (http.Flusher).
func (rw *handlerWriter) Flush() { rw.flush() }

// flush starts the response if needed and sends the collected bytes
// through the write callable.
func (rw *handlerWriter) flush() error {
	if rw.err != nil {
		return rw.err
	}
	if rw.write == nil {
		if err := rw.startResponse(false); err != nil {
			return err
		}
	}
	if len(rw.buf) == 0 {
		return nil
	}
	err := rw.write(rw.buf)
	rw.buf = rw.buf[:0]
	if err != nil {
		return rw.fail(err)
	}
	return nil
}

// fail records the first error and cancels the handler's context.
func (rw *handlerWriter) fail(err error) error {
	if rw.err == nil {
		rw.err = err
		rw.cancel()
	}
	return rw.err
}

// finish is the Body after the handler returned: the bytes it did not
// flush. A handler that flushed nothing gets an exact Content-Length, as
// net/http gives it.
func (rw *handlerWriter) finish() gateway.Body {
	if rw.err != nil {
		return nil
	}
	if rw.write == nil && rw.startResponse(true) != nil {
		return nil
	}
	if len(rw.buf) == 0 {
		return nil
	}
	return gateway.Bytes(rw.buf)
}

// startResponse passes the handler's status and headers to start_response.
// last says the handler has returned, so buf is the whole body.
func (rw *handlerWriter) startResponse(last bool) error {
	if rw.code == 0 {
		rw.code = http.StatusOK
	}
	h := rw.header
	bodyless := rw.code == 204 || rw.code == 304
	if _, ok := h["Content-Type"]; !ok && len(rw.buf) > 0 && !bodyless {
		h.Set("Content-Type", http.DetectContentType(rw.buf))
	}
	if last && h.Get("Content-Length") == "" && !bodyless {
		h.Set("Content-Length", strconv.Itoa(len(rw.buf)))
	}
	status := fmt.Sprintf("%03d %s", rw.code, http.StatusText(rw.code))
	w, err := rw.start(status, flatten(h), nil)
	if err != nil {
		return rw.fail(fmt.Errorf("gateway: handler response: %w", err))
	}
	rw.write = w
	return nil
}

// flatten lists the fields of h in name order, without hop-by-hop ones.
func flatten(h http.Header) []gateway.Header {
	names := make([]string, 0, len(h))
	for name := range h {
		names = append(names, name)
	}
	sort.Strings(names)
	var out []gateway.Header
	for _, name := range names {
		if isHopByHop(name) {
			continue
		}
		for _, v := range h[name] {
			out = append(out, gateway.Header{Name: name, Value: v})
		}
	}
	return out
}

// isHopByHop reports whether name is a connection-specific field (RFC
// 9110 section 7.6.1): the server manages the connection, not the
// handler.
func isHopByHop(name string) bool {
	switch textproto.CanonicalMIMEHeaderKey(name) {
	case "Connection", "Keep-Alive", "Proxy-Connection", "Transfer-Encoding", "Te", "Trailer", "Upgrade":
		return true
	}
	return false
}
