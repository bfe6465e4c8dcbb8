package http1

import (
	"errors"
	"fmt"
	"io"
)

// readSize is the size of the Reader's first buffer, the size it shrinks
// back to after a large head, and the room it gives one read of a body.
const readSize = 4 << 10

// minRead is the least free room at the end of the buffer worth a read.
// With less, the Reader moves the unconsumed bytes to the front (or grows
// the buffer) first, as bufio does when its buffer is full; with more it
// reads into the free end, so pipelined requests already buffered are
// never moved.
const minRead = 512

// maxDiscard bounds how much of a body the server left unread the Reader
// reads and throws away to reach the next request (net/http: 256 KiB,
// maxPostHandlerReadBytes). Past it, closing the connection is cheaper
// than reading the rest of a body nobody wants; with a Content-Length
// that says the body is longer, the Reader does not read it at all.
const maxDiscard = 256 << 10

// ErrUnreadBody is returned by ReadRequest when the previous request's
// body was left unread and the connection cannot be reused: more than
// maxDiscard bytes of it remain, or the client sent "Expect:
// 100-continue", no 100 Continue was sent, and it may still be waiting
// (RFC 9110 10.1.1). There is nothing to answer: close the connection.
var ErrUnreadBody = errors.New("http1: request body left unread; closing")

// errExpectUnread is the ErrUnreadBody of a client still waiting for
// 100 Continue. It is a type, not a fmt.Errorf: a package variable made
// with fmt costs every process that links this package fmt's first use
// at start-up, and 03-fork starts one per connection.
var errExpectUnread error = expectUnread{}

// expectUnread is the type of errExpectUnread.
type expectUnread struct{}

// Error says what ErrUnreadBody says, and why.
func (expectUnread) Error() string { return ErrUnreadBody.Error() + " (100-continue not sent)" }

// Unwrap makes errExpectUnread an ErrUnreadBody.
func (expectUnread) Unwrap() error { return ErrUnreadBody }

// Reader reads requests from a blocking source (a connection) using
// Parser and BodyDecoder. It is the driver for the blocking stages:
//
//	r := http1.NewReader(conn, http1.Limits{})
//	for {
//		req, err := r.ReadRequest() // io.EOF: the client closed cleanly
//		...
//		io.Copy(dst, r.Body())     // reading the body is optional
//	}
//
// Its buffer grows only as far as the head limit (plus room for one read)
// and shrinks back after a large head; bytes after the current request
// stay buffered for the next one, so pipelined requests work, and they
// are moved only when the buffer's free end is too small for a read. A
// Request returned by ReadRequest is valid until the next ReadRequest.
type Reader struct {
	// OnContinue, if set, is called once per request that sent
	// "Expect: 100-continue", just before the first read of its body from
	// the source, and only if BodyDecoder.ExpectsContinue says the client
	// is waiting for it. It writes "100 Continue" (RFC 9110 10.1.1). An
	// error from it ends the body.
	OnContinue func() error

	src     io.Reader   // the connection
	srcErr  error       // error saved from a read that also returned bytes
	limits  Limits      // the limits, defaults applied
	parser  Parser      // parses each head in buf
	dec     BodyDecoder // decodes the current body
	buf     []byte      // bytes read from src: the current head, then what follows
	start   int         // first unconsumed byte of buf
	end     int         // end of the bytes read into buf
	headEnd int         // end of the current head in buf, kept intact while its body is read
	req     *Request    // current request
	inBody  bool        // the current request's body is not finished
	err     error       // sticky error: the connection is finished
	body    bodyReader  // what Body returns
	copied  int         // bytes copied inside or between buffers, so tests can check the cost
}

// NewReader returns a Reader that reads requests from src within limits
// (a zero field means its default).
func NewReader(src io.Reader, limits Limits) *Reader {
	r := &Reader{src: src, limits: limits.WithDefaults()}
	r.parser.Limits = r.limits
	r.body.r = r
	return r
}

// ReadRequest reads the next request head. If the previous request's body
// was not read to its end, up to maxDiscard bytes of it are read and
// discarded first; if more remain, or the client may be waiting for a 100
// Continue that was never sent, it returns ErrUnreadBody. It returns
// io.EOF when the source ends cleanly between requests, an *Error for a
// request to refuse with its status, and other errors (wrapped) from the
// source. After any error the Reader is done: close the connection.
func (r *Reader) ReadRequest() (*Request, error) {
	if r.err != nil {
		return nil, r.err
	}
	req, err := r.readRequest()
	if err != nil {
		r.err = err
	}
	return req, err
}

func (r *Reader) readRequest() (*Request, error) {
	if r.inBody {
		if err := r.discardBody(); err != nil {
			return nil, err
		}
	}
	// The previous head is no longer needed. Leftover bytes (the start of
	// a pipelined request) stay where they are; the buffer only starts
	// again at the front when it is empty, or shrinks after a large head.
	if r.start == r.end {
		r.start, r.end = 0, 0
	}
	r.shrink()
	r.headEnd, r.req = 0, nil
	r.parser.Reset()
	for {
		n, err := r.parser.Parse(r.buf[r.start:r.end])
		if err == nil {
			r.startBody(n)
			return r.req, nil
		}
		if err != ErrNeedMore {
			return nil, err
		}
		if err := r.fillHead(); err != nil {
			return nil, err
		}
	}
}

// shrink gives back a buffer grown for a large head (or a body read behind
// one) once what is left in it fits a buffer of readSize with room for a
// read.
func (r *Reader) shrink() {
	if len(r.buf) <= readSize || r.end-r.start > readSize-minRead {
		return
	}
	if r.start == r.end {
		r.buf, r.start, r.end = nil, 0, 0 // fillHead allocates when needed
		return
	}
	buf := make([]byte, readSize)
	r.end = copy(buf, r.buf[r.start:r.end])
	r.copied += r.end
	r.buf, r.start = buf, 0
}

// startBody records a complete head of n bytes and prepares its body.
func (r *Reader) startBody(n int) {
	r.start += n
	r.headEnd = r.start
	r.req = r.parser.Request()
	r.dec.Reset(r.req, r.limits)
	r.inBody = !r.dec.Done()
}

// fillHead reads more of a head into the buffer. A buffer grown for an
// earlier head shrinks first if what is left fits a small one. When the
// free end is too small it moves the partial head to the front (the
// Parser resumes on the moved bytes), and grows the buffer when the head
// fills it, up to the head limit plus one read: the Parser refuses a
// longer head before more is needed.
func (r *Reader) fillHead() error {
	r.shrink()
	if len(r.buf)-r.end < minRead && r.start > 0 {
		r.end = copy(r.buf, r.buf[r.start:r.end])
		r.copied += r.end
		r.start = 0
	}
	if len(r.buf)-r.end < minRead {
		r.grow(min(max(2*len(r.buf), readSize), r.limits.MaxHeaderBytes+readSize))
	}
	err := r.read()
	switch {
	case err == io.EOF && r.end == r.start:
		return io.EOF
	case err == io.EOF:
		return fmt.Errorf("http1: connection closed inside a request head: %w", io.ErrUnexpectedEOF)
	case err != nil:
		return fmt.Errorf("http1: reading request head: %w", err)
	}
	return nil
}

// grow resizes the buffer to size bytes, keeping its contents at their
// offsets.
func (r *Reader) grow(size int) {
	if size <= len(r.buf) {
		return
	}
	buf := make([]byte, size)
	r.copied += copy(buf, r.buf[:r.end])
	r.buf = buf
}

// read reads once from the source into buf[end:]. It returns an error only
// when no bytes came; an error that came with bytes is kept for later.
func (r *Reader) read() error {
	if r.srcErr != nil {
		return r.srcErr
	}
	for range 100 { // io.Reader allows (0, nil); do not spin forever on it
		n, err := r.src.Read(r.buf[r.end:])
		r.end += n
		if n > 0 {
			r.srcErr = err
			return nil
		}
		if err != nil {
			return err
		}
	}
	return io.ErrNoProgress
}

// Body returns the body of the request last returned by ReadRequest. It
// returns io.EOF at the end of the message and never reads past it; a
// malformed or oversized body is an *Error (400, 413, 431). Reading it
// is optional: ReadRequest discards what is left, up to 256 KiB
// (maxDiscard).
func (r *Reader) Body() io.Reader {
	return &r.body
}

// bodyReader is the io.Reader that Body returns.
type bodyReader struct {
	r *Reader // the Reader whose current body this reads
}

// Read implements io.Reader.
func (b *bodyReader) Read(p []byte) (int, error) {
	return b.r.readBody(p)
}

// readBody decodes body bytes into p, reading from the source as needed.
func (r *Reader) readBody(p []byte) (int, error) {
	if !r.inBody {
		if r.req != nil && r.dec.err != nil {
			return 0, r.dec.err
		}
		return 0, io.EOF
	}
	if len(p) == 0 {
		return 0, nil
	}
	for {
		if r.start < r.end {
			in := r.buf[r.start:min(r.end, r.start+len(p))]
			data, n, done, err := r.dec.Decode(in)
			r.start += n
			if err != nil {
				r.inBody = false
				r.err = err
				return 0, err
			}
			r.inBody = !done
			if c := copy(p, data); c > 0 || done {
				return c, eofIf(c == 0)
			}
			continue
		}
		if r.dec.Done() {
			r.inBody = false
			return 0, io.EOF
		}
		if err := r.fillBody(); err != nil {
			r.inBody = false
			r.err = err
			return 0, err
		}
	}
}

// eofIf returns io.EOF if b, else nil.
func eofIf(b bool) error {
	if b {
		return io.EOF
	}
	return nil
}

// fillBody reads more body bytes from the source. The head before
// headEnd is kept intact, since the Request points into it: with too
// little room after it, the buffer grows (and shrinks back at the next
// request).
func (r *Reader) fillBody() error {
	if r.dec.ExpectsContinue(r.end-r.start) && r.OnContinue != nil {
		r.dec.ContinueSent()
		if err := r.OnContinue(); err != nil {
			return fmt.Errorf("http1: sending 100 Continue: %w", err)
		}
	}
	r.dec.ContinueSent()
	r.start, r.end = r.headEnd, r.headEnd
	if len(r.buf)-r.headEnd < minRead {
		r.grow(r.headEnd + readSize)
	}
	err := r.read()
	switch {
	case err == io.EOF:
		return fmt.Errorf("http1: connection closed inside a request body: %w", io.ErrUnexpectedEOF)
	case err != nil:
		return fmt.Errorf("http1: reading request body: %w", err)
	}
	return nil
}

// discardBody reads and drops the rest of the current body, up to
// maxDiscard bytes of it.
func (r *Reader) discardBody() error {
	if r.dec.ExpectsContinue(r.end - r.start) {
		return errExpectUnread
	}
	r.dec.ContinueSent() // never send 100 Continue after the response
	if !r.dec.chunked && r.dec.remaining > maxDiscard {
		return fmt.Errorf("%w (%d bytes of it left)", ErrUnreadBody, r.dec.remaining)
	}
	for budget := maxDiscard; r.inBody && !r.dec.Done(); {
		if budget <= 0 {
			return fmt.Errorf("%w (more than %d bytes of it left)", ErrUnreadBody, maxDiscard)
		}
		if r.start == r.end {
			if err := r.fillBody(); err != nil {
				return fmt.Errorf("http1: discarding request body: %w", err)
			}
		}
		_, n, done, err := r.dec.Decode(r.buf[r.start:min(r.end, r.start+budget)])
		r.start += n
		budget -= n
		if err != nil {
			return fmt.Errorf("http1: discarding request body: %w", err)
		}
		r.inBody = !done
	}
	r.inBody = false
	return nil
}
