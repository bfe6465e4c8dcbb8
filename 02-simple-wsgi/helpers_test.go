package main

import (
	"bufio"
	"bytes"
	"io"
	"log"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"lbws/shared/sock"
)

// testServer is serve running in the test process on a loopback port.
type testServer struct {
	addr string        // where it listens
	stop chan struct{} // close to stop it
	done chan error    // serve's return value
	logs *syncBuffer   // what it logged
}

// start runs serve with cfg on 127.0.0.1:0 and stops it when the test
// ends. Unset timeouts get values that keep the tests short.
func start(t *testing.T, cfg config) *testServer {
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
	if cfg.HeaderTimeout == 0 {
		cfg.HeaderTimeout = 5 * time.Second
	}
	if cfg.BodyTimeout == 0 {
		cfg.BodyTimeout = 5 * time.Second
	}
	if cfg.WriteTimeout == 0 {
		cfg.WriteTimeout = 5 * time.Second
	}
	cfg.Verbose = true
	cfg.Log = log.New(ts.logs, "", 0)
	go func() { ts.done <- serve(ts.stop, lfd, cfg) }()
	t.Cleanup(func() {
		ts.shutdown(t)
		if t.Failed() {
			t.Logf("server log:\n%s", ts.logs)
		}
	})
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
	case <-time.After(10 * time.Second):
		t.Fatal("serve did not return within 10s of stop")
	}
}

// dial connects with a deadline, so a broken server fails the test
// instead of hanging it.
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

// exchange sends raw on a new connection and reads until the server
// closes it, and returns the parsed response and its body.
func (ts *testServer) exchange(t *testing.T, raw string) (*http.Response, string) {
	t.Helper()
	c := ts.dial(t)
	defer c.Close()
	if _, err := io.WriteString(c, raw); err != nil {
		t.Fatal(err)
	}
	return readResponse(t, c, raw)
}

// readResponse reads everything until the server closes c and parses it
// as one response. It fails the test if the server does not close.
func readResponse(t *testing.T, c net.Conn, sent string) (*http.Response, string) {
	t.Helper()
	all, err := io.ReadAll(c)
	if err != nil {
		t.Fatalf("sent %q\nread %q then %v; want a response and the server closing", sent, all, err)
	}
	resp, err := http.ReadResponse(bufio.NewReader(bytes.NewReader(all)), nil)
	if err != nil {
		t.Fatalf("sent %q\ngot %q: not a response: %v", sent, all, err)
	}
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("sent %q\ngot %q: body: %v", sent, all, err)
	}
	return resp, string(body)
}

// wantStatus fails unless resp has status code and says Connection: close.
func wantStatus(t *testing.T, resp *http.Response, code int) {
	t.Helper()
	if resp.StatusCode != code {
		t.Errorf("status %d; want %d", resp.StatusCode, code)
	}
	if !resp.Close {
		t.Errorf("response without Connection: close (header %v)", resp.Header)
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

// count returns how many logged lines contain s.
func (b *syncBuffer) count(s string) int {
	return strings.Count(b.String(), s)
}
