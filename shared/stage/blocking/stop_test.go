package blocking_test

import (
	"bufio"
	"io"
	"net"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"lbws/shared/apps"
	"lbws/shared/gateway"
	"lbws/shared/sock"
	"lbws/shared/stage/blocking"
)

// pair returns a server-side Conn and the client connected to it.
func pair(t *testing.T) (*blocking.Conn, net.Conn) {
	t.Helper()
	lfd, err := sock.Listen("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ln := sock.NewListener(lfd)
	defer ln.Close()
	addr, _ := sock.LocalAddr(lfd)
	client, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	client.SetDeadline(time.Now().Add(10 * time.Second))
	t.Cleanup(func() { client.Close() })
	sc, err := ln.Accept()
	if err != nil {
		t.Fatal(err)
	}
	c := blocking.NewConn(sc)
	t.Cleanup(func() { c.Close() })
	return c, client
}

// A request that reached the kernel before Stop, but that the server has
// not read yet (0 bytes read: it looks idle), is either not run at all
// or run and answered. Before, Stop shut the connection down both ways:
// the app ran, and its response met EPIPE.
func TestStopWithRequestQueuedInKernel(t *testing.T) {
	var ran atomic.Bool
	hello := apps.Hello(0)
	srv := &blocking.Server{
		Gateway: gateway.Server{Name: "127.0.0.1", Port: "0", App: func(env *gateway.Environ, start gateway.StartResponse) gateway.Body {
			ran.Store(true)
			return hello(env, start)
		}},
		HeaderTimeout: 5 * time.Second,
		WriteTimeout:  5 * time.Second,
	}
	c, client := pair(t)
	io.WriteString(client, "GET /hello HTTP/1.1\r\nHost: a\r\n\r\n")
	time.Sleep(50 * time.Millisecond) // in the server's receive queue
	c.Stop()
	srv.ServeConn(c)
	c.Close()
	resp, err := http.ReadResponse(bufio.NewReader(client), nil)
	if !ran.Load() {
		if err == nil {
			t.Fatalf("the app did not run, yet the client got %d", resp.StatusCode)
		}
		return // not run, and the client sees a close: allowed
	}
	if err != nil {
		t.Fatalf("the app ran, but the client got no response: %v", err)
	}
	body, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != 200 || string(body) != "Hello World" {
		t.Fatalf("the app ran; the client got %d %q, %v", resp.StatusCode, body, err)
	}
	if !resp.Close {
		t.Error("a response after Stop without Connection: close")
	}
}

// Stop ends a connection whose client has sent nothing at once, without
// waiting for the header timeout, and sends it nothing.
func TestStopEndsAnIdleConnection(t *testing.T) {
	srv := &blocking.Server{
		Gateway:       gateway.Server{Name: "127.0.0.1", Port: "0", App: apps.Mux(0)},
		HeaderTimeout: time.Hour,
	}
	c, client := pair(t)
	done := make(chan struct{})
	go func() { srv.ServeConn(c); c.Close(); close(done) }()
	time.Sleep(50 * time.Millisecond)
	c.Stop()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("ServeConn still waiting 5s after Stop on an idle connection")
	}
	if all, err := io.ReadAll(client); err != nil || len(all) != 0 {
		t.Errorf("idle client read %q, %v; want a plain close", all, err)
	}
}

// A Stop that comes while the app runs, on a kept-alive connection, is
// announced in the response, "Connection: close", and the connection
// then closes (RFC 9112 9.6). Before, the response promised keep-alive
// and the server closed after it: the client's next request on the
// connection failed.
func TestStopDuringAppSaysClose(t *testing.T) {
	entered, release := make(chan struct{}), make(chan struct{})
	hello := apps.Hello(0)
	srv := &blocking.Server{
		Gateway: gateway.Server{Name: "127.0.0.1", Port: "0", App: func(env *gateway.Environ, start gateway.StartResponse) gateway.Body {
			entered <- struct{}{}
			<-release
			return hello(env, start)
		}},
		KeepAlive:     true,
		HeaderTimeout: 5 * time.Second,
		WriteTimeout:  5 * time.Second,
	}
	c, client := pair(t)
	done := make(chan struct{})
	go func() { srv.ServeConn(c); c.Close(); close(done) }()
	br := bufio.NewReader(client)
	inApp := func() {
		t.Helper()
		select {
		case <-entered:
		case <-time.After(10 * time.Second):
			t.Fatal("the app did not run within 10 s of the request")
		}
	}
	for i, stop := range []bool{false, true} {
		io.WriteString(client, "GET /hello HTTP/1.1\r\nHost: a\r\n\r\n")
		inApp()
		if stop {
			c.Stop()
		}
		release <- struct{}{}
		resp, err := http.ReadResponse(br, nil)
		if err != nil {
			t.Fatalf("request %d: %v", i+1, err)
		}
		body, err := io.ReadAll(resp.Body)
		if err != nil || resp.StatusCode != 200 || string(body) != "Hello World" {
			t.Fatalf("request %d: %d %q, %v; want 200 Hello World", i+1, resp.StatusCode, body, err)
		}
		if resp.Close != stop {
			t.Errorf("request %d, Stop while in the app %v: the response says close %v; want %v", i+1, stop, resp.Close, stop)
		}
	}
	if rest, err := io.ReadAll(br); err != nil || len(rest) != 0 {
		t.Errorf("after the response to the stopped request: %q, %v; want the close", rest, err)
	}
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("ServeConn still running 10 s after the stopped request was answered")
	}
}
