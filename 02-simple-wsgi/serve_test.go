package main

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"lbws/shared/apps"
	"lbws/shared/conformance"
	"lbws/shared/gateway"
	"lbws/shared/gateway/nethttp"
)

const getHello = "GET /hello HTTP/1.1\r\nHost: test\r\n\r\n"

func TestHelloOverRawTCP(t *testing.T) {
	ts := start(t, config{App: apps.Mux(0)})
	resp, body := ts.exchange(t, getHello)
	wantStatus(t, resp, 200)
	if body != "Hello World" {
		t.Errorf("body %q; want Hello World", body)
	}
	if resp.Header.Get("Date") == "" {
		t.Error("no Date header")
	}
}

func TestKeepAliveRequestStillCloses(t *testing.T) {
	ts := start(t, config{App: apps.Mux(0)})
	for _, raw := range []string{
		"GET /hello HTTP/1.1\r\nHost: test\r\nConnection: keep-alive\r\n\r\n",
		"GET /hello HTTP/1.0\r\nConnection: keep-alive\r\n\r\n",
		"GET /hello HTTP/1.0\r\n\r\n",
	} {
		resp, body := ts.exchange(t, raw) // fails if the server does not close
		if resp.StatusCode != 200 || body != "Hello World" {
			t.Errorf("%q: %d %q", raw, resp.StatusCode, body)
		}
		if resp.Header.Get("Connection") == "keep-alive" {
			t.Errorf("%q: the response promises keep-alive", raw)
		}
	}
}

func TestRequestSplitAcrossManyWrites(t *testing.T) {
	ts := start(t, config{App: apps.Mux(0)})
	c := ts.Dial(t)
	c.SetNoDelay(true)
	raw := "POST /echo HTTP/1.1\r\nHost: test\r\nContent-Type: text/plain\r\nContent-Length: 11\r\n\r\nhello world"
	for i := 0; i < len(raw); i++ {
		if _, err := c.Write([]byte{raw[i]}); err != nil {
			t.Fatal(err)
		}
		time.Sleep(time.Millisecond)
	}
	resp, body := readResponse(t, c, raw)
	wantStatus(t, resp, 200)
	if body != "hello world" {
		t.Errorf("body %q; want hello world", body)
	}
}

func TestEchoContentLength(t *testing.T) {
	ts := start(t, config{App: apps.Mux(0)})
	payload := strings.Repeat("0123456789", 10000) // 100 KB: far more than one recv(1024)
	resp, body := ts.exchange(t, fmt.Sprintf("POST /echo HTTP/1.1\r\nHost: test\r\nContent-Length: %d\r\n\r\n%s", len(payload), payload))
	wantStatus(t, resp, 200)
	if body != payload {
		t.Errorf("echoed %d bytes; want the %d sent", len(body), len(payload))
	}
}

func TestEchoChunked(t *testing.T) {
	ts := start(t, config{App: apps.Mux(0)})
	raw := "POST /echo HTTP/1.1\r\nHost: test\r\nTransfer-Encoding: chunked\r\n\r\n" +
		"5\r\nhello\r\n1;ext=1\r\n \r\n5\r\nworld\r\n0\r\nTrailer-Field: x\r\n\r\n"
	resp, body := ts.exchange(t, raw)
	wantStatus(t, resp, 200)
	if body != "hello world" {
		t.Errorf("body %q; want hello world", body)
	}
}

func TestExpectContinue(t *testing.T) {
	ts := start(t, config{App: apps.Mux(0)})
	c := ts.Dial(t)
	io.WriteString(c, "POST /echo HTTP/1.1\r\nHost: test\r\nExpect: 100-continue\r\nContent-Length: 4\r\n\r\n")
	interim := make([]byte, len("HTTP/1.1 100 Continue\r\n\r\n"))
	if _, err := io.ReadFull(c, interim); err != nil || string(interim) != "HTTP/1.1 100 Continue\r\n\r\n" {
		t.Fatalf("before the body: %q, %v; want 100 Continue", interim, err)
	}
	io.WriteString(c, "ping")
	resp, body := readResponse(t, c, "ping")
	wantStatus(t, resp, 200)
	if body != "ping" {
		t.Errorf("body %q; want ping", body)
	}
}

func TestBadRequests(t *testing.T) {
	ts := start(t, config{App: apps.Mux(0)})
	for _, tc := range []struct {
		raw  string
		code int
	}{
		{"GARBAGE\r\n\r\n", 400},
		{"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03", 400}, // a TLS ClientHello
		{"GET /hello HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n", 400},
		{"GET /hello HTTP/2.0\r\nHost: a\r\n\r\n", 505},
		{"GET /" + strings.Repeat("a", 9000) + " HTTP/1.1\r\nHost: a\r\n\r\n", 414},
	} {
		resp, _ := ts.exchange(t, tc.raw)
		if resp.StatusCode != tc.code || !resp.Close {
			t.Errorf("%.40q: %d (close %v); want %d and Connection: close", tc.raw, resp.StatusCode, resp.Close, tc.code)
		}
	}
	// The server is still there.
	resp, _ := ts.exchange(t, getHello)
	wantStatus(t, resp, 200)
}

func TestSilentClientGets408(t *testing.T) {
	ts := start(t, config{App: apps.Mux(0), HeaderTimeout: 200 * time.Millisecond})
	c := ts.Dial(t)
	resp, _ := readResponse(t, c, "")
	wantStatus(t, resp, 408)
	// The line ends "(0 bytes received): 408"; a bare "408" would also
	// match a port number such as 42408 in the client's address.
	if n := ts.Logs.Count("bytes received): 408\n"); n != 1 {
		t.Errorf("408 logged %d times; want once:\n%s", n, ts.Logs)
	}
}

func TestSlowHeadGets408(t *testing.T) {
	ts := start(t, config{App: apps.Mux(0), HeaderTimeout: 300 * time.Millisecond})
	c := ts.Dial(t)
	// A slowloris: a byte every 50 ms never completes the head in time,
	// although no single read waits longer than the timeout.
	go func() {
		for _, b := range []byte("GET /hello HTTP/1.1\r\nHost: slow\r\n") {
			if _, err := c.Write([]byte{b}); err != nil {
				return
			}
			time.Sleep(50 * time.Millisecond)
		}
	}()
	resp, _ := readResponse(t, c, "a byte every 50ms")
	wantStatus(t, resp, 408)
}

func TestSilentClientDoesNotHoldTheServer(t *testing.T) {
	ts := start(t, config{App: apps.Mux(0), HeaderTimeout: 300 * time.Millisecond})
	silent := ts.Dial(t) // connects first, sends nothing, never closes
	time.Sleep(20 * time.Millisecond)
	resp, body := ts.exchange(t, getHello)
	wantStatus(t, resp, 200)
	if body != "Hello World" {
		t.Errorf("body %q", body)
	}
	// The silent client was given up on with a 408, not served after.
	resp, _ = readResponse(t, silent, "")
	wantStatus(t, resp, 408)
}

func TestStalledBodyDoesNotHoldTheServer(t *testing.T) {
	ts := start(t, config{App: apps.Mux(0), BodyTimeout: 300 * time.Millisecond})
	stalled := ts.Dial(t)
	io.WriteString(stalled, "POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: 100\r\n\r\nonly a part")
	time.Sleep(20 * time.Millisecond)
	resp, _ := ts.exchange(t, getHello)
	wantStatus(t, resp, 200)
	// The echo began before the body stalled, so the client may see a
	// 200 head; what it must not see is a complete response.
	all, _ := io.ReadAll(stalled)
	resp, err := http.ReadResponse(bufio.NewReader(bytes.NewReader(all)), nil)
	if err == nil {
		_, err = io.ReadAll(resp.Body)
	}
	if err == nil && resp.StatusCode == 200 {
		t.Errorf("a body that never arrived got a complete 200: %q", all)
	}
}

func TestClientThatDoesNotReadDoesNotHoldTheServer(t *testing.T) {
	big := bytes.Repeat([]byte("x"), 64<<20) // far more than the socket buffers
	app := func(env *gateway.Environ, start gateway.StartResponse) gateway.Body {
		if env.PathInfo == "/big" {
			start("200 OK", []gateway.Header{{Name: "Content-Length", Value: fmt.Sprint(len(big))}}, nil)
			return gateway.Bytes(big)
		}
		return apps.Mux(0)(env, start)
	}
	ts := start(t, config{App: app, WriteTimeout: 300 * time.Millisecond})
	lazy := ts.Dial(t)
	lazy.SetReadBuffer(4096)
	io.WriteString(lazy, "GET /big HTTP/1.1\r\nHost: a\r\n\r\n") // and never read
	time.Sleep(20 * time.Millisecond)
	resp, _ := ts.exchange(t, getHello)
	wantStatus(t, resp, 200)
	if !strings.Contains(ts.Logs.String(), "GET /big 200") || !strings.Contains(ts.Logs.String(), "timeout") {
		t.Errorf("the abandoned response left no log line with a timeout:\n%s", ts.Logs)
	}
}

func TestPanicIs500AndNextRequestIsServed(t *testing.T) {
	app := func(env *gateway.Environ, start gateway.StartResponse) gateway.Body {
		if env.PathInfo == "/panic" {
			panic("the app broke")
		}
		return apps.Mux(0)(env, start)
	}
	ts := start(t, config{App: app})
	resp, _ := ts.exchange(t, "GET /panic HTTP/1.1\r\nHost: a\r\n\r\n")
	wantStatus(t, resp, 500)
	resp, body := ts.exchange(t, getHello)
	wantStatus(t, resp, 200)
	if body != "Hello World" {
		t.Errorf("after the panic: body %q", body)
	}
	if !strings.Contains(ts.Logs.String(), "the app broke") {
		t.Errorf("the panic was not logged:\n%s", ts.Logs)
	}
}

// !+servemux

// The article's point: one server, any framework. A net/http ServeMux is
// served by 02 through nethttp.FromHandler.
func TestServeMuxThroughFromHandler(t *testing.T) {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /greet/{name}", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		fmt.Fprintf(w, "hello, %s (q=%s)", r.PathValue("name"), r.URL.Query().Get("q"))
	})
	mux.HandleFunc("POST /upper", func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		w.WriteHeader(http.StatusCreated)
		w.Write(bytes.ToUpper(b))
	})
	ts := start(t, config{App: nethttp.FromHandler(mux)})

	resp, body := ts.exchange(t, "GET /greet/gopher?q=1 HTTP/1.1\r\nHost: a\r\n\r\n")
	wantStatus(t, resp, 200)
	if body != "hello, gopher (q=1)" || resp.Header.Get("Content-Type") != "text/plain" {
		t.Errorf("GET /greet/gopher: %q, Content-Type %q", body, resp.Header.Get("Content-Type"))
	}
	resp, body = ts.exchange(t, "POST /upper HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nshout")
	wantStatus(t, resp, 201)
	if body != "SHOUT" {
		t.Errorf("POST /upper: %q", body)
	}
	resp, _ = ts.exchange(t, "GET /nothing HTTP/1.1\r\nHost: a\r\n\r\n")
	wantStatus(t, resp, 404)
}

// !-servemux

func TestStopFinishesRequestInProgress(t *testing.T) {
	entered := make(chan struct{}, 1)
	hello := apps.Hello(300 * time.Millisecond)
	app := func(env *gateway.Environ, start gateway.StartResponse) gateway.Body {
		entered <- struct{}{}
		return hello(env, start)
	}
	ts := start(t, config{App: app})
	c := ts.Dial(t)
	io.WriteString(c, getHello)
	<-entered
	stopped := make(chan struct{})
	go func() { ts.Stop(t); close(stopped) }()
	resp, body := readResponse(t, c, getHello)
	wantStatus(t, resp, 200)
	if body != "Hello World" {
		t.Errorf("request in progress at stop: body %q", body)
	}
	<-stopped
	if c, err := net.DialTimeout("tcp", ts.Addr, time.Second); err == nil {
		c.Close()
		t.Fatal("dial after stop succeeded; the listener is still open")
	}
}

func TestStopDoesNotWaitForAnIdleClient(t *testing.T) {
	ts := start(t, config{App: apps.Mux(0), HeaderTimeout: time.Hour})
	c := ts.Dial(t)
	time.Sleep(50 * time.Millisecond) // accepted, waiting for a head that never comes
	ts.Stop(t)                        // fails the test if serve takes 10s
	if all, err := io.ReadAll(c); err != nil || len(all) != 0 {
		t.Errorf("idle client at stop read %q, %v; want a plain close", all, err)
	}
}

func TestNoLeaks(t *testing.T) {
	conformance.NoLeaks(t) // checked after every cleanup below
	for i := 0; i < 3; i++ {
		ts := start(t, config{App: apps.Mux(0)})
		for _, raw := range []string{getHello, "GARBAGE\r\n\r\n", "POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: 2\r\n\r\nhi"} {
			ts.exchange(t, raw)
		}
		idle := ts.Dial(t)
		ts.Stop(t)
		idle.Close()
	}
}
