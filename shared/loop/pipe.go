package loop

import (
	"io"
	"sync"
)

// errClientGone is what an app reading its request body gets when the
// connection closed before the body was complete. It matches
// io.ErrUnexpectedEOF, as the blocking stages' reader's error does, so the
// gateway takes it for the client's doing, not the app's fault.
var errClientGone error = clientGone{}

// clientGone is the type of errClientGone.
type clientGone struct{}

func (clientGone) Error() string {
	return "loop: connection closed before the request body was complete"
}

func (clientGone) Unwrap() error { return io.ErrUnexpectedEOF }

// bodyPipe carries a request body from the loop to the worker running
// the app: it is the app's wsgi.input. The loop writes what it decodes
// from the socket, as much as fits in the fixed buffer; when the buffer
// is full it stops reading that socket, and the app's next Read, having
// made room, wakes the loop to read on. So a body of any size costs one
// buffer, and a client cannot send faster than the app reads.
type bodyPipe struct {
	c *Conn // the connection the body comes from, woken when room appears

	mu      sync.Mutex
	ready   sync.Cond // signalled when data, the end or an error arrives
	buf     *buffer   // data in buf.b[r:w]; nil once released
	r, w    int       // read and write offsets in buf.b
	eof     bool      // the whole body has been written
	err     error     // the body failed; Read returns it after the data
	closed  bool      // the reader is done: the loop discards the rest
	blocked bool      // the loop stopped reading for lack of room
	size    int64     // bytes of body memory charged for buf
}

// newBodyPipe returns a pipe for a body of connection c, with a buffer of
// size bytes charged to c's loop, or nil if the loop's body memory is
// exhausted. The pipe holds size bytes at most, what it was charged.
func newBodyPipe(c *Conn, size int) *bodyPipe {
	if !c.l.reserveBody(int64(size)) {
		return nil
	}
	p := &bodyPipe{c: c, buf: getBuffer(size), size: int64(size)}
	p.buf.b = p.buf.b[:size]
	p.ready.L = &p.mu
	return p
}

// room returns how many bytes write would take now. A closed pipe takes
// everything (and discards it).
func (p *bodyPipe) room() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return int(^uint(0) >> 1)
	}
	n := len(p.buf.b) - (p.w - p.r)
	if n == 0 {
		// The loop stops here; the reader wakes it once there is room.
		p.blocked = true
	}
	return n
}

// write copies as much of data as fits and returns how much it took.
// When it cannot take everything, the reader will wake the loop once it
// has made room. After closeRead, write discards data and takes it all.
// Only the loop calls it.
func (p *bodyPipe) write(data []byte) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return len(data)
	}
	if p.r > 0 && len(p.buf.b)-p.w < len(data) {
		p.w = copy(p.buf.b, p.buf.b[p.r:p.w])
		p.r = 0
	}
	n := copy(p.buf.b[p.w:], data)
	p.w += n
	if n < len(data) {
		p.blocked = true
	}
	if n > 0 {
		p.ready.Signal()
	}
	return n
}

// finish ends the body: err nil means it is complete, otherwise the app's
// Read returns err once the data before it has been read.
func (p *bodyPipe) finish(err error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if err == nil {
		p.eof = true
	} else if p.err == nil {
		p.err = err
	}
	p.ready.Signal()
}

// Read is the app's read of its request body. It blocks the worker, not
// the loop, until data, the end or an error is there.
func (p *bodyPipe) Read(b []byte) (int, error) {
	if len(b) == 0 {
		return 0, nil
	}
	p.mu.Lock()
	for p.r == p.w && !p.eof && p.err == nil && !p.closed {
		p.ready.Wait()
	}
	if p.r == p.w {
		err := p.err
		if err == nil {
			err = io.EOF
		}
		p.mu.Unlock()
		return 0, err
	}
	n := copy(b, p.buf.b[p.r:p.w])
	p.r += n
	if p.r == p.w {
		p.r, p.w = 0, 0
	}
	wake := p.blocked
	p.blocked = false
	p.mu.Unlock()
	if wake {
		p.c.l.post(p.c)
	}
	return n, nil
}

// closeRead ends the reader's side: the buffer goes back to its pool and
// its memory to the loop, and later writes are discarded. The worker
// calls it when the exchange is over (the app need not read its whole
// body); the loop calls it for a body whose app never ran. If the loop
// was waiting for room, it is woken to discard the rest.
func (p *bodyPipe) closeRead() {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return
	}
	p.closed = true
	buf, size, wake := p.buf, p.size, p.blocked
	p.buf, p.blocked = nil, false
	p.mu.Unlock()
	putBuffer(buf)
	p.c.l.releaseBody(size)
	if wake {
		p.c.l.post(p.c)
	}
}
