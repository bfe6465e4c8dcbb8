package gateway

import (
	"errors"
	"fmt"
	"io"
	"os"
	"sync"

	"lbws/shared/http1"
)

// ExchangeOptions are the per-request choices of the driver of an
// Exchange.
type ExchangeOptions struct {
	// Close makes the server close the connection after this response
	// (server shutdown, a stage without keep-alive, a timeout, the
	// loop's decision). The response then carries "Connection: close"
	// (RFC 9112 section 9.6) and Result.KeepAlive is false.
	Close bool

	// Closing, when not nil, is asked once, just before the status line
	// and header fields are encoded: if it returns true, the response is
	// closed as with Close. The head is produced only when the app starts
	// its response, so a stop that arrives while the app runs (server
	// shutdown) is still announced in it, as RFC 9112 section 9.6 asks of
	// a server that will close, instead of closing after a response that
	// promised keep-alive. It runs on the goroutine that produces the
	// head: the app's (under a Sink, or Serve) or the caller of Next.
	Closing func() bool

	// Sink, when not nil, takes the encoded response bytes that the app
	// pushes through PEP 3333's write callable while it runs (during the
	// App call or inside Body.Next), in order, before write returns. A
	// blocking driver writes them to the connection, so a handler that
	// flushes reaches the client at once; a loop's worker hands them to
	// the loop and waits until the connection's output queue is under
	// its bound. An error from Sink (the client went away) is returned by
	// write and ends the exchange. When Sink is nil (an app run inline in
	// a loop), write's bytes are copied into the exchange and handed out
	// by the next calls of Next: the bound cannot hold back an app that
	// pushes, which is why PEP 3333 discourages write.
	Sink func(p []byte) error
}

// Exchange runs an App for one request and hands out the response a
// piece at a time: the resumable core that every driver (Serve,
// ServeFramed, an event loop) shares, so that every check of what the app
// does lives once.
//
// Start runs the App; then each call of Next appends the next bytes of
// the response (status line and header fields, then the body with its
// framing, then the end) to the caller's slice, at most limit bytes per
// call. Next pulls the app's Body only when it has nothing pending and
// room left: a caller that stops calling Next stops the app, which is how
// a loop exerts backpressure on a client that does not read. Once
// started, an Exchange holds no pointer into the request or the
// connection's read buffer.
//
// The request body (wsgi.input) is a reader that ends with io.EOF at the
// end of the body; a loop hands a buffered body or a stream it feeds. An
// error from it that is an *http1.Error (a malformed chunk: 400, RFC 9112
// 7.1; a body over the limit: 413, RFC 9110 15.5.14), that matches
// os.ErrDeadlineExceeded (408, RFC 9110 15.5.9) or that matches
// io.ErrUnexpectedEOF (the client closed before the end of its body, an
// incomplete message: 400, RFC 9112 8) is the client's fault: if
// the app gives up, the response is that status instead of 500, and the
// connection closes after it, since where the next request starts is
// unknown (RFC 9112 6.3).
//
// An Exchange is used by one goroutine at a time.
type Exchange struct {
	s      *Server         // the server
	opt    ExchangeOptions // the driver's choices
	w      io.Writer       // Serve's client: a Sink without a closure
	fr     Framer          // ServeFramed's client: events instead of bytes
	method string          // the request method, for log lines
	target string          // the request-target, for log lines
	gen    uint64          // bumped per request: stale callbacks are refused
	enc    http1.Encoder   // frames the response
	q      outQueue        // produced bytes not yet handed out
	head   responseHead    // what the app passed to start_response
	body   Body            // what the app returned; nil once closed
	state  exchangeState   // what Next does next
	hold   []byte          // copy of the first chunk, while the length is open
	held   bool            // hold contains a chunk not yet sent
	shown  bool            // a non-empty chunk was yielded: the headers count as sent (PEP 3333)
	fault  error           // the first thing the app did wrong
	abort  error           // why the response cannot be completed; Next returns it
	in     *input          // wsgi.input, in the Environ: the body, watched for errors
	sink   []byte          // buffer for the bytes of write under a Sink
	wbuf   []byte          // Serve's buffer for the bytes of Next
}

// exchangeState is where an Exchange is in the response.
type exchangeState uint8

const (
	stateBody exchangeState = iota // pulling the Body
	stateEnd                       // the Body ended: close it and end the response
	stateDone                      // everything is produced (or aborted)
)

// exchangePool recycles exchanges with their buffers. Nothing an app can
// keep points into a pooled Exchange: its callbacks check the generation.
var exchangePool = sync.Pool{New: func() any { return new(Exchange) }}

// input is wsgi.input. It remembers the first error the request body
// returned, because a body that failed (malformed, too large, too slow)
// leaves the connection's framing unknown, whatever the app then does.
type input struct {
	r   io.Reader // the request body
	err error     // first error other than io.EOF
}

// inputErr returns the first error reading wsgi.input returned, if any.
func (x *Exchange) inputErr() error {
	if x.in == nil {
		return nil
	}
	return x.in.err
}

// Read reads from the request body.
func (in *input) Read(p []byte) (int, error) {
	n, err := in.r.Read(p)
	if err != nil && !errors.Is(err, io.EOF) && in.err == nil {
		in.err = err
	}
	return n, err
}

// !+exchange

// Start begins one exchange: it builds the Environ (copying what it needs
// out of req, so the caller may reuse its read buffer and parser as soon
// as Start returns) and calls the App, which may block. It does not pull
// the Body. body is wsgi.input (see Exchange); nil means no body.
// remoteAddr is the client's "host:port". The caller must call Release
// exactly once.
func (s *Server) Start(req *http1.Request, body io.Reader, remoteAddr string, opt ExchangeOptions) *Exchange {
	return exchangePool.Get().(*Exchange).begin(s, req, body, remoteAddr, opt)
}

// !-exchange

// begin is Start on a fresh Exchange from the pool.
func (x *Exchange) begin(s *Server, req *http1.Request, body io.Reader, remoteAddr string, opt ExchangeOptions) *Exchange {
	x.s, x.opt, x.state = s, opt, stateBody
	x.enc.Reset(req)
	if opt.Close {
		x.enc.DisableKeepAlive()
	}
	env, err := s.newEnviron(req, body, remoteAddr)
	if err != nil {
		// An invalid percent-escape in the path (RFC 3986 section 2.1).
		x.method, x.target = string(req.Method), string(req.Target)
		x.enc.DisableKeepAlive()
		x.answer(400, err.Error())
		return x
	}
	x.method, x.target, x.in = env.RequestMethod, env.RequestURI, &env.in
	x.body = x.runApp(env)
	return x
}

// !+exchange

// Next appends the next bytes of the response to dst and returns it,
// producing at most limit bytes (limit >= 1) in this call. done is true once
// the whole response is in the returned slice (or the exchange was
// aborted); Result is then final. err != nil means the response cannot be
// completed honestly (a fault after the head went out, a body that broke
// the app's Content-Length, a failed Sink): the caller sends what was
// returned and closes the connection.
func (x *Exchange) Next(dst []byte, limit int) (out []byte, done bool, err error) {
	limit = max(limit, 1)
	x.q.dst, x.q.limit = dst, len(dst)+limit
	start := len(dst)
	for {
		x.q.drain()
		if x.q.pending() || x.q.room() == 0 || x.state == stateDone {
			break
		}
		if x.sinking() && x.state == stateBody && len(x.q.dst) > start {
			// What write pushes goes to the Sink at once; the bytes
			// in dst must reach the caller first.
			break
		}
		x.step()
	}
	out = x.q.dst
	x.q.dst, x.q.limit = nil, 0
	if x.state != stateDone || x.q.pending() {
		return out, false, nil
	}
	return out, true, x.abort
}

// !-exchange

// Result reports what was sent: the status, the body bytes, and whether
// the connection may carry another request (false after Close, a failed
// request body, a fault or an abort, or a response whose end is the
// close).
func (x *Exchange) Result() Result {
	keep := x.enc.KeepAlive() && x.inputErr() == nil && x.abort == nil
	return Result{Status: x.enc.Status(), Bytes: x.enc.Written(), KeepAlive: keep}
}

// Release ends the exchange: a Body not yet closed is closed now (the
// client went away, or the caller gave up), callbacks the app kept
// become stale, and x goes back to a pool. The caller must not use x
// again.
func (x *Exchange) Release() {
	if x.body != nil {
		had := x.fault
		x.closeBody()
		if had == nil && x.fault != nil {
			x.s.logf("%s: %v", x.where(), x.fault)
		}
	}
	x.gen++
	x.q.reset()
	*x = Exchange{
		gen: x.gen, q: x.q,
		hold: keepSmall(x.hold), sink: keepSmall(x.sink), wbuf: keepSmall(x.wbuf),
		head: responseHead{headers: x.head.headers[:0]},
	}
	exchangePool.Put(x)
}

// keepSmall returns b emptied, or nil if it is too large to keep in the
// pool.
func keepSmall(b []byte) []byte {
	if cap(b) > maxPooledQueue {
		return nil
	}
	return b[:0]
}

// sinking reports whether write's bytes go to a Sink rather than to Next.
func (x *Exchange) sinking() bool { return x.opt.Sink != nil || x.w != nil }

// step produces the next piece of the response. It runs only when nothing
// is pending.
func (x *Exchange) step() {
	switch x.state {
	case stateBody:
		x.pull()
	case stateEnd:
		x.state = stateDone
		x.closeBody()
		x.finish()
	}
}

// pull calls Body.Next once and queues what it yields.
func (x *Exchange) pull() {
	if x.body == nil || x.fault != nil || x.abort != nil {
		x.state = stateEnd
		return
	}
	chunk, err := x.next()
	switch {
	case x.abort != nil:
		x.state = stateDone
	case errors.Is(err, io.EOF):
		x.state = stateEnd
	case err != nil:
		x.setFault(fmt.Errorf("gateway: body: %w", err))
		x.state = stateEnd
	case x.fault != nil:
		// A fault inside Next (start_response misuse, a panic).
		x.state = stateEnd
	case len(chunk) == 0:
		// An empty chunk does not start the response (PEP 3333).
	case !x.head.called:
		x.setFault(ErrNoStart)
		x.state = stateEnd
	default:
		x.emit(chunk, true)
	}
}

// emit queues one chunk of the body. Until the response has started and
// while the app gave no Content-Length, the first chunk is held back
// (canHold): if the body ends right after it, the response gets an exact
// Content-Length instead of chunked framing. A held chunk is copied; a
// chunk from the Body is otherwise queued by reference (fromBody).
func (x *Exchange) emit(chunk []byte, fromBody bool) error {
	x.shown = true
	if !x.enc.HeaderWritten() {
		if fromBody && !x.held && x.head.contentLength < 0 {
			x.hold, x.held = append(x.hold[:0], chunk...), true
			return nil
		}
		if err := x.commit(x.head.contentLength); err != nil {
			return err
		}
	}
	return x.putBody(chunk, fromBody)
}

// commit queues the status line and headers, then any held chunk.
func (x *Exchange) commit(contentLength int64) error {
	h := &x.head
	if x.inputErr() != nil {
		// The app answered although its request body failed: where
		// the next request would start is unknown (RFC 9112 6.3).
		x.enc.DisableKeepAlive()
	}
	if err := x.sendHead(h.code, h.reason, h.headers, contentLength); err != nil {
		return err
	}
	if !x.held {
		return nil
	}
	x.held = false
	return x.putBody(x.hold, true)
}

// putBody queues p with its framing; byRef lets the queue keep p instead
// of copying it (see outQueue).
func (x *Exchange) putBody(p []byte, byRef bool) error {
	if x.fr != nil {
		return x.framedBody(p)
	}
	b, n, err := x.enc.AppendChunkStart(x.q.begin(), len(p))
	x.q.end(b)
	if byRef {
		x.q.putData(p[:n])
	} else {
		x.q.put(p[:n])
	}
	x.q.end(x.enc.AppendChunkEnd(x.q.begin(), n))
	if err != nil {
		return x.encodeError(err)
	}
	return nil
}

// sendHead queues the status line and headers (or, under ServeFramed,
// hands them to the Framer).
func (x *Exchange) sendHead(code int, reason string, headers []Header, contentLength int64) error {
	if x.fr != nil {
		return x.framedHead(code, reason, headers, contentLength)
	}
	if x.opt.Closing != nil && x.opt.Closing() {
		x.enc.DisableKeepAlive()
	}
	b, err := x.enc.AppendHeader(x.q.begin(), code, reason, headers, contentLength)
	x.q.end(b)
	if err != nil {
		return x.setAbort(fmt.Errorf("gateway: %w", err))
	}
	return nil
}

// sendEnd queues the end of the framing, after checking the body against
// its Content-Length.
func (x *Exchange) sendEnd() error {
	var err error
	if x.fr != nil {
		// The Framer ends the message; the encoder only checks.
		_, err = x.enc.AppendEnd(x.sink[:0])
	} else {
		var b []byte
		b, err = x.enc.AppendEnd(x.q.begin())
		x.q.end(b)
	}
	if err != nil {
		return x.encodeError(err)
	}
	return nil
}

// encodeError handles an error of the encoder: a body longer or shorter
// than its Content-Length is the app's fault and is logged; the response
// cannot be completed.
func (x *Exchange) encodeError(err error) error {
	if errors.Is(err, http1.ErrBodyTooLong) || errors.Is(err, http1.ErrBodyTooShort) {
		x.s.logf("%s: %v", x.where(), err)
		return x.setAbort(fmt.Errorf("%w: %w", ErrLengthAbused, err))
	}
	return x.setAbort(fmt.Errorf("gateway: %w", err))
}

// setAbort records why the response cannot be completed and stops the
// exchange.
func (x *Exchange) setAbort(err error) error {
	if x.abort == nil {
		x.abort = err
	}
	x.state = stateDone
	return x.abort
}

// finish ends a response after the Body ended: with the end of the
// framing, or with an answer to the fault.
func (x *Exchange) finish() {
	if x.abort != nil {
		return
	}
	if x.fault == nil && !x.head.called {
		x.setFault(errors.New("gateway: app returned without calling start_response"))
	}
	if x.fault != nil {
		x.answerFault()
		return
	}
	if !x.enc.HeaderWritten() {
		n := int64(len(x.hold))
		if !x.held {
			n = 0
		}
		if x.head.contentLength >= 0 {
			n = x.head.contentLength
		} else if x.head.code == 304 {
			// A 304 has no body, and a Content-Length the app did not
			// give would claim an empty representation (RFC 9110
			// 8.6, 15.4.5): send none.
			n = -1
		}
		if x.commit(n) != nil {
			return
		}
	}
	x.sendEnd()
}

// answerFault answers a fault: with the status the request body's error
// calls for, if reading the body failed (the client's fault, not logged),
// otherwise with 500 and a log line. If the response has begun, nothing
// can be answered: the connection must end. A chunk held back is
// abandoned.
func (x *Exchange) answerFault() {
	code, reason, clients := inputFault(x.inputErr())
	if !clients {
		x.s.logf("%s: %v", x.where(), x.fault)
	}
	if x.enc.HeaderWritten() {
		x.setAbort(fmt.Errorf("gateway: response aborted: %w", x.fault))
		return
	}
	x.held = false
	if x.inputErr() != nil {
		// Where the failed body ends is unknown, so the connection
		// closes after the answer.
		x.enc.DisableKeepAlive()
	}
	if !clients {
		code, reason = 500, ""
	}
	x.answer(code, reason)
}

// inputFault tells whether an error from reading wsgi.input is the
// client's: a malformed or oversized body (an *http1.Error, answered with
// its status), a body that did not arrive in time (an error matching
// os.ErrDeadlineExceeded, answered 408), or a client that closed before
// the end of its body (an error matching io.ErrUnexpectedEOF: an
// incomplete message, RFC 9112 8, answered 400 if anyone still reads).
// None is the app's fault, so none is logged here: a driver logs a client
// that went away only when verbose.
func inputFault(err error) (code int, reason string, ok bool) {
	var perr *http1.Error
	switch {
	case err == nil:
		return 0, "", false
	case errors.As(err, &perr):
		return perr.Status, perr.Reason, true
	case errors.Is(err, os.ErrDeadlineExceeded):
		return 408, "request body not received in time", true
	case errors.Is(err, io.ErrUnexpectedEOF):
		return 400, "connection closed before the request body was complete", true
	}
	return 0, "", false
}

// answer queues a short text response with status code, when nothing of
// the app's response was queued; reason goes in the body after the
// status. It ends the exchange.
func (x *Exchange) answer(code int, reason string) {
	x.state = stateDone
	body := fmt.Sprintf("%d %s\n", code, http1.StatusText(code))
	if reason != "" {
		body = fmt.Sprintf("%d %s: %s\n", code, http1.StatusText(code), reason)
	}
	if x.sendHead(code, "", answerHeaders, int64(len(body))) != nil {
		return
	}
	if x.putBody([]byte(body), false) != nil {
		return
	}
	x.sendEnd()
}

// answerHeaders are the fields of the gateway's own answers.
var answerHeaders = []Header{{Name: "Content-Type", Value: "text/plain; charset=utf-8"}}

// where names the request in a log line.
func (x *Exchange) where() string {
	return x.method + " " + x.target
}
