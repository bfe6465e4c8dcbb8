package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"lbws/shared/conformance"
	"lbws/shared/loop"
	"lbws/shared/loop/looptest"
	"lbws/shared/stage/stagetest"
)

// TestMinimalFailsWhatTheStageFixes pins the opening of docs/04-select.md:
// the naive select server in ./minimal fails what the chapter shows, and
// this stage passes it.
//   - robustness/slow-head: a head that arrives over several reads; the
//     minimal takes its first read for the whole request.
//   - pipelining/two-gets: two requests in one read; the minimal answers
//     the first and never sees the second (RFC 9112 9.3.2).
//   - a client that sends requests and never reads the responses: the
//     minimal's blocking write waits for it, and every other client
//     waits too; the stage stops reading that client (backpressure) and
//     serves the others.
func TestMinimalFailsWhatTheStageFixes(t *testing.T) {
	const headerTimeout = 3 * time.Second
	naive := stagetest.StartMinimal(t, "./minimal", "-addr", "127.0.0.1:0", "-delay", "0")
	ts := start(t, loop.Config{Workers: 4, HeaderTimeout: headerTimeout})

	stagetest.Story(t, naive.Addr, ts.Addr, conformance.Options{
		KeepAlive:     true,
		Pipelining:    true,
		Concurrent:    true,
		HeaderTimeout: headerTimeout,
		Timeout:       5 * time.Second, // the minimal fails two-gets by never answering
	},
		"robustness/slow-head",
		"pipelining/two-gets",
	)

	// The minimal never answers the second client while the first does
	// not read: a bound of a few seconds is as good as forever.
	if err := servedBesideNonReader(naive.Addr, 3*time.Second); err == nil {
		t.Error("minimal: a client was served while another did not read its responses; want it stuck in the blocking write (the chapter says so)")
	} else {
		t.Logf("minimal, beside a client that never reads: %v", err)
	}
	if err := servedBesideNonReader(ts.Addr, 10*time.Second); err != nil {
		t.Errorf("stage: %v; want the second client served while the first does not read", err)
	}
}

// servedBesideNonReader opens a connection to addr that sends GET /hello
// requests without reading a byte, until the server stops taking them
// (a write that makes no progress for a second), and then checks that
// another client gets its response within wait.
func servedBesideNonReader(addr string, wait time.Duration) error {
	d := net.Dialer{Control: func(_, _ string, rc syscall.RawConn) error {
		var err error
		rc.Control(func(fd uintptr) { err = unix.SetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_RCVBUF, 4096) })
		return err
	}}
	c, err := d.Dial("tcp", addr)
	if err != nil {
		return err
	}
	defer c.Close()
	reqs := []byte(strings.Repeat(looptest.GetHello, 2048)) // 64 KiB of requests
	stuck := false
	for total := 0; total < 1<<30 && !stuck; total += len(reqs) { // a bound, never reached
		c.SetWriteDeadline(time.Now().Add(time.Second))
		_, err := c.Write(reqs)
		var ne net.Error
		switch {
		case errors.As(err, &ne) && ne.Timeout():
			stuck = true // the server reads no more of this client
		case err != nil:
			return fmt.Errorf("the client that never reads: %w", err)
		}
	}
	if !stuck {
		return errors.New("the server read 1 GiB of requests from a client that never reads")
	}
	other, err := net.Dial("tcp", addr)
	if err != nil {
		return err
	}
	defer other.Close()
	other.SetDeadline(time.Now().Add(wait))
	if _, err := io.WriteString(other, looptest.GetHello); err != nil {
		return err
	}
	line, err := bufio.NewReader(other).ReadString('\n')
	if err != nil {
		return fmt.Errorf("another client, within %v: %w", wait, err)
	}
	if !strings.HasPrefix(line, "HTTP/1.1 200 ") {
		return fmt.Errorf("another client: %q; want 200", line)
	}
	return nil
}

// TestMinimalDiesAtFdSetSize pins the chapter's 1,100 connections: the
// minimal puts every connection in an fd_set, and x/sys's FdSet methods
// panic with an index out of range at descriptor 1024 (FD_SETSIZE), which
// kills the server and every connection with it. The stage holds such a
// connection and stops accepting instead (TestFdSetSizeHoldsConnection,
// TestKeepAliveAboveFdSetSizeAllServed).
func TestMinimalDiesAtFdSetSize(t *testing.T) {
	const conns = 1100
	looptest.RaiseNoFile(t, conns+256)
	naive := stagetest.StartMinimal(t, "./minimal", "-addr", "127.0.0.1:0", "-delay", "0")
	var open []net.Conn
	defer func() {
		for _, c := range open {
			c.Close()
		}
	}()
	for range conns {
		c, err := net.DialTimeout("tcp", naive.Addr, 10*time.Second)
		if err != nil {
			break // the server is gone: nothing listens any more
		}
		open = append(open, c)
	}
	if code := naive.Wait(t, 30*time.Second); code == 0 {
		t.Errorf("minimal after %d connections: exit status 0; want the panic's 2", len(open))
	}
	if s := naive.Stderr.String(); !strings.Contains(s, "index out of range [16]") {
		t.Errorf("minimal's stderr: %q; want the FdSet's index out of range [16] (descriptor 1024)", firstLines(s, 3))
	} else {
		t.Logf("minimal after %d connections: %s", len(open), firstLines(s, 1))
	}
}

// firstLines returns the first n lines of s.
func firstLines(s string, n int) string {
	lines := strings.SplitN(s, "\n", n+1)
	return strings.Join(lines[:min(n, len(lines))], "\n")
}
