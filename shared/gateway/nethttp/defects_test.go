package nethttp_test

import (
	"bufio"
	"bytes"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"lbws/shared/gateway"
	"lbws/shared/gateway/nethttp"
)

// clList is a request whose Content-Length is the list form "5, 5", which
// the parser accepts as 5 (RFC 9110 8.6).
const clList = "POST /echo HTTP/1.1\r\nHost: h\r\nContent-Type: text/plain\r\nContent-Length: 5, 5\r\n\r\nhello"

// FromHandler gives the handler the body of a list-form request.
func TestFromHandlerContentLengthList(t *testing.T) {
	s := serve(t, nethttp.FromHandler(testMux()), clList)
	resp, err := http.ReadResponse(bufio.NewReader(strings.NewReader(s.out)), nil)
	if err != nil {
		t.Fatalf("response %q: %v", s.out, err)
	}
	body, _ := io.ReadAll(resp.Body)
	if string(body) != "hello" || resp.Header.Get("X-Length") != "5" {
		t.Errorf("body %q, X-Length %q; want %q and 5", body, resp.Header.Get("X-Length"), "hello")
	}
}

// FromHandler runs the handler in the App call: when the App returns, the
// handler has returned (no goroutine outlives it or waits for the Body).
func TestFromHandlerRunsInTheAppCall(t *testing.T) {
	returned := false
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "x")
		returned = true
	})
	var logb bytes.Buffer
	x := newServer(nethttp.FromHandler(h), &logb).Start(parseReq(t, get), nil, "127.0.0.1:1", gateway.ExchangeOptions{})
	ran := returned
	x.Release()
	if !ran {
		t.Error("the handler had not returned when Start (the App call) did")
	}
}

// Over a real socket, what a handler flushes reaches the client while the
// handler is still running.
func TestFromHandlerFlushReachesSocket(t *testing.T) {
	proceed := make(chan struct{})
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "first;")
		w.(http.Flusher).Flush()
		select {
		case <-proceed:
			io.WriteString(w, "second")
		case <-time.After(5 * time.Second):
			io.WriteString(w, "the client never saw the first chunk")
		}
	})
	addr, _ := startServer(t, nethttp.FromHandler(h))
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(10 * time.Second))
	io.WriteString(c, "GET / HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n")
	var got []byte
	buf := make([]byte, 4096)
	for !bytes.Contains(got, []byte("first;")) {
		n, err := c.Read(buf)
		got = append(got, buf[:n]...)
		if err != nil {
			t.Fatalf("before the first chunk arrived: %v (got %q)", err, got)
		}
	}
	close(proceed)
	rest, _ := io.ReadAll(c)
	resp, err := http.ReadResponse(bufio.NewReader(io.MultiReader(bytes.NewReader(got), bytes.NewReader(rest))), nil)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	if string(body) != "first;second" {
		t.Errorf("body %q, want %q", body, "first;second")
	}
}
