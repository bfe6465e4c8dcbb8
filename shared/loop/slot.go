package loop

import (
	"io"
	"sync"
	"sync/atomic"
	"time"

	"lbws/shared/gateway"
	"lbws/shared/http1"
)

// slot is one response in a connection's queue. Requests are answered in
// the order they arrived (RFC 9112 9.3.2), whatever order their apps
// finish in: each parsed request gets a slot at the tail of the queue, and
// the loop writes only from the head slot.
//
// A slot is filled in one of three ways:
//   - by a worker (Run): the worker starts the exchange, pulls its bytes
//     and hands them over in chunks (put), waiting while the slot holds
//     more than the connection's output bound;
//   - by the loop itself (inline, -workers 0): the loop pulls the
//     exchange x while the slot is at the head of the queue and the
//     output is under its bound;
//   - with fixed bytes (fixed): an error the loop answers itself (408,
//     413, 431, 503, ...).
type slot struct {
	c *Conn // the connection

	// Set by the loop before a worker starts, then read-only until the
	// exchange has started.
	req    *http1.Request          // the head, viewing head.b
	head   *buffer                 // a copy of the head bytes
	parser *http1.Parser           // the parser that req came from
	input  io.Reader               // wsgi.input: a bodyPipe, a buffered body, or nil
	opt    gateway.ExchangeOptions // Close is set when the connection ends after it

	// Loop only.
	interim   []byte            // bytes to send before the response (100 Continue)
	fixed     []byte            // a complete response the loop answers itself
	x         *gateway.Exchange // inline: the exchange the loop pulls
	inline    bool              // the loop runs the app (Workers == 0)
	unsafe    bool              // the method is not safe (RFC 9110 9.2.1)
	held      bool              // waiting for the responses before it (startHeld)
	pending   bool              // waiting for its body before its worker starts
	pipe      *bodyPipe         // the body streamed to the worker, if any
	bodyBuf   *buffer           // inline: the whole request body
	mustClose bool              // the connection closes after this response
	res       gateway.Result    // the outcome, once the slot is finished
	resErr    error             // the response could not be completed
	finished  bool              // every byte of the response is in c.out
	method    string            // for the -v line
	target    string            // for the -v line
	start     time.Time         // when the head was complete, for the -v line

	// closing: the connection closes after this response (a shutdown
	// began after the request did). Set by the loop, read by the worker
	// before it starts the exchange and before each Next, so that a head
	// not yet produced says so.
	closing atomic.Bool

	// Shared with the worker, under mu.
	mu     sync.Mutex
	room   sync.Cond // signalled when the loop has taken chunks, or gone
	chunks []*buffer // response bytes the worker produced, in order
	queued int       // bytes in chunks
	done   bool      // the worker has finished: wres and werr are final
	gone   bool      // the connection closed: the worker stops pulling
	wres   gateway.Result
	werr   error
}

// newSlot returns a slot for the next request of c.
func newSlot(c *Conn) *slot {
	s := slotPool.Get().(*slot)
	s.c = c
	return s
}

// slotPool keeps the slots of inline requests for reuse (recycle): a
// keep-alive connection whose app runs inline allocates no slot per
// request.
var slotPool = sync.Pool{New: func() any {
	s := &slot{}
	s.room.L = &s.mu
	// A shutdown that begins while the app runs (closeAfterLast) is
	// still announced in the head, whichever goroutine encodes it. The
	// method value is made once per slot, not once per request.
	s.opt.Closing = s.closing.Load
	return s
}}

// recycle gives a retired slot back to slotPool. Only a slot no other
// goroutine can hold may go back: one whose app ran inline (a worker's
// slot may still be read by its worker after the loop retired it).
func (s *slot) recycle() {
	closing := s.opt.Closing
	*s = slot{}
	s.room.L = &s.mu
	s.opt.Closing = closing
	slotPool.Put(s)
}

// !+run

// Run is the worker's part, a Task: start the exchange (the app runs
// here, and may block), then pull the response in chunks and hand them
// to the loop until it is complete or the connection is gone.
func (s *slot) Run() {
	l := s.c.l
	opt := s.opt
	opt.Sink = s.sink
	x := l.gw.Start(s.req, s.input, s.c.remote, opt)
	s.releaseHead()
	var (
		last *buffer
		done bool
		err  error
	)
	for size := smallSize; ; size = chunkSize {
		// Most responses fit in a small buffer; a large one grows the
		// first and takes chunk-sized buffers after it.
		last = getBuffer(size)
		last.b, done, err = x.Next(last.b, chunkSize)
		if done || err != nil {
			break
		}
		if !s.put(last) {
			last = nil
			break
		}
	}
	res := x.Result()
	x.Release()
	if s.pipe != nil {
		s.pipe.closeRead()
	}
	// The last chunk and the end go over together: one wake-up for a
	// response that fits in one chunk, the common case.
	s.mu.Lock()
	if last != nil && len(last.b) > 0 && !s.gone {
		s.chunks = append(s.chunks, last)
		s.queued += len(last.b)
		last = nil
	}
	s.done, s.wres, s.werr = true, res, err
	gone := s.gone
	s.mu.Unlock()
	putBuffer(last)
	if !gone {
		l.post(s.c)
	}
}

// !-run

// sink is PEP 3333's write() for a worker: the bytes go to the loop
// before write returns, and write waits while the connection's output is
// over its bound.
func (s *slot) sink(p []byte) error {
	for len(p) > 0 {
		b := getBuffer(chunkSize)
		n := min(len(p), cap(b.b))
		b.b = append(b.b[:0], p[:n]...)
		p = p[n:]
		if !s.put(b) {
			return errClientGone
		}
	}
	return nil
}

// put hands chunk b to the loop and waits while more than the output
// bound is queued. It returns false if the connection is gone (b is then
// dropped).
func (s *slot) put(b *buffer) bool {
	l := s.c.l
	s.mu.Lock()
	if s.gone {
		s.mu.Unlock()
		putBuffer(b)
		return false
	}
	if len(b.b) == 0 {
		s.mu.Unlock()
		putBuffer(b)
		return true
	}
	s.chunks = append(s.chunks, b)
	s.queued += len(b.b)
	s.mu.Unlock()
	l.post(s.c)
	s.mu.Lock()
	for s.queued > l.cfg.OutputBuffer && !s.gone {
		s.room.Wait()
	}
	gone := s.gone
	s.mu.Unlock()
	return !gone
}

// take moves queued chunks to c's output, about room bytes at most, and
// reports whether the worker is done and everything has been taken. When
// the output is empty a chunk becomes the output buffer itself, with no
// copy. Loop only.
func (s *slot) take(c *Conn, room int) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	i, taken := 0, 0
	for ; i < len(s.chunks) && taken < room; i++ {
		b := s.chunks[i]
		s.chunks[i] = nil
		taken += len(b.b)
		s.queued -= len(b.b)
		if c.outPending() == 0 {
			putBuffer(c.out)
			c.out, c.outOff = b, 0
		} else {
			c.out.b = append(c.out.b, b.b...)
			putBuffer(b)
		}
	}
	if i > 0 {
		s.chunks = append(s.chunks[:0], s.chunks[i:]...)
		s.room.Broadcast()
	}
	if s.done && len(s.chunks) == 0 {
		s.res, s.resErr = s.wres, s.werr
		return true
	}
	return false
}

// abandon tells a running worker that the connection is gone, so it stops
// pulling and releases the exchange. Loop only.
func (s *slot) abandon() {
	s.mu.Lock()
	s.gone = true
	for i, b := range s.chunks {
		putBuffer(b)
		s.chunks[i] = nil
	}
	s.chunks, s.queued = nil, 0
	s.room.Broadcast()
	s.mu.Unlock()
}

// releaseHead gives the head copy and its parser back to their pools: the
// exchange has copied what it needs.
func (s *slot) releaseHead() {
	putBuffer(s.head)
	if s.parser != nil {
		s.parser.Reset()
		parserPool.Put(s.parser)
	}
	s.req, s.head, s.parser = nil, nil, nil
}

// parserPool recycles parsers, which keep their field slices between
// requests; a connection holds one only while a head is incomplete.
var parserPool = sync.Pool{New: func() any { return new(http1.Parser) }}
