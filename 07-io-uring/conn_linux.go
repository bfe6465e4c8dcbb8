//go:build linux

package main

import (
	"io"
	"unsafe"

	"golang.org/x/sys/unix"

	"lbws/shared/loop"
)

// !+drive

// drive submits what c wants that is not already in flight: a SEND of
// its output, a RECV into a buffer, a SHUTDOWN for the half-close, or,
// to close, cancels of what is in flight and then the CLOSE. Nothing
// here waits or reads a socket: each operation completes later, and its
// completion (server.complete) reports to c what the kernel did; then
// drive runs again.
func (s *server) drive(u *uconn) {
	if u.closing {
		s.finishClose(u)
		return
	}
	s.deliverHeld(u) // -multishot: bytes held while c did not want to read
	switch w := u.c.Want(); {
	case w == loop.Close:
		s.close(u)
	case w == loop.HalfClose:
		// The last response is out (no send is in flight).
		if u.ops&(shutdownOp|sendOp) == 0 {
			s.shutdown(u)
		}
	default:
		if w&loop.Write != 0 && u.ops&sendOp == 0 {
			s.send(u)
		}
		if w&loop.Read != 0 && u.ops&recvOp == 0 {
			s.recv(u)
		}
	}
}

// !-drive

// !+recv

// recv submits a RECV of c's socket into a buffer of its own, which
// stays the kernel's until the completion: one recv in flight per
// connection. A recv still in flight when the connection stops wanting
// to read (its queue is full) delivers at most one buffer more, which
// the connection keeps.
func (s *server) recv(u *uconn) {
	if s.bufs != nil {
		s.recvMultishot(u)
		return
	}
	e := s.sqe(opRecv, u.fd, tag(opRecv, u.slot, u.gen))
	if e == nil {
		return
	}
	u.rbuf = s.getRecvBuf()
	e.addr = addrOf(u.rbuf)
	e.len = uint32(len(u.rbuf))
	u.ops |= recvOp
}

// received takes a RECV's completion: bytes, the end of file, or an
// error, each reported to c.
func (s *server) received(u *uconn, res int32) {
	buf := u.rbuf
	u.rbuf = nil
	defer s.putRecvBuf(buf)
	if u.closing || s.draining {
		return
	}
	switch {
	case res > 0:
		s.flushBeforeApp()
		u.c.Received(buf[:res])
	case res == 0:
		u.c.ReceivedEOF()
	case res == -int32(unix.EINTR) || res == -int32(unix.EAGAIN) || res == -int32(unix.ECANCELED):
		// Nothing happened: drive submits it again if c still wants it.
	default:
		u.c.Failed("read", unix.Errno(-res))
	}
}

// !-recv

// flushBeforeApp hands the kernel the submissions queued so far, when
// the app runs inline: Received may run it in the loop for as long as it
// takes, and the responses made earlier in this batch of completions
// must not wait behind it in the submission ring (04-06 write each
// response in the turn it was made). With workers nothing runs long in
// the loop, and the submissions go at the next turn's io_uring_enter.
func (s *server) flushBeforeApp() {
	if !s.inline || !s.ring.pending() {
		return
	}
	if err := s.ring.enter(false, 0); err != nil && s.err == nil {
		s.err = err
	}
}

// !+send

// send submits a SEND of c's output. The kernel reads the bytes when it
// runs the operation, which may be turns later, and meanwhile c may give
// its output buffer back to the pool (a timeout closes it) for another
// connection to fill: so the stage sends from a copy of its own, of at
// most sendMax bytes. MSG_NOSIGNAL: a client gone is EPIPE, not a
// SIGPIPE.
func (s *server) send(u *uconn) {
	out := u.c.Output()
	if len(out) == 0 {
		return
	}
	e := s.sqe(opSend, u.fd, tag(opSend, u.slot, u.gen))
	if e == nil {
		return
	}
	u.sbuf = s.getSendBuf(len(out))
	n := copy(u.sbuf, out)
	u.sbuf = u.sbuf[:n]
	e.addr = addrOf(u.sbuf)
	e.len = uint32(n)
	e.opFlags = unix.MSG_NOSIGNAL
	u.ops |= sendOp
}

// sent takes a SEND's completion: what the socket took, reported with
// Sent (the rest is sent by the next SEND: a partial send is submitted
// again from where it stopped), or the error.
func (s *server) sent(u *uconn, res int32) {
	s.putSendBuf(u.sbuf)
	u.sbuf = nil
	if u.closing || s.draining {
		return
	}
	switch {
	case res > 0:
		u.c.Sent(int(res))
	case res == 0:
		u.c.Failed("write", io.ErrShortWrite)
	case res == -int32(unix.EINTR) || res == -int32(unix.EAGAIN) || res == -int32(unix.ECANCELED):
	default:
		u.c.Failed("write", unix.Errno(-res))
	}
}

// !-send

// shutdown submits a SHUTDOWN of the sending side, as c's Want
// HalfClose asks; its completion is reported with HalfClosed.
func (s *server) shutdown(u *uconn) {
	e := s.sqe(opShutdown, u.fd, tag(opShutdown, u.slot, u.gen))
	if e == nil {
		return
	}
	e.len = unix.SHUT_WR // shutdown's how goes in len
	u.ops |= shutdownOp
}

// !+close

// close begins closing c's descriptor, as c asked: every operation still
// in flight is cancelled first (an idle connection's recv would
// otherwise hold the socket open until the client sends or leaves, and
// complete for a connection already forgotten), and the CLOSE goes out
// once all of them have completed (finishClose).
func (s *server) close(u *uconn) {
	u.closing = true
	s.cancelOps(u)
	s.finishClose(u)
}

// cancelOps submits an ASYNC_CANCEL of each of u's operations in flight.
func (s *server) cancelOps(u *uconn) {
	for _, x := range []struct {
		bit opSet
		op  uint8
	}{{recvOp, opRecv}, {sendOp, opSend}, {shutdownOp, opShutdown}} {
		if u.ops&x.bit != 0 && s.cancel(tag(x.op, u.slot, u.gen), tag(opAsyncCancel, u.slot, u.gen)) {
			u.cancels++
		}
	}
}

// finishClose submits the CLOSE once nothing of u is in flight.
func (s *server) finishClose(u *uconn) {
	if u.ops != 0 || u.cancels != 0 {
		return
	}
	if e := s.sqe(opClose, u.fd, tag(opClose, u.slot, u.gen)); e != nil {
		u.ops |= closeOp
	}
}

// closed takes the CLOSE's completion: c is told (the loop forgets it),
// and the slot is freed under a new generation. The descriptor number
// may already belong to a connection accepted since.
func (s *server) closed(u *uconn, res int32) {
	if res < 0 {
		s.log.Printf("%s: close: %v", u.c.RemoteAddr(), unix.Errno(-res))
	}
	u.c.Closed()
	if s.byFd[u.fd] == u {
		s.byFd[u.fd] = nil
	}
	u.c, u.closing, u.gen = nil, false, (u.gen+1)&genMask
	u.multishotConn = multishotConn{}
	s.free = append(s.free, u.slot)
}

// !-close

// open makes c, just accepted on descriptor fd, one of the op table's,
// in a free slot.
func (s *server) open(c *loop.Conn, fd int) *uconn {
	var u *uconn
	if n := len(s.free); n > 0 {
		u = s.conns[s.free[n-1]]
		s.free = s.free[:n-1]
	} else {
		u = &uconn{slot: uint32(len(s.conns))}
		s.conns = append(s.conns, u)
	}
	u.c, u.fd = c, fd
	for fd >= len(s.byFd) {
		s.byFd = append(s.byFd, nil)
	}
	s.byFd[fd] = u
	return u
}

// getRecvBuf returns a recv buffer from the free list, or a new one.
func (s *server) getRecvBuf() []byte {
	if n := len(s.rfree); n > 0 {
		b := s.rfree[n-1]
		s.rfree = s.rfree[:n-1]
		return b
	}
	return make([]byte, recvSize)
}

// putRecvBuf gives a recv buffer back to the free list, which keeps up
// to freeMax of them: the rest go to the garbage collector.
func (s *server) putRecvBuf(b []byte) {
	if b != nil && len(s.rfree) < freeMax {
		s.rfree = append(s.rfree, b)
	}
}

// getSendBuf returns a send buffer with room for n bytes, at most
// sendMax: a small one (sendSmall) for a small response, so the
// buffers a burst of small responses pins stay small.
func (s *server) getSendBuf(n int) []byte {
	free, size := &s.sfree, sendSmall
	if n > sendSmall {
		free, size = &s.lfree, sendMax
	}
	if k := len(*free); k > 0 {
		b := (*free)[k-1]
		*free = (*free)[:k-1]
		return b
	}
	return make([]byte, size)
}

// putSendBuf gives a send buffer back to the free list of its size,
// which keeps up to freeMax of them.
func (s *server) putSendBuf(b []byte) {
	if b == nil {
		return
	}
	b = b[:cap(b)]
	free := &s.sfree
	if len(b) > sendSmall {
		free = &s.lfree
	}
	if len(*free) < freeMax {
		*free = append(*free, b)
	}
}

// addrOf is the address of b's first byte, for an sqe. The buffer stays
// referenced (by a uconn or the server) until the operation completes,
// and Go's heap does not move objects, so the kernel's address stays
// valid.
func addrOf(b []byte) uint64 { return uint64(uintptr(unsafe.Pointer(&b[0]))) }
