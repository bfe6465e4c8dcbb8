//go:build linux

package main

import (
	"fmt"
	"io"
	"log"
	"runtime"
	"time"

	"golang.org/x/sys/unix"

	"lbws/shared/loop"
	"lbws/shared/sock"
)

// !+server

// server is one io_uring loop: the listening socket, the shared
// connection state machines (loop.Loop), a ring, and the table of the
// operations in flight. Nothing here waits for readiness: the loop asks
// the kernel to do an operation (accept, recv, send, shutdown, close)
// and is told when it is done, with its result.
type server struct {
	loop   *loop.Loop
	log    *log.Logger
	ring   *ring
	lfd    int       // the listening socket; -1 once closed
	paused time.Time // accepting is paused until then (out of descriptors)

	conns []*uconn            // the op table: connections by slot (user_data names a slot and its generation)
	free  []uint32            // slots not in use
	byFd  []*uconn            // open connections by descriptor, to find a loop.Conn's
	rfree [][]byte            // recv buffers not in use
	sfree [][]byte            // small send buffers not in use
	lfree [][]byte            // large send buffers not in use
	sa    unix.RawSockaddrAny // where the ACCEPT in flight writes the client's address
	salen uint32              // and its length
	wbuf  [8]byte             // where the eventfd READ in flight writes the counter

	accepting bool // an ACCEPT is in flight
	waking    bool // a READ of the eventfd is in flight
	inflight  int  // operations submitted and not yet completed: the ring closes at 0
	draining  bool // at the end: completions are only counted
	inline    bool // the app runs in the loop (-workers 0), inside Received
	err       error

	multishotServer // -multishot (multishot_linux.go); bufs is nil without it
}

// uconn is what the stage keeps for one connection beside its
// loop.Conn: its descriptor, its slot in the op table and the slot's
// generation, the operations in flight and their buffers.
//
// What an idle keep-alive connection pins: its recv is in flight, so one
// recvSize buffer (4 KiB) stays the kernel's until the client sends,
// beside the loop.Conn (192 bytes) and this struct. 06 reads every
// connection into one loop buffer only once epoll says it is readable,
// so it pins none; a completion model must hand the buffer over before
// the bytes arrive. That is the C10K question of this model: with 5,000
// idle keep-alive connections the process grew by about 5.4 KB per
// connection on Linux 6.18, against 06's 960 B (VmRSS; 10,000 would pin
// 40 MB of recv buffers). A provided-buffer ring (the next step) lets
// the kernel pick a buffer only when bytes arrive.
type uconn struct {
	c       *loop.Conn // nil while the slot is free
	fd      int
	slot    uint32
	gen     uint32 // bumped when the slot is freed: a late completion cannot name the next connection
	ops     opSet  // operations in flight
	cancels int    // ASYNC_CANCELs in flight
	closing bool   // Want said Close: cancels, then CLOSE, then Closed
	rbuf    []byte // the buffer of the recv in flight
	sbuf    []byte // the copy of the output the send in flight sends

	multishotConn // -multishot (multishot_linux.go)
}

// opSet is a set of a connection's operations in flight.
type opSet uint8

const (
	recvOp opSet = 1 << iota
	sendOp
	shutdownOp
	closeOp
)

// !-server

// !+userdata

// A completion's user_data says which operation of which connection it
// ends: the opcode in the low 8 bits, the slot in the next 32, the slot's
// generation in the top 24. The descriptor number alone would not do: a
// connection's descriptor is reused as soon as it is closed, possibly
// by an accept that completes before the last completion of the old
// connection is read. The loop cancels a connection's operations and
// waits for their completions before it closes the descriptor and frees
// the slot; the generation catches any completion that would still
// arrive (a bug: it is logged as a stray completion).
const (
	listenerSlot = 1<<32 - 1 // the accept, the eventfd read, and their cancels
	genMask      = 1<<24 - 1
)

// tag makes the user_data of operation op for slot at generation gen.
func tag(op uint8, slot, gen uint32) uint64 {
	return uint64(op) | uint64(slot)<<8 | uint64(gen&genMask)<<40
}

// untag splits a user_data made by tag.
func untag(ud uint64) (op uint8, slot, gen uint32) {
	return uint8(ud), uint32(ud >> 8), uint32(ud>>40) & genMask
}

// !-userdata

// Buffer sizes. A recv buffer is pinned while its recv is in flight,
// which for an idle connection is all the time (see uconn); a send
// buffer only while its send is.
const (
	recvSize  = 4 << 10
	sendSmall = 4 << 10
	sendMax   = 64 << 10
	freeMax   = 1024 // buffers kept on each free list
)

// drainTimeout bounds the wait for the last completions at the end.
const drainTimeout = 5 * time.Second

// serveDefault is serve without the stage's own flags (no -multishot),
// for the shared tests.
func serveDefault(stop <-chan struct{}, lfd int, cfg loop.Config) error {
	return serve(stop, lfd, cfg, options{})
}

// !+serve

// serve runs the io_uring loop on the listening socket lfd until stop
// is closed and the requests in flight have finished; then it returns
// nil. It returns an error only if the listening socket or the ring
// fails. serve owns lfd; o holds the stage's own flags (-multishot).
func serve(stop <-chan struct{}, lfd int, cfg loop.Config, o options) error {
	// The ring is this thread's alone (see newRing): the loop, from
	// setup to close, runs on it.
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	s, err := newServer(lfd, cfg, o)
	if err != nil {
		unix.Close(lfd)
		return err
	}
	defer s.closeAll()
	s.loop.StopOn(stop)
	for !s.loop.Finished() {
		if err := s.turn(); err != nil {
			return err
		}
	}
	return nil
}

// !-serve

// newServer makes the loop and its ring for the listening socket lfd,
// which it makes blocking, as are the accepted sockets and the eventfd:
// io_uring never blocks the loop (it tries each operation without
// blocking and, if it would block, waits for readiness itself), so
// O_NONBLOCK buys nothing here, and a blocking descriptor leaves no doubt
// that an operation waits for its data instead of completing with EAGAIN.
// (On this machine's Linux 6.18 non-blocking ones wait too: the tests
// pass either way.)
func newServer(lfd int, cfg loop.Config, o options) (*server, error) {
	addr, err := sock.LocalAddr(lfd)
	if err != nil {
		return nil, err
	}
	if err := unix.SetNonblock(lfd, false); err != nil {
		return nil, fmt.Errorf("listening socket: %w", err)
	}
	r, err := newRing(sqSize, cqSize)
	if err != nil {
		return nil, err
	}
	ms, err := newMultishot(r, o, cfg.Verbose)
	if err != nil {
		r.close()
		return nil, err
	}
	closeRings := func() {
		if ms.bufs != nil {
			ms.bufs.close(r)
		}
		r.close()
	}
	w, err := newEventfdWaker()
	if err != nil {
		closeRings()
		return nil, err
	}
	l, err := loop.New(addr, w, cfg)
	if err != nil {
		w.Close()
		closeRings()
		return nil, err
	}
	lg := cfg.Log
	if lg == nil {
		lg = log.New(io.Discard, "", 0)
	}
	inline := cfg.Workers == 0 && cfg.Pool == nil
	return &server{loop: l, log: lg, ring: r, lfd: lfd, inline: inline, multishotServer: ms}, nil
}

// !+turn

// turn runs one turn of the loop: submit what the last turn asked for
// and wait for a completion, in one io_uring_enter, until the next
// deadline; hand each completion to its connection, which says what to
// submit next; then do what the workers and the timers changed.
//
// The completions go before End (04-06 read after it): by the time a
// RECV's completion is in the ring, its bytes have left the socket, and
// until the loop takes it the connection looks idle. End begins the
// shutdown if a stop came during the wait, and closes idle connections:
// it would close that one with its request unanswered. In 04-06 the
// bytes are still in the socket at End, and the read after it is the
// loop taking them.
func (s *server) turn() error {
	s.rearmStarved()
	s.armAccept()
	s.armWake()
	wait := s.loop.Begin()
	err := s.ring.enter(wait.Timeout != 0, s.timeout(wait.Timeout))
	if afterEnter != nil {
		afterEnter(s) // tests
	}
	if err == nil {
		s.ring.reap(s.complete)
	}
	for _, c := range wait.End() {
		if u := s.find(c); u != nil {
			s.drive(u)
		}
	}
	if s.loop.Stopping() {
		s.closeListener()
	}
	if err != nil {
		return err
	}
	return s.err
}

// !-turn

// afterEnter, if set, runs in every turn as io_uring_enter returns,
// before anything else (tests: it stops the loop while a completion
// waits in the ring).
var afterEnter func(*server)

// !+complete

// complete takes one completion: it finds the operation by its
// user_data and passes the result on, then lets the connection say what
// comes next (drive). A multishot operation's completion with F_MORE
// leaves it in flight (-multishot).
func (s *server) complete(ud uint64, res int32, flags uint32) {
	more := flags&cqeFMore != 0
	if !more {
		s.inflight--
	}
	s.stats().cqes.Add(1)
	op, slot, gen := untag(ud)
	if slot == listenerSlot {
		switch op {
		case opAccept:
			s.accepting = more
			if !s.draining {
				s.accepted(res)
			}
		case opRead:
			s.waking = false
			s.woken(res)
		}
		return
	}
	var u *uconn
	if int(slot) < len(s.conns) {
		u = s.conns[slot]
	}
	if u == nil || u.c == nil || u.gen != gen {
		s.log.Printf("stray completion: opcode %d for slot %d generation %d, result %d: "+
			"its connection is gone", op, slot, gen, res)
		return
	}
	switch op {
	case opRecv:
		if s.bufs != nil {
			s.receivedMultishot(u, res, flags)
			break
		}
		u.ops &^= recvOp
		s.received(u, res)
	case opSend:
		u.ops &^= sendOp
		s.sent(u, res)
	case opShutdown:
		u.ops &^= shutdownOp
		if !u.closing && !s.draining {
			u.c.HalfClosed(errnoOf(res))
		}
	case opAsyncCancel:
		u.cancels--
	case opClose:
		u.ops &^= closeOp
		s.closed(u, res)
		return
	}
	if !s.draining {
		s.drive(u)
	}
}

// !-complete

// errnoOf is a completion's result as an error: nil unless negative.
func errnoOf(res int32) error {
	if res >= 0 {
		return nil
	}
	return unix.Errno(-res)
}

// woken takes the completion of the eventfd READ: a worker woke the
// loop (the loop's End has done what it posted). It is armed again at
// the next turn.
func (s *server) woken(res int32) {
	if res < 0 && res != -int32(unix.ECANCELED) && res != -int32(unix.EINTR) {
		s.log.Printf("read eventfd: %v", unix.Errno(-res))
	}
}

// armWake keeps a READ of the eventfd in flight, so a worker's Wake is a
// completion like any other.
func (s *server) armWake() {
	if s.waking {
		return
	}
	e := s.sqe(opRead, s.loop.WakeFd(), tag(opRead, listenerSlot, 0))
	if e == nil {
		return
	}
	e.addr = addrOf(s.wbuf[:])
	e.len = uint32(len(s.wbuf))
	e.off = ^uint64(0) // the file's position: an eventfd has none
	s.waking = true
}

// sqe returns the next submission entry with its opcode, descriptor and
// user_data set, and counts the operation in flight; nil if the ring
// failed (the failure is kept and ends serve).
func (s *server) sqe(op uint8, fd int, ud uint64) *sqe {
	e, err := s.ring.get()
	if err != nil {
		if s.err == nil {
			s.err = err
		}
		return nil
	}
	e.opcode, e.fd, e.userData = op, int32(fd), ud
	s.inflight++
	s.countSQE(op)
	return e
}

// cancel submits an ASYNC_CANCEL of the operation whose user_data is
// target; its own completion carries ud.
func (s *server) cancel(target, ud uint64) bool {
	e := s.sqe(opAsyncCancel, -1, ud)
	if e == nil {
		return false
	}
	e.addr = target
	return true
}

// timeout is how long the wait may block: the loop's timeout, or less
// if accepting resumes sooner.
func (s *server) timeout(d time.Duration) time.Duration {
	if p := time.Until(s.paused); s.lfd >= 0 && p > 0 && (d < 0 || p < d) {
		return p
	}
	return d
}

// find returns the uconn of c, or nil if c is closing and its descriptor
// already names a newer connection.
func (s *server) find(c *loop.Conn) *uconn {
	if fd := c.Fd(); fd < len(s.byFd) {
		if u := s.byFd[fd]; u != nil && u.c == c {
			return u
		}
	}
	return nil
}

// !+closeAll

// closeAll ends the loop: it cancels every operation still in flight and
// waits for their completions (each names a buffer of this process that
// the kernel may still write into), closes the connections still open
// (requests still running are abandoned), the listening socket, the
// loop's waker and workers, and the ring.
func (s *server) closeAll() {
	s.draining = true
	if s.accepting {
		s.cancel(tag(opAccept, listenerSlot, 0), tag(opAsyncCancel, listenerSlot, 0))
	}
	if s.waking {
		s.cancel(tag(opRead, listenerSlot, 0), tag(opAsyncCancel, listenerSlot, 0))
	}
	for _, u := range s.conns {
		if u.c != nil {
			s.cancelOps(u)
		}
	}
	for deadline := time.Now().Add(drainTimeout); s.inflight > 0 && time.Now().Before(deadline); {
		if err := s.ring.enter(true, time.Until(deadline)); err != nil {
			s.log.Print(err)
			break
		}
		s.ring.reap(s.complete)
	}
	for _, u := range s.conns {
		if u.c != nil && u.ops&closeOp == 0 {
			unix.Close(u.fd)
		}
	}
	s.loop.Close()
	s.closeListener()
	if s.inflight > 0 {
		// The kernel may still write into this process's buffers: leave
		// the ring open (the process is exiting or the test failing).
		s.log.Printf("io_uring: %d operations still in flight %v after the end; the ring is left open", s.inflight, drainTimeout)
		leaked = append(leaked, s)
		return
	}
	s.closeMultishot()
	if err := s.ring.close(); err != nil {
		s.log.Print(err)
	}
}

// !-closeAll

// leaked keeps the servers whose ring could not be drained reachable, so
// the buffers the kernel may still write into are never reused.
var leaked []*server
