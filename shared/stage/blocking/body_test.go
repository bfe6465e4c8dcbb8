package blocking_test

import (
	"fmt"
	"io"
	"log"
	"net"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"lbws/shared/apps"
	"lbws/shared/gateway"
	"lbws/shared/stage/blocking"
	"lbws/shared/stage/stagetest"
)

// serveOne serves the connection of pair with srv (its app counted in
// calls), closing it after, as a stage does, and returns the client and a
// channel closed when ServeConn has returned.
func serveOne(t *testing.T, srv *blocking.Server, calls *atomic.Int32) (net.Conn, <-chan struct{}) {
	t.Helper()
	app := srv.Gateway.App
	srv.Gateway.App = func(env *gateway.Environ, start gateway.StartResponse) gateway.Body {
		calls.Add(1)
		return app(env, start)
	}
	c, client := pair(t)
	done := make(chan struct{})
	go func() {
		defer close(done)
		srv.ServeConn(c)
		c.Close()
	}()
	t.Cleanup(func() { <-done })
	return client, done
}

// A body that fits in the body buffer is read and checked before the app
// runs: broken framing is 400 and a body that does not arrive in time 408,
// with Connection: close, and the app never sees the request, whether it
// would read its body (/echo) or not (a 404). A client that leaves
// mid-body gets nothing, and a line only with -v.
func TestBodyErrorsNeverReachTheApp(t *testing.T) {
	const (
		chunked = "Transfer-Encoding: chunked\r\n\r\n"
		sized   = "Content-Length: 10\r\n\r\n"
	)
	for _, tc := range []struct {
		name   string
		rest   string // after "POST <path> HTTP/1.1\r\nHost: x\r\n"
		leave  bool   // the client then closes its sending side
		status string // "": no response
	}{
		{"chunk-size-0x", chunked + "0x5\r\nhello\r\n0\r\n\r\n", false, "400"},
		{"chunk-data-too-long", chunked + "3\r\nhello\r\n0\r\n\r\n", false, "400"},
		{"chunk-bare-lf", chunked + "5\nhello\n0\n\n", false, "400"},
		{"chunked-no-last-chunk", chunked + "5\r\nhello\r\n", false, "408"},
		{"length-cut-short", sized + "hello", false, "408"},
		{"length-client-gone", sized + "hello", true, ""},
	} {
		for _, path := range []string{"/echo", "/unread"} {
			t.Run(tc.name+path, func(t *testing.T) {
				var calls atomic.Int32
				logs := &stagetest.LogBuffer{}
				client, done := serveOne(t, &blocking.Server{
					Gateway:       gateway.Server{App: apps.Mux(0), Name: "127.0.0.1", Port: "0", Log: log.New(logs, "", 0)},
					KeepAlive:     true,
					HeaderTimeout: 2 * time.Second, // and the idle timeout: a server that answered waits no longer
					BodyTimeout:   200 * time.Millisecond,
					Log:           log.New(logs, "", 0),
				}, &calls)
				io.WriteString(client, "POST "+path+" HTTP/1.1\r\nHost: x\r\n"+tc.rest)
				if tc.leave {
					client.(*net.TCPConn).CloseWrite()
				}
				got, _ := io.ReadAll(client)
				<-done
				switch {
				case tc.status == "" && len(got) != 0:
					t.Errorf("answered %q to a client that left; want nothing", got)
				case tc.status != "" && (!strings.HasPrefix(string(got), "HTTP/1.1 "+tc.status+" ") || !strings.Contains(string(got), "Connection: close\r\n")):
					t.Errorf("answered %q; want %s with Connection: close", got, tc.status)
				}
				if n := calls.Load(); n != 0 {
					t.Errorf("the app ran %d times; want never, the body was broken", n)
				}
				if tc.leave && logs.String() != "" {
					t.Errorf("logged a client that left without -v: %q", logs)
				}
			})
		}
	}
}

// A body larger than the buffer reaches the app once the buffer's worth
// has arrived, and the rest streams: the app gets every byte.
func TestLargeBodyStreamsAfterTheBuffer(t *testing.T) {
	var calls atomic.Int32
	client, _ := serveOne(t, &blocking.Server{
		Gateway:    gateway.Server{App: apps.Mux(0), Name: "127.0.0.1", Port: "0"},
		BodyBuffer: 16,
	}, &calls)
	body := strings.Repeat("0123456789", 10)
	fmt.Fprintf(client, "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n%s", len(body), body[:16])
	// The app starts, and echoes the first bytes, before the rest is sent.
	buf := make([]byte, 4096)
	n, err := io.ReadAtLeast(client, buf, 1)
	if err != nil {
		t.Fatalf("no response with the buffer's 16 bytes sent: %v", err)
	}
	io.WriteString(client, body[16:])
	rest, _ := io.ReadAll(client)
	got := string(buf[:n]) + string(rest)
	if !strings.HasPrefix(got, "HTTP/1.1 200 ") || !strings.HasSuffix(got, "\r\n\r\n"+body) {
		t.Errorf("answered %q; want 200 and the body back", got)
	}
}
