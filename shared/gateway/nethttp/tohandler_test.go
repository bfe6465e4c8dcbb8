package nethttp_test

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"lbws/shared/gateway"
	"lbws/shared/gateway/nethttp"
	"lbws/shared/stage/stagetest"
)

// rawClient sends raw bytes to addr and reads the responses.
type rawClient struct {
	c net.Conn      // the connection
	r *bufio.Reader // its responses
}

// dialRaw connects to addr and sends raw.
func dialRaw(t *testing.T, addr, raw string) *rawClient {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	c.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := io.WriteString(c, raw); err != nil {
		t.Fatal(err)
	}
	return &rawClient{c: c, r: bufio.NewReader(c)}
}

// read reads one response and its body.
func (rc *rawClient) read(t *testing.T, method string) (*http.Response, string) {
	t.Helper()
	resp, err := http.ReadResponse(rc.r, &http.Request{Method: method})
	if err != nil {
		t.Fatalf("reading the response: %v", err)
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		t.Fatalf("reading the body: %v", err)
	}
	return resp, string(body)
}

// echoApp answers /echo with the request body and anything else with
// PATH_INFO, without reading the body.
func echoApp(env *gateway.Environ, start gateway.StartResponse) gateway.Body {
	start("200 OK", textPlain, nil)
	if env.PathInfo == "/echo" {
		return gateway.FromReader(env.Input, 0)
	}
	return gateway.Bytes([]byte(env.PathInfo))
}

// startToHandler serves app with net/http through ToHandler.
func startToHandler(t *testing.T, app gateway.App) (string, *stagetest.LogBuffer) {
	t.Helper()
	var logb stagetest.LogBuffer
	ts := httptest.NewServer(nethttp.Handler(&gateway.Server{App: app, Log: log.New(&logb, "", 0)}))
	t.Cleanup(ts.Close)
	return ts.Listener.Addr().String(), &logb
}

// A malformed chunked body reaches ToHandler as a plain read error from
// net/http; it is answered 400 with Connection: close, as under Serve,
// not 500.
func TestToHandlerBadChunkedBody(t *testing.T) {
	addr, logb := startToHandler(t, echoApp)
	rc := dialRaw(t, addr, "POST /echo HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\nzz\r\n")
	resp, body := rc.read(t, "POST")
	if resp.StatusCode != 400 || !resp.Close {
		t.Errorf("got %d (close %v) %q, want 400 with Connection: close", resp.StatusCode, resp.Close, body)
	}
	if logb.String() != "" {
		t.Errorf("log %q: a bad body is the client's fault", logb.String())
	}
}

// Request-targets net/http accepts but the shared parser refuses are
// refused by ToHandler too, before the app sees them.
func TestToHandlerRefusesTargets(t *testing.T) {
	addr, _ := startToHandler(t, echoApp)
	for _, target := range []string{"/hello#x", "http://user:pw@h/hello", "http:///hello", "*"} {
		rc := dialRaw(t, addr, "GET "+target+" HTTP/1.1\r\nHost: h\r\n\r\n")
		resp, body := rc.read(t, "GET")
		if resp.StatusCode != 400 {
			t.Errorf("GET %s: got %d %q, want 400", target, resp.StatusCode, body)
		}
	}
}

// A body the app did not read does not cost the client its connection:
// ToHandler reads it (up to net/http's 256 KiB) so that net/http, in full
// duplex mode, keeps the connection for the next request.
func TestToHandlerUnreadBodyKeepsConnection(t *testing.T) {
	addr, _ := startToHandler(t, echoApp)
	rc := dialRaw(t, addr, "POST /first HTTP/1.1\r\nHost: h\r\nContent-Length: 10\r\n\r\n0123456789"+
		"GET /second HTTP/1.1\r\nHost: h\r\n\r\n")
	if resp, body := rc.read(t, "POST"); resp.StatusCode != 200 || body != "/first" || resp.Close {
		t.Fatalf("first: %d %q close %v", resp.StatusCode, body, resp.Close)
	}
	resp, err := http.ReadResponse(rc.r, &http.Request{Method: "GET"})
	if err != nil {
		t.Fatalf("second request not answered: %v", err)
	}
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 || !strings.Contains(string(body), "/second") {
		t.Errorf("second: %d %q", resp.StatusCode, body)
	}
}

// A body the app did not read is dealt with inside the handler, however
// large: one that ends within net/http's 256 KiB keeps the connection for
// the next request, a longer one ends the connection cleanly after the
// response. Before, ToHandler read 256 KiB and net/http read the rest
// when it closed the body after the handler, which in full duplex mode
// started its background read after it had stopped waiting for it: the
// next request's read panicked ("invalid concurrent Body.Read call",
// golang/go#68560) and the connection was dropped, under load with a
// reset that lost the response.
func TestToHandlerUnreadBodyNoPanic(t *testing.T) {
	var errLog stagetest.LogBuffer
	ts := httptest.NewUnstartedServer(nethttp.Handler(&gateway.Server{App: echoApp, Log: log.New(io.Discard, "", 0)}))
	ts.Config.ErrorLog = log.New(&errLog, "", 0)
	ts.Start()
	t.Cleanup(ts.Close)
	addr := ts.Listener.Addr().String()
	for _, size := range []int{100 << 10, 200 << 10, 300 << 10, 400 << 10} {
		rc := dialRaw(t, addr, fmt.Sprintf("POST /first HTTP/1.1\r\nHost: h\r\nContent-Length: %d\r\n\r\n%s", size, strings.Repeat("x", size))+
			"GET /second HTTP/1.1\r\nHost: h\r\n\r\n")
		if resp, body := rc.read(t, "POST"); resp.StatusCode != 200 || body != "/first" {
			t.Fatalf("%d bytes unread: first: %d %q", size, resp.StatusCode, body)
		}
		resp, err := http.ReadResponse(rc.r, &http.Request{Method: "GET"})
		switch {
		case err == nil:
			body, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != 200 || string(body) != "/second" {
				t.Errorf("%d bytes unread: second: %d %q", size, resp.StatusCode, body)
			}
		case size <= 256<<10:
			t.Errorf("%d bytes unread, within net/http's 256 KiB: the connection ended (%v); want the next request served", size, err)
		case !errors.Is(err, io.ErrUnexpectedEOF): // ReadResponse's word for a close before a response
			t.Errorf("%d bytes unread: after the response: %v; want the next response or a clean close", size, err)
		}
	}
	if strings.Contains(errLog.String(), "panic") {
		t.Errorf("net/http's log:\n%s", errLog.String())
	}
}
