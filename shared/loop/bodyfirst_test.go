package loop

import (
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"lbws/shared/apps"
	"lbws/shared/gateway"
)

// counted wraps app and counts the requests it was called for.
func counted(app gateway.App, n *atomic.Int32) gateway.App {
	return func(env *gateway.Environ, start gateway.StartResponse) gateway.Body {
		n.Add(1)
		return app(env, start)
	}
}

// A body that fits in the body buffer is read and checked before the app
// runs: broken framing is 400, a body that does not arrive in time 408,
// and a client that leaves mid-body gets nothing, and in every case the
// app never sees the request. An app that does not read its body (here a
// 404) cannot hide the error behind a 200 either.
func TestBodyErrorsNeverReachTheApp(t *testing.T) {
	const (
		chunked = "Transfer-Encoding: chunked\r\n\r\n"
		sized   = "Content-Length: 10\r\n\r\n"
	)
	for _, tc := range []struct {
		name   string
		rest   string // after "POST <path> HTTP/1.1\r\nHost: x\r\n"
		eof    bool   // the client then closes its sending side
		status int    // 0: no response, the connection closes
	}{
		{"chunk-size-0x", chunked + "0x5\r\nhello\r\n0\r\n\r\n", false, 400},
		{"chunk-size-underscore", chunked + "1_0\r\n0123456789abcdef\r\n0\r\n\r\n", false, 400},
		{"chunk-data-too-long", chunked + "3\r\nhello\r\n0\r\n\r\n", false, 400},
		{"chunk-ext-lf", chunked + "5;a\nb\r\nhello\r\n0\r\n\r\n", false, 400},
		{"chunk-bare-lf", chunked + "5\nhello\n0\n\n", false, 400},
		{"chunk-size-overflow", chunked + "10000000000000005\r\nhello\r\n0\r\n\r\n", false, 400},
		{"chunked-no-last-chunk", chunked + "5\r\nhello\r\n", false, 408},
		{"length-cut-short", sized + "hello", false, 408},
		{"length-client-gone", sized + "hello", true, 0},
		{"chunked-client-gone", chunked + "5\r\nhello\r\n", true, 0},
	} {
		for _, path := range []string{"/echo", "/unread"} {
			t.Run(tc.name+path, func(t *testing.T) {
				modes(t, func(t *testing.T, workers int) {
					var calls atomic.Int32
					h := newHarness(t, Config{App: counted(apps.Mux(0), &calls), Workers: workers,
						BodyTimeout: 100 * time.Millisecond})
					c, s := h.dial()
					s.in = []byte("POST " + path + " HTTP/1.1\r\nHost: x\r\n" + tc.rest)
					s.eof = tc.eof
					h.run(5*time.Second, func() bool { return h.closed(c) || c.Phase() == Lingering && s.shut })
					if tc.status == 0 {
						if s.out.Len() != 0 {
							t.Errorf("answered %q to a client that left; want nothing", s.out.String())
						}
					} else if r := responses(t, s.out.Bytes(), 1)[0]; r.StatusCode != tc.status || !r.Close {
						t.Errorf("%d close=%v; want %d and Connection: close", r.StatusCode, r.Close, tc.status)
					}
					if n := calls.Load(); n != 0 {
						t.Errorf("the app ran %d times; want never, the body was broken", n)
					}
					if n := h.l.bodyMem.Load(); n != 0 {
						t.Errorf("%d bytes of body memory still charged", n)
					}
				})
			})
		}
	}
}

// A body larger than the buffer starts its app once the buffer is full,
// not before, and the rest streams: the app gets every byte.
func TestLargeBodyStreamsAfterTheBuffer(t *testing.T) {
	var calls atomic.Int32
	h := newHarness(t, Config{App: counted(apps.Echo, &calls), Workers: 2, BodyBuffer: 16})
	c, s := h.dial()
	body := string(pattern(100))
	s.in = []byte(fmt.Sprintf("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n%s", len(body), body[:15]))
	for range 20 {
		h.turn()
	}
	if n := h.l.pool.Running(); n != 0 || calls.Load() != 0 {
		t.Fatalf("%d workers started with 15 of the 16 buffer bytes in; want none until the buffer is full", n)
	}
	s.in = append(s.in, body[15:]...)
	h.run(5*time.Second, func() bool { return countResponses(s.out.Bytes()) == 1 && c.Phase() == Idle })
	if r := responses(t, s.out.Bytes(), 1)[0]; r.StatusCode != 200 || bodyOf(r) != body {
		t.Errorf("%d %q; want 200 and the body back", r.StatusCode, bodyOf(r))
	}
}

// The loop's body memory is charged what a body can use: its
// Content-Length, up to the body buffer. A thousand slow 5-byte uploads
// held open cost 5 KB, so they leave room for other bodies under a bound
// (here 16 KiB) that a 64 KiB charge each would have exceeded at once; a
// chunked body, which may fill the buffer, is charged all of it, and the
// bound still holds: 503.
func TestBodyMemoryChargesWhatABodyCanUse(t *testing.T) {
	const held = 1024
	h := newHarness(t, Config{App: apps.Echo, Workers: 4, BodyMemory: 16 << 10})
	var slow []*Conn
	for range held {
		c, s := h.dial()
		s.in = []byte("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nab")
		slow = append(slow, c)
	}
	h.run(5*time.Second, func() bool { return h.l.bodyMem.Load() == 5*held })
	for _, c := range slow {
		if s := h.io.socks[c.fd]; s.out.Len() != 0 {
			t.Fatalf("a held upload was answered: %q", s.out.String())
		}
	}
	c, s := h.dial()
	s.in = []byte("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello")
	h.run(5*time.Second, func() bool { return countResponses(s.out.Bytes()) == 1 && c.Phase() == Idle })
	if r := responses(t, s.out.Bytes(), 1)[0]; r.StatusCode != 200 || bodyOf(r) != "hello" {
		t.Errorf("a body beside %d held uploads: %d %q; want 200 hello", held, r.StatusCode, bodyOf(r))
	}
	c, s = h.dial()
	s.in = []byte("POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n")
	h.run(5*time.Second, func() bool { return countResponses(s.out.Bytes()) == 1 })
	if r := responses(t, s.out.Bytes(), 1)[0]; r.StatusCode != 503 || !strings.Contains(bodyOf(r), "request body memory is exhausted") {
		t.Errorf("a chunked body over the bound: %d %q; want 503, body memory exhausted", r.StatusCode, bodyOf(r))
	}
}

// A client that leaves in the middle of a body its app is already reading
// is the client's doing, not an app fault: nothing is logged without -v,
// and with -v one line says the client went away (none says "gateway").
func TestClientGoneMidBodyLoggedOnlyWithVerbose(t *testing.T) {
	for _, verbose := range []bool{false, true} {
		t.Run(fmt.Sprintf("verbose=%v", verbose), func(t *testing.T) {
			// One worker: the GET after the upload runs only once the
			// upload's exchange, and anything it logs, is over.
			h := newHarness(t, Config{App: apps.Mux(0), Workers: 1, BodyBuffer: 16})
			h.l.cfg.Verbose = verbose
			up, us := h.dial()
			us.in = []byte("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n" + string(pattern(50)))
			us.eof = true
			h.run(5*time.Second, func() bool { return h.closed(up) })
			c, s := h.dial()
			s.in = []byte("GET /hello HTTP/1.1\r\nHost: x\r\n\r\n")
			h.run(5*time.Second, func() bool { return countResponses(s.out.Bytes()) == 1 && c.Phase() == Idle })
			gone := h.logs.Count("connection closed before the request body was complete")
			switch {
			case !verbose && gone+h.logs.Count("gateway") > 0:
				t.Errorf("logged a client that left without -v; want nothing:\n%s", h.logs)
			case verbose && h.logs.Count(up.remote+": loop: connection closed before the request body was complete") != 1:
				t.Errorf("want one line that says the client left:\n%s", h.logs)
			}
		})
	}
}

// Apps still see exactly the bytes the client sent, whether the body was
// read whole before the app ran or streamed after the buffer filled:
// /environ's wsgi.input_read counts them.
func TestEnvironCountsEveryBodyByte(t *testing.T) {
	modes(t, func(t *testing.T, workers int) {
		for _, buffer := range []int{7, 4096} {
			t.Run(fmt.Sprint("buffer-", buffer), func(t *testing.T) {
				h := newHarness(t, Config{App: apps.Mux(0), Workers: workers, BodyBuffer: buffer})
				c, s := h.dial()
				body := string(pattern(300))
				s.in = []byte(fmt.Sprintf("POST /environ HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n%s", len(body), body) +
					"POST /environ HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n64\r\n" + body[:100] + "\r\nc8\r\n" + body[100:] + "\r\n0\r\n\r\n")
				h.run(5*time.Second, func() bool { return countResponses(s.out.Bytes()) == 2 && c.Phase() == Idle })
				for i, r := range responses(t, s.out.Bytes(), 2) {
					if got := bodyOf(r); r.StatusCode != 200 || !strings.Contains(got, "\nwsgi.input_read=300\n") {
						t.Errorf("request %d: %d, dump without wsgi.input_read=300:\n%s", i, r.StatusCode, got)
					}
				}
			})
		}
	})
}
