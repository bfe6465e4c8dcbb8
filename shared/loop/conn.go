package loop

import (
	"errors"
	"fmt"
	"os"
	"sync/atomic"

	"golang.org/x/sys/unix"

	"lbws/shared/http1"
)

// Conn is one client connection of a loop: the state machine that turns
// readiness into reads, requests, responses and writes. Only the loop's
// goroutine touches it, except posted (see Loop.post).
//
// What an idle keep-alive connection holds: this struct and its socket.
// No goroutine, no read buffer (reads land in the loop's scratch buffer,
// and only an unfinished head is copied out, into a pooled buffer), no
// parser (pooled, taken at a head's first byte), no output buffer (pooled,
// given back once written), and one entry in the loop's timer heap.
type Conn struct {
	l      *Loop  // the loop that owns it
	fd     int    // the socket; still the number after close, for the stage's bookkeeping
	remote string // the client's address, REMOTE_ADDR

	// Watched is the interest the stage's readiness API holds for this
	// descriptor, for stages that keep interest in the kernel (06's
	// epoll): they compare it with the new Want and change it only when
	// it differs. The loop never reads it.
	Watched Want

	want   Want          // what it waits for, as last answered
	in     *buffer       // received bytes not yet used: an unfinished head, or input waiting for room
	parser *http1.Parser // the head being parsed; nil between requests
	body   *bodyIn       // the request body being received; nil between requests
	slots  []*slot       // responses in request order; slots[0] is being written
	out    *buffer       // response bytes to write, from out.b[outOff:]; nil when empty
	outOff int           // bytes of out already written

	fresh     bool // no byte received yet: the header timeout runs from the accept
	eof       bool // the client shut down its sending side
	noMore    bool // no further requests: close once the queue is written
	lingering bool // the sending side is shut down; reading until the client closes
	unread    bool // readiness was reported and the socket not yet read to EAGAIN
	closed    bool // the descriptor is closed
	lingered  int  // bytes discarded while lingering

	// Deadlines in loop time (Loop.clock); zero when not running.
	headBy   int64 // the head must be complete (408)
	bodyBy   int64 // the body must be complete (408)
	writeBy  int64 // the client must take some output (close)
	idleBy   int64 // the next request must begin (close)
	lingerBy int64 // the lingering close ends
	due      int64 // the earliest of those in force: the timer heap's key
	ti       int   // index in the timer heap, -1 if not in it
	li       int   // index in the loop's connection list

	posted atomic.Bool // in the loop's ready list (set by workers)
}

// bodyIn is a request body while it arrives.
type bodyIn struct {
	dec     http1.BodyDecoder // Content-Length or chunked framing
	s       *slot             // the request it belongs to
	pipe    *bodyPipe         // with workers: where the body goes
	inline  bool              // without workers: the body is buffered whole in s.bodyBuf
	discard bool              // its app is done with it: decode and drop the rest
}

// Fd returns the connection's descriptor number (also after it closed).
func (c *Conn) Fd() int { return c.fd }

// Want returns what the connection waits for, as last answered.
func (c *Conn) Want() Want { return c.want }

// Closed reports whether the loop has closed the connection.
func (c *Conn) Closed() bool { return c.closed }

// RemoteAddr returns the client's address.
func (c *Conn) RemoteAddr() string { return c.remote }

// !+readsocket

// readSocket reads while the connection wants to: once in a
// level-triggered loop (the API reports it again if more is there), until
// EAGAIN in an edge-triggered one (it will not: a readiness edge that is
// not read to EAGAIN is never reported again, and the connection would
// stall). It reports whether it read anything or hit the end of file. If
// it stops early for backpressure, c.unread stays set and advance reads
// on once there is room.
func (c *Conn) readSocket() bool {
	l := c.l
	did := false
	for !c.closed && c.wantsRead() {
		n, err := l.sys.read(c.fd, l.scratch)
		switch {
		case err == unix.EINTR:
			continue
		case err == unix.EAGAIN:
			c.unread = false
			return did
		case err != nil:
			c.fail("read", err)
			return true
		case n == 0:
			c.unread = false
			c.gotEOF()
			return true
		}
		did = true
		if c.lingering {
			c.lingered += n
			if c.lingered > lingerBytes {
				c.close()
				return true
			}
		} else {
			c.feed(l.scratch[:n])
		}
		if !l.cfg.Edge {
			c.unread = false
			return true
		}
	}
	return did
}

// !-readsocket

// probe handles a readiness report for a connection that wants no read:
// an error or a hang-up, which poll and epoll report whatever was asked.
// It must settle the report at once: level-triggered, it comes again at
// every wait, and a connection waiting for its app would spin the loop
// until the app returns. A pending error (a reset) closes the connection:
// SO_ERROR reads it even when request bytes are still queued, which a
// peek would return first. An end of file is noted; reported again with
// nothing new, it is a hang-up in both directions, and the connection
// closes.
func (c *Conn) probe() {
	if err := c.l.sys.sockErr(c.fd); err != nil {
		c.fail("read", err)
		return
	}
	n, err := c.l.sys.peek(c.fd)
	switch {
	case err == unix.EAGAIN || err == unix.EINTR:
	case err != nil:
		c.fail("read", err)
	case n == 0 && c.eof:
		c.close()
	case n == 0:
		c.gotEOF()
	}
}

// !+feed

// feed takes bytes just read into the loop's scratch buffer: it parses
// and dispatches what it can there, and copies only the rest into c.in.
func (c *Conn) feed(data []byte) {
	c.fresh = false
	if c.in == nil {
		used := c.consume(data)
		if used < len(data) && !c.closed {
			c.in = getBuffer(len(data) - used)
			c.in.b = append(c.in.b[:0], data[used:]...)
		}
		return
	}
	c.in.b = append(c.in.b, data...)
	c.consumeIn()
}

// !-feed

// consumeIn parses and dispatches what it can of c.in and keeps the rest
// at its start; an emptied buffer goes back to its pool. It reports
// whether it used any byte.
func (c *Conn) consumeIn() bool {
	used := c.consume(c.in.b)
	if c.in == nil { // closed meanwhile
		return used > 0
	}
	n := copy(c.in.b, c.in.b[used:])
	c.in.b = c.in.b[:n]
	if n == 0 {
		putBuffer(c.in)
		c.in = nil
	}
	return used > 0
}

// consume parses request heads and decodes bodies from buf, dispatching
// each request as its head completes, until buf is used up or the
// connection can take no more now (backpressure). It returns how many
// bytes it used; an unfinished head is left unused, from its first byte,
// so the parser's offsets stay valid when the rest arrives.
func (c *Conn) consume(buf []byte) int {
	off := 0
	for off < len(buf) && !c.closed {
		if c.body != nil {
			n, more := c.feedBody(buf[off:])
			off += n
			if !more {
				break
			}
			continue
		}
		if !c.canParse() {
			break
		}
		n, ok := c.parseHead(buf[off:])
		off += n
		if !ok {
			break
		}
	}
	return off
}

// !+canparse

// canParse reports whether the connection may take another request now.
func (c *Conn) canParse() bool {
	return !c.noMore && !c.lingering &&
		len(c.slots) < c.l.cfg.MaxPipeline && c.outPending() < c.l.cfg.OutputBuffer
}

// !-canparse

// parseHead runs the parser over b, the bytes from the start of the
// current head. A complete head is dispatched (begin) and its length
// returned with ok; an incomplete one returns 0. A malformed one is
// answered with its status and ends the connection.
func (c *Conn) parseHead(b []byte) (n int, ok bool) {
	l := c.l
	if c.parser == nil {
		c.parser = parserPool.Get().(*http1.Parser)
		c.parser.Limits = l.cfg.Limits
		if c.headBy == 0 {
			c.headBy = l.clock() + int64(l.cfg.HeaderTimeout)
		}
	}
	hl, err := c.parser.Parse(b)
	if err == http1.ErrNeedMore {
		return 0, false
	}
	if err != nil {
		var perr *http1.Error
		if !errors.As(err, &perr) {
			perr = &http1.Error{Status: 400, Reason: err.Error()}
		}
		l.logf(l.cfg.Verbose, "%s - - %d %s", c.remote, perr.Status, perr.Reason)
		c.answer(newSlot(c), perr.Status, perr.Reason)
		c.dropParser()
		return len(b), false
	}
	c.headBy = 0
	c.begin(c.parser.Request(), b[:hl], len(b)-hl)
	return hl, true
}

// dropParser gives the parser back to its pool.
func (c *Conn) dropParser() {
	if c.parser != nil {
		c.parser.Reset()
		parserPool.Put(c.parser)
		c.parser = nil
	}
	c.headBy = 0
}

// feedBody decodes body bytes from b and passes them on: to the worker's
// pipe, to the inline buffer, or nowhere. It returns how many bytes it
// used, and false when it must stop: the pipe is full, or the body
// failed.
func (c *Conn) feedBody(b []byte) (used int, more bool) {
	bi := c.body
	for used < len(b) {
		in := b[used:]
		if bi.pipe != nil && !bi.discard {
			room := bi.pipe.room()
			if room == 0 {
				return used, false
			}
			in = in[:min(len(in), room)]
		}
		data, n, done, err := bi.dec.Decode(in)
		used += n
		if err != nil {
			c.bodyFailed(err)
			return len(b), false
		}
		if len(data) > 0 && !bi.discard && !c.bodyData(data) {
			return len(b), false
		}
		if done {
			c.bodyDone()
			return used, true
		}
	}
	return used, true
}

// bodyData passes decoded body bytes on. A pipe that fills up starts its
// worker: the rest of the body streams to the app. It returns false if
// the body could not be taken (too large for an inline app, no body
// memory left, no worker free), in which case the request has been
// answered.
func (c *Conn) bodyData(data []byte) bool {
	bi, l := c.body, c.l
	if bi.pipe != nil {
		bi.pipe.write(data) // fits: the input was cut to the room
		if bi.s.pending && bi.pipe.room() == 0 {
			return c.bodyReady(bi.s)
		}
		return true
	}
	s := bi.s
	size := int64(len(s.bodyBuf.b) + len(data))
	switch {
	case size > l.cfg.MaxInlineBody:
		c.answer(s, 413, fmt.Sprintf("a request body for an inline app may hold at most %d bytes", l.cfg.MaxInlineBody))
		return false
	case !l.reserveBody(int64(len(data))):
		c.busy(s, "request body memory is exhausted")
		return false
	}
	s.bodyBuf.b = append(s.bodyBuf.b, data...)
	return true
}

// bodyDone ends a body that arrived whole: the worker's pipe reports the
// end, and a worker that waited for the body starts; an inline app runs
// now.
func (c *Conn) bodyDone() {
	bi := c.body
	c.body, c.bodyBy = nil, 0
	switch {
	case bi.discard:
	case bi.pipe != nil:
		bi.pipe.finish(nil)
		if bi.s.pending {
			c.bodyReady(bi.s)
		}
	case bi.inline && !bi.s.held:
		c.startInline(bi.s)
	}
}

// bodyFailed ends a body that cannot be read to its end: malformed
// (400), too large (413), too slow (a timeout, 408) or cut off by the
// client. Its framing is lost, so the connection takes no further request.
// If the app has not started (an inline app, or a worker waiting for the
// body to fill its buffer) the loop answers it, and the app never sees
// the request; a worker's app already running learns it from its next
// read and answers it through the gateway.
func (c *Conn) bodyFailed(err error) {
	bi := c.body
	c.body, c.bodyBy = nil, 0
	c.noMore = true
	c.dropIn()
	if errors.Is(err, errClientGone) {
		// The client's doing, not the server's or the app's: logged
		// only with -v, like any client that goes away.
		c.l.logf(c.l.cfg.Verbose, "%s: %v", c.remote, err)
	}
	switch {
	case bi.discard:
	case bi.pipe != nil && !bi.s.pending:
		bi.pipe.finish(err)
	default:
		var perr *http1.Error
		switch {
		case errors.As(err, &perr):
			c.answer(bi.s, perr.Status, perr.Reason)
		case errors.Is(err, os.ErrDeadlineExceeded):
			c.answer(bi.s, 408, "request body not received in time")
		default:
			c.unqueue(bi.s) // the client is gone: nobody to answer
		}
	}
}

// dropIn discards received bytes not yet used.
func (c *Conn) dropIn() {
	putBuffer(c.in)
	c.in = nil
}

// gotEOF handles the client's end of file. Requests already received are
// still answered (a client may half-close after its last request); an
// unfinished head or body is given up.
func (c *Conn) gotEOF() {
	c.eof = true
	c.noMore = true
	if c.lingering {
		c.close()
		return
	}
	c.dropParser()
	if c.body != nil {
		c.bodyFailed(fmt.Errorf("%w (end of file)", errClientGone))
	}
}

// outPending returns the number of response bytes not yet written.
func (c *Conn) outPending() int {
	if c.out == nil {
		return 0
	}
	return len(c.out.b) - c.outOff
}

// wantsRead reports whether the connection should read now.
func (c *Conn) wantsRead() bool {
	switch {
	case c.closed:
		return false
	case c.lingering:
		return true
	case c.eof:
		return false
	case c.body != nil:
		// Bytes already received come first; then only as much as the
		// worker's pipe has room for.
		return c.in == nil && (c.body.pipe == nil || c.body.discard || c.body.pipe.room() > 0)
	}
	// An unfinished head in c.in needs more bytes; anything else there
	// waits for room in the queue.
	return c.canParse() && (c.in == nil || c.parser != nil)
}

// !+advance

// advance does everything the connection can do: read what readiness
// reported, parse input that was waiting for room, move finished response bytes
// into the output buffer, write them, start requests held back for their
// turn (startHeld), and start a lingering close once the last response
// is out.
func (c *Conn) advance() {
	for !c.closed {
		progress := false
		if c.unread && c.wantsRead() && c.readSocket() {
			progress = true
		}
		if c.in != nil && (c.body != nil || c.canParse()) && c.consumeIn() {
			progress = true
		}
		if c.pull() {
			progress = true
		}
		if c.outPending() > 0 && c.flush() {
			progress = true
		}
		if c.startHeld() {
			progress = true
		}
		// A step may make the connection want to read without using a
		// byte (the parser taking an unfinished head out of c.in): read
		// then too, as long as the socket may hold bytes.
		if !progress && !(c.unread && c.wantsRead()) {
			break
		}
	}
	if !c.closed && !c.lingering && c.noMore && len(c.slots) == 0 && c.outPending() == 0 && c.body == nil {
		c.endGracefully()
	}
}

// !-advance

// flush writes pending output until it is all written or the socket
// takes no more. It reports whether any byte was written.
func (c *Conn) flush() bool {
	l := c.l
	wrote := false
	for c.outPending() > 0 {
		n, err := l.sys.write(c.fd, c.out.b[c.outOff:])
		if n > 0 {
			c.outOff += n
			wrote = true
		}
		switch {
		case err == unix.EINTR:
			continue
		case err == unix.EAGAIN:
			if wrote {
				c.writeBy = l.clock() + int64(l.cfg.WriteTimeout)
			}
			return wrote
		case err != nil:
			c.fail("write", err)
			return wrote
		case n == 0:
			c.fail("write", errors.New("wrote 0 bytes"))
			return wrote
		}
	}
	putBuffer(c.out)
	c.out, c.outOff, c.writeBy = nil, 0, 0
	return wrote
}

// endGracefully closes a connection that has nothing left to answer: at
// once if the client has closed its side, else by a lingering close, so
// bytes the client sent that were never read cannot reset the connection
// before the client has read the last response (RFC 9112 9.6).
func (c *Conn) endGracefully() {
	if c.eof {
		c.close()
		return
	}
	if err := c.l.sys.shutdownWrite(c.fd); err != nil {
		c.close()
		return
	}
	c.dropIn()
	c.dropParser()
	c.lingering = true
	c.lingerBy = c.l.clock() + int64(lingerTimeout)
}

// !+update

// update computes what the connection wants next and its next deadline.
func (c *Conn) update() Want {
	if c.closed {
		c.want = Close
		return Close
	}
	var w Want
	if c.outPending() > 0 {
		w |= Write
	}
	if c.wantsRead() {
		w |= Read
	}
	c.want = w
	c.schedule()
	return w
}

// !-update

// idle reports whether the connection is between requests: nothing
// received, nothing to answer.
func (c *Conn) idle() bool {
	return !c.fresh && !c.lingering && c.parser == nil && c.in == nil && c.body == nil &&
		len(c.slots) == 0 && c.outPending() == 0
}

// schedule sets the connection's deadlines for its state and puts the
// earliest in the timer heap.
func (c *Conn) schedule() {
	l := c.l
	if c.outPending() > 0 && c.writeBy == 0 {
		c.writeBy = l.clock() + int64(l.cfg.WriteTimeout)
	}
	if idle := c.idle(); idle && c.idleBy == 0 {
		c.idleBy = l.clock() + int64(l.cfg.IdleTimeout)
	} else if !idle {
		c.idleBy = 0
	}
	var due int64
	pick := func(t int64) {
		if t != 0 && (due == 0 || t < due) {
			due = t
		}
	}
	if c.lingering {
		pick(c.lingerBy)
	} else {
		if c.outPending() > 0 {
			pick(c.writeBy)
		}
		if c.body != nil {
			pick(c.bodyBy)
		}
		if c.parser != nil || c.fresh {
			pick(c.headBy)
		}
		pick(c.idleBy)
	}
	l.timers.set(c, due)
}

// expire handles the connection's deadline, which has passed.
func (c *Conn) expire(now int64) {
	l := c.l
	switch {
	case c.lingering && now >= c.lingerBy:
		c.close()
	case c.outPending() > 0 && now >= c.writeBy:
		l.logf(true, "%s: the client took no response byte for %v: closing", c.remote, l.cfg.WriteTimeout)
		c.close()
	case c.body != nil && now >= c.bodyBy:
		l.logf(true, "%s: request body not received within %v: 408", c.remote, l.cfg.BodyTimeout)
		c.bodyFailed(fmt.Errorf("loop: request body not received within %v: %w", l.cfg.BodyTimeout, os.ErrDeadlineExceeded))
	case c.fresh && now >= c.headBy:
		// Connected and sent nothing: nothing to answer.
		c.close()
	case c.parser != nil && now >= c.headBy:
		got := 0
		if c.in != nil {
			got = len(c.in.b)
		}
		l.logf(true, "%s: no complete request head within %v (%d bytes received): 408", c.remote, l.cfg.HeaderTimeout, got)
		c.dropParser()
		c.dropIn()
		c.answer(newSlot(c), 408, "no complete request head within "+l.cfg.HeaderTimeout.String())
	case c.idleBy != 0 && now >= c.idleBy:
		c.close()
	}
}

// fail closes the connection after a read or write error, logged once:
// always if it is unexpected, with -v if the client reset or left.
func (c *Conn) fail(op string, err error) {
	l := c.l
	gone := errors.Is(err, unix.ECONNRESET) || errors.Is(err, unix.EPIPE)
	l.logf(!gone || l.cfg.Verbose, "%s: %s: %v", c.remote, op, err)
	c.close()
}

// close closes the connection now: pending work is abandoned (a worker
// still running finds its connection gone), buffers go back to their
// pools, the descriptor is closed, and the loop forgets it.
func (c *Conn) close() {
	if c.closed {
		return
	}
	l := c.l
	c.closed, c.want = true, Close
	if c.body != nil && c.body.pipe != nil {
		c.body.pipe.finish(errClientGone)
	}
	c.body = nil
	for _, s := range c.slots {
		c.drop(s)
	}
	c.slots = nil
	c.dropIn()
	c.dropParser()
	putBuffer(c.out)
	c.out, c.outOff = nil, 0
	l.forget(c)
	if err := l.sys.close(c.fd); err != nil {
		l.logf(true, "%s: close: %v", c.remote, err)
	}
}
