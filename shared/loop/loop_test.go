package loop

import (
	"bytes"
	"fmt"
	"io"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"lbws/shared/apps"
	"lbws/shared/gateway"
)

// modes runs f for the app inline (Workers 0) and on a worker pool.
func modes(t *testing.T, f func(t *testing.T, workers int)) {
	for _, w := range []int{0, 4} {
		name := "inline"
		if w > 0 {
			name = "workers"
		}
		t.Run(name, func(t *testing.T) { f(t, w) })
	}
}

// sized answers GET /<n> with n bytes of a repeating pattern.
func sized(env *gateway.Environ, start gateway.StartResponse) gateway.Body {
	var n int
	fmt.Sscanf(env.PathInfo, "/%d", &n)
	start("200 OK", []gateway.Header{{Name: "Content-Length", Value: fmt.Sprint(n)}}, nil)
	return gateway.Bytes(pattern(n))
}

// pattern returns n bytes of "0123456789".
func pattern(n int) []byte {
	return bytes.Repeat([]byte("0123456789"), n/10+1)[:n]
}

// A socket that takes one byte per write, and one write per turn, still
// gets every response whole and in order: the loop keeps what the kernel
// did not take and resumes when it is writable.
func TestPartialWritesOfOneByte(t *testing.T) {
	modes(t, func(t *testing.T, workers int) {
		h := newHarness(t, Config{App: sized, Workers: workers})
		h.refill = 1
		c, s := h.dial()
		s.perWrite = 1
		s.in = []byte("GET /3000 HTTP/1.1\r\nHost: x\r\n\r\nGET /5 HTTP/1.1\r\nHost: x\r\n\r\n")
		h.run(30*time.Second, func() bool { return countResponses(s.out.Bytes()) == 2 && c.Phase() == Idle })
		rs := responses(t, s.out.Bytes(), 2)
		for i, n := range []int{3000, 5} {
			if got := bodyOf(rs[i]); rs[i].StatusCode != 200 || got != string(pattern(n)) {
				t.Errorf("response %d: %d, %d bytes; want 200 and %d bytes", i, rs[i].StatusCode, len(got), n)
			}
		}
	})
}

// endless is an app whose body never ends; it counts the bodies it
// started and the ones the server closed.
type endless struct {
	started, closed atomic.Int32
}

func (e *endless) app(env *gateway.Environ, start gateway.StartResponse) gateway.Body {
	e.started.Add(1)
	start("200 OK", nil, nil)
	return &endlessBody{e: e, chunk: pattern(16 << 10)}
}

type endlessBody struct {
	e     *endless
	chunk []byte
}

func (b *endlessBody) Next() ([]byte, error) { return b.chunk, nil }
func (b *endlessBody) Close() error          { b.e.closed.Add(1); return nil }

// A client that sends requests but never reads cannot grow the server's
// memory: the loop stops pulling from the app when the connection's
// output is at its bound, a worker waits, the loop stops reading, and
// the write timeout closes the connection and stops the apps.
func TestClientThatNeverReads(t *testing.T) {
	modes(t, func(t *testing.T, workers int) {
		var e endless
		cfg := Config{App: e.app, Workers: workers, WriteTimeout: 300 * time.Millisecond}
		h := newHarness(t, cfg)
		h.refill = 0
		c, s := h.dial()
		// More pipelined requests than one read of the scratch buffer.
		s.in = bytes.Repeat([]byte("GET / HTTP/1.1\r\nHost: x\r\n\r\n"), 2*scratchSize/27)
		bound := h.l.cfg.OutputBuffer
		var maxOut, maxQueued, maxSlots, maxIn int
		h.run(10*time.Second, func() bool {
			maxOut = max(maxOut, c.outPending())
			if c.in != nil {
				maxIn = max(maxIn, len(c.in.b))
			}
			maxSlots = max(maxSlots, len(c.slots))
			q := 0
			for _, sl := range c.slots {
				sl.mu.Lock()
				q += sl.queued
				sl.mu.Unlock()
			}
			maxQueued = max(maxQueued, q)
			return h.closed(c)
		})
		// A worker's chunk is taken whole: the bound plus one chunk.
		if maxOut > bound+chunkSize {
			t.Errorf("output held %d bytes; bound %d", maxOut, bound+chunkSize)
		}
		if maxIn > scratchSize {
			t.Errorf("held %d bytes of unparsed requests; bound %d", maxIn, scratchSize)
		}
		if maxSlots > h.l.cfg.MaxPipeline {
			t.Errorf("%d requests queued; bound %d", maxSlots, h.l.cfg.MaxPipeline)
		}
		if limit := h.l.cfg.MaxPipeline * (bound + chunkSize); maxQueued > limit {
			t.Errorf("workers queued %d bytes; bound %d", maxQueued, limit)
		}
		if len(s.in) == 0 {
			t.Error("the loop read every pipelined request although none could be answered")
		}
		waitFor(t, func() bool { return e.closed.Load() == e.started.Load() })
		if h.logs.Count("took no response byte") != 1 {
			t.Errorf("want one write-timeout line in the log")
		}
	})
}

// waitFor polls cond for up to 5 s.
func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); !cond(); time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("condition not reached within 5s")
		}
	}
}

// gates is an app whose request /<i> answers "r<i>" once gate i opens.
type gates struct {
	mu sync.Mutex
	ch map[string]chan struct{}
}

func (g *gates) gate(name string) chan struct{} {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.ch == nil {
		g.ch = map[string]chan struct{}{}
	}
	if g.ch[name] == nil {
		g.ch[name] = make(chan struct{})
	}
	return g.ch[name]
}

func (g *gates) app(env *gateway.Environ, start gateway.StartResponse) gateway.Body {
	<-g.gate(env.PathInfo)
	body := "r" + strings.TrimPrefix(env.PathInfo, "/")
	start("200 OK", []gateway.Header{{Name: "Content-Length", Value: fmt.Sprint(len(body))}}, nil)
	return gateway.Bytes([]byte(body))
}

// Pipelined requests whose apps finish in another order are answered in
// the order they were sent (RFC 9112 9.3.2).
func TestPipelinedResponsesInOrder(t *testing.T) {
	var g gates
	h := newHarness(t, Config{App: g.app, Workers: 4})
	c, s := h.dial()
	s.in = []byte("GET /1 HTTP/1.1\r\nHost: x\r\n\r\nGET /2 HTTP/1.1\r\nHost: x\r\n\r\nGET /3 HTTP/1.1\r\nHost: x\r\n\r\n")
	h.run(5*time.Second, func() bool { return len(c.slots) == 3 })

	close(g.gate("/3"))
	waitSlotDone(t, c.slots[2])
	for range 20 {
		h.turn()
	}
	if s.out.Len() != 0 {
		t.Fatalf("wrote %q before the first response was ready", s.out.String())
	}
	close(g.gate("/1"))
	h.run(5*time.Second, func() bool { return countResponses(s.out.Bytes()) == 1 })
	close(g.gate("/2"))
	h.run(5*time.Second, func() bool { return countResponses(s.out.Bytes()) == 3 && c.Phase() == Idle })
	for i, r := range responses(t, s.out.Bytes(), 3) {
		if got, want := bodyOf(r), fmt.Sprintf("r%d", i+1); got != want {
			t.Errorf("response %d: %q; want %q", i, got, want)
		}
	}
}

// waitSlotDone waits until the worker of s has finished.
func waitSlotDone(t *testing.T, s *slot) {
	t.Helper()
	waitFor(t, func() bool {
		s.mu.Lock()
		defer s.mu.Unlock()
		return s.done
	})
}

// A body that arrives one byte per readiness report is read whole, for
// Content-Length and chunked framing, through the worker's pipe (one that
// holds it whole, and one of 7 bytes that it streams through) or the
// inline buffer. While the pipe has room, no body byte waits in the
// connection's own buffer.
func TestBodyOneByteAtATime(t *testing.T) {
	modes(t, func(t *testing.T, workers int) {
		for _, tc := range []struct {
			framing string
			buffer  int
		}{{"length", 4096}, {"chunked", 4096}, {"length", 7}, {"chunked", 7}} {
			framing := tc.framing
			t.Run(fmt.Sprintf("%s/buffer-%d", framing, tc.buffer), func(t *testing.T) {
				h := newHarness(t, Config{App: apps.Echo, Workers: workers, BodyBuffer: tc.buffer})
				c, s := h.dial()
				body := string(pattern(300))
				raw := fmt.Sprintf("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n%s", len(body), body)
				if framing == "chunked" {
					raw = "POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n" +
						fmt.Sprintf("%x\r\n%s\r\n%x\r\n%s\r\n0\r\n\r\n", 100, body[:100], 200, body[100:])
				}
				for i := 0; i < len(raw); i++ {
					s.in = append(s.in, raw[i])
					h.turn()
					if c.in != nil && len(c.in.b) > 0 && c.body != nil && (workers == 0 || tc.buffer > len(raw)) {
						t.Fatalf("body bytes held in the connection's buffer: %q", c.in.b)
					}
				}
				h.run(5*time.Second, func() bool { return countResponses(s.out.Bytes()) == 1 && c.Phase() == Idle })
				r := responses(t, s.out.Bytes(), 1)[0]
				if got := bodyOf(r); r.StatusCode != 200 || got != body {
					t.Errorf("%d %q; want 200 and the body back", r.StatusCode, got)
				}
			})
		}
	})
}

// When every worker is busy and the queue is full, a request is answered
// 503 with Retry-After at once, and the connection closes; the requests
// already taken are served.
func TestBusyPoolAnswers503(t *testing.T) {
	var g gates
	h := newHarness(t, Config{App: g.app, Workers: 1, Queue: 1})
	c1, s1 := h.dial()
	c2, s2 := h.dial()
	c3, s3 := h.dial()
	for i, s := range []*fakeSock{s1, s2, s3} {
		s.in = []byte(fmt.Sprintf("GET /%d HTTP/1.1\r\nHost: x\r\n\r\n", i+1))
	}
	h.run(5*time.Second, func() bool { return countResponses(s3.out.Bytes()) == 1 && h.closed(c3) })
	r := responses(t, s3.out.Bytes(), 1)[0]
	if r.StatusCode != 503 || r.Header.Get("Retry-After") == "" || !r.Close {
		t.Errorf("third request: %d, Retry-After %q, close %v; want 503, Retry-After, Connection: close",
			r.StatusCode, r.Header.Get("Retry-After"), r.Close)
	}
	if s1.out.Len()+s2.out.Len() != 0 {
		t.Fatal("a busy request was answered before its gate opened")
	}
	close(g.gate("/1"))
	close(g.gate("/2"))
	h.run(5*time.Second, func() bool { return c1.Phase() == Idle && c2.Phase() == Idle })
	for i, s := range []*fakeSock{s1, s2} {
		if r := responses(t, s.out.Bytes(), 1)[0]; r.StatusCode != 200 {
			t.Errorf("request %d: %d; want 200", i+1, r.StatusCode)
		}
	}
	if h.logs.Count("503: every worker is busy") != 1 {
		t.Errorf("want one 503 line in the log")
	}
}

// Idle workers exit: an idle server holds no goroutine.
func TestPoolWorkersExitWhenIdle(t *testing.T) {
	p := NewPool(4, 4)
	p.idle = 20 * time.Millisecond
	defer p.Close()
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		if !p.Submit(taskFunc(wg.Done)) {
			t.Fatal("Submit refused with free workers")
		}
	}
	wg.Wait()
	waitFor(t, func() bool { return p.Running() == 0 })
}

// taskFunc makes a func a Task.
type taskFunc func()

func (f taskFunc) Run() { f() }

// The pool refuses beyond its workers and queue, and runs what it took.
func TestPoolBound(t *testing.T) {
	p := NewPool(2, 3)
	defer p.Close()
	release := make(chan struct{})
	var ran atomic.Int32
	taken := 0
	for range 10 {
		if p.Submit(taskFunc(func() { <-release; ran.Add(1) })) {
			taken++
		}
	}
	if taken != 5 {
		t.Errorf("took %d tasks; want 2 workers + 3 queued", taken)
	}
	close(release)
	waitFor(t, func() bool { return ran.Load() == int32(taken) })
}

// The read side of a body pipe: data, then the error that ended the body.
func TestBodyPipeErrorAfterData(t *testing.T) {
	h := newHarness(t, Config{App: apps.Echo, Workers: 1})
	c, _ := h.dial()
	p := newBodyPipe(c, 16)
	p.write([]byte("abc"))
	p.finish(io.ErrUnexpectedEOF)
	got, err := io.ReadAll(p)
	if string(got) != "abc" || err != io.ErrUnexpectedEOF {
		t.Errorf("ReadAll = %q, %v; want abc, unexpected EOF", got, err)
	}
	p.closeRead()
	if n := h.l.bodyMem.Load(); n != 0 {
		t.Errorf("%d bytes of body memory still charged after closeRead", n)
	}
}

// Workers wake the loop only while it waits, and once per batch: a busy
// loop, or one already woken, costs them no write to the waker, and a
// loop with work posted does not block.
func TestPostWakesOnlyAWaitingLoop(t *testing.T) {
	h := newHarness(t, Config{App: apps.Echo, Workers: 1})
	c1, _ := h.dial()
	c2, _ := h.dial()
	wakes := func() int {
		h.w.mu.Lock()
		defer h.w.mu.Unlock()
		return h.w.wakes
	}
	wait := h.l.Begin() // about to wait
	h.l.post(c1)
	h.l.post(c2)
	if n := wakes(); n != 1 {
		t.Fatalf("%d wake-ups for two posts to a waiting loop; want 1", n)
	}
	if got := wait.End(); len(got) != 2 {
		t.Fatalf("End carried on with %d connections; want 2", len(got))
	}
	h.l.post(c1) // the loop is busy now
	if n := wakes(); n != 1 {
		t.Fatalf("a post to a busy loop wrote a wake-up")
	}
	wait = h.l.Begin()
	if wait.Timeout != 0 {
		t.Fatalf("Begin with work posted: Timeout %v; want 0 (do not block)", wait.Timeout)
	}
	if got := wait.End(); len(got) != 1 {
		t.Fatalf("End carried on with %d connections; want 1", len(got))
	}
}

// A burst of tasks onto a pool with idle workers starts a worker for
// every task up to the pool's size: a task handed to an idle worker
// counts that worker busy at once, so the tasks after it start new
// workers instead of queueing behind the busy ones (issue 17, defect 3).
func TestPoolBurstOnIdleWorkersRunsAtOnce(t *testing.T) {
	const idle, burst = 50, 100
	p := NewPool(burst, 1000)
	defer p.Close()
	// Make idle workers: idle tasks that run at once, then wait for
	// the next task.
	var started sync.WaitGroup
	gate := make(chan struct{})
	for range idle {
		started.Add(1)
		if !p.Submit(taskFunc(func() { started.Done(); <-gate })) {
			t.Fatal("Submit refused with free workers")
		}
	}
	started.Wait()
	close(gate)
	waitFor(t, func() bool {
		p.mu.Lock()
		defer p.mu.Unlock()
		return p.waiting == idle
	})
	var running atomic.Int32
	release := make(chan struct{})
	defer close(release)
	for range burst {
		if !p.Submit(taskFunc(func() { running.Add(1); <-release })) {
			t.Fatal("Submit refused with free workers")
		}
	}
	for deadline := time.Now().Add(10 * time.Second); running.Load() < burst; time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("%d of %d tasks running, %d workers; want every task running on its own worker",
				running.Load(), burst, p.Running())
		}
	}
}

// A client that resets its connection while the loop waits for its app
// (no read interest: the request asked to close) is settled at the
// first hang-up report, although request bytes are still queued in the
// socket: level-triggered poll and epoll report the hang-up at every
// wait, and a peek returns the queued bytes before the error, so
// without reading SO_ERROR the loop would spin until the app returns
// (issue 17, defect 4).
func TestResetWhileWaitingForAppSettledOnce(t *testing.T) {
	for _, tc := range []struct {
		name string
		hang func(s *fakeSock)
	}{
		// A reset, with request bytes still queued before its error.
		{"reset", func(s *fakeSock) {
			s.in = []byte("more bytes the loop has no reason to read")
			s.reset = true
		}},
		// A hang-up whose error is gone: an end of file reported again
		// and again.
		{"hangup", func(s *fakeSock) { s.eof, s.hup = true, true }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var g gates
			h := newHarness(t, Config{App: g.app, Workers: 1})
			defer close(g.gate("/1"))
			c, s := h.dial()
			s.in = []byte("GET /1 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
			h.run(5*time.Second, func() bool { return len(c.slots) == 1 && len(s.in) == 0 })
			if c.Want() != 0 {
				t.Fatalf("want %v while the app runs; want none", c.Want())
			}
			tc.hang(s)
			for range 20 {
				h.turn()
			}
			if !h.closed(c) {
				t.Errorf("connection still open after 20 turns of hang-up reports (%d probes); want it closed at once", s.probes)
			}
			if s.probes > 4 {
				t.Errorf("%d probes of the socket; want the hang-up settled by the first reports", s.probes)
			}
		})
	}
}

// unsafeApp answers /short with fewer body bytes than its Content-Length
// (the server must then close the connection after it), /slow once its
// gate opens, and echoes every other request; it records the targets of
// the apps it started, in order.
type unsafeApp struct {
	gates
	mu      sync.Mutex
	started []string
}

func (u *unsafeApp) app(env *gateway.Environ, start gateway.StartResponse) gateway.Body {
	u.mu.Lock()
	u.started = append(u.started, env.PathInfo)
	u.mu.Unlock()
	switch env.PathInfo {
	case "/short":
		start("200 OK", []gateway.Header{{Name: "Content-Length", Value: "100"}}, nil)
		return gateway.Bytes([]byte("short"))
	case "/slow":
		return u.gates.app(env, start)
	}
	return apps.Echo(env, start)
}

// starts returns the targets of the apps started so far.
func (u *unsafeApp) starts() string {
	u.mu.Lock()
	defer u.mu.Unlock()
	return strings.Join(u.started, " ")
}

// A request with an unsafe method pipelined behind one whose response
// ends the connection never runs: RFC 9112 9.3.2 lets a server process
// only safe requests in parallel, so the POST waits for the response
// before it, which closes, and is then dropped (issue 17, defect 7).
func TestUnsafePipelinedBehindCloseNeverRuns(t *testing.T) {
	modes(t, func(t *testing.T, workers int) {
		var u unsafeApp
		h := newHarness(t, Config{App: u.app, Workers: workers})
		c, s := h.dial()
		s.in = []byte("GET /short HTTP/1.1\r\nHost: x\r\n\r\n" +
			"POST /b HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc" +
			"DELETE /c HTTP/1.1\r\nHost: x\r\n\r\n")
		h.run(5*time.Second, func() bool { return h.closed(c) })
		if got := u.starts(); got != "/short" {
			t.Errorf("apps started: %s; want only /short: no unsafe request behind a response that closed the connection", got)
		}
		if n := countResponses(s.out.Bytes()); n != 1 {
			t.Errorf("%d responses; want 1 (the first, cut short)", n)
		}
		if n := h.l.bodyMem.Load(); n != 0 {
			t.Errorf("%d bytes of body memory still charged", n)
		}
	})
}

// An unsafe request pipelined behind a slow safe one starts only once
// the response before it is complete, a safe one behind it only once its
// response is, and all are answered in order.
func TestUnsafePipelinedWaitsForTheOneBefore(t *testing.T) {
	var u unsafeApp
	h := newHarness(t, Config{App: u.app, Workers: 4})
	c, s := h.dial()
	s.in = []byte("GET /slow HTTP/1.1\r\nHost: x\r\n\r\n" +
		"PUT /b HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc" +
		"GET /after HTTP/1.1\r\nHost: x\r\n\r\n")
	h.run(5*time.Second, func() bool { return len(c.slots) == 3 && c.body == nil })
	waitFor(t, func() bool { return u.starts() != "" })
	for range 50 {
		h.turn()
	}
	if got := u.starts(); got != "/slow" {
		t.Fatalf("apps started while the first GET was in its app: %s; want only /slow", got)
	}
	close(u.gate("/slow"))
	h.run(5*time.Second, func() bool { return countResponses(s.out.Bytes()) == 3 && c.Phase() == Idle })
	rs := responses(t, s.out.Bytes(), 3)
	for i, want := range []string{"rslow", "abc", ""} {
		if got := bodyOf(rs[i]); rs[i].StatusCode != 200 || got != want {
			t.Errorf("response %d: %d %q; want 200 %q", i, rs[i].StatusCode, got, want)
		}
	}
	if got, want := u.starts(), "/slow /b /after"; got != want {
		t.Errorf("apps started: %s; want %s", got, want)
	}
}
