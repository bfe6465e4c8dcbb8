//go:build linux

// Command minimal is 06-epoll/minimal turned inside out, written the
// naive way, on purpose: instead of asking which socket is ready and
// reading it, it asks the kernel to accept, recv and send, through the
// two rings of one io_uring, and handles each completion as it comes.
// One recv of at most 1024 bytes is taken as a whole request; the app
// runs right there, in the loop; a send is assumed to take the whole
// response; a completion is named by its descriptor alone. No timeouts,
// no limits, no cancel. Chapter docs/07-io-uring.md starts here, shows
// what breaks it, and builds ../ (the stage) as the fix of each failure.
//
//	go run ./07-io-uring/minimal -addr 127.0.0.1:8888 -delay 200ms
package main

import (
	"flag"
	"fmt"
	"log"
	"runtime"
	"strings"
	"sync/atomic"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"

	"lbws/shared/sock"
)

// !+kernel

// The kernel's structures (include/uapi/linux/io_uring.h), field for field.
type params struct { // struct io_uring_params: asked for, and filled in by io_uring_setup
	sqEntries, cqEntries, flags, sqThreadCPU, sqThreadIdle, features, wqFd uint32
	resv                                                                   [3]uint32
	sq                                                                     sqOffsets
	cq                                                                     cqOffsets
}
type sqOffsets struct { // where each word of the submission ring lies in its mapping
	head, tail, mask, entries, flags, dropped, array, resv1 uint32
	userAddr                                                uint64
}
type cqOffsets struct { // the same for the completion ring
	head, tail, mask, entries, overflow, cqes, flags, resv1 uint32
	userAddr                                                uint64
}
type sqe struct { // a submission: one operation for the kernel to do, 64 bytes
	opcode, flags uint8
	ioprio        uint16
	fd            int32
	off, addr     uint64 // addr: the buffer
	len, opFlags  uint32
	userData      uint64 // given back in the completion
	pad           [3]uint64
}
type cqe struct { // a completion, 16 bytes
	userData uint64
	res      int32 // what the system call would have returned, or -errno
	flags    uint32
}

const opAccept, opSend, opRecv = 13, 26, 27 // enum io_uring_op

// !-kernel

// !+ring

// ring is one io_uring: submissions the program writes and the kernel
// consumes, completions the kernel writes and the program consumes, all
// in memory both share.
type ring struct {
	fd                             int
	sqHead, sqTail, cqHead, cqTail *uint32 // the shared words; each side writes two of them
	sqMask, cqMask                 uint32
	array                          []uint32 // the submission ring proper: indexes into sqes
	sqes                           []sqe
	cqes                           []cqe
	queued                         uint32 // submissions written since the last io_uring_enter
}

// setup makes an io_uring with room for entries submissions and maps
// its memory: the two rings in one mapping (Linux 5.4 and later), the
// submission entries in another.
func setup(entries uint32) *ring {
	var p params
	fd, _, errno := unix.Syscall(unix.SYS_IO_URING_SETUP, uintptr(entries), uintptr(unsafe.Pointer(&p)), 0)
	if errno != 0 {
		log.Fatalf("io_uring_setup: %v (see kernel.io_uring_disabled, or a seccomp filter)", errno)
	}
	rw, shared := unix.PROT_READ|unix.PROT_WRITE, unix.MAP_SHARED|unix.MAP_POPULATE
	size := max(p.sq.array+p.sqEntries*4, p.cq.cqes+p.cqEntries*16)
	rings, err := unix.Mmap(int(fd), 0, int(size), rw, shared) // IORING_OFF_SQ_RING
	if err != nil {
		log.Fatal(err)
	}
	sqes, err := unix.Mmap(int(fd), 0x10000000, int(p.sqEntries*64), rw, shared) // IORING_OFF_SQES
	if err != nil {
		log.Fatal(err)
	}
	word := func(off uint32) *uint32 { return (*uint32)(unsafe.Pointer(&rings[off])) }
	return &ring{fd: int(fd),
		sqHead: word(p.sq.head), sqTail: word(p.sq.tail), cqHead: word(p.cq.head), cqTail: word(p.cq.tail),
		sqMask: *word(p.sq.mask), cqMask: *word(p.cq.mask),
		array: unsafe.Slice((*uint32)(unsafe.Pointer(&rings[p.sq.array])), p.sqEntries),
		sqes:  unsafe.Slice((*sqe)(unsafe.Pointer(&sqes[0])), p.sqEntries),
		cqes:  unsafe.Slice((*cqe)(unsafe.Pointer(&rings[p.cq.cqes])), p.cqEntries)}
}

// submit writes one operation into the next free entry and moves the
// tail past it: the kernel reads an entry only once the tail covers it.
// A full submission ring is handed to the kernel first.
func (r *ring) submit(op uint8, fd int, buf []byte, userData uint64) {
	tail := *r.sqTail // only this program writes it
	if tail-atomic.LoadUint32(r.sqHead) == uint32(len(r.sqes)) {
		r.enter(0)
	}
	i := tail & r.sqMask
	r.sqes[i] = sqe{opcode: op, fd: int32(fd), userData: userData}
	if buf != nil {
		r.sqes[i].addr, r.sqes[i].len = uint64(uintptr(unsafe.Pointer(&buf[0]))), uint32(len(buf))
	}
	r.array[i] = i
	atomic.StoreUint32(r.sqTail, tail+1)
	r.queued++
}

// enter hands the kernel what was queued and waits until at least wait
// completions are in the ring: one system call for both.
func (r *ring) enter(wait uintptr) {
	const getEvents = 1 // IORING_ENTER_GETEVENTS
	n, _, errno := unix.Syscall6(unix.SYS_IO_URING_ENTER, uintptr(r.fd), uintptr(r.queued), wait, getEvents, 0, 0)
	if errno == 0 { // else EINTR, most likely: the next call submits them
		r.queued -= uint32(n)
	}
}

// !-ring

func main() {
	addr := flag.String("addr", "127.0.0.1:8888", "where to listen (host:port; port 0 picks one)")
	delay := flag.Duration("delay", 200*time.Millisecond, "how long the app sleeps")
	flag.Parse()
	lfd, err := sock.Listen(*addr) // socket, bind, listen: chapter 01
	if err != nil {
		log.Fatal(err)
	}
	local, _ := sock.LocalAddr(lfd)
	fmt.Printf("07-io-uring minimal: serving http://%s/, one io_uring, the app inline\n", local)
	runtime.LockOSThread() // the kernel finishes operations on the thread that submitted them
	r := setup(256)
	bufs := map[int][]byte{} // each connection's buffer: the kernel's while its operation is in flight
	// !+naive
	r.submit(opAccept, lfd, nil, opAccept<<32|uint64(lfd))
	for {
		r.enter(1)
		for head := *r.cqHead; head != atomic.LoadUint32(r.cqTail); head++ {
			c := r.cqes[head&r.cqMask]
			atomic.StoreUint32(r.cqHead, head+1)              // the entry is read: the kernel may reuse it
			op, fd := c.userData>>32, int(uint32(c.userData)) // the descriptor names the connection
			switch {
			case op == opAccept:
				if c.res >= 0 { // the new connection's descriptor
					bufs[int(c.res)] = make([]byte, 1024)
					r.submit(opRecv, int(c.res), bufs[int(c.res)], opRecv<<32|uint64(c.res))
				}
				r.submit(opAccept, lfd, nil, opAccept<<32|uint64(lfd)) // the next one
			case op == opRecv && c.res <= 0: // the client is gone
				unix.Close(fd)
				delete(bufs, fd)
			case op == opRecv: // the whole request, we hope
				bufs[fd] = []byte(app(string(bufs[fd][:c.res]), *delay))
				r.submit(opSend, fd, bufs[fd], opSend<<32|uint64(fd)) // all of it, we hope
			case op == opSend: // sent: wait for the next request
				bufs[fd] = make([]byte, 1024)
				r.submit(opRecv, fd, bufs[fd], opRecv<<32|uint64(fd))
			}
		}
	}
	// !-naive
}

// app is the article's hello world, run inline: every client waits for it.
func app(request string, delay time.Duration) string {
	line, _, _ := strings.Cut(request, "\r\n")
	status, body := "404 Not Found", "not found"
	if f := strings.Fields(line); len(f) > 1 && f[1] == "/hello" {
		time.Sleep(delay) // the article's time.sleep(0.2)
		status, body = "200 OK", "Hello World"
	}
	date := time.Now().UTC().Format("Mon, 02 Jan 2006 15:04:05 GMT")
	return fmt.Sprintf("HTTP/1.1 %s\r\nContent-Type: text/plain\r\nContent-Length: %d\r\nDate: %s\r\n\r\n%s", status, len(body), date, body)
}
