// Package looptest holds the tests that every readiness-loop stage (04,
// 05, 06) runs against itself, and the helpers they need. A stage's test
// passes a StartFunc that starts its serve loop with a loop.Config:
//
//	func start(t *testing.T, cfg loop.Config) *stagetest.Server { ... }
//	func TestConformance(t *testing.T)   { looptest.Conformance(t, start) }
//	func TestSlowHeadGets408(t *testing.T) { looptest.SlowHead408(t, start) }
//
// It is imported only by tests.
package looptest

import (
	"bufio"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"lbws/shared/apps"
	"lbws/shared/conformance"
	"lbws/shared/gateway"
	"lbws/shared/hold"
	"lbws/shared/loop"
	"lbws/shared/stage/stagetest"
)

// StartFunc starts a stage's serve loop with cfg on 127.0.0.1:0 and
// stops it when the test ends. A nil cfg.App means apps.Mux(0).
type StartFunc func(t *testing.T, cfg loop.Config) Server

// Server is a stage started by a StartFunc.
type Server struct {
	Addr string               // where it listens
	Logs *stagetest.LogBuffer // what it logged
	// Stop stops the server and fails the test unless serve returns nil
	// in time; the test's cleanup calls it too (only the first call acts).
	Stop func(t testing.TB)
}

// Dial connects to the server with a 10 s deadline and closes the
// connection when the test ends.
func (s Server) Dial(t testing.TB) *net.TCPConn {
	t.Helper()
	c, err := net.Dial("tcp", s.Addr)
	if err != nil {
		t.Fatal(err)
	}
	c.SetDeadline(time.Now().Add(10 * time.Second))
	t.Cleanup(func() { c.Close() })
	return c.(*net.TCPConn)
}

// GetHello is a keep-alive GET /hello.
const GetHello = "GET /hello HTTP/1.1\r\nHost: t\r\n\r\n"

// conformanceHeaderTimeout is generous: the concurrency group dials 200
// connections before it sends on any, which takes over a second under
// -race on a busy machine, and the header timeout runs from the accept;
// with the machine's load average far above its two cores, a client
// goroutine has been seen to start sending only 3 s after its dial.
const conformanceHeaderTimeout = 5 * time.Second

// Conformance runs the shared HTTP suite against the stage with base
// (its Workers, and anything else set) plus the suite's header timeout,
// and checks for leaked descriptors and goroutines after it stops.
// Keep-alive, pipelining and concurrency all apply, also inline: the
// suite's apps do not sleep.
func Conformance(t *testing.T, start StartFunc, base loop.Config) {
	conformance.NoLeaks(t)
	base.HeaderTimeout = conformanceHeaderTimeout
	ts := start(t, base)
	conformance.Run(t, ts.Addr, conformance.Options{
		KeepAlive: true, Pipelining: true, Concurrent: true,
		HeaderTimeout: conformanceHeaderTimeout,
		// An 8 MiB echo takes a fraction of a second, but ten under
		// -race with the other packages' tests on two busy cores.
		Timeout: 30 * time.Second,
	})
}

// Get sends one GET /hello on c and reads the response.
func Get(t *testing.T, c net.Conn, r *bufio.Reader) *http.Response {
	t.Helper()
	if _, err := io.WriteString(c, GetHello); err != nil {
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

// SlowHead408 checks that a client sending its head one byte a second
// is answered 408 at the header timeout, logged once, while another
// client is served without delay.
func SlowHead408(t *testing.T, start StartFunc) {
	const headerTimeout = 2 * time.Second
	ts := start(t, loop.Config{Workers: 4, HeaderTimeout: headerTimeout})
	slow := ts.Dial(t)
	began := time.Now()
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := 0; i < len(GetHello); i++ {
			if _, err := slow.Write([]byte{GetHello[i]}); err != nil {
				return
			}
			time.Sleep(time.Second)
		}
	}()
	other := ts.Dial(t)
	r := bufio.NewReader(other)
	for i := 0; i < 10; i++ {
		t0 := time.Now()
		if resp := Get(t, other, r); resp.StatusCode != 200 {
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
	// The server's clock starts at its accept, a little before the
	// client's; a loaded machine delays the 408 beyond it.
	if took < headerTimeout-200*time.Millisecond || took > headerTimeout+3*time.Second {
		t.Errorf("408 after %v; want about the header timeout, %v", took, headerTimeout)
	}
	slow.Close()
	<-done
	if n := ts.Logs.Count(": 408"); n != 1 {
		t.Errorf("%d 408 lines in the log; want 1", n)
	}
}

// NoLeakAfter1000 makes 1,000 connections of every kind (keep-alive,
// Connection: close, a head cut off, a reset in the middle of a body)
// and checks that the server then holds no descriptor for any of them,
// and, once stopped, no goroutine.
func NoLeakAfter1000(t *testing.T, start StartFunc, base loop.Config) {
	conformance.NoLeaks(t)
	ts := start(t, base)
	// The first connection starts the runtime's network poller (an epoll
	// and an eventfd of the test's client side): count after it.
	if err := OneConn(ts.Addr, 0); err != nil {
		t.Fatal(err)
	}
	before := CountFds(t)
	var wg sync.WaitGroup
	errs := make(chan error, 1000)
	for w := 0; w < 10; w++ {
		wg.Go(func() {
			for i := 0; i < 100; i++ {
				if err := OneConn(ts.Addr, (w*100+i)%4); err != nil {
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
		if now = CountFds(t); now <= before {
			return
		}
	}
	t.Errorf("%d descriptors open after the connections ended; %d before", now, before)
}

// OneConn makes one connection of a kind: 0 keep-alive with two
// requests, 1 Connection: close read to the end, 2 half a head then
// gone, 3 a reset in the middle of a body.
func OneConn(addr string, kind int) error {
	c, err := net.Dial("tcp", addr)
	if err != nil {
		return err
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(10 * time.Second))
	r := bufio.NewReader(c)
	switch kind {
	case 0:
		for range 2 {
			io.WriteString(c, GetHello)
			if err := readOK(r); err != nil {
				return err
			}
		}
	case 1:
		io.WriteString(c, "GET /hello HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n")
		if err := readOK(r); err != nil {
			return err
		}
		if _, err := r.ReadByte(); err != io.EOF {
			return fmt.Errorf("after Connection: close: %v; want EOF", err)
		}
	case 2:
		io.WriteString(c, "GET /hello HTTP/1.1\r\nHo")
	case 3:
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

// CountFds counts the process's open descriptors; it skips the test
// where they cannot be listed.
func CountFds(t *testing.T) int {
	t.Helper()
	entries, err := os.ReadDir("/dev/fd")
	if err != nil {
		t.Skipf("cannot list open descriptors: %v", err)
	}
	return len(entries)
}

// RaiseNoFile raises the soft open-file limit to at least n for the
// test, or skips it if the hard limit is lower.
func RaiseNoFile(t *testing.T, n uint64) {
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

// FillFdsBelow opens /dev/null until every descriptor number below n is
// taken, so the next accept gets one at or above n; they are closed when
// the test ends.
func FillFdsBelow(t *testing.T, n int) {
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

// WaitLog waits up to 5 s for a line of logs containing want.
func WaitLog(t *testing.T, logs *stagetest.LogBuffer, want string) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); logs.Count(want) == 0; time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("no log line with %q", want)
		}
	}
}

// ShutdownFinishesInFlight checks the graceful shutdown: at stop an idle
// keep-alive connection is closed at once, a request in flight still gets
// its whole response, new connections are refused, and serve returns nil.
func ShutdownFinishesInFlight(t *testing.T, start StartFunc) {
	const appTime = 500 * time.Millisecond
	ts := start(t, loop.Config{App: apps.Hello(appTime), Workers: 4})
	idle := ts.Dial(t)
	idleR := bufio.NewReader(idle)
	if resp := Get(t, idle, idleR); resp.StatusCode != 200 {
		t.Fatalf("idle connection's first request: %d", resp.StatusCode)
	}
	busy := ts.Dial(t)
	if _, err := io.WriteString(busy, GetHello); err != nil {
		t.Fatal(err)
	}
	time.Sleep(appTime / 5) // the request is in the app now
	stopped := make(chan struct{})
	go func() {
		defer close(stopped)
		ts.Stop(t)
	}()
	idle.SetReadDeadline(time.Now().Add(appTime / 2))
	if _, err := idleR.ReadByte(); err != io.EOF {
		t.Errorf("idle connection at stop: %v; want it closed (EOF) before the busy request ends", err)
	}
	r := bufio.NewReader(busy)
	resp, err := http.ReadResponse(r, nil)
	if err != nil {
		t.Fatalf("request in flight at stop: %v; want its response", err)
	}
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 || string(body) != "Hello World" {
		t.Errorf("request in flight at stop: %d %q; want 200 Hello World", resp.StatusCode, body)
	}
	if _, err := r.ReadByte(); err != io.EOF {
		t.Errorf("after the last response: %v; want the connection closed", err)
	}
	<-stopped
	if c, err := net.DialTimeout("tcp", ts.Addr, time.Second); err == nil {
		c.Close()
		t.Error("a connection was accepted after stop")
	}
}

// InlineShutdownBounded checks that with the app inline (-workers 0) a
// shutdown keeps its deadline. Requests that become readable on many
// connections while the app runs are handled in one loop turn, one app
// call after another; once stop is called the ones not begun must get
// 503 instead, and serve must return in time.
func InlineShutdownBounded(t *testing.T, start StartFunc) {
	const (
		appTime = 200 * time.Millisecond
		clients = 30 // 6 s of app time in one turn without the bound
	)
	ts := start(t, loop.Config{App: apps.Hello(appTime), Workers: 0, ShutdownTimeout: time.Second})
	first := ts.Dial(t)
	conns := make([]*net.TCPConn, clients)
	for i := range conns {
		conns[i] = ts.Dial(t)
	}
	time.Sleep(300 * time.Millisecond) // all accepted, none has sent
	if _, err := io.WriteString(first, GetHello); err != nil {
		t.Fatal(err)
	}
	time.Sleep(appTime / 4) // the loop is inside the first app now
	for _, c := range conns {
		if _, err := io.WriteString(c, GetHello); err != nil {
			t.Fatal(err)
		}
	}
	time.Sleep(appTime) // and inside the next turn, the app of one of them
	began := time.Now()
	ts.Stop(t)
	if took := time.Since(began); took > 3*time.Second {
		t.Errorf("serve took %v to stop with a 1 s shutdown deadline; want the requests not begun refused", took)
	}
	var ok, busy int
	for i, c := range append(conns, first) {
		resp, err := http.ReadResponse(bufio.NewReader(c), nil)
		if err != nil {
			t.Errorf("client %d: %v; want a response", i, err)
			continue
		}
		resp.Body.Close()
		switch {
		case resp.StatusCode == 200:
			ok++
		case resp.StatusCode == 503 && resp.Close:
			busy++
		default:
			t.Errorf("client %d: %d (close %v); want 200, or 503 with Connection: close", i, resp.StatusCode, resp.Close)
		}
	}
	if ok < 2 || busy == 0 {
		t.Errorf("%d answered 200 and %d 503; want the requests in flight served and the rest refused", ok, busy)
	}
}

// Start runs a stage's serve with cfg on 127.0.0.1:0 and stops it when
// the test ends; a stage's StartFunc is Start with its serve. A nil App
// is apps.Mux(0); an unset header timeout is 5 s; requests are logged to
// the Server's Logs.
func Start(t *testing.T, serve func(stop <-chan struct{}, lfd int, cfg loop.Config) error, cfg loop.Config) Server {
	t.Helper()
	if cfg.App == nil {
		cfg.App = apps.Mux(0)
	}
	if cfg.HeaderTimeout == 0 {
		cfg.HeaderTimeout = 5 * time.Second
	}
	cfg.Verbose = true
	ts := stagetest.Start(t, func(stop <-chan struct{}, lfd int, logs io.Writer) error {
		cfg.Log = log.New(logs, "", 0)
		return serve(stop, lfd, cfg)
	})
	return Server{Addr: ts.Addr, Logs: ts.Logs, Stop: ts.Stop}
}

// barrier is an app whose requests wait until n of them are inside it
// at once (then each answers "together"), or until a generous bound
// passes (then "alone").
type barrier struct {
	n     int32
	in    atomic.Int32
	all   chan struct{}
	once  sync.Once
	bound time.Duration
}

func newBarrier(n int) *barrier {
	return &barrier{n: int32(n), all: make(chan struct{}), bound: 5 * time.Second}
}

func (b *barrier) app(env *gateway.Environ, start gateway.StartResponse) gateway.Body {
	if b.in.Add(1) >= b.n {
		b.once.Do(func() { close(b.all) })
	}
	body := "alone"
	select {
	case <-b.all:
		body = "together"
	case <-time.After(b.bound):
	}
	start("200 OK", []gateway.Header{{Name: "Content-Length", Value: fmt.Sprint(len(body))}}, nil)
	return gateway.Bytes([]byte(body))
}

// PipelinedRunTogether checks that requests pipelined onto a server
// whose workers are idle all run at once, each on its own worker, rather
// than queueing behind the busy ones (issue 17, defect 3: against
// -delay 500ms, two pipelined GETs after a first GET were answered at
// 0.5 s and 1.0 s). Idle workers are made first by a round of concurrent
// requests; the app then waits until every pipelined request is inside
// it at once.
func PipelinedRunTogether(t *testing.T, start StartFunc) {
	const idle, burst = 4, 8
	warm, pipelined := newBarrier(idle), newBarrier(burst)
	app := func(env *gateway.Environ, start gateway.StartResponse) gateway.Body {
		if env.PathInfo == "/warm" {
			return warm.app(env, start)
		}
		return pipelined.app(env, start)
	}
	ts := start(t, loop.Config{App: app, Workers: 2 * burst})
	var wg sync.WaitGroup
	for range idle {
		c := ts.Dial(t)
		wg.Go(func() {
			io.WriteString(c, "GET /warm HTTP/1.1\r\nHost: t\r\n\r\n")
			if err := readBody(bufio.NewReader(c), "together"); err != nil {
				t.Errorf("warm-up: %v", err)
			}
		})
	}
	wg.Wait()
	c := ts.Dial(t)
	var reqs strings.Builder
	for i := range burst {
		fmt.Fprintf(&reqs, "GET /burst/%d HTTP/1.1\r\nHost: t\r\n\r\n", i)
	}
	if _, err := io.WriteString(c, reqs.String()); err != nil {
		t.Fatal(err)
	}
	r := bufio.NewReader(c)
	for i := range burst {
		if err := readBody(r, "together"); err != nil {
			t.Fatalf("pipelined request %d: %v; want all %d inside the app at once, each on a worker", i, err, burst)
		}
	}
}

// readBody reads one response and checks it is 200 with body want.
func readBody(r *bufio.Reader, want string) error {
	resp, err := http.ReadResponse(r, nil)
	if err != nil {
		return err
	}
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	if resp.StatusCode != 200 || string(b) != want {
		return fmt.Errorf("%d %q; want 200 %q", resp.StatusCode, b, want)
	}
	return nil
}

// ResetWhileWaiting checks that a client resetting its connection while
// its request is in the app does not make the loop spin (issue 17,
// defect 4). The request asks to close, so the loop does not read the
// connection while the app runs; the client then sends more bytes,
// which stay queued in the server's socket, and resets (SO_LINGER 0).
// poll and epoll report the hang-up at every wait, asked or not, and a
// peek returns the queued bytes before the error: unless the loop
// settles the report at once, it turns thousands of times a second until
// the app returns. The test watches the loop's turns for up to a second,
// or until the loop logs the reset, whichever comes first, and wants
// them few.
func ResetWhileWaiting(t *testing.T, start StartFunc, base loop.Config) {
	var turns atomic.Int64
	entered, release := make(chan struct{}, 1), make(chan struct{})
	defer close(release)
	base.App = func(env *gateway.Environ, start gateway.StartResponse) gateway.Body {
		entered <- struct{}{}
		<-release
		return apps.Hello(0)(env, start)
	}
	base.Turns = &turns
	if base.Workers == 0 {
		base.Workers = 2
	}
	ts := start(t, base)
	c := ts.Dial(t)
	if _, err := io.WriteString(c, "GET /hello HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n"); err != nil {
		t.Fatal(err)
	}
	select {
	case <-entered:
	case <-time.After(5 * time.Second):
		t.Fatal("the request did not reach the app within 5s")
	}
	if _, err := io.WriteString(c, "bytes the server has no reason to read"); err != nil {
		t.Fatal(err)
	}
	before := turns.Load()
	c.SetLinger(0)
	c.Close()
	for end := time.Now().Add(time.Second); time.Now().Before(end) && ts.Logs.Count("connection reset by peer") == 0; {
		time.Sleep(10 * time.Millisecond)
	}
	n := turns.Load() - before
	t.Logf("%d turns of the loop between the reset and the end of the watch", n)
	if n >= 50 {
		t.Errorf("the loop turned %d times after the reset while the app ran; want a few", n)
	}
}

// ShutdownSaysClose checks that a request already in the app when a
// shutdown begins, on a keep-alive connection, is answered with
// "Connection: close", since the server closes the connection after it
// (issue 17, defect 8; RFC 9112 9.6): a client told nothing would send
// its next request into a closing connection. net/http does the same.
func ShutdownSaysClose(t *testing.T, start StartFunc) {
	entered, release := make(chan struct{}, 1), make(chan struct{})
	released := false
	defer func() {
		if !released {
			close(release)
		}
	}()
	app := func(env *gateway.Environ, start gateway.StartResponse) gateway.Body {
		entered <- struct{}{}
		<-release
		return apps.Hello(0)(env, start)
	}
	ts := start(t, loop.Config{App: app, Workers: 4})
	c := ts.Dial(t)
	if _, err := io.WriteString(c, GetHello); err != nil {
		t.Fatal(err)
	}
	select {
	case <-entered:
	case <-time.After(5 * time.Second):
		t.Fatal("the request did not reach the app within 5s")
	}
	stopped := make(chan struct{})
	go func() {
		defer close(stopped)
		ts.Stop(t)
	}()
	// The shutdown has begun once new connections are refused.
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		d, err := net.DialTimeout("tcp", ts.Addr, time.Second)
		if err != nil {
			break
		}
		d.Close()
		if time.Now().After(deadline) {
			t.Fatal("connections still accepted 5s after stop")
		}
	}
	close(release)
	released = true
	r := bufio.NewReader(c)
	resp, err := http.ReadResponse(r, nil)
	if err != nil {
		t.Fatalf("request in flight at stop: %v; want its response", err)
	}
	io.Copy(io.Discard, resp.Body)
	if resp.StatusCode != 200 || !resp.Close {
		t.Errorf("request in flight at stop: %d, Connection %q; want 200 with Connection: close", resp.StatusCode, resp.Header.Get("Connection"))
	}
	if _, err := r.ReadByte(); err != io.EOF {
		t.Errorf("after the response: %v; want the connection closed", err)
	}
	<-stopped
}

// SlowBodiesHoldNoWorker checks that a client sending its body slowly
// holds a connection, never a worker: with two workers, three clients
// trickle a 10 KiB body over about 5 s each, and while they are still
// sending, a fourth client's GET is answered within 2 s (a generous bound:
// it takes milliseconds). The loop reads a body up to its buffer before
// the app runs; a server that gave each upload a worker at its head would
// keep the GET waiting until an upload ended.
func SlowBodiesHoldNoWorker(t *testing.T, start StartFunc) {
	const (
		uploads = 3
		size    = 10 << 10
		steps   = 100 // of size/steps bytes, 50 ms apart: 5 s
	)
	ts := start(t, loop.Config{Workers: 2})
	body := make([]byte, size)
	for i := range body {
		body[i] = 'a' + byte(i%26)
	}
	var (
		wg       sync.WaitGroup
		sending  sync.WaitGroup // each upload has sent its head and a tenth of its body
		finished atomic.Int32   // uploads that have sent everything
		stop     = make(chan struct{})
	)
	defer close(stop) // ends the uploads if the test stops early
	sending.Add(uploads)
	conns := make([]*net.TCPConn, uploads)
	errs := make([]error, uploads)
	for i := range conns {
		c := ts.Dial(t)
		c.SetDeadline(time.Now().Add(30 * time.Second))
		conns[i] = c
		wg.Go(func() {
			fmt.Fprintf(c, "POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: %d\r\n\r\n", size)
			piece := size / steps
			for off, n := 0, 0; off < size; off, n = off+piece, n+1 {
				if _, err := c.Write(body[off:min(off+piece, size)]); err != nil {
					errs[i] = err
					return
				}
				if n == steps/10 {
					sending.Done()
				}
				select {
				case <-stop:
					errs[i] = fmt.Errorf("upload %d stopped early", i)
					return
				case <-time.After(5 * time.Second / steps):
				}
			}
			finished.Add(1)
		})
	}
	// Once every upload has sent a tenth of its body, a server that hands
	// an upload to a worker at its head has done so; the uploads go on for
	// seconds after this.
	sending.Wait()
	get := ts.Dial(t)
	began := time.Now()
	resp := Get(t, get, bufio.NewReader(get))
	took := time.Since(began)
	if n := finished.Load(); n > 0 {
		t.Errorf("%d uploads finished before the GET was answered (after %v); want it answered while they send", n, took)
	}
	if resp.StatusCode != 200 {
		t.Errorf("GET beside the uploads: %d; want 200", resp.StatusCode)
	}
	if took > 2*time.Second {
		t.Errorf("GET beside %d slow uploads took %v with 2 workers; want it answered while they send (within 2 s)", uploads, took)
	}
	wg.Wait()
	for i, c := range conns {
		if errs[i] != nil {
			t.Errorf("upload %d: %v", i, errs[i])
			continue
		}
		resp, err := http.ReadResponse(bufio.NewReader(c), nil)
		if err != nil {
			t.Errorf("upload %d: %v", i, err)
			continue
		}
		got, err := io.ReadAll(resp.Body)
		if resp.StatusCode != 200 || err != nil || string(got) != string(body) {
			t.Errorf("upload %d: %d, %d bytes back (%v); want 200 and the %d bytes sent", i, resp.StatusCode, len(got), err, size)
		}
	}
}

// HoldsIdle checks that the stage holds n idle keep-alive connections at
// once, each opened with one answered GET /hello (64 at a time, through
// lbws/shared/hold), and that each answers a second request once all are
// idle.
func HoldsIdle(t *testing.T, start StartFunc, base loop.Config, n int) {
	RaiseNoFile(t, uint64(2*n+200)) // both ends live in this process
	ts := start(t, base)
	cl := hold.Client{Addr: ts.Addr, Path: "/hello", Parallel: 64}
	held, err := cl.Open(t.Context(), n)
	defer hold.CloseAll(held)
	if err != nil {
		t.Fatalf("held %d of %d: %v", len(held), n, err)
	}
	time.Sleep(500 * time.Millisecond) // all idle at once
	var wg sync.WaitGroup
	errs := make(chan error, n)
	sem := make(chan struct{}, 64)
	for i, c := range held {
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			if err := cl.Get(c); err != nil {
				errs <- fmt.Errorf("connection %d, second request: %w", i, err)
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
}
