package gateway

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/textproto"
	"net/url"
	"sort"
	"strconv"
	"strings"
)

// !+fromhandler

// FromHandler returns an App that runs h, any net/http handler (a
// ServeMux, a router), on our servers: the article's point that one server
// runs any framework that speaks the gateway interface.
//
// The handler runs in its own goroutine and its output becomes the Body:
// what it writes is collected until it calls Flush (http.Flusher), has
// written 32 KiB, or returns, and each of those becomes one chunk, so a
// streaming handler streams. A handler that returns having written less
// than 32 KiB without flushing gets an exact Content-Length. As in net/http
// the status defaults to 200, only the first WriteHeader counts, headers
// changed after the response started are ignored, and a missing
// Content-Type is sniffed from the first bytes. Hop-by-hop fields the
// handler sets (a Connection: close, say) are dropped: the server decides
// about the connection. A panic in the handler is re-raised in Body.Next,
// where the server turns it into a 500. Close cancels the request's
// context and waits for the handler to return, so the handler never
// outlives the request (and never reads the body after the server
// moved on).
func FromHandler(h http.Handler) App {
	return func(env *Environ, start StartResponse) Body {
		r, err := newHTTPRequest(env)
		if err != nil {
			msg := []byte("400 Bad Request: " + err.Error() + "\n")
			_, _ = start("400 Bad Request", []Header{
				{Name: "Content-Type", Value: "text/plain; charset=utf-8"},
				{Name: "Content-Length", Value: strconv.Itoa(len(msg))},
			}, nil)
			return Bytes(msg)
		}
		ctx, cancel := context.WithCancel(context.Background())
		b := &handlerBody{start: start, cancel: cancel, msgs: make(chan handlerOutput)}
		rw := &streamWriter{header: make(http.Header), msgs: b.msgs, done: ctx.Done()}
		go rw.run(h, r.WithContext(ctx))
		return b
	}
}

// !-fromhandler

// newHTTPRequest builds the *http.Request net/http's server would have
// built for the request env describes.
func newHTTPRequest(env *Environ) (*http.Request, error) {
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
		Host:       env.Headers["HTTP_HOST"],
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
func httpHeader(env *Environ) http.Header {
	h := make(http.Header, len(env.Headers)+2)
	for k, v := range env.Headers {
		if k == "HTTP_HOST" || k == "HTTP_TRANSFER_ENCODING" || !strings.HasPrefix(k, "HTTP_") {
			continue
		}
		name := textproto.CanonicalMIMEHeaderKey(strings.ReplaceAll(k[len("HTTP_"):], "_", "-"))
		h[name] = []string{v}
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
func setHTTPBody(r *http.Request, env *Environ) {
	if n, err := strconv.ParseInt(env.ContentLength, 10, 64); err == nil {
		r.ContentLength = n
	} else if te := env.Headers["HTTP_TRANSFER_ENCODING"]; te != "" {
		r.ContentLength, r.TransferEncoding = -1, []string{"chunked"}
	}
	if r.ContentLength != 0 && env.Input != nil {
		r.Body = io.NopCloser(env.Input)
	}
}

// flushSize is how much a handler may write before FromHandler sends it
// on as a chunk without being asked to flush.
const flushSize = 32 << 10

// errRequestEnded is returned by the handler's Write after the server
// closed the Body (the request is over, or the client went away).
var errRequestEnded = errors.New("gateway: request ended")

// handlerOutput is one message from the handler goroutine to the Body.
type handlerOutput struct {
	code   int         // status, set in the first message
	header http.Header // snapshot of the header, set in the first message
	chunk  []byte      // body bytes; owned by the receiver
	last   bool        // the handler returned; chunk is the rest of the body
	panic  any         // the handler panicked with this value
}

// streamWriter is the http.ResponseWriter the handler writes to. It lives
// in the handler's goroutine.
type streamWriter struct {
	header http.Header          // fields the handler sets
	code   int                  // status; 0 until WriteHeader or Write
	sent   bool                 // the first message (with the head) went out
	buf    []byte               // body bytes not yet sent
	msgs   chan<- handlerOutput // to the Body
	done   <-chan struct{}      // closed when the Body is closed
}

// run serves r with h and reports the end (or a panic) to the Body.
func (rw *streamWriter) run(h http.Handler, r *http.Request) {
	defer close(rw.msgs)
	defer func() {
		if v := recover(); v != nil {
			rw.send(handlerOutput{panic: v})
		}
	}()
	h.ServeHTTP(rw, r)
	rw.flush(true)
}

// Header returns the response header map.
func (rw *streamWriter) Header() http.Header { return rw.header }

// WriteHeader records the status; later calls are ignored, as are 1xx
// informational statuses, which the gateway cannot send.
func (rw *streamWriter) WriteHeader(code int) {
	if rw.code != 0 || (code >= 100 && code < 200) {
		return
	}
	rw.code = code
}

// Write collects p, sending a chunk when flushSize is reached.
func (rw *streamWriter) Write(p []byte) (int, error) {
	if rw.code == 0 {
		rw.WriteHeader(http.StatusOK)
	}
	rw.buf = append(rw.buf, p...)
	if len(rw.buf) >= flushSize {
		if err := rw.flush(false); err != nil {
			return 0, err
		}
	}
	return len(p), nil
}

// Flush sends what was written so far (http.Flusher).
func (rw *streamWriter) Flush() { rw.flush(false) }

// flush sends the collected bytes as one chunk; last marks the end.
func (rw *streamWriter) flush(last bool) error {
	if rw.code == 0 {
		rw.WriteHeader(http.StatusOK)
	}
	m := handlerOutput{chunk: rw.buf, last: last}
	if !rw.sent {
		m.code, m.header, rw.sent = rw.code, rw.header.Clone(), true
	}
	rw.buf = nil
	return rw.send(m)
}

// send hands m to the Body, unless the Body was closed.
func (rw *streamWriter) send(m handlerOutput) error {
	select {
	case rw.msgs <- m:
		return nil
	case <-rw.done:
		return errRequestEnded
	}
}

// handlerBody is the Body FromHandler returns. It lives in the server's
// goroutine.
type handlerBody struct {
	start  StartResponse      // start_response, called with the first chunk
	cancel context.CancelFunc // cancels the handler's request context
	msgs   chan handlerOutput // from the handler goroutine
	write  WriteFunc          // from start; nil until the first output
	ended  bool               // the last chunk was returned
}

// Next returns the handler's output. Chunks it flushed before its end go
// out at once through PEP 3333's write callable, so a streaming handler
// streams; the last chunk is returned, so that a handler that wrote
// everything at once gets an exact Content-Length.
func (b *handlerBody) Next() ([]byte, error) {
	for !b.ended {
		m, ok := <-b.msgs
		if !ok {
			break
		}
		if m.panic != nil {
			panic(m.panic)
		}
		if b.write == nil {
			w, err := b.startResponse(m)
			if err != nil {
				return nil, err
			}
			b.write = w
		}
		if m.last {
			b.ended = true
			return m.chunk, nil
		}
		if len(m.chunk) == 0 {
			continue
		}
		if err := b.write(m.chunk); err != nil {
			// The client went away; the server reports that
			// when it ends the response. Close stops the handler.
			break
		}
	}
	return nil, io.EOF
}

// startResponse passes the handler's status and headers to start_response.
// A handler that finished within its first chunk gets an exact
// Content-Length, as net/http gives it.
func (b *handlerBody) startResponse(m handlerOutput) (WriteFunc, error) {
	bodyless := m.code == 204 || m.code == 304
	if _, ok := m.header["Content-Type"]; !ok && len(m.chunk) > 0 && !bodyless {
		m.header.Set("Content-Type", http.DetectContentType(m.chunk))
	}
	if m.last && m.header.Get("Content-Length") == "" && !bodyless {
		m.header.Set("Content-Length", strconv.Itoa(len(m.chunk)))
	}
	status := fmt.Sprintf("%03d %s", m.code, http.StatusText(m.code))
	w, err := b.start(status, flatten(m.header), nil)
	if err != nil {
		return nil, fmt.Errorf("gateway: handler response: %w", err)
	}
	return w, nil
}

// Close cancels the handler's context and waits for it to return.
func (b *handlerBody) Close() error {
	b.cancel()
	for range b.msgs {
	}
	return nil
}

// flatten lists the fields of h in name order, without hop-by-hop ones.
func flatten(h http.Header) []Header {
	names := make([]string, 0, len(h))
	for name := range h {
		names = append(names, name)
	}
	sort.Strings(names)
	var out []Header
	for _, name := range names {
		if isHopByHop(name) {
			continue
		}
		for _, v := range h[name] {
			out = append(out, Header{Name: name, Value: v})
		}
	}
	return out
}

// isHopByHop reports whether name is a connection-specific field.
func isHopByHop(name string) bool {
	for _, h := range hopByHop {
		if fieldIs(name, h) {
			return true
		}
	}
	return false
}
