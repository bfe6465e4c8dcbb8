package http1

import (
	"errors"
	"fmt"
	"io"
	"strconv"
)

// Header is one response header field as the application supplies it.
// The encoder writes it as given: validating names and values is the
// caller's job (the gateway refuses what would break the framing).
type Header struct {
	Name  string // field name, a token (RFC 9110 section 5.1)
	Value string // field value, without CR, LF or NUL
}

// Continue is the interim response a server sends before it reads the body
// of a request that carries Expect: 100-continue (RFC 9110 section 10.1.1).
var Continue = []byte("HTTP/1.1 100 Continue\r\n\r\n")

// Errors returned by Response.
var (
	// ErrHeaderWritten is returned by WriteHeader when it is called twice.
	ErrHeaderWritten = errors.New("http1: response header already written")
	// ErrNoHeader is returned by Write and Finish before WriteHeader.
	ErrNoHeader = errors.New("http1: response body written before the header")
	// ErrBodyTooLong is returned by Write when the body exceeds the declared
	// Content-Length; the excess is not sent and the connection must close.
	ErrBodyTooLong = errors.New("http1: response body longer than its Content-Length")
	// ErrBodyTooShort is returned by Finish when the body ended before the
	// declared Content-Length; the connection must close, since the client
	// would read the next response as the rest of this one.
	ErrBodyTooShort = errors.New("http1: response body shorter than its Content-Length")
)

// responseBufSize is how many encoded bytes Response collects before it
// writes to the destination. A typical small response (head and body under
// 4 KiB) then goes out in a single write(2).
const responseBufSize = 4096

// framing is how the end of a response body is marked (RFC 9112 section 6.3).
type framing uint8

const (
	framingNone    framing = iota // no body at all: HEAD, 1xx, 204, 304
	framingLength                 // Content-Length
	framingChunked                // Transfer-Encoding: chunked (HTTP/1.1 only)
	framingClose                  // the body ends when the connection closes
)

// Encoder encodes one HTTP/1.1 response by appending it to byte slices the
// caller owns: the head, then each piece of the body with its framing,
// then the end. It writes nothing anywhere and keeps no buffer, so an
// event loop can encode straight into a connection's output queue, which
// is then the only copy of the response. It chooses the framing, adds Date
// and Connection, drops the body where the protocol says there is none, and
// checks a Content-Length body against its length.
//
// Use: Reset; AppendHeader; AppendChunk (or AppendChunkStart, the data,
// AppendChunkEnd) any number of times; AppendEnd; then KeepAlive tells
// whether the connection may carry another request. An Encoder holds no
// pointer into the request it answers. The zero Encoder answers an
// HTTP/1.1 GET and closes the connection.
type Encoder struct {
	version   Version // version of the request being answered
	head      bool    // the request was HEAD: send the head only
	keepAlive bool    // the connection may persist after this response

	wroteHeader bool    // AppendHeader succeeded
	status      int     // status code sent
	framing     framing // how the body is delimited
	remaining   int64   // body bytes still owed under framingLength
	written     int64   // body bytes accepted for sending
	err         error   // first framing violation; sticky
}

// Reset prepares e to answer req. req may be nil for a request that could
// not be parsed: it is then answered as HTTP/1.1 and the connection
// closes. Only the version, whether the method is HEAD and the request's
// keep-alive wish are kept.
func (e *Encoder) Reset(req *Request) {
	if req == nil {
		e.ResetTo(HTTP11, false, false)
		return
	}
	e.ResetTo(req.Version, string(req.Method) == "HEAD", req.KeepAlive)
}

// ResetTo prepares e to answer a request of the given version, HEAD or
// not, whose client wants the connection kept or not: Reset for a request
// parsed by another parser (net/http's).
func (e *Encoder) ResetTo(version Version, head, keepAlive bool) {
	*e = Encoder{version: version, head: head, keepAlive: keepAlive}
}

// DisableKeepAlive makes the connection close after this response, for
// example because the server is shutting down. Call it before AppendHeader,
// so that the head announces it.
func (e *Encoder) DisableKeepAlive() { e.keepAlive = false }

// AppendHeader appends the status line and header fields to dst. reason
// may be "" for the standard phrase. contentLength is the body length, or
// -1 if it is unknown: the body is then chunked for an HTTP/1.1 client and
// delimited by closing the connection for an HTTP/1.0 one (RFC 9112
// section 6.3). The fields must not contain Content-Length,
// Transfer-Encoding or Connection: the Encoder writes those itself.
func (e *Encoder) AppendHeader(dst []byte, status int, reason string, fields []Header, contentLength int64) ([]byte, error) {
	if e.wroteHeader {
		return dst, ErrHeaderWritten
	}
	if status < 100 || status > 999 {
		return dst, fmt.Errorf("http1: invalid status code %d", status)
	}
	e.wroteHeader, e.status = true, status
	e.chooseFraming(status, contentLength)
	dst = appendStatusLine(dst, status, reason)
	hasDate := false
	for _, f := range fields {
		dst = appendField(dst, f.Name, f.Value)
		hasDate = hasDate || fieldNameIs(f.Name, "Date")
	}
	if !hasDate {
		dst = AppendDate(dst)
	}
	dst = e.appendFraming(dst, status, contentLength)
	return append(dst, "\r\n"...), nil
}

// chooseFraming decides how the body ends and whether the connection can
// persist after it.
func (e *Encoder) chooseFraming(status int, contentLength int64) {
	switch {
	case e.head || status < 200 || status == 204 || status == 304:
		// These responses never have content (RFC 9110 sections 6.4.1,
		// 9.3.2); the head ends the message.
		e.framing = framingNone
	case contentLength >= 0:
		e.framing, e.remaining = framingLength, contentLength
	case e.version >= HTTP11:
		e.framing = framingChunked
	default:
		// HTTP/1.0 has no chunked coding (RFC 9112 section 7): the only
		// way to end a body of unknown length is to close.
		e.framing, e.keepAlive = framingClose, false
	}
}

// appendFraming appends Content-Length or Transfer-Encoding, and
// Connection as decided.
func (e *Encoder) appendFraming(dst []byte, status int, contentLength int64) []byte {
	switch {
	case status < 200 || status == 204:
		// A server must not send Content-Length in 1xx or 204 (RFC 9110
		// section 8.6).
	case contentLength >= 0:
		// For HEAD and 304 the value describes the representation that a
		// GET would have carried (RFC 9110 sections 8.6, 9.3.2).
		dst = append(dst, "Content-Length: "...)
		dst = strconv.AppendInt(dst, contentLength, 10)
		dst = append(dst, "\r\n"...)
	case e.framing == framingChunked:
		dst = append(dst, "Transfer-Encoding: chunked\r\n"...)
	}
	switch {
	case !e.keepAlive:
		// Announce the close so the client does not send another
		// request on this connection (RFC 9112 section 9.6).
		dst = append(dst, "Connection: close\r\n"...)
	case e.version == HTTP10:
		// An HTTP/1.0 client that asked to keep the connection must be
		// told it will be kept (RFC 9112 appendix C.2.2).
		dst = append(dst, "Connection: keep-alive\r\n"...)
	}
	return dst
}

// AppendChunkStart accounts for n body bytes the caller is about to append
// itself (to send a large chunk without copying it here) and appends the
// framing that goes before them. It returns how many of the n bytes to
// send: 0 for a response without a body (HEAD, 1xx, 204, 304), fewer than
// n with ErrBodyTooLong when they would exceed the Content-Length (the
// caller sends the allowed part, then must close the connection). After
// the data, the caller calls AppendChunkEnd with the count returned.
func (e *Encoder) AppendChunkStart(dst []byte, n int) ([]byte, int, error) {
	if !e.wroteHeader {
		return dst, 0, ErrNoHeader
	}
	if e.err != nil {
		return dst, 0, e.err
	}
	if e.framing == framingNone || n == 0 {
		return dst, 0, nil
	}
	var err error
	if e.framing == framingLength && int64(n) > e.remaining {
		// Send what was declared, then refuse the rest: the client
		// sees a complete message.
		n, err = int(e.remaining), e.fail(ErrBodyTooLong)
	}
	if e.framing == framingLength {
		e.remaining -= int64(n)
	}
	if e.framing == framingChunked {
		dst = strconv.AppendInt(dst, int64(n), 16)
		dst = append(dst, "\r\n"...)
	}
	e.written += int64(n)
	return dst, n, err
}

// AppendChunkEnd appends the framing that follows n body bytes announced by
// AppendChunkStart: the CRLF that ends a chunk (RFC 9112 section 7.1).
func (e *Encoder) AppendChunkEnd(dst []byte, n int) []byte {
	if e.framing == framingChunked && n > 0 {
		dst = append(dst, "\r\n"...)
	}
	return dst
}

// AppendChunk appends p to the body with its framing. It returns
// ErrBodyTooLong, having appended only what the Content-Length allows,
// when p would exceed it; p is discarded for a response without a body.
func (e *Encoder) AppendChunk(dst, p []byte) ([]byte, error) {
	dst, n, err := e.AppendChunkStart(dst, len(p))
	dst = append(dst, p[:n]...)
	return e.AppendChunkEnd(dst, n), err
}

// AppendEnd ends the message: the last chunk and an empty trailer section
// for a chunked body (RFC 9112 section 7.1), a check that a Content-Length
// body was complete (ErrBodyTooShort if not; the connection must then
// close, since the client would read the next response as the rest of
// this one).
func (e *Encoder) AppendEnd(dst []byte) ([]byte, error) {
	if !e.wroteHeader {
		return dst, ErrNoHeader
	}
	if e.err != nil {
		return dst, e.err
	}
	if e.framing == framingChunked {
		dst = append(dst, "0\r\n\r\n"...)
	}
	if e.framing == framingLength && e.remaining > 0 {
		return dst, e.fail(ErrBodyTooShort)
	}
	return dst, nil
}

// fail records the first error and rules out keeping the connection.
func (e *Encoder) fail(err error) error {
	if e.err == nil {
		e.err = err
	}
	e.keepAlive = false
	return e.err
}

// KeepAlive reports whether the connection may carry another request after
// this response: the request allowed it, the framing did not depend on the
// close, and the body matched its framing.
func (e *Encoder) KeepAlive() bool { return e.keepAlive && e.err == nil }

// HeaderWritten reports whether AppendHeader has succeeded since Reset.
func (e *Encoder) HeaderWritten() bool { return e.wroteHeader }

// Status returns the status code given to AppendHeader, or 0.
func (e *Encoder) Status() int { return e.status }

// Written returns the number of body bytes accepted for sending. Bytes
// discarded because the response has no body are not counted.
func (e *Encoder) Written() int64 { return e.written }

// Response encodes one HTTP/1.1 response onto an io.Writer with an
// Encoder, buffering so that a small response is one write.
//
// Use: Reset(w, req); WriteHeader(...); Write(...) any number of times;
// Flush to push a chunk out now (streaming); Finish at the end; then
// KeepAlive tells whether the connection may carry another request.
// A Response is reused across requests; after Reset it allocates nothing
// for a small response.
type Response struct {
	w   io.Writer // destination of the encoded bytes
	buf []byte    // encoded bytes not yet written to w
	enc Encoder   // the framing
	err error     // first error from w; sticky
}

// Reset prepares r to answer req, writing to w. req may be nil for a
// response to a request that could not be parsed: it is then answered as
// HTTP/1.1 and the connection closes.
func (r *Response) Reset(w io.Writer, req *Request) {
	*r = Response{w: w, buf: r.buf[:0]}
	r.enc.Reset(req)
}

// DisableKeepAlive makes the connection close after this response, for
// example because the server is shutting down. Call it before WriteHeader.
func (r *Response) DisableKeepAlive() { r.enc.DisableKeepAlive() }

// WriteHeader encodes the status line and header fields, as
// Encoder.AppendHeader does. Nothing is written to w until the buffer
// fills, Flush or Finish.
func (r *Response) WriteHeader(status int, reason string, fields []Header, contentLength int64) error {
	var err error
	r.buf, err = r.enc.AppendHeader(r.buf, status, reason, fields, contentLength)
	return err
}

// Write adds p to the body. It is discarded for responses without a body
// (HEAD, 1xx, 204, 304). Beyond the declared Content-Length nothing more is
// sent and Write returns ErrBodyTooLong. Errors from the destination are
// sticky: every later call returns the first one.
func (r *Response) Write(p []byte) (int, error) {
	if r.err != nil && r.enc.wroteHeader {
		return 0, r.err
	}
	var n int
	var ferr error
	r.buf, n, ferr = r.enc.AppendChunkStart(r.buf, len(p))
	if ferr != nil && n == 0 {
		return 0, ferr
	}
	if err := r.put(p[:n]); err != nil {
		return 0, err
	}
	r.buf = r.enc.AppendChunkEnd(r.buf, n)
	if ferr != nil {
		if err := r.Flush(); err != nil {
			return 0, err
		}
		return n, ferr
	}
	return len(p), nil
}

// put appends p to the buffer, or, when the two together would not fit,
// writes the buffer and then p straight to w instead of copying it.
func (r *Response) put(p []byte) error {
	if len(r.buf)+len(p) <= responseBufSize {
		r.buf = append(r.buf, p...)
		return nil
	}
	if err := r.Flush(); err != nil {
		return err
	}
	if _, err := r.w.Write(p); err != nil {
		return r.fail(fmt.Errorf("http1: write response: %w", err))
	}
	return nil
}

// Flush writes the buffered bytes to w. The gateway calls it after each
// chunk an application yields, so a streaming body reaches the client as
// it is produced.
func (r *Response) Flush() error {
	if r.err != nil {
		return r.err
	}
	if len(r.buf) == 0 {
		return nil
	}
	_, err := r.w.Write(r.buf)
	r.buf = r.buf[:0]
	if err != nil {
		return r.fail(fmt.Errorf("http1: write response: %w", err))
	}
	return nil
}

// Finish ends the message (see Encoder.AppendEnd) and flushes. After
// Finish, KeepAlive tells whether the connection may persist.
func (r *Response) Finish() error {
	if r.err != nil && r.enc.wroteHeader {
		return r.err
	}
	var ferr error
	r.buf, ferr = r.enc.AppendEnd(r.buf)
	if ferr == ErrNoHeader {
		return ferr
	}
	if err := r.Flush(); err != nil {
		return err
	}
	return ferr
}

// fail records the first write error and rules out keeping the connection.
func (r *Response) fail(err error) error {
	if r.err == nil {
		r.err = err
	}
	return r.err
}

// KeepAlive reports whether the connection may carry another request after
// this response: the request allowed it, the framing did not depend on the
// close, and nothing went wrong.
func (r *Response) KeepAlive() bool { return r.enc.KeepAlive() && r.err == nil }

// HeaderWritten reports whether WriteHeader has been called since Reset.
func (r *Response) HeaderWritten() bool { return r.enc.HeaderWritten() }

// Status returns the status code given to WriteHeader, or 0.
func (r *Response) Status() int { return r.enc.Status() }

// Written returns the number of body bytes accepted for sending. Bytes
// discarded because the response has no body are not counted.
func (r *Response) Written() int64 { return r.enc.Written() }

// Buffered returns the number of encoded bytes not yet written to w.
func (r *Response) Buffered() int { return len(r.buf) }

// ErrorResponse returns a complete response for status, with a short text
// body naming the status and reason, and Connection: close: the server
// sends it for a request it refuses (an *Error) and then closes, because it
// cannot know where the next request would start.
func ErrorResponse(status int, reason string) []byte {
	body := strconv.Itoa(status) + " " + StatusText(status)
	if reason != "" {
		body += ": " + reason
	}
	body += "\n"
	b := make([]byte, 0, 160+len(body))
	b = appendStatusLine(b, status, "")
	b = AppendDate(b)
	b = append(b, "Content-Type: text/plain; charset=utf-8\r\n"...)
	b = append(b, "Content-Length: "...)
	b = strconv.AppendInt(b, int64(len(body)), 10)
	b = append(b, "\r\nConnection: close\r\n\r\n"...)
	return append(b, body...)
}

// appendStatusLine appends "HTTP/1.1 <code> <reason>\r\n". A server sends
// its own highest minor version, whatever the request's (RFC 9110 section
// 6.2, RFC 9112 section 2.3); an HTTP/1.0 client understands it.
func appendStatusLine(dst []byte, status int, reason string) []byte {
	if reason == "" {
		reason = StatusText(status)
	}
	dst = append(dst, "HTTP/1.1 "...)
	dst = strconv.AppendInt(dst, int64(status), 10)
	dst = append(dst, ' ')
	dst = append(dst, reason...)
	return append(dst, "\r\n"...)
}

// appendField appends "name: value\r\n".
func appendField(dst []byte, name, value string) []byte {
	dst = append(dst, name...)
	dst = append(dst, ": "...)
	dst = append(dst, value...)
	return append(dst, "\r\n"...)
}

// fieldNameIs reports whether the field name matches want, ignoring case
// (field names are case-insensitive, RFC 9110 section 5.1). want must be
// letters only: the comparison folds case by setting bit 0x20. It does not
// allocate.
func fieldNameIs(name, want string) bool {
	if len(name) != len(want) {
		return false
	}
	for i := 0; i < len(name); i++ {
		if name[i]|0x20 != want[i]|0x20 {
			return false
		}
	}
	return true
}
