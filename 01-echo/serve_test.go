package main

import (
	"bytes"
	"crypto/rand"
	"io"
	"log"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"lbws/shared/conformance"
	"lbws/shared/sock"
)

// testServer is serve running in the test process on a loopback port.
type testServer struct {
	addr string        // where it listens
	stop chan struct{} // close to stop it
	done chan error    // serve's return value
	logs *syncBuffer   // what it logged
}

// start runs serve on 127.0.0.1:0 and stops it when the test ends.
func start(t *testing.T) *testServer {
	t.Helper()
	lfd, err := sock.Listen("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr, err := sock.LocalAddr(lfd)
	if err != nil {
		t.Fatal(err)
	}
	ts := &testServer{addr: addr, stop: make(chan struct{}), done: make(chan error, 1), logs: &syncBuffer{}}
	go func() { ts.done <- serve(ts.stop, lfd, log.New(ts.logs, "", 0)) }()
	t.Cleanup(func() { ts.shutdown(t) })
	return ts
}

// shutdown closes stop (once) and waits for serve to return nil.
func (ts *testServer) shutdown(t *testing.T) {
	t.Helper()
	select {
	case <-ts.stop:
		return
	default:
	}
	close(ts.stop)
	select {
	case err := <-ts.done:
		if err != nil {
			t.Errorf("serve returned %v; want nil after stop", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("serve did not return within 5s of stop")
	}
}

// dial connects to the server with a deadline so a broken server fails
// the test instead of hanging it.
func (ts *testServer) dial(t *testing.T) *net.TCPConn {
	t.Helper()
	c, err := net.Dial("tcp", ts.addr)
	if err != nil {
		t.Fatal(err)
	}
	c.SetDeadline(time.Now().Add(10 * time.Second))
	t.Cleanup(func() { c.Close() })
	return c.(*net.TCPConn)
}

func TestEchoOneMiBWhileWritingAndReading(t *testing.T) {
	ts := start(t)
	c := ts.dial(t)
	want := make([]byte, 1<<20)
	rand.Read(want)
	errc := make(chan error, 1)
	go func() {
		// Small uneven writes, so the server sees many partial reads.
		var err error
		for rest := want; len(rest) > 0 && err == nil; {
			n := min(len(rest), 7919)
			_, err = c.Write(rest[:n])
			rest = rest[n:]
		}
		if err == nil {
			err = c.CloseWrite()
		}
		errc <- err
	}()
	got, err := io.ReadAll(c)
	if err != nil {
		t.Fatalf("read after %d bytes: %v", len(got), err)
	}
	if err := <-errc; err != nil {
		t.Fatalf("write: %v", err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("echoed %d bytes, want %d identical bytes", len(got), len(want))
	}
}

func TestHalfClosedClientGetsEveryByte(t *testing.T) {
	ts := start(t)
	c := ts.dial(t)
	want := bytes.Repeat([]byte("half-closed "), 2000) // 24 KB, sent before reading any
	if _, err := c.Write(want); err != nil {
		t.Fatal(err)
	}
	if err := c.CloseWrite(); err != nil {
		t.Fatal(err)
	}
	got, err := io.ReadAll(c)
	if err != nil || !bytes.Equal(got, want) {
		t.Fatalf("got %d bytes (err %v); want all %d back, then EOF", len(got), err, len(want))
	}
}

func TestResetClientThenGoodClient(t *testing.T) {
	ts := start(t)
	bad := ts.dial(t)
	bad.Write([]byte("about to vanish"))
	bad.SetLinger(0) // close sends RST instead of FIN
	bad.Close()

	good := ts.dial(t)
	good.Write([]byte("still there?"))
	good.CloseWrite()
	got, err := io.ReadAll(good)
	if err != nil || string(got) != "still there?" {
		t.Fatalf("good client got %q, %v; want its bytes back", got, err)
	}
	if logs := ts.logs.String(); !strings.Contains(logs, bad.LocalAddr().String()+": sock: read") && !strings.Contains(logs, bad.LocalAddr().String()+": sock: write") {
		t.Errorf("the reset client left no error log line:\n%s", logs)
	}
}

func TestClientsAreServedOneAfterAnother(t *testing.T) {
	ts := start(t)
	first := ts.dial(t)
	first.Write([]byte("one"))
	buf := make([]byte, 3)
	if _, err := io.ReadFull(first, buf); err != nil {
		t.Fatal(err)
	}
	// While first stays open, second is queued by the kernel but not served.
	second := ts.dial(t)
	second.Write([]byte("two"))
	second.SetReadDeadline(time.Now().Add(200 * time.Millisecond))
	if n, err := second.Read(buf); err == nil {
		t.Fatalf("second client served (%q) while the first is open", buf[:n])
	}
	first.Close()
	second.SetReadDeadline(time.Now().Add(10 * time.Second))
	if _, err := io.ReadFull(second, buf); err != nil || string(buf) != "two" {
		t.Fatalf("second client after first closed: %q, %v", buf, err)
	}
}

func TestStopWithIdleClientConnected(t *testing.T) {
	ts := start(t)
	c := ts.dial(t)
	c.Write([]byte("x"))
	io.ReadFull(c, make([]byte, 1)) // the server is now blocked reading c
	ts.shutdown(t)
	if _, err := c.Read(make([]byte, 1)); err != io.EOF {
		t.Fatalf("client read after stop: %v; want EOF", err)
	}
	if _, err := net.DialTimeout("tcp", ts.addr, time.Second); err == nil {
		t.Fatal("dial after stop succeeded; the listener is still open")
	}
}

func TestStopLeaksNothing(t *testing.T) {
	conformance.NoLeaks(t) // checked after the servers below are stopped
	for i := 0; i < 3; i++ {
		lfd, err := sock.Listen("127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		addr, _ := sock.LocalAddr(lfd)
		stop, done := make(chan struct{}), make(chan error, 1)
		go func() { done <- serve(stop, lfd, log.New(io.Discard, "", 0)) }()
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		c.Write([]byte("hi"))
		io.ReadFull(c, make([]byte, 2))
		c.Close()
		close(stop)
		if err := <-done; err != nil {
			t.Fatal(err)
		}
	}
}

// syncBuffer is a bytes.Buffer that the server's logger and the test may
// use at the same time.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

// Write appends to the buffer.
func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

// String returns what was written so far.
func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
