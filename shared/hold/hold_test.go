package hold

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
)

func TestLoopbackOnly(t *testing.T) {
	for addr, ok := range map[string]bool{
		"127.0.0.1:80": true, "127.1.2.3:80": true, "[::1]:80": true, "localhost:80": true,
		"10.0.0.1:80": false, "example.com:80": false, "0.0.0.0:80": false, "8888": false,
	} {
		if err := CheckLoopback(addr); (err == nil) != ok {
			t.Errorf("CheckLoopback(%q) = %v; want ok %v", addr, err, ok)
		}
	}
}

// serve starts a loopback HTTP server whose /hello answers 200, and
// whose /close answers with Connection: close after the first n
// requests; it returns its address and a count of open connections.
func serve(t *testing.T, n int64) (string, *atomic.Int64) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var open, served atomic.Int64
	srv := &http.Server{
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path == "/close" && served.Add(1) > n {
				w.Header().Set("Connection", "close")
			}
			fmt.Fprint(w, "Hello World")
		}),
		ConnState: func(c net.Conn, s http.ConnState) {
			switch s {
			case http.StateNew:
				open.Add(1)
			case http.StateClosed, http.StateHijacked:
				open.Add(-1)
			}
		},
	}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return ln.Addr().String(), &open
}

// Open holds n connections, opened several at a time, each answered.
func TestOpenHoldsN(t *testing.T) {
	addr, open := serve(t, 0)
	cl := Client{Addr: addr, Path: "/hello", Parallel: 8}
	held, err := cl.Open(context.Background(), 50)
	defer CloseAll(held)
	if err != nil || len(held) != 50 {
		t.Fatalf("Open: %d held, %v; want 50, nil", len(held), err)
	}
	if err := cl.Get(held[0]); err != nil {
		t.Errorf("a second request on a held connection: %v", err)
	}
	if got := open.Load(); got != 50 {
		t.Errorf("server sees %d connections; want 50", got)
	}
}

// A server that closes after its response ends the opening with
// ErrCloses, naming the connection.
func TestOpenStopsAtTheFirstFailure(t *testing.T) {
	addr, _ := serve(t, 10)
	cl := Client{Addr: addr, Path: "/close", Parallel: 1}
	held, err := cl.Open(context.Background(), 30)
	defer CloseAll(held)
	if err == nil || !strings.Contains(err.Error(), "connection 11 of 30") || !strings.Contains(err.Error(), "Connection: close") {
		t.Fatalf("Open: %v; want connection 11 of 30 refused with Connection: close", err)
	}
	if len(held) != 10 {
		t.Errorf("held %d; want the 10 before the failure", len(held))
	}
}
