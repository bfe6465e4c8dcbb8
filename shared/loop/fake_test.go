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

// The loop's own tests run it without a kernel readiness API: a fake
// driver plays the stage (it calls OnReadable when a fake socket has
// bytes, OnWritable when it has room, OnWake when a worker woke the
// loop) and fake sockets play the kernel, so a test decides how many
// bytes each write takes and when the client reads.

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
	// the driver reports the socket readable at every turn, asked or
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
// driver waits on.
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

// harness is a loop driven by the fake driver.
type harness struct {
	t     *testing.T
	l     *Loop
	io    *fakeIO
	w     *fakeWaker
	logs  *stagetest.LogBuffer
	conns map[int]*Conn
	next  int // next descriptor number
	// refill is the room each fake socket gets per turn (-1: unlimited).
	refill int
}

// newHarness makes a loop with cfg and a fake kernel.
func newHarness(t *testing.T, cfg Config) *harness {
	t.Helper()
	logs := &stagetest.LogBuffer{}
	cfg.Log = log.New(logs, "", 0)
	cfg.Verbose = true
	h := &harness{t: t, io: &fakeIO{socks: map[int]*fakeSock{}}, w: newFakeWaker(), logs: logs,
		conns: map[int]*Conn{}, next: 100, refill: -1}
	h.l = newLoop(-1, h.w, cfg.withDefaults(), "test", "80")
	h.l.sys = h.io
	t.Cleanup(func() {
		h.l.Close()
		if t.Failed() {
			t.Logf("loop log:\n%s", logs)
		}
	})
	return h
}

// dial adds a connection and returns its socket.
func (h *harness) dial() (*Conn, *fakeSock) {
	fd := h.next
	h.next++
	s := &fakeSock{room: h.refill}
	h.io.socks[fd] = s
	c := h.l.add(fd, fmt.Sprintf("10.0.0.1:%d", fd))
	c.update()
	h.conns[fd] = c
	return c, s
}

// turn runs one turn of the fake readiness loop: wake-ups, then every
// connection whose Want its socket satisfies, then the timers. It
// reports whether any handler ran.
func (h *harness) turn() bool {
	l := h.l
	l.Timeout() // starts a new turn of loop time
	did := h.w.isPending()
	if len(l.OnWake()) > 0 {
		did = true
	}
	for _, c := range append([]*Conn(nil), l.Conns()...) {
		s := h.io.socks[c.fd]
		if h.refill >= 0 {
			s.room = h.refill
		}
		w := c.Want()
		if w&Read != 0 && (len(s.in) > 0 || s.eof) || s.reset || s.hup {
			l.OnReadable(c)
			did = true
		}
		if !c.Closed() && c.Want()&Write != 0 && s.room != 0 {
			l.OnWritable(c)
			did = true
		}
	}
	if len(l.Expire()) > 0 {
		did = true
	}
	return did
}

// run turns the loop until cond holds, waiting for workers between idle
// turns; it fails the test after timeout.
func (h *harness) run(timeout time.Duration, cond func() bool) {
	h.t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			h.t.Fatalf("condition not reached within %v", timeout)
		}
		if !h.turn() {
			select {
			case <-h.w.c:
			case <-time.After(5 * time.Millisecond):
			}
		}
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
