// Package http1 reads HTTP/1.1 requests and writes responses, by the book
// (RFC 9110 semantics, RFC 9112 message syntax) and without I/O of its own,
// so that a blocking server and an event loop share every line of it.
//
// Reading a request has three layers:
//
//   - Parser turns bytes into a Request head. Pass it everything received
//     so far; it answers with the head's length, ErrNeedMore, or an *Error
//     carrying the status to send (400, 413, 414, 431, 501, 505) before the
//     connection is closed. It resumes where it stopped, so a head that
//     arrives one byte per read costs linear work, and after Reset it
//     parses without allocating: the Request's fields are views into the
//     caller's buffer.
//   - BodyDecoder turns the bytes after the head into the body, for
//     Content-Length and chunked bodies, and stops exactly at the end of
//     the message, so pipelined requests are safe.
//   - Reader drives both over a blocking io.Reader (a connection):
//     ReadRequest, then Body.
//
// A blocking server:
//
//	r := http1.NewReader(conn, http1.Limits{})
//	r.OnContinue = func() error { _, err := conn.Write(http1.Continue); return err }
//	for {
//		req, err := r.ReadRequest()
//		var herr *http1.Error
//		if errors.As(err, &herr) {
//			conn.Write(http1.ErrorResponse(herr.Status, herr.Reason))
//		}
//		if err != nil {
//			return // io.EOF: the client is done
//		}
//		// serve req, reading r.Body(); stop if !req.KeepAlive
//	}
//
// An event loop keeps its own buffer and calls Parser.Parse and
// BodyDecoder.Decode as bytes arrive.
//
// The parser is strict where leniency lets two servers read the same
// bytes differently (request smuggling): lines end in CRLF only, obs-fold,
// bare CR and whitespace before a colon are refused, and Content-Length
// with Transfer-Encoding, conflicting lengths, and codings other than a
// final chunked are refused (RFC 9112 6.1, 6.3). Every rule is tested,
// fuzzed (FuzzParse), and compared with net/http (FuzzDifferential).
//
// Response writes a response with a cached Date header and the framing the
// request allows.
package http1

import (
	"errors"
	"fmt"
)

// Version is an HTTP version this package speaks: HTTP/1.0 or HTTP/1.1.
type Version uint8

// The two versions of HTTP/1 (RFC 9112 section 2.3).
const (
	HTTP10 Version = 10
	HTTP11 Version = 11
)

// String returns the version as it appears on the wire, "HTTP/1.1".
func (v Version) String() string {
	switch v {
	case HTTP10:
		return "HTTP/1.0"
	case HTTP11:
		return "HTTP/1.1"
	}
	return fmt.Sprintf("HTTP/?(%d)", uint8(v))
}

// ErrNeedMore is returned by Parser.Parse and BodyDecoder.Decode when the
// bytes seen so far are a valid prefix of a message but not all of it. The
// caller reads more bytes and calls again.
var ErrNeedMore = errors.New("http1: need more data")

// Error is a request the server must refuse. Status is the HTTP status code
// to answer with (400, 408, 413, 414, 431, 501, 505); after an Error the
// connection is closed, because the framing of whatever follows is unknown.
type Error struct {
	Status int    // status code to send
	Reason string // short explanation, for the log and the response body
}

// Error implements the error interface.
func (e *Error) Error() string {
	return fmt.Sprintf("http1: %d %s: %s", e.Status, StatusText(e.Status), e.Reason)
}

// Field is one header or trailer field. Name and Value are views into the
// buffer that was parsed: they stay valid only while that buffer is
// unchanged. Value has its optional whitespace trimmed (RFC 9112 5.1).
type Field struct {
	Name  []byte
	Value []byte
}

// Request is a parsed request head. Every []byte is a view into the
// buffer given to Parser.Parse; copy what must outlive it.
type Request struct {
	Method  []byte  // method token, case-sensitive (RFC 9110 9.1)
	Target  []byte  // request-target as sent: origin-form, absolute-form or "*"
	Version Version // HTTP10 or HTTP11 (a higher HTTP/1.x is read as HTTP11)
	Fields  []Field // header fields in the order received

	// The fields below are derived from the head while it is parsed.

	// PathQuery is the end of Target from its path on: all of Target for
	// origin-form and "*"; for absolute-form, what follows the authority
	// ("/a?b" of "http://h/a?b"), which is empty or starts with "?" when
	// the path is empty, meaning "/" (RFC 9110 4.2.3).
	PathQuery []byte

	// Host is the target host: the authority of an absolute-form target
	// (RFC 9112 3.2.2: it replaces the Host field), else the value of the
	// Host field; nil if neither is present.
	Host []byte

	ContentLength int64 // declared Content-Length; -1 if none
	Chunked       bool  // Transfer-Encoding ends in chunked
	KeepAlive     bool  // connection may persist (RFC 9112 9.3)
	Expect100     bool  // Expect: 100-continue was sent (RFC 9110 10.1.1)
}

// Get returns the value of the first field named name, compared without
// regard to ASCII case (RFC 9110 5.1), or nil if there is none. It does
// not allocate.
func (r *Request) Get(name string) []byte {
	for i := range r.Fields {
		if equalFoldBoth(r.Fields[i].Name, name) {
			return r.Fields[i].Value
		}
	}
	return nil
}

// HasBody reports whether the request has a body to read: a chunked body
// or a positive Content-Length (RFC 9112 6.3). A request with neither has
// a body of length zero.
func (r *Request) HasBody() bool {
	return r.Chunked || r.ContentLength > 0
}

// BodyBuffer is how much of the body a server holds before it runs the
// app, given a buffer of bound bytes: a Content-Length body that fits,
// whole; otherwise (a larger body, or a chunked one, whose length is not
// known) bound. Call it for a request that HasBody.
func (r *Request) BodyBuffer(bound int) int {
	if !r.Chunked && r.ContentLength >= 0 && r.ContentLength < int64(bound) {
		return int(r.ContentLength)
	}
	return bound
}

// equalFoldBoth reports whether a and b are equal ignoring ASCII case.
func equalFoldBoth(a []byte, b string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := 0; i < len(a); i++ {
		x, y := a[i], b[i]
		if 'A' <= x && x <= 'Z' {
			x += 'a' - 'A'
		}
		if 'A' <= y && y <= 'Z' {
			y += 'a' - 'A'
		}
		if x != y {
			return false
		}
	}
	return true
}
