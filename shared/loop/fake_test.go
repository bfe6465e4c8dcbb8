package loop

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"log"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"lbws/shared/stage/stagetest"
)

// The loop's own tests run it without a kernel: a fake stage plays
// 05-poll (it reads a fake socket that has bytes and passes them to
// Received, writes Output and reports Sent, shuts down and closes when
// the connection asks, Begin and End around a fake wait) and fake
// sockets play the kernel, so a test decides how many bytes each write
// takes and when the client reads.

// fakeSock is one connection's socket as the test sees it.
type fakeSock struct {
	in       []byte       // bytes the client sent that the server has not read
	eof      bool         // the client shut down its sending side
	out      bytes.Buffer // bytes the server wrote
	perWrite int          // most bytes one write takes; 0: any
	room     int          // bytes writes may take before EAGAIN; -1: unlimited
	shut     bool         // the server shut down its sending side
	closed   bool         // the server closed it
	// reset: the client reset the connection. Reads return the bytes
	// still in in, then ECONNRESET; SO_ERROR returns ECONNRESET once;
	// the stage finds the socket readable at every turn, asked or
	// not, as a level-triggered poll or epoll reports a hang-up.
	reset  bool
	hup    bool // reported readable at every turn, asked or not, without an error
	errGot bool // SO_ERROR took the reset's error
	probes int  // calls of peek and sockErr
}

// fakeIO is the kernel of the fake sockets, by descriptor.
type fakeIO struct {
	socks map[int]*fakeSock
}

func (f *fakeIO) read(fd int, p []byte) (int, error) {
	s := f.socks[fd]
	if s.closed {
		return 0, unix.EBADF
	}
	if len(s.in) == 0 {
		switch {
		case s.reset && !s.errGot:
			s.errGot = true
			return 0, unix.ECONNRESET
		case s.eof || s.reset:
			return 0, nil
		}
		return 0, unix.EAGAIN
	}
	n := copy(p, s.in)
	s.in = s.in[n:]
	return n, nil
}

func (f *fakeIO) write(fd int, p []byte) (int, error) {
	s := f.socks[fd]
	if s.closed || s.shut || s.reset {
		return 0, unix.EPIPE
	}
	n := len(p)
	if s.perWrite > 0 {
		n = min(n, s.perWrite)
	}
	if s.room >= 0 {
		n = min(n, s.room)
		s.room -= n
	}
	if n == 0 {
		return 0, unix.EAGAIN
	}
	s.out.Write(p[:n])
	return n, nil
}

func (f *fakeIO) peek(fd int) (int, error) {
	s := f.socks[fd]
	s.probes++
	switch {
	case len(s.in) > 0:
		return 1, nil
	case s.reset && !s.errGot:
		s.errGot = true
		return 0, unix.ECONNRESET
	case s.eof || s.reset:
		return 0, nil
	}
	return 0, unix.EAGAIN
}

func (f *fakeIO) sockErr(fd int) error {
	s := f.socks[fd]
	s.probes++
	if s.reset && !s.errGot {
		s.errGot = true
		return unix.ECONNRESET
	}
	return nil
}

func (f *fakeIO) shutdownWrite(fd int) error { f.socks[fd].shut = true; return nil }
func (f *fakeIO) close(fd int) error         { f.socks[fd].closed = true; return nil }

// fakeWaker is a Waker without a descriptor: Wake signals a channel the
// fake stage waits on.
type fakeWaker struct {
	mu      sync.Mutex
	pending bool
	wakes   int // calls of Wake
	c       chan struct{}
}

func newFakeWaker() *fakeWaker { return &fakeWaker{c: make(chan struct{}, 1)} }

func (w *fakeWaker) Fd() int { return -1 }
func (w *fakeWaker) Wake() error {
	w.mu.Lock()
	w.pending = true
	w.wakes++
	w.mu.Unlock()
	select {
	case w.c <- struct{}{}:
	default:
	}
	return nil
}
func (w *fakeWaker) Drain() error {
	w.mu.Lock()
	w.pending = false
	w.mu.Unlock()
	return nil
}
func (w *fakeWaker) Close() error { return nil }
func (w *fakeWaker) isPending() bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.pending
}

// harness is a loop driven by a fake stage: the 05-poll stage's turn,
// drive, read, write, probe and close, over the fake sockets instead of
// system calls.
type harness struct {
	t     *testing.T
	l     *Loop
	io    *fakeIO
	w     *fakeWaker
	logs  *stagetest.LogBuffer
	conns map[int]*Conn
	next  int    // next descriptor number
	buf   []byte // every read lands here, as in a stage
	// refill is the room each fake socket gets per turn (-1: unlimited).
	refill int
}

// newHarness makes a loop with cfg and a fake kernel. Every change of a
// connection's phase must be one that Transitions lists.
func newHarness(t *testing.T, cfg Config) *harness {
	t.Helper()
	logs := &stagetest.LogBuffer{}
	cfg.Log = log.New(logs, "", 0)
	cfg.Verbose = true
	h := &harness{t: t, io: &fakeIO{socks: map[int]*fakeSock{}}, w: newFakeWaker(), logs: logs,
		conns: map[int]*Conn{}, next: 100, buf: make([]byte, scratchSize), refill: -1}
	h.l = newLoop(h.w, cfg.withDefaults(), "test", "80")
	h.l.onPhase = func(c *Conn, from, to Phase) {
		if !transitionListed(from, to) {
			t.Errorf("%s: phase %v -> %v, which Transitions does not list", c.remote, from, to)
		}
	}
	t.Cleanup(func() {
		h.l.Close()
		if t.Failed() {
			t.Logf("loop log:\n%s", logs)
		}
	})
	return h
}

// transitionListed reports whether Transitions has the move from -> to.
func transitionListed(from, to Phase) bool {
	for _, tr := range Transitions {
		if tr.From == from && tr.To == to {
			return true
		}
	}
	return false
}

// dial opens a connection, as a stage does once it has accepted one,
// and returns it with its socket.
func (h *harness) dial() (*Conn, *fakeSock) {
	fd := h.next
	h.next++
	s := &fakeSock{room: h.refill}
	h.io.socks[fd] = s
	c := h.l.Open(fd, fmt.Sprintf("10.0.0.1:%d", fd))
	h.conns[fd] = c
	return c, s
}

// closed reports whether c is closed: its phase is Closed, and the fake
// stage closed its socket, as Want Close asked.
func (h *harness) closed(c *Conn) bool {
	return c.Phase() == Closed && h.io.socks[c.fd].closed
}

// turn runs one turn without blocking; see step. It reports whether
// anything happened.
func (h *harness) turn() bool { return h.step(false) }

// step runs one turn of the fake stage, as 05-poll's turn does: it
// takes each connection's interest from its Want, begins the wait, finds
// the sockets that are ready for that interest (a reset or hang-up is
// reported whatever was asked, as poll reports POLLHUP and POLLERR), and,
// if none is and block is set, waits for a worker's wake-up or the wait's
// timeout (at most 10 ms: the test may be waiting for a state that no
// wake-up announces). Then it ends the wait, drives what End returns,
// and drives every ready connection. It reports whether End returned a
// connection or a socket was ready.
func (h *harness) step(block bool) bool {
	l := h.l
	type ready struct {
		c        *Conn
		readable bool
	}
	watched := append([]*Conn(nil), l.Conns()...)
	interest := make([]Want, len(watched))
	for i, c := range watched {
		interest[i] = c.Want()
		if h.refill >= 0 {
			h.io.socks[c.fd].room = h.refill
		}
	}
	wait := l.Begin()
	var rs []ready
	for i, c := range watched {
		s := h.io.socks[c.fd]
		readable := interest[i]&Read != 0 && (len(s.in) > 0 || s.eof) || s.reset || s.hup
		writable := interest[i]&Write != 0 && s.room != 0
		if readable || writable {
			rs = append(rs, ready{c, readable})
		}
	}
	if len(rs) == 0 && block && wait.Timeout != 0 {
		d := 10 * time.Millisecond
		if wait.Timeout > 0 {
			d = min(d, wait.Timeout)
		}
		select {
		case <-h.w.c:
		case <-time.After(d):
		}
	}
	changed := wait.End()
	did := len(changed) > 0 || len(rs) > 0
	for _, c := range changed {
		h.drive(c, false)
	}
	for _, r := range rs {
		h.ready(r.c, r.readable)
	}
	return did
}

// ready does what the fake poll reported c ready for, as 05-poll's ready.
func (h *harness) ready(c *Conn, readable bool) {
	if c.Phase() == Closed {
		return
	}
	if readable && c.Want()&Read == 0 {
		h.probe(c)
	}
	h.drive(c, readable)
}

// drive does what c wants until it must wait, as 05-poll's drive, and
// checks what the connection asks: Output when it wants to write,
// HalfClose and Close alone.
func (h *harness) drive(c *Conn, readable bool) {
	for {
		w := c.Want()
		if (w&Write != 0) != (len(c.Output()) > 0) {
			h.t.Errorf("%s: Want %v with %d bytes of Output", c.remote, w, len(c.Output()))
		}
		switch {
		case w == Close:
			h.close(c)
			return
		case w == HalfClose:
			c.HalfClosed(h.io.shutdownWrite(c.fd))
		case w&(Close|HalfClose) != 0:
			h.t.Fatalf("%s: Want %v: close and half-close stand alone", c.remote, w)
		case w&Write != 0 && h.write(c):
		case w&Read != 0 && readable:
			h.read(c)
			readable = false // level-triggered: reported again if more is there
		default:
			return
		}
	}
}

// read reads c's fake socket once into the harness's buffer.
func (h *harness) read(c *Conn) {
	n, err := h.io.read(c.fd, h.buf)
	switch {
	case err == unix.EAGAIN:
	case err != nil:
		c.Failed("read", err)
	case n == 0:
		c.ReceivedEOF()
	default:
		c.Received(h.buf[:n])
	}
}

// write writes c's output until the fake socket takes no more, and
// reports whether it wrote everything.
func (h *harness) write(c *Conn) bool {
	for c.Want()&Write != 0 {
		n, err := h.io.write(c.fd, c.Output())
		switch {
		case err == unix.EAGAIN:
			return false
		case err != nil:
			c.Failed("write", err)
			return true
		}
		c.Sent(n)
	}
	return true
}

// probe settles a report for a connection that asked for no read, as
// 05-poll's probe: SO_ERROR first, then a peek.
func (h *harness) probe(c *Conn) {
	if err := h.io.sockErr(c.fd); err != nil {
		c.Failed("read", err)
		return
	}
	n, err := h.io.peek(c.fd)
	switch {
	case err == unix.EAGAIN:
	case err != nil:
		c.Failed("read", err)
	case n == 0:
		c.ReceivedEOF()
	}
}

// close closes c's fake socket, as c asked, and tells c.
func (h *harness) close(c *Conn) {
	if err := h.io.close(c.fd); err != nil {
		h.t.Errorf("%s: close: %v", c.remote, err)
	}
	c.Closed()
}

// run turns the loop until cond holds, blocking in the fake wait when
// nothing is ready; it fails the test after timeout.
func (h *harness) run(timeout time.Duration, cond func() bool) {
	h.t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			h.t.Fatalf("condition not reached within %v", timeout)
		}
		h.step(true)
	}
}

// responses parses every complete response in b, for requests with the
// given methods (HEAD responses have no body).
func responses(t *testing.T, b []byte, n int) []*http.Response {
	t.Helper()
	r := bufio.NewReader(bytes.NewReader(b))
	var out []*http.Response
	for i := 0; i < n; i++ {
		resp, err := http.ReadResponse(r, nil)
		if err != nil {
			t.Fatalf("response %d: %v\nin %q", i, err, b)
		}
		body, err := io.ReadAll(resp.Body)
		if err != nil {
			t.Fatalf("response %d body: %v", i, err)
		}
		resp.Body = io.NopCloser(bytes.NewReader(body))
		out = append(out, resp)
	}
	return out
}

// bodyOf returns a response's body as a string.
func bodyOf(resp *http.Response) string {
	b, _ := io.ReadAll(resp.Body)
	return string(b)
}

// countResponses counts the status lines in b.
func countResponses(b []byte) int {
	return strings.Count(string(b), "HTTP/1.1 ")
}
