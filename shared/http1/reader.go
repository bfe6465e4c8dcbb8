package http1

import (
	"errors"
	"fmt"
	"io"
)

// readSize is the least room the Reader keeps for one read from its
// source, and the size of its first buffer.
const readSize = 4 << 10

// errExpectUnread ends a connection whose previous request asked for
// 100-continue, was never told to continue, and whose body was not read:
// the client may still be waiting, so the body's framing cannot be
// trusted to arrive (RFC 9110 10.1.1). The server closes instead.
var errExpectUnread = errors.New("http1: request body not read and 100-continue not sent; closing")

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
// Its buffer grows only as far as the head limit (plus room for one read);
// bytes after the current request stay buffered for the next one, so
// pipelined requests work. A Request returned by ReadRequest is valid
// until the next ReadRequest.
type Reader struct {
	// OnContinue, if set, is called once per request that sent
	// "Expect: 100-continue", just before the first read of its body from
	// the source, and only if the body is not already buffered. It writes
	// "100 Continue" (RFC 9110 10.1.1). An error from it ends the body.
	OnContinue func() error

	src       io.Reader
	srcErr    error // error saved from a read that also returned bytes
	limits    Limits
	parser    Parser
	dec       BodyDecoder
	buf       []byte
	start     int      // first unconsumed byte of buf
	end       int      // end of the bytes read into buf
	headEnd   int      // buf[:headEnd] holds the current head
	req       *Request // current request
	inBody    bool     // the current request's body is not finished
	continued bool     // OnContinue was called (or must not be) for req
	err       error    // sticky error: the connection is finished
	body      bodyReader
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
// was not read to its end, the rest is read and discarded first (bounded
// by MaxBody). It returns io.EOF when the source ends cleanly between
// requests, an *Error for a request to refuse with its status, and other
// errors (wrapped) from the source. After any error the Reader is done:
// close the connection.
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
	// The previous head is no longer needed: move leftover bytes (the
	// start of a pipelined request) to the front.
	r.end = copy(r.buf, r.buf[r.start:r.end])
	r.start, r.headEnd, r.req = 0, 0, nil
	r.parser.Reset()
	for {
		n, err := r.parser.Parse(r.buf[:r.end])
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

// startBody records a complete head of n bytes and prepares its body.
func (r *Reader) startBody(n int) {
	r.start, r.headEnd = n, n
	r.req = r.parser.Request()
	r.dec.Reset(r.req, r.limits.MaxBody)
	r.dec.maxTrailer, r.dec.maxTrailerN = r.limits.MaxHeaderBytes, r.limits.MaxFields
	r.inBody, r.continued = !r.dec.Done(), false
}

// fillHead reads more of a head into the buffer, growing it up to the
// head limit; the Parser refuses a longer head before more is needed.
func (r *Reader) fillHead() error {
	if r.end == len(r.buf) {
		r.grow(min(max(2*len(r.buf), readSize), r.limits.MaxHeaderBytes+readSize))
	}
	err := r.read()
	switch {
	case err == io.EOF && r.end == 0:
		return io.EOF
	case err == io.EOF:
		return fmt.Errorf("http1: connection closed inside a request head: %w", io.ErrUnexpectedEOF)
	case err != nil:
		return fmt.Errorf("http1: reading request head: %w", err)
	}
	return nil
}

// grow resizes the buffer to size bytes, keeping its contents.
func (r *Reader) grow(size int) {
	if size <= len(r.buf) {
		return
	}
	buf := make([]byte, size)
	copy(buf, r.buf[:r.end])
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
// is optional: ReadRequest discards what is left.
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

// fillBody reads more body bytes from the source. The head in
// buf[:headEnd] is kept intact, since the Request points into it.
func (r *Reader) fillBody() error {
	if !r.continued && r.req.Expect100 && r.OnContinue != nil {
		r.continued = true
		if err := r.OnContinue(); err != nil {
			return fmt.Errorf("http1: sending 100 Continue: %w", err)
		}
	}
	r.continued = true
	r.start, r.end = r.headEnd, r.headEnd
	r.grow(r.headEnd + readSize)
	err := r.read()
	switch {
	case err == io.EOF:
		return fmt.Errorf("http1: connection closed inside a request body: %w", io.ErrUnexpectedEOF)
	case err != nil:
		return fmt.Errorf("http1: reading request body: %w", err)
	}
	return nil
}

// discardBody reads and drops the rest of the current body.
func (r *Reader) discardBody() error {
	if r.req.Expect100 && !r.continued && r.start == r.end {
		return errExpectUnread
	}
	r.continued = true // never send 100 Continue after the response
	for r.inBody && !r.dec.Done() {
		if r.start == r.end {
			if err := r.fillBody(); err != nil {
				return fmt.Errorf("http1: discarding request body: %w", err)
			}
		}
		_, n, done, err := r.dec.Decode(r.buf[r.start:r.end])
		r.start += n
		if err != nil {
			return fmt.Errorf("http1: discarding request body: %w", err)
		}
		r.inBody = !done
	}
	r.inBody = false
	return nil
}
