package loop

import (
	"bytes"
	"fmt"
	"io"
	"log"
	"time"

	"lbws/shared/http1"
)

// begin dispatches a request whose head is complete: head is its bytes
// (viewed by req) and buffered the number of bytes after it already
// received. Without a body and without workers the app runs right here,
// inside the loop; otherwise the request keeps a copy of its head and
// runs on a worker, or once its body has arrived, or once it is its turn
// (an unsafe method, see startHeld). A request with a body reaches a
// worker only once its body is all in, or has filled the body buffer
// (see dispatch).
func (c *Conn) begin(req *http1.Request, head []byte, buffered int) {
	l := c.l
	s := newSlot(c)
	// The idle time counts from the end of the last response: with the
	// app inline, a request can be read and answered within one turn,
	// and the connection would keep the idle deadline of the one before.
	c.idleBy = 0
	if l.cfg.Verbose {
		s.method, s.target, s.start = string(req.Method), string(req.Target), time.Now()
	}
	if !req.KeepAlive {
		// RFC 9112 9.6: after "close" the server processes no further
		// request on the connection.
		c.noMore = true
	}
	if !l.keepAlive {
		// The stage is short of descriptors (SetKeepAlive): end
		// keep-alive, so that the connections waiting for one get their
		// turn.
		c.noMore = true
	}
	s.opt.Close = c.noMore || l.stopping // s.opt.Closing is set once per slot (slotPool)
	// RFC 9112 9.3.2: only a sequence of requests with safe methods may
	// be processed in parallel. An unsafe request waits until every
	// response before it is complete (if one of them ends the
	// connection, it must not have run), and the requests after it wait
	// for its response (they may depend on what it changed).
	s.unsafe = !safe(req.Method)
	s.held = len(c.slots) > 0 && (s.unsafe || c.anyUnsafe())
	if l.inline && l.stopReq.Load() {
		// Stop was called while this turn runs apps inline: a request
		// the app has not begun is not in flight. One turn can hold a
		// request on every ready connection, 200 ms each with the
		// article's app, far past the shutdown deadline; answer the
		// rest 503 instead (RFC 9110 15.6.4).
		c.dropParser()
		c.busy(s, "shutting down")
		return
	}
	var bi *bodyIn
	if req.HasBody() {
		bi = &bodyIn{s: s}
		bi.dec.Reset(req, l.cfg.Limits)
		if err := bodyRefused(&bi.dec, req, l); err != nil {
			// Over a limit already by its declared length: answered
			// at once, without waiting for the body (RFC 9110 10.1.1).
			c.dropParser()
			c.answer(s, err.Status, err.Reason)
			return
		}
	}
	if l.inline && bi == nil && !s.held {
		s.inline = true
		c.slots = append(c.slots, s)
		s.x = l.gw.Start(req, nil, c.remote, s.opt) // the app runs now, in the loop
		c.dropParser()
		return
	}
	// The app runs later: give the request its own copy of the head. A
	// finished Parser re-points its Request at the bytes it is given.
	s.head = getBuffer(len(head))
	s.head.b = append(s.head.b[:0], head...)
	s.parser, c.parser = c.parser, nil
	s.parser.Parse(s.head.b)
	s.req = s.parser.Request()
	c.slots = append(c.slots, s)
	if bi != nil {
		c.body = bi
		c.bodyBy = l.clock() + int64(l.cfg.BodyTimeout)
		if bi.dec.ExpectsContinue(buffered) {
			// The client waits for this before it sends the body
			// (RFC 9110 10.1.1); it goes out in its turn in the queue.
			// The loop reads the body whether or not the app does, so
			// it says so at once.
			s.interim = http1.Continue
			bi.dec.ContinueSent()
		}
	}
	if l.inline {
		s.inline = true
		if bi != nil {
			bi.inline = true
			s.bodyBuf = getBuffer(int(min(max(req.ContentLength, 0), smallSize)))
		}
		return
	}
	c.dispatch(s, bi)
}

// safe reports whether method is safe (RFC 9110 9.2.1): GET, HEAD,
// OPTIONS and TRACE.
func safe(method []byte) bool {
	switch string(method) {
	case "GET", "HEAD", "OPTIONS", "TRACE":
		return true
	}
	return false
}

// bodyRefused returns the error for a body refused before it arrives: a
// Content-Length over the limit, or over the inline limit without
// workers (413).
func bodyRefused(dec *http1.BodyDecoder, req *http1.Request, l *Loop) *http1.Error {
	if _, _, _, err := dec.Decode(nil); err != nil && err != http1.ErrNeedMore {
		if perr, ok := err.(*http1.Error); ok {
			return perr
		}
		return &http1.Error{Status: 400, Reason: err.Error()}
	}
	if l.inline && req.ContentLength > l.cfg.MaxInlineBody {
		return &http1.Error{Status: 413, Reason: fmt.Sprintf("a request body for an inline app may hold at most %d bytes", l.cfg.MaxInlineBody)}
	}
	return nil
}

// !+dispatch

// dispatch hands request s to a worker. A request with a body (bi set)
// first gets a pipe and waits: the worker starts only once the whole body
// is in the pipe, or the pipe is full (feedBody calls bodyReady). So a
// body that fits is read and checked before the app runs, and broken
// framing is answered by the loop (400, 408, 413) without the app; and a
// client that sends its body slowly holds a connection, never a worker
// (nginx buffers bodies in front of gunicorn for the same reason). An
// unsafe request also waits for its turn (startHeld). No body memory
// left, or a full pool, is answered 503.
func (c *Conn) dispatch(s *slot, bi *bodyIn) {
	l := c.l
	if bi != nil {
		// The pipe is what the body can use, and the loop's body
		// memory is charged no more: a thousand 5-byte uploads held
		// open cost 5 KB, not 64 MiB.
		p := newBodyPipe(c, s.req.BodyBuffer(l.cfg.BodyBuffer))
		if p == nil {
			c.busy(s, "request body memory is exhausted")
			return
		}
		bi.pipe, s.pipe, s.input = p, p, p
		s.pending = true
		return
	}
	if !s.held {
		c.submit(s)
	}
}

// bodyReady is called once the body of s is all in its pipe, or has
// filled it: its worker starts, or, if s is held, once it is its turn. It
// reports false if s was answered 503 instead.
func (c *Conn) bodyReady(s *slot) bool {
	s.pending = false
	if s.held {
		return true
	}
	return c.submit(s)
}

// submit hands s to the pool, or answers it 503 if the pool is full. It
// reports whether s went to the pool.
func (c *Conn) submit(s *slot) bool {
	if c.l.pool.Submit(s) {
		c.l.submitted = true
		return true
	}
	if s.pipe != nil {
		s.pipe.closeRead()
	}
	c.busy(s, "every worker is busy")
	return false
}

// !-dispatch

// anyUnsafe reports whether a request in the queue has an unsafe method.
func (c *Conn) anyUnsafe() bool {
	for _, q := range c.slots {
		if q.unsafe {
			return true
		}
	}
	return false
}

// startHeld starts the requests held back by begin that may run now:
// from the head of the queue, the safe ones up to the first unsafe one,
// and that one if it is at the head, when every response before it is
// complete and none of them ended the connection (RFC 9112 9.3.2). It
// reports whether it started any.
func (c *Conn) startHeld() bool {
	did := false
	for i, s := range c.slots {
		if s.unsafe && i > 0 {
			break
		}
		if s.held {
			s.held, did = false, true
			switch {
			case !s.inline:
				if !s.pending {
					c.submit(s)
				}
				// Else its body is still arriving: bodyReady
				// starts it.
			case c.body == nil || c.body.s != s:
				c.startInline(s)
			}
			// Else an inline app whose body is still arriving:
			// bodyDone starts it.
		}
		if s.unsafe {
			break
		}
	}
	return did
}

// startInline runs the app of s inside the loop, now that its body is
// here. This is the article's model: the loop does nothing else until
// the app returns.
func (c *Conn) startInline(s *slot) {
	l := c.l
	var body io.Reader
	if s.bodyBuf != nil {
		body = bytes.NewReader(s.bodyBuf.b)
	}
	s.x = l.gw.Start(s.req, body, c.remote, s.opt)
	s.releaseHead()
}

// answer makes s a fixed error response with status and reason (and
// Connection: close), and stops the connection from taking further
// requests. If s is not yet in the queue it is appended.
func (c *Conn) answer(s *slot, status int, reason string) {
	c.replace(s, http1.ErrorResponse(status, reason), status)
}

// busy answers s with 503 and Retry-After: the server is overloaded now,
// and the client may try again shortly (RFC 9110 15.6.4, 10.2.3). It is
// logged once per burst.
func (c *Conn) busy(s *slot, why string) {
	c.l.busyLog.hit(c.l, "503: %s", why)
	c.replace(s, busyResponse(why), 503)
}

// replace answers s with the canned response resp (an error status or
// a refusal) instead of its app's; the connection closes after it.
func (c *Conn) replace(s *slot, resp []byte, status int) {
	s.fixed, s.interim, s.mustClose = resp, nil, true
	s.closeUnstartedPipe()
	s.held, s.pending = false, false
	s.res.Status = status
	if s.inline && s.bodyBuf != nil {
		c.l.releaseBody(int64(len(s.bodyBuf.b)))
		putBuffer(s.bodyBuf)
		s.bodyBuf = nil
	}
	s.inline = false
	s.releaseHead()
	if c.body != nil && c.body.s == s {
		// The body will not be read: its framing is lost.
		c.body, c.bodyBy = nil, 0
		c.dropIn()
	}
	c.noMore = true
	for _, q := range c.slots {
		if q == s {
			return
		}
	}
	c.slots = append(c.slots, s)
}

// unqueue removes s, which has not started, from the queue.
func (c *Conn) unqueue(s *slot) {
	for i, q := range c.slots {
		if q == s {
			c.slots = append(c.slots[:i], c.slots[i+1:]...)
			break
		}
	}
	c.drop(s)
}

// closeUnstartedPipe closes the body pipe of a request whose worker
// never started (held for its turn, or waiting for its body): no app
// reads it, so it is the loop's to release.
func (s *slot) closeUnstartedPipe() {
	if (s.held || s.pending) && s.pipe != nil {
		s.pipe.closeRead()
	}
}

// closeAfterLast tells the last request in the queue that the connection
// closes after its response, so that its head says "Connection: close"
// if it is not out yet (RFC 9112 9.6): a client must not send another
// request on a connection the server is about to close. net/http does
// the same once a shutdown begins.
func (c *Conn) closeAfterLast() {
	if len(c.slots) == 0 {
		return
	}
	s := c.slots[len(c.slots)-1]
	s.closing.Store(true) // asked when its head is encoded (opt.Closing)
}

// busyResponse is ErrorResponse(503) with a Retry-After field.
func busyResponse(why string) []byte {
	r := http1.ErrorResponse(503, why)
	i := bytes.Index(r, []byte("\r\n\r\n"))
	return append(r[:i:i], append([]byte("\r\nRetry-After: 1"), r[i:]...)...)
}

// pull moves response bytes from the head of the queue into the output
// buffer while it is under its bound, and retires each response that is
// all there. It reports whether it did anything.
func (c *Conn) pull() bool {
	l := c.l
	progress := false
	for len(c.slots) > 0 && !c.closing {
		room := l.cfg.OutputBuffer - c.outPending()
		if room <= 0 {
			break
		}
		s := c.slots[0]
		before := c.outPending()
		c.fill(s, room)
		if c.outPending() > before {
			progress = true
		}
		if !s.finished {
			break
		}
		c.retire(s)
		progress = true
	}
	if c.out != nil && c.outPending() == 0 {
		putBuffer(c.out)
		c.out, c.outOff = nil, 0
	}
	return progress
}

// !+fill

// fill moves to the output what s has ready, about room bytes at most,
// and marks s finished when its whole response is there.
func (c *Conn) fill(s *slot, room int) {
	if s.interim != nil {
		c.appendOut(s.interim)
		s.interim = nil
	}
	switch {
	case s.fixed != nil:
		c.appendOut(s.fixed)
		s.fixed, s.finished = nil, true
	case s.inline && s.x == nil:
		// Waiting for its body.
	case s.inline:
		c.reserveOut(min(room, largeSize))
		out, done, err := s.x.Next(c.out.b, room)
		c.out.b = out
		if done || err != nil {
			s.res, s.resErr = s.x.Result(), err
			c.drop(s)
			s.finished = true
		}
	default:
		s.finished = s.take(c, room)
	}
}

// !-fill

// reserveOut makes sure c has an output buffer, from a pool sized for n
// more bytes if it has none.
func (c *Conn) reserveOut(n int) {
	if c.out == nil {
		c.out, c.outOff = getBuffer(n), 0
	}
}

// appendOut appends p to the output.
func (c *Conn) appendOut(p []byte) {
	c.reserveOut(len(p))
	c.out.b = append(c.out.b, p...)
}

// retire takes the head response, all of which is in the output buffer,
// off the queue: it logs the -v line and decides whether the connection
// carries on. A response without keep-alive ends it: later requests are
// dropped unanswered (RFC 9112 9.6).
func (c *Conn) retire(s *slot) {
	l := c.l
	// Shift down rather than reslice, so the queue keeps its array: a
	// keep-alive connection allocates it once, not per request.
	n := copy(c.slots, c.slots[1:])
	c.slots[n] = nil
	c.slots = c.slots[:n]
	if s.inline {
		defer s.recycle()
	}
	if l.cfg.Verbose && s.method != "" {
		l.log.Printf("%s %s %s %d %dB %v", c.remote, s.method, s.target, s.res.Status, s.res.Bytes, time.Since(s.start).Round(10*time.Microsecond))
	}
	if s.resErr != nil {
		l.verbosef("%s %s %s: %v", c.remote, s.method, s.target, s.resErr)
	}
	if s.res.KeepAlive && s.resErr == nil && !s.mustClose {
		return
	}
	c.noMore = true
	for _, q := range c.slots {
		c.drop(q)
	}
	c.slots = nil
	if c.body != nil {
		if c.body.pipe != nil {
			c.body.pipe.finish(errClientGone)
		}
		c.body, c.bodyBy = nil, 0
	}
	c.dropIn()
	c.dropParser()
}

// drop releases what s holds on the loop's side. A worker still running
// it is told to stop (its exchange is released by the worker).
func (c *Conn) drop(s *slot) {
	l := c.l
	if s.x != nil {
		s.x.Release()
		s.x = nil
	}
	if s.bodyBuf != nil {
		l.releaseBody(int64(len(s.bodyBuf.b)))
		putBuffer(s.bodyBuf)
		s.bodyBuf = nil
	}
	if s.inline || s.fixed != nil || s.finished || s.held || s.pending {
		// Not on a worker (a held request, or one waiting for its
		// body, never reached one).
		s.closeUnstartedPipe()
		s.releaseHead()
		return
	}
	// A worker's slot: the worker owns its head and its exchange.
	s.abandon()
}

// burst logs a kind of event at most once a second, with the count of
// those it did not log.
type burst struct {
	last int64 // loop time of the last line; 0: none yet
	n    int   // events since then
}

// hit records one event and logs it if the last line is a second old.
func (b *burst) hit(l *Loop, format string, args ...any) {
	b.n++
	now := l.clock()
	if b.last != 0 && now-b.last < int64(time.Second) {
		return
	}
	if b.n > 1 {
		format += fmt.Sprintf(" (%d times since the last line)", b.n)
	}
	l.log.Printf(format, args...)
	b.last, b.n = now, 0
}

// logger returns a logger that discards when lg is nil.
func logger(lg *log.Logger) *log.Logger {
	if lg == nil {
		return log.New(discard{}, "", 0)
	}
	return lg
}

// discard is an io.Writer that drops everything.
type discard struct{}

func (discard) Write(p []byte) (int, error) { return len(p), nil }
