//go:build linux

package main

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
	"unsafe"

	"lbws/shared/apps"
	"lbws/shared/gateway"
	"lbws/shared/loop"
	"lbws/shared/loop/looptest"
)

// The structures written here have the kernel's sizes (io_uring.h).
func TestStructSizes(t *testing.T) {
	for _, x := range []struct {
		name      string
		got, want uintptr
	}{
		{"io_uring_params", unsafe.Sizeof(params{}), 120},
		{"io_sqring_offsets", unsafe.Sizeof(sqringOffsets{}), 40},
		{"io_cqring_offsets", unsafe.Sizeof(cqringOffsets{}), 40},
		{"io_uring_sqe", unsafe.Sizeof(sqe{}), 64},
		{"io_uring_cqe", unsafe.Sizeof(cqe{}), 16},
		{"io_uring_getevents_arg", unsafe.Sizeof(geteventsArg{}), 24},
	} {
		if x.got != x.want {
			t.Errorf("struct %s: %d bytes; the kernel's is %d", x.name, x.got, x.want)
		}
	}
}

// user_data carries an operation, a slot and a generation, and gives
// them back.
func TestTagRoundTrip(t *testing.T) {
	for _, x := range []struct {
		op        uint8
		slot, gen uint32
	}{{opRecv, 0, 0}, {opSend, 12345, 1}, {opClose, listenerSlot, genMask}, {opAsyncCancel, 7, genMask}} {
		op, slot, gen := untag(tag(x.op, x.slot, x.gen))
		if op != x.op || slot != x.slot || gen != x.gen {
			t.Errorf("untag(tag(%d, %d, %d)) = %d, %d, %d", x.op, x.slot, x.gen, op, slot, gen)
		}
	}
}

// A request larger than one recv buffer (4 KiB) arrives over many
// completions, each followed by the next RECV, and is echoed whole; its
// response, larger than one SEND can take, goes out in partial sends.
func TestRequestLargerThanOneRecv(t *testing.T) {
	for _, m := range modes {
		t.Run(m.name, func(t *testing.T) {
			ts := m.start(t, m.cfg)
			c := ts.Dial(t)
			body := bytes.Repeat([]byte("0123456789abcdef"), 64<<10) // 1 MiB
			go fmt.Fprintf(c, "POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: %d\r\n\r\n%s", len(body), body)
			resp, err := http.ReadResponse(bufio.NewReader(c), nil)
			if err != nil {
				t.Fatal(err)
			}
			got, err := io.ReadAll(resp.Body)
			if err != nil || resp.StatusCode != 200 || !bytes.Equal(got, body) {
				t.Fatalf("%d, %d bytes back (%v); want 200 and the %d bytes sent", resp.StatusCode, len(got), err, len(body))
			}
		})
	}
}

// A burst of pipelined requests sent in one write, more than the loop
// queues per connection (MaxPipeline) and many recv buffers long, is
// answered in full and in order: the loop stops submitting recvs while
// the queue is full, keeps what a recv already in flight brings, and
// submits the next once there is room.
func TestPipelinedBurstInOnePacket(t *testing.T) {
	const n = 100
	for _, m := range modes {
		t.Run(m.name, func(t *testing.T) {
			ts := m.start(t, m.cfg)
			c := ts.Dial(t)
			var burst strings.Builder
			pad := strings.Repeat("x", 2000) // 100 requests: 200 KB, fifty recvs and more
			for i := 0; i < n; i++ {
				fmt.Fprintf(&burst, "GET /environ?i=%d HTTP/1.1\r\nHost: t\r\nX-Pad: %s\r\n\r\n", i, pad)
			}
			go io.WriteString(c, burst.String())
			r := bufio.NewReader(c)
			for i := 0; i < n; i++ {
				resp, err := http.ReadResponse(r, nil)
				if err != nil {
					t.Fatalf("response %d of %d: %v", i+1, n, err)
				}
				b, _ := io.ReadAll(resp.Body)
				if want := fmt.Sprintf("QUERY_STRING=i=%d\n", i); !strings.Contains(string(b), want) {
					t.Fatalf("response %d: no %q: out of order or wrong", i+1, want)
				}
			}
		})
	}
}

// !+reuse

// Connections opened and closed quickly, by the client and by the server
// (its idle timeout, with a recv in flight; its lingering close, with a
// shutdown and a recv), reuse descriptor numbers at once. No completion
// may arrive for a connection after it is closed, or reach the next
// connection on the same descriptor: each request gets its own answer,
// and the server logs no stray completion, also while it stops.
func TestNoCompletionAfterClose(t *testing.T) {
	for _, m := range modes {
		t.Run(m.name, func(t *testing.T) {
			cfg := m.cfg
			cfg.IdleTimeout = 20 * time.Millisecond
			ts := m.start(t, cfg)
			var wg sync.WaitGroup
			errs := make(chan error, 16)
			for w := 0; w < 8; w++ {
				wg.Go(func() {
					for i := 0; i < 60; i++ {
						if err := reuseConn(ts.Addr, w*1000+i); err != nil {
							select {
							case errs <- err:
							default:
							}
							return
						}
					}
				})
			}
			wg.Wait()
			close(errs)
			for err := range errs {
				t.Error(err)
			}
			ts.Stop(t)
			if n := ts.Logs.Count("stray completion"); n > 0 {
				t.Errorf("%d stray completions logged; want none:\n%s", n, ts.Logs)
			}
		})
	}
}

// !-reuse

// reuseConn makes one short connection of kind id%4: a request and the
// client's close; a request with Connection: close (the server's
// lingering close); a request, then idle until the server's idle timeout
// closes it; a reset with a request half sent. Each answer must carry
// its own id.
func reuseConn(addr string, id int) error {
	c, err := net.Dial("tcp", addr)
	if err != nil {
		return err
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(10 * time.Second))
	r := bufio.NewReader(c)
	ask := func(extra string) error {
		fmt.Fprintf(c, "GET /environ?id=%d HTTP/1.1\r\nHost: t\r\n%s\r\n", id, extra)
		resp, err := http.ReadResponse(r, nil)
		if err != nil {
			return fmt.Errorf("connection %d: %w", id, err)
		}
		b, _ := io.ReadAll(resp.Body)
		if want := fmt.Sprintf("QUERY_STRING=id=%d\n", id); resp.StatusCode != 200 || !strings.Contains(string(b), want) {
			return fmt.Errorf("connection %d: %d without %q: another connection's answer", id, resp.StatusCode, want)
		}
		return nil
	}
	switch id % 4 {
	case 0:
		return ask("")
	case 1:
		if err := ask("Connection: close\r\n"); err != nil {
			return err
		}
		if _, err := r.ReadByte(); err != io.EOF {
			return fmt.Errorf("connection %d after Connection: close: %v; want EOF", id, err)
		}
	case 2:
		if err := ask(""); err != nil {
			return err
		}
		if _, err := r.ReadByte(); err != io.EOF {
			return fmt.Errorf("connection %d idle: %v; want EOF at the idle timeout", id, err)
		}
	case 3:
		io.WriteString(c, "GET /environ HTTP/1.1\r\nHo")
		c.(*net.TCPConn).SetLinger(0)
	}
	return nil
}

// Many idle keep-alive connections each hold a recv in flight; all are
// answered again afterwards.
func TestHolds2000IdleConnections(t *testing.T) {
	for _, k := range kinds {
		t.Run(k.name, func(t *testing.T) { looptest.HoldsIdle(t, k.start, loop.Config{Workers: 64}, 2000) })
	}
}

// Inline, an app runs inside the loop while it takes a batch of
// completions: the responses made earlier in the batch must reach the
// kernel before it, as 04-06 write each response in the turn it was
// made, not wait in the submission ring until the batch ends (at the
// article's 200 ms per app and 1,000 clients, that was minutes: wrk saw
// no response at all). Two requests are queued while a third app holds
// the loop, so their completions come in one batch; whichever of their
// apps runs second waits until the client has had the first one's
// response.
func TestInlineResponseNotHeldBehindTheNextApp(t *testing.T) {
	for _, k := range kinds {
		t.Run(k.name, func(t *testing.T) { inlineResponseNotHeld(t, k.start) })
	}
}

// inlineResponseNotHeld is TestInlineResponseNotHeldBehindTheNextApp
// with start.
func inlineResponseNotHeld(t *testing.T, start looptest.StartFunc) {
	var (
		blocked  = make(chan struct{})
		release  = make(chan struct{})
		answered = make(chan struct{}) // closed when the client has a response to an /order request
		once     sync.Once
		mu       sync.Mutex
		ran      int
		waited   = make(chan bool, 1)
	)
	app := func(env *gateway.Environ, start gateway.StartResponse) gateway.Body {
		switch env.PathInfo {
		case "/block":
			close(blocked)
			<-release
		case "/order":
			mu.Lock()
			ran++
			second := ran == 2
			mu.Unlock()
			if second {
				select {
				case <-answered:
					waited <- true
				case <-time.After(5 * time.Second):
					waited <- false
				}
			}
		}
		return apps.Hello(0)(env, start)
	}
	ts := start(t, loop.Config{App: app, Workers: 0})
	c1, c2, c0 := ts.Dial(t), ts.Dial(t), ts.Dial(t)
	r1, r2, r0 := bufio.NewReader(c1), bufio.NewReader(c2), bufio.NewReader(c0)
	for _, c := range []struct {
		conn net.Conn
		r    *bufio.Reader
	}{{c1, r1}, {c2, r2}} {
		if resp := looptest.Get(t, c.conn, c.r); resp.StatusCode != 200 {
			t.Fatalf("warm-up: %d", resp.StatusCode)
		}
	}
	io.WriteString(c0, "GET /block HTTP/1.1\r\nHost: t\r\n\r\n")
	select {
	case <-blocked:
	case <-time.After(5 * time.Second):
		t.Fatal("/block did not reach its app within 5s")
	}
	order := "GET /order HTTP/1.1\r\nHost: t\r\n\r\n"
	io.WriteString(c1, order)
	io.WriteString(c2, order)
	got := make(chan error, 2)
	for _, r := range []*bufio.Reader{r1, r2} {
		go func() {
			resp, err := http.ReadResponse(r, nil)
			if err == nil {
				resp.Body.Close()
				once.Do(func() { close(answered) })
			}
			got <- err
		}()
	}
	close(release)
	if resp, err := http.ReadResponse(r0, nil); err != nil || resp.StatusCode != 200 {
		t.Fatalf("/block: %v", err)
	}
	for range 2 {
		if err := <-got; err != nil {
			t.Fatalf("/order: %v", err)
		}
	}
	if !<-waited {
		t.Error("the second /order app ran 5s without the client having the first one's response: it waited in the submission ring")
	}
}

// A request whose RECV has completed when the shutdown begins is
// answered, not closed unanswered (issue 23: grade's
// http/sigterm-in-flight lost it about 1 run in 25). Its bytes have left the socket: they are in a completion the
// loop has not taken yet, and the connection, which has nothing else
// pending, looks idle to a shutdown that begins before the loop takes
// it. The hook stops the loop at the end of the io_uring_enter that
// returns with the request's RECV completion in the ring, the window a
// SIGTERM fell into.
func TestShutdownAnswersReceivedRequest(t *testing.T) {
	for _, m := range modes {
		t.Run(m.name, func(t *testing.T) {
			stopped := make(chan struct{})
			afterEnter = func(s *server) {
				if !s.loop.Stopping() && recvInRing(s.ring) {
					s.loop.Stop()
					afterEnter = nil // this goroutine's; the test reads it once serve has returned
					close(stopped)
				}
			}
			t.Cleanup(func() { afterEnter = nil }) // runs after ts.Stop's (LIFO): serve has returned
			ts := m.start(t, m.cfg)
			c := ts.Dial(t)
			if _, err := io.WriteString(c, looptest.GetHello); err != nil {
				t.Fatal(err)
			}
			resp, err := http.ReadResponse(bufio.NewReader(c), nil)
			if err != nil {
				t.Fatalf("a request received as the shutdown began: %v; want it answered", err)
			}
			b, err := io.ReadAll(resp.Body)
			// Inline, a request whose app has not begun when the stop
			// comes is answered 503 (see TestInlineShutdownBounded); with
			// workers, it is served.
			want, body := 200, "Hello World"
			if m.cfg.Workers == 0 {
				want, body = 503, "503 Service Unavailable: shutting down\n"
			}
			if err != nil || resp.StatusCode != want || string(b) != body {
				t.Fatalf("%d %q (%v); want %d %q", resp.StatusCode, b, err, want, body)
			}
			select {
			case <-stopped:
			default:
				t.Fatal("the hook did not stop the loop while the request's RECV completion was in the ring")
			}
			ts.Stop(t)
		})
	}
}

// recvInRing reports whether r's completion ring holds a RECV completion
// with bytes that the loop has not taken yet.
func recvInRing(r *ring) bool {
	for head, tail := atomic.LoadUint32(r.cqHead), atomic.LoadUint32(r.cqTail); head != tail; head++ {
		e := r.cqes[head&r.cqMask]
		if op, _, _ := untag(e.userData); op == opRecv && e.res > 0 {
			return true
		}
	}
	return false
}
