// Package stagetest runs a stage's serve loop inside a test: on a loopback
// port, with its log captured, stopped and checked when the test ends. It
// is imported only by the stages' tests.
//
// Every stage has a serve function that accepts on a listening descriptor
// until a stop channel is closed. A test adapts it to ServeFunc and
// starts it:
//
//	ts := stagetest.Start(t, func(stop <-chan struct{}, lfd int, logs io.Writer) error {
//		return serve(stop, lfd, log.New(logs, "", 0))
//	})
//	c := ts.Dial(t)                // a *net.TCPConn with a 10 s deadline
//	...
//	if ts.Logs.Count("408") != 1 { ... }
//	ts.Stop(t)                     // optional: the test's cleanup stops it too
//
// Stop closes the stop channel and fails the test unless serve returns
// nil within StopTimeout. When a test fails, the server's log is printed.
package stagetest

import (
	"io"
	"net"
	"sync"
	"testing"
	"time"

	"lbws/shared/sock"
)

// DefaultStopTimeout is how long Stop waits for serve to return when
// Server.StopTimeout is zero.
const DefaultStopTimeout = 10 * time.Second

// dialDeadline bounds everything a test does on a connection from Dial,
// so a broken server fails the test instead of hanging it.
const dialDeadline = 10 * time.Second

// ServeFunc is a stage's serve loop: it accepts connections on the
// listening descriptor lfd, logs to logs, and returns nil once stop is
// closed and it has finished.
type ServeFunc func(stop <-chan struct{}, lfd int, logs io.Writer) error

// Server is a serve loop running in the test process on a loopback port.
type Server struct {
	// Addr is the host:port it listens on.
	Addr string
	// Logs holds what the server logged.
	Logs *LogBuffer
	// StopTimeout is how long Stop waits for serve to return; zero means
	// DefaultStopTimeout. Set it right after Start.
	StopTimeout time.Duration

	stop     chan struct{} // closed by Stop
	done     chan error    // serve's return value
	stopOnce sync.Once     // makes Stop idempotent
}

// Start listens on 127.0.0.1:0 with sock.Listen, runs serve in a new
// goroutine and stops it when the test ends (see Stop). If the test has
// failed by then, the server's log is printed.
func Start(t testing.TB, serve ServeFunc) *Server {
	t.Helper()
	lfd, err := sock.Listen("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr, err := sock.LocalAddr(lfd)
	if err != nil {
		t.Fatal(err)
	}
	s := &Server{Addr: addr, Logs: &LogBuffer{}, stop: make(chan struct{}), done: make(chan error, 1)}
	go func() { s.done <- serve(s.stop, lfd, s.Logs) }()
	t.Cleanup(func() {
		s.Stop(t)
		if t.Failed() {
			t.Logf("server log:\n%s", s.Logs)
		}
	})
	return s
}

// Stop closes the server's stop channel and waits for serve to return; it
// fails the test if serve returns an error or takes longer than
// StopTimeout. Only the first call does that; later calls wait for it and
// return. Stop may be called from another goroutine than the test's.
func (s *Server) Stop(t testing.TB) {
	t.Helper()
	s.stopOnce.Do(func() {
		timeout := s.StopTimeout
		if timeout <= 0 {
			timeout = DefaultStopTimeout
		}
		close(s.stop)
		select {
		case err := <-s.done:
			if err != nil {
				t.Errorf("serve returned %v; want nil after stop", err)
			}
		case <-time.After(timeout):
			t.Errorf("serve did not return within %v of stop", timeout)
		}
	})
}

// Dial connects to the server with a 10 s deadline and closes the
// connection when the test ends.
func (s *Server) Dial(t testing.TB) *net.TCPConn {
	t.Helper()
	c, err := net.Dial("tcp", s.Addr)
	if err != nil {
		t.Fatal(err)
	}
	c.SetDeadline(time.Now().Add(dialDeadline))
	t.Cleanup(func() { c.Close() })
	return c.(*net.TCPConn)
}
