//go:build linux

package main

import (
	"errors"
	"fmt"
	"sync/atomic"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

// The kernel's io_uring interface, as include/uapi/linux/io_uring.h
// declares it: golang.org/x/sys/unix has the three system call numbers
// (SYS_IO_URING_SETUP, _ENTER, _REGISTER) but none of the structures,
// so the few this stage uses are written here, field for field.

// !+structs

// params is struct io_uring_params: what io_uring_setup(2) is asked for
// and fills in (the sizes it chose, its features, and where in the
// mapped memory each ring's words lie).
type params struct {
	sqEntries    uint32
	cqEntries    uint32
	flags        uint32 // setupCQSize, ...
	sqThreadCPU  uint32
	sqThreadIdle uint32
	features     uint32 // featNoDrop, featExtArg, ...
	wqFd         uint32
	resv         [3]uint32
	sqOff        sqringOffsets
	cqOff        cqringOffsets
}

// sqringOffsets is struct io_sqring_offsets: byte offsets into the
// submission ring's mapping.
type sqringOffsets struct {
	head, tail, ringMask, ringEntries, flags, dropped, array, resv1 uint32
	userAddr                                                        uint64
}

// cqringOffsets is struct io_cqring_offsets: byte offsets into the
// completion ring's mapping.
type cqringOffsets struct {
	head, tail, ringMask, ringEntries, overflow, cqes, flags, resv1 uint32
	userAddr                                                        uint64
}

// sqe is struct io_uring_sqe, a submission queue entry: one operation
// for the kernel to do, 64 bytes. Several fields are unions in C; the
// comments name the meaning each has for the operations used here.
type sqe struct {
	opcode      uint8  // opAccept, opRecv, ...
	flags       uint8  // IOSQE_*: IOSQE_BUFFER_SELECT with -multishot
	ioprio      uint16 // ACCEPT and RECV: IORING_ACCEPT_MULTISHOT, IORING_RECV_MULTISHOT with -multishot
	fd          int32  // the descriptor to operate on
	off         uint64 // ACCEPT: the address of the socklen_t (addr2)
	addr        uint64 // the buffer; ACCEPT: the sockaddr; ASYNC_CANCEL: the user_data to cancel
	len         uint32 // the buffer's length
	opFlags     uint32 // msg_flags (RECV, SEND), accept_flags, cancel_flags, how (SHUTDOWN uses len)
	userData    uint64 // given back in the completion: which operation of which connection
	bufIndex    uint16 // with IOSQE_BUFFER_SELECT: buf_group, the provided buffers' group
	personality uint16
	spliceFdIn  int32
	addr3       uint64
	pad2        uint64
}

// cqe is struct io_uring_cqe, a completion queue entry: the result of
// one operation, 16 bytes.
type cqe struct {
	userData uint64 // the sqe's user_data
	res      int32  // what the system call would have returned, or -errno
	flags    uint32 // IORING_CQE_F_*: F_MORE and F_BUFFER with -multishot
}

// geteventsArg is struct io_uring_getevents_arg: with enterExtArg,
// io_uring_enter's argument, which carries the wait's timeout.
type geteventsArg struct {
	sigmask   uint64
	sigmaskSz uint32
	pad       uint32
	ts        uint64 // *unix.Timespec; 0: no timeout
}

// !-structs

// The constants used, from io_uring.h.
const (
	// Operations (enum io_uring_op).
	opRead        = 22 // IORING_OP_READ: read(2) at an offset (-1: the file's position)
	opAccept      = 13 // IORING_OP_ACCEPT: accept4(2)
	opAsyncCancel = 14 // IORING_OP_ASYNC_CANCEL: cancel an operation in flight
	opClose       = 19 // IORING_OP_CLOSE: close(2)
	opSend        = 26 // IORING_OP_SEND: send(2)
	opRecv        = 27 // IORING_OP_RECV: recv(2)
	opShutdown    = 34 // IORING_OP_SHUTDOWN: shutdown(2)

	setupCQSize       = 1 << 3  // IORING_SETUP_CQSIZE: cqEntries is ours, not twice sqEntries
	setupClamp        = 1 << 4  // IORING_SETUP_CLAMP: sizes over the maximum are clamped
	setupSingleIssuer = 1 << 12 // IORING_SETUP_SINGLE_ISSUER: one thread submits (Linux 6.0)
	setupDeferTaskrun = 1 << 13 // IORING_SETUP_DEFER_TASKRUN: completions are made only in io_uring_enter (6.1)

	featSingleMmap = 1 << 0 // IORING_FEAT_SINGLE_MMAP: one mapping holds both rings
	featNoDrop     = 1 << 1 // IORING_FEAT_NODROP: completions are never dropped when the ring is full
	featExtArg     = 1 << 8 // IORING_FEAT_EXT_ARG: io_uring_enter takes a timeout (Linux 5.11)

	enterGetEvents = 1 << 0 // IORING_ENTER_GETEVENTS: wait for min_complete completions
	enterExtArg    = 1 << 3 // IORING_ENTER_EXT_ARG: the argument is a geteventsArg

	offSQRing = 0          // IORING_OFF_SQ_RING: mmap offset of the submission ring
	offCQRing = 0x8000000  // IORING_OFF_CQ_RING: of the completion ring
	offSQEs   = 0x10000000 // IORING_OFF_SQES: of the submission entries
)

// Sizes of the rings. Every connection has at most four operations in
// flight (a recv, a send, a shutdown or close, and a cancel), and an
// idle connection one (its recv), so 5,000 connections fit in the
// completion ring; with featNoDrop the kernel keeps any overflow and
// hands it over as the ring empties. The submission ring is flushed when
// full (ring.get).
const (
	sqSize = 4096
	cqSize = 32768
)

// !+ring

// ring is one io_uring instance: a submission queue the loop fills and
// the kernel consumes, and a completion queue the kernel fills and the
// loop consumes, both in memory shared with the kernel (mmap), so that
// neither side needs a system call to see the other's entries. Only
// io_uring_enter(2) is a system call: "I have submitted up to here; wait
// for a completion".
type ring struct {
	fd int

	sqMap, cqMap, sqeMap []byte // the mappings (sqMap and cqMap may be one)

	// Words shared with the kernel. The loop writes sqTail and cqHead;
	// the kernel writes sqHead and cqTail. They are read and written with
	// sync/atomic: the kernel stores a completion's 16 bytes before it
	// advances cqTail (a release), so the loop must load cqTail before it
	// reads them (an acquire), and must store cqHead only after it has
	// read them (a release), or the kernel could overwrite an entry being
	// read. The same holds the other way for an sqe and sqTail. Go has
	// no acquire-only or release-only atomics: its sync/atomic is
	// sequentially consistent, stronger than needed (a store is a locked
	// exchange on amd64), which costs a few nanoseconds per completion.
	sqHead, sqTail, cqHead, cqTail *uint32
	sqMask, cqMask                 uint32
	sqes                           []sqe
	cqes                           []cqe

	tail      uint32 // the loop's next sqe; published to sqTail by enter
	submitted uint32 // sqTail as the kernel has consumed it

	arg geteventsArg  // io_uring_enter's argument, kept on the heap:
	ts  unix.Timespec // the kernel reads them during the call
}

// !-ring

// refuseEnv names an environment variable for tests: set to ENOSYS,
// EPERM or EACCES, io_uring_setup is not called and fails with that
// error, as it does where the kernel, its sysctl or a seccomp filter
// refuses io_uring. See refuse_linux.go.
const refuseEnv = "LBWS_URING_REFUSE"

// !+newring

// newRing sets up an io_uring instance with room for sq submissions and
// cq completions and maps its memory. A kernel or sandbox that refuses
// io_uring gives a *refusedError (see refuse_linux.go).
//
// The ring is the calling thread's alone (SINGLE_ISSUER), and the
// kernel finishes its operations only when that thread calls
// io_uring_enter to wait (DEFER_TASKRUN). Without these, a recv whose
// bytes arrive is finished by "task work" that interrupts the thread
// that submitted it, wherever it is (a Go thread may be running another
// goroutine, or asleep in a futex); with them, it is finished in the
// loop's own wait, in batches. Measured here (wrk -t1 -c50, 2 cores
// under a load average near 4), one run each: inline, 53,000 requests a
// second against 36,000 without; with workers, 29,000 against 23,000.
// The caller must keep to one thread: serve locks its goroutine to
// its thread (runtime.LockOSThread) before it makes the ring. A kernel
// before 6.1 refuses the flags (EINVAL): the ring is made without them.
func newRing(sq, cq uint32) (*ring, error) {
	p := params{flags: setupCQSize | setupClamp | setupSingleIssuer | setupDeferTaskrun, cqEntries: cq}
	fd, err := setup(sq, &p)
	if errors.Is(err, unix.EINVAL) {
		p = params{flags: setupCQSize | setupClamp, cqEntries: cq}
		fd, err = setup(sq, &p)
	}
	if err != nil {
		return nil, err
	}
	r := &ring{fd: fd}
	if err := r.mmap(&p); err != nil {
		r.close()
		return nil, err
	}
	return r, nil
}

// !-newring

// setup calls io_uring_setup(2), or fails as refuseEnv asks.
func setup(entries uint32, p *params) (int, error) {
	if errno, ok := forcedRefusal(); ok {
		return -1, refused(errno)
	}
	fd, _, errno := unix.Syscall(unix.SYS_IO_URING_SETUP, uintptr(entries), uintptr(unsafe.Pointer(p)), 0)
	switch errno {
	case 0:
	case unix.ENOSYS, unix.EPERM, unix.EACCES:
		return -1, refused(errno)
	default:
		return -1, fmt.Errorf("io_uring_setup: %w", errno)
	}
	if p.features&featExtArg == 0 || p.features&featNoDrop == 0 {
		unix.Close(int(fd))
		return -1, fmt.Errorf("io_uring_setup: this kernel's io_uring lacks a timeout on io_uring_enter " +
			"(IORING_FEAT_EXT_ARG, Linux 5.11) or lossless completions (IORING_FEAT_NODROP, 5.5): run 06-epoll")
	}
	return int(fd), nil
}

// mmap maps the two rings and the submission entries, and points the
// ring's fields at the shared words.
func (r *ring) mmap(p *params) error {
	sqLen := int(p.sqOff.array + p.sqEntries*4)
	cqLen := int(p.cqOff.cqes + p.cqEntries*uint32(unsafe.Sizeof(cqe{})))
	if p.features&featSingleMmap != 0 {
		sqLen = max(sqLen, cqLen)
		cqLen = sqLen
	}
	var err error
	prot, flags := unix.PROT_READ|unix.PROT_WRITE, unix.MAP_SHARED|unix.MAP_POPULATE
	if r.sqMap, err = unix.Mmap(r.fd, offSQRing, sqLen, prot, flags); err != nil {
		return fmt.Errorf("mmap submission ring: %w", err)
	}
	r.cqMap = r.sqMap
	if p.features&featSingleMmap == 0 {
		if r.cqMap, err = unix.Mmap(r.fd, offCQRing, cqLen, prot, flags); err != nil {
			return fmt.Errorf("mmap completion ring: %w", err)
		}
	}
	sqeLen := int(p.sqEntries) * int(unsafe.Sizeof(sqe{}))
	if r.sqeMap, err = unix.Mmap(r.fd, offSQEs, sqeLen, prot, flags); err != nil {
		return fmt.Errorf("mmap submission entries: %w", err)
	}
	word := func(m []byte, off uint32) *uint32 { return (*uint32)(unsafe.Pointer(&m[off])) }
	r.sqHead, r.sqTail = word(r.sqMap, p.sqOff.head), word(r.sqMap, p.sqOff.tail)
	r.cqHead, r.cqTail = word(r.cqMap, p.cqOff.head), word(r.cqMap, p.cqOff.tail)
	r.sqMask, r.cqMask = *word(r.sqMap, p.sqOff.ringMask), *word(r.cqMap, p.cqOff.ringMask)
	r.sqes = unsafe.Slice((*sqe)(unsafe.Pointer(&r.sqeMap[0])), p.sqEntries)
	r.cqes = unsafe.Slice((*cqe)(unsafe.Pointer(&r.cqMap[p.cqOff.cqes])), p.cqEntries)
	// The submission ring holds indexes into sqes: this loop fills
	// entries in ring order, so entry i is always sqes[i].
	array := unsafe.Slice((*uint32)(unsafe.Pointer(&r.sqMap[p.sqOff.array])), p.sqEntries)
	for i := range array {
		array[i] = uint32(i)
	}
	r.tail = atomic.LoadUint32(r.sqTail)
	r.submitted = r.tail
	return nil
}

// !+get

// get returns the next free submission entry, zeroed, for the caller to
// fill. A full submission ring is handed to the kernel first.
func (r *ring) get() (*sqe, error) {
	if r.tail-atomic.LoadUint32(r.sqHead) >= uint32(len(r.sqes)) {
		if err := r.enter(false, 0); err != nil {
			return nil, err
		}
	}
	e := &r.sqes[r.tail&r.sqMask]
	*e = sqe{}
	r.tail++
	return e, nil
}

// enter submits the entries filled since the last call, has the kernel
// finish the operations that are ready (their completions go into the
// ring), and, with wait, blocks until at least one completion is there
// or timeout has passed (a negative timeout waits without limit). One
// system call does all three. A signal (EINTR) or the timeout (ETIME)
// is not an error: the caller reaps what is there, maybe nothing.
func (r *ring) enter(wait bool, timeout time.Duration) error {
	atomic.StoreUint32(r.sqTail, r.tail) // release: the entries are written
	toSubmit := r.tail - r.submitted
	var minComplete uintptr
	flags := uintptr(enterGetEvents | enterExtArg)
	r.arg = geteventsArg{}
	if wait {
		minComplete = 1
		if timeout >= 0 {
			r.ts = unix.NsecToTimespec(int64(timeout))
			r.arg.ts = uint64(uintptr(unsafe.Pointer(&r.ts)))
		}
	}
	n, _, errno := unix.Syscall6(unix.SYS_IO_URING_ENTER, uintptr(r.fd), uintptr(toSubmit), minComplete, flags,
		uintptr(unsafe.Pointer(&r.arg)), unsafe.Sizeof(r.arg))
	if errno == 0 {
		r.submitted += uint32(n)
	}
	switch errno {
	case 0, unix.EINTR, unix.ETIME:
		return nil
	case unix.EBUSY, unix.EAGAIN:
		// The completion ring is over full, or the kernel is short of
		// memory: the caller reaps and calls again.
		return nil
	}
	return fmt.Errorf("io_uring_enter: %w", errno)
}

// !-get

// !+reap

// reap calls f with every completion in the ring, oldest first. Each
// entry goes back to the kernel before f runs: f may enter the kernel
// (ring.get flushes a full submission ring), which may post more.
func (r *ring) reap(f func(userData uint64, res int32, flags uint32)) {
	for {
		head := *r.cqHead                        // only the loop writes it
		if head == atomic.LoadUint32(r.cqTail) { // acquire: the entries up to tail are written
			return
		}
		e := r.cqes[head&r.cqMask]
		atomic.StoreUint32(r.cqHead, head+1) // release: the entry is read
		f(e.userData, e.res, e.flags)
	}
}

// !-reap

// pending reports the submissions not yet handed to the kernel.
func (r *ring) pending() bool { return r.tail != r.submitted }

// close unmaps the rings and closes the instance. Every operation must
// have completed first: the kernel writes into the buffers they name.
func (r *ring) close() error {
	if r.sqeMap != nil {
		unix.Munmap(r.sqeMap)
	}
	if r.cqMap != nil && (r.sqMap == nil || &r.cqMap[0] != &r.sqMap[0]) {
		unix.Munmap(r.cqMap)
	}
	if r.sqMap != nil {
		unix.Munmap(r.sqMap)
	}
	if err := unix.Close(r.fd); err != nil {
		return fmt.Errorf("close io_uring: %w", err)
	}
	return nil
}
