package gateway_test

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"lbws/shared/apps"
	"lbws/shared/gateway"
)

// clList is a request whose Content-Length is the list form "5, 5", which
// the parser accepts as 5 (RFC 9110 8.6).
const clList = "POST /echo HTTP/1.1\r\nHost: h\r\nContent-Type: text/plain\r\nContent-Length: 5, 5\r\n\r\nhello"

// CONTENT_LENGTH is the parsed length, not the field's text: the app sees
// "5" for "Content-Length: 5, 5".
func TestEnvironContentLengthIsParsed(t *testing.T) {
	var got string
	app := func(env *gateway.Environ, start gateway.StartResponse) gateway.Body {
		got = env.ContentLength
		start("204 No Content", nil, nil)
		return nil
	}
	serve(t, app, clList)
	if got != "5" {
		t.Errorf("CONTENT_LENGTH %q, want \"5\"", got)
	}
}

// Echo, which passes CONTENT_LENGTH on as its Content-Length, answers the
// list form with the body.
func TestEchoContentLengthList(t *testing.T) {
	s := serve(t, apps.Echo, clList)
	if s.err != nil || !strings.HasPrefix(s.out, "HTTP/1.1 200 OK\r\n") || !strings.HasSuffix(s.out, "\r\n\r\nhello") {
		t.Errorf("got %q, %v; want 200 with the body", s.out, s.err)
	}
}

// FromHandler gives the handler the body of a list-form request.
func TestFromHandlerContentLengthList(t *testing.T) {
	s := serve(t, gateway.FromHandler(testMux()), clList)
	resp, err := http.ReadResponse(bufio.NewReader(strings.NewReader(s.out)), nil)
	if err != nil {
		t.Fatalf("response %q: %v", s.out, err)
	}
	body, _ := io.ReadAll(resp.Body)
	if string(body) != "hello" || resp.Header.Get("X-Length") != "5" {
		t.Errorf("body %q, X-Length %q; want %q and 5", body, resp.Header.Get("X-Length"), "hello")
	}
}

// PEP 3333: once a non-empty chunk was yielded the headers count as sent,
// even though the gateway held the chunk back to compute a Content-Length.
// start_response with exc_info then fails, and the abandoned chunk is not
// sent in front of an error page.
func TestServeExcInfoAfterHeldChunk(t *testing.T) {
	var late error
	var start gateway.StartResponse
	body := &chunks{list: []string{"abandoned", "error page"}}
	body.before = func(i int) {
		if i == 1 {
			_, late = start("500 Oops", nil, errors.New("failed after a chunk"))
		}
	}
	app := func(env *gateway.Environ, s gateway.StartResponse) gateway.Body {
		start = s
		s("200 OK", textPlain, nil)
		return body
	}
	s := serve(t, app, get)
	if !errors.Is(late, gateway.ErrStartLate) {
		t.Errorf("start with exc_info after a chunk returned %v, want ErrStartLate", late)
	}
	if strings.Contains(s.out, "abandoned") || s.out != internalError {
		t.Errorf("response %q, want the gateway's 500 without the abandoned chunk", s.out)
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
	x := newServer(gateway.FromHandler(h), &logb).Start(parseReq(t, get), nil, "127.0.0.1:1", gateway.ExchangeOptions{})
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
	addr, _ := startServer(t, gateway.FromHandler(h))
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
