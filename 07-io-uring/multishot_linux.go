//go:build linux

package main

import (
	"cmp"
	"errors"
	"fmt"
	"os"
	"runtime"
	"sync/atomic"
	"unsafe"

	"golang.org/x/sys/unix"

	"lbws/shared/loop"
)

// The second step, behind -multishot: one ACCEPT that completes once per
// connection for as long as the loop accepts, and one RECV per
// connection that completes once per arrival of bytes for as long as the
// connection reads, into a buffer the kernel takes from a ring of
// buffers this process provides only when the bytes arrive. The first
// removes a submission per accepted connection, the second a submission
// per read and, above all, the buffer each idle connection pinned.

// multishotServer is what the server keeps for -multishot.
type multishotServer struct {
	opts    options   // -multishot, and its ring's sizes
	bufs    *bufRing  // the provided buffer ring; nil without -multishot
	starved []starved // recvs ended by ENOBUFS, submitted again next turn
	verbose bool      // -v: the counts are logged at the end
}

// multishotConn is what a connection keeps for -multishot (see
// receivedMultishot).
type multishotConn struct {
	held       []byte // bytes received while c did not want to read, not yet handed over
	heldEOF    bool   // the end of file came after them
	recvCancel bool   // an ASYNC_CANCEL of the multishot recv is in flight
	starved    bool   // the multishot recv ended with ENOBUFS: submitted again next turn
}

// newMultishot makes the provided buffer ring on r if o asks for
// -multishot.
func newMultishot(r *ring, o options, verbose bool) (multishotServer, error) {
	ms := multishotServer{opts: o, verbose: verbose}
	if ms.opts.stats == nil {
		ms.opts.stats = &stats{}
	}
	if !o.multishot {
		return ms, nil
	}
	ms.opts.bufCount, ms.opts.bufSize = cmp.Or(o.bufCount, bufCount), cmp.Or(o.bufSize, bufSize)
	var err error
	ms.bufs, err = newBufRing(r, ms.opts.bufCount, ms.opts.bufSize)
	return ms, err
}

// closeMultishot logs the counts (with -v) and how often the ring ran
// dry, and unregisters and unmaps the buffer ring. Nothing may be in
// flight.
func (s *server) closeMultishot() {
	st := s.stats()
	if s.verbose {
		s.log.Printf("io_uring: %d operations submitted (%d ACCEPT, %d RECV), %d completions taken",
			st.sqes.Load(), st.acceptSQEs.Load(), st.recvSQEs.Load(), st.cqes.Load())
	}
	if s.bufs == nil {
		return
	}
	if n := st.enobufs.Load(); n > 0 {
		s.log.Printf("io_uring: the provided buffer ring (%d buffers) ran dry %d times; each time a recv waited a turn",
			len(s.bufs.entries), n)
	}
	if err := s.bufs.close(s.ring); err != nil {
		s.log.Print(err)
	}
}

// countSQE counts a submission of op.
func (s *server) countSQE(op uint8) {
	st := s.stats()
	st.sqes.Add(1)
	switch op {
	case opAccept:
		st.acceptSQEs.Add(1)
	case opRecv:
		st.recvSQEs.Add(1)
	}
}

// !+multishotconsts

// The kernel's names, from include/uapi/linux/io_uring.h.
const (
	// sqe.flags (enum IOSQE_*_BIT): the kernel picks the buffer, from
	// the group named in buf_group (the sqe's bufIndex).
	sqeBufferSelect = 1 << 5 // IOSQE_BUFFER_SELECT

	// sqe.ioprio for ACCEPT ("accept flags stored in sqe->ioprio") and
	// for RECV ("send/sendmsg and recv/recvmsg flags (sqe->ioprio)").
	acceptMultishot = 1 << 0 // IORING_ACCEPT_MULTISHOT (Linux 5.19)
	recvMultishot   = 1 << 1 // IORING_RECV_MULTISHOT (Linux 6.0)

	// cqe.flags.
	cqeFBuffer     = 1 << 0 // IORING_CQE_F_BUFFER: a provided buffer was used, its id in the upper 16 bits
	cqeFMore       = 1 << 1 // IORING_CQE_F_MORE: the operation stays in flight and will complete again
	cqeBufferShift = 16     // IORING_CQE_BUFFER_SHIFT

	// io_uring_register(2) opcodes (Linux 5.19).
	registerPbufRing   = 22 // IORING_REGISTER_PBUF_RING
	unregisterPbufRing = 23 // IORING_UNREGISTER_PBUF_RING
)

// bufReg is struct io_uring_buf_reg, io_uring_register's argument for
// (UN)REGISTER_PBUF_RING: where the ring is, its size and its group id.
type bufReg struct {
	ringAddr    uint64 // page-aligned
	ringEntries uint32 // a power of two, at most 32768
	bgid        uint16 // the buffer group id the sqes name
	flags       uint16 // IOU_PBUF_RING_* (none used: the ring is this process's memory)
	resv        [3]uint64
}

// bufEntry is struct io_uring_buf, one entry of the ring: a buffer the
// kernel may use. struct io_uring_buf_ring overlays the ring's 16-bit
// tail on the first entry's resv, at byte 14.
type bufEntry struct {
	addr uint64
	len  uint32
	bid  uint16 // the buffer id a completion names
	resv uint16 // in the first entry: the tail
}

// !-multishotconsts

// The provided buffer ring's size, what it pins whatever the number of
// connections: bufCount buffers of bufSize bytes, 1 MiB, plus 4 KiB of
// ring. A buffer is the kernel's only from the moment bytes arrive for a
// connection to the moment the loop has handed them to it (Received
// copies what it keeps), all within one turn of the loop, and every
// buffer is back in the ring before the next io_uring_enter: so the
// ring needs as many buffers as completions carry bytes in one turn,
// not one per connection. A turn with more (many clients sending at
// once) runs the ring dry: the recvs beyond it end with ENOBUFS and are
// re-armed at the next turn, which is what single-shot pays for every
// read. The buffer is the single-shot recvSize, so a request head fits
// one.
const (
	bufCount = 256
	bufSize  = 4 << 10
	bufGroup = 0 // the one buffer group
)

// einvalEnv names an environment variable for tests: set to register,
// accept or recv, that part of -multishot is given to the kernel with a
// flag it does not know, so it fails with EINVAL as a kernel without the
// feature does, and the stage's message can be checked on a kernel that
// has it.
const einvalEnv = "LBWS_URING_MULTISHOT_EINVAL"

// forcedEINVAL reports whether einvalEnv asks what to fail.
func forcedEINVAL(what string) bool { return os.Getenv(einvalEnv) == what }

// unknownFlag is a bit no kernel's ACCEPT or RECV ioprio knows (EINVAL).
const unknownFlag = 1 << 15

// multishotError is a kernel refusing part of -multishot with EINVAL:
// it is older than the feature (or forced, einvalEnv).
type multishotError struct {
	what, needs string
	err         error
}

func (e *multishotError) Error() string {
	forced := ""
	if os.Getenv(einvalEnv) != "" {
		forced = " (forced by " + einvalEnv + ": the kernel was handed a value it rejects)"
	}
	return fmt.Sprintf("07-io-uring -multishot: %s: %v%s: this kernel lacks %s; run without -multishot",
		e.what, e.err, forced, e.needs)
}

// Unwrap returns the kernel's error.
func (e *multishotError) Unwrap() error { return e.err }

// The three parts of -multishot a kernel may lack.
func errNoPbufRing(err error) error {
	return &multishotError{"io_uring_register(IORING_REGISTER_PBUF_RING)", "provided buffer rings (Linux 5.19)", err}
}

func errNoMultishotAccept(err error) error {
	return &multishotError{"ACCEPT with IORING_ACCEPT_MULTISHOT", "multishot accept (Linux 5.19)", err}
}

func errNoMultishotRecv(err error) error {
	return &multishotError{"RECV with IORING_RECV_MULTISHOT", "multishot recv (Linux 6.0)", err}
}

// !+bufring

// bufRing is a provided buffer ring: count buffers of size bytes, and a
// ring of their descriptions shared with the kernel, which takes the
// next one each time bytes arrive for a multishot recv and names it in
// the completion (its id). The loop puts each buffer back once it has
// handed the bytes over. Both are anonymous mappings, outside Go's heap:
// the ring must be page-aligned, and the buffers stay put.
type bufRing struct {
	ringMem []byte     // count bufEntry, page-aligned
	mem     []byte     // the buffers, id i at i*size
	entries []bufEntry // ringMem as entries
	size    int
	mask    uint16
	tail    uint16 // the loop's next entry; published by publish
}

// newBufRing maps count buffers of size bytes and their ring, and
// registers the ring with r as buffer group bufGroup, full.
func newBufRing(r *ring, count, size int) (*bufRing, error) {
	if count <= 0 || count > 1<<15 || count&(count-1) != 0 {
		return nil, fmt.Errorf("provided buffer ring: %d entries; want a power of two up to 32768", count)
	}
	b := &bufRing{size: size, mask: uint16(count - 1)}
	prot, flags := unix.PROT_READ|unix.PROT_WRITE, unix.MAP_PRIVATE|unix.MAP_ANONYMOUS
	var err error
	if b.ringMem, err = unix.Mmap(-1, 0, count*int(unsafe.Sizeof(bufEntry{})), prot, flags); err != nil {
		return nil, fmt.Errorf("mmap provided buffer ring: %w", err)
	}
	if b.mem, err = unix.Mmap(-1, 0, count*size, prot, flags); err != nil {
		b.unmap()
		return nil, fmt.Errorf("mmap provided buffers: %w", err)
	}
	b.entries = unsafe.Slice((*bufEntry)(unsafe.Pointer(&b.ringMem[0])), count)
	for id := range count {
		b.put(uint16(id))
	}
	reg := bufReg{ringAddr: uint64(uintptr(unsafe.Pointer(&b.ringMem[0]))), ringEntries: uint32(count), bgid: bufGroup}
	if forcedEINVAL("register") {
		reg.resv[0] = 1 // reserved, must be zero: EINVAL
	}
	if err := b.register(r, registerPbufRing, &reg); err != nil {
		b.unmap()
		if errors.Is(err, unix.EINVAL) {
			return nil, errNoPbufRing(err)
		}
		return nil, fmt.Errorf("io_uring_register(IORING_REGISTER_PBUF_RING): %w", err)
	}
	return b, nil
}

// register calls io_uring_register(2) with op and reg.
func (b *bufRing) register(r *ring, op uintptr, reg *bufReg) error {
	_, _, errno := unix.Syscall6(unix.SYS_IO_URING_REGISTER, uintptr(r.fd), op, uintptr(unsafe.Pointer(reg)), 1, 0, 0)
	if errno != 0 {
		return errno
	}
	return nil
}

// buf returns the first n bytes of buffer id.
func (b *bufRing) buf(id uint16, n int) []byte {
	off := int(id) * b.size
	return b.mem[off : off+n : off+b.size]
}

// put gives buffer id back to the kernel: its description goes into the
// next entry, and the tail moves past it.
func (b *bufRing) put(id uint16) {
	e := &b.entries[b.tail&b.mask]
	e.addr = uint64(uintptr(unsafe.Pointer(&b.mem[int(id)*b.size])))
	e.len = uint32(b.size)
	e.bid = id
	b.tail++
	b.publish()
}

// publish stores the tail where the kernel reads it, with release
// ordering: the kernel must not see the new tail before the entry it
// covers. The tail is a 16-bit word, and sync/atomic has no 16-bit
// store; so the 32-bit word that holds it, bytes 12 to 15 of the first
// entry (its bid, then the tail), is stored whole. Only the loop writes
// either half, and the kernel only reads the ring, so rewriting the bid
// with its own value changes nothing but the tail.
func (b *bufRing) publish() {
	var w uint32
	halves := (*[2]uint16)(unsafe.Pointer(&w)) // in memory order, whatever the byte order
	halves[0], halves[1] = b.entries[0].bid, b.tail
	atomic.StoreUint32((*uint32)(unsafe.Pointer(&b.entries[0].bid)), w)
}

// !-bufring

// close unregisters the ring from r and unmaps it. No operation may be
// in flight.
func (b *bufRing) close(r *ring) error {
	reg := bufReg{bgid: bufGroup}
	err := b.register(r, unregisterPbufRing, &reg)
	b.unmap()
	if err != nil {
		return fmt.Errorf("io_uring_register(IORING_UNREGISTER_PBUF_RING): %w", err)
	}
	return nil
}

// unmap unmaps what newBufRing mapped.
func (b *bufRing) unmap() {
	if b.mem != nil {
		unix.Munmap(b.mem)
		b.mem = nil
	}
	if b.ringMem != nil {
		unix.Munmap(b.ringMem)
		b.ringMem, b.entries = nil, nil
	}
}

// supportedMultishot reports whether this kernel takes a provided
// buffer ring: nil, or a message saying what it lacks. (The multishot
// ACCEPT and RECV are checked by their first completions: serve ends
// with the same kind of message if the kernel refuses them.)
//
// Its ring is made as serve's is, for one thread (SINGLE_ISSUER, see
// newRing), and the kernel keeps every other thread out: io_uring_enter
// from another fails with EEXIST (io_uring_setup(2),
// IORING_SETUP_SINGLE_ISSUER), and so does io_uring_register ("file
// exists"). So the goroutine stays on its thread from the setup to the
// close: left free, the Go scheduler may move it between two system
// calls, which it did under load (issue 23: TestResetWhileWaiting
// failed with that EEXIST).
func supportedMultishot() error {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	r, err := newRing(8, 16)
	if err != nil {
		return err
	}
	if afterProbeSetup != nil {
		afterProbeSetup()
	}
	b, err := newBufRing(r, 2, bufSize)
	if err == nil {
		err = b.close(r)
	}
	if cerr := r.close(); err == nil {
		err = cerr
	}
	return err
}

// afterProbeSetup, if set, runs in supportedMultishot between the setup
// of its ring and the registration (tests: it moves the goroutine to
// another thread if it can).
var afterProbeSetup func()

// !+multiaccept

// armMultishotAccept submits the one ACCEPT that completes for every
// connection (IORING_ACCEPT_MULTISHOT): each completion with F_MORE
// leaves it in flight. It carries no address: the kernel would write
// every connection's into the same place, maybe several times before
// the loop reads one, so the address is asked with getpeername(2).
func (s *server) armMultishotAccept(e *sqe) {
	if s.bufs == nil {
		return
	}
	e.addr, e.off = 0, 0
	e.ioprio = acceptMultishot
	if forcedEINVAL("accept") {
		e.ioprio |= unknownFlag
	}
}

// peerAddr returns the client's address of fd, formatted as
// remoteAddr formats the ACCEPT's. It calls getpeername(2) itself, into
// a RawSockaddrAny: unix.Getpeername would add a getsockopt(2) per call.
func peerAddr(fd int) string {
	var sa unix.RawSockaddrAny
	n := uint32(unsafe.Sizeof(sa))
	_, _, errno := unix.Syscall(unix.SYS_GETPEERNAME, uintptr(fd), uintptr(unsafe.Pointer(&sa)), uintptr(unsafe.Pointer(&n)))
	if errno != 0 {
		return "?"
	}
	return remoteAddr(&sa, n)
}

// acceptError is the error that ends serve when an ACCEPT fails with
// err: with -multishot, EINVAL is a kernel without multishot accept.
func (s *server) acceptError(err error) error {
	if s.bufs != nil && err == unix.EINVAL {
		return errNoMultishotAccept(err)
	}
	return fmt.Errorf("accept: %w", err)
}

// !-multiaccept

// !+multirecv

// recvMultishot submits the connection's one RECV (IORING_RECV_MULTISHOT)
// with no buffer of its own: each time bytes arrive, the kernel takes a
// buffer from the ring (IOSQE_BUFFER_SELECT, group bufGroup) and posts a
// completion naming it, with F_MORE while the recv stays in flight. An
// idle connection pins no buffer. It waits while bytes are held for the
// connection (deliverHeld hands them over first) and, after ENOBUFS,
// for the next turn (rearmStarved).
func (s *server) recvMultishot(u *uconn) {
	if u.starved || len(u.held) > 0 || u.heldEOF {
		return
	}
	e := s.sqe(opRecv, u.fd, tag(opRecv, u.slot, u.gen))
	if e == nil {
		return
	}
	e.flags = sqeBufferSelect
	e.ioprio = recvMultishot
	if forcedEINVAL("recv") {
		e.ioprio |= unknownFlag
	}
	e.bufIndex = bufGroup // buf_group; len stays 0: the buffer's size
	u.ops |= recvOp
}

// receivedMultishot takes one completion of a multishot RECV: bytes in
// a provided buffer (given back to the ring once handed over), the end
// of file, or an error; without F_MORE the recv has ended, and drive
// submits the next when the connection wants to read.
//
// A connection that stops wanting to read (its queue of requests is
// full, or it waits for the app of a Connection: close request) must
// not be handed bytes: Received is called only while Want has Read.
// The recv is not cancelled at once when Want drops Read: in most
// cases no byte comes until Want has Read again (a client waits for its
// answer), and a cancel and a new RECV for every such request would
// cost the submissions multishot saves. If bytes do come, they are
// copied into the connection's held bytes, the buffer goes back to the
// ring, and the recv is cancelled then; the connection gets them, in
// order, once it wants to read (deliverHeld). What is held is what the
// kernel received for the socket before the cancel: at most its receive
// buffer (net.ipv4.tcp_rmem), which single-shot would have left in the
// kernel (TestMultishotPipelinedBurstHeld holds up to about 160 KB of a
// 200 KB burst). Holding the ring's buffers instead would bound it by
// the ring, but let one client that sends without reading starve every
// connection of buffers until its write timeout.
func (s *server) receivedMultishot(u *uconn, res int32, flags uint32) {
	if flags&cqeFMore == 0 {
		u.ops &^= recvOp
		u.recvCancel = false
	}
	var buf []byte
	if flags&cqeFBuffer != 0 {
		id := uint16(flags >> cqeBufferShift)
		defer s.bufs.put(id)
		if res > 0 {
			buf = s.bufs.buf(id, int(res))
		}
	}
	if u.closing || s.draining {
		return
	}
	switch {
	case res > 0:
		if len(u.held) == 0 && takes(u.c.Want()) {
			s.flushBeforeApp()
			u.c.Received(buf)
			return
		}
		u.held = append(u.held, buf...)
		s.stats().held.Add(int64(len(buf)))
		if u.ops&recvOp != 0 && !u.recvCancel && s.cancel(tag(opRecv, u.slot, u.gen), tag(opAsyncCancel, u.slot, u.gen)) {
			u.cancels++
			u.recvCancel = true
		}
	case res == 0:
		if len(u.held) > 0 {
			u.heldEOF = true
			return
		}
		u.c.ReceivedEOF()
	case res == -int32(unix.ENOBUFS):
		// The ring ran dry this turn: the recv has ended, and the bytes
		// wait in the socket. Every buffer is back by the next turn,
		// which submits the recv again (rearmStarved).
		u.starved = true
		s.starved = append(s.starved, starved{u, u.gen})
		s.stats().enobufs.Add(1)
	case res == -int32(unix.EINVAL):
		if s.err == nil {
			s.err = errNoMultishotRecv(unix.EINVAL)
		}
	case res == -int32(unix.EINTR) || res == -int32(unix.EAGAIN) || res == -int32(unix.ECANCELED):
		// Nothing happened: drive submits it again if c still wants it.
	default:
		u.c.Failed("read", unix.Errno(-res))
	}
}

// takes reports whether a connection that wants w may be handed bytes:
// it wants to read, or it is lingering (it will read next and discards
// what comes, see loop.Conn.Received), about to half-close.
func takes(w loop.Want) bool { return w&loop.Read != 0 || w == loop.HalfClose }

// deliverHeld hands u the bytes held while it did not want to read, as
// much as it wants now, a buffer's worth at a time, then the end of
// file that came after them.
func (s *server) deliverHeld(u *uconn) {
	if len(u.held) == 0 && !u.heldEOF {
		return
	}
	for len(u.held) > 0 && !u.closing && takes(u.c.Want()) {
		n := min(len(u.held), s.bufs.size)
		s.flushBeforeApp()
		u.c.Received(u.held[:n])
		u.held = u.held[n:]
	}
	if len(u.held) > 0 || u.closing {
		return
	}
	u.held = nil
	if u.heldEOF {
		u.heldEOF = false
		u.c.ReceivedEOF()
	}
}

// starved is a connection whose multishot recv ended with ENOBUFS, at
// its generation then.
type starved struct {
	u   *uconn
	gen uint32
}

// rearmStarved submits again the recvs that ENOBUFS ended last turn:
// every buffer is back in the ring by now (each goes back in the turn
// that used it).
func (s *server) rearmStarved() {
	for _, x := range s.starved {
		if u := x.u; u.c != nil && u.gen == x.gen && u.starved {
			u.starved = false
			s.drive(u)
		}
	}
	clear(s.starved)
	s.starved = s.starved[:0]
}

// !-multirecv

// stats returns where the server counts: the tests' stats, or its own.
func (s *server) stats() *stats { return s.opts.stats }
