package main

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"os"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// Every connection is served by a process of its own, a child of the
// server, which keeps the connection for more requests.
func TestProcessPerConnection(t *testing.T) {
	ts := start(t, config{})
	a, b := ts.Dial(t), ts.Dial(t)
	ra, rb := bufio.NewReader(a), bufio.NewReader(b)
	pa1, pa2, pb := pidOn(t, a, ra), pidOn(t, a, ra), pidOn(t, b, rb)
	if pa1 != pa2 {
		t.Errorf("two requests on one connection served by processes %d and %d; want one", pa1, pa2)
	}
	if pa1 == pb {
		t.Errorf("two connections both served by process %d; want one process each", pa1)
	}
	for _, pid := range []int{pa1, pb} {
		if st, ok := stat(pid); !ok || st.ppid != os.Getpid() {
			t.Errorf("process %d: %+v (found %v); want a child of the server (%d)", pid, st, ok, os.Getpid())
		}
	}
	resp, body := get(t, a, ra, "/environ")
	if resp.StatusCode != 200 || !strings.Contains(body, "wsgi.multiprocess=true") || !strings.Contains(body, "wsgi.multithread=false") {
		t.Errorf("GET /environ: %d\n%s\nwant wsgi.multiprocess=true, wsgi.multithread=false", resp.StatusCode, body)
	}
}

// The article's lesson: children that exit must be reaped, or they stay
// as zombies. After many short connections, none is left, and the parent
// holds no descriptor it did not hold before: it closes its copy of each
// connection.
func TestShortConnectionsLeaveNoZombieAndNoFd(t *testing.T) {
	const conns, parallel = 500, 8
	ts := start(t, config{})
	// Descriptors held by the running server: the listener, the parent
	// pipe, /dev/null. Take the list once the server is serving.
	c := ts.Dial(t)
	if pid := pidOn(t, c, bufio.NewReader(c)); pid == os.Getpid() {
		t.Fatal("served by the test process")
	}
	c.Close()
	if !waitFor(10*time.Second, func() bool { return len(childrenOf(t, os.Getpid())) == 0 }) {
		t.Fatalf("the first child is still there: %v", childrenOf(t, os.Getpid()))
	}
	before := openFds(t)

	var wg sync.WaitGroup
	errs := make(chan error, conns)
	next := make(chan int, conns)
	for i := range conns {
		next <- i
	}
	close(next)
	for range parallel {
		wg.Go(func() {
			for i := range next {
				if err := shortHello(ts.Addr); err != nil {
					errs <- fmt.Errorf("connection %d: %w", i, err)
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}

	var left []proc
	if !waitFor(10*time.Second, func() bool { left = childrenOf(t, os.Getpid()); return len(left) == 0 }) {
		zombies := 0
		for _, p := range left {
			if p.state == 'Z' {
				zombies++
			}
		}
		t.Fatalf("%d connections later, %d children left, %d of them zombies: %v", conns, len(left), zombies, left)
	}
	if after := openFds(t); !slices.Equal(before, after) {
		t.Errorf("descriptors before %d connections:\n%s\nafter:\n%s", conns, strings.Join(before, "\n"), strings.Join(after, "\n"))
	}
}

// shortHello sends GET /hello with Connection: close on a new connection
// and checks the answer and the close.
func shortHello(addr string) error {
	c, err := net.DialTimeout("tcp", addr, 10*time.Second)
	if err != nil {
		return err
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(30 * time.Second))
	if _, err := io.WriteString(c, "GET /hello HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n"); err != nil {
		return err
	}
	all, err := io.ReadAll(c)
	if err != nil {
		return fmt.Errorf("read %q then %w", all, err)
	}
	if !strings.HasPrefix(string(all), "HTTP/1.1 200 ") || !strings.HasSuffix(string(all), "Hello World") {
		return fmt.Errorf("got %q; want 200 Hello World", all)
	}
	return nil
}

// With -reap=false the children that exit stay zombies until the server
// stops, and count against -max-children: the chapter's ps demo. This
// also shows that the zombie check above can see zombies.
func TestNoReapLeavesZombies(t *testing.T) {
	ts := start(t, config{LeaveZombies: true, MaxChildren: 3})
	for range 3 {
		if err := shortHello(ts.Addr); err != nil {
			t.Fatal(err)
		}
	}
	zombies := func() int {
		n := 0
		for _, p := range childrenOf(t, os.Getpid()) {
			if p.state == 'Z' {
				n++
			}
		}
		return n
	}
	if !waitFor(10*time.Second, func() bool { return zombies() == 3 }) {
		t.Fatalf("children %v; want 3 zombies", childrenOf(t, os.Getpid()))
	}
	c := ts.Dial(t)
	resp, _ := get(t, c, bufio.NewReader(c), "/hello")
	if resp.StatusCode != 503 {
		t.Errorf("with 3 zombies and -max-children 3: status %d; want 503", resp.StatusCode)
	}
	ts.Stop(t)
	if kids := childrenOf(t, os.Getpid()); len(kids) != 0 {
		t.Errorf("after stop: children %v; want the zombies reaped", kids)
	}
}

// A child killed with SIGKILL (it cannot finish anything) is reaped, and
// its death is logged.
func TestKilledChildIsReaped(t *testing.T) {
	ts := start(t, config{})
	c := ts.Dial(t)
	br := bufio.NewReader(c)
	pid := pidOn(t, c, br)
	if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	if b, err := br.ReadByte(); err == nil {
		t.Errorf("read %q from the connection of a killed child; want end of file", b)
	}
	if !waitFor(10*time.Second, func() bool { _, ok := stat(pid); return !ok }) {
		st, _ := stat(pid)
		t.Fatalf("killed child %d still in the process table (state %c); want it reaped", pid, st.state)
	}
	want := fmt.Sprintf("child %d killed by signal killed", pid)
	if !waitFor(5*time.Second, func() bool { return ts.Logs.Count(want) == 1 }) {
		t.Errorf("log does not say %q once:\n%s", want, ts.Logs)
	}
	// The server goes on.
	c2 := ts.Dial(t)
	if p2 := pidOn(t, c2, bufio.NewReader(c2)); p2 == pid {
		t.Errorf("a new connection served by the killed process %d", pid)
	}
}

// At -max-children the parent answers 503 at once; when a child exits,
// connections are served again.
func TestMaxChildren503(t *testing.T) {
	ts := start(t, config{MaxChildren: 2})
	a, b := ts.Dial(t), ts.Dial(t)
	pidOn(t, a, bufio.NewReader(a))
	pidOn(t, b, bufio.NewReader(b))

	c := ts.Dial(t)
	c.SetDeadline(time.Now().Add(5 * time.Second)) // prompt: no child reads this
	resp, body := get(t, c, bufio.NewReader(c), "/hello")
	if resp.StatusCode != 503 || !resp.Close {
		t.Errorf("third connection with -max-children 2: %d (close %v) %q; want 503 and Connection: close", resp.StatusCode, resp.Close, body)
	}
	if all, err := io.ReadAll(c); err != nil || len(all) != 0 {
		t.Errorf("after the 503: read %q, %v; want the server to close", all, err)
	}
	if n := ts.Logs.Count("-max-children 2 reached"); n != 1 {
		t.Errorf("the limit logged %d times; want once:\n%s", n, ts.Logs)
	}

	a.Close() // its child exits and is reaped
	if !waitFor(10*time.Second, func() bool { return len(childrenOf(t, os.Getpid())) == 1 }) {
		t.Fatalf("children %v; want 1 after a client left", childrenOf(t, os.Getpid()))
	}
	d := ts.Dial(t)
	if resp, _ := get(t, d, bufio.NewReader(d), "/hello"); resp.StatusCode != 200 {
		t.Errorf("after a child exited: status %d; want 200", resp.StatusCode)
	}
}

// SIGTERM (Stop) lets a request in progress finish, closes idle
// connections at once, and reaps every child before serve returns.
func TestStopFinishesRequestInProgress(t *testing.T) {
	for _, prefork := range []int{0, 2} {
		t.Run(fmt.Sprintf("prefork=%d", prefork), func(t *testing.T) {
			ts := start(t, config{Delay: 500 * time.Millisecond, Prefork: prefork})
			var pids []int
			if prefork > 0 {
				// Both workers wait in accept: one takes each
				// connection below at once.
				pids = workersUp(t, ts.Addr, prefork)
			}
			idle, busy := ts.Dial(t), ts.Dial(t)
			if prefork == 0 {
				// Both children have started: each answered a request.
				pidOn(t, idle, bufio.NewReader(idle))
				pids = []int{pidOn(t, busy, bufio.NewReader(busy))}
			}
			req := "GET /hello HTTP/1.1\r\nHost: t\r\n\r\n"
			before := readsOf(t, pids...)
			io.WriteString(busy, req)
			waitRead(t, before, len(req), 1) // the child is in the app's sleep
			ts.Stop(t)
			// ReadAll also checks that the server closes after it, and
			// the response says so (RFC 9112 9.6).
			all, err := io.ReadAll(busy)
			if err != nil || !strings.HasPrefix(string(all), "HTTP/1.1 200 ") || !strings.HasSuffix(string(all), "Hello World") ||
				!strings.Contains(string(all), "\r\nConnection: close\r\n") {
				t.Errorf("request in progress at stop: %q, %v; want 200 Hello World with Connection: close, then the close", all, err)
			}
			if kids := childrenOf(t, os.Getpid()); len(kids) != 0 {
				t.Errorf("serve returned with children left: %v", kids)
			}
			if all, err := io.ReadAll(idle); err != nil || len(all) != 0 {
				t.Errorf("idle connection at stop: read %q, %v; want a plain close", all, err)
			}
			if c, err := net.DialTimeout("tcp", ts.Addr, time.Second); err == nil {
				c.Close()
				t.Error("dial after stop succeeded; the listener is still open")
			}
		})
	}
}
