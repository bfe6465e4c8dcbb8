package loop

import (
	"errors"
	"fmt"
	"os"
	"sync/atomic"

	"golang.org/x/sys/unix"

	"lbws/shared/http1"
)

// !+conn

// Conn is one client connection as a state machine that takes bytes and
// gives bytes: the stage reads the socket and passes what it read to
// Received (or ReceivedEOF), writes Output and reports it with Sent, and
// asks Want what to do next. The connection parses the requests, runs
// their apps, queues the responses in request order and applies
// backpressure through Want; it never calls read(2), write(2), close(2)
// or a readiness API, so it can be tested with plain function calls.
// Only the loop's goroutine touches it, except posted (see Loop.post).
//
// What an idle keep-alive connection holds: this struct and its socket.
// No goroutine, no read buffer (the stage reads into one buffer per
// loop, and only an unfinished head is copied out, into a pooled
// buffer), no parser (pooled, taken at a head's first byte), no output
// buffer (pooled, given back once written), and one entry in the loop's
// timer heap.
type Conn struct {
	l      *Loop  // the loop that owns it
	fd     int    // the stage's descriptor number: a name in the loop's tables, never used for I/O
	remote string // the client's address, REMOTE_ADDR

	// Watched is the interest the stage's readiness API holds for this
	// descriptor, for stages that keep interest in the kernel (06's
	// epoll): they compare it with the new Want and change it only when
	// it differs. The loop never reads it.
	Watched Want

	want   Want          // what it asks of the stage, set by update
	phase  Phase         // where it is, set by update
	in     *buffer       // received bytes not yet used: an unfinished head, or input waiting for room
	parser *http1.Parser // the head being parsed; nil between requests
	body   *bodyIn       // the request body being received; nil between requests
	slots  []*slot       // responses in request order; slots[0] is being written
	out    *buffer       // response bytes to write, from out.b[outOff:]; nil when empty
	outOff int           // bytes of out already written

	fresh     bool // no byte received yet: the header timeout runs from the accept
	eof       bool // the client shut down its sending side
	noMore    bool // no further requests: end once the queue is written
	lingering bool // the last response is out: half-close, then read until the client closes
	shut      bool // lingering, and the stage has shut down the sending side
	closing   bool // released: the stage must close the descriptor
	closed    bool // the stage has closed the descriptor
	lingered  int  // bytes discarded while lingering

	// Deadlines in loop time (Loop.clock); zero when not running. The
	// phase picks the one in force (Phase).
	headBy   int64 // the head must be complete (408)
	bodyBy   int64 // the body must be complete (408)
	writeBy  int64 // the client must take some output (close)
	idleBy   int64 // the next request must begin (close)
	lingerBy int64 // the lingering close ends
	due      int64 // the deadline of the phase: the timer heap's key
	ti       int   // index in the timer heap, -1 if not in it
	li       int   // index in the loop's connection list

	posted atomic.Bool // in the loop's ready list (set by workers)
}

// !-conn

// bodyIn is a request body while it arrives.
type bodyIn struct {
	dec     http1.BodyDecoder // Content-Length or chunked framing
	s       *slot             // the request it belongs to
	pipe    *bodyPipe         // with workers: where the body goes
	inline  bool              // without workers: the body is buffered whole in s.bodyBuf
	discard bool              // its app is done with it: decode and drop the rest
}

// Fd returns the descriptor number the stage gave Open.
func (c *Conn) Fd() int { return c.fd }

// Want returns what the connection asks of the stage next.
func (c *Conn) Want() Want { return c.want }

// Phase returns where the connection is (see Phase).
func (c *Conn) Phase() Phase { return c.phase }

// RemoteAddr returns the client's address.
func (c *Conn) RemoteAddr() string { return c.remote }

// !+events

// Received takes bytes the stage read from the socket. The connection
// uses what it can at once (a whole request is parsed where it lies,
// and its app started) and copies only the rest, so p is the stage's to
// reuse when Received returns. The stage reads only while Want has
// Read.
func (c *Conn) Received(p []byte) {
	if c.closing {
		return
	}
	if c.lingering {
		c.lingered += len(p)
		if c.lingered > lingerBytes {
			c.close()
		}
	} else {
		c.feed(p)
	}
	c.settle()
}

// ReceivedEOF takes the end of file: the client shut down its sending
// side. Requests already received are still answered. Reported a second
// time with nothing new (a hang-up that poll or epoll reports while the
// connection waits for its app), it is a hang-up in both directions, and
// the connection closes.
func (c *Conn) ReceivedEOF() {
	if c.closing {
		return
	}
	if c.eof {
		c.close()
	} else {
		c.gotEOF()
	}
	c.settle()
}

// Output returns the response bytes to write next; empty unless Want has
// Write. The slice is the connection's: report what the socket took
// with Sent before anything else.
func (c *Conn) Output() []byte {
	if c.out == nil {
		return nil
	}
	return c.out.b[c.outOff:]
}

// Sent reports that the socket took the first n bytes of Output.
func (c *Conn) Sent(n int) {
	if c.closing || n <= 0 {
		return
	}
	c.outOff += n
	if c.outPending() == 0 {
		putBuffer(c.out)
		c.out, c.outOff, c.writeBy = nil, 0, 0
	} else {
		c.writeBy = c.l.clock() + int64(c.l.cfg.WriteTimeout) // progress
	}
	c.settle()
}

// HalfClosed reports that the stage shut down the sending side, as Want
// HalfClose asked, with shutdown's error. The lingering close follows:
// Want asks to read until the client closes.
func (c *Conn) HalfClosed(err error) {
	if c.closing {
		return
	}
	if err != nil {
		c.close()
	}
	c.shut = true
	c.update()
}

// Failed reports that a read or write failed with err: the connection
// is closed. It is logged once: always if unexpected, with Verbose only
// if the client reset the connection or went away.
func (c *Conn) Failed(op string, err error) {
	if c.closing {
		return
	}
	l := c.l
	gone := errors.Is(err, unix.ECONNRESET) || errors.Is(err, unix.EPIPE)
	if !gone || l.cfg.Verbose {
		l.log.Printf("%s: %s: %v", c.remote, op, err)
	}
	c.close()
	c.update()
}

// Closed reports that the stage has closed the descriptor, as Want
// Close asked: the loop forgets the connection (Phase Closed), and the
// descriptor number may be reused.
func (c *Conn) Closed() {
	if c.closed {
		return
	}
	c.close() // if the stage closed it unasked, release what it holds
	c.closed = true
	c.l.forget(c)
	c.update()
}

// !-events

// !+feed

// feed takes bytes just read into the loop's scratch buffer: it parses
// and dispatches what it can there, and copies only the rest into c.in.
func (c *Conn) feed(data []byte) {
	c.fresh = false
	if c.in == nil {
		used := c.consume(data)
		if used < len(data) && !c.closing {
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
	for off < len(buf) && !c.closing {
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
		l.verbosef("%s - - %d %s", c.remote, perr.Status, perr.Reason)
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
		c.l.verbosef("%s: %v", c.remote, err)
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
	case c.closing:
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

// !+settle

// settle does everything the connection can do without the stage: parse
// input that waited for room, move finished response bytes into the
// output buffer, start requests held back for their turn (startHeld),
// and end the connection once nothing is left to answer. Then it works
// out what it wants next (update).
func (c *Conn) settle() {
	for !c.closing {
		progress := false
		if c.in != nil && (c.body != nil || c.canParse()) && c.consumeIn() {
			progress = true
		}
		if c.pull() {
			progress = true
		}
		if c.startHeld() {
			progress = true
		}
		if !progress {
			break
		}
	}
	if !c.closing && !c.lingering && c.noMore && len(c.slots) == 0 && c.outPending() == 0 && c.body == nil {
		c.endGracefully()
	}
	c.update()
}

// !-settle

// endGracefully ends a connection that has nothing left to answer: at
// once if the client has closed its side, else by a lingering close, so
// bytes the client sent that were never read cannot reset the connection
// before the client has read the last response (RFC 9112 9.6): the
// stage shuts down the sending side, then reads and discards until the
// client closes.
func (c *Conn) endGracefully() {
	if c.eof {
		c.close()
		return
	}
	c.dropIn()
	c.dropParser()
	c.lingering = true
	c.lingerBy = c.l.clock() + int64(lingerTimeout)
}

// !+update

// update works out the connection's phase, what it wants, and the
// deadline in force.
func (c *Conn) update() {
	from := c.phase
	c.phase = c.currentPhase()
	c.want = c.currentWant()
	if c.phase != from {
		c.enter(from)
	}
	c.l.timers.set(c, c.deadline())
}

// !-update

// currentPhase names the connection's state (see Phase for the order).
func (c *Conn) currentPhase() Phase {
	switch {
	case c.closed:
		return Closed
	case c.closing:
		return Closing
	case c.lingering:
		return Lingering
	case c.outPending() > 0:
		return Writing
	case c.body != nil:
		return Body
	case c.parser != nil || c.fresh:
		return Head
	case len(c.slots) > 0 || c.in != nil:
		return App
	}
	return Idle
}

// currentWant is what the connection asks of the stage in its state.
func (c *Conn) currentWant() Want {
	switch c.phase {
	case Closed:
		return 0
	case Closing:
		return Close
	case Lingering:
		if !c.shut {
			return HalfClose
		}
		return Read
	}
	var w Want
	if c.outPending() > 0 {
		w |= Write
	}
	if c.wantsRead() {
		w |= Read
	}
	return w
}

// enter starts the deadlines that run from the moment a phase begins,
// and reports the move to the loop's tests.
func (c *Conn) enter(from Phase) {
	l := c.l
	switch c.phase {
	case Writing:
		c.writeBy = l.clock() + int64(l.cfg.WriteTimeout)
	case Idle:
		c.idleBy = l.clock() + int64(l.cfg.IdleTimeout)
	}
	if l.onPhase != nil {
		l.onPhase(c, from, c.phase)
	}
}

// deadline returns the deadline of the connection's phase, 0 if none.
func (c *Conn) deadline() int64 {
	switch c.phase {
	case Head:
		return c.headBy
	case Body:
		return c.bodyBy
	case Writing:
		return c.writeBy
	case Idle:
		return c.idleBy
	case Lingering:
		return c.lingerBy
	}
	return 0
}

// expire handles the deadline of the connection's phase, which has
// passed.
func (c *Conn) expire() {
	l := c.l
	switch c.phase {
	case Lingering, Idle:
		c.close()
	case Writing:
		l.log.Printf("%s: the client took no response byte for %v: closing", c.remote, l.cfg.WriteTimeout)
		c.close()
	case Body:
		l.log.Printf("%s: request body not received within %v: 408", c.remote, l.cfg.BodyTimeout)
		c.bodyFailed(fmt.Errorf("loop: request body not received within %v: %w", l.cfg.BodyTimeout, os.ErrDeadlineExceeded))
	case Head:
		if c.fresh {
			c.close() // connected and sent nothing: nothing to answer
			break
		}
		got := 0
		if c.in != nil {
			got = len(c.in.b)
		}
		l.log.Printf("%s: no complete request head within %v (%d bytes received): 408", c.remote, l.cfg.HeaderTimeout, got)
		c.dropParser()
		c.dropIn()
		c.answer(newSlot(c), 408, "no complete request head within "+l.cfg.HeaderTimeout.String())
	}
	c.settle()
}

// close releases the connection: pending work is abandoned (a worker
// still running finds its connection gone), buffers go back to their
// pools, its timer stops, and it asks the stage to close the descriptor
// (Want Close).
func (c *Conn) close() {
	if c.closing {
		return
	}
	c.closing = true
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
}
