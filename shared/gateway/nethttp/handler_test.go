package nethttp_test

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"lbws/shared/gateway"
	"lbws/shared/gateway/nethttp"
	"lbws/shared/http1"
	"lbws/shared/stage/stagetest"
)

// startServer serves app on 127.0.0.1:0 with a minimal blocking server
// (http1.Reader plus Server.Serve, one goroutine per connection) and
// returns its address and a function that counts the connections it
// accepted. Everything stops when the test ends.
func startServer(t *testing.T, app gateway.App) (string, func() int) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var logb stagetest.LogBuffer
	srv := &gateway.Server{App: app, Name: "127.0.0.1", Port: "0", Log: log.New(&logb, "", 0)}
	var wg sync.WaitGroup
	var mu sync.Mutex
	var conns []net.Conn
	t.Cleanup(func() {
		ln.Close()
		mu.Lock()
		for _, c := range conns {
			c.Close() // ends a ReadRequest waiting on an idle keep-alive connection
		}
		mu.Unlock()
		wg.Wait()
	})
	wg.Go(func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
			wg.Go(func() { serveConn(srv, c) })
		}
	})
	accepted := func() int {
		mu.Lock()
		defer mu.Unlock()
		return len(conns)
	}
	return ln.Addr().String(), accepted
}

// serveConn serves requests on c until it should close.
func serveConn(srv *gateway.Server, c net.Conn) {
	defer c.Close()
	r := http1.NewReader(c, http1.Limits{})
	for {
		req, err := r.ReadRequest()
		var herr *http1.Error
		if errors.As(err, &herr) {
			c.Write(http1.ErrorResponse(herr.Status, herr.Reason))
			return
		}
		if err != nil {
			return
		}
		res, err := srv.Serve(c, req, r.Body(), c.RemoteAddr().String())
		if err != nil || !res.KeepAlive {
			return
		}
	}
}

// testMux is a real net/http ServeMux with the behaviours FromHandler must
// carry over.
func testMux() *http.ServeMux {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /hi/{name}", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Name", r.PathValue("name"))
		fmt.Fprintf(w, "hi %s from %s via %s, q=%s", r.PathValue("name"), r.Host, r.Proto, r.URL.Query().Get("q"))
	})
	mux.HandleFunc("POST /echo", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", r.Header.Get("Content-Type"))
		w.Header().Set("X-Length", fmt.Sprint(r.ContentLength))
		io.Copy(w, r.Body)
	})
	mux.HandleFunc("/teapot", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Connection", "close") // hop-by-hop: must be dropped
		w.WriteHeader(http.StatusTeapot)
		w.WriteHeader(http.StatusOK) // ignored, as in net/http
		w.Write([]byte("<html>short and stout</html>"))
	})
	mux.HandleFunc("/empty", func(w http.ResponseWriter, r *http.Request) {})
	mux.HandleFunc("/panic", func(w http.ResponseWriter, r *http.Request) { panic("handler exploded") })
	return mux
}

func TestFromHandlerServeMux(t *testing.T) {
	app := nethttp.FromHandler(testMux())
	tests := []struct {
		raw, status, body string
		header            map[string]string
	}{
		{
			raw:    "GET /hi/gopher?q=go%21 HTTP/1.1\r\nHost: example.com\r\n\r\n",
			status: "200 OK", body: "hi gopher from example.com via HTTP/1.1, q=go!",
			header: map[string]string{"X-Name": "gopher", "Content-Type": "text/plain; charset=utf-8"},
		},
		{
			raw:    "POST /echo HTTP/1.1\r\nHost: h\r\nContent-Type: app/x\r\nContent-Length: 5\r\n\r\nhello",
			status: "200 OK", body: "hello",
			header: map[string]string{"Content-Type": "app/x", "X-Length": "5"},
		},
		{
			raw:    "POST /echo HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nhe\r\n3\r\nllo\r\n0\r\n\r\n",
			status: "200 OK", body: "hello",
			header: map[string]string{"X-Length": "-1"},
		},
		{
			raw:    "GET /teapot HTTP/1.1\r\nHost: h\r\n\r\n",
			status: "418 I'm a teapot", body: "<html>short and stout</html>",
			header: map[string]string{"Connection": "", "Content-Type": "text/html; charset=utf-8"},
		},
		{
			raw:    "GET /empty HTTP/1.1\r\nHost: h\r\n\r\n",
			status: "200 OK", body: "",
			header: map[string]string{"Content-Length": "0"},
		},
		{
			raw:    "DELETE /echo HTTP/1.1\r\nHost: h\r\n\r\n",
			status: "405 Method Not Allowed", body: "Method Not Allowed\n",
			header: map[string]string{"Allow": "POST"},
		},
		{
			raw:    "GET /panic HTTP/1.1\r\nHost: h\r\n\r\n",
			status: "500 Internal Server Error", body: "500 Internal Server Error\n",
		},
	}
	for _, tt := range tests {
		s := serve(t, app, tt.raw)
		resp, err := http.ReadResponse(bufio.NewReader(strings.NewReader(s.out)), nil)
		if err != nil {
			t.Errorf("%q: response %q does not parse: %v", tt.raw, s.out, err)
			continue
		}
		body, _ := io.ReadAll(resp.Body)
		if resp.Status != tt.status || string(body) != tt.body {
			t.Errorf("%q: got %q %q, want %q %q", tt.raw, resp.Status, body, tt.status, tt.body)
		}
		for k, v := range tt.header {
			if got := resp.Header.Get(k); got != v {
				t.Errorf("%q: header %s = %q, want %q", tt.raw, k, got, v)
			}
		}
	}
}

func TestFromHandlerOnRealServer(t *testing.T) {
	addr, accepted := startServer(t, nethttp.FromHandler(testMux()))
	client := &http.Client{Transport: &http.Transport{}}
	defer client.CloseIdleConnections()
	for i := range 3 { // one keep-alive connection, several requests
		resp, err := client.Post("http://"+addr+"/echo", "text/plain", strings.NewReader(fmt.Sprint("n=", i)))
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || string(body) != fmt.Sprint("n=", i) {
			t.Errorf("request %d: %d %q", i, resp.StatusCode, body)
		}
	}
	resp, err := client.Get("http://" + addr + "/hi/there")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if want := "hi there from " + addr + " via HTTP/1.1, q="; string(body) != want {
		t.Errorf("got %q, want %q", body, want)
	}
	if n := accepted(); n != 1 {
		t.Errorf("%d connections for 4 requests, want 1 kept alive", n)
	}
}

// envApp answers with a few Environ values, one per line.
func envApp(env *gateway.Environ, start gateway.StartResponse) gateway.Body {
	in, _ := io.ReadAll(env.Input)
	lines := []string{
		env.RequestMethod, env.PathInfo, env.QueryString, env.ContentType, env.ContentLength,
		env.ServerProtocol, env.RemoteAddr, env.Get("HTTP_HOST"), env.Get("HTTP_X_MULTI"),
		env.URLScheme, string(in),
	}
	start("200 OK", []gateway.Header{{Name: "Content-Type", Value: "text/plain"}, {Name: "X-App", Value: "yes"}}, nil)
	return gateway.Bytes([]byte(strings.Join(lines, "\n")))
}

func TestToHandlerEnviron(t *testing.T) {
	ts := httptest.NewServer(nethttp.ToHandler(envApp))
	defer ts.Close()
	req, _ := http.NewRequest("PUT", ts.URL+"/a%20b?x=%20", strings.NewReader("payload"))
	req.Header.Set("Content-Type", "text/x")
	req.Header.Add("X-Multi", "1")
	req.Header.Add("X-Multi", "2")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	host := strings.TrimPrefix(ts.URL, "http://")
	want := []string{"PUT", "/a b", "x=%20", "text/x", "7", "HTTP/1.1", "127.0.0.1", host, "1, 2", "http", "payload"}
	if diff := cmp.Diff(want, strings.Split(string(body), "\n")); diff != "" {
		t.Errorf("environ through net/http (-want +got):\n%s", diff)
	}
	if resp.Header.Get("X-App") != "yes" || resp.ContentLength != int64(len(body)) {
		t.Errorf("header %v, ContentLength %d; want X-App and the one chunk's length", resp.Header, resp.ContentLength)
	}
}

func TestToHandlerFaults(t *testing.T) {
	var logb stagetest.LogBuffer
	srv := &gateway.Server{App: func(env *gateway.Environ, start gateway.StartResponse) gateway.Body {
		switch env.PathInfo {
		case "/panic":
			panic("kaboom")
		case "/hop":
			start("200 OK", []gateway.Header{{Name: "Connection", Value: "close"}}, nil)
			return nil
		case "/write":
			write, _ := start("200 OK", nil, nil)
			write([]byte("legacy;"))
			return gateway.Bytes([]byte("body"))
		case "/twice":
			start("200 OK", nil, nil)
			start("200 OK", nil, nil)
			return nil
		case "/nostart":
			return nil
		case "/stream":
			start("200 OK", nil, nil)
			return gateway.Bytes([]byte("a"), []byte("b"), []byte("c"))
		}
		start("204 No Content", nil, nil)
		return nil
	}, Log: log.New(&logb, "", 0)}
	ts := httptest.NewServer(nethttp.Handler(srv))
	defer ts.Close()
	for _, tt := range []struct {
		path   string
		status int
		body   string
		chunk  bool
	}{
		{"/panic", 500, "500 Internal Server Error\n", false},
		{"/hop", 500, "500 Internal Server Error\n", false},
		{"/stream", 200, "abc", true},
		{"/write", 200, "legacy;body", true},
		{"/twice", 500, "500 Internal Server Error\n", false},
		{"/nostart", 500, "500 Internal Server Error\n", false},
		{"/none", 204, "", false},
	} {
		resp, err := http.Get(ts.URL + tt.path)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		chunked := len(resp.TransferEncoding) > 0
		if resp.StatusCode != tt.status || string(body) != tt.body || chunked != tt.chunk {
			t.Errorf("%s: %d %q chunked=%v, want %d %q chunked=%v", tt.path, resp.StatusCode, body, chunked, tt.status, tt.body, tt.chunk)
		}
	}
	got := logb.String()
	for _, want := range []string{"kaboom", "hop-by-hop", "called twice", "without calling start_response"} {
		if !strings.Contains(got, want) {
			t.Errorf("log %q, want a line with %q", got, want)
		}
	}
	if logLines(got) != 4 {
		t.Errorf("log has %d lines, want 4:\n%s", logLines(got), got)
	}
}

// TestRoundTrip runs a ServeMux as an App, served by net/http again.
func TestRoundTrip(t *testing.T) {
	ts := httptest.NewServer(nethttp.ToHandler(nethttp.FromHandler(testMux())))
	defer ts.Close()
	resp, err := http.Post(ts.URL+"/echo", "a/b", strings.NewReader("round trip"))
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if string(body) != "round trip" || resp.Header.Get("Content-Type") != "a/b" {
		t.Errorf("got %q, %v", body, resp.Header)
	}
}

// notifyWriter closes seen once the bytes written to it contain want.
type notifyWriter struct {
	bytes.Buffer
	want string        // what to wait for
	seen chan struct{} // closed when want was written
}

// Write buffers p and checks for want.
func (w *notifyWriter) Write(p []byte) (int, error) {
	n, err := w.Buffer.Write(p)
	if w.seen != nil && strings.Contains(w.String(), w.want) {
		close(w.seen)
		w.seen = nil
	}
	return n, err
}

func TestFromHandlerStreams(t *testing.T) {
	proceed := make(chan struct{})
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "first;")
		w.(http.Flusher).Flush()
		select {
		case <-proceed:
		case <-time.After(5 * time.Second):
			io.WriteString(w, "first chunk never reached the client;")
		}
		io.WriteString(w, "second")
	})
	out := &notifyWriter{want: "first;", seen: proceed}
	s := serveTo(t, nethttp.FromHandler(h), get, out)
	if s.err != nil {
		t.Fatal(s.err)
	}
	resp, err := http.ReadResponse(bufio.NewReader(out), nil)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	if string(body) != "first;second" || len(resp.TransferEncoding) == 0 {
		t.Errorf("body %q, Transfer-Encoding %v; want %q chunked", body, resp.TransferEncoding, "first;second")
	}
}

func TestFromHandlerLargeWrite(t *testing.T) {
	big := strings.Repeat("x", 100_000)
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, big) })
	s := serve(t, nethttp.FromHandler(h), get)
	resp, err := http.ReadResponse(bufio.NewReader(strings.NewReader(s.out)), nil)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	if string(body) != big {
		t.Errorf("got %d bytes, want %d", len(body), len(big))
	}
}

func TestFromHandlerStopsWhenClientGoes(t *testing.T) {
	ended := make(chan struct{})
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer close(ended)
		for i := 0; i < 1000; i++ {
			if _, err := io.WriteString(w, "tick\n"); err != nil {
				return
			}
			w.(http.Flusher).Flush()
			if r.Context().Err() != nil {
				return
			}
		}
	})
	s := serveTo(t, nethttp.FromHandler(h), get, failWriter{})
	if s.err == nil || s.res.KeepAlive {
		t.Errorf("Serve = %+v, %v; want the write error", s.res, s.err)
	}
	select {
	case <-ended:
	default:
		t.Error("the handler was still running when Serve returned")
	}
	if s.log != "" {
		t.Errorf("log %q: a client going away is not the handler's fault", s.log)
	}
}

func TestFromHandlerPanicAfterFlush(t *testing.T) {
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "partial")
		w.(http.Flusher).Flush()
		panic("late failure")
	})
	s := serve(t, nethttp.FromHandler(h), get)
	if s.err == nil || s.res.KeepAlive || !strings.Contains(s.log, "late failure") {
		t.Errorf("Serve = %+v, %v, log %q; want an aborted response and the panic logged", s.res, s.err, s.log)
	}
}
