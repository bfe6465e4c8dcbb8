package main

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"sync"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"lbws/shared/conformance"
	"lbws/shared/loop"
)

const getHello = "GET /hello HTTP/1.1\r\nHost: t\r\n\r\n"

// get sends one GET /hello on c and reads the response.
func get(t *testing.T, c net.Conn, r *bufio.Reader) *http.Response {
	t.Helper()
	if _, err := io.WriteString(c, getHello); err != nil {
		t.Fatal(err)
	}
	resp, err := http.ReadResponse(r, nil)
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp
}

// A connection whose descriptor select cannot watch (at or above
// FD_SETSIZE) gets a clean 503 and a log line, not a crash: x/sys's
// FdSet.Set would index past the bitmap. The test fills every descriptor
// number below 1024 so the next accept lands above it.
func TestFdSetSizeGuard(t *testing.T) {
	raiseNoFile(t, uint64(fdSetSize)+256)
	ts := start(t, loop.Config{Workers: 4})
	fillFdsBelow(t, fdSetSize)

	c := ts.Dial(t)
	resp := get(t, c, bufio.NewReader(c))
	if resp.StatusCode != 503 || !resp.Close || resp.Header.Get("Retry-After") == "" {
		t.Errorf("above FD_SETSIZE: %d close=%v Retry-After=%q; want 503, Connection: close, Retry-After",
			resp.StatusCode, resp.Close, resp.Header.Get("Retry-After"))
	}
	waitLog(t, ts.Logs.Count, "FD_SETSIZE", "at or above the 1024 that select can watch")
	// A second one in the same burst is refused without another line.
	c2 := ts.Dial(t)
	if r := get(t, c2, bufio.NewReader(c2)); r.StatusCode != 503 {
		t.Errorf("second connection above FD_SETSIZE: %d; want 503", r.StatusCode)
	}
	if n := ts.Logs.Count("select can watch"); n != 1 {
		t.Errorf("%d log lines for the burst; want 1", n)
	}
}

// raiseNoFile raises the soft open-file limit to at least n for the
// test, or skips it if the hard limit is lower.
func raiseNoFile(t *testing.T, n uint64) {
	t.Helper()
	var rl unix.Rlimit
	if err := unix.Getrlimit(unix.RLIMIT_NOFILE, &rl); err != nil {
		t.Fatal(err)
	}
	if rl.Cur >= n {
		return
	}
	if rl.Max < n {
		t.Skipf("the hard open-file limit is %d; this test needs %d (ulimit -Hn)", rl.Max, n)
	}
	old := rl
	rl.Cur = n
	if err := unix.Setrlimit(unix.RLIMIT_NOFILE, &rl); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { unix.Setrlimit(unix.RLIMIT_NOFILE, &old) })
}

// fillFdsBelow opens /dev/null until every descriptor number below n is
// taken, and closes them when the test ends.
func fillFdsBelow(t *testing.T, n int) {
	t.Helper()
	var fds []int
	t.Cleanup(func() {
		for _, fd := range fds {
			unix.Close(fd)
		}
	})
	for {
		fd, err := unix.Open(os.DevNull, unix.O_RDONLY|unix.O_CLOEXEC, 0)
		if err != nil {
			t.Fatal(err)
		}
		if fd >= n {
			unix.Close(fd)
			return
		}
		fds = append(fds, fd)
	}
}

// waitLog waits up to 5 s for a log line containing want.
func waitLog(t *testing.T, count func(string) int, what, want string) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); count(want) == 0; time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("no log line about %s (%q)", what, want)
		}
	}
}

// A client that sends its head one byte a second is answered 408 at the
// header timeout, logged once, while other clients are served.
func TestSlowHeadGets408(t *testing.T) {
	const headerTimeout = 2 * time.Second
	ts := start(t, loop.Config{Workers: 4, HeaderTimeout: headerTimeout})
	slow := ts.Dial(t)
	began := time.Now()
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := 0; i < len(getHello); i++ {
			if _, err := slow.Write([]byte{getHello[i]}); err != nil {
				return
			}
			time.Sleep(time.Second)
		}
	}()
	other := ts.Dial(t)
	r := bufio.NewReader(other)
	for i := 0; i < 10; i++ {
		t0 := time.Now()
		if resp := get(t, other, r); resp.StatusCode != 200 {
			t.Fatalf("other client: %d", resp.StatusCode)
		}
		if d := time.Since(t0); d > time.Second {
			t.Errorf("other client waited %v while the slow one sent its head", d)
		}
		time.Sleep(100 * time.Millisecond)
	}
	resp, err := http.ReadResponse(bufio.NewReader(slow), nil)
	if err != nil {
		t.Fatalf("slow client: %v; want a 408", err)
	}
	took := time.Since(began)
	if resp.StatusCode != 408 || !resp.Close {
		t.Errorf("slow client: %d close=%v; want 408 and Connection: close", resp.StatusCode, resp.Close)
	}
	if took < headerTimeout || took > headerTimeout+3*time.Second {
		t.Errorf("408 after %v; want about the header timeout, %v", took, headerTimeout)
	}
	slow.Close()
	<-done
	if n := ts.Logs.Count(": 408"); n != 1 {
		t.Errorf("%d 408 lines in the log; want 1", n)
	}
}

// After 1,000 connections of every kind (keep-alive, Connection: close,
// a head cut off, a reset in the middle of a request) the server holds
// no descriptor for any of them, and once it stops, no goroutine.
func TestNoLeakAfter1000Connections(t *testing.T) {
	conformance.NoLeaks(t)
	ts := start(t, loop.Config{Workers: 16})
	// The first connection starts the runtime's network poller (an epoll
	// and an eventfd of the test's client side): count after it.
	if err := oneConn(ts.Addr, 0); err != nil {
		t.Fatal(err)
	}
	base := countFds(t)
	var wg sync.WaitGroup
	errs := make(chan error, 1000)
	for w := 0; w < 10; w++ {
		wg.Go(func() {
			for i := 0; i < 100; i++ {
				if err := oneConn(ts.Addr, (w*100+i)%4); err != nil {
					errs <- err
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	var now int
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if now = countFds(t); now <= base {
			return
		}
	}
	t.Errorf("%d descriptors open after the connections ended; %d before", now, base)
}

// oneConn makes one connection of the given kind.
func oneConn(addr string, kind int) error {
	c, err := net.Dial("tcp", addr)
	if err != nil {
		return err
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(10 * time.Second))
	r := bufio.NewReader(c)
	switch kind {
	case 0: // keep-alive, two requests
		for range 2 {
			io.WriteString(c, getHello)
			if err := readOK(r); err != nil {
				return err
			}
		}
	case 1: // Connection: close, read to the end
		io.WriteString(c, "GET /hello HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n")
		if err := readOK(r); err != nil {
			return err
		}
		if _, err := r.ReadByte(); err != io.EOF {
			return fmt.Errorf("after Connection: close: %v; want EOF", err)
		}
	case 2: // half a head, then gone
		io.WriteString(c, "GET /hello HTTP/1.1\r\nHo")
	case 3: // a reset in the middle of a body
		io.WriteString(c, "POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 100\r\n\r\nabc")
		c.(*net.TCPConn).SetLinger(0)
	}
	return nil
}

// readOK reads one response and checks it is 200.
func readOK(r *bufio.Reader) error {
	resp, err := http.ReadResponse(r, nil)
	if err != nil {
		return err
	}
	io.Copy(io.Discard, resp.Body)
	if resp.StatusCode != 200 {
		return fmt.Errorf("status %d", resp.StatusCode)
	}
	return nil
}

// countFds counts the process's open descriptors.
func countFds(t *testing.T) int {
	t.Helper()
	entries, err := os.ReadDir("/dev/fd")
	if err != nil {
		t.Skipf("cannot list open descriptors: %v", err)
	}
	return len(entries)
}

