package main

import (
	"bufio"
	"net"
	"net/http"
	"net/http/httptest"
	osexec "os/exec"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// rawServer answers every request head it reads on a connection with
// response, then closes the connection when closeAfter is set; it returns
// the address.
func rawServer(t *testing.T, response string, closeAfter bool) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				br := bufio.NewReader(c)
				for {
					for { // the head ends with an empty line
						line, err := br.ReadString('\n')
						if err != nil {
							return
						}
						if line == "\r\n" {
							break
						}
					}
					if _, err := c.Write([]byte(response)); err != nil || closeAfter {
						return
					}
				}
			}()
		}
	}()
	return l.Addr().String()
}

const okResponse = "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 11\r\n\r\nHello World"

func TestCheckTarget(t *testing.T) {
	ka := Workload{KeepAlive: true}
	cl := Workload{KeepAlive: false}
	closing := "HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 11\r\n\r\nHello World"
	chunked := "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nb\r\nHello World\r\n0\r\n\r\n"
	tests := []struct {
		name       string
		response   string
		closeAfter bool
		w          Workload
		closes     bool
		err        string // in the error; "" for a pass
	}{
		{"keep-alive", okResponse, false, ka, false, ""},
		{"chunked", chunked, false, ka, false, ""},
		{"close honoured", closing, true, cl, false, ""},
		{"server closes every connection and says so", closing, true, ka, true, ""},
		{"server closes without saying so", okResponse, true, ka, false, "the second request on a kept-alive connection"},
		{"close ignored", okResponse, false, cl, false, "kept the connection open after answering Connection: close"},
		{"no framing", "HTTP/1.1 200 OK\r\n\r\nHello World", true, cl, false, "neither Content-Length nor chunked"},
		{"wrong body", "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nHello", false, ka, false, `answered "Hello", want "Hello World"`},
		{"redirect", "HTTP/1.1 302 Found\r\nLocation: /x\r\nContent-Length: 0\r\n\r\n", false, ka, false, "status 302 Found, want 200"},
	}
	for _, tt := range tests {
		addr := rawServer(t, tt.response, tt.closeAfter)
		got, err := checkTarget(t.Context(), addr, tt.w)
		switch {
		case tt.err == "" && err != nil:
			t.Errorf("%s: %v", tt.name, err)
		case tt.err != "" && (err == nil || !strings.Contains(err.Error(), tt.err)):
			t.Errorf("%s: error %v, want %q", tt.name, err, tt.err)
		case tt.err == "" && (got.closes != tt.closes || got.bytes != len(tt.response)):
			t.Errorf("%s: %+v, want closes %v and %d bytes", tt.name, got, tt.closes, len(tt.response))
		}
	}
}

// TestCheckSendsWrksRequest: the check asks exactly what wrk will, plus a
// User-Agent that tells bench's requests apart.
func TestCheckSendsWrksRequest(t *testing.T) {
	var got []string
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got = append(got, r.Method+" "+r.URL.Path+" close="+map[bool]string{true: "yes", false: "no"}[r.Close]+" ua="+r.UserAgent())
		w.Write([]byte(helloBody))
	}))
	defer ts.Close()
	addr := strings.TrimPrefix(ts.URL, "http://")
	if _, err := checkTarget(t.Context(), addr, Workload{KeepAlive: false}); err != nil {
		t.Fatal(err)
	}
	if _, err := checkTarget(t.Context(), addr, Workload{KeepAlive: true}); err != nil {
		t.Fatal(err)
	}
	// Keep-alive: a second request on the same connection.
	want := []string{"GET /hello close=yes ua=lbws-bench", "GET /hello close=no ua=lbws-bench", "GET /hello close=no ua=lbws-bench"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("requests (-want +got):\n%s", diff)
	}
}

func TestWarmUpSettles(t *testing.T) {
	addr := rawServer(t, okResponse, true)
	srv, err := startServer(osexec.Command("sleep", "30"))
	if err != nil {
		t.Fatal(err)
	}
	defer srv.stop(time.Second)
	start := time.Now()
	if err := warmUp(t.Context(), addr, Workload{KeepAlive: true}, 4, srv.pid()); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d > settleTimeout {
		t.Errorf("warm-up of an idle server took %v", d)
	}
}
