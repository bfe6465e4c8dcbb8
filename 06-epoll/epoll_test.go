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

	"lbws/shared/apps"
	"lbws/shared/gateway"
	"lbws/shared/loop"
	"lbws/shared/loop/looptest"
)

// modes are the loop configurations the epoll tests run under.
var modes = []struct {
	name  string
	cfg   loop.Config
	start looptest.StartFunc
}{
	{"level", loop.Config{Workers: 8}, start},
	{"edge", loop.Config{Workers: 8}, startEdge},
	{"edge-inline", loop.Config{Workers: 0}, startEdge},
	{"level-inline", loop.Config{Workers: 0}, start},
}

// Edge-triggered epoll reports a descriptor once per change: a request
// larger than one read (the loop's 64 KiB scratch buffer) must be read
// to EAGAIN, or its end would never be reported.
func TestRequestLargerThanOneRead(t *testing.T) {
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
// queues per connection (MaxPipeline) and more bytes than one read, is
// answered in full and in order: the loop stops reading when its queue is
// full and must read on by itself once it has room, since edge-triggered
// epoll will not report the bytes still waiting in the socket.
func TestPipelinedBurstInOnePacket(t *testing.T) {
	const n = 100
	for _, m := range modes {
		t.Run(m.name, func(t *testing.T) {
			ts := m.start(t, m.cfg)
			c := ts.Dial(t)
			var burst strings.Builder
			pad := strings.Repeat("x", 2000) // 100 requests: 200 KB, three reads and more
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

// With -loops 2 both loops accept: two SO_REUSEPORT sockets share the
// port, and with the app inline two requests run at once, one per loop
// (one loop would run them one after another).
func TestLoops2ShareThePort(t *testing.T) {
	var running, most atomic.Int32
	app := func(env *gateway.Environ, start gateway.StartResponse) gateway.Body {
		now := running.Add(1)
		for m := most.Load(); now > m && !most.CompareAndSwap(m, now); m = most.Load() {
		}
		time.Sleep(50 * time.Millisecond)
		running.Add(-1)
		return apps.Hello(0)(env, start)
	}
	ts := startLoops(t, 2, loop.Config{App: app, Workers: 0})
	var wg sync.WaitGroup
	for i := 0; i < 40; i++ {
		wg.Go(func() {
			c, err := net.Dial("tcp", ts.Addr)
			if err != nil {
				t.Error(err)
				return
			}
			defer c.Close()
			c.SetDeadline(time.Now().Add(20 * time.Second))
			if resp := looptest.Get(t, c, bufio.NewReader(c)); resp.StatusCode != 200 {
				t.Errorf("status %d", resp.StatusCode)
			}
		})
	}
	wg.Wait()
	if m := most.Load(); m != 2 {
		t.Errorf("at most %d requests ran at once; want 2 (one per loop, the app inline)", m)
	}
}

// epoll holds 5,000 concurrent idle keep-alive connections, and each
// still answers a second request afterwards.
func TestHolds5000IdleConnections(t *testing.T) {
	looptest.HoldsIdle(t, start, loop.Config{Workers: 64}, 5000)
}

// A client sending its head one byte a second gets 408 while others are
// served.
func TestSlowHeadGets408(t *testing.T) { looptest.SlowHead408(t, start) }

// 1,000 connections of every kind leave no descriptor or goroutine, level-
// and edge-triggered.
func TestNoLeakAfter1000Connections(t *testing.T) {
	looptest.NoLeakAfter1000(t, start, loop.Config{Workers: 16})
}

func TestNoLeakAfter1000ConnectionsEdge(t *testing.T) {
	looptest.NoLeakAfter1000(t, startEdge, loop.Config{Workers: 16})
}

// At stop, idle connections close, a request in flight is answered, and
// serve returns nil.
func TestShutdownFinishesInFlight(t *testing.T) { looptest.ShutdownFinishesInFlight(t, start) }

// The same with -loops 2: every loop stops.
func TestShutdownFinishesInFlightLoops2(t *testing.T) {
	looptest.ShutdownFinishesInFlight(t, func(t *testing.T, cfg loop.Config) looptest.Server {
		return startLoops(t, 2, cfg)
	})
}

// With -workers 0 a shutdown keeps its deadline: requests not begun get 503.
func TestInlineShutdownBounded(t *testing.T) { looptest.InlineShutdownBounded(t, start) }

// A client that trickles its body holds a connection, never a worker:
// with two workers, three slow uploads do not delay a GET.
func TestSlowBodiesHoldNoWorker(t *testing.T) { looptest.SlowBodiesHoldNoWorker(t, start) }
