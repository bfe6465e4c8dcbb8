package gateway

import (
	"errors"
	"fmt"
	"io"
	"log"
	"net/http"
	"os"
	"sync"

	"lbws/shared/http1"
)

// Server runs an App for parsed requests. It is the piece every stage
// shares: a blocking stage calls Serve with the connection as w, an event
// loop with a buffer it drains later. Serve does no I/O besides writing to
// w and reading the body it is given, so it works under any concurrency
// model. A Server may serve many requests at once.
type Server struct {
	App          App         // the application
	Name         string      // SERVER_NAME
	Port         string      // SERVER_PORT
	Multithread  bool        // wsgi.multithread
	Multiprocess bool        // wsgi.multiprocess
	Log          *log.Logger // where app faults and wsgi.errors go; nil means log.Default()
}

// Result describes a response Serve sent.
type Result struct {
	Status    int   // status code sent
	Bytes     int64 // body bytes sent
	KeepAlive bool  // the connection may carry another request
}

// exchangePool recycles the per-request state, above all the response
// buffer, so a small response costs no buffer allocation.
var exchangePool = sync.Pool{New: func() any { return new(exchange) }}

// exchange is the state of one request while its App runs.
type exchange struct {
	s     *Server        // the server
	w     io.Writer      // the client
	req   *http1.Request // the request being answered
	gen   uint64         // bumped per request: stale callbacks are refused
	resp  http1.Response // the encoder
	head  responseHead   // what the app passed to start_response
	hold  []byte         // copy of the first chunk, while the length is open
	held  bool           // hold contains a chunk not yet sent
	fault error          // the first thing the app did wrong
	input input          // wsgi.input: the request body, watched for errors
}

// input is wsgi.input. It remembers the first error the request body
// returned, because a body that failed (malformed, too large, too slow)
// leaves the connection's framing unknown, whatever the app then does.
type input struct {
	r   io.Reader // the request body
	err error     // first error other than io.EOF
}

// Read reads from the request body.
func (in *input) Read(p []byte) (int, error) {
	n, err := in.r.Read(p)
	if err != nil && !errors.Is(err, io.EOF) && in.err == nil {
		in.err = err
	}
	return n, err
}

// Serve runs the App for one parsed request and writes the whole response
// to w. body is the request body (it must end at the message end); it is
// the app's wsgi.input, and Serve reads nothing else from it.
//
// Serve checks what the app does. A fault before any byte was sent (a bad
// status or header, start_response misuse, a panic in the app or its Body)
// is answered with 500, logged as one line, and the connection stays
// usable. A fault after the response began, or a body that does not match
// the Content-Length the app set, cannot be answered honestly: it is
// logged and Serve returns an error with KeepAlive false, and the caller
// must close the connection. An error writing to w is returned but not
// logged (the client went away); the Body is closed in every case.
//
// If reading the request body fails (an *http1.Error for a malformed or
// oversized body, a read deadline) and the app gives up, the answer is the
// body's own status (400, 413, 408) instead of 500, without a log line;
// whatever the app answers, the connection then closes, since where the
// next request starts is unknown.
func (s *Server) Serve(w io.Writer, req *http1.Request, body io.Reader, remoteAddr string) (Result, error) {
	x := exchangePool.Get().(*exchange)
	x.reset(s, w, req)
	defer x.release()

	x.input.r = body
	if body == nil {
		x.input.r = http.NoBody
	}
	env, err := s.newEnviron(req, &x.input, remoteAddr)
	if err != nil {
		// An invalid percent-escape in the path (RFC 3986 section 2.1).
		x.resp.DisableKeepAlive()
		return x.answer(400, err.Error())
	}
	b := x.runApp(env)
	werr := x.iterate(b)
	x.closeBody(b)
	if werr != nil {
		return x.result(), werr
	}
	if x.fault != nil {
		return x.answerFault()
	}
	return x.complete()
}

// reset prepares x for a new request.
func (x *exchange) reset(s *Server, w io.Writer, req *http1.Request) {
	x.s, x.w, x.req = s, w, req
	x.gen++
	x.resp.Reset(w, req)
	x.head = responseHead{headers: x.head.headers[:0]}
	x.hold, x.held, x.fault = x.hold[:0], false, nil
	x.input = input{}
}

// maxPooledHold bounds the held-chunk buffer kept in the pool, so one
// large response does not pin its memory for the life of the process.
const maxPooledHold = 64 << 10

// release retires x: callbacks the app kept become stale, references to
// the request are dropped, and x goes back to the pool.
func (x *exchange) release() {
	x.gen++
	x.s, x.w, x.req, x.input, x.fault = nil, nil, nil, input{}, nil
	x.resp.Reset(nil, nil)
	if cap(x.hold) > maxPooledHold {
		x.hold = nil
	}
	exchangePool.Put(x)
}

// runApp calls the App, turning a panic into a fault.
func (x *exchange) runApp(env *Environ) (b Body) {
	defer x.recoverInto("app")
	return x.s.App(env, x.startFunc())
}

// startFunc returns the StartResponse for this request.
func (x *exchange) startFunc() StartResponse {
	gen := x.gen
	return func(status string, headers []Header, excInfo error) (WriteFunc, error) {
		if x.gen != gen {
			return nil, ErrStale
		}
		if err := x.head.start(status, headers, excInfo, x.resp.HeaderWritten()); err != nil {
			x.setFault(err)
			return nil, err
		}
		if excInfo != nil && x.fault == nil {
			// The app reports its own failure and replaces the
			// response; log it, since the client will not see why.
			x.s.logf("gateway: %s: app error: %v", x.where(), excInfo)
		}
		return x.writeFunc(gen), nil
	}
}

// writeFunc returns PEP 3333's write() for this request: it sends p
// before returning, after any chunk already yielded.
func (x *exchange) writeFunc(gen uint64) WriteFunc {
	return func(p []byte) error {
		switch {
		case x.gen != gen:
			return ErrStale
		case x.fault != nil:
			return x.fault
		case len(p) == 0:
			return nil
		}
		return x.emit(p, false)
	}
}

// iterate sends the Body's chunks until io.EOF, a fault, or a write error,
// which it returns.
func (x *exchange) iterate(b Body) error {
	if b == nil {
		return nil
	}
	for x.fault == nil {
		chunk, err := x.next(b)
		switch {
		case errors.Is(err, io.EOF):
			return nil
		case err != nil:
			x.setFault(fmt.Errorf("gateway: body: %w", err))
			return nil
		case x.fault != nil || len(chunk) == 0:
			// A fault inside Next ends the loop; an empty chunk does
			// not start the response (PEP 3333).
			continue
		case !x.head.called:
			x.setFault(ErrNoStart)
			return nil
		}
		if err := x.emit(chunk, true); err != nil {
			return err
		}
	}
	return nil
}

// next calls b.Next, turning a panic into a fault.
func (x *exchange) next(b Body) (chunk []byte, err error) {
	defer x.recoverInto("body Next")
	chunk, err = b.Next()
	if x.fault != nil {
		return nil, nil
	}
	return chunk, err
}

// closeBody calls b.Close, turning a panic into a fault. An error from
// Close is only logged: the response is not affected.
func (x *exchange) closeBody(b Body) {
	if b == nil {
		return
	}
	defer x.recoverInto("body Close")
	if err := b.Close(); err != nil {
		x.s.logf("gateway: %s: body Close: %v", x.where(), err)
	}
}

// recoverInto turns a panic into a fault. It must be deferred directly.
func (x *exchange) recoverInto(what string) {
	if v := recover(); v != nil {
		x.setFault(fmt.Errorf("gateway: panic in %s: %v", what, v))
	}
}

// setFault records the first fault.
func (x *exchange) setFault(err error) {
	if x.fault == nil {
		x.fault = err
	}
}

// emit sends one chunk of the body. Until the response has started and
// while the app gave no Content-Length, the first chunk is held back
// (canHold): if the body ends right after it, the response gets an exact
// Content-Length instead of chunked framing.
func (x *exchange) emit(chunk []byte, canHold bool) error {
	if !x.resp.HeaderWritten() {
		if canHold && !x.held && x.head.contentLength < 0 {
			x.hold, x.held = append(x.hold[:0], chunk...), true
			return nil
		}
		if err := x.commit(x.head.contentLength); err != nil {
			return err
		}
	}
	if _, err := x.resp.Write(chunk); err != nil {
		return x.writeError(err)
	}
	if err := x.resp.Flush(); err != nil {
		return x.writeError(err)
	}
	return nil
}

// commit writes the status line and headers, then any held chunk.
func (x *exchange) commit(contentLength int64) error {
	h := &x.head
	if x.input.err != nil {
		// The app answered although its request body failed: where
		// the next request would start is unknown (RFC 9112 6.3).
		x.resp.DisableKeepAlive()
	}
	if err := x.resp.WriteHeader(h.code, h.reason, h.headers, contentLength); err != nil {
		return fmt.Errorf("gateway: %w", err)
	}
	if !x.held {
		return nil
	}
	x.held = false
	if _, err := x.resp.Write(x.hold); err != nil {
		return x.writeError(err)
	}
	return nil
}

// writeError classifies an error from the encoder: a body longer than its
// Content-Length is the app's fault and is logged; anything else is the
// client's connection.
func (x *exchange) writeError(err error) error {
	if errors.Is(err, http1.ErrBodyTooLong) || errors.Is(err, http1.ErrBodyTooShort) {
		x.s.logf("%s: %v", x.where(), err)
		return fmt.Errorf("%w: %w", ErrLengthAbused, err)
	}
	return fmt.Errorf("gateway: %w", err)
}

// complete ends a response the app finished without fault.
func (x *exchange) complete() (Result, error) {
	if !x.head.called {
		x.setFault(fmt.Errorf("gateway: app returned without calling start_response"))
		return x.answerFault()
	}
	if !x.resp.HeaderWritten() {
		n := int64(len(x.hold))
		if x.head.contentLength >= 0 {
			n = x.head.contentLength
		}
		if err := x.commit(n); err != nil {
			return x.result(), err
		}
	}
	if err := x.resp.Finish(); err != nil {
		return x.result(), x.writeError(err)
	}
	return x.result(), nil
}

// answerFault answers a fault: with the status the request body's error
// calls for, if reading the body failed (the client's fault, not logged),
// otherwise with 500 and a log line. If the response has begun, nothing
// can be answered: the connection must end.
func (x *exchange) answerFault() (Result, error) {
	code, reason, clients := inputFault(x.input.err)
	if !clients {
		x.s.logf("%s: %v", x.where(), x.fault)
	}
	if x.resp.HeaderWritten() {
		return Result{Status: x.resp.Status(), Bytes: x.resp.Written()},
			fmt.Errorf("gateway: response aborted: %w", x.fault)
	}
	if x.input.err != nil {
		// Where the failed body ends is unknown, so the connection
		// closes after the answer.
		x.resp.DisableKeepAlive()
	}
	if clients {
		return x.answer(code, reason)
	}
	return x.answer(500, "")
}

// inputFault tells whether an error from reading wsgi.input is the
// client's: a malformed or oversized body (an *http1.Error, answered with
// its status: 400 for bad chunked framing, RFC 9112 7.1; 413 for a body
// over the limit, RFC 9110 15.5.14), or a body that did not arrive in time
// (an error matching os.ErrDeadlineExceeded, answered 408, RFC 9110
// 15.5.9).
func inputFault(err error) (code int, reason string, ok bool) {
	var perr *http1.Error
	switch {
	case err == nil:
		return 0, "", false
	case errors.As(err, &perr):
		return perr.Status, perr.Reason, true
	case errors.Is(err, os.ErrDeadlineExceeded):
		return 408, "request body not received in time", true
	}
	return 0, "", false
}

// answer sends a short text response with status code; reason goes in the
// body after the status.
func (x *exchange) answer(code int, reason string) (Result, error) {
	keep := x.resp.KeepAlive()
	x.resp.Reset(x.w, x.req)
	if !keep {
		x.resp.DisableKeepAlive()
	}
	body := fmt.Sprintf("%d %s\n", code, http1.StatusText(code))
	if reason != "" {
		body = fmt.Sprintf("%d %s: %s\n", code, http1.StatusText(code), reason)
	}
	hs := []Header{{Name: "Content-Type", Value: "text/plain; charset=utf-8"}}
	if err := x.resp.WriteHeader(code, "", hs, int64(len(body))); err != nil {
		return x.result(), fmt.Errorf("gateway: %w", err)
	}
	if _, err := io.WriteString(&x.resp, body); err != nil {
		return x.result(), x.writeError(err)
	}
	if err := x.resp.Finish(); err != nil {
		return x.result(), x.writeError(err)
	}
	return x.result(), nil
}

// result reports what was sent.
func (x *exchange) result() Result {
	keep := x.resp.KeepAlive() && x.input.err == nil
	return Result{Status: x.resp.Status(), Bytes: x.resp.Written(), KeepAlive: keep}
}

// where names the request in a log line.
func (x *exchange) where() string {
	return fmt.Sprintf("%s %s", x.req.Method, x.req.Target)
}

// logf writes one line to the server's log.
func (s *Server) logf(format string, args ...any) {
	l := s.Log
	if l == nil {
		l = log.Default()
	}
	l.Printf(format, args...)
}
