package gateway

// outQueue is where an exchange puts the bytes it produces. During a call
// of Next they go straight into the caller's slice, up to the caller's
// bound; what does not fit waits here, in order, for the next call:
// first own bytes (pend), then a body chunk that is not copied (data),
// then own bytes that follow it (tail).
//
// A chunk from Body.Next stays valid until the Body's next Next or Close,
// and the exchange calls neither while bytes wait, so data can point into
// the app's memory: an 8 MiB chunk under a 64 KiB bound is not copied
// into the exchange.
type outQueue struct {
	dst   []byte // the caller's slice, during Next; nil outside it
	limit int    // len(dst) may grow up to this
	pend  []byte // own bytes waiting, from poff
	poff  int    // start of the waiting part of pend
	data  []byte // a chunk of the app's waiting after pend, not copied
	tail  []byte // own bytes waiting after data
}

// pending reports whether bytes wait for the next call of Next.
func (q *outQueue) pending() bool {
	return q.poff < len(q.pend) || len(q.data) > 0 || len(q.tail) > 0
}

// room is how many more bytes the caller's slice takes in this call.
func (q *outQueue) room() int { return q.limit - len(q.dst) }

// begin returns the slice that own bytes are appended to now: the
// caller's slice if nothing waits, otherwise the end of the queue. The
// caller appends (an encoder's Append methods) and hands the result to
// end.
func (q *outQueue) begin() []byte {
	switch {
	case len(q.data) > 0 || len(q.tail) > 0:
		return q.tail
	case q.poff < len(q.pend):
		return q.pend
	}
	return q.dst
}

// end takes back the slice begin returned; bytes beyond the caller's
// bound move to pend.
func (q *outQueue) end(b []byte) {
	switch {
	case len(q.data) > 0 || len(q.tail) > 0:
		q.tail = b
	case q.poff < len(q.pend):
		q.pend = b
	default:
		if len(b) > q.limit {
			q.pend, q.poff = append(q.pend[:0], b[q.limit:]...), 0
			b = b[:q.limit]
		}
		q.dst = b
	}
}

// put queues own bytes: p is copied.
func (q *outQueue) put(p []byte) {
	q.end(append(q.begin(), p...))
}

// putData queues a chunk of the app's: what does not fit now is kept by
// reference (see outQueue), unless other bytes already wait after a
// chunk, in which case it is copied.
func (q *outQueue) putData(p []byte) {
	switch {
	case len(q.data) > 0 || len(q.tail) > 0:
		q.tail = append(q.tail, p...)
	case q.poff < len(q.pend):
		q.data = p
	default:
		n := min(q.room(), len(p))
		q.dst = append(q.dst, p[:n]...)
		if n < len(p) {
			q.data = p[n:]
		}
	}
}

// drain moves waiting bytes into the caller's slice, as many as fit.
func (q *outQueue) drain() {
	for q.room() > 0 && q.pending() {
		switch {
		case q.poff < len(q.pend):
			n := min(q.room(), len(q.pend)-q.poff)
			q.dst = append(q.dst, q.pend[q.poff:q.poff+n]...)
			q.poff += n
			if q.poff == len(q.pend) {
				q.pend, q.poff = q.pend[:0], 0
			}
		case len(q.data) > 0:
			n := min(q.room(), len(q.data))
			q.dst = append(q.dst, q.data[:n]...)
			q.data = q.data[n:]
			if len(q.data) == 0 {
				q.data = nil
			}
		default:
			// The tail becomes the front of the queue.
			q.pend, q.tail, q.poff = q.tail, q.pend[:0], 0
		}
	}
}

// maxPooledQueue bounds the buffers an exchange keeps in the pool, so one
// slow client's large response does not pin memory for the life of the
// process.
const maxPooledQueue = 64 << 10

// reset empties the queue, keeping small buffers for the next exchange.
func (q *outQueue) reset() {
	pend, tail := q.pend[:0], q.tail[:0]
	if cap(pend) > maxPooledQueue {
		pend = nil
	}
	if cap(tail) > maxPooledQueue {
		tail = nil
	}
	*q = outQueue{pend: pend, tail: tail}
}
