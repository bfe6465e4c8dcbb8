package gateway

import (
	"fmt"
	"io"
	"strconv"
	"strings"

	"lbws/shared/http1"
)

// Framer is a driver that frames the response itself, as net/http does
// under package nethttp: the exchange hands it the status, the header
// fields and the body bytes instead of encoded bytes. The encoder still
// chooses the framing, so the length checks are the same as under Serve.
type Framer interface {
	// Head sends the status and header fields. contentLength is the
	// body's length, or -1 if the body is streamed; close says the
	// connection must close after this response (a failed request
	// body, or a response whose end is the close, RFC 9112 9.6).
	Head(code int, reason string, headers []Header, contentLength int64, close bool) error
	// Body sends the next bytes of the body at once, so a streamed
	// body streams.
	Body(p []byte) error
}

// FramedRequest is a request another server parsed and frames (net/http
// under package nethttp): what the gateway needs of it to build the
// Environ and run the App.
type FramedRequest struct {
	Method           string              // the request method
	Target           string              // the request-target as received
	Path             string              // the target's path, percent-decoded
	RawQuery         string              // the query, still encoded
	Proto            string              // "HTTP/1.1" or "HTTP/1.0"
	Close            bool                // the client asked to close the connection
	Header           map[string][]string // the fields, canonical names, without Host
	Host             string              // the Host field, or the absolute-form's authority
	TransferEncoding []string            // the transfer codings, if any
	ContentLength    int64               // the body's declared length; -1 if none was declared
	TLS              bool                // the request came over TLS
	RemoteAddr       string              // the client's "host:port"
	LocalAddr        string              // "host:port" it came in on, for SERVER_NAME and SERVER_PORT
	Body             io.Reader           // the request body
	Refuse           string              // if not "", answer 400 with this reason instead of running the App
}

// FramedResult is what a framed exchange left for its driver to do.
type FramedResult struct {
	// Abort says the response could not be completed after its head
	// went out: the driver must drop the connection.
	Abort bool
	// KeepAlive says the connection may carry another request once the
	// rest of the request body is read.
	KeepAlive bool
}

// ServeFramed runs s.App for r, handing the response to f: the same
// Exchange as under Serve, in its event form. SERVER_NAME and SERVER_PORT
// come from r.LocalAddr when s.Name and s.Port are empty.
func (s *Server) ServeFramed(r *FramedRequest, f Framer) FramedResult {
	x := exchangePool.Get().(*Exchange)
	defer x.Release()
	x.s, x.fr, x.state = s, f, stateBody
	x.method, x.target = r.Method, r.Target
	version := http1.HTTP11
	if r.Proto == "HTTP/1.0" {
		version = http1.HTTP10
	}
	x.enc.ResetTo(version, r.Method == "HEAD", !r.Close)
	if r.Refuse != "" {
		x.enc.DisableKeepAlive()
		x.answer(400, r.Refuse)
	} else {
		env := s.environFromFramed(r)
		x.in = &env.in
		x.body = x.runApp(env)
	}
	for x.state != stateDone {
		x.step()
	}
	return FramedResult{
		Abort:     x.abort != nil && x.enc.HeaderWritten(),
		KeepAlive: x.inputErr() == nil && x.enc.KeepAlive(),
	}
}

// framedHead hands the status and header fields to the Framer.
func (x *Exchange) framedHead(code int, reason string, headers []Header, contentLength int64) error {
	if _, err := x.enc.AppendHeader(x.sink[:0], code, reason, headers, contentLength); err != nil {
		return x.setAbort(fmt.Errorf("gateway: %w", err))
	}
	if err := x.fr.Head(code, reason, headers, contentLength, !x.enc.KeepAlive()); err != nil {
		return x.setAbort(fmt.Errorf("gateway: write response: %w", err))
	}
	return nil
}

// framedBody hands body bytes to the Framer.
func (x *Exchange) framedBody(p []byte) error {
	_, n, err := x.enc.AppendChunkStart(x.sink[:0], len(p))
	if n > 0 {
		if werr := x.fr.Body(p[:n]); werr != nil {
			return x.setAbort(fmt.Errorf("gateway: write response: %w", werr))
		}
	}
	if err != nil {
		return x.encodeError(err)
	}
	return nil
}

// environFromFramed builds the Environ for a framed request.
func (s *Server) environFromFramed(r *FramedRequest) *Environ {
	e := &Environ{
		RequestMethod:  r.Method,
		PathInfo:       r.Path,
		QueryString:    r.RawQuery,
		ServerName:     s.Name,
		ServerPort:     s.Port,
		ServerProtocol: r.Proto,
		RequestURI:     r.Target,
		Errors:         logWriter{s},
		URLScheme:      "http",
		Multithread:    s.Multithread,
		Multiprocess:   s.Multiprocess,
	}
	e.in.r = r.Body
	e.Input = &e.in
	e.Headers = e.vars[:0]
	if r.TLS {
		e.URLScheme = "https"
	}
	if vs := r.Header["Content-Type"]; len(vs) > 0 {
		e.ContentType = vs[0]
	}
	if vs := r.Header["Content-Length"]; r.ContentLength >= 0 && len(vs) > 0 && vs[0] != "" {
		e.ContentLength = strconv.FormatInt(r.ContentLength, 10)
	}
	e.RemoteAddr, e.RemotePort = splitAddr(r.RemoteAddr)
	if e.ServerName == "" {
		e.ServerName, e.ServerPort = splitAddr(r.LocalAddr)
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
